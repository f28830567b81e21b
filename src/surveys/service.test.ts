// The scheduler inside the platform: a running platform sends a due reminder and closes a survey
// past its closing time without the CLI; a pass is locked (one at a time, across processes) and
// idempotent. Invitations go out From the list domain, DKIM-signed, with personal-mail headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { authenticate } from 'mailauth';
import { simpleParser } from 'mailparser';
import { forEachDatabase, openTestDatabase } from '../platform/testing.ts';
import { openPostgres } from '../platform/db.ts';
import { createMailer } from '../platform/mail.ts';
import { startTestPlatform } from '../app/testing.ts';
import { aClass, aHousehold, aPerson, aSchool } from '../directory/factories.ts';
import { dkimDnsRecord, ensureListKeys } from '../lists/keys.ts';
import { dnsTable } from '../lists/testing.ts';
import { addAudience, openSurvey } from './campaign.ts';
import { submitResponse } from './answering.ts';
import { surveysSchedule, tickSurveys, TICK_LOCK } from './service.ts';
import { aSurvey, linksFor, MAIL, ORGANISER } from './testing.ts';

const DAY = 86_400_000;

forEachDatabase('surveys scheduler', (t) => {
  async function classOf(n: number) {
    const { db } = t();
    const school = await aSchool(db);
    const cls = await aClass(db, { schoolId: school.id });
    const households = [];
    for (let i = 0; i < n; i++) households.push(await aHousehold(db, { classIds: [cls.id] }));
    return { cls, households };
  }

  test('a running platform sends the scheduled reminder and closes a survey past its closing time, without the CLI; mail is DKIM-signed From the list domain', async () => {
    const { db, handle } = t();
    const saved = surveysSchedule.intervalMs;
    surveysSchedule.intervalMs = 100;
    const app = await startTestPlatform(handle);
    try {
      const { cls, households } = await classOf(2);
      const [h1, h2] = households;
      const settings = { publicUrl: app.url, mailDomain: app.config.mailDomain };
      const reminded = await aSurvey(db, { title: 'Relancée' });
      // Made by Estèr: replies to its mail go to her (the other survey has no maker: no Reply-To).
      const organiser = await aPerson(db, { firstName: 'Estèr "Tata"', lastName: 'Vidal', email: 'ester.vidal@example.org' });
      await db.updateTable('survey').set({ remind_every_days: 1, created_by: organiser.id }).where('id', '=', reminded.id).execute();
      await addAudience(db, ORGANISER, reminded.id, 'class', cls.id);
      await openSurvey(db, app.deps.mailer, ORGANISER, reminded.id, settings);
      const [token] = await linksFor(db, h1!.guardians[0]!.email!);
      await submitResponse(db, token!, { [reminded.q.internet]: { choice: reminded.opt.yes }, [reminded.q.ease]: 2 });
      const closing = await aSurvey(db, { title: 'Fermée à l’heure' });
      await addAudience(db, ORGANISER, closing.id, 'class', cls.id);
      await openSurvey(db, app.deps.mailer, ORGANISER, closing.id, settings);
      // Opened two days ago (the reminder is due); the other one closed a minute ago.
      await db.updateTable('survey').set({ opened_at: new Date(Date.now() - 2 * DAY) }).where('id', '=', reminded.id).execute();
      await db.updateTable('survey').set({ closes_at: new Date(Date.now() - 60_000) }).where('id', '=', closing.id).execute();

      const reminders = async () => (await db.selectFrom('outbox_message').select('subject').execute()).filter((m) => /^Rappel/.test(m.subject));
      for (let i = 0; i < 100; i++) {
        const s = await db.selectFrom('survey').select('status').where('id', '=', closing.id).executeTakeFirstOrThrow();
        if (s.status === 'closed' && (await reminders()).length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await db.selectFrom('survey').select('status').where('id', '=', closing.id).executeTakeFirstOrThrow()).status, 'closed');
      // Several more passes: still one reminder, to the one who has not answered.
      await new Promise((r) => setTimeout(r, 600));
      const sent = await reminders();
      assert.equal(sent.length, 1);
      assert.equal((await linksFor(db, h2!.guardians[0]!.email!)).length, 3);
      assert.equal((await linksFor(db, h1!.guardians[0]!.email!)).length, 2);

      // Every invitation and reminder: From no-reply@ the list domain, signed with its key,
      // personal mail (no List-* header, not Auto-Submitted, no Precedence).
      const keys = await ensureListKeys(db, app.config.mailDomain);
      const rec = dkimDnsRecord(keys);
      const resolver = dnsTable({ [rec.name]: [rec.value] });
      const outbox = await db.selectFrom('outbox_message').select(['raw', 'envelope_from', 'subject']).where('subject', 'like', '%nquête%').execute();
      assert.equal(outbox.length, 5);
      for (const m of outbox) {
        const raw = Buffer.from(m.raw);
        assert.equal(m.envelope_from, `no-reply@${app.config.mailDomain}`);
        const auth = await authenticate(raw, { ip: '127.0.0.1', helo: 'localhost', sender: m.envelope_from, resolver, mta: 'mx.example.net', disableArc: true, disableBimi: true } as never);
        const dkim = auth.dkim.results.find((r: { signingDomain: string }) => r.signingDomain === app.config.mailDomain);
        assert.equal(dkim?.status.result, 'pass', m.subject);
        const parsed = await simpleParser(raw);
        const names = [...parsed.headers.keys()];
        assert.ok(!names.some((h) => /^list-|^auto-submitted$|^precedence$/.test(h)), names.join(','));
        assert.match(parsed.messageId ?? '', new RegExp(`@${app.config.mailDomain.replace(/\./g, '\\.')}>$`));
        if (/Relancée/.test(parsed.subject ?? '')) assert.deepEqual(parsed.replyTo?.value, [{ name: 'Estèr "Tata" Vidal', address: 'ester.vidal@example.org' }], m.subject);
        else assert.equal(parsed.replyTo, undefined, m.subject);
      }
    } finally {
      await app.close();
      surveysSchedule.intervalMs = saved;
    }
  });

  test('a family that joins the class after the opening is invited by the next pass, once; nobody else twice', async () => {
    const { db } = t();
    const { cls, households } = await classOf(2);
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'class', cls.id);
    const mailer = createMailer({});
    assert.equal((await openSurvey(db, mailer, ORGANISER, s.id, MAIL)).invited, 2);
    assert.deepEqual(await tickSurveys(db, mailer, MAIL), { closed: 0, reminded: 0, invited: 0 });
    const late = await aHousehold(db, { classIds: [cls.id], guardians: 2 });
    // A guardian already invited through another household of the class is not invited again.
    await db.insertInto('household_guardian').values({ household_id: late.id, person_id: households[0]!.guardians[0]!.id }).execute();
    assert.deepEqual(await tickSurveys(db, mailer, MAIL), { closed: 0, reminded: 0, invited: 2 });
    for (const g of late.guardians) assert.equal((await linksFor(db, g.email!)).length, 1);
    assert.equal((await linksFor(db, households[0]!.guardians[0]!.email!)).length, 1);
    assert.deepEqual(await tickSurveys(db, mailer, MAIL), { closed: 0, reminded: 0, invited: 0 });
    const rates = await db.selectFrom('survey_invitation_unit').select('unit_kind').where('unit_kind', '=', 'class').where('unit_id', '=', cls.id).execute();
    assert.equal(rates.length, 4);
  });

  test('concurrent passes send each due reminder once and close once', async () => {
    const { db } = t();
    const { cls } = await classOf(6);
    const s = await aSurvey(db);
    await db.updateTable('survey').set({ remind_every_days: 2 }).where('id', '=', s.id).execute();
    await addAudience(db, ORGANISER, s.id, 'class', cls.id);
    const mailer = createMailer({});
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    await db.updateTable('survey').set({ opened_at: new Date(Date.now() - 3 * DAY), closes_at: new Date(Date.now() + DAY) }).where('id', '=', s.id).execute();
    const results = await Promise.all(Array.from({ length: 4 }, () => tickSurveys(db, mailer, MAIL)));
    assert.equal(results.reduce((n, r) => n + (r?.reminded ?? 0), 0), 6);
    const inv = await db.selectFrom('survey_invitation').select('reminders').where('survey_id', '=', s.id).execute();
    assert.ok(inv.every((i) => i.reminders === 1));
    // Past the closing time, two passes close it once.
    const later = new Date(Date.now() + 2 * DAY);
    const two = await Promise.all([tickSurveys(db, mailer, MAIL, later), tickSurveys(db, mailer, MAIL, later)]);
    assert.equal(two.reduce((n, r) => n + (r?.closed ?? 0), 0), 1);
  });
});

// PostgreSQL only: with PGlite one process holds the data directory (pid lock) and its single
// connection serialises transactions, so a second pass simply waits and then finds nothing due.
test('a pass does nothing while another process holds the lock (PostgreSQL)', { skip: !process.env.TEST_DATABASE_URL }, async () => {
  const handle = await openTestDatabase('postgresql');
  const db = handle.db;
  const school = await aSchool(db);
  const cls = await aClass(db, { schoolId: school.id });
  for (let i = 0; i < 2; i++) await aHousehold(db, { classIds: [cls.id] });
  const s = await aSurvey(db);
  await db.updateTable('survey').set({ remind_every_days: 1 }).where('id', '=', s.id).execute();
  await addAudience(db, ORGANISER, s.id, 'class', cls.id);
  const mailer = createMailer({});
  await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
  await db.updateTable('survey').set({ opened_at: new Date(Date.now() - 2 * DAY) }).where('id', '=', s.id).execute();
  // A second pool on the same database stands for another process (cron's `ostal surveys tick`).
  const name = (await sql<{ n: string }>`select current_database() as n`.execute(db)).rows[0]!.n;
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  const other = await openPostgres(url.toString(), 2);
  try {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = other.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${TICK_LOCK})`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    assert.equal(await tickSurveys(db, mailer, MAIL), null);
    release();
    await holder;
    assert.deepEqual(await tickSurveys(db, mailer, MAIL), { closed: 0, reminded: 2, invited: 0 });
  } finally {
    await other.close();
    await handle.close();
  }
});
