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

test('a second opener of the embedded database folder is kept out; a stale lock is taken over', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { openPGlite, DatabaseBusy } = await import('./db.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-lock-'));
  try {
    const first = await openPGlite(dir);
    await assert.rejects(openPGlite(dir), (err: unknown) => err instanceof DatabaseBusy && /in use by process/.test((err as Error).message));
    await first.close();
    fs.writeFileSync(path.join(dir, 'ostal.pid'), '999999999');
    const again = await openPGlite(dir);
    await again.close();
    assert.equal(fs.existsSync(path.join(dir, 'ostal.pid')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
