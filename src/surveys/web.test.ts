import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aClass, aHousehold, aPerson, aSchool } from '../directory/factories.ts';
import { loadDef } from './survey.ts';
import { addAudience, openSurvey } from './campaign.ts';
import { createMailer } from '../platform/mail.ts';
import { aSurvey, linksFor, MAIL, ORGANISER } from './testing.ts';

forEachDatabase('survey pages', (t) => {
  test('an organiser builds and opens a survey without JavaScript; a parent answers from the mailed link; the chart changes', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const school = await aSchool(db);
      const cls = await aClass(db, { schoolId: school.id });
      const h1 = await aHousehold(db, { classIds: [cls.id] });
      const h2 = await aHousehold(db, { classIds: [cls.id] });
      const admin = await aPerson(db);
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const org = new WebClient(app.url);
      await org.signInAs(handle, admin.id);

      const created = await org.post('/surveys', { title_fr: 'Pratiques <i>informatiques</i>', template: '' });
      assert.equal(created.status, 303);
      const id = Number(/\/surveys\/(\d+)/.exec(created.headers.get('location')!)![1]);
      const def0 = await loadDef(db, id);
      const sectionId = String(def0.sections[0]!.id);
      const q = (fields: Record<string, string>) => org.post(`/surveys/${id}/questions`, { section_id: sectionId, prompt_oc: '', prompt_en: '', options: '', columns: '', condition: '', ...fields });
      assert.equal((await q({ kind: 'single', prompt_fr: 'Avez-vous un ordinateur ?', options: 'Oui | Òc | Yes\nNon | Non | No', required: 'on' })).status, 303);
      assert.equal((await q({ kind: 'long_text', prompt_fr: 'Remarques' })).status, 303);
      assert.equal((await q({ kind: 'matrix', prompt_fr: 'Usages', options: 'Devoirs\nJeux', columns: 'Jamais\nParfois\nSouvent' })).status, 303);
      // A condition may only look back.
      const def1 = await loadDef(db, id);
      const [computer, remarks] = def1.sections[0]!.questions;
      const bad = await org.post(`/surveys/${id}/questions/${computer!.id}`, {
        kind: 'single', prompt_fr: 'Avez-vous un ordinateur ?', options: 'Oui\nNon', columns: '', condition: `${computer!.id}:${computer!.options[0]!.id}`,
      });
      assert.equal(bad.status, 400);
      assert.equal((await org.post(`/surveys/${id}/audience`, { target: `class:${cls.id}` })).status, 303);
      const editor = await (await org.get(`/surveys/${id}`)).text();
      assert.match(editor, /Pratiques &lt;i&gt;informatiques&lt;\/i&gt;/);
      assert.match(editor, /2 personnes/);
      const preview = await org.get(`/surveys/${id}/preview`);
      assert.equal(preview.status, 200);
      assert.match(await preview.text(), /Avez-vous un ordinateur/);
      assert.equal((await org.post(`/surveys/${id}/open`, {})).status, 303);

      // The parent opens the link from the outbox: no sign-in, the CSRF cookie comes with the page.
      const [token] = await linksFor(db, h1.guardians[0]!.email!);
      const parent = new WebClient(app.url);
      const page = await parent.get(`/s/${token}`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const html = await page.text();
      assert.match(html, /name="_csrf"/);
      assert.match(html, /type="radio"/);
      // Missing required answer: the form comes back with the message and the text kept.
      const incomplete = await parent.post(`/s/${token}`, { action: 'submit', [`q${remarks!.id}`]: 'à moitié' });
      assert.equal(incomplete.status, 400);
      const back = await incomplete.text();
      assert.match(back, /demande une réponse/);
      assert.match(back, /à moitié/);
      // Oversize answer: refused with a message, nothing stored.
      const big = await parent.post(`/s/${token}`, { action: 'submit', [`q${computer!.id}`]: String(computer!.options[0]!.id), [`q${remarks!.id}`]: 'x'.repeat(6000) });
      assert.equal(big.status, 400);
      assert.match(await big.text(), /5000/);
      // Draft, then resume.
      const draft = await parent.post(`/s/${token}`, { action: 'draft', [`q${remarks!.id}`]: '<script>alert("x")</script><b>gras</b>' });
      assert.equal(draft.status, 200);
      const resumed = await (await new WebClient(app.url).get(`/s/${token}`)).text();
      assert.match(resumed, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
      assert.doesNotMatch(resumed, /<script>alert/);

      const before = await (await org.get(`/surveys/${id}/results`)).text();
      assert.match(before, /0 réponses analysées/);
      const matrix = def1.sections[0]!.questions[2]!;
      const done = await parent.post(`/s/${token}`, {
        action: 'submit',
        [`q${computer!.id}`]: String(computer!.options[0]!.id),
        [`q${remarks!.id}`]: '<script>alert("x")</script><b>gras</b>',
        [`q${matrix.id}_r${matrix.rows[0]!.id}`]: String(matrix.columns[2]!.id),
      });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /Merci/);
      const again = await parent.post(`/s/${token}`, { action: 'submit', [`q${computer!.id}`]: String(computer!.options[1]!.id) });
      assert.equal(again.status, 409);
      assert.match(await again.text(), /déjà servi/);
      assert.equal((await parent.get(`/s/${'x'.repeat(43)}`)).status, 404);
      assert.equal((await parent.get(`/s/not-a-token`)).status, 404);

      const after = await (await org.get(`/surveys/${id}/results`)).text();
      assert.match(after, /1 réponses analysées/);
      assert.match(after, /<svg[^>]*>/);
      assert.match(after, /1 \(100 %\)/);
      assert.match(after, /&lt;script&gt;alert/);
      assert.doesNotMatch(after, /<script>alert/);
      const cross = await org.get(`/surveys/${id}/results?x=${computer!.id}&y=${computer!.id}`);
      assert.equal(cross.status, 200);
      const rate = await (await org.get(`/surveys/${id}/rate`)).text();
      assert.match(rate, /1 réponses sur 2 invitations \(50 %\)/);
      const csv = await org.get(`/surveys/${id}/export.csv`);
      assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
      const lines = (await csv.text()).trim().split('\r\n');
      assert.equal(lines.length, 2);
      assert.match(lines[1]!, /Oui/);
      const xlsx = await org.get(`/surveys/${id}/export.xlsx`);
      assert.equal(xlsx.status, 200);
      assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');

      // A parent is not an organiser.
      const other = new WebClient(app.url);
      await other.signInAs(handle, h2.guardians[0]!.id);
      assert.equal((await other.get(`/surveys/${id}`)).status, 403);
      assert.equal((await other.get(`/surveys/${id}/export.csv`)).status, 403);

      // Closed: a clear page, and answers refused.
      assert.equal((await org.post(`/surveys/${id}/close`, {})).status, 303);
      const [token2] = await linksFor(db, h2.guardians[0]!.email!);
      const closed = await new WebClient(app.url).get(`/s/${token2}`);
      assert.equal(closed.status, 410);
      assert.match(await closed.text(), /close/);
      const late = await other.post(`/s/${token2}`, { action: 'submit', [`q${computer!.id}`]: String(computer!.options[0]!.id) });
      assert.equal(late.status, 410);
    } finally {
      await app.close();
    }
  });

  test('concurrent submits of one link over HTTP give one answer; an anonymous survey is analysed without names or group filter', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const cls = await aClass(db);
      const h = await aHousehold(db, { classIds: [cls.id] });
      const admin = await aPerson(db);
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const s = await aSurvey(db, { anonymous: true });
      await addAudience(db, ORGANISER, s.id, 'class', cls.id);
      await openSurvey(db, createMailer({}), ORGANISER, s.id, MAIL);
      const [token] = await linksFor(db, h.guardians[0]!.email!);
      const parent = new WebClient(app.url);
      await parent.get(`/s/${token}`);
      const fields = { action: 'submit', [`q${s.q.internet}`]: String(s.opt.yes), [`q${s.q.ease}`]: '5', [`q${s.q.comment}`]: 'Anonyme' };
      const statuses = await Promise.all(Array.from({ length: 10 }, () => parent.post(`/s/${token}`, fields).then((r) => r.status)));
      assert.deepEqual(statuses.filter((x) => x === 200).length, 1);
      assert.ok(statuses.every((x) => x === 200 || x === 409), statuses.join(','));
      const org = new WebClient(app.url);
      await org.signInAs(handle, admin.id);
      const results = await (await org.get(`/surveys/${s.id}/results?unit=class:${cls.id}`)).text();
      assert.match(results, /1 réponses analysées/);
      assert.match(results, /pas de filtre par groupe/);
      const csv = await (await org.get(`/surveys/${s.id}/export.csv`)).text();
      const [header, row] = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.doesNotMatch(header!, /Personne|Adresse/);
      assert.doesNotMatch(row!, new RegExp(h.guardians[0]!.email!));
      const rate = await (await org.get(`/surveys/${s.id}/rate`)).text();
      assert.match(rate, /1 réponses sur 1 invitations/);
      // The class has one invited family: its row would tell who answered, so it shows no count.
      const classRow = rate.match(new RegExp(`${cls.name}[\\s\\S]*?</tr>`))![0];
      assert.match(classRow, /Non affiché : questionnaire anonyme et moins de 5 invitations/);
      assert.doesNotMatch(classRow, /<td>1<\/td>\s*<td>\s*100/);
    } finally {
      await app.close();
    }
  });
});
