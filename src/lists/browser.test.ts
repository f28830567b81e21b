// In a real browser (Debian's chromium): a regent signs in, finds the parent's held message
// in the list page and approves it; the families receive it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestDatabase } from '../platform/testing.ts';
import { startTestPlatform } from '../app/testing.ts';
import { browserSkipReason, launchBrowser } from '../platform/web/browser.ts';
import { openSession } from '../auth/signin.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { aClass, aHousehold, aRegent } from '../directory/factories.ts';
import { createList } from './lists.ts';
import { listsDns, listsRuntime } from './service.ts';
import { dnsTable, sendTo, startSink } from './testing.ts';

test('a regent signs in, sees a held message and approves it', { skip: browserSkipReason() }, async () => {
  const handle = await openTestDatabase('pglite');
  listsDns.resolver = dnsTable({ 'example.org': ['v=spf1 ip4:127.0.0.1 -all'] });
  const sink = await startSink();
  const app = await startTestPlatform(handle, { SMTP_RELAY_URL: sink.url });
  const browser = await launchBrowser();
  try {
    const { db } = handle;
    const cls = await aClass(db, { name: 'CE1' });
    const regent = await aRegent(db, cls.id);
    const families = [await aHousehold(db, { classIds: [cls.id] }), await aHousehold(db, { classIds: [cls.id] })];
    const list = await db.transaction().execute((trx) => createList(trx, CLI_ACTOR, { slug: 'ce1', name: 'CE1', kind: 'class', classId: cls.id }));
    const parent = families[0]!.guardians[0]!;
    const lists = listsRuntime(app.deps)!;
    const info = await sendTo(lists.smtpPort, { from: parent.email!, to: [`ce1@${app.config.mailDomain}`], subject: 'Gâteau pour la fête' });
    assert.match(info.response, /held/);

    const token = await openSession(db, regent.id, { personId: regent.id, label: 'test' });
    const context = await browser.newContext({ locale: 'fr-FR' });
    await context.addCookies([{ name: 'ostal_session', value: token, url: app.url }]);
    const page = await context.newPage();
    await page.goto(app.url + '/lists');
    await page.getByRole('link', { name: /ce1@/ }).click();
    await page.getByRole('link', { name: 'Gâteau pour la fête' }).click();
    await page.getByRole('button', { name: 'Diffuser', exact: true }).click();
    await page.getByText('Décision enregistrée.').waitFor();
    assert.equal((await db.selectFrom('list_message').select('status').executeTakeFirstOrThrow()).status, 'accepted');
    await lists.worker.drain();
    const copies = () => sink.received.filter((m) => m.from.startsWith(`${list.slug}+bounce-`));
    for (let i = 0; i < 50 && copies().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(copies().map((m) => m.to[0]).sort(), families.map((f) => f.guardians[0]!.email).sort());
  } finally {
    await browser.close();
    await app.close();
    await sink.close();
    await handle.close();
    listsDns.resolver = undefined;
  }
});
