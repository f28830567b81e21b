// The import's database side: reading the snapshot the planner needs, and writing a plan.
// Both run inside the import's one transaction.
import { sql } from 'kysely';
import type { Queryable } from '../../platform/db.ts';
import type { Plan, PlanKind, Snapshot } from './plan.ts';

export async function loadSnapshot(db: Queryable): Promise<Snapshot> {
  const year = await db.selectFrom('school_year').select(['id', 'label']).where('is_current', '=', true).executeTakeFirst();
  const yearId = year?.id ?? -1;
  const [levels, schools, classes, people, emails, households, guardians, pupils, enrolments, staff, classRegents, groups, members] = await Promise.all([
    db.selectFrom('level').select('code').orderBy('rank').execute(),
    db.selectFrom('school').select(['id', 'name', 'slug']).execute(),
    db.selectFrom('class').select(['id', 'school_id', 'name', 'level']).where('school_year_id', '=', yearId).execute(),
    db.selectFrom('person').select(['id', 'first_name', 'last_name', 'phone']).execute(),
    db.selectFrom('person_email').select(['email', 'person_id']).orderBy('position').orderBy('email').execute(),
    db.selectFrom('household').select(['id', 'name']).orderBy('id').execute(),
    db.selectFrom('household_guardian').select(['household_id', 'person_id']).execute(),
    db.selectFrom('pupil').select(['id', 'household_id', 'first_name']).execute(),
    db.selectFrom('enrolment').select(['pupil_id', 'class_id']).where('school_year_id', '=', yearId).execute(),
    db.selectFrom('staff').select(['person_id', 'school_id', 'role']).execute(),
    db.selectFrom('class_regent').select(['class_id', 'person_id']).execute(),
    db.selectFrom('directory_group').select(['id', 'name', 'slug', 'kind']).execute(),
    db.selectFrom('group_member').select(['group_id', 'person_id', 'role']).execute(),
  ]);
  const emailsOf = new Map<number, string[]>();
  for (const e of emails) {
    const list = emailsOf.get(e.person_id);
    if (list) list.push(e.email);
    else emailsOf.set(e.person_id, [e.email]);
  }
  return {
    year: year ? { id: year.id, label: year.label } : null,
    levels: levels.map((l) => l.code),
    schools,
    classes: classes.map((c) => ({ id: c.id, schoolId: c.school_id, name: c.name, level: c.level })),
    people: people.map((p) => ({ id: p.id, firstName: p.first_name, lastName: p.last_name, phone: p.phone, emails: emailsOf.get(p.id) ?? [] })),
    households,
    guardians: guardians.map((g) => ({ householdId: g.household_id, personId: g.person_id })),
    pupils: pupils.map((p) => ({ id: p.id, householdId: p.household_id, firstName: p.first_name })),
    enrolments: enrolments.map((e) => ({ pupilId: e.pupil_id, classId: e.class_id })),
    staff: staff.map((s) => ({ personId: s.person_id, schoolId: s.school_id, role: s.role })),
    classRegents: classRegents.map((r) => ({ classId: r.class_id, personId: r.person_id })),
    groups,
    members: members.map((m) => ({ groupId: m.group_id, personId: m.person_id, role: m.role })),
  };
}

/** How many writes a plan needs, for the progress bar. */
export function plannedWrites(plan: Plan): number {
  let n = 0;
  for (const kind of Object.keys(plan) as Array<keyof Plan>) {
    if (kind === 'ids') continue;
    n += plan[kind as PlanKind].filter((i) => i.action !== 'unchanged').length;
  }
  return n;
}

const CHUNK = 500;

/**
 * Writes the plan. `trx` must be a transaction: a failure anywhere leaves nothing written.
 * `progress` is called with the number of writes done so far.
 */
export async function applyPlan(trx: Queryable, plan: Plan, yearId: number | null, progress: (done: number) => void = () => {}): Promise<void> {
  const ids = new Map(Object.entries(plan.ids));
  const id = (key: string) => {
    const v = ids.get(key);
    if (v === undefined) throw new Error(`import plan refers to ${key}, which has no id`);
    return v;
  };
  let done = 0;
  const step = (n = 1) => progress((done += n));
  const changed = <T extends { action: string }>(items: T[]) => items.filter((i) => i.action !== 'unchanged');
  const insertMany = async <R>(rows: R[], insert: (chunk: R[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await insert(chunk);
      step(chunk.length);
    }
  };

  for (const s of changed(plan.schools)) {
    const row = await trx.insertInto('school').values({ name: s.name, slug: s.slug }).returning('id').executeTakeFirstOrThrow();
    ids.set(s.key, row.id);
    step();
  }
  for (const c of changed(plan.classes)) {
    if (c.action === 'create') {
      if (yearId === null) throw new Error('no current school year');
      const row = await trx
        .insertInto('class')
        .values({ school_id: id(c.schoolKey), school_year_id: yearId, name: c.name, level: c.level })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.set(c.key, row.id);
    } else {
      await trx.updateTable('class').set({ level: c.level }).where('id', '=', c.id!).execute();
    }
    step();
  }
  // New people in batches: their ids are drawn from the identity sequence first, so that each
  // address can be attached to its person without relying on the order RETURNING gives.
  const newPeople = plan.people.filter((p) => p.action === 'create');
  for (let i = 0; i < newPeople.length; i += CHUNK) {
    const chunk = newPeople.slice(i, i + CHUNK);
    const drawn = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('person', 'id'))::int8 as id from generate_series(1, ${chunk.length}::int)`.execute(trx);
    chunk.forEach((p, j) => ids.set(p.key, Number(drawn.rows[j]!.id)));
    await sql`insert into person (id, first_name, last_name, phone) overriding system value values ${sql.join(
      chunk.map((p) => sql`(${ids.get(p.key)!}, ${p.firstName}, ${p.lastName}, ${p.phone})`),
    )}`.execute(trx);
    await trx
      .insertInto('person_email')
      .values(chunk.flatMap((p) => p.addEmails.map((email, position) => ({ email, person_id: ids.get(p.key)!, position }))))
      .execute();
    step(chunk.length);
  }
  for (const p of plan.people.filter((x) => x.action === 'update')) {
    await trx.updateTable('person').set({ first_name: p.firstName, last_name: p.lastName, phone: p.phone }).where('id', '=', p.id!).execute();
    if (p.addEmails.length) {
      // New addresses go after the ones the person already has: the main one stays.
      const last = await trx
        .selectFrom('person_email')
        .select(sql<number>`coalesce(max(position), -1)`.as('pos'))
        .where('person_id', '=', p.id!)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('person_email')
        .values(p.addEmails.map((email, i) => ({ email, person_id: p.id!, position: Number(last.pos) + 1 + i })))
        .execute();
    }
    step();
  }
  await insertMany(
    changed(plan.staff).map((s) => ({ person_id: id(s.personKey), school_id: s.schoolKey === null ? null : id(s.schoolKey), role: s.role })),
    (chunk) => trx.insertInto('staff').values(chunk).execute(),
  );
  await insertMany(
    changed(plan.regents).map((r) => ({ class_id: id(r.classKey), person_id: id(r.personKey) })),
    (chunk) => trx.insertInto('class_regent').values(chunk).execute(),
  );
  // Households and pupils in batches, matched back by their unique names.
  const newHouseholds = changed(plan.households);
  for (let i = 0; i < newHouseholds.length; i += CHUNK) {
    const chunk = newHouseholds.slice(i, i + CHUNK);
    const rows = await trx.insertInto('household').values(chunk.map((h) => ({ name: h.name }))).returning(['id', 'name']).execute();
    const byName = new Map(rows.map((r) => [r.name, r.id]));
    for (const h of chunk) ids.set(h.key, byName.get(h.name)!);
    step(chunk.length);
  }
  await insertMany(
    changed(plan.guardians).map((g) => ({ household_id: id(g.householdKey), person_id: id(g.personKey) })),
    (chunk) => trx.insertInto('household_guardian').values(chunk).execute(),
  );
  const newPupils = changed(plan.pupils);
  for (let i = 0; i < newPupils.length; i += CHUNK) {
    const chunk = newPupils.slice(i, i + CHUNK);
    const rows = await trx
      .insertInto('pupil')
      .values(chunk.map((p) => ({ household_id: id(p.householdKey), first_name: p.firstName })))
      .returning(['id', 'household_id', 'first_name'])
      .execute();
    const byKey = new Map(rows.map((r) => [`${r.household_id}|${r.first_name}`, r.id]));
    for (const p of chunk) ids.set(p.key, byKey.get(`${id(p.householdKey)}|${p.firstName}`)!);
    step(chunk.length);
  }
  const enrolments = changed(plan.enrolments);
  if (enrolments.length && yearId === null) throw new Error('no current school year');
  await insertMany(
    enrolments.map((e) => ({ pupil_id: id(e.pupilKey), school_year_id: yearId!, class_id: id(e.classKey) })),
    (chunk) =>
      trx
        .insertInto('enrolment')
        .values(chunk)
        .onConflict((oc) => oc.columns(['pupil_id', 'school_year_id']).doUpdateSet((eb) => ({ class_id: eb.ref('excluded.class_id') })))
        .execute(),
  );
  for (const g of changed(plan.groups)) {
    if (g.action === 'create') {
      const row = await trx.insertInto('directory_group').values({ name: g.name, slug: g.slug, kind: g.kind }).returning('id').executeTakeFirstOrThrow();
      ids.set(g.key, row.id);
    } else {
      await trx.updateTable('directory_group').set({ kind: g.kind }).where('id', '=', g.id!).execute();
    }
    step();
  }
  await insertMany(
    changed(plan.memberships).map((m) => ({ group_id: id(m.groupKey), person_id: id(m.personKey), role: m.role })),
    (chunk) =>
      trx
        .insertInto('group_member')
        .values(chunk)
        .onConflict((oc) => oc.columns(['group_id', 'person_id']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
        .execute(),
  );
}
