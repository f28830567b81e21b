import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { forEachDatabase } from './testing.ts';
import { createMailer } from './mail.ts';

interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A real SMTP sink on loopback; `answer` decides the reply to each DATA. */
async function sink(answer: () => number = () => 250) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
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
    const id = await mailer.enqueue(db, { from: 'Ostal <no-reply@lists.example.org>', to: ['Parent@Example.org'], subject: 'Bonjorn', text: 'Òsca !' });
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
      const id = await mailer.enqueue(db, { from: 'no-reply@lists.example.org', to: ['a@example.org', 'b@example.org'], subject: 'Sortida', text: 'Dimècres' });
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

  test('a temporary refusal is retried later; a permanent one fails for good', async () => {
    const { db } = t();
    let code = 451;
    const relay = await sink(() => code);
    const mailer = createMailer({ relayUrl: relay.url });
    try {
      const id = await mailer.enqueue(db, { from: 'no-reply@lists.example.org', to: ['c@example.org'], subject: 'Tèst', text: '…' });
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
