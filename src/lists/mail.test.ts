import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { authenticate } from 'mailauth';
import { simpleParser } from 'mailparser';
import { CLI_ACTOR } from '../platform/audit.ts';
import { createMailer } from '../platform/mail.ts';
import { forEachDatabase } from '../platform/testing.ts';
import { hashSecret } from '../auth/tokens.ts';
import { aClass, aHousehold, aPerson, aRegent, aSchool } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { dkimDnsRecord, dkimKeyOf, ensureListKeys } from './keys.ts';
import type { ListsContext } from './inbound.ts';
import { createDeliveryWorker, type DeliveryWorker } from './outbound.ts';
import { startListener, type Listener } from './smtp.ts';
import { dnsTable, sendTo, startSink, type Sink } from './testing.ts';
import { splitMessage, getHeader } from './rewrite.ts';
// The unsubscribe confirmation is written in the members' languages: the app's catalogues.
import '../app/messages.ts';

const DOMAIN = 'lists.example.org';
const DNS = {
  // The senders' domain authorises the test client's address and asks for rejection of forgeries.
  'example.org': ['v=spf1 ip4:127.0.0.1 -all'],
  '_dmarc.example.org': ['v=DMARC1; p=reject'],
  'school.test': ['v=spf1 ip4:127.0.0.1 -all'],
};

forEachDatabase('list mail end to end', (t) => {
  let sink: Sink;
  let listener: Listener;
  let worker: DeliveryWorker;
  let ctx: ListsContext;
  let setup: Awaited<ReturnType<typeof build>>;

  async function build() {
    const { db } = t();
    const school = await aSchool(db);
    const a = await aClass(db, { schoolId: school.id, name: 'CM1 A' });
    const b = await aClass(db, { schoolId: school.id, name: 'CE2 B' });
    const regent = await aRegent(db, a.id);
    await db.insertInto('class_regent').values({ class_id: b.id, person_id: regent.id }).execute();
    const onlyA = await aHousehold(db, { classIds: [a.id] });
    const onlyB = await aHousehold(db, { classIds: [b.id] });
    const both = await aHousehold(db, { classIds: [a.id, b.id], guardians: 2 });
    const listA = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `cm1-a-${a.id}`, name: 'CM1 A', kind: 'class', classId: a.id }));
    const listB = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `ce2-b-${b.id}`, name: 'CE2 B', kind: 'class', classId: b.id }));
    await db.updateTable('mailing_list').set({ footer: 'Calandreta — liste de la classe', max_bytes: 20000 }).where('id', '=', listA.id).execute();
    const parents = [...onlyA.guardians, ...onlyB.guardians, ...both.guardians];
    return { school, a, b, regent, onlyA, onlyB, both, listA, listB, parents };
  }

  before(async () => {
    const { db } = t();
    sink = await startSink();
    // The list server's mailer signs what it sends From the list domain, as the platform's does.
    const keys = await ensureListKeys(db, DOMAIN);
    ctx = { db, domain: DOMAIN, publicUrl: 'https://ostal.example.org', resolver: dnsTable(DNS), mailer: createMailer({ dkim: [dkimKeyOf(keys)] }) };
    worker = createDeliveryWorker({ db, domain: DOMAIN, publicUrl: ctx.publicUrl, relayUrl: sink.url, backoffSeconds: [0, 0, 0] });
    listener = await startListener(ctx, { port: 0, host: '127.0.0.1' });
    setup = await build();
  });
  after(async () => {
    await listener.close();
    await worker.stop();
    await sink.close();
  });

  test('a regent writes to two classes: each family gets exactly one copy, signed, with list headers and no address of another member', async () => {
    const { db } = t();
    const { regent, listA, listB, parents } = setup;
    const before = sink.received.length;
    const info = await sendTo(listener.port, { from: `Regenta <${regent.email}>`, to: [`${listA.slug}@${DOMAIN}`, `${listB.slug}@${DOMAIN}`], subject: 'Sortida al musèu' });
    assert.match(info.response, /^250 .*accepted/);
    await worker.drain();
    const copies = sink.received.slice(before);
    assert.equal(copies.length, parents.length);
    assert.deepEqual(copies.map((c) => c.to[0]).sort(), parents.map((p) => p.email).sort());
    const keys = await ensureListKeys(db, DOMAIN);
    const rec = dkimDnsRecord(keys);
    const resolver = dnsTable({ ...DNS, [rec.name]: [rec.value] });
    for (const c of copies) {
      const text = c.raw.toString('utf8');
      for (const p of parents) assert.ok(!text.toLowerCase().includes(p.email!), 'no member address in any copy');
      assert.match(c.from, new RegExp(`^(cm1-a|ce2-b)-\\d+\\+bounce-\\d+-[\\w-]{16}@${DOMAIN.replace(/\./g, '\\.')}$`));
      const { headers } = splitMessage(c.raw);
      assert.match(getHeader(headers, 'list-id')!, /<(cm1-a|ce2-b)-\d+\.lists\.example\.org>/);
      assert.equal(getHeader(headers, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      assert.match(getHeader(headers, 'list-unsubscribe')!, /^<https:\/\/ostal\.example\.org\/api\/public\/lists\/unsubscribe\/\d+-[\w-]{16}>, <mailto:/);
      assert.match(getHeader(headers, 'list-post')!, /^<mailto:/);
      assert.match(getHeader(headers, 'list-help')!, /^<https:\/\/ostal\.example\.org\/lists\/(cm1-a|ce2-b)-\d+>$/);
      assert.match(getHeader(headers, 'list-archive')!, /^<https:\/\/ostal\.example\.org\/lists\/(cm1-a|ce2-b)-\d+\/archive>$/);
      assert.match(getHeader(headers, 'list-owner')!, /^<https:\/\/ostal\.example\.org\/lists\/(cm1-a|ce2-b)-\d+>$/);
      // example.org publishes p=reject: From is the list's, the author is in Reply-To.
      assert.match(getHeader(headers, 'from')!, /via .* <(cm1-a|ce2-b)-\d+@lists\.example\.org>/);
      assert.equal(getHeader(headers, 'reply-to'), `Regenta <${regent.email}>`.replace(regent.email!, regent.email!));
      const auth = await authenticate(c.raw, { ip: '127.0.0.1', helo: 'localhost', sender: c.from, resolver, mta: 'mx.example.net', disableArc: true, disableBimi: true });
      assert.match(getHeader(splitMessage(c.raw).headers, 'dkim-signature')!, /List-Unsubscribe-Post/, 'RFC 8058: the one-click header is signed');
      const dkim = auth.dkim.results.find((r: { signingDomain: string }) => r.signingDomain === DOMAIN);
      assert.equal(dkim?.status.result, 'pass', 'DKIM signature of the list domain verifies: ' + JSON.stringify(auth.dkim.results.map((r: { status: unknown; signingDomain: string }) => [r.signingDomain, r.status])));
    }
    // The family with a child in each class got its copies through the first list addressed (CM1 A): prefix and footer.
    const bothCopy = copies.find((c) => c.to[0] === setup.both.guardians[0]!.email)!;
    assert.match(bothCopy.raw.toString('utf8'), /Subject: \[cm1-a-\d+\] =\?UTF-8\?Q\?Sortida/);
    assert.match(bothCopy.raw.toString('utf8'), /Calandreta — liste de la classe/);
    const msg = await db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(msg.status, 'accepted');
    assert.equal((msg.auth as { dmarc: string }).dmarc, 'pass');
  });

  test('a parent replying to all of an announce list is held, not distributed', async () => {
    const { db } = t();
    const parent = setup.onlyA.guardians[0]!;
    const before = sink.received.length;
    const info = await sendTo(listener.port, { from: parent.email!, to: [`${setup.listA.slug}@${DOMAIN}`], subject: 'Re: Sortida' });
    assert.match(info.response, /held/);
    await worker.drain();
    assert.equal(sink.received.length, before);
    const msg = await db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual([msg.status, msg.held_reason], ['held', 'not_allowed']);
  });

  test('unknown addresses, other domains, oversize messages, loops and mail from the list itself are refused', async () => {
    const { db } = t();
    const from = setup.regent.email!;
    await assert.rejects(sendTo(listener.port, { from, to: [`nobody@${DOMAIN}`] }), (e: { responseCode?: number }) => e.responseCode === 550);
    await assert.rejects(sendTo(listener.port, { from, to: ['someone@elsewhere.test'] }), (e: { responseCode?: number; response?: string }) => e.responseCode === 550 && /Relaying denied/.test(e.response ?? ''));
    await assert.rejects(sendTo(listener.port, { from, to: [`${setup.listA.slug}@${DOMAIN}`], text: 'x'.repeat(30000) }), (e: { responseCode?: number }) => e.responseCode === 552);
    await assert.rejects(sendTo(listener.port, { from: `${setup.listB.slug}@${DOMAIN}`, to: [`${setup.listA.slug}@${DOMAIN}`] }), (e: { responseCode?: number }) => e.responseCode === 550);
    const count = async () => (await db.selectFrom('list_message').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const n = Number(await count());
    const info = await sendTo(listener.port, { from, to: [`${setup.listA.slug}@${DOMAIN}`], headers: { 'List-Id': `CM1 A <${setup.listA.slug}.${DOMAIN}>` } });
    assert.match(info.response, /loop, dropped/);
    assert.equal(Number(await count()), n);
  });

  test('LMTP: a front MTA hands mail over and gets an answer per recipient', async () => {
    const lmtp = await startListener(ctx, { port: 0, host: '127.0.0.1', lmtp: true });
    try {
      const info = await sendTo(lmtp.port, { from: setup.regent.email!, to: [`${setup.listB.slug}@${DOMAIN}`], lmtp: true });
      assert.match(info.response, /^250 /);
      await assert.rejects(sendTo(lmtp.port, { from: setup.regent.email!, to: [`nobody@${DOMAIN}`], lmtp: true }), (e: { responseCode?: number }) => e.responseCode === 550);
    } finally {
      await lmtp.close();
    }
    await worker.drain();
  });

  test('temporary refusals are retried, permanent ones mark the copy failed', async () => {
    const { db } = t();
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `retry-${Date.now()}`, name: 'Retry', kind: 'manual', owners: [setup.regent.id] }));
    await db.insertInto('list_member').values([{ list_id: list.id, address: 'una@school.test' }]).execute();
    sink.refuseWith = 451;
    await sendTo(listener.port, { from: setup.regent.email!, to: [`${list.slug}@${DOMAIN}`] });
    await worker.runOnce();
    let d = await db.selectFrom('list_delivery').selectAll().where('list_id', '=', list.id).executeTakeFirstOrThrow();
    assert.deepEqual([d.status, d.attempts], ['queued', 1]);
    sink.refuseWith = undefined;
    const before = sink.received.length;
    await worker.drain();
    d = await db.selectFrom('list_delivery').selectAll().where('list_id', '=', list.id).executeTakeFirstOrThrow();
    assert.deepEqual([d.status, d.attempts], ['sent', 2]);
    assert.equal(sink.received.length, before + 1);
    sink.refuseWith = 550;
    await sendTo(listener.port, { from: setup.regent.email!, to: [`${list.slug}@${DOMAIN}`] });
    await worker.drain();
    sink.refuseWith = undefined;
    const failed = await db.selectFrom('list_delivery').select('status').where('list_id', '=', list.id).where('status', '=', 'failed').execute();
    assert.equal(failed.length, 1);
  });

  test('a relay that refuses the message itself scores no member; one that refuses the recipient does', async () => {
    const { db } = t();
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `blame-${Date.now()}`, name: 'Blame', kind: 'manual', owners: [setup.regent.id] }));
    await db.insertInto('list_member').values([{ list_id: list.id, address: 'dos@school.test' }]).execute();
    // A worker that scores bounces, as the platform's does (it has a mailer for the owners' notice).
    const scoring = createDeliveryWorker({ db, domain: DOMAIN, publicUrl: ctx.publicUrl, relayUrl: sink.url, backoffSeconds: [0, 0, 0], mailer: ctx.mailer });
    const score = async () => Number((await db.selectFrom('list_member_state').select('bounce_score').where('list_id', '=', list.id).where('address', '=', 'dos@school.test').executeTakeFirst())?.bounce_score ?? 0);
    try {
      // Our message's fault (a line too long, say): the copy fails, the member is not blamed.
      Object.assign(sink, { refuseWith: 554, refuseAt: 'data', refuseText: '5.6.0 Message content rejected: line too long' });
      await sendTo(listener.port, { from: setup.regent.email!, to: [`${list.slug}@${DOMAIN}`], subject: 'Long' });
      await scoring.drain();
      assert.equal((await db.selectFrom('list_delivery').select('status').where('list_id', '=', list.id).executeTakeFirstOrThrow()).status, 'failed');
      assert.equal(await score(), 0);
      // The mailbox does not exist: that is the member's bounce.
      Object.assign(sink, { refuseWith: 550, refuseAt: 'rcpt', refuseText: '5.1.1 No such user' });
      await sendTo(listener.port, { from: setup.regent.email!, to: [`${list.slug}@${DOMAIN}`], subject: 'Curt' });
      await scoring.drain();
      assert.equal(await score(), 1);
    } finally {
      await scoring.stop();
      Object.assign(sink, { refuseWith: undefined, refuseAt: 'data', refuseText: 'refused by the test sink' });
    }
  });

  test('without a relay, the copies land in the outbox', async () => {
    const { db } = t();
    const local = createDeliveryWorker({ db, domain: DOMAIN, publicUrl: ctx.publicUrl });
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `outbox-${Date.now()}`, name: 'Outbox', kind: 'manual', owners: [setup.regent.id] }));
    const member = await aPerson(db);
    await db.insertInto('list_member').values({ list_id: list.id, address: member.email! }).execute();
    await sendTo(listener.port, { from: setup.regent.email!, to: [`${list.slug}@${DOMAIN}`], subject: 'Tèst outbox' });
    await local.drain();
    await local.stop();
    const kept = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`envelope_to @> array[${member.email!}]::text[]`).execute();
    assert.equal(kept.length, 1);
    assert.equal(kept[0]!.status, 'kept');
    assert.match(Buffer.from(kept[0]!.raw).toString(), /List-Id: /);
    // Its one-click unsubscribe link acts as the member: the outbox page must not show it.
    assert.match(Buffer.from(kept[0]!.raw).toString(), /\/api\/public\/lists\/unsubscribe\//);
    assert.equal(kept[0]!.sensitive, true);
  });

  test('a DSN to the VERP address scores the member; at the threshold delivery is suspended and the owners told; re-enabled later', async () => {
    const { db } = t();
    const { recordBounce, reenableMember, BOUNCE_THRESHOLD } = await import('./bounces.ts');
    const member = setup.onlyB.guardians[0]!.email!;
    const copy = sink.received.find((c) => c.to[0] === member && c.from.startsWith(setup.listB.slug))!;
    const dsn = [
      `From: MAILER-DAEMON@mx.school.test`,
      `To: ${copy.from}`,
      `Subject: Undelivered Mail Returned to Sender`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/report; report-type=delivery-status; boundary="b1"`,
      ``,
      `--b1`,
      `Content-Type: text/plain`,
      ``,
      `Delivery failed.`,
      `--b1`,
      `Content-Type: message/delivery-status`,
      ``,
      `Reporting-MTA: dns; mx.school.test`,
      ``,
      `Final-Recipient: rfc822; ${member}`,
      `Action: failed`,
      `Status: 5.1.1`,
      `Diagnostic-Code: smtp; 550 5.1.1 no such user`,
      ``,
      `--b1--`,
      ``,
    ].join('\r\n');
    const info = await sendTo(listener.port, { from: 'MAILER-DAEMON@mx.school.test', envelopeFrom: '', to: [copy.from], raw: dsn });
    assert.match(info.response, /^250/);
    const state = () => db.selectFrom('list_member_state').selectAll().where('list_id', '=', setup.listB.id).where('address', '=', member).executeTakeFirstOrThrow();
    assert.equal(Number((await state()).bounce_score), 1);
    // The same day a second bounce does not count again; on later days it does.
    const deliveryId = Number(/\+bounce-(\d+)-/.exec(copy.from)![1]);
    assert.equal(await recordBounce(db, ctx.mailer, DOMAIN, deliveryId, 1), 'ignored');
    for (let day = 1; day < BOUNCE_THRESHOLD; day++) await recordBounce(db, ctx.mailer, DOMAIN, deliveryId, 1, new Date(Date.now() + day * 86_400_000 + 1000));
    assert.ok((await state()).disabled_at);
    const told = await db.selectFrom('outbox_message').select(['subject', 'raw', 'envelope_from']).where(sql<boolean>`${setup.regent.email} = any(envelope_to)`).execute();
    const notice = told.find((m) => m.subject.includes(member));
    assert.ok(notice, 'the owners are told');
    // The notice is signed with the list domain's key, like every mail the list server sends.
    const rec = dkimDnsRecord(await ensureListKeys(db, DOMAIN));
    const auth = await authenticate(Buffer.from(notice.raw), { ip: '127.0.0.1', helo: 'localhost', sender: notice.envelope_from, resolver: dnsTable({ [rec.name]: [rec.value] }), mta: 'mx.example.net', disableArc: true, disableBimi: true } as never);
    assert.equal(auth.dkim.results.find((r: { signingDomain: string }) => r.signingDomain === DOMAIN)?.status.result, 'pass');
    const before = sink.received.length;
    await sendTo(listener.port, { from: setup.regent.email!, to: [`${setup.listB.slug}@${DOMAIN}`] });
    await worker.drain();
    assert.ok(!sink.received.slice(before).some((c) => c.to[0] === member));
    await reenableMember(db, setup.listB.id, member);
    assert.equal((await state()).disabled_at, null);
  });

  test('mail to the List-Unsubscribe mailto address takes its sender off the list', async () => {
    const { db } = t();
    const member = setup.onlyA.guardians[0]!.email!;
    await sendTo(listener.port, { from: member, to: [`${setup.listA.slug}+unsubscribe@${DOMAIN}`], subject: 'unsubscribe' });
    const s = await db.selectFrom('list_member_state').selectAll().where('list_id', '=', setup.listA.id).where('address', '=', member).executeTakeFirstOrThrow();
    assert.equal(s.delivery, 'nomail');
  });

  test('a moderator approves a held message by replying to the notice; mail to slug+owner reaches the owners', async () => {
    const { db } = t();
    const parent = setup.onlyB.guardians[0]!;
    await sendTo(listener.port, { from: parent.email!, to: [`${setup.listB.slug}@${DOMAIN}`], subject: 'Question per la sortida' });
    const m = await db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(m.status, 'held');
    const notice = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${setup.regent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const replyTo = /^Reply-To: (.+)$/m.exec(Buffer.from(notice.raw).toString())![1]!.trim();
    assert.match(replyTo, new RegExp(`^${setup.listB.slug}\\+moderate-\\d+-[\\w-]{16}@`));
    // Someone who is not a moderator cannot approve with the same address.
    await sendTo(listener.port, { from: parent.email!, to: [replyTo], subject: 'Re: held' });
    assert.equal((await db.selectFrom('list_message').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, 'held');
    await sendTo(listener.port, { from: setup.regent.email!, to: [replyTo], subject: 'Re: held', text: 'OK' });
    assert.equal((await db.selectFrom('list_message').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, 'accepted');
    assert.ok((await db.selectFrom('list_delivery').select('id').where('message_id', '=', m.id).execute()).length > 0);
    await worker.drain();

    await sendTo(listener.port, { from: parent.email!, to: [`${setup.listB.slug}+owner@${DOMAIN}`], subject: 'Per la regenta' });
    const fwd = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${setup.regent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(fwd.subject, 'Per la regenta');
    // The forward's own header comes right after the signature, which is added last.
    assert.match(Buffer.from(fwd.raw).toString(), /^DKIM-Signature: [^]*?\r\nX-Ostal-Owner-Forward: /);
  });

  test('a moderator rejects by mail (the first line of their mail is the reason the sender gets), discards silently, or approves and always allows the sender', async () => {
    const { db } = t();
    const parent = setup.onlyB.guardians[0]!;
    const toSender = () => db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${parent.email} = any(envelope_to)`).execute();
    const holdOne = async (subject: string) => {
      await sendTo(listener.port, { from: parent.email!, to: [`${setup.listB.slug}@${DOMAIN}`], subject });
      const m = await db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(m.status, 'held');
      const notice = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${setup.regent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
      const text = (await simpleParser(Buffer.from(notice.raw))).text ?? '';
      const address = (action: string) => new RegExp(`${setup.listB.slug}\\+${action}-\\d+-[\\w-]{16}@${DOMAIN.replace(/\./g, '\\.')}`).exec(text)![0];
      return { m, reject: address('reject'), discard: address('discard'), allow: address('allow') };
    };
    const status = async (id: number) => (await db.selectFrom('list_message').select(['status', 'reject_reason']).where('id', '=', id).executeTakeFirstOrThrow());

    const ad = await holdOne('Venda de calendièrs');
    const told = (await toSender()).length;
    // The sender cannot reject (or discard) their own message with the address.
    await sendTo(listener.port, { from: parent.email!, to: [ad.discard], subject: 'Re: held' });
    assert.equal((await status(ad.m.id)).status, 'held');
    const reply = 'Pas de vente sur la liste de la classe, merci.\n\nLe dim. 29 nov., Ostal a écrit :\n> Un message de ... attend votre décision';
    const info = await sendTo(listener.port, { from: setup.regent.email!, to: [ad.reject], subject: 'Re: Message en attente', text: reply });
    assert.match(info.response, /^250/);
    assert.deepEqual(await status(ad.m.id), { status: 'rejected', reject_reason: 'Pas de vente sur la liste de la classe, merci.' });
    const notices = (await toSender()).slice(told);
    assert.equal(notices.length, 1, 'the sender is told');
    assert.match((await simpleParser(Buffer.from(notices[0]!.raw))).text ?? '', /Pas de vente sur la liste de la classe, merci\./);
    assert.equal((await db.selectFrom('list_delivery').select('id').where('message_id', '=', ad.m.id).execute()).length, 0);
    // Decided once: a late approval by reply changes nothing.
    const approve = ad.reject.replace('+reject-', '+moderate-');
    await sendTo(listener.port, { from: setup.regent.email!, to: [approve], subject: 'Re: held', text: 'OK' });
    assert.equal((await status(ad.m.id)).status, 'rejected');

    const spam = await holdOne('Gagnez un voyage');
    const before = (await toSender()).length;
    await sendTo(listener.port, { from: setup.regent.email!, to: [spam.discard], subject: 'Re: held', text: 'spam' });
    assert.deepEqual(await status(spam.m.id), { status: 'discarded', reject_reason: null });
    assert.equal((await toSender()).length, before, 'a discarded message tells nobody');
    assert.equal((await db.selectFrom('list_delivery').select('id').where('message_id', '=', spam.m.id).execute()).length, 0);
    // A forged token is nobody's decision.
    const third = await holdOne('Encara');
    await sendTo(listener.port, { from: setup.regent.email!, to: [third.reject.replace(/-[\w-]{16}@/, '-AAAAAAAAAAAAAAAA@')], text: 'non' });
    assert.equal((await status(third.m.id)).status, 'held');
    // The regent's vacation responder answers the notice: that approves nothing.
    await sendTo(listener.port, { from: setup.regent.email!, to: [third.reject.replace('+reject-', '+moderate-')], subject: 'Absence', text: 'Je suis absente.', headers: { 'Auto-Submitted': 'auto-replied' } });
    assert.equal((await status(third.m.id)).status, 'held');
    // Approve and always allow: the sender's next message is not held.
    await sendTo(listener.port, { from: setup.regent.email!, to: [third.allow], subject: 'Re: held', text: 'Òc' });
    assert.equal((await status(third.m.id)).status, 'accepted');
    const next = await sendTo(listener.port, { from: parent.email!, to: [`${setup.listB.slug}@${DOMAIN}`], subject: 'Mercés' });
    assert.match(next.response, /accepted/);
    await db.deleteFrom('list_allowed_sender').where('address', '=', parent.email!).execute();
    await worker.drain();
  });

  test('a message held for two lists is moderated once: one notice, one decision, one copy per family', async () => {
    const { db } = t();
    const { listA, listB, regent, both } = setup;
    const author = both.guardians[0]!;
    const info = await sendTo(listener.port, { from: author.email!, to: [`${listA.slug}@${DOMAIN}`, `${listB.slug}@${DOMAIN}`], subject: 'Vestits per la fèsta' });
    assert.match(info.response, /held/);
    const m = await db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal((await db.selectFrom('list_message_target').select('list_id').where('message_id', '=', m.id).execute()).length, 2);
    // The regent moderates both lists and is told once.
    const notices = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${regent.email} = any(envelope_to)`).where('subject', 'like', '%Vestits per la f%').execute();
    assert.equal(notices.length, 1);
    const replyTo = /^Reply-To: (.+)$/m.exec(Buffer.from(notices[0]!.raw).toString())![1]!.trim();
    const before = sink.received.length;
    await sendTo(listener.port, { from: regent.email!, to: [replyTo], subject: 'Re: held', text: "D'acòrdi" });
    assert.equal((await db.selectFrom('list_message').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, 'accepted');
    await worker.drain();
    const copies = sink.received.slice(before);
    const to = copies.map((c) => c.to[0]!);
    assert.equal(new Set(to).size, to.length, 'nobody gets two copies');
    // Everyone of either list who takes each message, once: the family in both classes too.
    const expected = await db
      .selectFrom('list_membership as lm')
      .leftJoin('list_member_state as st', (j) => j.onRef('st.list_id', '=', 'lm.list_id').onRef('st.address', '=', 'lm.address'))
      .select('lm.address')
      .distinct()
      .where('lm.list_id', 'in', [listA.id, listB.id])
      .where((eb) => eb.or([eb('st.delivery', 'is', null), eb('st.delivery', '=', 'each')]))
      .where('st.disabled_at', 'is', null)
      .execute();
    assert.deepEqual([...to].sort(), expected.map((e) => e.address).sort());
    assert.ok(to.includes(both.guardians[1]!.email!));
    // The same decision cannot be taken twice by mail.
    await sendTo(listener.port, { from: regent.email!, to: [replyTo], subject: 'Re: held', text: "D'acòrdi" });
    assert.equal((await db.selectFrom('list_delivery').select('id').where('message_id', '=', m.id).execute()).length, to.length);
  });

  test('a message whose From fails DMARC is held, even from a moderator, and such a From cannot decide by mail', async () => {
    const { db } = t();
    const saved = ctx.resolver;
    // example.org now authorises no server: our 127.0.0.1 client fails SPF, and p=reject applies.
    ctx.resolver = dnsTable({ ...DNS, 'example.org': ['v=spf1 -all'] });
    try {
      const info = await sendTo(listener.port, { from: setup.regent.email!, to: [`${setup.listA.slug}@${DOMAIN}`], subject: 'Fals' });
      assert.match(info.response, /held/);
      const m = await db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.deepEqual([m.status, m.held_reason, (m.auth as { dmarc: string }).dmarc], ['held', 'auth', 'fail']);
      // Nor does a reply whose From is not proven decide anything.
      const notice = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${setup.regent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
      // The notice says why it waits, and that the From may be forged.
      const noticeText = (await simpleParser(Buffer.from(notice.raw))).text ?? '';
      assert.match(noticeText, /Retenu parce que : l'adresse de l'expéditeur n'a pas pu être vérifiée/);
      assert.ok(noticeText.includes(`rien ne prouve que ce message vienne vraiment de ${setup.regent.email}`), noticeText);
      assert.match(noticeText, /Beware: nothing proves this message really comes from/);
      const replyTo = /^Reply-To: (.+)$/m.exec(Buffer.from(notice.raw).toString())![1]!.trim();
      await sendTo(listener.port, { from: setup.regent.email!, to: [replyTo], subject: 'Re: held', text: 'OK' });
      assert.equal((await db.selectFrom('list_message').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, 'held');
    } finally {
      ctx.resolver = saved;
    }
  });

  test("LMTP behind a front MTA: the sender checks use the original client's address given by XFORWARD", async () => {
    const { db } = t();
    // example.org's mail now leaves from 203.0.113.5 only; the front MTA talks to us from 127.0.0.1.
    const lmtp = await startListener({ ...ctx, resolver: dnsTable({ ...DNS, 'example.org': ['v=spf1 ip4:203.0.113.5 -all'] }) }, { port: 0, host: '127.0.0.1', lmtp: true, trustXForward: ['127.0.0.1'] });
    const converse = async (xforward: boolean, subject: string) => {
      const socket = net.connect(lmtp.port, '127.0.0.1');
      let buffer = '';
      const waiters: Array<() => void> = [];
      socket.on('data', (c) => {
        buffer += c.toString();
        for (const w of waiters.splice(0)) w();
      });
      // Reads one complete reply (its last line is "NNN text").
      const reply = async (): Promise<string> => {
        for (;;) {
          const m = /^((?:\d{3}-.*\r\n)*\d{3} .*\r\n)/.exec(buffer);
          if (m) {
            buffer = buffer.slice(m[1]!.length);
            return m[1]!;
          }
          await new Promise<void>((r) => waiters.push(r));
        }
      };
      const say = async (line: string) => {
        socket.write(line + '\r\n');
        return reply();
      };
      await reply();
      assert.match(await say('LHLO mx.example.net'), /XFORWARD/);
      if (xforward) assert.match(await say('XFORWARD ADDR=203.0.113.5 HELO=mail.example.org'), /^250/);
      assert.match(await say(`MAIL FROM:<${setup.regent.email}>`), /^250/);
      assert.match(await say(`RCPT TO:<${setup.listB.slug}@${DOMAIN}>`), /^250/);
      assert.match(await say('DATA'), /^354/);
      const answer = await say(`From: ${setup.regent.email}\r\nTo: ${setup.listB.slug}@${DOMAIN}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\n\r\nBonjorn.\r\n.`);
      await say('QUIT');
      socket.end();
      return answer;
    };
    try {
      assert.match(await converse(true, 'xforward'), /accepted/, "SPF passes for the original server's address");
      const msg = await db.selectFrom('list_message').selectAll().where('message_id', '=', '<xforward@example.org>').executeTakeFirstOrThrow();
      assert.equal((msg.auth as { spf: string }).spf, 'pass');
      // Without XFORWARD the front MTA's address is checked, SPF fails and DMARC (p=reject) with it.
      assert.match(await converse(false, 'direct'), /held/);
    } finally {
      await lmtp.close();
    }
    await worker.drain();
  });

  test('unsubscribe by mail: a forged or unproven From changes nothing and the member alone is asked; a proven From leaves at once; the confirmation works once, before it expires', async () => {
    const { db } = t();
    const cls = await aClass(db, { schoolId: setup.school.id, name: 'CP C' });
    await aRegent(db, cls.id);
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `cp-c-${cls.id}`, name: 'CP C', kind: 'class', classId: cls.id }));
    const [h1, h2, h3] = [await aHousehold(db, { classIds: [cls.id] }), await aHousehold(db, { classIds: [cls.id] }), await aHousehold(db, { classIds: [cls.id] })];
    const [ana, bruno, clara] = [h1.guardians[0]!.email!, h2.guardians[0]!.email!, h3.guardians[0]!.email!];
    const unsubscribe = `${list.slug}+unsubscribe@${DOMAIN}`;
    const delivery = async (address: string) =>
      (await db.selectFrom('list_member_state').select('delivery').where('list_id', '=', list.id).where('address', '=', address).executeTakeFirst())?.delivery ?? 'each';
    const mailTo = (address: string) => db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${address} = any(envelope_to)`).orderBy('id').execute();
    const outboxCount = async () => Number((await db.selectFrom('outbox_message').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    // Forged: Ana's address in From, another server's envelope (example.org says p=reject).
    await sendTo(listener.port, { from: ana, envelopeFrom: 'bulk@forger.test', to: [unsubscribe], subject: 'unsubscribe' });
    assert.equal(await delivery(ana), 'each', 'a forged request unsubscribes nobody');
    const asked = await mailTo(ana);
    assert.equal(asked.length, 1, 'the member is asked, at her own address');
    assert.equal(asked[0]!.sensitive, true, 'the confirmation carries a token: queued as sensitive');
    assert.equal((await mailTo('bulk@forger.test')).length, 0, 'nothing goes to the unproven envelope sender');
    const confirmation = await simpleParser(Buffer.from(asked[0]!.raw));
    const replyTo = confirmation.replyTo!.value[0]!.address!;
    assert.match(replyTo, new RegExp(`^${list.slug}\\+confirm-[\\w-]{32}@${DOMAIN.replace(/\./g, '\\.')}$`));
    const token = /\+confirm-([\w-]+)@/.exec(replyTo)![1]!;
    assert.ok(confirmation.text!.includes(`https://ostal.example.org/api/public/lists/confirm-unsubscribe/${token}`), 'the mail carries the confirmation link');
    assert.match(confirmation.text!, /Qualqu'un a demandat/, 'the mail speaks Occitan too');
    // Only the token's hash is stored.
    const stored = await db.selectFrom('list_unsubscribe_request').selectAll().where('list_id', '=', list.id).execute();
    assert.equal(stored.length, 1);
    assert.deepEqual(Buffer.from(stored[0]!.token_hash), hashSecret(token));
    assert.ok(!JSON.stringify(stored).includes(token));
    // A second forgery the same day does not mail her again.
    await sendTo(listener.port, { from: ana, envelopeFrom: 'bulk@forger.test', to: [unsubscribe], subject: 'unsubscribe' });
    assert.equal((await mailTo(ana)).length, 1);

    // No backscatter: a stranger, a robot, a null sender get no answer and change nothing.
    let n = await outboxCount();
    await sendTo(listener.port, { from: 'stranger@forger.test', to: [unsubscribe], subject: 'unsubscribe' });
    await sendTo(listener.port, { from: bruno, envelopeFrom: 'bulk@forger.test', to: [unsubscribe], subject: 'Absent', headers: { 'Auto-Submitted': 'auto-replied' } });
    await sendTo(listener.port, { from: bruno, envelopeFrom: '', to: [unsubscribe], subject: 'unsubscribe' });
    assert.equal(await outboxCount(), n);
    assert.equal(await delivery(bruno), 'each');

    // Envelope only: a stranger's From with Bruno's address as envelope sender; he is asked, not unsubscribed.
    await sendTo(listener.port, { from: 'stranger@forger.test', envelopeFrom: bruno, to: [unsubscribe], subject: 'unsubscribe' });
    assert.equal(await delivery(bruno), 'each');
    assert.equal((await mailTo(bruno)).length, 1);
    assert.equal((await mailTo('stranger@forger.test')).length, 0);

    // A vacation responder answering the confirmation confirms nothing; a token for another list does nothing.
    await sendTo(listener.port, { from: ana, to: [replyTo], subject: 'Absenta', headers: { 'Auto-Submitted': 'auto-replied' } });
    await sendTo(listener.port, { from: ana, to: [`${setup.listB.slug}+confirm-${token}@${DOMAIN}`], subject: 'Re: confirm' });
    assert.equal(await delivery(ana), 'each');
    // Ana replies to the confirmation: she leaves.
    await sendTo(listener.port, { from: ana, to: [replyTo], subject: 'Re: confirm' });
    assert.equal(await delivery(ana), 'nomail');
    // Used once: the same token does nothing again.
    await db.updateTable('list_member_state').set({ delivery: 'each' }).where('list_id', '=', list.id).where('address', '=', ana).execute();
    await sendTo(listener.port, { from: 'stranger@forger.test', to: [replyTo], subject: 'Re: confirm' });
    assert.equal(await delivery(ana), 'each');

    // Expired: Bruno's confirmation is past its time and does nothing.
    const brunoReply = (await simpleParser(Buffer.from((await mailTo(bruno))[0]!.raw))).replyTo!.value[0]!.address!;
    await db.updateTable('list_unsubscribe_request').set({ created_at: sql<Date>`now() - interval '9 days'`, expires_at: sql<Date>`now() - interval '1 day'` }).where('address', '=', bruno).execute();
    await sendTo(listener.port, { from: bruno, to: [brunoReply], subject: 'Re: confirm' });
    assert.equal(await delivery(bruno), 'each');

    // Proven From (SPF of example.org passes, DMARC aligned): Clara leaves at once, without a confirmation.
    n = await outboxCount();
    await sendTo(listener.port, { from: clara, to: [unsubscribe], subject: 'unsubscribe' });
    assert.equal(await delivery(clara), 'nomail');
    assert.equal(await outboxCount(), n);
  });
});
