// `ostal lists …` against a PostgreSQL server database (the CLI opens the configured database).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { runCli } from '../app/cli.ts';
import { openPostgres } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { createServerDatabase } from '../platform/testing.ts';
import { aClass, aHousehold, aPerson, aRegent } from '../directory/factories.ts';

test('ostal lists create / ls / members / transfer / import / dkim --json', { skip: !process.env.TEST_DATABASE_URL }, async () => {
  const scratch = await createServerDatabase(process.env.TEST_DATABASE_URL!, 'ostal_test_cli');
  const u = new URL(scratch.url);
  const prev = { db: process.env.DATABASE_URL, owner: process.env.DATABASE_OWNER_URL, domain: process.env.MAIL_DOMAIN };
  // As in production: the CLI acts as a role that owns nothing, the owner migrates and grants.
  process.env.DATABASE_URL = scratch.servingUrl;
  process.env.DATABASE_OWNER_URL = u.toString();
  process.env.MAIL_DOMAIN = 'lists.example.org';
  const h = await openPostgres(u.toString(), 2);
  try {
    await migrate(h);
    const cls = await aClass(h.db, { name: 'CM2' });
    await aRegent(h.db, cls.id);
    await aHousehold(h.db, { classIds: [cls.id], guardians: 2 });
    const first = await aPerson(h.db);
    const second = await aPerson(h.db);
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s) > 0, err: (s: string) => out.push(s) > 0 };
    const json = async (argv: string[]) => {
      out.length = 0;
      assert.equal(await runCli([...argv, '--json'], io), 0, out.join('\n'));
      return JSON.parse(out.join('\n'));
    };
    const created = await json(['lists', 'create', '--from-directory']);
    assert.equal(created.created.length, 1);
    const classAddress = created.created[0] as string;
    assert.match(classAddress, /^cm2-.*@lists\.example\.org$/);
    assert.equal((await json(['lists', 'members', classAddress])).length, 2);
    const ca = await json(['lists', 'create', 'ca', '--name', 'Conselh d’administracion', '--owner', first.email!]);
    assert.deepEqual([ca.address, ca.policy], ['ca@lists.example.org', 'discussion']);
    const moved = await json(['lists', 'transfer', 'ca@lists.example.org', second.email!]);
    assert.deepEqual(moved.owners, [second.email]);
    const file = path.join(os.tmpdir(), `sympa-${randomBytes(3).toString('hex')}.txt`);
    fs.writeFileSync(file, 'una@school.test\ndos@school.test\n');
    assert.equal((await json(['lists', 'import', 'ca', file])).added, 2);
    fs.rmSync(file);
    const ls = await json(['lists', 'ls']);
    assert.deepEqual(
      ls.map((l: { address: string; members: number }) => [l.address, l.members]),
      [['ca@lists.example.org', 2], [classAddress, 2]],
    );
    const dkim = await json(['lists', 'dkim']);
    assert.match(dkim.value, /^v=DKIM1; k=rsa; p=/);
    out.length = 0;
    assert.equal(await runCli(['lists', 'members', 'nope'], io), 1);
  } finally {
    await h.close();
    if (prev.db === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = prev.db;
    if (prev.owner === undefined) delete process.env.DATABASE_OWNER_URL;
    else process.env.DATABASE_OWNER_URL = prev.owner;
    if (prev.domain === undefined) delete process.env.MAIL_DOMAIN;
    else process.env.MAIL_DOMAIN = prev.domain;
    await scratch.drop();
  }
});
