// Roles come from the directory: IT group members (and bootstrap admins) administer the
// platform, a regent sees their classes, a parent sees their household.
import type { Queryable } from '../platform/db.ts';
import type { Viewer } from '../platform/web/context.ts';

export type { Viewer };

export async function loadViewer(db: Queryable, personId: number): Promise<Viewer | null> {
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
