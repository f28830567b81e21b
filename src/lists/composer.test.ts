// The composer through the running platform: a regent writes in the browser's forms (without
// JavaScript) to one or several lists, previews, sends once; a joint outing with another class
// is held for that class's regent and shown on both homes; the families get one copy each.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { CLI_ACTOR } from '../platform/audit.ts';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import type { Running } from '../platform/server.ts';
import { aClass, aHousehold, aRegent } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { checkDraft, cleanFilename, composerFor, MAX_ATTACHMENT_BYTES, overallDecision, sessionResolver, type ComposableList, type Composer } from './composer.ts';
import { listsDns, listsRuntime, type ListsRuntime } from './service.ts';
import { dnsTable, sendTo, startSink, type Sink } from './testing.ts';

const DOMAIN = 'lists.example.org';

test('pure: file names lose their path and control characters; the message is held if any chosen list holds it', () => {
  assert.equal(cleanFilename('C:\\Users\\marie\\sortie "musée".pdf'), 'sortie musée.pdf');
  assert.equal(cleanFilename('../../etc/passwd'), 'passwd');
  assert.equal(cleanFilename('\u0000'), 'piece-jointe');
  const list = (id: number, hold: boolean): ComposableList => ({
    id,
    slug: `l${id}`,
    name: `L${id}`,
    policy: 'announce',
    subjectPrefix: '',
    footer: '',
    maxBytes: 1e7,
    holdDays: 7,
    decision: hold ? { hold: true, reason: 'not_allowed' } : { hold: false },
  });
  assert.deepEqual(overallDecision([list(1, false)]), { hold: false });
  const held = overallDecision([list(1, false), list(2, true)]);
  assert.ok(held.hold && held.by.map((l) => l.id).join() === '2');
  const composer: Composer = { personId: 1, name: 'Marie', address: 'marie@example.org', lists: [list(1, false), list(2, true)] };
  const draft = { key: 'k'.repeat(22), listIds: [2, 1, 2, 99], subject: ' Sortida\r\nal musèu ', body: 'Bonjorn\r\n', keep: [], files: [] };
  const d = checkDraft(composer, draft, 0);
  assert.deepEqual(d.listIds, [2, 1], 'a list offered to nobody is dropped, doubles are one');
  assert.equal(d.subject, 'Sortida al musèu');
  assert.throws(() => checkDraft(composer, { ...draft, listIds: [99] }, 0), /noList/);
  assert.throws(() => checkDraft(composer, draft, MAX_ATTACHMENT_BYTES + 1), /tooLarge/);
  // A list whose owner allows 1 MB refuses a 900 kB file once encoded, at the preview already.
  const small = { ...composer, lists: [{ ...list(1, false), maxBytes: 1024 * 1024 }] };
  assert.throws(() => checkDraft(small, { ...draft, listIds: [1] }, 900 * 1024), /tooBigForList/);
  assert.doesNotThrow(() => checkDraft(small, { ...draft, listIds: [1] }, 600 * 1024));
});

test('pure: the session answers SPF for the author’s domain only; everything else is asked of the DNS', async () => {
  const resolver = sessionResolver(dnsTable({ '_dmarc.example.org': ['v=DMARC1; p=reject'], 'example.net': ['v=spf1 -all'] }), 'Example.org');
  assert.deepEqual(await resolver('example.org.', 'TXT'), [['v=spf1 ip4:192.0.2.1 -all']]);
  assert.deepEqual(await resolver('_dmarc.example.org', 'TXT'), [['v=DMARC1; p=reject']]);
  assert.deepEqual(await resolver('example.net', 'TXT'), [['v=spf1 -all']]);
});

forEachDatabase('the composer', (t) => {
  let sink: Sink;
  let platform: Running;
  let lists: ListsRuntime;
  let s: Awaited<ReturnType<typeof build>>;

  async function build() {
    const { db } = t();
    const ce1 = await aClass(db, { name: 'CE1' });
    const ce2 = await aClass(db, { name: 'CE2' });
    const marie = await aRegent(db, ce1.id);
    const joan = await aRegent(db, ce2.id);
    const onlyCe1 = await aHousehold(db, { classIds: [ce1.id] });
    const onlyCe2 = await aHousehold(db, { classIds: [ce2.id] });
    // Two children, one in each class: one guardian, on both lists.
    const both = await aHousehold(db, { classIds: [ce1.id, ce2.id] });
    const l1 = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'ce1', name: 'CE1 Calandreta', kind: 'class', classId: ce1.id }));
    const l2 = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'ce2', name: 'CE2 Calandreta', kind: 'class', classId: ce2.id }));
    const mail = (h: typeof onlyCe1) => h.guardians[0]!.email!;
    return { marie, joan, l1, l2, onlyCe1: mail(onlyCe1), onlyCe2: mail(onlyCe2), both: mail(both), parent: onlyCe1.guardians[0]! };
  }

  before(async () => {
    // The regents' domain asks receivers to reject unaligned mail: the copies' From must be rewritten.
    listsDns.resolver = dnsTable({ 'example.org': ['v=spf1 -all'], '_dmarc.example.org': ['v=DMARC1; p=reject'] });
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

  async function as(personId: number) {
    const c = new WebClient(platform.url);
    await c.signInAs(t().handle, personId);
    return c;
  }

  /** Fills the compose form as a browser would: its key, ticked lists, text, files. */
  async function compose(c: WebClient, o: { lists: number[]; subject: string; body: string; files?: Array<[string, Buffer]> }) {
    const page = await (await c.get('/lists/compose')).text();
    const key = /name="key" value="([^"]+)"/.exec(page)![1]!;
    const form = new FormData();
    form.set('key', key);
    for (const id of o.lists) form.append('list', String(id));
    form.set('subject', o.subject);
    form.set('body', o.body);
    for (const [name, bytes] of o.files ?? []) form.append('files', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), name);
    return { key, res: await c.postMultipart('/lists/compose', form) };
  }

  const copiesSince = (n: number) => sink.received.slice(n).filter((m) => m.from.includes('+bounce-'));
  /** The sink also gets the platform's own mail (notices): wait for the list copies. */
  async function copiesAfter(n: number, count: number) {
    await lists.worker.drain();
    for (let i = 0; i < 100 && copiesSince(n).length < count; i++) await new Promise((r) => setTimeout(r, 100));
    return copiesSince(n);
  }

  test('only people who may post somewhere open it; a parent is refused; the form says where a post would be held', async () => {
    const parent = await as(s.parent.id);
    assert.equal((await parent.get('/lists/compose')).status, 403);
    const marie = await as(s.marie.id);
    const res = await marie.get('/lists/compose');
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /ce1@lists\.example\.org/);
    assert.match(page, /ce2@lists\.example\.org<\/code><span class="hint"> — attendra l&#39;accord d&#39;un modérateur/);
    assert.match(page, /name="_csrf"/);
    assert.match(page, /enctype="multipart\/form-data"/);
    const composer = (await composerFor(t().db, s.marie.id))!;
    assert.deepEqual(composer.lists.map((l) => [l.slug, l.decision.hold]), [['ce1', false], ['ce2', true]]);
  });

  test('a regent writes to her class with a file, previews the count, clicks Send twice: the families get it once each', async () => {
    const marie = await as(s.marie.id);
    const pdf = Buffer.from('%PDF-1.4 autorisation de sortie');
    const { key, res } = await compose(marie, { lists: [s.l1.id], subject: 'Sortida al musèu', body: 'Bonjorn,\ndimars anam al musèu.\nMarie', files: [['autorizacion.pdf', pdf]] });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `/lists/compose/${key}`);
    const preview = await (await marie.get(`/lists/compose/${key}`)).text();
    assert.match(preview, /2 personne\(s\) recevront une copie/);
    assert.match(preview, /\[ce1\] Sortida al musèu/);
    assert.match(preview, /autorizacion\.pdf/);
    assert.match(preview, /Rien n&#39;est encore parti/);
    assert.equal(sink.received.length, 0, 'the preview sends nothing');

    const second = await as(s.marie.id);
    const before = sink.received.length;
    const [r1, r2] = await Promise.all([marie.post(`/lists/compose/${key}/send`, {}), second.post(`/lists/compose/${key}/send`, {})]);
    assert.deepEqual([r1.status, r2.status], [303, 303]);
    const stored = await t().db.selectFrom('list_message').select(['id', 'status', 'message_id']).where('message_id', '=', `<compose-${key}@${DOMAIN}>`).execute();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.status, 'accepted');
    // Whatever the timing of the clicks, the schema stores a composed Message-ID once.
    const row = await t().db.selectFrom('list_message').select(['raw', 'size', 'auth', 'status', 'decided_at']).where('id', '=', stored[0]!.id).executeTakeFirstOrThrow();
    await assert.rejects(
      t().db.insertInto('list_message').values({ ...row, auth: JSON.stringify(row.auth), message_id: stored[0]!.message_id }).execute(),
      (e: { code?: string }) => e.code === '23505',
    );
    assert.match(await (await marie.get(`/lists/compose/${key}`)).text(), /Message envoyé/);
    const copies = await copiesAfter(before, 2);
    assert.deepEqual(copies.map((m) => m.to[0]).sort(), [s.onlyCe1, s.both].sort());
    const parsed = await simpleParser(copies[0]!.raw);
    assert.equal(parsed.subject, '[ce1] Sortida al musèu');
    assert.match(parsed.text ?? '', /dimars anam al musèu/);
    assert.equal(parsed.attachments[0]?.filename, 'autorizacion.pdf');
    assert.deepEqual(parsed.attachments[0]?.content, pdf);
    // The author's domain publishes p=reject: the list speaks for her, as for mail.
    assert.match(parsed.from?.text ?? '', /via CE1 Calandreta/);
    // The draft's files live on only in the stored message.
    assert.equal((await t().db.selectFrom('list_draft_attachment').select('draft_id').execute()).length, 0);
    // The sent draft can no longer be changed, by the form or in the database.
    const again = await marie.post('/lists/compose', { key, list: String(s.l1.id), subject: 'Autre', body: 'x' });
    assert.equal(again.status, 409);
    const againPage = await again.text();
    assert.match(againPage, /déjà été envoyé/);
    assert.doesNotMatch(againPage, new RegExp(`value="${key}"`), 'the text may be sent again as a new message');
    await assert.rejects(t().db.updateTable('list_draft').set({ subject: 'Autre' }).where('key', '=', key).execute(), /can no longer change/);
  });

  test('a joint outing: held for the other class, one copy for a family in both, shown on both regents’ homes', async () => {
    const marie = await as(s.marie.id);
    const { key } = await compose(marie, { lists: [s.l1.id, s.l2.id], subject: 'Sortida comuna', body: 'Los CE1 e los CE2 van al bòsc.' });
    const preview = await (await marie.get(`/lists/compose/${key}`)).text();
    assert.match(preview, /3 personne\(s\) recevront une copie/, 'the family on both lists is counted once');
    assert.match(preview, /attendra l&#39;accord d&#39;un modérateur avant d&#39;être envoyé à toutes les listes choisies, parce que vous n&#39;écrivez pas librement sur : CE2 Calandreta/);
    assert.equal((await marie.post(`/lists/compose/${key}/send`, {})).status, 303);
    const m = await t().db.selectFrom('list_message').select(['id', 'status', 'held_reason']).where('message_id', '=', `<compose-${key}@${DOMAIN}>`).executeTakeFirstOrThrow();
    assert.deepEqual([m.status, m.held_reason], ['held', 'not_allowed']);
    assert.match(await (await marie.get(`/lists/compose/${key}`)).text(), /attend l&#39;accord d&#39;un modérateur/);

    const joan = await as(s.joan.id);
    const joanHome = await (await joan.get('/')).text();
    assert.match(joanHome, /Messages en attente de votre décision \(1\)/);
    assert.match(joanHome, new RegExp(`href="/lists/ce2/held/${m.id}">Sortida comuna`));
    assert.match(joanHome, /Retenu parce que : l&#39;expéditeur n&#39;est pas autorisé/);
    const marieHome = await (await marie.get('/')).text();
    assert.match(marieHome, /Vos messages en attente \(1\)/);
    assert.match(marieHome, new RegExp(`href="/lists/compose/held/${m.id}">Sortida comuna`));
    // She moderates CE1, but her own message is not offered for her own decision.
    assert.doesNotMatch(marieHome, /en attente de votre décision/);

    const before = sink.received.length;
    assert.equal((await joan.post(`/lists/ce2/held/${m.id}`, { decision: 'approve' })).status, 303);
    const to = (await copiesAfter(before, 3)).map((c) => c.to[0]);
    assert.deepEqual(to.sort(), [s.onlyCe1, s.onlyCe2, s.both].sort());
    assert.doesNotMatch(await (await joan.get('/')).text(), /Sortida comuna/);
  });

  test('edit after the preview: the stored file is kept, another is added, the preview shows both', async () => {
    const marie = await as(s.marie.id);
    const { key } = await compose(marie, { lists: [s.l1.id], subject: 'Menú', body: 'Lo menú de la setmana.', files: [['menu.pdf', Buffer.from('%PDF menu')]] });
    const edit = await (await marie.get(`/lists/compose?draft=${key}`)).text();
    assert.match(edit, /name="keep" value="0" checked/);
    assert.match(edit, /value="Menú"/);
    const form = new FormData();
    form.set('key', key);
    form.append('list', String(s.l1.id));
    form.set('subject', 'Menú (corregit)');
    form.set('body', 'Lo menú de la setmana, corregit.');
    form.append('keep', '0');
    form.append('files', new Blob([new Uint8Array(Buffer.from('%PDF alergias'))], { type: 'application/pdf' }), 'alergias.pdf');
    assert.equal((await marie.postMultipart('/lists/compose', form)).status, 303);
    const preview = await (await marie.get(`/lists/compose/${key}`)).text();
    assert.match(preview, /Menú \(corregit\)/);
    assert.match(preview, /menu\.pdf[\s\S]*alergias\.pdf/);
  });

  test('the author withdraws a held message; it is sent to nobody and leaves both homes', async () => {
    const marie = await as(s.marie.id);
    const joan = await as(s.joan.id);
    const { key } = await compose(marie, { lists: [s.l2.id], subject: 'Data cambiada', body: 'Escusatz, la data cambia.' });
    assert.equal((await marie.post(`/lists/compose/${key}/send`, {})).status, 303);
    const m = await t().db.selectFrom('list_message').select('id').where('message_id', '=', `<compose-${key}@${DOMAIN}>`).executeTakeFirstOrThrow();
    assert.match(await (await joan.get('/')).text(), /Data cambiada/);
    // Only the author: the moderator decides on the list's page, not here.
    assert.equal((await joan.get(`/lists/compose/held/${m.id}`)).status, 404);
    assert.equal((await joan.post(`/lists/compose/held/${m.id}/withdraw`, {})).status, 404);
    const page = await (await marie.get(`/lists/compose/held/${m.id}`)).text();
    assert.match(page, /Retenu parce que/);
    assert.match(page, /Retirer ce message/);
    const before = sink.received.length;
    const r = await marie.post(`/lists/compose/held/${m.id}/withdraw`, {});
    assert.equal(r.status, 303);
    assert.match(await (await marie.get(r.headers.get('location')!)).text(), /Message retiré/);
    assert.equal((await t().db.selectFrom('list_message').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status, 'discarded');
    assert.equal((await marie.post(`/lists/compose/held/${m.id}/withdraw`, {})).status, 409);
    assert.doesNotMatch(await (await joan.get('/')).text(), /Data cambiada/);
    assert.doesNotMatch(await (await marie.get('/')).text(), /Data cambiada/);
    await lists.worker.drain();
    assert.equal(copiesSince(before).length, 0);
  });

  test('too large: refused with the reason, the text and the chosen lists kept; no form token, no send', async () => {
    const marie = await as(s.marie.id);
    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1024, 1);
    const { res } = await compose(marie, { lists: [s.l1.id], subject: 'Fòtos', body: 'Las fòtos de la sortida.', files: [['fotos.zip', big]] });
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /pèsent 7,1 Mo, au-delà de la limite de 7 Mo/);
    assert.match(page, /value="Fòtos"/);
    assert.match(page, /Las fòtos de la sortida\./);
    assert.match(page, new RegExp(`value="${s.l1.id}" checked`));

    const { key } = await compose(marie, { lists: [s.l1.id], subject: 'Sens jeton', body: 'x' });
    const forged = await marie.post(`/lists/compose/${key}/send`, {}, { csrf: null });
    assert.equal(forged.status, 403);
    assert.equal((await t().db.selectFrom('list_message').select('id').where('message_id', '=', `<compose-${key}@${DOMAIN}>`).execute()).length, 0);
    // Someone else's draft is not theirs to see or send.
    const joan = await as(s.joan.id);
    assert.equal((await joan.get(`/lists/compose/${key}`)).status, 403);
    assert.equal((await joan.post(`/lists/compose/${key}/send`, {})).status, 403);
  });

  test('mail at the SMTP door claiming the regent’s address is still held: the session proves only the composer’s own submissions', async () => {
    const info = await sendTo(lists.smtpPort, { from: s.marie.email!, to: [`ce1@${DOMAIN}`], subject: 'Forgery' });
    assert.match(info.response, /held/);
  });
});
