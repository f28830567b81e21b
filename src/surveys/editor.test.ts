// The editor: moving questions up and down (also across sections) without breaking conditions,
// and deleting a section after a confirmation page; both only while the survey is a draft.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { createMailer } from '../platform/mail.ts';
import { Conflict } from '../platform/errors.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aClass, aHousehold, aPerson, aSchool } from '../directory/factories.ts';
import { addAudience, openSurvey } from './campaign.ts';
import { addQuestion, addSection, deleteQuestion, deleteSection, loadDef, moveQuestion } from './survey.ts';
import { aSurvey, linksFor, MAIL, ORGANISER } from './testing.ts';

const tx = (fr: string) => ({ fr, oc: '', en: '' });

forEachDatabase('survey editor', (t) => {
  const order = async (id: number) => (await loadDef(t().db, id)).sections.map((s) => s.questions.map((q) => q.id));

  test('questions move up and down, across sections; a move that would make a condition look forward is refused and changes nothing', async () => {
    const { db } = t();
    const s = await aSurvey(db);
    const { devices, internet, tabletUse, ease, comment } = s.q;
    assert.deepEqual(await order(s.id), [[devices, internet, tabletUse, ease, comment]]);
    assert.equal(await moveQuestion(db, ORGANISER, ease, 'up'), true);
    assert.deepEqual(await order(s.id), [[devices, internet, ease, tabletUse, comment]]);
    await moveQuestion(db, ORGANISER, tabletUse, 'up');
    await moveQuestion(db, ORGANISER, tabletUse, 'up');
    assert.deepEqual(await order(s.id), [[devices, tabletUse, internet, ease, comment]]);
    // tabletUse shows only if devices includes "tablet": it cannot go above devices, nor devices below it.
    await assert.rejects(moveQuestion(db, ORGANISER, tabletUse, 'up'), /condition must refer/);
    await assert.rejects(moveQuestion(db, ORGANISER, devices, 'down'), /condition must refer/);
    assert.deepEqual(await order(s.id), [[devices, tabletUse, internet, ease, comment]]);
    // The first question has nowhere to go.
    assert.equal(await moveQuestion(db, ORGANISER, devices, 'up'), false);

    // Across sections: the last question goes to the start of the next section and back.
    const sec2 = await addSection(db, ORGANISER, s.id, tx('Deuxième partie'));
    const extra = await addQuestion(db, ORGANISER, s.id, { sectionId: sec2, kind: 'number', required: false, prompt: tx('Combien d’écrans ?'), allowOther: false, options: [], columns: [], condition: null });
    await moveQuestion(db, ORGANISER, comment, 'down');
    assert.deepEqual(await order(s.id), [[devices, tabletUse, internet, ease], [comment, extra]]);
    await moveQuestion(db, ORGANISER, extra, 'down');
    assert.equal(await moveQuestion(db, ORGANISER, extra, 'down'), false);
    await moveQuestion(db, ORGANISER, comment, 'up');
    assert.deepEqual(await order(s.id), [[devices, tabletUse, internet, ease, comment], [extra]]);
    // Deleting the question a condition looks at drops the condition, not the dependant.
    await deleteQuestion(db, ORGANISER, devices);
    const def = await loadDef(db, s.id);
    assert.equal(def.sections[0]!.questions[0]!.id, tabletUse);
    assert.equal(def.sections[0]!.questions[0]!.condition, null);
  });

  test('deleting a section takes its questions and the conditions that looked at them; the last section stays; nothing changes once open', async () => {
    const { db } = t();
    const s = await aSurvey(db);
    const sec2 = await addSection(db, ORGANISER, s.id, tx('Équipement'));
    const sec3 = await addSection(db, ORGANISER, s.id, tx('Suite'));
    const base = { required: false, allowOther: false, columns: [], condition: null };
    const printer = await addQuestion(db, ORGANISER, s.id, { ...base, sectionId: sec2, kind: 'single', prompt: tx('Une imprimante ?'), options: [tx('Oui'), tx('Non')] });
    const def = await loadDef(db, s.id);
    const yes = def.sections[1]!.questions[0]!.options[0]!.id;
    const ink = await addQuestion(db, ORGANISER, s.id, { ...base, sectionId: sec3, kind: 'short_text', prompt: tx('Quelle encre ?'), options: [], condition: { questionId: printer, optionId: yes } });
    await deleteSection(db, ORGANISER, sec2);
    const after = await loadDef(db, s.id);
    assert.equal(after.sections.length, 2);
    assert.equal(after.sections.flatMap((x) => x.questions).find((q) => q.id === printer), undefined);
    assert.equal(after.sections[1]!.questions[0]!.id, ink);
    assert.equal(after.sections[1]!.questions[0]!.condition, null);
    await deleteSection(db, ORGANISER, sec3);
    await assert.rejects(deleteSection(db, ORGANISER, after.sections[0]!.id), (e: Error) => e instanceof Conflict && (e as Conflict).key === 'surveys.error.lastSection');

    // Once open (answers may exist), neither the domain nor the database lets a section or a question move.
    const again = await addSection(db, ORGANISER, s.id, tx('Fin'));
    const school = await aSchool(db);
    const cls = await aClass(db, { schoolId: school.id });
    await aHousehold(db, { classIds: [cls.id] });
    await addAudience(db, ORGANISER, s.id, 'class', cls.id);
    await openSurvey(db, createMailer({}), ORGANISER, s.id, MAIL);
    await assert.rejects(deleteSection(db, ORGANISER, again), (e: Error) => e instanceof Conflict && (e as Conflict).key === 'surveys.error.frozen');
    await assert.rejects(moveQuestion(db, ORGANISER, s.q.ease, 'up'), (e: Error) => e instanceof Conflict);
    await assert.rejects(db.deleteFrom('survey_section').where('id', '=', again).execute(), /cannot change/);
    await assert.rejects(db.updateTable('survey_question').set({ position: 99 }).where('id', '=', s.q.ease).execute(), /cannot change/);
  });

  test('without JavaScript: move buttons, a confirmation page before deleting a section, clear errors', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const admin = await aPerson(db);
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const org = new WebClient(app.url);
      await org.signInAs(handle, admin.id);
      const s = await aSurvey(db);
      await db.updateTable('survey').set({ created_by: admin.id }).where('id', '=', s.id).execute();
      const sec2 = await addSection(db, ORGANISER, s.id, tx('Deuxième partie'));
      await addQuestion(db, ORGANISER, s.id, { sectionId: sec2, kind: 'number', required: false, prompt: tx('Combien d’écrans ?'), allowOther: false, options: [], columns: [], condition: null });

      const editor = await (await org.get(`/surveys/${s.id}`)).text();
      assert.match(editor, new RegExp(`action="/surveys/${s.id}/questions/${s.q.ease}/move"`));
      assert.match(editor, /Monter/);
      assert.match(editor, new RegExp(`href="/surveys/${s.id}/sections/${sec2}/delete"`));
      assert.equal((await org.post(`/surveys/${s.id}/questions/${s.q.ease}/move`, { dir: 'up' })).status, 303);
      assert.deepEqual((await order(s.id))[0], [s.q.devices, s.q.internet, s.q.ease, s.q.tabletUse, s.q.comment]);
      await org.post(`/surveys/${s.id}/questions/${s.q.tabletUse}/move`, { dir: 'up' });
      await org.post(`/surveys/${s.id}/questions/${s.q.tabletUse}/move`, { dir: 'up' });
      const refused = await org.post(`/surveys/${s.id}/questions/${s.q.tabletUse}/move`, { dir: 'up' });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /Déplacement impossible/);
      assert.equal((await org.post(`/surveys/${s.id}/questions/${s.q.ease}/move`, { dir: 'sideways' })).status, 400);
      // Without the CSRF field: refused.
      assert.equal((await org.post(`/surveys/${s.id}/questions/${s.q.ease}/move`, { dir: 'up' }, { csrf: null })).status, 403);

      // A GET only asks; the POST deletes.
      const confirm = await org.get(`/surveys/${s.id}/sections/${sec2}/delete`);
      assert.equal(confirm.status, 200);
      const page = await confirm.text();
      assert.match(page, /Supprimer la section 2 et ses 1 questions/);
      assert.match(page, /Combien d’écrans/);
      assert.match(page, new RegExp(`<form method="post" action="/surveys/${s.id}/sections/${sec2}/delete"`));
      assert.equal((await loadDef(db, s.id)).sections.length, 2);
      assert.equal((await org.post(`/surveys/${s.id}/sections/${sec2}/delete`, {})).status, 303);
      assert.equal((await loadDef(db, s.id)).sections.length, 1);
      const sec1 = (await loadDef(db, s.id)).sections[0]!.id;
      assert.equal((await org.get(`/surveys/${s.id}/sections/${sec1}/delete`)).status, 409);
      assert.equal((await org.post(`/surveys/${s.id}/sections/${sec1}/delete`, {})).status, 409);
    } finally {
      await app.close();
    }
  });

  test('preview in French, Occitan and English; a link before the opening date says "not yet"; below the target the rate page advises a reminder', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const admin = await aPerson(db);
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const org = new WebClient(app.url);
      await org.signInAs(handle, admin.id);
      const s = await aSurvey(db);
      await db.updateTable('survey').set({ created_by: admin.id }).where('id', '=', s.id).execute();
      await db.updateTable('survey_question').set({ prompt_oc: 'Accès a internet ?', prompt_en: 'Internet access?' }).where('id', '=', s.q.internet).execute();
      const oc = await (await org.get(`/surveys/${s.id}/preview?lang=oc`)).text();
      assert.match(oc, /<div lang="oc">/);
      assert.match(oc, /Practicas informaticas/);
      assert.match(oc, /Accès a internet \?/);
      assert.match(oc, /Enquèsta nominativa/);
      const en = await (await org.get(`/surveys/${s.id}/preview?lang=en`)).text();
      assert.match(en, /Internet access\?/);
      assert.match(en, /Named survey/);
      // No English text for the other questions: French is shown.
      assert.match(en, /Aisance avec le numérique/);
      const fr = await (await org.get(`/surveys/${s.id}/preview?lang=fr`)).text();
      assert.match(fr, /Accès à internet \?/);
      assert.match(fr, /Enquête nominative/);
      // The organiser's page stays in their language around the preview.
      assert.match(oc, /Aperçu : ce formulaire ne peut pas être envoyé/);

      const school = await aSchool(db);
      const cls = await aClass(db, { schoolId: school.id });
      const h = await aHousehold(db, { classIds: [cls.id] });
      await db.updateTable('survey').set({ opens_at: new Date(Date.now() + 86_400_000) }).where('id', '=', s.id).execute();
      await addAudience(db, ORGANISER, s.id, 'class', cls.id);
      await openSurvey(db, app.deps.mailer, ORGANISER, s.id, { publicUrl: app.url, mailDomain: app.config.mailDomain });
      const [token] = await linksFor(db, h.guardians[0]!.email!);
      const early = await new WebClient(app.url).get(`/s/${token}`);
      assert.equal(early.status, 403);
      assert.match(await early.text(), /pas encore ouverte/);
      const late = await new WebClient(app.url).post(`/s/${token}`, { action: 'submit', [`q${s.q.internet}`]: String(s.opt.yes), [`q${s.q.ease}`]: '3' });
      assert.notEqual(late.status, 200);
      assert.equal((await db.selectFrom('survey_response').select('id').where('survey_id', '=', s.id).execute()).length, 0);
      const rate = await (await org.get(`/surveys/${s.id}/rate`)).text();
      assert.match(rate, /Objectif : 60 %/);
      assert.match(rate, /En dessous de l’objectif/);
      assert.match(rate, new RegExp(`action="/surveys/${s.id}/remind"`));
    } finally {
      await app.close();
    }
  });
});

