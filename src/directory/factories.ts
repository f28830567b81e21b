// Test factories: small builders of directory data against the real database.
// Names are invented; addresses use example.org.
import type { Queryable } from '../platform/db.ts';
import type { GroupKind, GroupRole, StaffRole } from './tables.ts';

let seq = 0;
const next = () => ++seq + Math.floor(Math.random() * 1e6) * 1000;

export async function aSchool(db: Queryable, o: { name?: string; slug?: string } = {}) {
  const n = next();
  return db
    .insertInto('school')
    .values({ name: o.name ?? `Calandreta de tèst ${n}`, slug: o.slug ?? `calandreta-${n}` })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The current school year, created if there is none. */
export async function aCurrentYear(db: Queryable, label = '2026-2027') {
  const cur = await db.selectFrom('school_year').selectAll().where('is_current', '=', true).executeTakeFirst();
  if (cur) return cur;
  const start = Number(label.slice(0, 4));
  return db
    .insertInto('school_year')
    .values({ label, starts_on: `${start}-09-01`, ends_on: `${start + 1}-08-31`, is_current: true })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function aClass(db: Queryable, o: { schoolId?: number; name?: string; level?: string; yearId?: number } = {}) {
  const schoolId = o.schoolId ?? (await aSchool(db)).id;
  const yearId = o.yearId ?? (await aCurrentYear(db)).id;
  const level = o.level ?? 'CM1';
  return db
    .insertInto('class')
    .values({ school_id: schoolId, school_year_id: yearId, name: o.name ?? `${level} ${next()}`, level })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function aPerson(db: Queryable, o: { firstName?: string; lastName?: string; email?: string | null; phone?: string } = {}) {
  const n = next();
  const p = await db
    .insertInto('person')
    .values({ first_name: o.firstName ?? 'Joana', last_name: o.lastName ?? `Testaire${n}`, phone: o.phone ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
  const email = o.email === undefined ? `person${n}@example.org` : o.email;
  if (email) await db.insertInto('person_email').values({ email, person_id: p.id }).execute();
  return { ...p, email };
}

/** A household with one guardian and, when classIds are given, one pupil in each class. */
export async function aHousehold(db: Queryable, o: { name?: string; classIds?: number[]; guardians?: number } = {}) {
  const n = next();
  const h = await db.insertInto('household').values({ name: o.name ?? `Familha ${n}` }).returningAll().executeTakeFirstOrThrow();
  const guardians = [];
  for (let i = 0; i < (o.guardians ?? 1); i++) {
    const g = await aPerson(db);
    await db.insertInto('household_guardian').values({ household_id: h.id, person_id: g.id }).execute();
    guardians.push(g);
  }
  const pupils = [];
  for (const [i, classId] of (o.classIds ?? []).entries()) {
    const cls = await db.selectFrom('class').select(['school_year_id']).where('id', '=', classId).executeTakeFirstOrThrow();
    const p = await db.insertInto('pupil').values({ household_id: h.id, first_name: `Enfant${i + 1}` }).returningAll().executeTakeFirstOrThrow();
    await db.insertInto('enrolment').values({ pupil_id: p.id, school_year_id: cls.school_year_id, class_id: classId }).execute();
    pupils.push(p);
  }
  return { ...h, guardians, pupils };
}

export async function aRegent(db: Queryable, classId: number) {
  const p = await aPerson(db, { firstName: 'Regent' });
  const cls = await db.selectFrom('class').select('school_id').where('id', '=', classId).executeTakeFirstOrThrow();
  await db.insertInto('staff').values({ person_id: p.id, school_id: cls.school_id, role: 'regent' satisfies StaffRole }).execute();
  await db.insertInto('class_regent').values({ class_id: classId, person_id: p.id }).execute();
  return p;
}

export async function aGroup(db: Queryable, o: { kind?: GroupKind; name?: string; members?: Array<{ personId: number; role?: GroupRole }> } = {}) {
  const n = next();
  const g = await db
    .insertInto('directory_group')
    .values({ kind: o.kind ?? 'commission', name: o.name ?? `Comission ${n}`, slug: `grop-${n}` })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const m of o.members ?? []) {
    await db.insertInto('group_member').values({ group_id: g.id, person_id: m.personId, role: m.role ?? 'member' }).execute();
  }
  return g;
}
