// Read side of the directory, shared by pages, CLI and other modules.
import type { Queryable } from '../platform/db.ts';

export async function currentYear(db: Queryable) {
  return db.selectFrom('school_year').selectAll().where('is_current', '=', true).executeTakeFirst();
}

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
