import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { addSubAccount, letter } from './books.ts';
import { formatCents } from './money.ts';
import { balanceSheet, generalLedger, incomeStatement, journalReport, sectionReport, trialBalance } from './reports.ts';
import { toCsv } from './reportDocs.ts';
import { aFiscalYear, aValidatedEntry, simpleLines, TREASURER } from './testing.ts';
import { createEntry } from './books.ts';

test('CSV: BOM, semicolons, decimal comma, quoted fields only when needed', () => {
  const csv = toCsv({ slug: 'x', tables: [{ head: ['Compte', 'Libellé'], rows: [{ cells: ['6064', 'Fournitures; "petites"', 123456, null, -5] }] }] });
  assert.equal(csv, '\uFEFFCompte;Libellé\r\n6064;"Fournitures; ""petites""";1234,56;;-0,05\r\n');
});

/** Rows of a CSV download as arrays of fields (no field of these books holds ; or "). */
async function csvOf(res: Response) {
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/csv; charset=utf-8/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
  const text = new TextDecoder().decode(bytes.slice(3));
  assert.ok(text.endsWith('\r\n'));
  return { rows: text.slice(0, -2).split('\r\n').map((l) => l.split(';')), disposition: res.headers.get('content-disposition')! };
}
const eur = (cents: number) => formatCents(cents);

forEachDatabase('accounting reports: HTML, CSV and print', (t) => {
  test('journal, ledger, trial balance, income statement, balance sheet and sections agree with the domain figures in every format', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      // A fiscal year that does not follow the calendar.
      await aFiscalYear(db, '2031-09-01', '2032-08-31');
      await addSubAccount(db, TREASURER, '4111', 'Familhas');
      await db.insertInto('third_party').values({ code: 'FAM-ROCA', label: 'Familha Ròca', kind: 'household', account_number: '4111' }).execute();
      await db.insertInto('analytic_section').values([{ code: 'ALSH', label: 'Centre de lésers' }, { code: 'ESCOLA-A', label: 'Escòla A' }]).execute();
      await aValidatedEntry(db, { journal: 'VT', date: '2031-09-15', label: 'ALSH setembre Ròca', lines: [
        { account: '4111', thirdParty: 'FAM-ROCA', debit: 12000, credit: 0 },
        { account: '706', debit: 0, credit: 12000, section: 'ALSH' },
      ] });
      await aValidatedEntry(db, { journal: 'BQ', date: '2031-09-30', label: 'Règlament Ròca', lines: [
        { account: '512', debit: 12000, credit: 0 },
        { account: '4111', thirdParty: 'FAM-ROCA', debit: 0, credit: 12000 },
      ] });
      await aValidatedEntry(db, { journal: 'AC', date: '2031-10-03', label: 'Jòcs de societat', lines: simpleLines('6063', '512', 4590, { section: 'ALSH' }) });
      await aValidatedEntry(db, { journal: 'AC', date: '2032-01-10', label: 'Cahièrs', lines: simpleLines('6064', '512', 2350, { section: 'ESCOLA-A' }) });
      await aValidatedEntry(db, { journal: 'VT', date: '2032-02-01', label: 'Cotisacions', lines: simpleLines('512', '756', 30000) });
      await aValidatedEntry(db, { journal: 'OD', date: '2032-03-01', label: 'Benevolat', lines: simpleLines('864', '870', 100000) });
      await createEntry(db, TREASURER, { journal: 'OD', date: '2032-03-02', label: 'Borrolhon pas oficial', lines: simpleLines('6064', '512', 777) });
      const roca = await db.selectFrom('entry_line').select('id').where('third_party_code', '=', 'FAM-ROCA').execute();
      await letter(db, TREASURER, roca.map((r) => r.id), '2031-10-01');

      // The treasurer's view: every account as it is (the board's summed view is in access.test.ts).
      const member = await aPerson(db, { firstName: 'Pèire', lastName: 'Conselhièr' });
      await aGroup(db, { kind: 'board', members: [{ personId: member.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, member.id);
      const P = 'from=2031-09-01&to=2032-08-31';
      const period = { from: '2031-09-01', to: '2032-08-31' };

      // Trial balance: every account's figures, and the totals.
      const tb = await trialBalance(db, period);
      let csv = await csvOf(await web.get(`/accounting/balance?${P}&format=csv`));
      assert.match(csv.disposition, /attachment; filename="balance_2031-09-01_2032-08-31\.csv"/);
      assert.deepEqual(csv.rows[0], ['Compte', 'Libellé', 'Débit', 'Crédit', 'Solde débiteur', 'Solde créditeur']);
      assert.deepEqual(csv.rows.slice(1, -1), tb.rows.map((r) => [r.account, r.label, eur(r.debit), eur(r.credit), r.balance > 0 ? eur(r.balance) : '', r.balance < 0 ? eur(-r.balance) : '']));
      assert.deepEqual(csv.rows.at(-1)!.slice(2, 4), [eur(tb.totals.debit), eur(tb.totals.credit)]);
      assert.ok(!csv.rows.some((r) => r.includes(eur(777))), 'drafts stay out');
      let html = await (await web.get(`/accounting/balance?${P}`)).text();
      const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      for (const r of tb.rows) assert.match(html, new RegExp(`>${r.account}</a></td><td>${esc(r.label)}</td><td class="num">${eur(r.debit).replace(/\B(?=(\d{3})+,)/g, '\u202f')}</td>`));
      assert.match(html, /@media print \{\s*header\.top, footer, nav, form, \.no-print/);
      assert.match(html, /href="\/accounting\/balance\?from=2031-09-01&amp;to=2032-08-31&amp;format=csv"/);

      // The printable page: the figures, one heading, no navigation and no form.
      const print = await (await web.get(`/accounting/balance?${P}&view=print`)).text();
      assert.equal(print.match(/<h1>/g)!.length, 1);
      assert.doesNotMatch(print, /<nav|<form|<footer/);
      assert.match(print, /Du 2031-09-01 au 2032-08-31/);
      assert.match(print, /<td>6063<\/td><td>Fournitures d&#39;entretien[^<]*<\/td><td class="num">45,90<\/td>/);

      // Journal: one row per line of the validated entries, in journal order, with its total.
      const entries = await journalReport(db, period);
      csv = await csvOf(await web.get(`/accounting/journal?${P}&format=csv`));
      assert.match(csv.disposition, /filename="journal_2031-09-01_2032-08-31\.csv"/);
      const lines = entries.flatMap((e) => e.lines.map((l) => [e.date, e.journal, String(e.number), l.account, l.debit ? eur(l.debit) : '', l.credit ? eur(l.credit) : '']));
      assert.deepEqual(csv.rows.slice(1, -1).map((r) => [r[0], r[1], r[2], r[4], r[8], r[9]]), lines);
      assert.deepEqual(csv.rows.at(-1)!.slice(8), [eur(tb.totals.debit), eur(tb.totals.credit)]);
      csv = await csvOf(await web.get(`/accounting/journal?${P}&journal=AC&format=csv`));
      assert.deepEqual(csv.rows.slice(1, -1).map((r) => r[1]), ['AC', 'AC', 'AC', 'AC']);

      // General ledger of every account: opening, lines with running balance and lettering, closing.
      const gl = await generalLedger(db, { ...period, account: '' });
      csv = await csvOf(await web.get(`/accounting/ledger?${P}&format=csv`));
      assert.match(csv.disposition, /filename="grand-livre_2031-09-01_2032-08-31\.csv"/);
      const captions = csv.rows.filter((r) => r.length === 1 && r[0] !== '').map((r) => r[0]);
      assert.deepEqual(captions, gl.accounts.map((a) => `${a.account} – ${a.label}`));
      const closing = csv.rows.filter((r) => /^Total du compte/.test(r[4] ?? '')).map((r) => [r[4]!.slice(16), r[8]]);
      assert.deepEqual(closing, gl.accounts.map((a) => [a.account, eur(a.closing)]));
      assert.deepEqual(closing.find((c) => c[0] === '512'), ['512', eur(12000 - 4590 - 2350 + 30000)]);
      const lettered = csv.rows.filter((r) => r[9] === 'A');
      assert.equal(lettered.length, 2);
      html = await (await web.get(`/accounting/ledger?${P}&account=4111`)).text();
      assert.match(html, /<h2>4111 – Familhas<\/h2>/);
      assert.doesNotMatch(html, /<h2>512/);

      // Income statement in the associations' presentation, whole and per section.
      const is = incomeStatement(tb.rows);
      csv = await csvOf(await web.get(`/accounting/income-statement?${P}&format=csv`));
      assert.match(csv.disposition, /filename="compte-de-resultat_2031-09-01_2032-08-31\.csv"/);
      const find = (rows: string[][], label: string) => rows.find((r) => r[0] === label)?.[2];
      assert.equal(find(csv.rows, 'Achats'), eur(4590 + 2350));
      assert.equal(find(csv.rows, 'Cotisations'), eur(30000));
      assert.equal(find(csv.rows, 'Ventes de biens et services'), eur(12000));
      assert.equal(find(csv.rows, 'Excédent'), eur(is.result));
      assert.equal(find(csv.rows, 'Emplois en nature'), eur(100000));
      assert.equal(is.result, 12000 + 30000 - 4590 - 2350);
      csv = await csvOf(await web.get(`/accounting/income-statement?${P}&section=ALSH&format=csv`));
      assert.match(csv.disposition, /filename="compte-de-resultat_2031-09-01_2032-08-31_ALSH\.csv"/);
      assert.equal(find(csv.rows, 'Achats'), eur(4590));
      assert.equal(find(csv.rows, 'Excédent'), eur(12000 - 4590));
      assert.equal(find(csv.rows, 'Cotisations'), undefined);
      html = await (await web.get(`/accounting/income-statement?${P}&section=ALSH`)).text();
      assert.match(html, /Section ALSH – Centre de lésers/);
      assert.equal((await web.get(`/accounting/income-statement?${P}&section=NOPE`)).status, 400);
      assert.equal((await web.get(`/accounting/balance?from=2032-08-31&to=2031-09-01`)).status, 400);
      // A day that is not in the calendar is refused with a clear message, not a server error.
      const feb31 = await web.get(`/accounting/balance?from=2032-02-31&to=2032-08-31`);
      assert.equal(feb31.status, 400);
      assert.match(await feb31.text(), /2032-02-31/);

      // Balance sheet: assets = liabilities with the period's result.
      const bs = balanceSheet(tb.rows);
      csv = await csvOf(await web.get(`/accounting/balance-sheet?${P}&format=csv`));
      const totals = csv.rows.filter((r) => r[0] === 'Total').map((r) => r[2]);
      assert.deepEqual(totals, [eur(bs.totalAssets), eur(bs.totalLiabilities)]);
      assert.equal(bs.totalAssets, bs.totalLiabilities);
      assert.equal(find(csv.rows, 'Disponibilités'), eur(12000 - 4590 - 2350 + 30000));

      // Sections.
      const sections = await sectionReport(db, period);
      csv = await csvOf(await web.get(`/accounting/sections?${P}&format=csv`));
      assert.deepEqual(csv.rows.slice(1, -1), sections.map((x) => [x.section || '(sans section)', x.section === 'ALSH' ? 'Centre de lésers' : x.section === 'ESCOLA-A' ? 'Escòla A' : '', eur(x.charges), eur(x.products), eur(x.result)]));
      assert.deepEqual(csv.rows.find((r) => r[0] === 'ALSH'), ['ALSH', 'Centre de lésers', eur(4590), eur(12000), eur(12000 - 4590)]);

      // Every report answers in the three forms; the default period is a fiscal year.
      for (const path of ['/accounting/journal', '/accounting/ledger', '/accounting/balance', '/accounting/income-statement', '/accounting/balance-sheet', '/accounting/sections']) {
        assert.equal((await web.get(`${path}?${P}`)).status, 200, path);
        assert.equal((await web.get(`${path}?${P}&view=print`)).status, 200, path);
        assert.equal((await web.get(`${path}?${P}&format=csv`)).status, 200, path);
        assert.equal((await web.get(path)).status, 200, path);
      }
      // Someone outside the board and the bureau does not read the books.
      const parent = await aPerson(db);
      const other = new WebClient(app.url);
      await other.signInAs(handle, parent.id);
      assert.equal((await other.get(`/accounting/balance?${P}&format=csv`)).status, 403);
    } finally {
      await app.close();
    }
  });
});
