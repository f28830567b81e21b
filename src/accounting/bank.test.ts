import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { addSubAccount, validateEntry } from './books.ts';
import { importBankFile, importStatement, matchStatementLines, parseBankCsv, parseCamt053, parseOfx, reconciliation, StatementRefused } from './bank.ts';
import { aFiscalYear, aValidatedEntry, simpleLines, TREASURER } from './testing.ts';

const OFX = `OFXHEADER:100
DATA:OFXSGML
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKTRANLIST>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20251010<TRNAMT>4200.00<FITID>A1<NAME>VIR CAF DE L'AUDE<MEMO>PSO ACOMPTE
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20251012<TRNAMT>-84.90<FITID>A2<NAME>PAPETARIA DEL PONT
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20251031<TRNAMT>-8.50<FITID>A3<NAME>FRAIS TENUE DE COMPTE
</BANKTRANLIST><LEDGERBAL><BALAMT>4106.60<DTASOF>20251031</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>`;

const CAMT = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">120.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-11-30</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2025-11-05</Dt></BookgDt><AcctSvcrRef>R-1</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>COTISATIONS &amp; DONS</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2025-11-20</Dt></BookgDt><AcctSvcrRef>R-2</AcctSvcrRef><AddtlNtryInf>ASSURANCE</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>`;

test('OFX, CAMT.053 and CSV statements are read into signed cents', () => {
  const o = parseOfx(OFX);
  assert.deepEqual(o.lines.map((l) => [l.bookedOn, l.amount, l.fingerprint]), [['2025-10-10', 420000, 'ofx:A1'], ['2025-10-12', -8490, 'ofx:A2'], ['2025-10-31', -850, 'ofx:A3']]);
  assert.equal(o.lines[0]!.label, "VIR CAF DE L'AUDE – PSO ACOMPTE");
  assert.equal(o.closingBalance, 410660);
  const c = parseCamt053(CAMT);
  assert.deepEqual(c.lines.map((l) => [l.bookedOn, l.amount, l.label, l.fingerprint]), [['2025-11-05', 15000, 'COTISATIONS & DONS', 'camt:R-1'], ['2025-11-20', -3000, 'ASSURANCE', 'camt:R-2']]);
  assert.equal(c.closingBalance, 12000);
  const csv = parseBankCsv('Date;Libellé;Débit;Crédit\n02/12/2025;CB PAPETARIA;12,50;\n02/12/2025;CB PAPETARIA;12,50;\n03/12/2025;REMISE CHQ;;300,00\n', { delimiter: ';', skipRows: 1, date: 0, dateFormat: 'DD/MM/YYYY', label: 1, debit: 2, credit: 3 });
  assert.deepEqual(csv.lines.map((l) => [l.bookedOn, l.amount]), [['2025-12-02', -1250], ['2025-12-02', -1250], ['2025-12-03', 30000]]);
  assert.notEqual(csv.lines[0]!.fingerprint, csv.lines[1]!.fingerprint);
});

forEachDatabase('bank statements', (t) => {
  test('a statement imported twice adds nothing; lines match entries or rules; the reconciliation balances', async () => {
    const { db } = t();
    await aFiscalYear(db);
    await addSubAccount(db, TREASURER, '5121', 'Banca');
    await addSubAccount(db, TREASURER, '7481', 'CAF – prestation de service');
    const bank = await db.insertInto('bank_account').values({ account_number: '5121', label: 'Banca', iban: 'FR7630001007941234567890185' }).returningAll().executeTakeFirstOrThrow();
    await db.insertInto('bank_rule').values([{ bank_account_id: bank.id, pattern: 'CAF', account_number: '7481' }, { bank_account_id: null, pattern: 'frais', account_number: '627' }]).execute();
    // The purchase is already in the books.
    await aValidatedEntry(db, { journal: 'AC', date: '2025-10-11', lines: simpleLines('6064', '5121', 8490) });

    assert.deepEqual(await importStatement(db, TREASURER, bank.id, 'ofx', parseOfx(OFX)), { imported: 3, duplicates: 0 });
    assert.deepEqual(await importStatement(db, TREASURER, bank.id, 'ofx', parseOfx(OFX)), { imported: 0, duplicates: 3 });
    assert.deepEqual(await matchStatementLines(db, TREASURER, bank.id), { matched: 1, drafted: 2, unmatched: 0 });
    const drafts = await db.selectFrom('entry').selectAll().where('status', '=', 'draft').execute();
    assert.equal(drafts.length, 2);
    for (const d of drafts) await validateEntry(db, TREASURER, d.id);
    const r = await reconciliation(db, bank.id, '2025-10-31', parseOfx(OFX).closingBalance!);
    assert.deepEqual([r.ledgerBalance, r.difference, r.unmatchedStatement.length], [410660, 0, 0]);
    const caf = await db.selectFrom('entry_line').select(['account_number', 'credit_cents']).where('account_number', '=', '7481').executeTakeFirstOrThrow();
    assert.equal(caf.credit_cents, 420000);
  });
});

import iconv from 'iconv-lite';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';

forEachDatabase('bank pages', (t) => {
  test('the treasurer uploads a CSV statement with its column mapping, kept for the next import, and reconciles', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      await aFiscalYear(db);
      await addSubAccount(db, TREASURER, '5121', 'Banca');
      const bank = await db.insertInto('bank_account').values({ account_number: '5121', label: 'Banca' }).returningAll().executeTakeFirstOrThrow();
      await db.insertInto('bank_rule').values({ bank_account_id: bank.id, pattern: 'COTIS', account_number: '756' }).execute();
      const treasurer = await aPerson(db);
      await aGroup(db, { kind: 'board', members: [{ personId: treasurer.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      const form = new FormData();
      form.set('bank', String(bank.id));
      form.set('format', 'csv');
      form.set('delimiter', ';');
      form.set('skip', '1');
      form.set('col_date', '1');
      form.set('col_label', '2');
      form.set('col_amount', '3');
      form.set('dateFormat', 'DD/MM/YYYY');
      form.set('file', new File(['Date;Libellé;Montant\n05/10/2025;VIR COTIS FAMILHA ESTIVE;15,00\n06/10/2025;CB INCONEGUT;-3,20\n'], 'releve.csv', { type: 'text/csv' }));
      const res = await web.postMultipart('/accounting/bank/import', form);
      assert.equal(res.status, 303);
      assert.match(res.headers.get('location')!, /imported=2&duplicates=0&matched=0&drafted=1/);
      const again = await web.postMultipart('/accounting/bank/import', form);
      assert.match(again.headers.get('location')!, /imported=0&duplicates=2/);
      // A bank's CSV in Windows-1252 (not UTF-8) keeps its accents and its œ.
      form.set('file', new File([new Uint8Array(iconv.encode('Date;Libellé;Montant\n07/10/2025;PRÉLÈVEMENT ASSURANCE ŒUVRE;-12,00\n', 'win1252'))], 'releve-1252.csv', { type: 'text/csv' }));
      assert.match((await web.postMultipart('/accounting/bank/import', form)).headers.get('location')!, /imported=1&/);
      const accented = await db.selectFrom('bank_statement_line').select('label').where('booked_on', '=', '2025-10-07').executeTakeFirstOrThrow();
      assert.equal(accented.label, 'PRÉLÈVEMENT ASSURANCE ŒUVRE');
      const page = await (await web.get('/accounting/bank')).text();
      assert.match(page, /id="col-amount"[^>]*value="3"/);
      const rec = await (await web.get(`/accounting/bank/${bank.id}/reconcile?asOf=2025-10-31&balance=11,80`)).text();
      assert.match(rec, /CB INCONEGUT/);
      // An impossible date and a short row: the page lists them by line, in French; nothing is imported.
      form.set('file', new File(['Date;Libellé;Montant\n08/10/2025;VIR COTIS FAMILHA BOSC;15,00\n31/02/2026;CB;-1,00\n09/10/2025;COURT\n'], 'releve-faux.csv', { type: 'text/csv' }));
      const refused = await web.postMultipart('/accounting/bank/import', form);
      assert.equal(refused.status, 400);
      const refusedPage = await refused.text();
      assert.match(refusedPage, /Relevé refusé : 2 erreur\(s\), rien n(&#39;|')a été importé/);
      assert.match(refusedPage, /<td class="num">3<\/td><td>Date « 31\/02\/2026 » invalide/);
      assert.match(refusedPage, /<td class="num">4<\/td><td>2 colonne\(s\) seulement : la correspondance des colonnes en demande 3\.<\/td>/);
      assert.equal(await db.selectFrom('bank_statement_line').select('id').where('label', 'like', '%BOSC%').executeTakeFirst(), undefined);
      // A statement over 5 MB is refused with its size and the limit; nothing more is imported.
      form.set('file', new File([Buffer.alloc(5 * 1024 * 1024 + 1, 0x41)], 'enorme.csv', { type: 'text/csv' }));
      const big = await web.postMultipart('/accounting/bank/import', form);
      assert.equal(big.status, 413);
      assert.match(await big.text(), /trop gros \(5\.0 Mo\) : 5 Mo au plus/);
      assert.equal(Number((await db.selectFrom('bank_statement_line').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 3);
    } finally {
      await app.close();
    }
  });
});

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof StatementRefused) return err.errors.map((e) => [e.line, e.key, e.params]);
    throw err;
  }
  assert.fail('the statement was not refused');
};

test('a statement cut short, garbage, an impossible date or a short row is refused whole, each problem with its line', () => {
  // A CAMT.053 cut in its third entry: refused, not two entries out of three.
  const cut = CAMT.replace('</Stmt></BkToCstmrStmt></Document>', '<Ntry><Amt Ccy="EUR">9.99</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2025-11-2');
  assert.deepEqual(refusal(() => parseCamt053(cut)), [
    [6, 'accounting.bank.err.truncated', { tag: '<Ntry>' }],
    [6, 'accounting.bank.err.truncated', { tag: '<Stmt>' }],
    [6, 'accounting.bank.err.truncated', { tag: '<BkToCstmrStmt>' }],
    [6, 'accounting.bank.err.truncated', { tag: '<Document>' }],
  ]);
  assert.deepEqual(refusal(() => parseCamt053('<?xml version="1.0"?><html><body>Erreur 502</body></html>')), [[1, 'accounting.bank.err.notCamt', {}]]);
  assert.deepEqual(refusal(() => parseOfx('%PDF-1.4 garbage')), [[1, 'accounting.bank.err.notOfx', {}]]);
  const badCamt = CAMT.replace('<Dt>2025-11-20</Dt>', '<Dt>2025-02-31</Dt>').replace('<CdtDbtInd>CRDT</CdtDbtInd><BookgDt>', '<CdtDbtInd>CREDIT</CdtDbtInd><BookgDt>');
  assert.deepEqual(refusal(() => parseCamt053(badCamt)), [
    [4, 'accounting.bank.err.side', { value: 'CREDIT' }],
    [5, 'accounting.bank.err.date', { value: '2025-02-31', format: 'AAAA-MM-JJ' }],
  ]);
  const ofxCut = OFX.slice(0, OFX.indexOf('<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20251031'));
  assert.deepEqual(refusal(() => parseOfx(ofxCut)).map((e) => e[1]), ['accounting.bank.err.truncated', 'accounting.bank.err.truncated']);
  assert.deepEqual(refusal(() => parseOfx(OFX.replace('20251012', '20251312'))), [[5, 'accounting.bank.err.date', { value: '20251312', format: 'AAAAMMJJ' }]]);
  const mapping = { delimiter: ';', skipRows: 1, date: 0, dateFormat: 'DD/MM/YYYY' as const, label: 1, amount: 2 };
  const csv = 'Date;Libellé;Montant\n31/02/2026;CB PAPETARIA;-12,50\n05/13/2026;VIR;10,00\n06/03/2026;COURT\n07/03/2026;CB;douze\n08/03/2026;BON;1,00\n';
  assert.deepEqual(refusal(() => parseBankCsv(csv, mapping)), [
    [2, 'accounting.bank.err.date', { value: '31/02/2026', format: 'JJ/MM/AAAA' }],
    [3, 'accounting.bank.err.date', { value: '05/13/2026', format: 'JJ/MM/AAAA' }],
    [4, 'accounting.bank.err.short', { count: 2, needed: 3 }],
    [5, 'accounting.bank.err.amount', { value: 'douze' }],
  ]);
});

forEachDatabase('bank statements are all or nothing', (t) => {
  test('a statement with a line in no fiscal year imports nothing, and the next good upload is applied whole', async () => {
    const { db } = t();
    await aFiscalYear(db);
    await addSubAccount(db, TREASURER, '5122', 'Banca Postala');
    const bank = await db.insertInto('bank_account').values({ account_number: '5122', label: 'Banca Postala' }).returningAll().executeTakeFirstOrThrow();
    await db.insertInto('bank_rule').values({ bank_account_id: bank.id, pattern: 'FRAIS', account_number: '627' }).execute();
    const late = OFX.replace('20251031', '20270105');
    const count = async () => Number((await db.selectFrom('bank_statement_line').select((eb) => eb.fn.countAll().as('n')).where('bank_account_id', '=', bank.id).executeTakeFirstOrThrow()).n);
    await assert.rejects(importBankFile(db, TREASURER, bank.id, 'ofx', parseOfx(late)), (err: unknown) => {
      assert.ok(err instanceof StatementRefused);
      assert.deepEqual(err.errors, [{ line: 6, key: 'accounting.bank.err.noYear', params: { date: '2027-01-05' } }]);
      return true;
    });
    assert.equal(await count(), 0);
    assert.equal((await db.selectFrom('entry').select('id').execute()).length, 0);
    const r = await importBankFile(db, TREASURER, bank.id, 'ofx', parseOfx(OFX));
    assert.deepEqual(r, { imported: 3, duplicates: 0, matched: 0, drafted: 1, unmatched: 2 });
    assert.equal(await count(), 3);
  });
});
