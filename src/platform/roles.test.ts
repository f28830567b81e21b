// Issue 9: on a PostgreSQL server the platform serves as a role that owns nothing. These tests
// act as that role (openTestDatabase gives it) and try what a compromised web process would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { runCli } from '../app/cli.ts';
import { loadConfig } from './config.ts';
import { openPostgres, type Db } from './db.ts';
import { translator } from './i18n/index.ts';
import { migrate } from './migrate.ts';
import { prepareDatabase, SchemaBehind, servingRoleProblems, UnsafeDatabaseRole } from './roles.ts';
import { createServerDatabase, openTestDatabase } from './testing.ts';
import { CLI_ACTOR, recordEvent } from './audit.ts';
import { aFiscalYear, aValidatedEntry, simpleLines } from '../accounting/testing.ts';
import { importDirectory } from '../directory/import/importDirectory.ts';
import { aCurrentYear } from '../directory/factories.ts';

const server = process.env.TEST_DATABASE_URL;
const skip = !server;
const denied = /permission denied|must be owner|must be superuser/;

async function refused(db: Db, statement: string) {
  await assert.rejects(sql.raw(statement).execute(db), (err: Error) => denied.test(err.message), statement);
}

test('the serving role cannot switch triggers off, nor alter, drop, empty or create a table', { skip }, async () => {
  const handle = await openTestDatabase('postgresql');
  const { db } = handle;
  try {
    assert.deepEqual((await servingRoleProblems(handle)).problems, []);
    await refused(db, 'set session_replication_role = replica');
    await refused(db, "select set_config('session_replication_role', 'replica', false)");
    await refused(db, 'alter table entry_line disable trigger entry_line_guard');
    await refused(db, 'alter table entry disable trigger all');
    await refused(db, 'alter table entry add column note text');
    await refused(db, 'alter table entry drop constraint entry_check');
    await refused(db, 'drop table audit_event');
    await refused(db, 'drop trigger entry_guard on entry');
    await refused(db, 'drop function entry_guard() cascade');
    await refused(db, 'truncate entry_line');
    await refused(db, 'create table loot (id int)');
    await refused(db, 'create or replace function entry_guard() returns trigger language plpgsql as $$ begin return new; end $$');
    await refused(db, 'create trigger x before insert on entry for each row execute function refuse_truncate()');
    await refused(db, 'alter table entry owner to current_user');
    await refused(db, `set role ${new URL(server!).username || 'postgres'}`);
  } finally {
    await handle.close();
  }
});

test('the audit trail, list role history and receipts are append-only for the serving role; schema_migration is read-only', { skip }, async () => {
  const handle = await openTestDatabase('postgresql');
  const { db } = handle;
  try {
    await recordEvent(db, CLI_ACTOR, 'test.event', null);
    assert.equal((await db.selectFrom('audit_event').select('action').execute()).length, 1);
    await refused(db, "update audit_event set action = 'forged'");
    await refused(db, 'delete from audit_event');
    await refused(db, "update list_role_event set change = 'added'");
    await refused(db, 'delete from list_role_event');
    await refused(db, 'delete from attachment_blob');
    await refused(db, "insert into schema_migration (version, name) values (9999, 'x')");
    await refused(db, 'delete from schema_migration');
  } finally {
    await handle.close();
  }
});

test('as the serving role, entries are posted and validated, and a validated line still cannot change', { skip }, async () => {
  const handle = await openTestDatabase('postgresql');
  const { db } = handle;
  try {
    await aFiscalYear(db);
    const e = await aValidatedEntry(db, { date: '2025-10-01', lines: simpleLines('606', '512', 1250) });
    assert.equal(e.number, 1);
    await assert.rejects(sql`update entry_line set debit_cents = 1 where entry_id = ${e.id} and debit_cents > 0`.execute(db), /cannot change/);
    await refused(db, 'set session_replication_role = replica');
    await assert.rejects(sql`update entry_line set debit_cents = 1 where entry_id = ${e.id} and debit_cents > 0`.execute(db), /cannot change/);
    const lines = await db.selectFrom('entry_line').select('debit_cents').where('entry_id', '=', e.id).orderBy('line_no').execute();
    assert.deepEqual(lines.map((l) => l.debit_cents), [1250, 0]);
  } finally {
    await handle.close();
  }
});

test('as the serving role, a directory import applies (person ids drawn from their sequence)', { skip }, async () => {
  const handle = await openTestDatabase('postgresql');
  const { db } = handle;
  try {
    await aCurrentYear(db);
    const csv = 'ecole;classe;niveau;regent_prenom;regent_nom;regent_email\nCalandreta dels Ròtles;CM1;CM1;Marta;Bonafont;marta@example.org\n';
    const r = await importDirectory(db, CLI_ACTOR, { name: 'classes.csv', bytes: new TextEncoder().encode(csv) }, { dryRun: false });
    assert.equal(r.applied, true);
    assert.equal((await db.selectFrom('person').select('id').execute()).length, 1);
  } finally {
    await handle.close();
  }
});

test('start-up refuses a superuser or an owner with a plain message, unless DATABASE_SERVE_AS_OWNER=yes; a role that owns nothing cannot migrate', { skip }, async () => {
  const scratch = await createServerDatabase(server!, 'ostal_test_roles');
  const owner = await openPostgres(scratch.url, 2);
  const serving = await openPostgres(scratch.servingUrl, 2);
  try {
    // A fresh database and only the serving role: nothing can be migrated, and it says why.
    const alone = loadConfig({ DATABASE_URL: scratch.servingUrl });
    await assert.rejects(prepareDatabase(alone, serving), (err: unknown) => err instanceof SchemaBehind && err.params.have === 0);
    // One URL, a superuser: refused before anything is done, in words, not a database message.
    const single = loadConfig({ DATABASE_URL: scratch.url });
    await assert.rejects(prepareDatabase(single, owner), (err: unknown) => {
      assert.ok(err instanceof UnsafeDatabaseRole && err.problem === 'superuser');
      const text = translator('fr')(err.key, err.params);
      assert.match(text, /superutilisateur/);
      assert.doesNotMatch(text, /permission denied|ERROR|SQLSTATE/);
      return true;
    });
    assert.equal((await sql<{ r: string | null }>`select to_regclass('schema_migration')::text as r`.execute(owner.db)).rows[0]!.r, null);
    assert.ok(await prepareDatabase(loadConfig({ DATABASE_URL: scratch.url, DATABASE_SERVE_AS_OWNER: 'yes' }), owner));
    // Two URLs: the owner migrates and grants, the serving role is accepted.
    const both = loadConfig({ DATABASE_URL: scratch.servingUrl, DATABASE_OWNER_URL: scratch.url });
    assert.equal(await prepareDatabase(both, serving), undefined);
    assert.ok((await serving.db.selectFrom('journal').select('code').execute()).length > 0);
    // Later starts with the serving role alone find the schema up to date.
    assert.equal(await prepareDatabase(alone, serving), undefined);
    assert.equal(await migrate(serving), await migrate(owner));
    // Swapped URLs are refused: the owner may not serve.
    await assert.rejects(prepareDatabase(loadConfig({ DATABASE_URL: scratch.url, DATABASE_OWNER_URL: scratch.servingUrl }), owner), UnsafeDatabaseRole);
  } finally {
    await serving.close();
    await owner.close();
    await scratch.drop();
  }
});

test('ostal db create-role makes a login role that may serve; ostal db grant grants it again; a role that may not create roles is told how', { skip }, async () => {
  const scratch = await createServerDatabase(server!, 'ostal_test_roles_cli');
  const role = `ostal_made_${process.pid}_${Date.now() % 100000}`;
  const saved = { DATABASE_URL: process.env.DATABASE_URL, DATABASE_OWNER_URL: process.env.DATABASE_OWNER_URL };
  const out: string[] = [];
  const io = { out: (s: string) => out.push(s) > 0, err: (s: string) => out.push(s) > 0 };
  const cli = async (argv: string[], env: Record<string, string>) => {
    delete process.env.DATABASE_URL;
    delete process.env.DATABASE_OWNER_URL;
    Object.assign(process.env, env);
    out.length = 0;
    const code = await runCli(argv, io);
    return { code, text: out.join('\n') };
  };
  try {
    // Today's single URL (the owner, here a superuser) is what create-role runs with.
    const made = await cli(['db', 'create-role', role], { DATABASE_URL: scratch.url });
    assert.equal(made.code, 0, made.text);
    assert.match(made.text, new RegExp(`Role "${role}" created`));
    const url = /DATABASE_URL=(postgres\S+)/.exec(made.text)![1]!;
    assert.match(made.text, /DATABASE_OWNER_URL=/);
    const h = await openPostgres(url, 2);
    try {
      assert.deepEqual((await servingRoleProblems(h)).problems, []);
      assert.ok((await h.db.selectFrom('account').select('number').execute()).length > 0);
      await refused(h.db, 'set session_replication_role = replica');
    } finally {
      await h.close();
    }
    // With both URLs, the commands of every day run as the new role; db grant is idempotent.
    const both = { DATABASE_URL: url, DATABASE_OWNER_URL: scratch.url };
    const granted = await cli(['db', 'grant', '--json'], both);
    assert.equal(granted.code, 0, granted.text);
    assert.equal(JSON.parse(granted.text).role, role);
    const again = await cli(['db', 'create-role', role], both);
    assert.match(again.text, /already exists/);
    assert.equal((await cli(['lists', 'ls', '--json'], both)).code, 0);
    // The serving role itself cannot create roles: the message says who can, in words.
    const cannot = await cli(['db', 'create-role', `${role}_x`], { DATABASE_URL: scratch.servingUrl });
    assert.equal(cannot.code, 1);
    assert.match(cannot.text, /may not create roles.*createuser --pwprompt/);
    assert.doesNotMatch(cannot.text, /permission denied/);
    // And the CLI refuses to act as a superuser, with the same plain message as start-up.
    const superuser = await cli(['lists', 'ls'], { DATABASE_URL: scratch.url });
    assert.equal(superuser.code, 1);
    assert.match(superuser.text, /is a superuser/);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await scratch.drop();
    const admin = await openPostgres(server!, 1);
    await sql.raw(`drop role if exists ${role}`).execute(admin.db);
    await admin.close();
  }
});
