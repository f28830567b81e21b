// Numbered plain-SQL migrations, one folder per module (src/<module>/sql/NNNN_name.sql).
// Numbers are global across modules; a landed migration is never edited, only followed.
import fs from 'node:fs';
import { sql } from 'kysely';
import path from 'node:path';
import type { Handle } from './db.ts';
import { servingGrants } from './roles.ts';

export interface Migration {
  version: number;
  name: string;
  file: string;
}

const SRC = path.resolve(import.meta.dirname, '..');
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function listMigrations(root = SRC): Migration[] {
  const found: Migration[] = [];
  for (const mod of fs.readdirSync(root, { withFileTypes: true })) {
    if (!mod.isDirectory()) continue;
    const dir = path.join(root, mod.name, 'sql');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir)) {
      const m = FILE.exec(f);
      if (!m) continue;
      found.push({ version: Number(m[1]), name: `${mod.name}/${m[2]}`, file: path.join(dir, f) });
    }
  }
  found.sort((a, b) => a.version - b.version);
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.version === found[i - 1]!.version) {
      throw new Error(`two migrations share number ${found[i]!.version}: ${found[i - 1]!.file} and ${found[i]!.file}`);
    }
  }
  return found;
}

/**
 * Applies pending migrations, each in its own transaction; returns the version reached. With
 * servingRole (a PostgreSQL server, handle connected as the owner), then grants that role what
 * the platform needs (src/platform/roles.ts), in the same lock. Without it, a schema already at
 * the newest version is left alone without any DDL, so a role that owns nothing may call it.
 * Needs two connections on a server: the session that holds the lock, and queries beside it.
 */
export async function migrate(handle: Handle, migrations = listMigrations(), opts: { servingRole?: string } = {}): Promise<number> {
  const newest = migrations.at(-1)?.version ?? 0;
  if (!opts.servingRole) {
    const { rows } = await sql<{ present: boolean }>`select to_regclass('schema_migration') is not null as present`.execute(handle.db);
    if (rows[0]!.present) {
      const v = await schemaVersion(handle);
      if (v >= newest) return v;
    }
  }
  return handle.rawSession(async (exec) => {
    await exec(`create table if not exists schema_migration (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    // Two processes starting together on one server must not both migrate.
    await exec(`select pg_advisory_lock(7400001)`);
    try {
      const { rows } = await handle.db
        .selectFrom('schema_migration')
        .select((eb) => eb.fn.max('version').as('v'))
        .execute()
        .then((rows) => ({ rows }));
      let current = Number(rows[0]?.v ?? 0);
      for (const m of migrations) {
        if (m.version <= current) continue;
        const text = fs.readFileSync(m.file, 'utf8');
        await exec('begin');
        try {
          await exec(text);
          await exec(`insert into schema_migration (version, name) values (${m.version}, '${m.name.replace(/'/g, "''")}')`);
          await exec('commit');
        } catch (err) {
          await exec('rollback');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
        }
        current = m.version;
      }
      if (opts.servingRole) {
        const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(handle.db)).rows[0]!.s;
        const tables = await sql<{ t: string }>`select tablename as t from pg_tables where schemaname = current_schema()`.execute(handle.db);
        await exec('begin');
        try {
          for (const statement of servingGrants(schema, opts.servingRole, new Set(tables.rows.map((r) => r.t)))) await exec(statement);
          await exec('commit');
        } catch (err) {
          await exec('rollback');
          throw err;
        }
      }
      return current;
    } finally {
      await exec(`select pg_advisory_unlock(7400001)`);
    }
  });
}

export async function schemaVersion(handle: Handle): Promise<number> {
  const row = await handle.db
    .selectFrom('schema_migration')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}
