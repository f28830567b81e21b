// In a real browser (Debian's chromium): the first administrator signs in with the printed
// link, imports the association's CSV, a parent signs in with the code from their mail (the
// outbox shows the administrator that it was queued, never the code), and the administrator
// finds the household by search.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openTestDatabase } from '../platform/testing.ts';
import { startTestPlatform } from '../app/testing.ts';
import { browserSkipReason, launchBrowser } from '../platform/web/browser.ts';
import { bootstrapLink } from '../auth/admin.ts';
import { signinWorkDone } from '../auth/signin.ts';
import { simpleParser } from 'mailparser';
import { sql } from 'kysely';

const CSV = `ecole;classe;niveau;regent_prenom;regent_nom;regent_email;regent_telephone
Calandreta del Solelh;CM1 Solelh;CM1;Bernadeta;Pujòl;bernadeta.pujol@example.org;
`;
const FAMILIES = `ecole;classe;foyer;enfant_prenom;responsable1_prenom;responsable1_nom;responsable1_email;responsable1_telephone;responsable2_prenom;responsable2_nom;responsable2_email;responsable2_telephone
Calandreta del Solelh;CM1 Solelh;Familha Aurenja;Nadal;Clara;Aurenja;clara.aurenja@example.org;;Pèire;Aurenja;peire.aurenja@example.org;
Calandreta del Solelh;CM1 Solelh;Familha Ginèsta;Liri;Marta;Ginèsta;marta.ginesta@example.org;;;;;
`;

test('sign in through the outbox, import a CSV, find a household by search', { skip: browserSkipReason() }, async () => {
  const handle = await openTestDatabase('pglite');
  const app = await startTestPlatform(handle);
  const browser = await launchBrowser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-browser-'));
  try {
    await handle.db
      .insertInto('school_year')
      .values({ label: '2026-2027', starts_on: '2026-09-01', ends_on: '2027-08-31', is_current: true })
      .execute();
    const link = await bootstrapLink(handle.db, app.config);
    assert.ok(link);
    const admin = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
    await admin.goto(link);
    await admin.getByRole('button', { name: 'Me connecter' }).click();
    await admin.waitForURL(app.url + '/');
    assert.match(await admin.locator('h1').innerText(), /Bonjour/);

    // Import: the classes file first, then the families file (each: upload, preview, confirm).
    for (const [name, content] of [['classes.csv', CSV], ['familles.csv', FAMILIES]] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      await admin.goto(app.url + '/directory/import');
      await admin.locator('input[type=file]').setInputFiles(file);
      await admin.locator('form[enctype="multipart/form-data"] button[type=submit]').click();
      await admin.locator('form[action*="/confirm"] button[type=submit]').click();
      // The status page refreshes itself until the import is done.
      await admin.getByText("Import terminé. L'annuaire est à jour.").waitFor({ timeout: 60_000 });
    }
    const households = await handle.db.selectFrom('household').select('name').orderBy('name').execute();
    assert.deepEqual(households.map((h) => h.name), ['Familha Aurenja', 'Familha Ginèsta']);

    // A parent asks for a sign-in; the administrator sees it queued in the outbox, not its code.
    const parent = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
    await parent.goto(app.url + '/signin');
    await parent.getByLabel('Adresse électronique').fill('clara.aurenja@example.org');
    await parent.getByRole('button', { name: 'Recevoir le lien' }).click();
    await parent.getByLabel('Code à six chiffres').waitFor();
    // The mail is queued just after the answer.
    await signinWorkDone();

    await admin.goto(app.url + '/outbox');
    await admin.getByRole('link', { name: 'Votre connexion à Ostal' }).first().click();
    assert.match(await admin.locator('main').innerText(), /Message personnel : son contenu n'est pas affiché/);
    assert.equal(await admin.locator('pre.mail').count(), 0);
    // The parent reads the code in their own mailbox (the stored message, as the relay would deliver it).
    const stored = await handle.db.selectFrom('outbox_message').select('raw').where(sql<boolean>`${'clara.aurenja@example.org'} = any(envelope_to)`).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const code = /\b(\d{6})\b/.exec((await simpleParser(Buffer.from(stored.raw))).text ?? '')?.[1];
    assert.ok(code, 'the mail carries the code');

    await parent.getByLabel('Code à six chiffres').fill(code);
    await parent.getByRole('button', { name: 'Valider' }).click();
    await parent.waitForURL(app.url + '/');
    await parent.getByRole('link', { name: 'Familha Aurenja' }).click();
    assert.match(await parent.locator('main').innerText(), /Nadal/);

    // The administrator finds the household by a guardian's first name.
    await admin.goto(app.url + '/directory');
    await admin.getByLabel(/Chercher/).fill('marta');
    await admin.getByRole('button', { name: 'Rechercher' }).click();
    await admin.getByRole('link', { name: 'Familha Ginèsta' }).click();
    assert.match(await admin.locator('main').innerText(), /marta\.ginesta@example\.org/);
    await admin.screenshot({ path: path.join(dir, 'household.png') });
  } finally {
    await browser.close();
    await app.close();
    await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
