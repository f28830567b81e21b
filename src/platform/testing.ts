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

export interface ScratchDatabase {
  handle: Handle;
  /** For reports: "PGlite (in memory)" or "PostgreSQL (host)". */
  label: string;
  /** Drops the database (after handle.close()); nothing to do for PGlite in memory. */
  drop(): Promise<void>;
}

/**
 * A new, empty database on the server of baseUrl, for a test or a bench (also one that hands
 * the URL to another process): its URL, and drop() that removes it whoever is still connected.
 */
export async function createServerDatabase(baseUrl: string, prefix = 'ostal_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A migrated, empty database: PGlite in memory when baseUrl is undefined, else a fresh
 * database created on that server. Used by tests and benchmarks.
 */
export async function openScratchDatabase(baseUrl: string | undefined, poolSize = 5): Promise<ScratchDatabase> {
  if (!baseUrl) {
    const handle = await openPGlite();
    await migrate(handle);
    return { handle, label: 'PGlite (in memory)', drop: async () => {} };
  }
  const { url, drop } = await createServerDatabase(baseUrl);
  const handle = await openPostgres(url, poolSize);
  await migrate(handle);
  return { handle, label: `PostgreSQL (${new URL(url).host}, pool of ${poolSize})`, drop };
}

/** Opens a migrated, empty database of the given kind; close() removes it. */
export async function openTestDatabase(kind: 'pglite' | 'postgresql'): Promise<Handle> {
  const base = kind === 'pglite' ? undefined : process.env.TEST_DATABASE_URL;
  if (kind === 'postgresql' && !base) throw new Error('TEST_DATABASE_URL is not set');
  const { handle, drop } = await openScratchDatabase(base);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await drop();
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
      body(() => {
        if (!current) throw new Error('database not open yet: call the getter inside a test');
        return current;
      });
      // Registered after the body's own hooks, so it runs after them: a platform a suite
      // started in before() is closed before its database.
      after(async () => {
        await current?.handle.close();
      });
    });
  }
}
