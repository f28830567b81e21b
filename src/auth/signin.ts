// Password-free sign-in: a link and a six-digit code by e-mail, single-use, 15 minutes,
// stored hashed; the answer is the same whether the address is known or not.
import { sql } from 'kysely';
import type { Config } from '../platform/config.ts';
import type { Db, Queryable } from '../platform/db.ts';
import { InvalidInput, TooMany } from '../platform/errors.ts';
import type { Translate } from '../platform/i18n/index.ts';
import type { Mailer } from '../platform/mail.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { hashSecret, newCode, newToken, sameHash } from './tokens.ts';
import { isEmail } from '../directory/names.ts';
import { personByEmail } from '../directory/people.ts';

export const SIGNIN_TTL_MS = 15 * 60 * 1000;
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
/** Requests allowed per address and per client address within RATE_WINDOW_MS. */
export const RATE_PER_EMAIL = 5;
export const RATE_PER_IP = 30;
export const RATE_WINDOW_MS = 15 * 60 * 1000;

export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!isEmail(email)) throw new InvalidInput('auth.emailInvalid');
  return email;
}

export interface SigninIssued {
  handle: string;
  /** Present only for the caller that must show it (CLI); the web never returns these. */
  link: string;
  code: string;
}

async function issue(db: Queryable, config: Config, email: string, personId: number | null, ip: string | null) {
  const handle = newToken(16);
  const linkToken = newToken();
  const code = newCode();
  await db
    .insertInto('signin_request')
    .values({
      handle,
      email,
      person_id: personId,
      link_hash: hashSecret(linkToken),
      code_hash: hashSecret(handle + ':' + code),
      expires_at: new Date(Date.now() + SIGNIN_TTL_MS),
      requester_ip: ip,
    })
    .execute();
  return { handle, link: `${config.publicUrl}/signin/link/${linkToken}`, code };
}

/** Issues a sign-in for a known person without mail (CLI `admin add`, first start). */
export async function issueSignin(db: Queryable, config: Config, personId: number, email: string): Promise<SigninIssued> {
  return issue(db, config, email, personId, null);
}

export async function requestSignin(
  db: Db,
  deps: { config: Config; mailer: Mailer },
  input: { email: string; ip: string | null; t: Translate },
): Promise<{ handle: string }> {
  const email = normaliseEmail(input.email);
  return db.transaction().execute(async (trx) => {
    const since = new Date(Date.now() - RATE_WINDOW_MS);
    const [byEmail, byIp] = await Promise.all([
      trx.selectFrom('signin_request').select((eb) => eb.fn.countAll<number>().as('n')).where('email', '=', email).where('created_at', '>', since).executeTakeFirstOrThrow(),
      input.ip
        ? trx.selectFrom('signin_request').select((eb) => eb.fn.countAll<number>().as('n')).where('requester_ip', '=', input.ip).where('created_at', '>', since).executeTakeFirstOrThrow()
        : Promise.resolve({ n: 0 }),
    ]);
    if (Number(byEmail.n) >= RATE_PER_EMAIL || Number(byIp.n) >= RATE_PER_IP) throw new TooMany('auth.rateLimited');
    const personId = await personByEmail(trx, email);
    // Unknown addresses get a request row too (that nothing can redeem), so the answer,
    // the rate limit and the timing do not tell whether the address is in the directory.
    const issued = await issue(trx, deps.config, email, personId ?? null, input.ip);
    if (personId !== undefined) {
      const { t } = input;
      await deps.mailer.enqueue(trx, {
        from: `Ostal <no-reply@${deps.config.mailDomain}>`,
        to: [email],
        subject: t('auth.mail.subject'),
        text: t('auth.mail.body', { link: issued.link, code: issued.code, minutes: SIGNIN_TTL_MS / 60000 }),
        sensitive: true,
      });
    }
    return { handle: issued.handle };
  });
}

export async function openSession(db: Queryable, personId: number, actor: Actor): Promise<string> {
  const token = newToken();
  await db
    .insertInto('session')
    .values({ token_hash: hashSecret(token), person_id: personId, expires_at: new Date(Date.now() + SESSION_TTL_MS) })
    .execute();
  await recordEvent(db, actor, 'auth.signin', `person:${personId}`);
  return token;
}

/** Redeems the e-mailed link; returns a new session token. */
export async function redeemLink(db: Db, linkToken: string): Promise<{ sessionToken: string; personId: number }> {
  return db.transaction().execute(async (trx) => {
    // One UPDATE both checks and consumes: two clicks at once cannot both succeed.
    const row = await trx
      .updateTable('signin_request')
      .set({ used_at: sql`now()` })
      .where('link_hash', '=', hashSecret(linkToken))
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .where('person_id', 'is not', null)
      .returning('person_id')
      .executeTakeFirst();
    if (!row?.person_id) throw new InvalidInput('auth.linkInvalid');
    const sessionToken = await openSession(trx, row.person_id, { personId: row.person_id, label: 'link' });
    return { sessionToken, personId: row.person_id };
  });
}

/** Checks the six-digit code typed for a request; five wrong codes void the request. */
export async function redeemCode(db: Db, handle: string, code: string): Promise<{ sessionToken: string; personId: number }> {
  const typed = code.replace(/\s+/g, '');
  const outcome = await db.transaction().execute(async (trx) => {
    const req = await trx
      .selectFrom('signin_request')
      .select(['id', 'person_id', 'code_hash', 'failed_attempts', 'used_at', 'expires_at'])
      .where('handle', '=', handle)
      .forUpdate()
      .executeTakeFirst();
    if (!req || req.used_at !== null || new Date(req.expires_at) <= new Date() || req.failed_attempts >= MAX_CODE_ATTEMPTS) {
      return { error: 'auth.codeInvalid' as const };
    }
    if (!/^\d{6}$/.test(typed) || !sameHash(hashSecret(handle + ':' + typed), req.code_hash) || req.person_id === null) {
      await trx.updateTable('signin_request').set({ failed_attempts: req.failed_attempts + 1 }).where('id', '=', req.id).execute();
      return { error: 'auth.codeInvalid' as const };
    }
    await trx.updateTable('signin_request').set({ used_at: sql`now()` }).where('id', '=', req.id).execute();
    const sessionToken = await openSession(trx, req.person_id, { personId: req.person_id, label: 'code' });
    return { sessionToken, personId: req.person_id };
  });
  // The failed-attempt count is committed before the error is raised.
  if ('error' in outcome) throw new InvalidInput('auth.codeInvalid');
  return outcome;
}

/** The person behind a session cookie, or null; sessions slide while used. */
export async function sessionPerson(db: Db, token: string): Promise<number | null> {
  if (!token || token.length > 100) return null;
  const hash = hashSecret(token);
  const s = await db
    .selectFrom('session')
    .select(['person_id', 'last_seen_at'])
    .where('token_hash', '=', hash)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (!s) return null;
  if (Date.now() - new Date(s.last_seen_at).getTime() > 3600_000) {
    await db
      .updateTable('session')
      .set({ last_seen_at: new Date(), expires_at: new Date(Date.now() + SESSION_TTL_MS) })
      .where('token_hash', '=', hash)
      .execute();
  }
  return s.person_id;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('session').where('token_hash', '=', hashSecret(token)).execute();
}
