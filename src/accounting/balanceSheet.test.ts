import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../platform/testing.ts';
import { addSubAccount, closeFiscalYear, createFiscalYear } from './books.ts';
import { balanceSheet, balanceSheetRows, trialBalance } from './reports.ts';
import { exportFec } from './fec.ts';
import { aValidatedEntry, simpleLines, TREASURER } from './testing.ts';

const heading = (bs: ReturnType<typeof balanceSheet>, side: 'assets' | 'liabilities', key: string) => bs[side].find((h) => h.key === key)!;

forEachDatabase('accounting: a balance sheet an accountant signs', (t) => {
  test('an overdrawn bank is a debt to the bank, and a household in credit is a debt, not a smaller receivable', async () => {
    const { db } = t();
    await createFiscalYear(db, TREASURER, '2029-09-01', '2030-08-31');
    await addSubAccount(db, TREASURER, '5121', 'Banca Occitana');
    await addSubAccount(db, TREASURER, '5122', 'Banca Postala');
    await db.insertInto('third_party').values([
      { code: 'FAM-A', label: 'Familha A', kind: 'household', account_number: '411' },
      { code: 'FAM-B', label: 'Familha B', kind: 'household', account_number: '411' },
    ]).execute();
    await aValidatedEntry(db, { journal: 'VT', date: '2029-09-10', label: 'ALSH', lines: [
      { account: '411', thirdParty: 'FAM-A', debit: 10000, credit: 0 },
      { account: '706', debit: 0, credit: 10000 },
    ] });
    // Family B paid in advance: 30 € the association owes it until invoiced.
    await aValidatedEntry(db, { journal: 'BQ', date: '2029-09-12', label: 'Avança B', lines: [
      { account: '5122', debit: 3000, credit: 0 },
      { account: '411', thirdParty: 'FAM-B', debit: 0, credit: 3000 },
    ] });
    // 5121 overdrawn by 45 €.
    await aValidatedEntry(db, { journal: 'AC', date: '2029-09-15', label: 'Papetariá', lines: simpleLines('6064', '5121', 4500) });
    const rows = await balanceSheetRows(db, { from: '2029-09-01', to: '2030-08-31' });
    const bs = balanceSheet(rows);
    assert.deepEqual(heading(bs, 'liabilities', 'bankOverdrafts').accounts, [{ account: '5121', label: 'Banca Occitana', amount: 4500 }]);
    assert.deepEqual(heading(bs, 'assets', 'cash').accounts, [{ account: '5122', label: 'Banca Postala', amount: 3000 }]);
    assert.equal(heading(bs, 'assets', 'receivables').amount, 10000);
    assert.equal(heading(bs, 'liabilities', 'otherDebts').amount, 3000);
    assert.equal(bs.totalAssets, 13000);
    assert.equal(bs.totalAssets, bs.totalLiabilities);
    // Per account, as before, 411 nets to 70 € and 5121 would be a negative asset.
    const old = balanceSheet((await trialBalance(db, { from: '2029-09-01', to: '2030-08-31' })).rows);
    assert.equal(heading(old, 'assets', 'receivables').amount, 7000);
  });

  test('account 24 of ANC 2018-06 is in the chart and on the balance sheet', async () => {
    const { db } = t();
    const a = await db.selectFrom('account').selectAll().where('number', '=', '24').executeTakeFirstOrThrow();
    assert.equal(a.label, 'Biens reçus par legs ou donations destinés à être cédés');
    assert.equal(a.seeded, true);
    // Lines go to a sub-account (three digits at least), which extends 24 now that it exists.
    await addSubAccount(db, TREASURER, '241', 'Ostal légué, à vendre');
    await aValidatedEntry(db, { journal: 'OD', date: '2029-10-01', label: 'Legs d\'un ostal', lines: simpleLines('241', '1025', 1500000) });
    const bs = balanceSheet(await balanceSheetRows(db, { from: '2029-09-01', to: '2030-08-31' }));
    assert.equal(heading(bs, 'assets', 'bequestsForSale').amount, 1500000);
    assert.equal(bs.totalAssets, bs.totalLiabilities);
  });

  test('the carried-forward entry is number 1 of the new year, even when the new year already had entries', async () => {
    const { db } = t();
    const first = await db.selectFrom('fiscal_year').selectAll().where('starts_on', '=', '2029-09-01').executeTakeFirstOrThrow();
    await createFiscalYear(db, TREASURER, '2030-09-01', '2031-08-31');
    // September's entries of the new year are validated before the old year closes.
    await aValidatedEntry(db, { journal: 'BQ', date: '2030-09-05', label: 'Cotisacion', lines: simpleLines('5122', '756', 2000) });
    await aValidatedEntry(db, { journal: 'AC', date: '2030-09-06', label: 'Fornituras', lines: simpleLines('6064', '5122', 700) });
    const closing = await closeFiscalYear(db, TREASURER, first.id);
    const entries = await db.selectFrom('entry').select(['id', 'journal_code', 'number', 'label']).where('fiscal_year_id', '=', closing.nextYearId).orderBy('number').execute();
    assert.deepEqual(entries.map((e) => [e.number, e.journal_code]), [[1, 'AN'], [2, 'BQ'], [3, 'AC']]);
    assert.equal(entries[0]!.id, closing.openingEntryId);
    // The FEC of the new year starts with the carried-forward entry.
    const chunks: Buffer[] = [];
    await exportFec(db, closing.nextYearId, (c) => void chunks.push(c), { encoding: 'utf-8' });
    const lines = Buffer.concat(chunks).toString('utf8').split('\r\n').filter(Boolean).slice(1).map((l) => l.split('\t'));
    assert.deepEqual([...new Set(lines.map((l) => `${l[0]}${l[2]}`))], ['AN1', 'BQ2', 'AC3']);
    // Nobody else may move a validated entry's number.
    await assert.rejects(sql`update entry set number = number + 10 where id = ${entries[2]!.id}`.execute(db), /cannot be changed/);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`select set_config('ostal.renumbering', 'on', true)`.execute(trx);
        await sql`update entry set number = number + 1 where id = ${entries[2]!.id}`.execute(trx);
      }),
      /cannot be changed/,
    );
  });
});
