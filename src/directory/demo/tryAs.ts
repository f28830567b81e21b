// "Try as" on the fictional demo: without a relay nobody receives a sign-in mail, and the outbox
// never shows one, so an administrator trying the demo opens a session as one of its people
// instead. The setting `demo.try_as` names them; it exists only while no real directory import
// has happened (migration 0034: `directory.real_data`, written by every applied import, removes
// it for good and forbids writing it again).
import { sql } from 'kysely';
import type { Db, Queryable } from '../../platform/db.ts';
import { Forbidden } from '../../platform/errors.ts';
import { recordEvent, type Actor } from '../../platform/audit.ts';
import { openSession } from '../../auth/signin.ts';
import type { DemoAssociation } from './data.ts';

export const TRY_AS_ROLES = ['treasurer', 'regent', 'parent'] as const;
export type TryAsRole = (typeof TRY_AS_ROLES)[number];

const TRY_AS_KEY = 'demo.try_as';
const REAL_DATA_KEY = 'directory.real_data';

export function isTryAsRole(s: unknown): s is TryAsRole {
  return typeof s === 'string' && (TRY_AS_ROLES as readonly string[]).includes(s);
}

/** Pure: the demo's people to try as — its treasurer, a class's regent, a parent with no other role. */
export function tryAsKeys(demo: DemoAssociation): Record<TryAsRole, string> | undefined {
  const treasurer = demo.groups.find((g) => g.kind === 'bureau')?.members.find((m) => m.role === 'treasurer')?.person;
  const regent = demo.classes[0]?.regents[0];
  const busy = new Set([...demo.groups.flatMap((g) => g.members.map((m) => m.person)), ...demo.staff.map((s) => s.person)]);
  const parent = demo.households.flatMap((h) => h.guardians).find((g) => !busy.has(g));
  return treasurer && regent && parent ? { treasurer, regent, parent } : undefined;
}

/** Called by the demo loader in its transaction; does nothing once real data was imported. */
export async function enableTryAs(trx: Queryable, people: Record<TryAsRole, number>): Promise<boolean> {
  if (await realDataImported(trx)) return false;
  await trx
    .insertInto('setting')
    .values({ key: TRY_AS_KEY, value: JSON.stringify(people) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(people), updated_at: new Date() }))
    .execute();
  return true;
}

/** Every applied directory import: from now on the directory may hold real people. Irreversible. */
export async function markRealData(trx: Queryable, actor: Actor): Promise<void> {
  if (await realDataImported(trx)) return;
  await trx
    .insertInto('setting')
    .values({ key: REAL_DATA_KEY, value: JSON.stringify({ at: new Date().toISOString(), by: actor.label }) })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function realDataImported(db: Queryable): Promise<boolean> {
  return Boolean(await db.selectFrom('setting').select('key').where('key', '=', REAL_DATA_KEY).executeTakeFirst());
}

export interface TryAsPerson {
  role: TryAsRole;
  personId: number;
  name: string;
}

/** The people an administrator may try as; empty unless the fictional demo is all there is. */
export async function tryAsPeople(db: Queryable): Promise<TryAsPerson[]> {
  const row = await db.selectFrom('setting').select('value').where('key', '=', TRY_AS_KEY).executeTakeFirst();
  if (!row) return [];
  const ids = (typeof row.value === 'string' ? JSON.parse(row.value) : row.value) as Partial<Record<TryAsRole, number>>;
  const wanted = TRY_AS_ROLES.flatMap((role) => (typeof ids[role] === 'number' ? [{ role, personId: ids[role] }] : []));
  if (wanted.length === 0) return [];
  const people = await db.selectFrom('person').select(['id', 'first_name', 'last_name']).where('id', 'in', wanted.map((w) => w.personId)).execute();
  const byId = new Map(people.map((p) => [p.id, `${p.first_name} ${p.last_name}`]));
  return wanted.flatMap((w) => (byId.has(w.personId) ? [{ ...w, name: byId.get(w.personId)! }] : []));
}

/** Opens a session as the demo's person for `role` (an administrator's act, audited). */
export async function tryAs(db: Db, actor: Actor, isAdmin: boolean, role: TryAsRole): Promise<{ sessionToken: string; personId: number }> {
  if (!isAdmin) throw new Forbidden('error.forbidden');
  return db.transaction().execute(async (trx) => {
    // Read under the lock an import takes to mark real data (migration 0034): a session is
    // never opened as a demo person by a request that raced a real import's commit.
    await sql`select pg_advisory_xact_lock(hashtext('ostal.setting.real_data'))`.execute(trx);
    const person = (await tryAsPeople(trx)).find((p) => p.role === role);
    if (!person) throw new Forbidden('demo.tryAs.unavailable');
    await recordEvent(trx, actor, 'demo.try_as', `person:${person.personId}`, { role });
    const sessionToken = await openSession(trx, person.personId, { personId: person.personId, label: `try-as by ${actor.label}`.slice(0, 200) });
    return { sessionToken, personId: person.personId };
  });
}
