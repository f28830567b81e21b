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
import { addressBucket } from '../platform/web/clientAddress.ts';
import { personByEmail } from '../directory/people.ts';

export const SIGNIN_TTL_MS = 15 * 60 * 1000;
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
/**
 * Requests allowed per address and per client (IPv4 address or IPv6 /64) within RATE_WINDOW_MS,
 * and wrong codes per client: a connection shared by a few families rarely reaches them, one client
 * guessing codes across many addresses gets 30 tries in a quarter of an hour (1 in 33,000 of
 * finding one code).
 */
export const RATE_PER_EMAIL = 5;
export const RATE_PER_IP = 30;
export const WRONG_CODES_PER_IP = 30;
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

/**
 * Asks for a sign-in link. Only what is the same for every address happens before the answer:
 * the limits (which count requests, not people) and the request row, written with no person. The
 * directory lookup and the mail are done after the answer has gone (finishRequest), so neither
 * the page nor its timing tells whether the address is in the directory — doing "the same work"
 * for an unknown address instead would mean composing and DKIM-signing a mail for nobody, and a
 * difference would still show. The code typed before the lookup is done cannot match: the code
 * only exists in that mail.
 */
export async function requestSignin(
  db: Db,
  deps: { config: Config; mailer: Mailer },
  input: { email: string; ip: string | null; t: Translate },
): Promise<{ handle: string }> {
  const email = normaliseEmail(input.email);
  const client = input.ip ? addressBucket(input.ip) : null;
  const issued = await db.transaction().execute(async (trx) => {
    // One request at a time per address and per client, so that parallel requests cannot all
    // read a count below the bound (on PostgreSQL; PGlite runs one transaction at a time anyway).
    await lockFor(trx, 'signin-email', email);
    if (client) await lockFor(trx, 'signin-client', client);
    const since = new Date(Date.now() - RATE_WINDOW_MS);
    const [byEmail, byIp] = await Promise.all([
      trx.selectFrom('signin_request').select((eb) => eb.fn.countAll<number>().as('n')).where('email', '=', email).where('created_at', '>', since).executeTakeFirstOrThrow(),
      client
        ? trx.selectFrom('signin_request').select((eb) => eb.fn.countAll<number>().as('n')).where('requester_ip', '=', client).where('created_at', '>', since).executeTakeFirstOrThrow()
        : Promise.resolve({ n: 0 }),
    ]);
    if (Number(byEmail.n) >= RATE_PER_EMAIL || Number(byIp.n) >= RATE_PER_IP) throw new TooMany('auth.rateLimited');
    return issue(trx, deps.config, email, null, client);
  });
  afterAnswer(() => finishRequest(db, deps, email, issued, input.t));
  return { handle: issued.handle };
}

/** Behind the answer: a known address gets its request bound to the person, and the mail. */
async function finishRequest(db: Db, deps: { config: Config; mailer: Mailer }, email: string, issued: SigninIssued, t: Translate): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const personId = await personByEmail(trx, email);
    // Unknown addresses keep their request row with no person (nothing can redeem it), so the
    // rate limits count them the same.
    if (personId === undefined) return;
    await trx.updateTable('signin_request').set({ person_id: personId }).where('handle', '=', issued.handle).execute();
    await deps.mailer.enqueue(trx, {
      from: `Ostal <no-reply@${deps.config.mailDomain}>`,
      to: [email],
      subject: t('auth.mail.subject'),
      text: t('auth.mail.body', { link: issued.link, code: issued.code, minutes: SIGNIN_TTL_MS / 60000 }),
      sensitive: true,
    });
  });
}

const behind = new Set<Promise<void>>();

/** Runs work once the current answer has been written (next turn of the event loop); a failure is logged, never shown. */
function afterAnswer(work: () => Promise<void>): void {
  const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(work)
    // No address in the log: the failure is the mail queue's, not the person's.
    .catch((err: unknown) => console.error('sign-in request: the mail could not be queued:', (err as Error).message))
    .finally(() => behind.delete(p));
  behind.add(p);
}

/** Resolves when every sign-in mail asked for so far is queued (or has failed): for shutdown and tests. */
export async function signinWorkDone(): Promise<void> {
  while (behind.size) await Promise.all([...behind]);
}

/** A transaction-scoped lock on one key (per address, per client): released at commit or rollback. */
async function lockFor(trx: Queryable, scope: string, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${scope + ':' + key}))`.execute(trx);
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

/**
 * Checks the six-digit code typed for a request. Five wrong codes void the request; thirty wrong
 * codes from one client within RATE_WINDOW_MS stop that client's tries, whatever the address,
 * until the oldest leaves the window (even a right code is refused then, or guessing would go on).
 */
export async function redeemCode(db: Db, handle: string, code: string, ip: string | null = null): Promise<{ sessionToken: string; personId: number }> {
  const typed = code.replace(/\s+/g, '');
  const client = ip ? addressBucket(ip) : null;
  type Outcome = { error: 'auth.codeInvalid' | 'auth.tooManyCodes' } | { sessionToken: string; personId: number };
  const outcome = await db.transaction().execute(async (trx): Promise<Outcome> => {
    if (client) {
      await lockFor(trx, 'signin-client', client);
      const since = new Date(Date.now() - RATE_WINDOW_MS);
      const { n } = await trx
        .selectFrom('signin_code_failure')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('client', '=', client)
        .where('failed_at', '>', since)
        .executeTakeFirstOrThrow();
      if (Number(n) >= WRONG_CODES_PER_IP) return { error: 'auth.tooManyCodes' };
    }
    const wrong = async (id: number | null, failed: number): Promise<Outcome> => {
      if (id !== null) await trx.updateTable('signin_request').set({ failed_attempts: failed + 1 }).where('id', '=', id).execute();
      if (client) {
        await trx.insertInto('signin_code_failure').values({ client }).execute();
        await trx.deleteFrom('signin_code_failure').where('failed_at', '<', new Date(Date.now() - RATE_WINDOW_MS)).execute();
      }
      return { error: 'auth.codeInvalid' };
    };
    const req = await trx
      .selectFrom('signin_request')
      .select(['id', 'person_id', 'code_hash', 'failed_attempts', 'used_at', 'expires_at'])
      .where('handle', '=', handle)
      .forUpdate()
      .executeTakeFirst();
    // A try on an unknown, used, expired or voided request counts against the client too.
    if (!req || req.used_at !== null || new Date(req.expires_at) <= new Date() || req.failed_attempts >= MAX_CODE_ATTEMPTS) {
      return wrong(null, 0);
    }
    if (!/^\d{6}$/.test(typed) || !sameHash(hashSecret(handle + ':' + typed), req.code_hash) || req.person_id === null) {
      return wrong(req.id, req.failed_attempts);
    }
    await trx.updateTable('signin_request').set({ used_at: sql`now()` }).where('id', '=', req.id).execute();
    const sessionToken = await openSession(trx, req.person_id, { personId: req.person_id, label: 'code' });
    return { sessionToken, personId: req.person_id };
  });
  // The failure counts are committed before the error is raised.
  if ('error' in outcome) throw outcome.error === 'auth.tooManyCodes' ? new TooMany(outcome.error) : new InvalidInput(outcome.error);
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
