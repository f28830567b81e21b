import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from './testing.ts';
import { listMigrations, migrate, schemaVersion } from './migrate.ts';

forEachDatabase('database layer', (t) => {
  test('migrations reach the newest version and running them again changes nothing', async () => {
    const { handle } = t();
    const newest = listMigrations().at(-1)!.version;
    assert.equal(await schemaVersion(handle), newest);
    assert.equal(await migrate(handle), newest);
  });

  test('values have the same shapes on both engines', async () => {
    const { db } = t();
    const r = await sql<{ big: number; day: string; at: Date; amount: string }>`
      select 12345678901::int8 as big, date '2026-09-01' as day, now() as at, 12.30::numeric(12,2) as amount`.execute(db);
    const row = r.rows[0]!;
    assert.equal(row.big, 12345678901);
    assert.equal(row.day, '2026-09-01');
    assert.ok(row.at instanceof Date);
    assert.equal(row.amount, '12.30');
  });

  test('a failed transaction leaves nothing behind', async () => {
    const { db } = t();
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('school').values({ name: 'Escòla de tèst', slug: 'escola-de-test' }).execute();
        await trx.insertInto('school').values({ name: 'Escòla de tèst', slug: 'other' }).execute();
      }),
    );
    const n = await db.selectFrom('school').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  });
});
