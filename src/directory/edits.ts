// Hand edits of the directory by administrators: one business operation per function,
// called the same way by pages and the CLI.
import type { Db } from '../platform/db.ts';
import { Conflict, InvalidInput, isUniqueViolation, NotFound } from '../platform/errors.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { currentYear } from './people.ts';
import { isEmail, isPhone, slugify } from './names.ts';
import type { GroupKind, GroupRole } from './tables.ts';

export const GROUP_KINDS: GroupKind[] = ['commission', 'board', 'bureau', 'alsh', 'it', 'trainers', 'other'];
export const GROUP_ROLES: GroupRole[] = ['lead', 'president', 'co_president', 'vice_president', 'treasurer', 'secretary', 'member'];

function required(value: string, what: string): string {
  const v = value.trim();
  if (!v) throw new InvalidInput('directory.error.required', { field: what });
  if (v.length > 200) throw new InvalidInput('directory.error.tooLong', { field: what });
  return v;
}


export async function createSchool(db: Db, actor: Actor, input: { name: string }) {
  const name = required(input.name, 'name');
  try {
    const s = await db.insertInto('school').values({ name, slug: slugify(name) }).returningAll().executeTakeFirstOrThrow();
    await recordEvent(db, actor, 'directory.school.create', `school:${s.id}`, { name });
    return s;
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('directory.error.exists', { name });
    throw err;
  }
}

export async function createClass(db: Db, actor: Actor, input: { schoolId: number; name: string; level: string }) {
  const name = required(input.name, 'name');
  const year = await currentYear(db);
  if (!year) throw new InvalidInput('directory.error.noYear');
  const level = await db.selectFrom('level').select('code').where('code', '=', input.level).executeTakeFirst();
  if (!level) throw new InvalidInput('directory.error.level', { level: input.level });
  const school = await db.selectFrom('school').select('id').where('id', '=', input.schoolId).executeTakeFirst();
  if (!school) throw new NotFound('error.notFound');
  try {
    const c = await db
      .insertInto('class')
      .values({ school_id: school.id, school_year_id: year.id, name, level: level.code })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(db, actor, 'directory.class.create', `class:${c.id}`, { name, level: level.code });
    return c;
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('directory.error.exists', { name });
    throw err;
  }
}

/** Replaces a person's names, phone and addresses (first address = main one). */
export async function updatePerson(db: Db, actor: Actor, personId: number, input: { firstName: string; lastName: string; phone: string; emails: string[] }) {
  const firstName = required(input.firstName, 'first_name');
  const lastName = required(input.lastName, 'last_name');
  const phone = input.phone.trim() || null;
  if (phone && !isPhone(phone)) throw new InvalidInput('directory.error.phone', { phone });
  const emails = [...new Set(input.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  for (const e of emails) if (!isEmail(e)) throw new InvalidInput('directory.error.email', { email: e });
  return db.transaction().execute(async (trx) => {
    const p = await trx.updateTable('person').set({ first_name: firstName, last_name: lastName, phone }).where('id', '=', personId).returning('id').executeTakeFirst();
    if (!p) throw new NotFound('error.notFound');
    if (emails.length) {
      const taken = await trx.selectFrom('person_email').select(['email']).where('email', 'in', emails).where('person_id', '<>', personId).executeTakeFirst();
      if (taken) throw new Conflict('directory.error.emailTaken', { email: taken.email });
    }
    await trx.deleteFrom('person_email').where('person_id', '=', personId).execute();
    if (emails.length) await trx.insertInto('person_email').values(emails.map((email, position) => ({ email, person_id: personId, position }))).execute();
    await recordEvent(trx, actor, 'directory.person.update', `person:${personId}`, { emails: emails.length });
  });
}

export async function createGroup(db: Db, actor: Actor, input: { name: string; kind: string }) {
  const name = required(input.name, 'name');
  if (!GROUP_KINDS.includes(input.kind as GroupKind)) throw new InvalidInput('directory.error.kind', { kind: input.kind });
  try {
    const g = await db.insertInto('directory_group').values({ name, kind: input.kind as GroupKind, slug: slugify(name) }).returningAll().executeTakeFirstOrThrow();
    await recordEvent(db, actor, 'directory.group.create', `group:${g.id}`, { name, kind: g.kind });
    return g;
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('directory.error.exists', { name });
    throw err;
  }
}

/**
 * Adds a person to a group by address (creating the person when the address is new:
 * groups hold people who are not parents), or changes their role.
 */
export async function setGroupMember(db: Db, actor: Actor, groupId: number, input: { email: string; firstName: string; lastName: string; role: string }) {
  const email = input.email.trim().toLowerCase();
  if (!isEmail(email)) throw new InvalidInput('directory.error.email', { email });
  if (!GROUP_ROLES.includes(input.role as GroupRole)) throw new InvalidInput('directory.error.role', { role: input.role });
  return db.transaction().execute(async (trx) => {
    const g = await trx.selectFrom('directory_group').select('id').where('id', '=', groupId).executeTakeFirst();
    if (!g) throw new NotFound('error.notFound');
    let personId = (await trx.selectFrom('person_email').select('person_id').where('email', '=', email).executeTakeFirst())?.person_id;
    if (personId === undefined) {
      const first = required(input.firstName, 'first_name');
      const last = required(input.lastName, 'last_name');
      personId = (await trx.insertInto('person').values({ first_name: first, last_name: last }).returning('id').executeTakeFirstOrThrow()).id;
      await trx.insertInto('person_email').values({ email, person_id: personId }).execute();
    }
    await trx
      .insertInto('group_member')
      .values({ group_id: groupId, person_id: personId, role: input.role as GroupRole })
      .onConflict((oc) => oc.columns(['group_id', 'person_id']).doUpdateSet({ role: input.role as GroupRole }))
      .execute();
    await recordEvent(trx, actor, 'directory.group.member.set', `group:${groupId}`, { person: personId, role: input.role });
    return personId;
  });
}

export async function removeGroupMember(db: Db, actor: Actor, groupId: number, personId: number) {
  const r = await db.deleteFrom('group_member').where('group_id', '=', groupId).where('person_id', '=', personId).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new NotFound('error.notFound');
  await recordEvent(db, actor, 'directory.group.member.remove', `group:${groupId}`, { person: personId });
}

/** Finds the person owning an address, or creates them (names required then). */
async function personByEmail(trx: Db, input: { email: string; firstName: string; lastName: string; phone?: string }): Promise<number> {
  const email = input.email.trim().toLowerCase();
  if (!isEmail(email)) throw new InvalidInput('directory.error.email', { email });
  const found = await trx.selectFrom('person_email').select('person_id').where('email', '=', email).executeTakeFirst();
  if (found) return found.person_id;
  const phone = input.phone?.trim() || null;
  if (phone && !isPhone(phone)) throw new InvalidInput('directory.error.phone', { phone });
  const p = await trx
    .insertInto('person')
    .values({ first_name: required(input.firstName, 'first_name'), last_name: required(input.lastName, 'last_name'), phone })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('person_email').values({ email, person_id: p.id }).execute();
  return p.id;
}

/** Makes a person (found or created by address) a regent of a class. */
export async function addRegent(db: Db, actor: Actor, classId: number, input: { email: string; firstName: string; lastName: string }) {
  return db.transaction().execute(async (trx) => {
    const cls = await trx.selectFrom('class').select(['id', 'school_id']).where('id', '=', classId).executeTakeFirst();
    if (!cls) throw new NotFound('error.notFound');
    const personId = await personByEmail(trx, input);
    await trx.insertInto('staff').values({ person_id: personId, school_id: cls.school_id, role: 'regent' }).onConflict((oc) => oc.doNothing()).execute();
    await trx.insertInto('class_regent').values({ class_id: classId, person_id: personId }).onConflict((oc) => oc.doNothing()).execute();
    await recordEvent(trx, actor, 'directory.class.regent.add', `class:${classId}`, { person: personId });
    return personId;
  });
}

export async function createHousehold(db: Db, actor: Actor, input: { name: string }) {
  const name = required(input.name, 'name');
  try {
    const h = await db.insertInto('household').values({ name }).returningAll().executeTakeFirstOrThrow();
    await recordEvent(db, actor, 'directory.household.create', `household:${h.id}`, { name });
    return h;
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('directory.error.exists', { name });
    throw err;
  }
}

export async function addGuardian(db: Db, actor: Actor, householdId: number, input: { email: string; firstName: string; lastName: string; phone: string }) {
  return db.transaction().execute(async (trx) => {
    const h = await trx.selectFrom('household').select('id').where('id', '=', householdId).executeTakeFirst();
    if (!h) throw new NotFound('error.notFound');
    const personId = await personByEmail(trx, input);
    await trx.insertInto('household_guardian').values({ household_id: householdId, person_id: personId }).onConflict((oc) => oc.doNothing()).execute();
    await recordEvent(trx, actor, 'directory.household.guardian.add', `household:${householdId}`, { person: personId });
    return personId;
  });
}

/** Adds a child to a household, enrolled in a class of the current year. */
export async function addPupil(db: Db, actor: Actor, householdId: number, input: { firstName: string; classId: number }) {
  const firstName = required(input.firstName, 'first_name');
  return db.transaction().execute(async (trx) => {
    const year = await currentYear(trx);
    if (!year) throw new InvalidInput('directory.error.noYear');
    const cls = await trx.selectFrom('class').select('id').where('id', '=', input.classId).where('school_year_id', '=', year.id).executeTakeFirst();
    if (!cls) throw new InvalidInput('directory.error.class');
    const h = await trx.selectFrom('household').select('id').where('id', '=', householdId).executeTakeFirst();
    if (!h) throw new NotFound('error.notFound');
    let pupil;
    try {
      pupil = await trx.insertInto('pupil').values({ household_id: householdId, first_name: firstName }).returning('id').executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict('directory.error.exists', { name: firstName });
      throw err;
    }
    await trx.insertInto('enrolment').values({ pupil_id: pupil.id, school_year_id: year.id, class_id: cls.id }).execute();
    await recordEvent(trx, actor, 'directory.pupil.add', `household:${householdId}`, { pupil: pupil.id, class: cls.id });
    return pupil.id;
  });
}

/**
 * Moves a child to another class of the current year (or enrols them when they have none):
 * after a rollover of multi-level classes, or a change during the year. Earlier years'
 * enrolments stay as they were: they are the class history.
 */
export async function movePupil(db: Db, actor: Actor, pupilId: number, input: { classId: number }) {
  return db.transaction().execute(async (trx) => {
    const year = await currentYear(trx);
    if (!year) throw new InvalidInput('directory.error.noYear');
    const cls = await trx.selectFrom('class').select('id').where('id', '=', input.classId).where('school_year_id', '=', year.id).executeTakeFirst();
    if (!cls) throw new InvalidInput('directory.error.class');
    const pupil = await trx.selectFrom('pupil').select(['id', 'household_id']).where('id', '=', pupilId).forUpdate().executeTakeFirst();
    if (!pupil) throw new NotFound('error.notFound');
    const before = await trx.selectFrom('enrolment').select('class_id').where('pupil_id', '=', pupilId).where('school_year_id', '=', year.id).executeTakeFirst();
    await trx
      .insertInto('enrolment')
      .values({ pupil_id: pupilId, school_year_id: year.id, class_id: cls.id })
      .onConflict((oc) => oc.columns(['pupil_id', 'school_year_id']).doUpdateSet({ class_id: cls.id }))
      .execute();
    await recordEvent(trx, actor, 'directory.pupil.move', `household:${pupil.household_id}`, { pupil: pupilId, from: before?.class_id ?? null, to: cls.id });
    return pupil.household_id;
  });
}
