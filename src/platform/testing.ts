// Test support: every database test runs on PGlite and, when TEST_DATABASE_URL is set,
// on a fresh database of that PostgreSQL server (created for the file, dropped after).
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { openPGlite, openPostgres, type Db, type Handle } from './db.ts';
import { migrate } from './migrate.ts';

export interface TestDatabase {
  db: Db;
  handle: Handle;
}

/** Opens a migrated, empty database of the given kind; close() removes it. */
export async function openTestDatabase(kind: 'pglite' | 'postgresql'): Promise<Handle> {
  if (kind === 'pglite') {
    const h = await openPGlite();
    await migrate(h);
    return h;
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `ostal_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const h = await openPostgres(url.toString(), 5);
  await migrate(h);
  return {
    ...h,
    close: async () => {
      await h.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export function databaseKinds(): Array<'pglite' | 'postgresql'> {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
}

/**
 * Declares the suite once per database kind. `body` receives a getter: the database is
 * opened in `before`, so call it inside tests.
 */
export function forEachDatabase(title: string, body: (t: () => TestDatabase) => void): void {
  for (const kind of databaseKinds()) {
    describe(`${title} [${kind}]`, () => {
      let current: TestDatabase | undefined;
      before(async () => {
        const handle = await openTestDatabase(kind);
        current = { db: handle.db, handle };
      });
      after(async () => {
        await current?.handle.close();
      });
      body(() => {
        if (!current) throw new Error('database not open yet: call the getter inside a test');
        return current;
      });
    });
  }
}
