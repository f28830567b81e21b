// Database roles on a PostgreSQL server (issue 9): the owner migrates, another role serves.
// The serving role owns nothing and is no superuser, so it cannot alter or drop a table,
// disable a trigger or `set session_replication_role = replica` (which skips every trigger):
// the invariants in the schema hold for the web, the CLI and the list server alike.
// PGlite has one embedded user and none of this applies.
import { sql } from 'kysely';
import type { Config } from './config.ts';
import { openPostgres, type Handle } from './db.ts';
import { DomainError } from './errors.ts';
import { listMigrations, migrate, schemaVersion } from './migrate.ts';

/**
 * Tables the serving role may read and add to, never change or empty: the audit trail, the
 * history of list roles (written by a trigger), and receipts (kept as evidence of the books).
 */
export const APPEND_ONLY_TABLES = ['audit_event', 'list_role_event', 'attachment_blob'] as const;
/** Tables the serving role may only read. */
export const READ_ONLY_TABLES = ['schema_migration'] as const;

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isRoleName(name: string): boolean {
  return ROLE_NAME.test(name);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The statements that give `role` exactly what the platform needs in `schema`, run by the
 * owner after migrating (every start and `ostal db grant`): everything is revoked first, so the
 * result does not depend on what was granted before. Default privileges make the tables and
 * sequences a later migration creates follow the same rule until the next grant pass.
 */
export function servingGrants(schema: string, role: string, present: ReadonlySet<string>): string[] {
  const s = quoteIdent(schema);
  const r = quoteIdent(role);
  const only = (names: readonly string[]) => names.filter((n) => present.has(n)).map((n) => `${s}.${quoteIdent(n)}`);
  const appendOnly = only(APPEND_ONLY_TABLES);
  const readOnly = only(READ_ONLY_TABLES);
  return [
    `revoke all on all tables in schema ${s} from ${r}`,
    `revoke all on all sequences in schema ${s} from ${r}`,
    `revoke create on schema ${s} from ${r}`,
    // PostgreSQL ≤ 14 lets everyone create in the public schema; 15 does not. Only the schema's
    // owner can take that away: a serving role that keeps it is refused at start.
    `do $$ begin execute format('revoke create on schema %I from public', ${sqlLiteral(schema)}); exception when insufficient_privilege then null; end $$`,
    `grant usage on schema ${s} to ${r}`,
    `grant select, insert, update, delete on all tables in schema ${s} to ${r}`,
    ...(appendOnly.length ? [`revoke update, delete on ${appendOnly.join(', ')} from ${r}`] : []),
    ...(readOnly.length ? [`revoke insert, update, delete on ${readOnly.join(', ')} from ${r}`] : []),
    // Identity columns need no grant; the directory import draws person ids with nextval().
    `grant usage, select on all sequences in schema ${s} to ${r}`,
    `alter default privileges in schema ${s} grant select, insert, update, delete on tables to ${r}`,
    `alter default privileges in schema ${s} grant usage, select on sequences to ${r}`,
  ];
}

/** What makes a role unfit to serve, the gravest first. */
export type RoleProblem = 'superuser' | 'createrole' | 'owner' | 'create';

/** The reasons the connected role may not serve (none: it may). */
export async function servingRoleProblems(handle: Handle): Promise<{ role: string; problems: RoleProblem[] }> {
  const { rows } = await sql<{ role: string; superuser: boolean; createrole: boolean; owner: boolean; create: boolean }>`
    select current_user as role, r.rolsuper as superuser, r.rolcreaterole as createrole,
      -- Owning (or being able to become the owner of) the schema, the database or anything in
      -- the schema gives ALTER, DROP and DISABLE TRIGGER.
      pg_has_role(current_user, n.nspowner, 'MEMBER')
        or pg_has_role(current_user, d.datdba, 'MEMBER')
        or exists (select 1 from pg_class c where c.relnamespace = n.oid and pg_has_role(current_user, c.relowner, 'MEMBER'))
        or exists (select 1 from pg_proc p where p.pronamespace = n.oid and pg_has_role(current_user, p.proowner, 'MEMBER'))
        or exists (select 1 from pg_type t where t.typnamespace = n.oid and t.typtype in ('c', 'd', 'e', 'r') and pg_has_role(current_user, t.typowner, 'MEMBER'))
        as owner,
      has_schema_privilege(n.oid, 'CREATE') as create
    from pg_roles r, pg_namespace n, pg_database d
    where r.rolname = current_user and n.nspname = current_schema() and d.datname = current_database()`.execute(handle.db);
  const row = rows[0]!;
  const problems: RoleProblem[] = [];
  if (row.superuser) problems.push('superuser');
  if (row.createrole) problems.push('createrole');
  if (row.owner) problems.push('owner');
  if (row.create) problems.push('create');
  return { role: row.role, problems };
}

/** The connected role may not serve: refused at start and by the CLI, with a plain message. */
export class UnsafeDatabaseRole extends DomainError {
  override readonly status = 500;
  constructor(
    readonly problem: RoleProblem,
    role: string,
  ) {
    super(`db.refuse.${problem}`, { role });
  }
}

/** A fresh schema cannot be migrated by a role that owns nothing. */
export class SchemaBehind extends DomainError {
  override readonly status = 500;
}

async function currentDatabase(handle: Handle): Promise<string> {
  return (await sql<{ d: string }>`select current_database() as d`.execute(handle.db)).rows[0]!.d;
}

async function currentRole(handle: Handle): Promise<string> {
  return (await sql<{ u: string }>`select current_user as u`.execute(handle.db)).rows[0]!.u;
}

async function presentVersion(handle: Handle): Promise<number> {
  const { rows } = await sql<{ present: boolean }>`select to_regclass('schema_migration') is not null as present`.execute(handle.db);
  return rows[0]!.present ? schemaVersion(handle) : 0;
}

/**
 * Migrates as the owner and grants `role`, in the migrations' lock: `ostal db grant`, every
 * start with DATABASE_OWNER_URL, and the tests' scratch databases.
 */
export async function migrateAndGrant(owner: Handle, role: string): Promise<number> {
  if (!isRoleName(role)) throw new DomainError('db.badRoleName', { role });
  return migrate(owner, listMigrations(), { servingRole: role });
}

/**
 * Makes `handle` (the serving connection) ready to serve: migrations and grants through the
 * owner's URL when there is one; then the serving role is checked. Returns the problem
 * accepted by DATABASE_SERVE_AS_OWNER=yes, for a warning; throws when it is not accepted.
 */
export async function prepareDatabase(config: Config, handle: Handle): Promise<UnsafeDatabaseRole | undefined> {
  if (handle.kind === 'pglite') {
    await migrate(handle);
    return undefined;
  }
  const found = await servingRoleProblems(handle);
  const role = found.role;
  // Refused before anything is done; only CREATE on the schema may be taken away by the owner's grants.
  const early = found.problems.filter((p) => !(config.databaseOwnerUrl && p === 'create'));
  if (early.length && !config.databaseServeAsOwner) throw new UnsafeDatabaseRole(early[0]!, role);
  let problems = found.problems;
  if (config.databaseOwnerUrl) {
    const owner = await openPostgres(config.databaseOwnerUrl, 2);
    try {
      if ((await currentDatabase(owner)) !== (await currentDatabase(handle))) throw new DomainError('db.ownerOtherDatabase');
      try {
        await migrateAndGrant(owner, role);
      } catch (err) {
        if (/permission denied|must be owner/.test((err as Error).message)) throw new DomainError('db.ownerCannotMigrate', { owner: await currentRole(owner) });
        throw err;
      }
    } finally {
      await owner.close();
    }
    problems = (await servingRoleProblems(handle)).problems;
  }
  const refusal = problems.length ? new UnsafeDatabaseRole(problems[0]!, role) : undefined;
  if (refusal && !config.databaseServeAsOwner) throw refusal;
  if (!config.databaseOwnerUrl) {
    if (refusal) {
      // Accepted single role (DATABASE_SERVE_AS_OWNER=yes): it migrates as before.
      await migrate(handle);
    } else {
      const want = listMigrations().at(-1)?.version ?? 0;
      const have = await presentVersion(handle);
      if (have < want) throw new SchemaBehind('db.schemaBehind', { role, have, want });
    }
  }
  return refusal;
}
