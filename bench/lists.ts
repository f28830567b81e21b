// npm run bench:lists — the list server end to end on this machine: a real SMTP client posts
// to our listener, the delivery worker hands every copy (rendered, DKIM-signed, VERP) to a
// real SMTP sink on 127.0.0.1.
//   1. one message to a 5,000-member list;
//   2. 200 messages to 50 lists of 20 members.
// Uses PGlite in memory, or the PostgreSQL server of DATABASE_URL.
import { openScratchDatabase } from '../src/platform/testing.ts';
import type { Handle } from '../src/platform/db.ts';
import { createMailer } from '../src/platform/mail.ts';
import { CLI_ACTOR } from '../src/platform/audit.ts';
import { aPerson } from '../src/directory/factories.ts';
import { createList } from '../src/lists/lists.ts';
import { ensureListKeys } from '../src/lists/keys.ts';
import { createDeliveryWorker } from '../src/lists/outbound.ts';
import { startListener } from '../src/lists/smtp.ts';
import nodemailer from 'nodemailer';
import { dnsTable, sendTo, startSink } from '../src/lists/testing.ts';

const DOMAIN = 'lists.example.org';
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function open(): Promise<{ h: Handle; drop: () => Promise<void>; kind: string }> {
  const { handle, drop, label } = await openScratchDatabase(process.env.DATABASE_URL, 10);
  return { h: handle, drop, kind: label };
}

const { h, drop, kind } = await open();
const db = h.db;
await ensureListKeys(db, DOMAIN);
const sink = await startSink();
const ctx = { db, domain: DOMAIN, publicUrl: 'https://ostal.example.org', resolver: dnsTable({ 'example.org': ['v=spf1 ip4:127.0.0.1 -all'] }), mailer: createMailer({}) };
const worker = createDeliveryWorker({ db, domain: DOMAIN, publicUrl: ctx.publicUrl, relayUrl: sink.url, concurrency: 10 });
const listener = await startListener(ctx, { port: 0, host: '127.0.0.1' });
const owner = await aPerson(db);

async function listWith(slug: string, members: number) {
  const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug, name: slug, kind: 'manual', owners: [owner.id] }));
  const rows = Array.from({ length: members }, (_, i) => ({ list_id: list.id, address: `m${i}.${slug}@school.test` }));
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('list_member').values(rows.slice(i, i + 1000)).execute();
  return list;
}

function report(title: string, copies: number, ms: number) {
  console.log(`${title}\n  ${copies} copies delivered in ${(ms / 1000).toFixed(2)} s — ${Math.round((copies / ms) * 1000)} copies/s, time to last delivery ${(ms / 1000).toFixed(2)} s`);
}

console.log(`Ostal lists benchmark on ${kind}, Node ${process.version}`);
// 1. One message to 5,000 members.
const big = await listWith('escola', 5000);
let t0 = performance.now();
await sendTo(listener.port, { from: owner.email!, to: [`${big.slug}@${DOMAIN}`], subject: 'Fèsta de l’escòla', text: 'Bonjorn a totes, '.repeat(100) });
const accepted = performance.now() - t0;
await worker.drain();
await sink.waitFor(5000, 600_000);
report(`1 message to a 5,000-member list (accepted and queued in ${accepted.toFixed(0)} ms)`, sink.received.length, performance.now() - t0);

// 2. 200 messages to 50 lists of 20 members.
const small = [];
for (let i = 0; i < 50; i++) small.push(await listWith(`classa-${i}`, 20));
const before = sink.received.length;
t0 = performance.now();
// Over one kept-open connection, as a front MTA that caches its connections posts: each new
// connection waits the listener's 100 ms early-talker pause (smtp-server), which would make
// this a measure of that pause.
const client = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 } as never);
for (let i = 0; i < 200; i++) {
  await client.sendMail({ envelope: { from: owner.email!, to: [`${small[i % 50]!.slug}@${DOMAIN}`] }, from: owner.email!, to: `${small[i % 50]!.slug}@${DOMAIN}`, subject: `Messatge ${i}`, text: 'Bonjorn a totes e a totes.' });
  if (i % 20 === 19) worker.wake();
}
client.close();
const posted = performance.now() - t0;
await worker.drain();
await sink.waitFor(before + 4000, 600_000);
report(`200 messages to 50 lists of 20 members (posted in ${(posted / 1000).toFixed(2)} s, ${Math.round(200 / (posted / 1000))} messages/s in)`, sink.received.length - before, performance.now() - t0);
clearInterval(sampler);
console.log(`peak memory (RSS): ${Math.round(peakRss / 1024 / 1024)} MiB`);
await listener.close();
await worker.stop();
await sink.close();
await h.close();
await drop();
