// One typed query layer (Kysely) over two engines: embedded PGlite and a PostgreSQL server.
// Both speak the same SQL; the same migrations and queries run on each.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type Transaction,
} from 'kysely';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: domain functions accept both. */
export type Queryable = Kysely<Database>;
export type DbKind = 'pglite' | 'postgresql';

export interface Handle {
  db: Db;
  kind: DbKind;
  /** Runs fn with one session that executes multi-statement SQL text (simple protocol), for migrations. */
  rawSession<T>(fn: (exec: (sqlText: string) => Promise<void>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// Same value shapes on both engines: int8 as a JS number (amounts are cents, far below 2^53),
// date as 'YYYY-MM-DD' text (a Date would shift with the time zone), numeric as text.
const INT8 = 20;
const DATE = 1082;
function int8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value out of safe range: ${v}`);
  return n;
}
pg.types.setTypeParser(INT8, int8);
pg.types.setTypeParser(DATE, (v: string) => v);

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.#tail;
    this.#tail = prev.then(() => next);
    return prev.then(() => release);
  }
}

/** PGlite has one connection: queries and transactions take turns through a mutex. */
class PGliteConnection implements DatabaseConnection {
  constructor(readonly client: PGlite) {}
  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const res = await this.client.query<R>(q.sql, q.parameters as unknown[]);
    const affected = res.affectedRows;
    return {
      rows: res.rows,
      ...(affected !== undefined && res.fields.length === 0 ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported on PGlite: use a cursor (DECLARE … FETCH) in a transaction');
  }
}

class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #conn: PGliteConnection;
  readonly #releases = new Map<DatabaseConnection, () => void>();
  constructor(client: PGlite) {
    this.#conn = new PGliteConnection(client);
  }
  async init() {}
  async acquireConnection() {
    const release = await this.#mutex.lock();
    this.#releases.set(this.#conn, release);
    return this.#conn;
  }
  async beginTransaction(conn: DatabaseConnection, settings: { isolationLevel?: string }) {
    await conn.executeQuery(
      CompiledQuery.raw(settings.isolationLevel ? `begin isolation level ${settings.isolationLevel}` : 'begin'),
    );
  }
  async commitTransaction(conn: DatabaseConnection) {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(conn: DatabaseConnection) {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(conn: DatabaseConnection) {
    const release = this.#releases.get(conn);
    this.#releases.delete(conn);
    release?.();
  }
  async destroy() {}
}

function pgliteDialect(client: PGlite): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PGliteDriver(client),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

const pgliteParsers = {
  [INT8]: int8,
  [DATE]: (v: string) => v,

};

export class DatabaseBusy extends Error {}

/**
 * PGlite's files must have one writer: a second process opening them would corrupt the
 * database. A pid file in the folder keeps a second process out with a clear message.
 */
function lockFolder(dir: string): () => void {
  const file = path.join(dir, 'ostal.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      let alive = false;
      try {
        alive = Number.isInteger(pid) && pid > 0 && (pid === process.pid || process.kill(pid, 0));
      } catch {
        alive = false;
      }
      if (alive) {
        throw new DatabaseBusy(
          `the embedded database in ${dir} is in use by process ${pid} (the running server?): stop it first, or use a PostgreSQL server (DATABASE_URL) to run commands beside it`,
        );
      }
      fs.rmSync(file, { force: true }); // left by a process that died
    }
  }
  throw new DatabaseBusy(`cannot lock ${dir}`);
}

/** Opens PGlite in a folder (created if missing), or in memory when dir is undefined. */
export async function openPGlite(dir?: string): Promise<Handle> {
  let unlock = () => {};
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    unlock = lockFolder(dir);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(dir, { parsers: pgliteParsers });
  } catch (err) {
    unlock();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: pgliteDialect(client) });
  const driverMutex = new Mutex();
  return {
    db,
    kind: 'pglite',
    rawSession: async (fn) => {
      const release = await driverMutex.lock();
      try {
        return await fn(async (text) => void (await client.exec(text)));
      } finally {
        release();
      }
    },
    close: async () => {
      await db.destroy();
      await client.close();
      unlock();
    },
  };
}

export async function openPostgres(url: string, max = 10): Promise<Handle> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client that loses its server must not crash the process.
  pool.on('error', (err) => console.error('database connection error:', err.message));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await db.executeQuery(CompiledQuery.raw('select 1'));
  return {
    db,
    kind: 'postgresql',
    rawSession: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn(async (text) => void (await client.query(text)));
      } finally {
        client.release();
      }
    },
    close: () => db.destroy(),
  };
}

export function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Handle> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPGlite(`${opts.dataDir}/pglite`);
}

/**
 * Runs fn in a transaction, or in the caller's when given one (the demo loader calls the same
 * operations inside its own transaction; on PGlite a second one would wait forever).
 */
export function inTransaction<T>(db: Queryable, fn: (trx: Queryable) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
