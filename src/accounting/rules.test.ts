import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayCents, formatCents, parseAmount } from './money.ts';
import { carryForward, letteringCode, nextYearDates, yearResult } from './rules.ts';
import { balanceSheet, incomeStatement, type TrialBalanceRow } from './reports.ts';

test('amounts are read and written as exact cents', () => {
  assert.equal(parseAmount('1 234,5'), 123450);
  assert.equal(parseAmount('0.07'), 7);
  assert.equal(parseAmount('-12'), -1200);
  assert.throws(() => parseAmount('12,345'), /amount/);
  assert.throws(() => parseAmount('1e3'), /amount/);
  assert.equal(formatCents(123450), '1234,50');
  assert.equal(formatCents(-5, '.'), '-0.05');
  assert.equal(displayCents(123456789), '1\u202f234\u202f567,89');
});

test('a deficit goes to 129, balances are carried per account and third party, classes 6 to 8 are not', () => {
  const { lines, result } = carryForward([
    { account: '512', thirdParty: null, balance: 1000 },
    { account: '4111', thirdParty: 'FAM-A', balance: 500 },
    { account: '4111', thirdParty: 'FAM-B', balance: 0 },
    { account: '102', thirdParty: null, balance: -3000 },
    { account: '606', thirdParty: null, balance: 2500 },
    { account: '756', thirdParty: null, balance: -1000 },
    { account: '864', thirdParty: null, balance: 700 },
    { account: '870', thirdParty: null, balance: -700 },
  ]);
  assert.equal(result, -1500);
  assert.deepEqual(lines.map((l) => [l.account, l.thirdParty, l.debit, l.credit]), [
    ['102', null, 0, 3000],
    ['129', null, 1500, 0],
    ['4111', 'FAM-A', 500, 0],
    ['512', null, 1000, 0],
  ]);
  assert.equal(yearResult([{ account: '706', thirdParty: null, balance: -10 }]), 10);
});

test('lettering codes run A…Z then AA', () => {
  assert.deepEqual([0, 1, 25, 26, 27, 701].map(letteringCode), ['A', 'B', 'Z', 'AA', 'AB', 'ZZ']);
});

test('the next fiscal year follows the day after closing, for twelve months', () => {
  assert.deepEqual(nextYearDates('2026-08-31'), { startsOn: '2026-09-01', endsOn: '2027-08-31' });
  assert.deepEqual(nextYearDates('2024-02-28'), { startsOn: '2024-02-29', endsOn: '2025-02-28' });
});

test('the income statement and balance sheet follow the associations presentation', () => {
  const row = (account: string, balance: number): TrialBalanceRow => ({ account, label: account, debit: Math.max(balance, 0), credit: Math.max(-balance, 0), balance });
  const rows = [row('102', -5000), row('4111', 800), row('419', -100), row('512', 6300), row('6064', 1000), row('6894', 300), row('756', -2000), row('7481', -1300), row('864', 400), row('870', -400)];
  const is = incomeStatement(rows);
  assert.equal(is.totalCharges, 1300);
  assert.equal(is.totalProducts, 3300);
  assert.equal(is.result, 2000);
  assert.equal(is.charges.find((c) => c.key === 'dedicatedFundsCharge')!.amount, 300);
  assert.equal(is.products.find((c) => c.key === 'fees')!.amount, 2000);
  assert.equal(is.inKindUses[0]!.amount, 400);
  const bs = balanceSheet(rows);
  assert.equal(bs.totalAssets, 7100);
  assert.equal(bs.totalLiabilities, 7100);
  assert.equal(bs.liabilities.find((l) => l.key === 'otherDebts')!.amount, 100);
});
