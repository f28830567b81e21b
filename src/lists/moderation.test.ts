import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { CLI_ACTOR } from '../platform/audit.ts';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../platform/web/testing.ts';
import type { Running } from '../platform/server.ts';
import { aClass, aHousehold, aRegent } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { expireHeld } from './moderation.ts';
import { listsDns, listsRuntime, type ListsRuntime } from './service.ts';
import { dnsTable, sendTo, startSink, type Sink } from './testing.ts';
import { getHeader, splitMessage } from './rewrite.ts';

const DOMAIN = 'lists.example.org';

forEachDatabase('moderation and unsubscribe through the running platform', (t) => {
  let sink: Sink;
  let platform: Running;
  let lists: ListsRuntime;
  let s: Awaited<ReturnType<typeof build>>;

  async function build() {
    const { db } = t();
    const cls = await aClass(db, { name: 'CP' });
    const regent = await aRegent(db, cls.id);
    const h1 = await aHousehold(db, { classIds: [cls.id] });
    const h2 = await aHousehold(db, { classIds: [cls.id] });
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `cp-${cls.id}`, name: 'CP', kind: 'class', classId: cls.id }));
    return { cls, regent, parent: h1.guardians[0]!, other: h2.guardians[0]!, list, address: `cp-${cls.id}@${DOMAIN}` };
  }

  before(async () => {
    listsDns.resolver = dnsTable({ 'example.org': ['v=spf1 ip4:127.0.0.1 -all'] });
    sink = await startSink();
    platform = await startTestPlatform(t().handle, { SMTP_RELAY_URL: sink.url });
    lists = listsRuntime(platform.deps)!;
    s = await build();
  });
  after(async () => {
    await platform.close();
    await sink.close();
    listsDns.resolver = undefined;
  });

  const held = async () => (await t().db.selectFrom('list_message').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow());

  test("a parent's reply-all is held; the regent is told, sees it, and two clicks distribute it once", async () => {
    const { db, handle } = t();
    const info = await sendTo(lists.smtpPort, { from: s.parent.email!, to: [s.address], subject: 'Re: reünion' });
    assert.match(info.response, /held/);
    const m = await held();
    const notice = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${s.regent.email} = any(envelope_to)`).execute();
    assert.equal(notice.length, 1);
    assert.match(Buffer.from(notice[0]!.raw).toString(), new RegExp(`/lists/${s.list.slug}/held/${m.id}`));

    const regent = new WebClient(platform.url);
    await regent.signInAs(handle, s.regent.id);
    const page = await (await regent.get(`/lists/${s.list.slug}`)).text();
    assert.match(page, /reünion/);
    const view = await regent.get(`/lists/${s.list.slug}/held/${m.id}`);
    assert.equal(view.status, 200);
    // A parent may not see the queue.
    const parent = new WebClient(platform.url);
    await parent.signInAs(handle, s.parent.id);
    assert.equal((await parent.get(`/lists/${s.list.slug}`)).status, 403);

    const before = sink.received.length;
    const second = new WebClient(platform.url);
    await second.signInAs(handle, s.regent.id);
    const [r1, r2] = await Promise.all([
      regent.post(`/lists/${s.list.slug}/held/${m.id}`, { decision: 'approve' }),
      second.post(`/lists/${s.list.slug}/held/${m.id}`, { decision: 'approve' }),
    ]);
    assert.deepEqual([r1.status, r2.status].sort(), [303, 409]);
    await lists.worker.drain();
    const listCopies = () => sink.received.slice(before).filter((c) => c.from.includes('+bounce-'));
    for (let i = 0; i < 100 && listCopies().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const copies = listCopies();
    assert.equal(copies.length, 2);
    assert.equal((await db.selectFrom('list_delivery').select('id').where('message_id', '=', m.id).execute()).length, 2);
  });

  test('one-click unsubscribe: GET only shows a page, POST without a CSRF token switches a derived member to no-mail', async () => {
    const { db } = t();
    const copy = sink.received.find((c) => c.to[0] === s.other.email)!;
    const url = /<(https?:[^>]+)>/.exec(getHeader(splitMessage(copy.raw).headers, 'list-unsubscribe')!)![1]!;
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const client = new WebClient(platform.url);
    assert.equal((await client.get(path)).status, 200);
    assert.equal((await db.selectFrom('list_member_state').selectAll().where('address', '=', s.other.email!).execute()).length, 0);
    const res = await client.post(path, { 'List-Unsubscribe': 'One-Click' }, { csrf: null });
    assert.equal(res.status, 200);
    const state = await db.selectFrom('list_member_state').selectAll().where('list_id', '=', s.list.id).where('address', '=', s.other.email!).executeTakeFirstOrThrow();
    assert.equal(state.delivery, 'nomail');
    // A forged token is refused.
    assert.equal((await client.post('/api/public/lists/unsubscribe/1-AAAAAAAAAAAAAAAA', {}, { csrf: null })).status, 404);
    // The next message reaches everyone but them.
    const before = sink.received.length;
    await sendTo(lists.smtpPort, { from: s.regent.email!, to: [s.address], subject: 'Sortida' });
    await lists.worker.drain();
    await sink.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    const to = sink.received.slice(before).filter((c) => c.from.includes('+bounce-')).map((c) => c.to[0]);
    assert.ok(to.includes(s.parent.email!));
    assert.ok(!to.includes(s.other.email!));
  });

  test('reject with a reason tells the sender; held mail expires with a notice', async () => {
    const { db, handle } = t();
    await sendTo(lists.smtpPort, { from: s.parent.email!, to: [s.address], subject: 'Publicitat' });
    const m = await held();
    const regent = new WebClient(platform.url);
    await regent.signInAs(handle, s.regent.id);
    const r = await regent.post(`/lists/${s.list.slug}/held/${m.id}`, { decision: 'reject', reason: 'Pas de publicité sur la liste de classe.' });
    assert.equal(r.status, 303);
    const told = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${s.parent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.match(Buffer.from(told.raw).toString(), /publicit/);
    assert.equal((await held()).status, 'rejected');

    await sendTo(lists.smtpPort, { from: s.parent.email!, to: [s.address], subject: 'Oblidat' });
    const old = await held();
    assert.equal(old.status, 'held');
    const n = await expireHeld(lists.ctx, new Date(Date.now() + 8 * 86_400_000));
    assert.equal(n, 1);
    assert.equal((await held()).status, 'expired');
  });

  test('archives: threaded, searchable in French, addresses masked, attachments downloadable, private to members', async () => {
    const { db, handle } = t();
    const nodemailer = (await import('nodemailer')).default;
    const tr = nodemailer.createTransport({ host: '127.0.0.1', port: lists.smtpPort, secure: false, ignoreTLS: true });
    await tr.sendMail({
      envelope: { from: s.regent.email!, to: [s.address] },
      from: s.regent.email!,
      to: s.address,
      subject: 'Visite du musée',
      messageId: '<visita@example.org>',
      text: 'Les enfants partiront visiter le musée jeudi. Questions : écrivez à joana.testaire@example.org',
      attachments: [{ filename: 'autorisation.txt', content: 'Autorisation de sortie' }],
    });
    await tr.sendMail({
      envelope: { from: s.regent.email!, to: [s.address] },
      from: s.regent.email!,
      to: s.address,
      subject: 'Re: Visite du musée',
      inReplyTo: '<visita@example.org>',
      references: ['<visita@example.org>'],
      text: 'Rendez-vous à 9 heures.',
    });
    tr.close();
    const reader = new WebClient(platform.url);
    await reader.signInAs(handle, s.parent.id);
    const found = await (await reader.get(`/lists/${s.list.slug}/archive?q=${encodeURIComponent('visites musées')}`)).text();
    assert.match(found, /Visite du musée/);
    assert.match(found, /2 message/);
    const none = await (await reader.get(`/lists/${s.list.slug}/archive?q=piscine`)).text();
    assert.ok(!found.includes('piscine') && !/Visite du musée/.test(none));
    const root = await db.selectFrom('list_message').select('id').where('message_id', '=', '<visita@example.org>').executeTakeFirstOrThrow();
    const thread = await (await reader.get(`/lists/${s.list.slug}/archive/${root.id}`)).text();
    assert.match(thread, /Rendez-vous à 9 heures/);
    assert.ok(!thread.includes('joana.testaire@example.org') && thread.includes('j…@…'));
    assert.ok(!thread.includes(s.regent.email!));
    const file = await reader.get(`/lists/${s.list.slug}/archive/${root.id}/attachments/0`);
    assert.equal(file.status, 200);
    assert.equal(await file.text(), 'Autorisation de sortie');
    const outsider = new WebClient(platform.url);
    const stranger = await (await import('../directory/factories.ts')).aPerson(db);
    await outsider.signInAs(handle, stranger.id);
    assert.equal((await outsider.get(`/lists/${s.list.slug}/archive`)).status, 403);
  });

  test('an admin edits the address and settings; a member picks a daily digest and gets no single copy', async () => {
    const { db, handle } = t();
    const { aPerson } = await import('../directory/factories.ts');
    const admin = await aPerson(db);
    await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
    const web = new WebClient(platform.url);
    await web.signInAs(handle, admin.id);
    const page = await (await web.get('/lists')).text();
    assert.match(page, /v=DKIM1; k=rsa; p=/);
    const r = await web.post(`/lists/${s.list.slug}/settings`, { slug: `cp-new-${s.cls.id}`, name: 'CP del Solelh', policy: 'announce', subject_prefix: '[CP]', footer: '', reply_to: 'sender', max_mb: '5' });
    assert.equal(r.status, 303);
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    assert.deepEqual([l.slug, l.name, l.subject_prefix, l.max_bytes], [`cp-new-${s.cls.id}`, 'CP del Solelh', '[CP]', 5 * 1024 * 1024]);
    // The regent may not change settings.
    const regent = new WebClient(platform.url);
    await regent.signInAs(handle, s.regent.id);
    assert.equal((await regent.post(`/lists/${l.slug}/settings`, { slug: 'x', name: 'x', policy: 'announce', max_mb: '1' })).status, 403);

    const parent = new WebClient(platform.url);
    await parent.signInAs(handle, s.parent.id);
    assert.match(await (await parent.get('/lists')).text(), /CP del Solelh/);
    assert.equal((await parent.post(`/lists/${l.slug}/delivery`, { address: s.parent.email!, delivery: 'digest' })).status, 303);
    // Someone else's address cannot be changed.
    assert.equal((await parent.post(`/lists/${l.slug}/delivery`, { address: s.other.email!, delivery: 'each' })).status, 403);
    const before = sink.received.length;
    await sendTo(lists.smtpPort, { from: s.regent.email!, to: [`${l.slug}@${DOMAIN}`], subject: 'Digest' });
    await lists.worker.drain();
    await new Promise((r) => setTimeout(r, 200));
    void before;
    const m = await held();
    assert.equal(m.subject, 'Digest');
    const to = (await db.selectFrom('list_delivery').select('address').where('message_id', '=', m.id).execute()).map((d) => d.address);
    assert.ok(!to.includes(s.parent.email!), 'a digest member gets no single copy');
    // The daily digest carries it, once a day.
    const { sendDigests } = await import('./digest.ts');
    const n = await sendDigests(lists.ctx, new Date(Date.now() + 1000));
    assert.equal(n, 1);
    const digest = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${s.parent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.match(digest.subject, /Daily digest/);
    assert.match(Buffer.from(digest.raw).toString(), /Digest/);
    assert.equal(await sendDigests(lists.ctx, new Date(Date.now() + 2000)), 0);
  });
});
