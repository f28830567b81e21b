// What the list server's door refuses at DATA, and the postmaster address every mail domain owes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { CLI_ACTOR } from '../platform/audit.ts';
import { createMailer } from '../platform/mail.ts';
import { forEachDatabase } from '../platform/testing.ts';
import { aClass, aHousehold, aPerson, aRegent, aSchool } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { dkimKeyOf, ensureListKeys } from './keys.ts';
import { doorRefusal, MAX_HOPS, startListener, type Listener } from './smtp.ts';
import { dnsTable, sendTo } from './testing.ts';

const DOMAIN = 'lists.example.org';
const message = (head: string, body = 'Bonjorn.') => Buffer.from(`From: a@example.org\r\nTo: x@${DOMAIN}\r\nSubject: t\r\n${head}\r\n\r\n${body}\r\n`);

test('the door refuses NUL bytes, lines over 998 characters and mail that has looped', () => {
  assert.equal(doorRefusal(message('X-Ok: 1', 'x'.repeat(998))), undefined);
  assert.equal(doorRefusal(message('Received: from a by b'.repeat(1))), undefined);
  assert.match(doorRefusal(message('X-Ok: 1', 'a\u0000b'))!.message, /^5\.6\.0 .*NUL/);
  const long = doorRefusal(message('X-Ok: 1', 'x'.repeat(999)));
  assert.deepEqual([long?.responseCode, /Line 6 /.test(long?.message ?? '')], [554, true]);
  assert.match(doorRefusal(message(`X-Long: ${'y'.repeat(50_000)}`))!.message, /Line 4 is longer than 998/);
  const hops = (n: number) => message(Array.from({ length: n }, (_, i) => `Received: from relay${i}.example.org by relay${i + 1}.example.org`).join('\r\n'));
  assert.equal(doorRefusal(hops(MAX_HOPS)), undefined);
  assert.match(doorRefusal(hops(MAX_HOPS + 1))!.message, /^5\.4\.6 Too many hops/);
  // "Received:" in the body is text, not a hop.
  assert.equal(doorRefusal(message('X-Ok: 1', Array.from({ length: 60 }, () => 'Received: quoted').join('\r\n'))), undefined);
});

forEachDatabase('list server door', (t) => {
  let listener: Listener;
  let slug: string;
  before(async () => {
    const { db } = t();
    const keys = await ensureListKeys(db, DOMAIN);
    const ctx = { db, domain: DOMAIN, publicUrl: 'https://ostal.example.org', resolver: dnsTable({ 'example.org': ['v=spf1 ip4:127.0.0.1 -all'] }), mailer: createMailer({ dkim: [dkimKeyOf(keys)] }) };
    listener = await startListener(ctx, { port: 0, host: '127.0.0.1' });
    const school = await aSchool(db);
    const cls = await aClass(db, { schoolId: school.id });
    await aRegent(db, cls.id);
    await aHousehold(db, { classIds: [cls.id] });
    slug = `cm2-${cls.id}`;
    await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug, name: 'CM2', kind: 'class', classId: cls.id }));
  });
  after(() => listener.close());

  test('a line over 998 characters or a NUL byte is refused at DATA with a permanent error, and nothing is stored', async () => {
    const { db } = t();
    const raw = (body: string) => `From: parent@example.org\r\nTo: ${slug}@${DOMAIN}\r\nSubject: Ligam\r\nMessage-ID: <${Math.random()}@example.org>\r\n\r\n${body}\r\n`;
    for (const body of [`https://example.org/${'a'.repeat(1200)}`, 'a\u0000b']) {
      await assert.rejects(sendTo(listener.port, { from: 'parent@example.org', to: [`${slug}@${DOMAIN}`], raw: raw(body) }), (err: { responseCode?: number }) => err.responseCode === 554);
    }
    assert.equal((await db.selectFrom('list_message').select('id').execute()).length, 0);
  });

  test('postmaster@ the list domain, or bare Postmaster, reaches the platform administrators', async () => {
    const { db } = t();
    const admin = await aPerson(db, { email: 'informatica@example.org' });
    await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
    for (const to of [`postmaster@${DOMAIN}`, `PostMaster@${DOMAIN.toUpperCase()}`]) {
      const info = await sendTo(listener.port, { from: 'someone@example.org', to: [to], subject: `Abús ${to}` });
      assert.match(info.response, /^250/);
    }
    const forwarded = await db.selectFrom('outbox_message').select(['subject', 'envelope_to']).where(sql<boolean>`${'informatica@example.org'} = any(envelope_to)`).execute();
    assert.deepEqual(forwarded.map((m) => m.subject).sort(), [`Abús postmaster@${DOMAIN}`, `Abús PostMaster@${DOMAIN.toUpperCase()}`].sort());
  });
});
