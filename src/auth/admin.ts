// Platform administrators outside the IT group: the bootstrap before a directory exists.
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { issueSignin, normaliseEmail, type SigninIssued } from './signin.ts';

export async function addAdmin(db: Db, config: Config, rawEmail: string, actor: Actor): Promise<SigninIssued & { personId: number; created: boolean }> {
  const email = normaliseEmail(rawEmail);
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('person_email').select('person_id').where('email', '=', email).executeTakeFirst();
    let personId = existing?.person_id;
    if (personId === undefined) {
      const local = email.split('@')[0]!;
      const person = await trx
        .insertInto('person')
        .values({ first_name: local.slice(0, 100), last_name: '—', is_platform_admin: true })
        .returning('id')
        .executeTakeFirstOrThrow();
      personId = person.id;
      await trx.insertInto('person_email').values({ email, person_id: personId }).execute();
    } else {
      await trx.updateTable('person').set({ is_platform_admin: true }).where('id', '=', personId).execute();
    }
    await recordEvent(trx, actor, 'auth.admin.add', `person:${personId}`, { email });
    const issued = await issueSignin(trx, config, personId, email);
    return { ...issued, personId, created: existing === undefined };
  });
}

/** True while nobody can administer the instance: no bootstrap admin and no IT group member. */
export async function hasNoAdmin(db: Db): Promise<boolean> {
  const admin = await db.selectFrom('person').select('id').where('is_platform_admin', '=', true).limit(1).executeTakeFirst();
  if (admin) return false;
  const it = await db
    .selectFrom('group_member')
    .innerJoin('directory_group', 'directory_group.id', 'group_member.group_id')
    .select('group_member.person_id')
    .where('directory_group.kind', '=', 'it')
    .limit(1)
    .executeTakeFirst();
  return !it;
}

/**
 * First start: create the first administrator (admin@MAIL_DOMAIN until they change it)
 * and return a one-time sign-in link to print. Later starts print a fresh link for as long as
 * that administrator has never signed in.
 */
export async function bootstrapLink(db: Db, config: Config): Promise<string | null> {
  const email = `admin@${config.mailDomain}`;
  const owner = await db.selectFrom('person_email').innerJoin('person', 'person.id', 'person_email.person_id').select(['person.id', 'person.is_platform_admin']).where('email', '=', email).executeTakeFirst();
  if (!owner && !(await hasNoAdmin(db))) {
    // Administrators came from the directory (e.g. `ostal demo` before the first start) but
    // nobody has ever signed in: without a relay their codes would wait in the outbox, which
    // never shows them, so the first start still hands out a link.
    const anySignin = await db.selectFrom('audit_event').select('id').where('action', '=', 'auth.signin').limit(1).executeTakeFirst();
    if (anySignin) return null;
  }
  if (owner) {
    if (!owner.is_platform_admin) return null;
    const signedIn = await db.selectFrom('audit_event').select('id').where('action', '=', 'auth.signin').where('subject', '=', `person:${owner.id}`).limit(1).executeTakeFirst();
    if (signedIn) return null;
  }
  const r = await addAdmin(db, config, email, { personId: null, label: 'first-start' });
  return r.link;
}
