// The outbox never shows a secret: an administrator reading it learns that a sign-in or a
// personal survey link was queued, to whom and when, never the link or the code. The relay still
// gets the whole message; the admin home says plainly when there is no relay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from './testing.ts';
import type { Db } from '../platform/db.ts';
import { aClass, aGroup, aHousehold, aPerson, aSchool } from '../directory/factories.ts';
import { addAudience, openSurvey, sendReminders } from '../surveys/campaign.ts';
import { aSurvey, ORGANISER } from '../surveys/testing.ts';
import { startSink } from '../lists/testing.ts';
import { signinWorkDone } from '../auth/signin.ts';

/** The newest message to an address, as its recipient would read it. */
async function newestTo(db: Db, email: string) {
  // A sign-in mail is queued just after the answer to its request.
  await signinWorkDone();
  const m = await db
    .selectFrom('outbox_message')
    .select(['id', 'raw', 'sensitive', 'status'])
    .where(sql<boolean>`${email} = any(envelope_to)`)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { ...m, text: (await simpleParser(Buffer.from(m.raw))).text ?? '' };
}

async function anAdmin(db: Db) {
  const it = await aPerson(db, { firstName: 'Ramon', lastName: 'Informatic' });
  await aGroup(db, { kind: 'it', members: [{ personId: it.id }] });
  return it;
}

const SENTENCE = "Message personnel : son contenu n'est pas affiché";

forEachDatabase('the outbox shows no secret', (t) => {
  test('an administrator reading a sign-in mail in the outbox sees to whom and when, not its link or code', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const family = await aHousehold(db, { name: 'Familha Sestièr' });
      const email = family.guardians[0]!.email!;
      assert.equal((await new WebClient(app.url).post('/signin', { email })).status, 200);
      const mail = await newestTo(db, email);
      const link = /\/signin\/link\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
      assert.ok(link && code, 'the mail itself carries the link and the code');
      assert.equal(mail.sensitive, true);

      const admin = new WebClient(app.url);
      await admin.signInAs(handle, (await anAdmin(db)).id);
      const list = await (await admin.get('/outbox')).text();
      assert.match(list, new RegExp(email.replace(/[.+]/g, '\\$&')));
      const res = await admin.get(`/outbox/${mail.id}`);
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.ok(page.includes(email), 'the recipient is shown');
      assert.ok(page.includes(SENTENCE.replace("'", '&#39;')) || page.includes(SENTENCE), 'the plain sentence replaces the content');
      for (const html of [page, list]) {
        assert.ok(!html.includes(link), 'no sign-in link');
        assert.ok(!html.includes(code), 'no code');
      }
      // The link really works for its recipient: what the page hides is a live secret.
      const parent = new WebClient(app.url);
      assert.equal((await parent.post(`/signin/link/${link}`, {})).status, 303);
      assert.ok(parent.cookies.get('ostal_session'));
    } finally {
      await app.close();
    }
  });

  test('survey invitations and reminders are sensitive: the outbox page shows neither personal link', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const cls = await aClass(db, { schoolId: (await aSchool(db)).id });
      const family = await aHousehold(db, { classIds: [cls.id] });
      const email = family.guardians[0]!.email!;
      const s = await aSurvey(db, { title: 'Sortida de fin d’annada' });
      await addAudience(db, ORGANISER, s.id, 'class', cls.id);
      const settings = { publicUrl: app.url, mailDomain: app.config.mailDomain };
      await openSurvey(db, app.deps.mailer, ORGANISER, s.id, settings);
      const invitation = await newestTo(db, email);
      await sendReminders(db, app.deps.mailer, ORGANISER, s.id, settings);
      const reminder = await newestTo(db, email);
      assert.notEqual(reminder.id, invitation.id);

      const admin = new WebClient(app.url);
      await admin.signInAs(handle, (await anAdmin(db)).id);
      for (const mail of [invitation, reminder]) {
        const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
        assert.ok(token, 'the mail carries its personal link');
        assert.equal(mail.sensitive, true);
        const page = await (await admin.get(`/outbox/${mail.id}`)).text();
        assert.ok(page.includes(email));
        assert.ok(!page.includes(token), 'the personal link is not on the page');
        assert.ok(!page.includes('/s/'), 'nor any part of it');
      }
      // The link opens the parent's answer page: a live secret.
      const token = /\/s\/([A-Za-z0-9_-]{43})/.exec(invitation.text)![1]!;
      assert.equal((await new WebClient(app.url).get(`/s/${token}`)).status, 200);
    } finally {
      await app.close();
    }
  });

  test('a message without a token is still readable in the outbox', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const id = await app.deps.mailer.enqueue(db, { from: 'Ostal <no-reply@lists.example.org>', to: ['lector@example.org'], subject: 'Avís', text: 'La fèsta es dissabte.', sensitive: false });
      const admin = new WebClient(app.url);
      await admin.signInAs(handle, (await anAdmin(db)).id);
      const page = await (await admin.get(`/outbox/${id}`)).text();
      assert.ok(page.includes('La fèsta es dissabte.'));
      assert.ok(!page.includes(SENTENCE));
    } finally {
      await app.close();
    }
  });

  test('with a relay, the relay receives the whole sign-in mail; the stored copy is blanked once sent and the page still shows nothing', async () => {
    const { handle, db } = t();
    const sink = await startSink();
    const app = await startTestPlatform(handle, { SMTP_RELAY_URL: sink.url });
    try {
      const family = await aHousehold(db);
      const email = family.guardians[0]!.email!;
      assert.equal((await new WebClient(app.url).post('/signin', { email })).status, 200);
      const queued = await newestTo(db, email);
      const code = /\b(\d{6})\b/.exec(queued.text)![1]!;
      const link = /\/signin\/link\/([A-Za-z0-9_-]+)/.exec(queued.text)![1]!;
      await app.deps.mailer.deliverDue(db);
      await sink.waitFor(1);
      const received = await simpleParser(sink.received[0]!.raw);
      assert.deepEqual(sink.received[0]!.to, [email]);
      assert.ok(received.text?.includes(code) && received.text.includes(link), 'the relay gets the link and the code');
      // The server's own delivery timer may be the one that sent it: wait for the row to say so.
      let row = await db.selectFrom('outbox_message').select(['status', 'raw']).where('id', '=', queued.id).executeTakeFirstOrThrow();
      for (let i = 0; i < 100 && row.status !== 'sent'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        row = await db.selectFrom('outbox_message').select(['status', 'raw']).where('id', '=', queued.id).executeTakeFirstOrThrow();
      }
      assert.equal(row.status, 'sent');
      assert.equal(Buffer.from(row.raw).length, 0, 'the secret is not kept after delivery');
      // The schema blanks it too, whoever marks it sent.
      const other = await app.deps.mailer.enqueue(db, { from: 'no-reply@lists.example.org', to: ['autre@example.org'], subject: 'Connexion', text: 'Code : 123456', sensitive: true });
      await db.updateTable('outbox_message').set({ status: 'sent' }).where('id', '=', other).execute();
      assert.equal(Buffer.from((await db.selectFrom('outbox_message').select('raw').where('id', '=', other).executeTakeFirstOrThrow()).raw).length, 0);

      const admin = new WebClient(app.url);
      await admin.signInAs(handle, (await anAdmin(db)).id);
      const page = await (await admin.get(`/outbox/${queued.id}`)).text();
      assert.ok(page.includes(email));
      assert.ok(!page.includes(code) && !page.includes(link));
      const home = await (await admin.get('/')).text();
      assert.ok(!home.includes('SMTP_RELAY_URL'), 'with a relay, no warning on the home page');
    } finally {
      await app.close();
      await sink.close();
    }
  });

  test('without a relay, the admin home says that sign-in mail cannot be delivered and how to set SMTP_RELAY_URL; a parent is not told', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const admin = new WebClient(app.url);
      await admin.signInAs(handle, (await anAdmin(db)).id);
      for (const [lang, words] of [
        ['fr', 'les courriels de connexion ne peuvent pas être remis'],
        ['oc', 'los corrièls de connexion pòdon pas èsser remeses'],
        ['en', 'sign-in mail cannot be delivered'],
      ] as const) {
        await admin.post('/lang', { lang, next: '/' });
        const home = await (await admin.get('/')).text();
        assert.ok(home.includes(words.replace(/'/g, '&#39;')) || home.includes(words), `${lang}: the plain notice`);
        assert.ok(home.includes('SMTP_RELAY_URL'), `${lang}: how to set the relay`);
      }
      const parent = new WebClient(app.url);
      await parent.signInAs(handle, (await aHousehold(db)).guardians[0]!.id);
      assert.ok(!(await (await parent.get('/')).text()).includes('SMTP_RELAY_URL'));
    } finally {
      await app.close();
    }
  });
});
