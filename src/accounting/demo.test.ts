import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { loadDemo } from '../directory/demo/index.ts';
import { accountingModule } from './module.ts';
import { balanceSheet, incomeStatement, trialBalance } from './reports.ts';

forEachDatabase('demo books', (t) => {
  test('the demo association comes with a balanced year of books', async () => {
    const { db } = t();
    const counts = await loadDemo(db, CLI_ACTOR, { today: new Date('2026-11-29T12:00:00Z'), modules: [accountingModule] });
    assert.ok(counts.entries! > 30);
    const fy = await db.selectFrom('fiscal_year').selectAll().executeTakeFirstOrThrow();
    const tb = await trialBalance(db, { from: fy.starts_on, to: fy.ends_on });
    assert.equal(tb.totals.debit, tb.totals.credit);
    const is = incomeStatement(tb.rows);
    assert.ok(is.totalProducts > 0 && is.totalCharges > 0);
    assert.equal(is.inKindUses[0]!.amount, 120000);
    const bs = balanceSheet(tb.rows);
    assert.equal(bs.totalAssets, bs.totalLiabilities);
    const drafts = await db.selectFrom('entry').select('id').where('status', '=', 'draft').execute();
    assert.equal(drafts.length, 1);
    // The bank: a statement matched to the entries, one transfer left to reconcile, two rules.
    const bank = await db.selectFrom('bank_account').selectAll().executeTakeFirstOrThrow();
    const st = await db.selectFrom('bank_statement_line').select(['entry_line_id', 'label']).where('bank_account_id', '=', bank.id).execute();
    assert.equal(st.length, 13);
    assert.deepEqual(st.filter((l) => l.entry_line_id === null).map((l) => l.label), ['VIR FAMILHA – DON']);
    assert.equal((await db.selectFrom('bank_rule').select('id').execute()).length, 2);
  });
});
