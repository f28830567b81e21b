// In a real browser (Debian's chromium): the organiser sees a parent's invitation queued in the
// outbox (without its link), the parent opens the link from their mail (no sign-in), saves a draft, comes back, answers; the organiser's
// chart changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestDatabase } from '../platform/testing.ts';
import { startTestPlatform } from '../app/testing.ts';
import { browserSkipReason, launchBrowser } from '../platform/web/browser.ts';
import { openSession } from '../auth/signin.ts';
import { aClass, aHousehold, aPerson } from '../directory/factories.ts';
import { addAudience, openSurvey } from './campaign.ts';
import { aSurvey, linksFor, ORGANISER } from './testing.ts';

test('a parent answers from the link in the outbox and the organiser sees the chart change', { skip: browserSkipReason() }, async () => {
  const handle = await openTestDatabase('pglite');
  const app = await startTestPlatform(handle);
  const browser = await launchBrowser();
  try {
    const db = handle.db;
    const cls = await aClass(db);
    const family = await aHousehold(db, { classIds: [cls.id] });
    await aHousehold(db, { classIds: [cls.id] });
    const admin = await aPerson(db);
    await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
    const s = await aSurvey(db);
    await addAudience(db, ORGANISER, s.id, 'class', cls.id);
    await openSurvey(db, app.deps.mailer, ORGANISER, s.id, { publicUrl: app.url, mailDomain: 'lists.example.org' });

    const orgContext = await browser.newContext({ locale: 'fr-FR' });
    const host = new URL(app.url).hostname;
    await orgContext.addCookies([{ name: 'ostal_session', value: await openSession(db, admin.id, ORGANISER), domain: host, path: '/' }]);
    const org = await orgContext.newPage();
    await org.goto(`${app.url}/surveys/${s.id}/results`);
    assert.match(await org.locator('main').innerText(), /0 réponses analysées/);

    // The invitation is in the outbox, its personal link not shown; the parent has it in their mail.
    await org.goto(`${app.url}/outbox`);
    await org.locator('tr', { hasText: family.guardians[0]!.email! }).getByRole('link').click();
    assert.match(await org.locator('main').innerText(), /Message personnel : son contenu n'est pas affiché/);
    const [token] = await linksFor(db, family.guardians[0]!.email!);
    assert.ok(token && !(await org.content()).includes(token));
    const link = `${app.url}/s/${token}`;

    const parent = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 800 } })).newPage();
    await parent.goto(link);
    await parent.getByLabel('Tablette', { exact: true }).check();
    await parent.getByLabel('Remarques', { exact: true }).fill('<img src=x onerror=alert(1)> à suivre');
    await parent.getByRole('button', { name: 'Enregistrer et continuer plus tard' }).click();
    assert.match(await parent.locator('main').innerText(), /Vos réponses sont enregistrées/);

    // Later, from the same link: the draft is there; submitting without the required answers asks for them.
    await parent.goto(link);
    assert.equal(await parent.getByLabel('Remarques', { exact: true }).inputValue(), '<img src=x onerror=alert(1)> à suivre');
    assert.ok(await parent.getByLabel('Tablette', { exact: true }).isChecked());
    await parent.getByRole('button', { name: 'Envoyer mes réponses' }).click();
    assert.match(await parent.locator('main').innerText(), /demande une réponse/);
    await parent.locator(`fieldset#question-${s.q.internet}`).getByLabel('Oui').check();
    await parent.getByRole('textbox', { name: /À quoi sert la tablette/ }).fill('Les devoirs');
    await parent.locator(`fieldset#question-${s.q.ease}`).getByLabel('4').check();
    await parent.getByRole('button', { name: 'Envoyer mes réponses' }).click();
    assert.match(await parent.locator('main').innerText(), /Merci/);

    await org.goto(`${app.url}/surveys/${s.id}/results`);
    const main = org.locator('main');
    assert.match(await main.innerText(), /1 réponses analysées/);
    // The chart (server-side SVG) now draws the answer; the free text is shown as text.
    const chart = org.locator(`section:has(#r-${s.q.internet}) figure svg`);
    assert.match((await chart.textContent()) ?? '', /1 \(100 %\)/);
    assert.equal(await org.locator('main img').count(), 0);
    assert.match(await main.innerText(), /<img src=x onerror=alert\(1\)> à suivre/);
    await org.goto(`${app.url}/surveys/${s.id}/rate`);
    assert.match(await org.locator('main').innerText(), /1 réponses sur 2 invitations \(50 %\)/);
  } finally {
    await browser.close();
    await app.close();
    await handle.close();
  }
});
