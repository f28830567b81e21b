import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase, openTestDatabase } from '../platform/testing.ts';
import { addSubAccount, closeFiscalYear, createEntry, createFiscalYear, letter, openItems, reverseEntry, validateEntry, attach } from './books.ts';
import { aFiscalYear, aValidatedEntry, simpleLines, TREASURER } from './testing.ts';
import { trialBalance } from './reports.ts';

forEachDatabase('accounting: the database keeps the books honest', (t) => {
  test('the chart holds the associations plan, dedicated funds and contributions in kind', async () => {
    const { db } = t();
    const numbers = (await db.selectFrom('account').select('number').execute()).map((r) => r.number);
    for (const n of ['102', '120', '129', '194', '411', '512', '530', '606', '689', '756', '789', '86', '864', '87', '870']) {
      assert.ok(numbers.includes(n), `account ${n} seeded`);
    }
    const journals = (await db.selectFrom('journal').select('code').orderBy('code').execute()).map((r) => r.code);
    assert.deepEqual(journals, ['AC', 'AN', 'BQ', 'CA', 'EC', 'OD', 'VT']);
  });

  test('the treasurer adds a sub-account under the chart, not outside it', async () => {
    const { db } = t();
    await addSubAccount(db, TREASURER, '5121', 'Crédit Agricole – compte courant');
    await assert.rejects(addSubAccount(db, TREASURER, '9991', 'Nowhere'), /accountNumber/);
    await assert.rejects(sql`insert into account (number, label) values ('8999', 'Hors plan')`.execute(db), /not a sub-account/);
    await assert.rejects(sql`delete from account where number = '512'`.execute(db), /regulatory chart/);
  });

  test('fiscal years never overlap, whatever their dates', async () => {
    const { db } = t();
    await createFiscalYear(db, TREASURER, '2019-07-01', '2020-06-30');
    await assert.rejects(createFiscalYear(db, TREASURER, '2020-01-01', '2020-12-31'), /overlaps/);
    await assert.rejects(sql`insert into fiscal_year (starts_on, ends_on) values ('2019-06-01', '2019-07-01')`.execute(db), /overlaps/);
    await createFiscalYear(db, TREASURER, '2020-07-01', '2021-06-30');
  });

  test('a validated entry and its lines resist a direct SQL UPDATE or DELETE', async () => {
    const { db } = t();
    await aFiscalYear(db);
    const e = await aValidatedEntry(db, { date: '2025-10-01', lines: simpleLines('606', '512', 1250) });
    assert.equal(e.status, 'validated');
    assert.ok(e.number && e.number >= 1);
    await assert.rejects(sql`update entry set label = 'changé' where id = ${e.id}`.execute(db), /cannot be changed/);
    await assert.rejects(sql`update entry set status = 'draft', number = null, validated_at = null where id = ${e.id}`.execute(db), /cannot be changed/);
    await assert.rejects(sql`delete from entry where id = ${e.id}`.execute(db), /cannot be deleted/);
    await assert.rejects(sql`update entry_line set debit_cents = 1 where entry_id = ${e.id} and debit_cents > 0`.execute(db), /cannot change/);
    await assert.rejects(sql`delete from entry_line where entry_id = ${e.id}`.execute(db), /cannot change/);
    await assert.rejects(sql`insert into entry_line (entry_id, line_no, account_number, debit_cents) values (${e.id}, 9, '606', 5)`.execute(db), /cannot receive/);
    // Refused by the trigger on PGlite; on a server, the serving role may not even truncate.
    await assert.rejects(sql`truncate entry`.execute(db), /append-only|foreign key|permission denied/);
    const lines = await db.selectFrom('entry_line').select(['debit_cents', 'credit_cents']).where('entry_id', '=', e.id).orderBy('line_no').execute();
    assert.deepEqual(lines, [{ debit_cents: 1250, credit_cents: 0 }, { debit_cents: 0, credit_cents: 1250 }]);
  });

  test('an unbalanced entry fails at commit, even written by hand in SQL', async () => {
    const { db } = t();
    const fy = await db.selectFrom('fiscal_year').select('id').where('starts_on', '=', '2025-09-01').executeTakeFirstOrThrow();
    const before = await db.selectFrom('entry').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        const e = await trx.insertInto('entry').values({ fiscal_year_id: fy.id, journal_code: 'OD', entry_date: '2025-10-02', label: 'Bancal' }).returning('id').executeTakeFirstOrThrow();
        await trx.insertInto('entry_line').values({ entry_id: e.id, line_no: 1, account_number: '606', debit_cents: 1000 }).execute();
        await trx.insertInto('entry_line').values({ entry_id: e.id, line_no: 2, account_number: '512', credit_cents: 999 }).execute();
        // Unbalanced inside the transaction is allowed: lines are written one by one.
      }),
      /does not balance/,
    );
    const after = await db.selectFrom('entry').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
    await assert.rejects(createEntry(db, TREASURER, { journal: 'OD', date: '2025-10-02', label: 'x', lines: [...simpleLines('606', '512', 100), { account: '512', debit: 0, credit: 1 }] }), /unbalanced/);
    // Amounts are integer cents with one side per line.
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        const e = await trx.insertInto('entry').values({ fiscal_year_id: fy.id, journal_code: 'OD', entry_date: '2025-10-02', label: 'Négatif' }).returning('id').executeTakeFirstOrThrow();
        await trx.insertInto('entry_line').values({ entry_id: e.id, line_no: 1, account_number: '606', debit_cents: -5 }).execute();
      }),
      /check constraint/,
    );
  });

  test('the balance is checked once per entry at commit, however many statements wrote its lines', async () => {
    const { db } = t();
    const fy = await db.selectFrom('fiscal_year').select('id').where('starts_on', '=', '2025-09-01').executeTakeFirstOrThrow();
    const id = await db.transaction().execute(async (trx) => {
      const e = await trx.insertInto('entry').values({ fiscal_year_id: fy.id, journal_code: 'OD', entry_date: '2025-10-03', label: 'Tres linhas' }).returning('id').executeTakeFirstOrThrow();
      await trx.insertInto('entry_line').values({ entry_id: e.id, line_no: 1, account_number: '606', debit_cents: 1000 }).execute();
      await trx.insertInto('entry_line').values({ entry_id: e.id, line_no: 2, account_number: '512', credit_cents: 400 }).execute();
      await trx.insertInto('entry_line').values({ entry_id: e.id, line_no: 3, account_number: '512', credit_cents: 600 }).execute();
      await trx.updateTable('entry_line').set({ label: 'sus totas' }).where('entry_id', '=', e.id).execute();
      // Five statements touched the entry; one check is waiting for the commit.
      const pending = await sql<{ entry_id: string }>`select entry_id from entry_balance_pending`.execute(trx);
      assert.deepEqual(pending.rows.map((r) => Number(r.entry_id)), [e.id]);
      return e.id;
    });
    assert.equal((await sql`select 1 from entry_balance_pending`.execute(db)).rows.length, 0);
    // Unbalancing a draft by an UPDATE or a DELETE of one line fails at commit too.
    await assert.rejects(db.updateTable('entry_line').set({ credit_cents: 601 }).where('entry_id', '=', id).where('line_no', '=', 3).execute(), /does not balance/);
    await assert.rejects(db.deleteFrom('entry_line').where('entry_id', '=', id).where('line_no', '=', 3).execute(), /does not balance/);
    // Removing the note of the pending check does not skip it: the check was queued with it.
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('entry_line').set({ credit_cents: 1 }).where('entry_id', '=', id).where('line_no', '=', 3).execute();
        await sql`delete from entry_balance_pending`.execute(trx);
      }),
      /does not balance/,
    );
    const lines = await db.selectFrom('entry_line').select('credit_cents').where('entry_id', '=', id).orderBy('line_no').execute();
    assert.deepEqual(lines.map((l) => l.credit_cents), [0, 400, 600]);
  });

  test('an entry is dated inside an open fiscal year', async () => {
    const { db } = t();
    await assert.rejects(createEntry(db, TREASURER, { journal: 'OD', date: '2031-01-01', label: 'x', lines: simpleLines('606', '512', 100) }), /noYearFor/);
    const fy = await db.selectFrom('fiscal_year').select('id').where('starts_on', '=', '2025-09-01').executeTakeFirstOrThrow();
    await assert.rejects(
      sql`insert into entry (fiscal_year_id, journal_code, entry_date, label) values (${fy.id}, 'OD', '2027-01-01', 'hors exercice')`.execute(db),
      /outside fiscal year/,
    );
  });

  test('numbers are gapless per fiscal year under concurrent validations, rolled-back ones included', async () => {
    const { db } = t();
    const fy = await createFiscalYear(db, TREASURER, '2030-01-01', '2030-12-31');
    const drafts = [];
    for (let i = 0; i < 24; i++) {
      drafts.push(await createEntry(db, TREASURER, { journal: 'VT', date: '2030-03-01', label: `Cotisation ${i}`, lines: simpleLines('512', '756', 1500 + i) }));
    }
    const outcomes = await Promise.allSettled(
      drafts.map((d, i) =>
        db.transaction().execute(async (trx) => {
          await validateEntry(trx, TREASURER, d.id);
          // Hold the counter a little so that validations really overlap on the server.
          await sql`select pg_sleep(0.02)`.execute(trx);
          if (i % 5 === 0) throw new Error('rolled back on purpose');
        }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 5);
    const numbers = (await db.selectFrom('entry').select('number').where('fiscal_year_id', '=', fy.id).where('status', '=', 'validated').orderBy('number').execute()).map((r) => r.number);
    assert.deepEqual(numbers, Array.from({ length: 19 }, (_, i) => i + 1));
    // The numbering order is the validation order.
    const byTime = await db.selectFrom('entry').select(['number', 'validated_at']).where('fiscal_year_id', '=', fy.id).where('status', '=', 'validated').orderBy('number').execute();
    for (let i = 1; i < byTime.length; i++) assert.ok(byTime[i]!.validated_at! >= byTime[i - 1]!.validated_at!);
  });

  test('a correction is a reversal entry; a draft can be deleted', async () => {
    const { db } = t();
    const e = await aValidatedEntry(db, { date: '2025-11-05', lines: simpleLines('6064', '512', 4200) });
    const rev = await reverseEntry(db, TREASURER, e.id, '2025-11-06');
    assert.equal(rev.reverses_entry_id, e.id);
    assert.equal(rev.number, e.number! + 1);
    await assert.rejects(reverseEntry(db, TREASURER, e.id, '2025-11-07'), /alreadyReversed/);
    const tb = await trialBalance(db, { from: '2025-11-05', to: '2025-11-06' });
    assert.equal(tb.rows.find((r) => r.account === '6064')?.balance, 0);
  });

  test('a receipt is stored once by content hash, and stays on a validated entry', async () => {
    const { db } = t();
    const e = await aValidatedEntry(db, { date: '2025-11-10', lines: simpleLines('6063', '512', 990) });
    const e2 = await aValidatedEntry(db, { date: '2025-11-11', lines: simpleLines('6063', '512', 990) });
    const content = new TextEncoder().encode('%PDF-1.4 facture 42');
    const h1 = await attach(db, TREASURER, e.id, { filename: 'facture-42.pdf', content, mediaType: 'application/pdf' });
    const h2 = await attach(db, TREASURER, e2.id, { filename: 'copie.pdf', content });
    assert.equal(h1, h2);
    const blobs = await db.selectFrom('attachment_blob').select('sha256').where('sha256', '=', h1).execute();
    assert.equal(blobs.length, 1);
    await assert.rejects(sql`delete from entry_attachment where entry_id = ${e.id}`.execute(db), /cannot be removed/);
    await assert.rejects(sql`update attachment_blob set content = 'x' where sha256 = ${h1}`.execute(db), /immutable|permission denied/); // the trigger on PGlite; on a server the serving role may not even try
  });
});

forEachDatabase('accounting: closing and lettering', (t) => {
  test('closing carries forward balance-sheet balances and the result into the next year', async () => {
    const { db } = t();
    await addSubAccount(db, TREASURER, '4111', 'Familles');
    await db.insertInto('third_party').values([
      { code: 'FAM-ESTIVE', label: 'Familha Estive', kind: 'household', account_number: '4111' },
      { code: 'FAM-BOSC', label: 'Familha Bosc', kind: 'household', account_number: '4111' },
    ]).execute();
    const fy = await createFiscalYear(db, TREASURER, '2024-09-01', '2025-08-31');
    // Fees invoiced to two households, one paid.
    await aValidatedEntry(db, { journal: 'VT', date: '2024-09-15', label: 'ALSH septembre', lines: [
      { account: '4111', thirdParty: 'FAM-ESTIVE', debit: 12000, credit: 0 },
      { account: '4111', thirdParty: 'FAM-BOSC', debit: 8000, credit: 0 },
      { account: '706', debit: 0, credit: 20000 },
    ] });
    await aValidatedEntry(db, { journal: 'BQ', date: '2024-09-30', label: 'Règlement Estive', lines: [
      { account: '512', debit: 12000, credit: 0 },
      { account: '4111', thirdParty: 'FAM-ESTIVE', debit: 0, credit: 12000 },
    ] });
    await aValidatedEntry(db, { journal: 'AC', date: '2025-03-01', label: 'Fournitures', lines: simpleLines('6064', '512', 3500) });
    await aValidatedEntry(db, { journal: 'OD', date: '2025-06-01', label: 'Bénévolat', lines: simpleLines('864', '870', 50000) });
    const draft = await createEntry(db, TREASURER, { journal: 'OD', date: '2025-07-01', label: 'Brouillon', lines: simpleLines('6064', '512', 1) });
    await assert.rejects(closeFiscalYear(db, TREASURER, fy.id), /draftsLeft/);
    await db.deleteFrom('entry').where('id', '=', draft.id).execute();

    const closing = await closeFiscalYear(db, TREASURER, fy.id);
    assert.equal(closing.result, 20000 - 3500);
    const lines = await db
      .selectFrom('entry_line as l').innerJoin('entry as e', 'e.id', 'l.entry_id')
      .select(['l.account_number', 'l.third_party_code', 'l.debit_cents', 'l.credit_cents', 'e.journal_code', 'e.entry_date', 'e.number', 'e.status'])
      .where('e.id', '=', closing.openingEntryId!).orderBy('l.line_no').execute();
    assert.deepEqual(lines.map((l) => [l.account_number, l.third_party_code, l.debit_cents, l.credit_cents]), [
      ['120', null, 0, 16500],
      ['4111', 'FAM-BOSC', 8000, 0],
      ['512', null, 8500, 0],
    ]);
    assert.ok(lines.every((l) => l.journal_code === 'AN' && l.entry_date === '2025-09-01' && l.status === 'validated' && l.number === 1));
    // The closed year takes no more entries, even through SQL.
    await assert.rejects(createEntry(db, TREASURER, { journal: 'OD', date: '2025-01-01', label: 'Trop tard', lines: simpleLines('6064', '512', 1) }), /yearClosed/);
    await assert.rejects(sql`insert into entry (fiscal_year_id, journal_code, entry_date, label) values (${fy.id}, 'OD', '2025-01-01', 'x')`.execute(db), /closed/);
    await assert.rejects(sql`update fiscal_year set status = 'open', closed_at = null, result_cents = null where id = ${fy.id}`.execute(db), /closed and cannot change/);
    // Household open items follow into the new year.
    const open = await openItems(db, { thirdParty: 'FAM-BOSC', fiscalYearId: closing.nextYearId });
    assert.equal(open.reduce((s, l) => s + l.debit_cents - l.credit_cents, 0), 8000);
  });

  test('lettering matches lines of one account that cancel out, and leaves the open items', async () => {
    const { db } = t();
    const fy = await db.selectFrom('fiscal_year').select('id').where('starts_on', '=', '2024-09-01').executeTakeFirstOrThrow();
    const open = await openItems(db, { thirdParty: 'FAM-ESTIVE', fiscalYearId: fy.id });
    assert.equal(open.length, 2);
    // The year is closed: its lettering is its FEC's and no longer changes.
    await assert.rejects(letter(db, TREASURER, open.map((l) => l.id), '2025-09-02'), /letteringClosed/);
    // A partial payment in the new year does not settle the carried-forward debt.
    await aValidatedEntry(db, { journal: 'BQ', date: '2025-10-01', label: 'Acompte Bosc', lines: [
      { account: '512', debit: 3000, credit: 0 },
      { account: '4111', thirdParty: 'FAM-BOSC', debit: 0, credit: 3000 },
    ] });
    const next = await db.selectFrom('fiscal_year').select('id').where('starts_on', '=', '2025-09-01').executeTakeFirstOrThrow();
    const bosc = await openItems(db, { thirdParty: 'FAM-BOSC', fiscalYearId: next.id });
    assert.equal(bosc.length, 2);
    await assert.rejects(letter(db, TREASURER, bosc.map((l) => l.id), '2025-10-02'), /letterUnbalanced/);
    await aValidatedEntry(db, { journal: 'BQ', date: '2025-10-15', label: 'Solde Bosc', lines: [
      { account: '512', debit: 5000, credit: 0 },
      { account: '4111', thirdParty: 'FAM-BOSC', debit: 0, credit: 5000 },
    ] });
    const settled = await openItems(db, { thirdParty: 'FAM-BOSC', fiscalYearId: next.id });
    assert.equal(await letter(db, TREASURER, settled.map((l) => l.id), '2025-10-16'), 'A');
    assert.equal((await openItems(db, { thirdParty: 'FAM-BOSC', fiscalYearId: next.id })).length, 0);
    // Lettering is checked at commit in the database too.
    const extra = await aValidatedEntry(db, { journal: 'BQ', date: '2025-11-01', label: 'Avance Bosc', lines: [
      { account: '512', debit: 1000, credit: 0 },
      { account: '4111', thirdParty: 'FAM-BOSC', debit: 0, credit: 1000 },
    ] });
    const extraLine = await db.selectFrom('entry_line').select('id').where('entry_id', '=', extra.id).where('account_number', '=', '4111').executeTakeFirstOrThrow();
    await assert.rejects(
      sql`insert into lettering (line_id, account_number, code, lettered_on) values (${extraLine.id}, '4111', 'ZZ', '2025-09-02')`.execute(db),
      /does not balance/,
    );
  });
});

// The foreign key of a new line only KEY SHARE-locks its entry. What makes the writer wait is
// that validation sets `number`, a column of the unique (fiscal_year_id, number) key, so its
// UPDATE takes a FOR UPDATE lock, which conflicts with KEY SHARE; the writer then sees
// 'validated' and is refused. Were numbering moved out of that key, this test would catch it.
test('a line written while the entry is being validated waits, then is refused: a validated entry never gains lines (PostgreSQL)', { skip: !process.env.TEST_DATABASE_URL }, async () => {
  const handle = await openTestDatabase('postgresql');
  const db = handle.db;
  try {
    await aFiscalYear(db);
    const e = await createEntry(db, TREASURER, { journal: 'OD', date: '2025-10-01', label: 'Cotisacion', lines: simpleLines('512', '756', 1500) });
    let validated!: () => void;
    const validatedNow = new Promise<void>((r) => (validated = r));
    let commit!: () => void;
    const mayCommit = new Promise<void>((r) => (commit = r));
    const validation = db.transaction().execute(async (trx) => {
      await validateEntry(trx, TREASURER, e.id);
      validated();
      await mayCommit;
    });
    await validatedNow;
    let settled = false;
    const writer = db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into entry_line (entry_id, line_no, account_number, debit_cents) values (${e.id}, 3, '6064', 700)`.execute(trx);
        await sql`insert into entry_line (entry_id, line_no, account_number, credit_cents) values (${e.id}, 4, '512', 700)`.execute(trx);
      })
      .finally(() => (settled = true));
    writer.catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(settled, false, 'the line writer waits for the validation');
    commit();
    await validation;
    await assert.rejects(writer, /validated entry \d+ cannot receive lines/);
    const lines = await db.selectFrom('entry_line').select('line_no').where('entry_id', '=', e.id).execute();
    assert.equal(lines.length, 2);
  } finally {
    await handle.close();
  }
});
