// Platform administrators outside the IT group: the bootstrap before a directory exists.
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { issueSignin, normaliseEmail, type SigninIssued } from './signin.ts';
import { hasNoAdmin, makePlatformAdmin, platformAdminByEmail } from '../directory/people.ts';

export async function addAdmin(db: Db, config: Config, rawEmail: string, actor: Actor): Promise<SigninIssued & { personId: number; created: boolean }> {
  const email = normaliseEmail(rawEmail);
  return db.transaction().execute(async (trx) => {
    // The person and the flag are the directory's: it writes them.
    const { personId, created } = await makePlatformAdmin(trx, email);
    await recordEvent(trx, actor, 'auth.admin.add', `person:${personId}`, { email });
    const issued = await issueSignin(trx, config, personId, email);
    return { ...issued, personId, created };
  });
}

/**
 * First start: create the first administrator (admin@MAIL_DOMAIN until they change it)
 * and return a one-time sign-in link to print. Later starts print a fresh link for as long as
 * that administrator has never signed in.
 */
export async function bootstrapLink(db: Db, config: Config): Promise<string | null> {
  const email = `admin@${config.mailDomain}`;
  const owner = await platformAdminByEmail(db, email);
  if (!owner && !(await hasNoAdmin(db))) {
    // Administrators came from the directory (e.g. `ostal demo` before the first start) but
    // nobody has ever signed in: without a relay their codes would wait in the outbox, which
    // never shows them, so the first start still hands out a link.
    const anySignin = await db.selectFrom('audit_event').select('id').where('action', '=', 'auth.signin').limit(1).executeTakeFirst();
    if (anySignin) return null;
  }
  if (owner) {
    if (!owner.isPlatformAdmin) return null;
    const signedIn = await db.selectFrom('audit_event').select('id').where('action', '=', 'auth.signin').where('subject', '=', `person:${owner.personId}`).limit(1).executeTakeFirst();
    if (signedIn) return null;
  }
  const r = await addAdmin(db, config, email, { personId: null, label: 'first-start' });
  return r.link;
}
