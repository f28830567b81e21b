import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../platform/testing.ts';
import { createMailer } from '../platform/mail.ts';
import { Conflict, InvalidInput, NotFound } from '../platform/errors.ts';
import { hashSecret } from '../auth/tokens.ts';
import { aClass, aGroup, aHousehold, aSchool } from '../directory/factories.ts';
import { addAudience, closeSurvey, openSurvey, responseRates, runDueSurveyJobs, sendReminders } from './campaign.ts';
import { openInvitation, saveDraft, submitResponse } from './answering.ts';
import { readForm, checkSubmission, keepVisible } from './answers.ts';
import { analyse, crossTab, exportCells } from './analysis.ts';
import { csvFile } from '../platform/files.ts';
import { loadAnswers, exportCsv } from './results.ts';
import { addQuestion, copySurvey, loadDef } from './survey.ts';
import { aSurvey, linksFor, MAIL, ORGANISER } from './testing.ts';

const mailer = createMailer({});

async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, key?: string) {
  await assert.rejects(p, (err: Error) => err instanceof type && (!key || (err as { key?: string }).key === key));
}

test('reading a form: unknown options, oversize texts and impossible dates are errors, not cut', async () => {
  const def = {
    id: 1,
    title: { fr: 't', oc: '', en: '' },
    intro: { fr: '', oc: '', en: '' },
    anonymous: false,
    sections: [
      {
        id: 1,
        title: { fr: '', oc: '', en: '' },
        questions: [
          { id: 10, sectionId: 1, kind: 'single' as const, required: true, prompt: { fr: 'a', oc: '', en: '' }, allowOther: true, condition: null, options: [{ id: 100, label: { fr: 'Oui', oc: '', en: '' } }], rows: [], columns: [] },
          { id: 11, sectionId: 1, kind: 'short_text' as const, required: false, prompt: { fr: 'b', oc: '', en: '' }, allowOther: false, condition: { questionId: 10, optionId: 100 }, options: [], rows: [], columns: [] },
          { id: 12, sectionId: 1, kind: 'date' as const, required: false, prompt: { fr: 'c', oc: '', en: '' }, allowOther: false, condition: null, options: [], rows: [], columns: [] },
          { id: 13, sectionId: 1, kind: 'number' as const, required: false, prompt: { fr: 'd', oc: '', en: '' }, allowOther: false, condition: null, options: [], rows: [], columns: [] },
        ],
      },
    ],
  };
  assert.deepEqual(readForm(def, { q10: '999' }).errors['10']?.key, 'surveys.answer.invalid');
  assert.deepEqual(readForm(def, { q10: '100', q11: 'x'.repeat(301) }).errors['11']?.key, 'surveys.answer.tooLong');
  assert.deepEqual(readForm(def, { q12: '2026-02-30' }).errors['12']?.key, 'surveys.answer.notDate');
  assert.deepEqual(readForm(def, { q13: '1e400' }).errors['13']?.key, 'surveys.answer.notNumber');
  assert.deepEqual(readForm(def, { q10: 'other', q10_other: 'Pas sûr' }).answers['10'], { choice: null, other: 'Pas sûr' });
  assert.deepEqual(readForm(def, { q13: '3,5' }).answers['13'], 3.5);
  // The text of a hidden question is dropped, and a hidden required question is not required.
  const { answers } = readForm(def, { q10: 'other', q10_other: 'x', q11: 'caché' });
  assert.deepEqual(Object.keys(keepVisible(def, answers)), ['10']);
  assert.deepEqual(Object.keys(checkSubmission(def, {})), ['10']);
});

forEachDatabase('surveys', (t) => {
  async function audienceOfTwoClasses() {
    const { db } = t();
    const school = await aSchool(db);
    const cm1 = await aClass(db, { schoolId: school.id, level: 'CM1' });
    const ce2 = await aClass(db, { schoolId: school.id, level: 'CE2' });
    // Two children in the two targeted classes, and a parent also in a targeted commission.
    const both = await aHousehold(db, { classIds: [cm1.id, ce2.id] });
    const one = await aHousehold(db, { classIds: [cm1.id] });
    const other = await aHousehold(db, { classIds: [ce2.id], guardians: 2 });
    const commission = await aGroup(db, { kind: 'commission', members: [{ personId: both.guardians[0]!.id }] });
    return { school, cm1, ce2, both, one, other, commission };
  }

  test('a parent in several targeted groups gets one invitation and one mail; only the token hash is stored', async () => {
    const { db } = t();
    const a = await audienceOfTwoClasses();
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'class', a.cm1.id);
    await addAudience(db, ORGANISER, s.id, 'class', a.ce2.id);
    await addAudience(db, ORGANISER, s.id, 'group', a.commission.id);
    const res = await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    assert.equal(res.invited, 4);
    const email = a.both.guardians[0]!.email!;
    const links = await linksFor(db, email);
    assert.equal(links.length, 1);
    const inv = await db.selectFrom('survey_invitation').selectAll().where('survey_id', '=', s.id).execute();
    assert.equal(inv.filter((i) => i.email === email).length, 1);
    const tok = await db.selectFrom('survey_token').selectAll().execute();
    assert.ok(tok.some((x) => Buffer.from(x.token_hash).equals(hashSecret(links[0]!))));
    const dump = JSON.stringify(await sql`select * from survey_token`.execute(db));
    assert.ok(!dump.includes(links[0]!));
    // Structure and audience are frozen, in the database too.
    await rejects(addQuestion(db, ORGANISER, s.id, { sectionId: s.def.sections[0]!.id, kind: 'number', required: false, prompt: { fr: 'x', oc: '', en: '' }, allowOther: false, options: [], columns: [], condition: null }), Conflict);
    await assert.rejects(db.updateTable('survey_question').set({ prompt_fr: 'autre' }).where('id', '=', s.q.ease).execute(), /cannot change/);
    await assert.rejects(db.updateTable('survey').set({ anonymous: true }).where('id', '=', s.id).execute(), /anonymity/);
  });

  test('one answer per token under concurrent submits', async () => {
    const { db } = t();
    const a = await audienceOfTwoClasses();
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'class', a.cm1.id);
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    const [token] = await linksFor(db, a.one.guardians[0]!.email!);
    const answers = { [s.q.internet]: { choice: s.opt.yes }, [s.q.ease]: 4 };
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => submitResponse(db, token!, answers)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.every((r) => r.status === 'fulfilled' || (r.reason instanceof Conflict && r.reason.key === 'surveys.answer.already')));
    const n = await db.selectFrom('survey_response').select((eb) => eb.fn.countAll<number>().as('n')).where('survey_id', '=', s.id).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 1);
    // Reused and forged tokens.
    await rejects(submitResponse(db, token!, answers), Conflict, 'surveys.answer.already');
    await rejects(submitResponse(db, 'A'.repeat(43), answers), NotFound, 'surveys.answer.badLink');
    await rejects(submitResponse(db, token!.slice(0, 20), answers), NotFound, 'surveys.answer.badLink');
    // Required questions are checked by the domain, whatever the caller.
    const [other] = await linksFor(db, a.both.guardians[0]!.email!);
    await rejects(submitResponse(db, other!, { [s.q.internet]: { choice: s.opt.yes } }), InvalidInput, 'surveys.answer.incomplete');
    // A condition met makes its question required.
    await rejects(submitResponse(db, other!, { ...answers, [s.q.devices]: { choices: [s.opt.tablet] } }), InvalidInput);
  });

  test('anonymous mode: the schema cannot link an answer to a person, and rates per class still work', async () => {
    const { db } = t();
    // Schema-level check: the anonymous table has no column or key leading to an invitation or person.
    const cols = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns where table_name = 'survey_anonymous_response' order by column_name`.execute(db);
    assert.deepEqual(cols.rows.map((c) => c.column_name), ['answers', 'id', 'survey_id']);
    assert.equal(cols.rows.find((c) => c.column_name === 'id')!.data_type, 'uuid');
    assert.ok(!cols.rows.some((c) => /time|date/.test(c.data_type)));
    const fks = await sql<{ target: string }>`
      select confrelid::regclass::text as target from pg_constraint
      where conrelid = 'survey_anonymous_response'::regclass and contype = 'f'`.execute(db);
    assert.deepEqual(fks.rows.map((r) => r.target), ['survey']);
    const invCols = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns where table_name = 'survey_invitation' and column_name = 'submitted_on'`.execute(db);
    assert.equal(invCols.rows[0]!.data_type, 'date');

    const a = await audienceOfTwoClasses();
    const s = await aSurvey(db, { anonymous: true });
    await addAudience(db, ORGANISER, s.id, 'school', a.school.id);
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    const [token] = await linksFor(db, a.one.guardians[0]!.email!);
    await saveDraft(db, token!, { [s.q.comment]: 'brouillon' });
    assert.deepEqual((await openInvitation(db, token!)).draft, { [s.q.comment]: 'brouillon' });
    await submitResponse(db, token!, { [s.q.internet]: { choice: s.opt.no }, [s.q.ease]: 2, [s.q.comment]: 'anonyme' });
    assert.equal((await db.selectFrom('survey_response').select('id').where('survey_id', '=', s.id).execute()).length, 0);
    const anon = await db.selectFrom('survey_anonymous_response').selectAll().where('survey_id', '=', s.id).execute();
    assert.equal(anon.length, 1);
    assert.equal((await db.selectFrom('survey_draft').selectAll().where('invitation_id', 'in', (eb) => eb.selectFrom('survey_invitation').select('id').where('survey_id', '=', s.id)).execute()).length, 0);
    // Named responses cannot be written for an anonymous survey, even by hand.
    const inv = await db.selectFrom('survey_invitation').select('id').where('survey_id', '=', s.id).executeTakeFirstOrThrow();
    await assert.rejects(db.insertInto('survey_response').values({ survey_id: s.id, invitation_id: inv.id, answers: '{}' }).execute(), /wrong response table/);

    // Until the shuffle, the answer shares its transaction id with the invitation; after, it does not.
    const [token2] = await linksFor(db, a.other.guardians[0]!.email!);
    await submitResponse(db, token2!, { [s.q.internet]: { choice: s.opt.yes }, [s.q.ease]: 4 });
    const xmins = async () => ({
      inv: (await sql<{ x: string }>`select xmin::text as x from survey_invitation where survey_id = ${s.id} and submitted_on is not null`.execute(db)).rows.map((r) => r.x),
      anon: (await sql<{ x: string }>`select xmin::text as x from survey_anonymous_response where survey_id = ${s.id}`.execute(db)).rows.map((r) => r.x),
    });
    const before = await xmins();
    assert.ok(before.anon.some((x) => before.inv.includes(x)));
    await runDueSurveyJobs(db, mailer, MAIL);
    const after = await xmins();
    assert.equal(new Set(after.anon).size, 1);
    assert.ok(!after.anon.some((x) => after.inv.includes(x)));
    assert.equal(after.anon.length, 2);
    // No new answer: the next pass leaves them as they are.
    await runDueSurveyJobs(db, mailer, MAIL);
    assert.deepEqual((await xmins()).anon, after.anon);

    const rates = await responseRates(db, s.id);
    assert.deepEqual([rates.total.invited, rates.total.answered], [4, 2]);
    const cm1 = rates.units.find((u) => u.kind === 'class' && u.id === a.cm1.id)!;
    const ce2 = rates.units.find((u) => u.kind === 'class' && u.id === a.ce2.id)!;
    assert.deepEqual([cm1.invited, cm1.answered, cm1.pct], [2, 1, 50]);
    assert.deepEqual([ce2.invited, ce2.answered], [3, 1]);
    const { answers } = await loadAnswers(db, s.id, null);
    assert.equal(answers.length, 2);
  });

  test('reminders go only to those who have not answered; the first link keeps working', async () => {
    const { db } = t();
    const a = await audienceOfTwoClasses();
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'all_parents', null);
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    const answered = a.one.guardians[0]!.email!;
    const [token] = await linksFor(db, answered);
    await submitResponse(db, token!, { [s.q.internet]: { choice: s.opt.yes }, [s.q.ease]: 5 });
    const before = await db.selectFrom('outbox_message').select('id').execute();
    // Every parent of the year is invited (earlier tests' parents too): all but one are reminded.
    const invited = (await db.selectFrom('survey_invitation').select('id').where('survey_id', '=', s.id).execute()).length;
    assert.ok(invited >= 4);
    const n = await sendReminders(db, mailer, ORGANISER, s.id, MAIL);
    assert.equal(n, invited - 1);
    const sent = await db.selectFrom('outbox_message').select(['envelope_to', 'subject']).where('id', 'not in', before.map((b) => b.id)).execute();
    assert.equal(sent.length, invited - 1);
    assert.ok(sent.every((m) => !m.envelope_to.includes(answered) && /Rappel/.test(m.subject)));
    const pending = a.other.guardians[0]!.email!;
    const [first, second] = await linksFor(db, pending);
    assert.ok(first && second && first !== second);
    assert.equal((await openInvitation(db, first)).invitation.submitted_on, null);
    // Scheduled: due after the interval, and not before.
    await db.updateTable('survey').set({ remind_every_days: 7 }).where('id', '=', s.id).execute();
    assert.equal((await runDueSurveyJobs(db, mailer, MAIL, new Date())).reminded, 0);
    assert.equal((await runDueSurveyJobs(db, mailer, MAIL, new Date(Date.now() + 8 * 86_400_000))).reminded, invited - 1);
  });

  test('a closed survey refuses answers, drafts included; closing time closes it', async () => {
    const { db } = t();
    const a = await audienceOfTwoClasses();
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'class', a.cm1.id);
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    const [token] = await linksFor(db, a.one.guardians[0]!.email!);
    await closeSurvey(db, ORGANISER, s.id);
    const ok = { [s.q.internet]: { choice: s.opt.yes }, [s.q.ease]: 3 };
    await rejects(submitResponse(db, token!, ok), Conflict, 'surveys.answer.closed');
    await rejects(saveDraft(db, token!, ok), Conflict, 'surveys.answer.closed');
    assert.equal((await openInvitation(db, token!)).availability, 'closed');
    // The database refuses too.
    await assert.rejects(db.updateTable('survey_invitation').set({ submitted_on: '2026-11-29' }).where('survey_id', '=', s.id).execute(), /not open/);
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL); // reopens, same links
    await submitResponse(db, token!, ok);
    await db.updateTable('survey').set({ closes_at: new Date(Date.now() + 1000) }).where('id', '=', s.id).execute();
    assert.equal((await runDueSurveyJobs(db, mailer, MAIL, new Date(Date.now() + 2000))).closed, 1);
  });

  test('analysis: counts and percentages, free-text search, cross-tab, group filter, CSV one row per response', async () => {
    const { db } = t();
    const a = await audienceOfTwoClasses();
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'school', a.school.id);
    await openSurvey(db, mailer, ORGANISER, s.id, MAIL);
    const tok = async (email: string) => (await linksFor(db, email))[0]!;
    await submitResponse(db, await tok(a.one.guardians[0]!.email!), {
      [s.q.devices]: { choices: [s.opt.computer, s.opt.tablet], other: 'Console' },
      [s.q.internet]: { choice: s.opt.yes },
      [s.q.tabletUse]: 'Devoirs',
      [s.q.ease]: 4,
      [s.q.comment]: '<script>alert(1)</script> Très bien',
    });
    await submitResponse(db, await tok(a.other.guardians[0]!.email!), { [s.q.devices]: { choices: [s.opt.phone] }, [s.q.internet]: { choice: s.opt.no }, [s.q.ease]: 2 });
    const { answers } = await loadAnswers(db, s.id, null);
    const r = analyse(s.def, answers, 'fr', 'Autre');
    const devices = r[0]!;
    assert.equal(devices.kind, 'choice');
    if (devices.kind === 'choice') {
      assert.deepEqual(devices.counts.map((c) => [c.label, c.count, c.pct]), [['Ordinateur', 1, 50], ['Tablette', 1, 50], ['Téléphone', 1, 50], ['Autre', 1, 50]]);
      assert.deepEqual(devices.others, ['Console']);
    }
    const ease = r[3]!;
    if (ease.kind === 'scale') assert.equal(ease.mean, 3);
    const texts = analyse(s.def, answers, 'fr', 'Autre', 'tres')[4]!;
    if (texts.kind === 'text') assert.equal(texts.texts.length, 1);
    const qs = s.def.sections[0]!.questions;
    const ct = crossTab(qs[1]!, qs[0]!, answers, 'fr', 'Autre');
    assert.deepEqual(ct.counts, [[1, 1, 0, 1], [0, 0, 1, 0]]);
    // Filter by class: only the CM1 household's answer.
    const cm1 = await loadAnswers(db, s.id, { kind: 'class', id: a.cm1.id });
    assert.equal(cm1.answers.length, 1);
    const csv = await exportCsv(db, s.id, 'fr');
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /Quels appareils/);
    assert.ok(lines.some((l) => l.includes('Ordinateur; Tablette; Autre: Console')));
    assert.ok(csv.startsWith('\uFEFF'), 'a BOM, so that Excel reads UTF-8');
    assert.equal(csvFile([['=1+1', 2.5]]), "\uFEFF'=1+1;2,5\r\n");
    assert.deepEqual(exportCells(s.def, {}, 'fr', 'Autre').length, 5);
  });

  test('a template copies its questions and conditions into a new draft', async () => {
    const { db } = t();
    const s = await aSurvey(db);
    const tpl = await copySurvey(db, ORGANISER, s.id, { isTemplate: true });
    const copy = await copySurvey(db, ORGANISER, tpl, { isTemplate: false, title: 'Enquête 2027' });
    const def = await loadDef(db, copy);
    const qs = def.sections[0]!.questions;
    assert.equal(qs.length, 5);
    assert.equal(qs[2]!.condition!.questionId, qs[0]!.id);
    assert.equal(qs[2]!.condition!.optionId, qs[0]!.options[1]!.id);
    assert.equal(def.title.fr, 'Enquête 2027');
  });
});
