// Kill-and-restart: the delivery worker dies mid-delivery and a new one finishes the queue.
// Killed before the relay's 250, every member gets exactly one copy; dead between the 250 and
// the database update (SMTP's inherent window, RFC 1047), that one copy goes out twice.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openPGlite, openPostgres, type Handle } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { createServerDatabase, databaseKinds } from '../platform/testing.ts';
import { migrateAndGrant } from '../platform/roles.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { aPerson } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { distribute } from './outbound.ts';
import { ensureListKeys } from './keys.ts';
import { startSink } from './testing.ts';
import { getHeader, splitMessage } from './rewrite.ts';

const MEMBERS = 30;
const KILL_AT = 12;
const EXIT_AT = 7;

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

/** A database another process can open: a PGlite folder or a fresh PostgreSQL database. */
async function scratchTarget(kind: string): Promise<{ target: string; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-restart-'));
    return { target: dir, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  // The workers serve as production does: as a role that owns nothing, the owner having migrated.
  const { url, servingUrl, servingRole, drop } = await createServerDatabase(process.env.TEST_DATABASE_URL!, 'ostal_test_restart');
  const owner = await openPostgres(url, 2);
  await migrateAndGrant(owner, servingRole);
  await owner.close();
  return { target: servingUrl, cleanup: drop };
}

const open = (kind: string, target: string) => (kind === 'pglite' ? openPGlite(target) : openPostgres(target, 2));

function spawnWorker(target: string, relay: string, env: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'delivery-child.ts'), target, relay], {
    env: { ...process.env, CLAIM_SECONDS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

for (const kind of databaseKinds()) {
  test(`a worker killed mid-delivery loses nothing and sends nothing twice [${kind}]`, async () => {
    const { target, cleanup } = await scratchTarget(kind);
    let h = await open(kind, target);
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
    try {
      child = spawnWorker(target, sink.url);
      assert.equal(await run(child), null, 'the first worker was killed');
      assert.equal(sink.received.length, KILL_AT - 1);
      await new Promise((r) => setTimeout(r, 1200)); // the dead worker's claim lapses
      child = undefined;
      const second = spawnWorker(target, sink.url);
      assert.equal(await run(second), 0);
      const to = sink.received.map((m) => m.to[0]!).sort();
      assert.equal(to.length, MEMBERS, 'one copy each, none twice');
      assert.deepEqual(to, [...addresses].sort());
      h = await open(kind, target);
      const rows = await h.db.selectFrom('list_delivery').select('status').execute();
      assert.ok(rows.every((r) => r.status === 'sent'));
      await h.close();
    } finally {
      await sink.close();
      await cleanup();
    }
  });

  test(`a worker that dies between the relay's 250 and the database update re-sends only that copy, with the same Message-ID [${kind}]`, async () => {
    const { target, cleanup } = await scratchTarget(kind);
    let h = await open(kind, target);
    await migrate(h);
    const addresses = await queueOneMessage(h);
    await h.close();
    const sink = await startSink();
    try {
      // The child exits right after the relay accepted its EXIT_AT-th copy, before recording it.
      const first = spawnWorker(target, sink.url, { OSTAL_TEST_EXIT_AFTER_250: String(EXIT_AT) });
      assert.equal(await run(first), 70, 'the first worker died in the window');
      assert.equal(sink.received.length, EXIT_AT);
      h = await open(kind, target);
      // Each copy is recorded as sent right after its own 250: all but the one in the window.
      const sent = await h.db.selectFrom('list_delivery').select('address').where('status', '=', 'sent').execute();
      assert.equal(sent.length, EXIT_AT - 1);
      await h.close();
      await new Promise((r) => setTimeout(r, 1200)); // the dead worker's claim lapses
      assert.equal(await run(spawnWorker(target, sink.url)), 0);

      const received = sink.received.map((m) => m.to[0]!);
      assert.deepEqual([...new Set(received)].sort(), [...addresses].sort(), 'every member got their copy');
      assert.equal(received.length, MEMBERS + 1, 'exactly one copy was sent twice');
      const inWindow = sink.received[EXIT_AT - 1]!.to[0]!;
      const twice = sink.received.filter((m) => m.to[0] === inWindow);
      assert.equal(twice.length, 2, 'the duplicate is the copy in the window');
      const messageIds = twice.map((m) => getHeader(splitMessage(m.raw).headers, 'message-id'));
      assert.ok(messageIds[0], 'the copy has a Message-ID');
      assert.equal(messageIds[0], messageIds[1], 'the receiver can recognise the duplicate');
      // Apart from the signature's timestamp, the second sending is the same message byte for byte.
      const unsigned = (raw: Buffer) => splitMessage(raw).headers.filter((f) => f.key !== 'dkim-signature').map((f) => f.line).join('\r\n') + splitMessage(raw).body;
      assert.equal(unsigned(twice[0]!.raw), unsigned(twice[1]!.raw));
      h = await open(kind, target);
      assert.ok((await h.db.selectFrom('list_delivery').select('status').execute()).every((r) => r.status === 'sent'));
      await h.close();
    } finally {
      await sink.close();
      await cleanup();
    }
  });
}
