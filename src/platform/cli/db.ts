// `ostal db …`: the IT group's one-time setup of the serving role on a PostgreSQL server.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openPostgres } from '../db.ts';
import { DomainError } from '../errors.ts';
import { APPEND_ONLY_TABLES, READ_ONLY_TABLES, isRoleName, migrateAndGrant, quoteIdent } from '../roles.ts';
import { redactUrl, type Config } from '../config.ts';
import { UsageError, type SetupCommand } from './command.ts';

/** The owner's URL: DATABASE_OWNER_URL, or DATABASE_URL while it is still the only one. */
function ownerUrl(config: Config): string {
  const url = config.databaseOwnerUrl ?? config.databaseUrl;
  if (!url) throw new DomainError('db.pglite');
  return url;
}

function servingRoleOf(config: Config, given: string | undefined): string {
  const role = given ?? (config.databaseOwnerUrl && config.databaseUrl ? decodeURIComponent(new URL(config.databaseUrl).username) : undefined);
  if (!role) throw new DomainError('db.roleNeeded');
  if (!isRoleName(role)) throw new DomainError('db.badRoleName', { role });
  return role;
}

/** The owner's URL with the serving role's name and password, for DATABASE_URL. */
function servingUrl(owner: string, role: string, password: string | undefined): string {
  const u = new URL(owner);
  u.username = role;
  u.password = password ?? '';
  return u.toString();
}

const summary = (role: string) =>
  `"${role}" may serve: it reads and writes the platform's tables, only adds to ${APPEND_ONLY_TABLES.join(', ')}, only reads ${READ_ONLY_TABLES.join(', ')}, and owns nothing (it cannot alter or drop a table, nor disable a trigger).`;

async function grantAs(config: Config, role: string): Promise<{ version: number; owner: string }> {
  const handle = await openPostgres(ownerUrl(config), 2);
  try {
    const version = await migrateAndGrant(handle, role);
    const owner = (await sql<{ u: string }>`select current_user as u`.execute(handle.db)).rows[0]!.u;
    return { version, owner };
  } finally {
    await handle.close();
  }
}

export const dbCommands: SetupCommand[] = [
  {
    words: ['db', 'grant'],
    args: '[ROLE]',
    summary: "Migrate as the owner (DATABASE_OWNER_URL) and grant ROLE (default: DATABASE_URL's role) what serving needs; every start does it again.",
    async setup(env, [given], opts) {
      const role = servingRoleOf(env.config, given);
      const r = await grantAs(env.config, role);
      if (opts.json) {
        env.json({ role, owner: r.owner, schemaVersion: r.version, appendOnly: APPEND_ONLY_TABLES, readOnly: READ_ONLY_TABLES });
        return;
      }
      env.print(`Schema at version ${r.version}, owned by "${r.owner}". ${summary(role)}`);
    },
  },
  {
    words: ['db', 'create-role'],
    args: 'NAME',
    summary: 'Create the serving role NAME (login, no other right, a random password printed once) and grant it what serving needs, as the owner.',
    async setup(env, [role], opts) {
      if (!role) throw new UsageError('NAME is required');
      if (!isRoleName(role)) throw new DomainError('db.badRoleName', { role });
      const url = ownerUrl(env.config);
      const handle = await openPostgres(url, 1);
      let password: string | undefined;
      let owner: string;
      try {
        owner = (await sql<{ u: string }>`select current_user as u`.execute(handle.db)).rows[0]!.u;
        const exists = await sql`select 1 from pg_roles where rolname = ${role}`.execute(handle.db);
        if (exists.rows.length === 0) {
          password = randomBytes(18).toString('base64url');
          try {
            // NOINHERIT and no membership: the role can never act as another one.
            await sql
              .raw(`create role ${quoteIdent(role)} login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls password '${password}'`)
              .execute(handle.db);
          } catch (err) {
            if ((err as { code?: string }).code === '42501') throw new DomainError('db.cannotCreateRole', { owner, role });
            throw err;
          }
        }
      } finally {
        await handle.close();
      }
      const r = await grantAs(env.config, role);
      const line = `DATABASE_URL=${servingUrl(url, role, password)}`;
      if (opts.json) {
        env.json({ role, created: password !== undefined, owner: r.owner, schemaVersion: r.version, databaseUrl: password ? servingUrl(url, role, password) : undefined });
        return;
      }
      env.print(password ? `Role "${role}" created.` : `Role "${role}" already exists: its password is unchanged.`);
      env.print(summary(role));
      if (password) {
        env.print(`\nIn the .env file (the password is shown only this once):\n  ${line}`);
        if (!env.config.databaseOwnerUrl) env.print(`and the owner's URL, today's DATABASE_URL, in DATABASE_OWNER_URL:\n  DATABASE_OWNER_URL=${redactUrl(url)}`);
      }
    },
  },
];
