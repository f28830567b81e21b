// In a real browser (Debian's chromium): a treasurer enters a purchase, validates it, and sees
// it in the ledger and the trial balance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestDatabase } from '../platform/testing.ts';
import { startTestPlatform } from '../app/testing.ts';
import { browserSkipReason, launchBrowser } from '../platform/web/browser.ts';
import { openSession } from '../auth/signin.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { aFiscalYear } from './testing.ts';

test('a treasurer enters a purchase, validates it, sees it in the ledger and the trial balance', { skip: browserSkipReason() }, async () => {
  const handle = await openTestDatabase('pglite');
  const app = await startTestPlatform(handle);
  const browser = await launchBrowser();
  try {
    const today = new Date().toISOString().slice(0, 10);
    const y = today.slice(0, 4);
    await aFiscalYear(handle.db, `${y}-01-01`, `${y}-12-31`);
    const treasurer = await aPerson(handle.db, { firstName: 'Mirelha', lastName: 'Tresaurièra' });
    await aGroup(handle.db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }] });
    const token = await openSession(handle.db, treasurer.id, { personId: treasurer.id, label: 'test' });
    const ctx = await browser.newContext({ locale: 'fr-FR' });
    await ctx.addCookies([{ name: 'ostal_session', value: token, url: app.url }]);
    const page = await ctx.newPage();
    await page.goto(app.url + '/accounting');
    await page.getByRole('link', { name: 'Nouvelle écriture' }).click();
    await page.getByLabel('Journal').selectOption('AC');
    await page.getByLabel('Libellé').fill('Papetariá – cahièrs');
    await page.getByLabel('Compte 1').fill('6064');
    await page.getByLabel('Débit 1').fill('84,90');
    await page.getByLabel('Compte 2').fill('512');
    await page.getByLabel('Crédit 2').fill('84,90');
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await page.getByText('Écriture enregistrée en brouillon.').waitFor();
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.getByText('Écriture validée sous le numéro 1.').waitFor();
    await page.goto(`${app.url}/accounting/ledger?account=6064&from=${y}-01-01&to=${y}-12-31`);
    assert.match(await page.locator('main, body').first().innerText(), /Papetariá – cahièrs[\s\S]*84,90/);
    await page.goto(`${app.url}/accounting/balance?from=${y}-01-01&to=${y}-12-31`);
    const text = await page.locator('table').innerText();
    assert.match(text, /6064[\s\S]*84,90/);
    assert.match(text, /512[\s\S]*84,90/);
  } finally {
    await browser.close();
    await app.close();
    await handle.close();
  }
});
