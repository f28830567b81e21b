// Numbered plain-SQL migrations, one folder per module (src/<module>/sql/NNNN_name.sql).
// Numbers are global across modules; a landed migration is never edited, only followed.
import fs from 'node:fs';
import path from 'node:path';
import type { Handle } from './db.ts';

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

/** Applies pending migrations, each in its own transaction; returns the version reached. */
export async function migrate(handle: Handle, migrations = listMigrations()): Promise<number> {
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
