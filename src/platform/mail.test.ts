import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { forEachDatabase } from './testing.ts';
import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import { composeRaw, createMailer } from './mail.ts';

interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A real SMTP sink on loopback; `answer` decides the reply to each DATA. */
async function sink(answer: () => number = () => 250, beforeAnswer: (n: number) => Promise<void> = async () => {}) {
  const received: Received[] = [];
  let calls = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        await beforeAnswer(++calls);
        const code = answer();
        if (code !== 250) {
          const err = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
          err.responseCode = code;
          return cb(err);
        }
        received.push({ from: (session.envelope.mailFrom as { address: string }).address, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { received, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

forEachDatabase('outgoing mail', (t) => {
  test('without a relay, mail is kept in the outbox', async () => {
    const { db } = t();
    const mailer = createMailer({});
    const id = await mailer.enqueue(db, { from: 'Ostal <no-reply@lists.example.org>', to: ['Parent@Example.org'], subject: 'Bonjorn', text: 'Òsca !', sensitive: false });
    const row = await db.selectFrom('outbox_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'kept');
    assert.deepEqual(row.envelope_to, ['parent@example.org']);
    const parsed = await simpleParser(Buffer.from(row.raw));
    assert.equal(parsed.subject, 'Bonjorn');
    assert.equal(parsed.text?.trim(), 'Òsca !');
    assert.equal(await mailer.deliverDue(db), 0);
  });

  test('with a relay, queued mail is delivered once over SMTP', async () => {
    const { db } = t();
    const relay = await sink();
    const mailer = createMailer({ relayUrl: relay.url });
    try {
      const id = await mailer.enqueue(db, { from: 'no-reply@lists.example.org', to: ['a@example.org', 'b@example.org'], subject: 'Sortida', text: 'Dimècres', sensitive: false });
      assert.equal(await mailer.deliverDue(db), 1);
      assert.equal(await mailer.deliverDue(db), 0, 'a sent message is not sent again');
      assert.equal(relay.received.length, 1);
      assert.deepEqual(relay.received[0]!.to.sort(), ['a@example.org', 'b@example.org']);
      assert.equal((await simpleParser(relay.received[0]!.raw)).subject, 'Sortida');
      const row = await db.selectFrom('outbox_message').select(['status', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'sent', attempts: 1 });
    } finally {
      mailer.close();
      await relay.close();
    }
  });

  test('a message whose lease ran out while a slow relay held its deliverer is not sent again by it', async () => {
    const { db } = t();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slowStarted!: () => void;
    const slow = new Promise<void>((r) => (slowStarted = r));
    // The relay takes its time over the first message only.
    const relay = await sink(undefined, async (n) => {
      if (n === 1) {
        slowStarted();
        await gate;
      }
    });
    const a = createMailer({ relayUrl: relay.url });
    const b = createMailer({ relayUrl: relay.url });
    try {
      await a.enqueue(db, { from: 'no-reply@lists.example.org', to: ['lent@example.org'], subject: 'Premièr', text: '…', sensitive: false });
      const second = await a.enqueue(db, { from: 'no-reply@lists.example.org', to: ['segond@example.org'], subject: 'Segond', text: '…', sensitive: false });
      const byA = a.deliverDue(db);
      await slow;
      // Meanwhile the second message's lease runs out and another deliverer sends it.
      await db.updateTable('outbox_message').set({ next_attempt_at: new Date(Date.now() - 1000) }).where('id', '=', second).execute();
      assert.equal(await b.deliverDue(db), 1);
      release();
      assert.equal(await byA, 1);
      assert.deepEqual(relay.received.map((m) => m.to[0]).sort(), ['lent@example.org', 'segond@example.org']);
    } finally {
      a.close();
      b.close();
      await relay.close();
    }
  });

  test('two deliverers at once (the server and a CLI run) send each queued message once', async () => {
    const { db } = t();
    const relay = await sink();
    const a = createMailer({ relayUrl: relay.url });
    const b = createMailer({ relayUrl: relay.url });
    try {
      for (let i = 0; i < 12; i++) await a.enqueue(db, { from: 'no-reply@lists.example.org', to: [`p${i}@example.org`], subject: `Rapèl ${i}`, text: '…', sensitive: false });
      const [na, nb] = await Promise.all([a.deliverDue(db), b.deliverDue(db)]);
      assert.equal(na + nb, 12);
      assert.equal(relay.received.length, 12, 'no message twice');
      assert.equal(new Set(relay.received.map((m) => m.to[0])).size, 12);
      assert.equal(await a.deliverDue(db), 0);
    } finally {
      a.close();
      b.close();
      await relay.close();
    }
  });

  test('a temporary refusal is retried later; a permanent one fails for good', async () => {
    const { db } = t();
    let code = 451;
    const relay = await sink(() => code);
    const mailer = createMailer({ relayUrl: relay.url });
    try {
      const id = await mailer.enqueue(db, { from: 'no-reply@lists.example.org', to: ['c@example.org'], subject: 'Tèst', text: '…', sensitive: false });
      assert.equal(await mailer.deliverDue(db), 0);
      let row = await db.selectFrom('outbox_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'queued');
      assert.equal(row.attempts, 1);
      assert.ok(new Date(row.next_attempt_at!).getTime() > Date.now() + 30_000, 'backoff before the next try');
      assert.equal(await mailer.deliverDue(db), 0, 'not due yet');
      await db.updateTable('outbox_message').set({ next_attempt_at: new Date() }).where('id', '=', id).execute();
      code = 550;
      assert.equal(await mailer.deliverDue(db), 0);
      row = await db.selectFrom('outbox_message').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'failed');
      assert.match(row.last_error ?? '', /550/);
      assert.equal(relay.received.length, 0);
    } finally {
      mailer.close();
      await relay.close();
    }
  });
});

forEachDatabase('DKIM on outgoing mail', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = { domain: 'lists.example.org', selector: 'test2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  // The one DNS answer the verifier needs; anything else does not exist (offline).
  const resolver = async (name: string, rrtype: string) => {
    if (rrtype === 'TXT' && name.toLowerCase() === `${key.selector}._domainkey.${key.domain}`) return [[record]];
    throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
  };
  const fixed = { 'Message-ID': '<fixe@example.org>', Date: 'Sun, 29 Nov 2026 05:00:00 +0000' };

  test('mail From a domain whose key the mailer holds is signed when queued and verifies; other mail is stored unchanged', async () => {
    const { db } = t();
    const relay = await sink();
    const mailer = createMailer({ relayUrl: relay.url });
    mailer.addDkimKey(key);
    try {
      const signedId = await mailer.enqueue(db, { from: 'Conselh <conselh+owner@Lists.Example.org>', to: ['a@example.org'], subject: 'Resumit', text: 'Òsca', headers: { 'List-Id': '<conselh.lists.example.org>' }, sensitive: false });
      const other = { from: 'Ostal <no-reply@ostal.example.org>', to: ['b@example.org'], subject: 'Connexion', text: 'Code : 123456', headers: fixed, sensitive: false };
      const plainId = await mailer.enqueue(db, other);
      const forwardId = await mailer.enqueueRaw(db, { envelopeFrom: '', to: ['c@example.org'], subject: 'Fwd', raw: Buffer.from('From: x@example.net\r\nSubject: Fwd\r\n\r\nHi\r\n'), signAs: 'lists.example.org', sensitive: false });
      const unsignedRawId = await mailer.enqueueRaw(db, { envelopeFrom: '', to: ['c@example.org'], subject: 'Fwd', raw: Buffer.from('From: x@example.net\r\nSubject: Fwd\r\n\r\nHi\r\n'), signAs: 'elsewhere.example.org', sensitive: false });
      const stored = async (id: number) => Buffer.from((await db.selectFrom('outbox_message').select('raw').where('id', '=', id).executeTakeFirstOrThrow()).raw);
      assert.ok((await stored(plainId)).equals(await composeRaw(other)), 'no key for its domain: the bytes are what the composer made');
      assert.ok(!(await stored(plainId)).toString().includes('DKIM-Signature'));
      assert.equal((await stored(unsignedRawId)).toString(), 'From: x@example.net\r\nSubject: Fwd\r\n\r\nHi\r\n');
      assert.equal(await mailer.deliverDue(db), 4);
      const got = (to: string) => relay.received.filter((m) => m.to[0] === to);
      for (const [to, id] of [['a@example.org', signedId], ['c@example.org', forwardId]] as const) {
        const m = got(to)[0]!;
        assert.ok(m.raw.equals(await stored(id)), 'what leaves is what was stored');
        const auth = await authenticate(m.raw, { ip: '127.0.0.1', helo: 'localhost', sender: 'conselh+owner@lists.example.org', mta: 'mx.example.net', resolver, disableArc: true, disableBimi: true } as never);
        const dkim = auth.dkim.results.find((r: { signingDomain: string }) => r.signingDomain === 'lists.example.org');
        assert.equal(dkim?.status.result, 'pass', JSON.stringify(auth.dkim.results.map((r: { status: unknown }) => r.status)));
      }
      assert.match(got('a@example.org')[0]!.raw.toString(), /^DKIM-Signature: [^]*h=[^;]*List-Id/i);
    } finally {
      mailer.close();
      await relay.close();
    }
  });
});
