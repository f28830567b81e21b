// What the directory publishes about people and years for the other modules. A module reads only
// its own tables; it asks others through their published functions: sign-in, lists, surveys and
// the books find a person by address, the current year, a person's first address and roles here.
import type { Queryable } from '../platform/db.ts';
import type { Viewer } from '../platform/web/context.ts';

/** The open school year, if any. */
export async function currentYear(db: Queryable) {
  return db.selectFrom('school_year').selectAll().where('is_current', '=', true).executeTakeFirst();
}

/** The classes of the current year with their school's name, by school then class. */
export async function currentClasses(db: Queryable): Promise<Array<{ id: number; name: string; school: string }>> {
  return db
    .selectFrom('class')
    .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
    .innerJoin('school', 'school.id', 'class.school_id')
    .select(['class.id', 'class.name', 'school.name as school'])
    .where('school_year.is_current', '=', true)
    .orderBy('school.name')
    .orderBy('class.name')
    .execute();
}

/** The person an address belongs to (addresses are stored lower-case, once each). */
export async function personByEmail(db: Queryable, email: string): Promise<number | undefined> {
  return (await db.selectFrom('person_email').select('person_id').where('email', '=', email).executeTakeFirst())?.person_id;
}

export async function personName(db: Queryable, personId: number): Promise<{ firstName: string; lastName: string } | undefined> {
  const p = await db.selectFrom('person').select(['first_name', 'last_name']).where('id', '=', personId).executeTakeFirst();
  return p && { firstName: p.first_name, lastName: p.last_name };
}

/** A person's first address (the one mail goes to), if they have one. */
export async function primaryEmail(db: Queryable, personId: number): Promise<string | undefined> {
  return (await db.selectFrom('person_email').select('email').where('person_id', '=', personId).orderBy('position').orderBy('email').limit(1).executeTakeFirst())?.email;
}

/** The groups a person belongs to, with the kind of group and their role in it. */
export async function groupMemberships(db: Queryable, personId: number): Promise<Array<{ kind: string; slug: string; role: string }>> {
  return db
    .selectFrom('group_member as m')
    .innerJoin('directory_group as g', 'g.id', 'm.group_id')
    .select(['g.kind', 'g.slug', 'm.role'])
    .where('m.person_id', '=', personId)
    .execute();
}

/**
 * Who a person is to the platform. Roles come from the directory: IT group members (and
 * bootstrap admins) administer the platform, a regent sees their classes (of the current year),
 * a parent sees their household.
 */
export async function personRoles(db: Queryable, personId: number): Promise<Viewer | null> {
  const person = await db
    .selectFrom('person')
    .select(['id', 'first_name', 'last_name', 'is_platform_admin'])
    .where('id', '=', personId)
    .executeTakeFirst();
  if (!person) return null;
  const [groups, classes, households] = await Promise.all([
    db
      .selectFrom('group_member')
      .innerJoin('directory_group', 'directory_group.id', 'group_member.group_id')
      .select(['directory_group.id', 'directory_group.kind', 'directory_group.slug', 'group_member.role'])
      .where('group_member.person_id', '=', personId)
      .execute(),
    db
      .selectFrom('class_regent')
      .innerJoin('class', 'class.id', 'class_regent.class_id')
      .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
      .select('class.id')
      .where('class_regent.person_id', '=', personId)
      .where('school_year.is_current', '=', true)
      .execute(),
    db.selectFrom('household_guardian').select('household_id').where('person_id', '=', personId).execute(),
  ]);
  return {
    personId: person.id,
    firstName: person.first_name,
    lastName: person.last_name,
    isAdmin: person.is_platform_admin || groups.some((g) => g.kind === 'it'),
    regentClassIds: classes.map((c) => c.id),
    householdIds: households.map((h) => h.household_id),
    groupIds: groups.map((g) => g.id),
    memberships: groups.map((g) => ({ kind: g.kind, slug: g.slug, role: g.role })),
  };
}

/** True while nobody can administer the instance: no bootstrap admin and no IT group member. */
export async function hasNoAdmin(db: Queryable): Promise<boolean> {
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

/** The person an address belongs to and whether they administer the platform outside the IT group. */
export async function platformAdminByEmail(db: Queryable, email: string): Promise<{ personId: number; isPlatformAdmin: boolean } | undefined> {
  const p = await db
    .selectFrom('person_email')
    .innerJoin('person', 'person.id', 'person_email.person_id')
    .select(['person.id', 'person.is_platform_admin'])
    .where('email', '=', email)
    .executeTakeFirst();
  return p && { personId: p.id, isPlatformAdmin: p.is_platform_admin };
}

/**
 * Makes the owner of an address a platform administrator (`ostal admin add`, the first start),
 * creating the person — named after the address until someone edits them — when the directory
 * does not know it. Runs in the caller's transaction.
 */
export async function makePlatformAdmin(trx: Queryable, email: string): Promise<{ personId: number; created: boolean }> {
  const existing = await personByEmail(trx, email);
  if (existing !== undefined) {
    await trx.updateTable('person').set({ is_platform_admin: true }).where('id', '=', existing).execute();
    return { personId: existing, created: false };
  }
  const local = email.split('@')[0]!;
  const person = await trx
    .insertInto('person')
    .values({ first_name: local.slice(0, 100), last_name: '—', is_platform_admin: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('person_email').values({ email, person_id: person.id }).execute();
  return { personId: person.id, created: true };
}
