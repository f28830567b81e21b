// The demo association gets its lists: one per class, per group with a lead, and per school
// (owned by the bureau's co-presidents), so a new instance shows the list server at work.
import type { Queryable } from '../platform/db.ts';
import type { Actor } from '../platform/audit.ts';
import { createDirectoryLists, createList, slugify } from './lists.ts';

export async function loadListsDemo(trx: Queryable, actor: Actor): Promise<{ lists: number }> {
  const created = await createDirectoryLists(trx, actor);
  const heads = await trx
    .selectFrom('dir_group_member as gm')
    .innerJoin('dir_group as g', 'g.id', 'gm.group_id')
    .select('gm.person_id')
    .where('g.kind', '=', 'bureau')
    .where('gm.role', 'in', ['president', 'co_president'])
    .execute();
  let schools = 0;
  if (heads.length > 0) {
    for (const s of await trx.selectFrom('dir_school').select(['id', 'name', 'slug']).orderBy('id').execute()) {
      const exists = await trx.selectFrom('mailing_list').select('id').where('school_id', '=', s.id).executeTakeFirst();
      if (exists) continue;
      await createList(trx, actor, { slug: slugify('parents', s.slug), name: `Parents — ${s.name}`, kind: 'school', schoolId: s.id, owners: heads.map((h) => h.person_id) });
      schools++;
    }
  }
  return { lists: created.length + schools };
}
