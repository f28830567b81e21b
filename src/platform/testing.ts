// Test support: every database test runs on PGlite and, when TEST_DATABASE_URL is set,
// on a fresh database of that PostgreSQL server (created for the file, dropped after). There
// the tests serve as production does: migrated by the owner (TEST_DATABASE_URL's role), run as
// a role of their own that owns nothing and holds only the grants of src/platform/roles.ts, so
// every test also proves that those grants suffice.
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { openPGlite, openPostgres, type Db, type Handle } from './db.ts';
import { migrate } from './migrate.ts';
import { migrateAndGrant } from './roles.ts';

export interface TestDatabase {
  db: Db;
  handle: Handle;
}

/** For a test's own set-up that only the owner may do (disabling a trigger): `fn` gets the owner's connection. */
export async function asOwner<T>(handle: Handle, fn: (db: Db) => Promise<T>): Promise<T> {
  if (handle.kind === 'pglite') return fn(handle.db);
  const url = ownerUrls.get(handle.db);
  if (!url) throw new Error('asOwner: not a test database of this module');
  const owner = await openPostgres(url, 1);
  try {
    return await fn(owner.db);
  } finally {
    await owner.close();
  }
}
const ownerUrls = new WeakMap<Db, string>();

export interface ScratchDatabase {
  handle: Handle;
  /** For reports: "PGlite (in memory)" or "PostgreSQL (host)". */
  label: string;
  /** Drops the database (after handle.close()); nothing to do for PGlite in memory. */
  drop(): Promise<void>;
}

export interface ServerDatabase {
  /** The database as its owner (baseUrl's role): for migrations and DATABASE_OWNER_URL. */
  url: string;
  /** The same database as servingRole, a login role of this database alone that owns nothing. */
  servingUrl: string;
  /** Has no privilege until the owner grants it (migrateAndGrant, or a start with DATABASE_OWNER_URL). */
  servingRole: string;
  /** Drops the database and the role, whoever is still connected. */
  drop(): Promise<void>;
}

/**
 * A new, empty database on the server of baseUrl, for a test or a bench (also one that hands
 * the URL to another process), and a new serving role for it (roles are cluster-wide: each
 * name is unique to its database and dropped with it).
 */
export async function createServerDatabase(baseUrl: string, prefix = 'ostal_test'): Promise<ServerDatabase> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const name = `${prefix}_${suffix}`;
  const role = `ostal_serve_${suffix}`;
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.query(`create role ${role} login nosuperuser nocreatedb nocreaterole noinherit password '${password}'`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const serving = new URL(url);
  serving.username = role;
  serving.password = password;
  return {
    url: url.toString(),
    servingUrl: serving.toString(),
    servingRole: role,
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.query(`drop role if exists ${role}`);
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
  const { url, servingUrl, servingRole, drop } = await createServerDatabase(baseUrl);
  let handle: Handle;
  try {
    const owner = await openPostgres(url, 2);
    try {
      await migrateAndGrant(owner, servingRole);
    } finally {
      await owner.close();
    }
    handle = await openPostgres(servingUrl, poolSize);
  } catch (err) {
    await drop();
    throw err;
  }
  ownerUrls.set(handle.db, url);
  return { handle, label: `PostgreSQL (${new URL(url).host}, pool of ${poolSize}, serving as a role that owns nothing)`, drop };
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
