// In a real browser (Debian's chromium) on a phone-sized screen: a regent writes to her class and
// to a second list she moderates, attaches a file, previews, double-clicks Send; each household
// receives one copy, the family on both lists too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { openTestDatabase } from '../platform/testing.ts';
import { startTestPlatform } from '../app/testing.ts';
import { browserSkipReason, launchBrowser } from '../platform/web/browser.ts';
import { openSession } from '../auth/signin.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { aClass, aHousehold, aRegent } from '../directory/factories.ts';
import { createList, grantRole } from './lists.ts';
import { listsDns, listsRuntime } from './service.ts';
import { dnsTable, startSink } from './testing.ts';

test('a regent composes to two lists with an attachment on a phone; each household gets one copy', { skip: browserSkipReason() }, async () => {
  const handle = await openTestDatabase('pglite');
  listsDns.resolver = dnsTable({});
  const sink = await startSink();
  const app = await startTestPlatform(handle, { SMTP_RELAY_URL: sink.url });
  const browser = await launchBrowser();
  // OSTAL_SCREENSHOTS=<folder> keeps the screenshot to look at.
  const dir = process.env.OSTAL_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-compose-'));
  try {
    const { db } = handle;
    const cm1 = await aClass(db, { name: 'CM1' });
    const cm2 = await aClass(db, { name: 'CM2' });
    const regent = await aRegent(db, cm1.id);
    const families = [await aHousehold(db, { classIds: [cm1.id] }), await aHousehold(db, { classIds: [cm2.id] }), await aHousehold(db, { classIds: [cm1.id, cm2.id] })];
    await aRegent(db, cm2.id);
    await db.transaction().execute(async (trx) => {
      await createList(trx, CLI_ACTOR, { slug: 'cm1', name: 'CM1 Calandreta de Pau', kind: 'class', classId: cm1.id });
      const l2 = await createList(trx, CLI_ACTOR, { slug: 'cm2', name: 'CM2 Calandreta de Pau', kind: 'class', classId: cm2.id });
      // The two regents share the outing: she moderates her colleague's list too.
      await grantRole(trx, CLI_ACTOR, l2.id, regent.id, 'moderator');
    });

    const token = await openSession(db, regent.id, { personId: regent.id, label: 'test' });
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: 'ostal_session', value: token, url: app.url }]);
    const page = await context.newPage();
    await page.goto(app.url + '/');
    await page.getByRole('link', { name: 'Écrire aux familles' }).click();
    await page.getByRole('checkbox', { name: /CM1 Calandreta/ }).check();
    await page.getByRole('checkbox', { name: /CM2 Calandreta/ }).check();
    await page.getByLabel('Objet').fill('Sortida al Parc national');
    await page.getByLabel('Message', { exact: true }).fill('Bonjorn a totas e a totes,\nla sortida comuna es dijòus.\nMarina');
    await page.setInputFiles('#files', { name: 'autorizacion.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 autorizacion') });
    await page.screenshot({ path: path.join(dir, 'compose-390.png'), fullPage: true });
    // Nothing wider than the phone: no sideways scrolling.
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    await page.getByRole('button', { name: "Voir l'aperçu avant l'envoi" }).click();

    await page.getByText('3 personne(s) recevront une copie par courriel.').waitFor();
    assert.match(await page.locator('main').innerText(), /autorizacion\.pdf/);
    await page.screenshot({ path: path.join(dir, 'preview-390.png'), fullPage: true });
    assert.equal(sink.received.length, 0);
    await page.getByRole('button', { name: 'Envoyer' }).dblclick();
    await page.getByText('Message envoyé.').waitFor();
    assert.equal((await db.selectFrom('list_message').select('id').execute()).length, 1);

    const lists = listsRuntime(app.deps)!;
    await lists.worker.drain();
    const copies = () => sink.received.filter((m) => m.from.includes('+bounce-'));
    for (let i = 0; i < 100 && copies().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(copies().map((m) => m.to[0]).sort(), families.map((f) => f.guardians[0]!.email).sort());
    for (const copy of copies()) {
      const parsed = await simpleParser(copy.raw);
      assert.equal(parsed.attachments[0]?.filename, 'autorizacion.pdf');
    }
  } finally {
    await browser.close();
    await app.close();
    await sink.close();
    await handle.close();
    listsDns.resolver = undefined;
    if (!process.env.OSTAL_SCREENSHOTS) fs.rmSync(dir, { recursive: true, force: true });
  }
});
