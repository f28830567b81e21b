// Read side of the directory, shared by pages, CLI and other modules.
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import { currentYear } from './people.ts';

export async function directoryCounts(db: Queryable) {
  const year = await currentYear(db);
  const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
  const [schools, classes, households, groups] = await Promise.all([
    count(db.selectFrom('school').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst() as never),
    count(
      db
        .selectFrom('class')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('school_year_id', '=', year?.id ?? -1)
        .executeTakeFirst() as never,
    ),
    count(db.selectFrom('household').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst() as never),
    count(db.selectFrom('directory_group').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst() as never),
  ]);
  return { schools, classes, households, groups };
}

export interface SearchHit {
  kind: 'household' | 'person';
  id: number;
  label: string;
  detail: string;
}

/**
 * Searches households (by name, guardian name or address, pupil first name) and people
 * (by name or address). `withinClassIds` limits the search to households with a pupil in
 * those classes (a regent sees only their classes).
 */
export async function searchDirectory(db: Queryable, query: string, withinClassIds?: number[]): Promise<SearchHit[]> {
  const q = query.trim().toLowerCase().slice(0, 100);
  if (q.length < 2) return [];
  const like = `%${q.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
  if (withinClassIds && withinClassIds.length === 0) return [];
  let households = db
    .selectFrom('household')
    .select(['household.id', 'household.name'])
    .where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['household.name']), 'like', like),
        eb.exists(
          eb
            .selectFrom('household_guardian')
            .innerJoin('person', 'person.id', 'household_guardian.person_id')
            .leftJoin('person_email', 'person_email.person_id', 'person.id')
            .whereRef('household_guardian.household_id', '=', 'household.id')
            .where((w) =>
              w.or([
                w(sql`lower(person.first_name || ' ' || person.last_name)`, 'like', like),
                w('person_email.email', 'like', like),
              ]),
            )
            .select('household_guardian.person_id'),
        ),
        // Within classes, a child's first name finds the household only if that child is in one
        // of them: otherwise the hit would tell a regent the name of a sibling in another class.
        eb.exists(
          eb
            .selectFrom('pupil')
            .whereRef('pupil.household_id', '=', 'household.id')
            .where((w) => w(w.fn('lower', ['pupil.first_name']), 'like', like))
            .$if(withinClassIds !== undefined, (qb) =>
              qb.where((w) => w.exists(w.selectFrom('enrolment').whereRef('enrolment.pupil_id', '=', 'pupil.id').where('enrolment.class_id', 'in', withinClassIds!).select('enrolment.pupil_id'))),
            )
            .select('pupil.id'),
        ),
      ]),
    );
  if (withinClassIds) {
    households = households.where((eb) =>
      eb.exists(
        eb
          .selectFrom('pupil')
          .innerJoin('enrolment', 'enrolment.pupil_id', 'pupil.id')
          .whereRef('pupil.household_id', '=', 'household.id')
          .where('enrolment.class_id', 'in', withinClassIds)
          .select('pupil.id'),
      ),
    );
  }
  const hs = await households.orderBy('household.name').limit(50).execute();
  const hits: SearchHit[] = hs.map((h) => ({ kind: 'household', id: h.id, label: h.name, detail: '' }));
  if (!withinClassIds) {
    const people = await db
      .selectFrom('person')
      .leftJoin('person_email', 'person_email.person_id', 'person.id')
      .select(['person.id', 'person.first_name', 'person.last_name', 'person_email.email'])
      .where((w) =>
        w.or([
          w(sql`lower(person.first_name || ' ' || person.last_name)`, 'like', like),
          w('person_email.email', 'like', like),
        ]),
      )
      .orderBy('person.last_name')
      .limit(50)
      .execute();
    const seen = new Set<number>();
    for (const p of people) {
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      hits.push({ kind: 'person', id: p.id, label: `${p.first_name} ${p.last_name}`, detail: p.email ?? '' });
    }
  }
  return hits;
}

export async function schoolsWithClasses(db: Queryable) {
  const year = await currentYear(db);
  const schools = await db.selectFrom('school').selectAll().orderBy('name').execute();
  const classes = year
    ? await db
        .selectFrom('class')
        .innerJoin('level', 'level.code', 'class.level')
        .select(['class.id', 'class.school_id', 'class.name', 'class.level', (eb) =>
          eb.selectFrom('enrolment').whereRef('enrolment.class_id', '=', 'class.id').select((e) => e.fn.countAll<number>().as('n')).as('pupils'),
        ])
        .where('class.school_year_id', '=', year.id)
        .orderBy('level.rank')
        .orderBy('class.name')
        .execute()
    : [];
  return { year, schools: schools.map((s) => ({ ...s, classes: classes.filter((c) => c.school_id === s.id) })) };
}

export async function classDetail(db: Queryable, classId: number) {
  const cls = await db
    .selectFrom('class')
    .innerJoin('school', 'school.id', 'class.school_id')
    .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
    .select(['class.id', 'class.name', 'class.level', 'class.school_id', 'school.name as school_name', 'school_year.label as year_label'])
    .where('class.id', '=', classId)
    .executeTakeFirst();
  if (!cls) return undefined;
  const regents = await db
    .selectFrom('class_regent')
    .innerJoin('person', 'person.id', 'class_regent.person_id')
    .select(['person.id', 'person.first_name', 'person.last_name'])
    .where('class_regent.class_id', '=', classId)
    .orderBy('person.last_name')
    .execute();
  const pupils = await db
    .selectFrom('enrolment')
    .innerJoin('pupil', 'pupil.id', 'enrolment.pupil_id')
    .innerJoin('household', 'household.id', 'pupil.household_id')
    .select(['pupil.id', 'pupil.first_name', 'household.id as household_id', 'household.name as household_name'])
    .where('enrolment.class_id', '=', classId)
    .orderBy('household.name')
    .orderBy('pupil.first_name')
    .execute();
  return { ...cls, regents, pupils };
}

export async function householdDetail(db: Queryable, householdId: number) {
  const household = await db.selectFrom('household').selectAll().where('id', '=', householdId).executeTakeFirst();
  if (!household) return undefined;
  const guardians = await db
    .selectFrom('household_guardian')
    .innerJoin('person', 'person.id', 'household_guardian.person_id')
    .select(['person.id', 'person.first_name', 'person.last_name', 'person.phone'])
    .where('household_guardian.household_id', '=', householdId)
    .orderBy('person.last_name')
    .execute();
  const emails = guardians.length
    ? await db.selectFrom('person_email').selectAll().where('person_id', 'in', guardians.map((g) => g.id)).orderBy('position').orderBy('email').execute()
    : [];
  const year = await currentYear(db);
  const pupils = await db
    .selectFrom('pupil')
    .leftJoin('enrolment', (j) => j.onRef('enrolment.pupil_id', '=', 'pupil.id').on('enrolment.school_year_id', '=', year?.id ?? -1))
    .leftJoin('class', 'class.id', 'enrolment.class_id')
    .leftJoin('school', 'school.id', 'class.school_id')
    .select(['pupil.id', 'pupil.first_name', 'class.id as class_id', 'class.name as class_name', 'school.name as school_name'])
    .where('pupil.household_id', '=', householdId)
    .orderBy('pupil.first_name')
    .execute();
  return {
    ...household,
    guardians: guardians.map((g) => ({ ...g, emails: emails.filter((e) => e.person_id === g.id).map((e) => e.email) })),
    pupils,
  };
}

export async function personDetail(db: Queryable, personId: number) {
  const person = await db.selectFrom('person').selectAll().where('id', '=', personId).executeTakeFirst();
  if (!person) return undefined;
  const [emails, households, groups, staff] = await Promise.all([
    db.selectFrom('person_email').select('email').where('person_id', '=', personId).orderBy('position').orderBy('email').execute(),
    db
      .selectFrom('household_guardian')
      .innerJoin('household', 'household.id', 'household_guardian.household_id')
      .select(['household.id', 'household.name'])
      .where('household_guardian.person_id', '=', personId)
      .execute(),
    db
      .selectFrom('group_member')
      .innerJoin('directory_group', 'directory_group.id', 'group_member.group_id')
      .select(['directory_group.id', 'directory_group.name', 'directory_group.kind', 'group_member.role'])
      .where('group_member.person_id', '=', personId)
      .orderBy('directory_group.name')
      .execute(),
    db
      .selectFrom('staff')
      .leftJoin('school', 'school.id', 'staff.school_id')
      .select(['staff.role', 'school.name as school_name'])
      .where('staff.person_id', '=', personId)
      .execute(),
  ]);
  return { ...person, emails: emails.map((e) => e.email), households, groups, staff };
}

export async function groupsList(db: Queryable) {
  return db
    .selectFrom('directory_group')
    .select(['directory_group.id', 'directory_group.name', 'directory_group.kind', 'directory_group.slug', (eb) =>
      eb.selectFrom('group_member').whereRef('group_member.group_id', '=', 'directory_group.id').select((e) => e.fn.countAll<number>().as('n')).as('members'),
    ])
    .orderBy('directory_group.kind')
    .orderBy('directory_group.name')
    .execute();
}

export async function groupDetail(db: Queryable, groupId: number) {
  const group = await db.selectFrom('directory_group').selectAll().where('id', '=', groupId).executeTakeFirst();
  if (!group) return undefined;
  const members = await db
    .selectFrom('group_member')
    .innerJoin('person', 'person.id', 'group_member.person_id')
    .select(['person.id', 'person.first_name', 'person.last_name', 'group_member.role'])
    .where('group_member.group_id', '=', groupId)
    .orderBy('person.last_name')
    .orderBy('person.first_name')
    .execute();
  return { ...group, members };
}

/** The current-year classes a household's pupils are in (for the regent's access rule). */
export async function householdClassIds(db: Queryable, householdId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('pupil')
    .innerJoin('enrolment', 'enrolment.pupil_id', 'pupil.id')
    .select('enrolment.class_id')
    .where('pupil.household_id', '=', householdId)
    .execute();
  return rows.map((r) => r.class_id);
}
