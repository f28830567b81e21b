import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { aFiscalYear, aValidatedEntry, simpleLines } from './testing.ts';
import { createEntry } from './books.ts';
import { ENTRIES_PER_PAGE } from './routes.tsx';
import { addSubAccount } from './books.ts';
import { TREASURER } from './testing.ts';
import { ACCOUNTANT_GROUP_SLUG } from './access.ts';

forEachDatabase('accounting pages', (t) => {
  test('a treasurer enters a purchase, validates it, and sees it in the ledger and the trial balance; a board member reads, cannot write', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const today = new Date().toISOString().slice(0, 10);
      const y = Number(today.slice(0, 4));
      await aFiscalYear(db, `${y}-01-01`, `${y}-12-31`);
      const treasurer = await aPerson(db, { firstName: 'Mirelha', lastName: 'Tresaurièra' });
      const member = await aPerson(db, { firstName: 'Pèire', lastName: 'Conselhièr' });
      const admin = await aPerson(db, { firstName: 'Admin', lastName: 'Informatic' });
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }, { personId: member.id, role: 'secretary' }] });

      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      const form = await web.get('/accounting/entries/new');
      assert.equal(form.status, 200);
      const created = await web.post('/accounting/entries', {
        journal: 'AC', date: today, label: 'Papetariá – cahièrs', piece: 'F-2026-17',
        account0: '6064', debit0: '84,90', credit0: '',
        account1: '512', debit1: '', credit1: '84,90',
      });
      assert.equal(created.status, 303);
      const list = await (await web.get(created.headers.get('location')!)).text();
      assert.match(list, /Papetariá – cahièrs/);
      const draft = await db.selectFrom('entry').select(['id', 'status']).executeTakeFirstOrThrow();
      assert.equal(draft.status, 'draft');
      const validated = await web.post(`/accounting/entries/${draft.id}/validate`, {});
      assert.equal(validated.status, 303);
      assert.match(validated.headers.get('location')!, /validated=1/);
      const ledger = await (await web.get(`/accounting/ledger?account=6064&from=${y}-01-01&to=${y}-12-31`)).text();
      assert.match(ledger, /Papetariá – cahièrs/);
      assert.match(ledger, /84,90/);
      const balance = await (await web.get(`/accounting/balance?from=${y}-01-01&to=${y}-12-31`)).text();
      assert.match(balance, /6064[\s\S]*84,90/);
      const csv = await (await web.get(`/accounting/balance?from=${y}-01-01&to=${y}-12-31&format=csv`)).text();
      assert.match(csv, /^Compte;Libellé;Débit;Crédit;Solde débiteur;Solde créditeur\r\n512;Banques;0,00;84,90;;84,90\r\n/);
      assert.equal((await web.get(`/accounting/income-statement?from=${y}-01-01&to=${y}-12-31`)).status, 200);

      const board = new WebClient(app.url);
      await board.signInAs(handle, member.id);
      assert.equal((await board.get(`/accounting/balance?from=${y}-01-01&to=${y}-12-31`)).status, 200);
      assert.equal((await board.post('/accounting/entries', { journal: 'OD', date: today, label: 'x', account0: '606', debit0: '1', account1: '512', credit1: '1' })).status, 403);
      // Administering the platform does not open the books.
      const it = new WebClient(app.url);
      await it.signInAs(handle, admin.id);
      assert.equal((await it.get('/accounting')).status, 403);
      // The menu offers the books to those who may read them, and only to them.
      const menuHasBooks = async (client: WebClient) => /<nav[\s\S]*href="\/accounting"[\s\S]*<\/nav>/.test(await (await client.get('/lists')).text());
      assert.equal(await menuHasBooks(web), true);
      assert.equal(await menuHasBooks(board), true);
      assert.equal(await menuHasBooks(it), false);

      // The accountant posts only in the accountant's journal.
      const accountant = await aPerson(db, { firstName: 'Clara', lastName: 'Comptabla' });
      const g = await aGroup(db, { kind: 'other', members: [{ personId: accountant.id }] });
      await db.updateTable('directory_group').set({ slug: ACCOUNTANT_GROUP_SLUG }).where('id', '=', g.id).execute();
      const acc = new WebClient(app.url);
      await acc.signInAs(handle, accountant.id);
      assert.equal((await acc.post('/accounting/entries', { journal: 'OD', date: today, label: 'x', account0: '606', debit0: '1', account1: '512', credit1: '1' })).status, 403);
      assert.equal((await acc.post('/accounting/entries', { journal: 'EC', date: today, label: 'Régularisation', account0: '6064', debit0: '1', account1: '408', credit1: '1' })).status, 303);
      assert.equal(await menuHasBooks(acc), true);
    } finally {
      await app.close();
    }
  });

  test('the entries page shows the newest entries a page at a time, with links to older and newer ones', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      await aFiscalYear(db, '2040-09-01', '2041-08-31');
      // One more entry than a page: the oldest one (1 September 2040; the year is far from the other tests' years) is alone on page 2.
      for (let i = 0; i <= ENTRIES_PER_PAGE; i++) {
        const day = new Date(Date.UTC(2040, 8, 1) + i * 86_400_000).toISOString().slice(0, 10);
        await createEntry(db, TREASURER, { journal: 'OD', date: day, label: `Escritura ${day}`, lines: simpleLines('606', '512', 100 + i) });
      }
      const treasurer = await aPerson(db);
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      const first = await (await web.get('/accounting?from=2040-09-01&to=2041-08-31')).text();
      const newest = new Date(Date.UTC(2040, 8, 1) + ENTRIES_PER_PAGE * 86_400_000).toISOString().slice(0, 10);
      assert.match(first, new RegExp(`Escritura ${newest}`));
      assert.doesNotMatch(first, /Escritura 2040-09-01/);
      assert.match(first, new RegExp(`1 à ${ENTRIES_PER_PAGE} sur ${ENTRIES_PER_PAGE + 1}`));
      const next = /<a href="([^"]+)" rel="next">/.exec(first)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(next, 'a link to older entries');
      const second = await (await web.get(next)).text();
      assert.match(second, /Escritura 2040-09-01/);
      assert.doesNotMatch(second, new RegExp(`Escritura ${newest}`));
      assert.doesNotMatch(second, /rel="next"/);
      assert.match(second, /rel="prev"/);
      // A page number out of range shows the last page rather than an empty table.
      assert.match(await (await web.get('/accounting?from=2040-09-01&to=2041-08-31&page=99')).text(), /Escritura 2040-09-01/);
    } finally {
      await app.close();
    }
  });

  test('the treasurer letters the settled items of a household and closes the year from the pages', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const y = Number(new Date().toISOString().slice(0, 4));
      const fy = await db.selectFrom('fiscal_year').selectAll().where('starts_on', '=', `${y}-01-01`).executeTakeFirstOrThrow();
      await addSubAccount(db, TREASURER, '4111', 'Familhas');
      await db.insertInto('third_party').values({ code: 'FAM-ROCA', label: 'Familha Ròca', kind: 'household', account_number: '4111' }).execute();
      await aValidatedEntry(db, { journal: 'VT', date: `${y}-02-01`, lines: [{ account: '4111', thirdParty: 'FAM-ROCA', debit: 1500, credit: 0 }, { account: '756', debit: 0, credit: 1500 }] });
      await aValidatedEntry(db, { journal: 'BQ', date: `${y}-02-10`, lines: [{ account: '512', debit: 1500, credit: 0 }, { account: '4111', thirdParty: 'FAM-ROCA', debit: 0, credit: 1500 }] });
      const treasurer = await aPerson(db, { firstName: 'Anna', lastName: 'Tresaurièra' });
      await aGroup(db, { kind: 'board', members: [{ personId: treasurer.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      const page = await (await web.get('/accounting/open-items')).text();
      assert.match(page, /Familha Ròca/);
      const ids = [...page.matchAll(/name="line" value="(\d+)"/g)].map((m) => m[1]!);
      const roca = await db.selectFrom('entry_line').select('id').where('third_party_code', '=', 'FAM-ROCA').execute();
      const body = new URLSearchParams();
      for (const r of roca) body.append('line', String(r.id));
      assert.ok(roca.every((r) => ids.includes(String(r.id))));
      body.set('_csrf', await web.csrf());
      const res = await fetch(app.url + '/accounting/open-items/letter', { method: 'POST', body, redirect: 'manual', headers: { cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(res.status, 303);
      assert.match(res.headers.get('location')!, /lettered=A/);
      assert.doesNotMatch(await (await web.get('/accounting/open-items')).text(), /Familha Ròca/);
      // Drafts left (from the first test) block closing with a clear message.
      assert.equal((await web.post(`/accounting/years/${fy.id}/close`, {})).status, 409);
      await db.deleteFrom('entry').where('status', '=', 'draft').execute();
      const closed = await web.post(`/accounting/years/${fy.id}/close`, {});
      assert.equal(closed.status, 303);
      assert.match(await (await web.get('/accounting/years')).text(), /clôturé/);
    } finally {
      await app.close();
    }
  });

  test('a receipt is attached to a validated entry and downloaded; the entries page filters by journal; sections are reported', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const y = Number(new Date().toISOString().slice(0, 4)) + 3;
      await aFiscalYear(db, `${y}-01-01`, `${y}-12-31`);
      await db.insertInto('analytic_section').values({ code: 'ALSH', label: 'ALSH' }).execute();
      const e = await aValidatedEntry(db, { journal: 'AC', date: `${y}-03-01`, label: 'Jòcs ALSH', lines: [{ account: '6063', debit: 5000, credit: 0, section: 'ALSH' }, { account: '512', debit: 0, credit: 5000 }] });
      await aValidatedEntry(db, { journal: 'BQ', date: `${y}-03-02`, label: 'Fraises', lines: [{ account: '627', debit: 800, credit: 0 }, { account: '512', debit: 0, credit: 800 }] });
      const treasurer = await aPerson(db);
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      const form = new FormData();
      form.set('file', new File(['%PDF-1.4 factura'], 'factura.pdf', { type: 'application/pdf' }));
      const up = await web.postMultipart(`/accounting/entries/${e.id}/attachments`, form);
      assert.equal(up.status, 303);
      const page = await (await web.get(`/accounting/entries/${e.id}`)).text();
      const href = /href="(\/accounting\/attachments\/[0-9a-f]{64})"/.exec(page)![1]!;
      assert.equal(await (await web.get(href)).text(), '%PDF-1.4 factura');
      const ac = await (await web.get(`/accounting?from=${y}-01-01&to=${y}-12-31&journal=AC`)).text();
      assert.match(ac, /Jòcs ALSH/);
      assert.doesNotMatch(ac, /Fraises/);
      const reports = await (await web.get(`/accounting/sections?from=${y}-01-01&to=${y}-12-31&format=csv`)).text();
      assert.match(reports, /\r\nALSH;ALSH;50,00;0,00;-50,00\r\n/);
      // A line carries its section from the entry form; a refused entry comes back as typed.
      let res = await web.post('/accounting/entries', { journal: 'AC', date: `${y}-03-05`, label: 'Pilòtas ALSH', piece: 'F-9', account0: '6063', debit0: '12,50', section0: 'ALSH', account1: '512', credit1: '12,50', section1: '' });
      assert.equal(res.status, 303);
      const line = await db.selectFrom('entry_line as l').innerJoin('entry as e', 'e.id', 'l.entry_id').select(['l.section_code']).where('e.label', '=', 'Pilòtas ALSH').where('l.line_no', '=', 1).executeTakeFirstOrThrow();
      assert.equal(line.section_code, 'ALSH');
      res = await web.post('/accounting/entries', { journal: 'AC', date: `${y}-03-06`, label: 'Bancala', piece: 'F-10', account0: '6063', debit0: '12,50', section0: 'ALSH', account1: '512', credit1: '12,05' });
      assert.equal(res.status, 400);
      const back = await res.text();
      assert.match(back, /n&#39;est pas équilibrée/);
      for (const v of ['value="Bancala"', 'value="F-10"', 'value="12,05"', '<option value="ALSH" selected="">ALSH</option>', `value="${y}-03-06"`]) assert.ok(back.includes(v), v);
    } finally {
      await app.close();
    }
  });
});

forEachDatabase('accounting addresses', (t) => {
  test('an id that is not a number is a plain "not found", and a notice is only ever one the page knows', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const treasurer = await aPerson(db);
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      for (const path of ['/accounting/bank/abc/reconcile', '/accounting/bank/0/reconcile', '/accounting/years/1e3/fec']) {
        const res = await web.get(path);
        assert.equal(res.status, 404, path);
        assert.doesNotMatch(await res.text(), /invalid input|syntax|bigint|NaN/i, path);
      }
      const saved = await (await web.get('/accounting/setup/bank?done=bank')).text();
      assert.match(saved, /Enregistré|enregistr/i);
      const forged = await (await web.get('/accounting/setup/bank?done=Appelez%20le%2008%2099')).text();
      assert.doesNotMatch(forged, /Appelez le 08 99/);
    } finally {
      await app.close();
    }
  });
});
