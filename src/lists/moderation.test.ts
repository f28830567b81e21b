import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { CLI_ACTOR } from '../platform/audit.ts';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import type { Running } from '../platform/server.ts';
import { aClass, aHousehold, aRegent } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { expireHeld } from './moderation.ts';
import { listsDns, listsRuntime, type ListsRuntime } from './service.ts';
import { dnsTable, sendTo, startSink, type Sink } from './testing.ts';
import { getHeader, splitMessage } from './rewrite.ts';
import { authenticate } from 'mailauth';
import { simpleParser } from 'mailparser';
import { dkimDnsRecord, ensureListKeys } from './keys.ts';

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
    const expiredNotice = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${s.parent.email} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.match(expiredNotice.subject, /Message expired: Oblidat/);
    assert.match((await simpleParser(Buffer.from(expiredNotice.raw))).text ?? '', /not reviewed in time/);
    assert.equal(await expireHeld(lists.ctx, new Date(Date.now() + 9 * 86_400_000)), 0, 'expired once');
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
    const settings = { slug: `cp-new-${s.cls.id}`, name: 'CP del Solelh', policy: 'announce', subject_prefix: '[CP]', footer: '', reply_to: 'sender', max_mb: '5', hold_days: '3' };
    assert.equal((await web.post(`/lists/${s.list.slug}/settings`, { ...settings, hold_days: '0' })).status, 400, 'a wait of 0 days is refused');
    const r = await web.post(`/lists/${s.list.slug}/settings`, settings);
    assert.equal(r.status, 303);
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    assert.deepEqual([l.slug, l.name, l.subject_prefix, l.max_bytes, l.hold_days], [`cp-new-${s.cls.id}`, 'CP del Solelh', '[CP]', 5 * 1024 * 1024, 3]);
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

  test('the wait before a held message expires is set per list', async () => {
    const { db } = t();
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    await sendTo(lists.smtpPort, { from: s.parent.email!, to: [`${l.slug}@${DOMAIN}`], subject: 'Tres jorns' });
    const m = await held();
    assert.equal(m.status, 'held');
    const wait = new Date(m.expires_at!).getTime() - new Date(m.received_at).getTime();
    assert.ok(Math.abs(wait - 3 * 86_400_000) < 60_000, `expires three days after arrival (${wait} ms)`);
    assert.equal(await expireHeld(lists.ctx, new Date(Date.now() + 2 * 86_400_000)), 0);
    assert.equal(await expireHeld(lists.ctx, new Date(Date.now() + 3 * 86_400_000 + 60_000)), 1);
    assert.equal((await held()).status, 'expired');
  });

  test('accept and always allow: the message goes out and the sender posts freely from then on', async () => {
    const { db, handle } = t();
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    await sendTo(lists.smtpPort, { from: s.other.email!, to: [`${l.slug}@${DOMAIN}`], subject: 'Fièra de las escòlas' });
    const m = await held();
    assert.equal(m.status, 'held');
    const regent = new WebClient(platform.url);
    await regent.signInAs(handle, s.regent.id);
    assert.equal((await regent.post(`/lists/${l.slug}/held/${m.id}`, { decision: 'allow' })).status, 303);
    assert.equal((await held()).status, 'accepted');
    // Its members are on digest or no-mail by now: distributed, with no single copy.
    assert.ok((await db.selectFrom('list_message').select('distributed_at').where('id', '=', m.id).executeTakeFirstOrThrow()).distributed_at);
    assert.ok(await db.selectFrom('list_allowed_sender').select('address').where('list_id', '=', l.id).where('address', '=', s.other.email!).executeTakeFirst());
    const info = await sendTo(lists.smtpPort, { from: s.other.email!, to: [`${l.slug}@${DOMAIN}`], subject: 'Fièra : lo programa' });
    assert.match(info.response, /accepted/);
    assert.equal((await held()).status, 'accepted');
    // Another parent is still held.
    assert.match((await sendTo(lists.smtpPort, { from: s.parent.email!, to: [`${l.slug}@${DOMAIN}`], subject: 'Ieu tanben' })).response, /held/);
    await lists.worker.drain();
  });

  test('every mail the list server sends From its domain through the outbox (notice, reject and expiry notices, digest, owner forward) is DKIM-signed and verifies', async () => {
    const { db } = t();
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    await sendTo(lists.smtpPort, { from: s.parent.email!, to: [`${l.slug}+owner@${DOMAIN}`], subject: 'Per la regenta' });
    // The platform's delivery timer hands the outbox to the relay (the sink).
    const queued = async () => Number((await db.selectFrom('outbox_message').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow()).n);
    for (let i = 0; i < 200 && (await queued()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await queued(), 0);
    const keys = await ensureListKeys(db, DOMAIN);
    const rec = dkimDnsRecord(keys);
    const resolver = dnsTable({ [rec.name]: [rec.value] });
    const outbox = sink.received.filter((c) => !c.from.includes('+bounce-'));
    const kinds = [/Held message/, /Message rejected/, /Message expired/, /Daily digest/, /Per la regenta/];
    for (const kind of kinds) {
      const found = [];
      for (const c of outbox) if (kind.test((await simpleParser(c.raw)).subject ?? '')) found.push(c);
      assert.ok(found.length > 0, `the sink received a mail matching ${kind}`);
      for (const c of found) {
        assert.match(c.raw.toString('latin1'), /^DKIM-Signature: /, 'the signature is the first header: added after every change');
        if (/Held|rejected|expired/.test(kind.source)) assert.match(c.raw.toString('latin1'), /^Auto-Submitted: auto-(generated|replied)\r$/m, 'robots do not answer a notice');
        const auth = await authenticate(c.raw, { ip: '127.0.0.1', helo: 'localhost', sender: c.from, resolver, mta: 'mx.example.net', disableArc: true, disableBimi: true } as never);
        const dkim = auth.dkim.results.find((r: { signingDomain: string }) => r.signingDomain === DOMAIN);
        assert.equal(dkim?.status.result, 'pass', `${kind}: ${JSON.stringify(auth.dkim.results.map((r: { status: unknown }) => r.status))}`);
      }
    }
  });

  test('a regent sees only their lists; a public archive is readable without signing in; a member leaves a hand-made list', async () => {
    const { db, handle } = t();
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    const otherClass = await aClass(db, { name: 'CE1' });
    const otherRegent = await aRegent(db, otherClass.id);
    const other = new WebClient(platform.url);
    await other.signInAs(handle, otherRegent.id);
    assert.equal((await other.get(`/lists/${l.slug}`)).status, 403, "another class's regent cannot open this list");
    assert.ok(!(await (await other.get('/lists')).text()).includes(l.name));

    const anonymous = new WebClient(platform.url);
    assert.notEqual((await anonymous.get(`/lists/${l.slug}/archive`)).status, 200, 'private by default');
    await db.updateTable('mailing_list').set({ archive_public: true }).where('id', '=', l.id).execute();
    const archive = await anonymous.get(`/lists/${l.slug}/archive`);
    assert.equal(archive.status, 200);
    assert.match(await archive.text(), /Visite du musée/);
    await db.updateTable('mailing_list').set({ archive_public: false }).where('id', '=', l.id).execute();

    const club = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `club-${l.id}`, name: 'Club de lectura', kind: 'manual', owners: [s.regent.id] }));
    await db.insertInto('list_member').values({ list_id: club.id, address: s.parent.email! }).execute();
    const parent = new WebClient(platform.url);
    await parent.signInAs(handle, s.parent.id);
    assert.match(await (await parent.get('/lists')).text(), /Club de lectura/);
    assert.equal((await parent.post(`/lists/${club.slug}/delivery`, { address: s.parent.email!, leave: '1' })).status, 303);
    assert.equal((await db.selectFrom('list_membership').select('address').where('list_id', '=', club.id).execute()).length, 0);
    assert.ok(!(await (await parent.get('/lists')).text()).includes('Club de lectura'));
  });

  test('delivery suspended after bounces is re-enabled by the member on their page or by an owner on the list page', async () => {
    const { db, handle } = t();
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    const suspend = async (address: string) => {
      await db.insertInto('list_member_state').values({ list_id: l.id, address }).onConflict((oc) => oc.doNothing()).execute();
      await db.updateTable('list_member_state').set({ disabled_at: new Date(), bounce_score: '5' }).where('list_id', '=', l.id).where('address', '=', address).execute();
    };
    const state = async (address: string) => db.selectFrom('list_member_state').selectAll().where('list_id', '=', l.id).where('address', '=', address).executeTakeFirstOrThrow();
    await suspend(s.parent.email!);
    const parent = new WebClient(platform.url);
    await parent.signInAs(handle, s.parent.id);
    assert.equal((await parent.post(`/lists/${l.slug}/delivery`, { address: s.parent.email!, delivery: 'each' })).status, 303);
    assert.equal((await state(s.parent.email!)).disabled_at, null);
    await suspend(s.other.email!);
    // A member cannot re-enable someone else; the class's regent (an owner) can.
    assert.equal((await parent.post(`/lists/${l.slug}/reenable`, { address: s.other.email! })).status, 403);
    const regent = new WebClient(platform.url);
    await regent.signInAs(handle, s.regent.id);
    assert.equal((await regent.post(`/lists/${l.slug}/reenable`, { address: s.other.email! })).status, 303);
    assert.equal((await state(s.other.email!)).disabled_at, null);
  });

  test("without a DMARC record, a From that no aligned SPF or DKIM proves is held: nobody posts as the regent", async () => {
    const { db } = t();
    const l = await db.selectFrom('mailing_list').selectAll().where('id', '=', s.list.id).executeTakeFirstOrThrow();
    // example.org publishes SPF but no DMARC record here; the envelope names another domain.
    const info = await sendTo(lists.smtpPort, { from: s.regent.email!, envelopeFrom: 'bulk@forger.test', to: [`${l.slug}@${DOMAIN}`], subject: 'Sortida anullada' });
    assert.match(info.response, /held/);
    const m = await held();
    assert.deepEqual([m.status, m.held_reason], ['held', 'auth']);
    // The same From, proven by SPF aligned with it, posts at once.
    assert.match((await sendTo(lists.smtpPort, { from: s.regent.email!, to: [`${l.slug}@${DOMAIN}`], subject: 'Sortida mantenguda' })).response, /accepted/);
    await lists.worker.drain();
  });

  test('unsubscribe by mail with an unproven From: the member confirms on the page of the link mailed to her; the link works once', async () => {
    const { db } = t();
    const cls = await aClass(db, { name: 'CE1' });
    await aRegent(db, cls.id);
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: `ce1-${cls.id}`, name: 'CE1', kind: 'class', classId: cls.id }));
    const member = (await aHousehold(db, { classIds: [cls.id] })).guardians[0]!.email!;
    const delivery = async () =>
      (await db.selectFrom('list_member_state').select('delivery').where('list_id', '=', list.id).where('address', '=', member).executeTakeFirst())?.delivery ?? 'each';
    // example.org has no DMARC record and the envelope names another domain: the From is not proven.
    await sendTo(lists.smtpPort, { from: member, envelopeFrom: 'bulk@forger.test', to: [`${list.slug}+unsubscribe@${DOMAIN}`], subject: 'unsubscribe' });
    assert.equal(await delivery(), 'each');
    const mail = await db.selectFrom('outbox_message').selectAll().where(sql<boolean>`${member} = any(envelope_to)`).executeTakeFirstOrThrow();
    assert.equal(mail.sensitive, true);
    const text = (await simpleParser(Buffer.from(mail.raw))).text!;
    const path = /https?:\/\/[^/\s]+(\/api\/public\/lists\/confirm-unsubscribe\/[\w-]+)/.exec(text)![1]!;
    const client = new WebClient(platform.url);
    // GET only shows the question (link scanners open links).
    const page = await client.get(path);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /CE1/);
    assert.equal(await delivery(), 'each');
    assert.equal((await client.post(path, {}, { csrf: null })).status, 200);
    assert.equal(await delivery(), 'nomail');
    // Used: the link now says so, and changes nothing.
    await db.updateTable('list_member_state').set({ delivery: 'each' }).where('list_id', '=', list.id).where('address', '=', member).execute();
    const again = await client.post(path, {}, { csrf: null });
    assert.equal(again.status, 404);
    assert.match(await again.text(), /déjà servi ou a expiré|already used or has expired|ja servit/);
    assert.equal((await client.get(path)).status, 404);
    assert.equal(await delivery(), 'each');
    assert.equal((await client.get('/api/public/lists/confirm-unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status, 404);
  });
});
