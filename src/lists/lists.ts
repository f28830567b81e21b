// Lists and their people: creation, roles, members, exclusions, delivery modes.
// Each business operation takes the actor and a Queryable (database or transaction).
import { sql } from 'kysely';
import type { Actor } from '../platform/audit.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Queryable } from '../platform/db.ts';
import { Conflict, InvalidInput, isUniqueViolation, NotFound } from '../platform/errors.ts';
import type { DeliveryMode, ListKind, ListPolicy, ListRole } from './tables.ts';
import { personByEmail } from '../directory/people.ts';

export const SLUG = /^[a-z0-9]+([._-][a-z0-9]+)*$/;
const ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function normalizeAddress(raw: string): string {
  const a = raw.trim().toLowerCase();
  if (!ADDRESS.test(a) || a.length > 254) throw new InvalidInput('lists.error.address', { address: raw.slice(0, 80) });
  return a;
}

/** "CM1 B" + "escola-a" → "cm1-b-escola-a": the proposed local part of a derived list's address. */
export function slugify(...parts: string[]): string {
  return parts
    .join('-')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** The role changes of this transaction are recorded with this actor (read by the list_role trigger). */
export async function actAs(db: Queryable, actor: Actor): Promise<void> {
  await sql`select set_config('ostal.actor_id', ${actor.personId === null ? '' : String(actor.personId)}, true),
                   set_config('ostal.actor_label', ${actor.label}, true)`.execute(db);
}

export interface NewList {
  slug: string;
  name: string;
  kind: ListKind;
  classId?: number;
  schoolId?: number;
  groupId?: number;
  policy?: ListPolicy;
  subjectPrefix?: string;
  /** Person ids named owners by hand (required when the directory gives the list no owner). */
  owners?: number[];
}

export function isNoOwnerViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23514' && /without an owner/.test(e.message ?? '');
}

/** Must run inside a transaction: the at-least-one-owner check fires at commit. */
export async function createList(trx: Queryable, actor: Actor, input: NewList) {
  const slug = input.slug.trim().toLowerCase();
  if (!SLUG.test(slug) || slug.length > 64) throw new InvalidInput('lists.error.slug', { slug: input.slug.slice(0, 80) });
  if (!input.name.trim()) throw new InvalidInput('lists.error.name');
  await actAs(trx, actor);
  let list;
  try {
    list = await trx
      .insertInto('mailing_list')
      .values({
        slug,
        name: input.name.trim(),
        kind: input.kind,
        class_id: input.kind === 'class' ? (input.classId ?? null) : null,
        school_id: input.kind === 'school' ? (input.schoolId ?? null) : null,
        group_id: input.kind === 'group' ? (input.groupId ?? null) : null,
        policy: input.policy ?? (input.kind === 'class' || input.kind === 'school' ? 'announce' : 'discussion'),
        subject_prefix: input.subjectPrefix ?? `[${slug}]`,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('lists.error.exists', { slug });
    throw err;
  }
  for (const personId of input.owners ?? []) {
    await trx.insertInto('list_role').values({ list_id: list.id, person_id: personId, role: 'owner' }).execute();
  }
  await recordEvent(trx, actor, 'lists.create', slug, { kind: input.kind, owners: input.owners ?? [] });
  return list;
}

export async function listBySlug(db: Queryable, slug: string) {
  const l = await db.selectFrom('mailing_list').selectAll().where('slug', '=', slug.toLowerCase()).executeTakeFirst();
  if (!l) throw new NotFound('lists.error.notFound', { slug });
  return l;
}

export async function grantRole(db: Queryable, actor: Actor, listId: number, personId: number, role: ListRole) {
  await actAs(db, actor);
  await db.insertInto('list_role').values({ list_id: listId, person_id: personId, role }).onConflict((oc) => oc.doNothing()).execute();
}

export async function revokeRole(db: Queryable, actor: Actor, listId: number, personId: number, role: ListRole) {
  await actAs(db, actor);
  await db.deleteFrom('list_role').where('list_id', '=', listId).where('person_id', '=', personId).where('role', '=', role).execute();
}

/** Hands the list's hand-named ownership to one person (run in a transaction: checked at commit). */
export async function transferOwnership(trx: Queryable, actor: Actor, listId: number, newOwnerEmail: string) {
  const email = normalizeAddress(newOwnerEmail);
  const personId = await personByEmail(trx, email);
  if (personId === undefined) throw new NotFound('lists.error.noPerson', { address: email });
  await actAs(trx, actor);
  const previous = await trx
    .deleteFrom('list_role')
    .where('list_id', '=', listId)
    .where('role', '=', 'owner')
    .where('person_id', '!=', personId)
    .returning('person_id')
    .execute();
  await trx.insertInto('list_role').values({ list_id: listId, person_id: personId, role: 'owner' }).onConflict((oc) => oc.doNothing()).execute();
  await recordEvent(trx, actor, 'lists.transfer', String(listId), { to: personId, from: previous.map((p) => p.person_id) });
  return personId;
}

export async function addMember(db: Queryable, actor: Actor, listId: number, address: string, displayName = '') {
  const a = normalizeAddress(address);
  await db.deleteFrom('list_exclusion').where('list_id', '=', listId).where('address', '=', a).execute();
  await db.insertInto('list_member').values({ list_id: listId, address: a, display_name: displayName.slice(0, 200) }).onConflict((oc) => oc.doNothing()).execute();
  await recordEvent(db, actor, 'lists.member.add', String(listId), {});
  return a;
}

/** Takes an address off a list: removed if added by hand, excluded if the directory names it. */
export async function removeMember(db: Queryable, actor: Actor, listId: number, address: string) {
  const a = normalizeAddress(address);
  await db.deleteFrom('list_member').where('list_id', '=', listId).where('address', '=', a).execute();
  const fromDirectory = await db.selectFrom('list_directory_member').select('address').where('list_id', '=', listId).where('address', '=', a).executeTakeFirst();
  if (fromDirectory) await db.insertInto('list_exclusion').values({ list_id: listId, address: a }).onConflict((oc) => oc.doNothing()).execute();
  await recordEvent(db, actor, 'lists.member.remove', String(listId), { excluded: Boolean(fromDirectory) });
}

export async function setDelivery(db: Queryable, listId: number, address: string, mode: DeliveryMode) {
  await db
    .insertInto('list_member_state')
    .values({ list_id: listId, address, delivery: mode })
    .onConflict((oc) => oc.columns(['list_id', 'address']).doUpdateSet({ delivery: mode }))
    .execute();
}

export interface MemberRow {
  address: string;
  personId: number | null;
  fromDirectory: boolean;
  delivery: DeliveryMode;
  disabled: boolean;
}

export async function listMembers(db: Queryable, listId: number): Promise<MemberRow[]> {
  const rows = await db
    .selectFrom('list_membership as m')
    .leftJoin('list_member_state as s', (j) => j.onRef('s.list_id', '=', 'm.list_id').onRef('s.address', '=', 'm.address'))
    .select(['m.address', 'm.person_id', 'm.from_directory', 's.delivery', 's.disabled_at'])
    .where('m.list_id', '=', listId)
    .orderBy('m.address')
    .execute();
  return rows.map((r) => ({
    address: r.address,
    personId: r.person_id,
    fromDirectory: r.from_directory,
    delivery: r.delivery ?? 'each',
    disabled: r.disabled_at !== null,
  }));
}

export async function listOwners(db: Queryable, listId: number) {
  return db
    .selectFrom('list_owner as o')
    .innerJoin('dir_person as p', 'p.id', 'o.person_id')
    .leftJoin('person_primary_email as e', 'e.person_id', 'o.person_id')
    .select(['o.person_id', 'o.from_directory', 'p.first_name', 'p.last_name', 'e.email'])
    .where('o.list_id', '=', listId)
    .orderBy('p.last_name')
    .execute();
}

export async function isModerator(db: Queryable, listId: number, personId: number): Promise<boolean> {
  const r = await db.selectFrom('list_moderator').select('person_id').where('list_id', '=', listId).where('person_id', '=', personId).executeTakeFirst();
  return Boolean(r);
}

/**
 * Creates the missing lists of the directory: one per class of the current year, per school
 * and per group. A class that continues a class of last year takes over that class's list
 * (same address) so that parents and regents keep it across the rollover. Membership is never
 * copied: it stays computed from the directory.
 */
export async function createDirectoryLists(trx: Queryable, actor: Actor): Promise<string[]> {
  const created: string[] = [];
  await actAs(trx, actor);
  const classes = await trx
    .selectFrom('dir_class as c')
    .innerJoin('dir_school as s', 's.id', 'c.school_id')
    .leftJoin('mailing_list as l', 'l.class_id', 'c.id')
    .select(['c.id', 'c.name', 'c.previous_class_id', 's.slug as school_slug', 's.name as school_name'])
    .where('c.is_current', '=', true)
    .where('l.id', 'is', null)
    .execute();
  for (const c of classes) {
    if (c.previous_class_id !== null) {
      const moved = await trx.updateTable('mailing_list').set({ class_id: c.id }).where('class_id', '=', c.previous_class_id).returning('slug').executeTakeFirst();
      if (moved) {
        created.push(moved.slug);
        continue;
      }
    }
    const regents = await trx.selectFrom('dir_class_regent').select('person_id').where('class_id', '=', c.id).execute();
    if (regents.length === 0) continue; // no owner yet: created once the class has a regent
    const slug = await freeSlug(trx, slugify(c.name, c.school_slug));
    await createList(trx, actor, { slug, name: `${c.name} — ${c.school_name}`, kind: 'class', classId: c.id });
    created.push(slug);
  }
  const groups = await trx
    .selectFrom('dir_group as g')
    .leftJoin('mailing_list as l', 'l.group_id', 'g.id')
    .select(['g.id', 'g.name', 'g.slug'])
    .where('l.id', 'is', null)
    .where((eb) =>
      eb.exists(eb.selectFrom('dir_group_member as gm').select('gm.person_id').whereRef('gm.group_id', '=', 'g.id').where('gm.role', 'in', ['lead', 'president', 'co_president'])),
    )
    .execute();
  for (const g of groups) {
    const slug = await freeSlug(trx, g.slug);
    await createList(trx, actor, { slug, name: g.name, kind: 'group', groupId: g.id });
    created.push(slug);
  }
  return created;
}

async function freeSlug(db: Queryable, base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const s = i === 0 ? base : `${base}-${i + 1}`;
    const taken = await db.selectFrom('mailing_list').select('id').where('slug', '=', s).executeTakeFirst();
    if (!taken) return s;
  }
}

export async function renameAddress(db: Queryable, actor: Actor, listId: number, newSlug: string) {
  const slug = newSlug.trim().toLowerCase();
  if (!SLUG.test(slug) || slug.length > 64) throw new InvalidInput('lists.error.slug', { slug: newSlug.slice(0, 80) });
  try {
    await db.updateTable('mailing_list').set({ slug }).where('id', '=', listId).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('lists.error.exists', { slug });
    throw err;
  }
  await recordEvent(db, actor, 'lists.rename', String(listId), { slug });
}

export interface ListSettings {
  name: string;
  policy: ListPolicy;
  subjectPrefix: string;
  footer: string;
  replyTo: 'sender' | 'list';
  maxBytes: number;
  /** Days a held message waits for a moderator. */
  holdDays: number;
  archivePublic: boolean;
}

/** Validates the settings form of a list (boundary: strings in, typed settings out). */
export function parseSettings(f: Record<string, string>): ListSettings {
  const policy = f.policy as ListPolicy;
  if (!['announce', 'discussion', 'moderated'].includes(policy)) throw new InvalidInput('lists.error.policy');
  const replyTo = f.reply_to === 'list' ? 'list' : 'sender';
  const mb = Number(f.max_mb);
  if (!Number.isFinite(mb) || mb < 0.01 || mb > 100) throw new InvalidInput('lists.error.size');
  // An older form without the field keeps the default.
  const holdDays = f.hold_days?.trim() ? Number(f.hold_days) : 7;
  if (!Number.isInteger(holdDays) || holdDays < 1 || holdDays > 90) throw new InvalidInput('lists.error.holdDays');
  if (!f.name?.trim()) throw new InvalidInput('lists.error.name');
  return {
    name: f.name.trim().slice(0, 200),
    policy,
    subjectPrefix: (f.subject_prefix ?? '').trim().slice(0, 60),
    footer: (f.footer ?? '').replace(/\r\n/g, '\n').slice(0, 2000),
    replyTo,
    maxBytes: Math.round(mb * 1024 * 1024),
    holdDays,
    archivePublic: f.archive_public === 'on',
  };
}

export async function updateSettings(db: Queryable, actor: Actor, listId: number, s: ListSettings) {
  await db
    .updateTable('mailing_list')
    .set({ name: s.name, policy: s.policy, subject_prefix: s.subjectPrefix, footer: s.footer, reply_to: s.replyTo, max_bytes: s.maxBytes, hold_days: s.holdDays, archive_public: s.archivePublic })
    .where('id', '=', listId)
    .execute();
  await recordEvent(db, actor, 'lists.settings', String(listId), { ...s });
}

/** The lists a person is a member of, with their delivery mode there. */
export async function listsOfPerson(db: Queryable, personId: number) {
  return db
    .selectFrom('list_membership as m')
    .innerJoin('mailing_list as l', 'l.id', 'm.list_id')
    .innerJoin('dir_address as pe', 'pe.email', 'm.address')
    .leftJoin('list_member_state as s', (j) => j.onRef('s.list_id', '=', 'm.list_id').onRef('s.address', '=', 'm.address'))
    .select(['l.id', 'l.slug', 'l.name', 'l.kind', 'm.address', 'm.from_directory', 's.delivery', 's.disabled_at'])
    .where('pe.person_id', '=', personId)
    .orderBy('l.slug')
    .execute();
}
