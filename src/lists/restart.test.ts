// Kill-and-restart: the delivery worker dies mid-delivery (SIGKILL) and a new one finishes
// the queue; every member gets exactly one copy.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openPGlite, openPostgres, type Handle } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { databaseKinds } from '../platform/testing.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { aPerson } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { distribute } from './outbound.ts';
import { ensureListKeys } from './keys.ts';
import { startSink } from './testing.ts';

const MEMBERS = 30;
const KILL_AT = 12;

async function queueOneMessage(h: Handle) {
  const { db } = h;
  await ensureListKeys(db, 'lists.example.org');
  const owner = await aPerson(db);
  const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'conselh', name: 'Conselh', kind: 'manual', owners: [owner.id] }));
  const addresses = Array.from({ length: MEMBERS }, (_, i) => `membre${i}@school.test`);
  await db.insertInto('list_member').values(addresses.map((address) => ({ list_id: list.id, address }))).execute();
  const raw = Buffer.from(`From: ${owner.email}\r\nTo: conselh@lists.example.org\r\nSubject: Ordre del jorn\r\nMessage-ID: <oj@example.org>\r\n\r\nBonjorn.\r\n`);
  await db.transaction().execute(async (trx) => {
    const m = await trx.insertInto('list_message').values({ raw, size: raw.length, status: 'accepted', decided_at: new Date(), from_address: owner.email!, auth: '{}' }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('list_message_target').values({ message_id: m.id, list_id: list.id }).execute();
    await distribute(trx, m.id);
  });
  return addresses;
}

function run(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => child.on('exit', (code, signal) => r(signal ? null : code)));
}

for (const kind of databaseKinds()) {
  test(`a worker killed mid-delivery loses nothing and sends nothing twice [${kind}]`, async () => {
    let target: string;
    let cleanup: () => Promise<void>;
    if (kind === 'pglite') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-restart-'));
      target = dir;
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    } else {
      const base = process.env.TEST_DATABASE_URL!;
      const name = `ostal_test_restart_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const u = new URL(base);
      u.pathname = `/${name}`;
      target = u.toString();
      cleanup = async () => {
        const c = new pg.Client({ connectionString: base });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      };
    }
    let h = kind === 'pglite' ? await openPGlite(target) : await openPostgres(target, 2);
    await migrate(h);
    const addresses = await queueOneMessage(h);
    await h.close();

    let child: ChildProcess | undefined;
    let seen = 0;
    const sink = await startSink({
      onMessage: () => {
        seen++;
        // The copy in flight when the worker dies has not been acknowledged: it must be sent again.
        if (seen === KILL_AT && child) {
          child.kill('SIGKILL');
          throw Object.assign(new Error('worker killed'), { responseCode: 421 });
        }
      },
    });
    const spawnWorker = () =>
      spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'delivery-child.ts'), target, sink.url], {
        env: { ...process.env, CLAIM_SECONDS: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
    try {
      child = spawnWorker();
      assert.equal(await run(child), null, 'the first worker was killed');
      assert.equal(sink.received.length, KILL_AT - 1);
      await new Promise((r) => setTimeout(r, 1200)); // the dead worker's claim lapses
      child = undefined;
      const second = spawnWorker();
      assert.equal(await run(second), 0);
      const to = sink.received.map((m) => m.to[0]!).sort();
      assert.equal(to.length, MEMBERS, 'one copy each, none twice');
      assert.deepEqual(to, [...addresses].sort());
      h = kind === 'pglite' ? await openPGlite(target) : await openPostgres(target, 2);
      const rows = await h.db.selectFrom('list_delivery').select('status').execute();
      assert.ok(rows.every((r) => r.status === 'sent'));
      await h.close();
    } finally {
      await sink.close();
      await cleanup();
    }
  });
}
