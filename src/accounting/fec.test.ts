import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { forEachDatabase } from '../platform/testing.ts';
import { addSubAccount, createFiscalYear, letter } from './books.ts';
import { exportFec, FEC_COLUMNS, fecFileName, importFec, parseFec } from './fec.ts';
import { exportHledger } from './hledger.ts';
import { trialBalance } from './reports.ts';
import { aValidatedEntry, simpleLines, TREASURER } from './testing.ts';
import { createEntry } from './books.ts';

async function fecOf(db: Parameters<typeof exportFec>[0], yearId: number, opts: Parameters<typeof exportFec>[3] = {}) {
  const chunks: Buffer[] = [];
  const r = await exportFec(db, yearId, (c) => void chunks.push(c), opts);
  return { bytes: Buffer.concat(chunks), lines: r.lines };
}

test('the FEC file is named after the SIREN and the closing date', () => {
  assert.equal(fecFileName('123456789', '2026-08-31'), '123456789FEC20260831.txt');
});

test('a FEC with errors is reported line by line', () => {
  const header = FEC_COLUMNS.join('|');
  const ok = 'VT|Ventes|1|20250915|706|Prestations|||F1|20250915|ALSH|0,00|120,00|||20250916||';
  const bad = [
    header,
    ok,
    'VT|Ventes|1|20250915|512|Banque|||F1|20250915|ALSH|120,00|0,00|||20250916||',
    'VT|Ventes|2|20251345|512|Banque|||F2|20250915|ALSH|10,00|0,00|||20250916||',
    'VT|Ventes|3|20250915|512|Banque|||F3|20250915|ALSH|10,00|0,00|||20250916|',
    'VT|Ventes|4|20250915|512|Banque|||F4|20250915|ALSH|10,00|0,00|||20250916||',
    'VT|Ventes|4|20250915|706|Banque|||F4|20250915|ALSH|0,00|9,99|||20250916||',
  ].join('\r\n');
  const { errors } = parseFec(Buffer.from(bad));
  assert.deepEqual(errors.map((e) => e.line), [4, 5, 6]);
  assert.match(errors[0]!.message, /EcritureDate/);
  assert.match(errors[1]!.message, /17 columns/);
  assert.match(errors[2]!.message, /does not balance/);
});

test('FEC lettering columns are checked line by line: code, DateLet, and groups that settle', () => {
  const header = FEC_COLUMNS.join('|');
  const row = (num: number, account: string, debit: string, credit: string, let_: string, dateLet: string) =>
    `VT|Ventes|${num}|20250915|${account}|Compte|||F${num}|20250915|Cotisation|${debit}|${credit}|${let_}|${dateLet}|20250916||`;
  const file = [
    header,
    row(1, '4111', '30,00', '0,00', 'A', '20251001'),
    row(1, '756', '0,00', '30,00', '', ''),
    row(2, '512', '20,00', '0,00', '', ''),
    row(2, '4111', '0,00', '20,00', 'A', '20251001'),
    row(3, '4111', '10,00', '0,00', 'B!', '20251001'),
    row(3, '756', '0,00', '10,00', '', '20251001'),
    row(4, '4111', '5,00', '0,00', 'C', ''),
    row(4, '756', '0,00', '5,00', '', '20251399'),
  ].join('\r\n');
  const { errors } = parseFec(Buffer.from(file));
  assert.deepEqual(errors.map((e) => e.line), [2, 5, 6, 7, 8, 9, 9]);
  assert.match(errors[0]!.message, /lettering A of account 4111 does not settle: its lines \(2, 5\) leave 10,00/i);
  assert.match(errors[2]!.message, /EcritureLet "B!"/);
  assert.match(errors[3]!.message, /DateLet is given without EcritureLet/);
  assert.match(errors[4]!.message, /EcritureLet "C" has no DateLet/);
  assert.match(errors[5]!.message, /DateLet "20251399"/);
});

forEachDatabase('FEC and hledger', (t) => {
  let yearId = 0;
  test('the FEC export lists validated entries only, in validation order, 18 columns, YYYYMMDD, decimal comma', async () => {
    const { db } = t();
    const fy = await createFiscalYear(db, TREASURER, '2025-09-01', '2026-08-31');
    yearId = fy.id;
    await addSubAccount(db, TREASURER, '4111', 'Familles');
    await addSubAccount(db, TREASURER, '5121', 'Banca Occitana');
    await db.insertInto('third_party').values({ code: 'FAM-ESTIVE', label: 'Familha Estive', kind: 'household', account_number: '4111' }).execute();
    await db.insertInto('analytic_section').values({ code: 'ALSH', label: 'Accueil de loisirs' }).execute();
    // Entered out of date order: the FEC follows validation order.
    await aValidatedEntry(db, { journal: 'BQ', date: '2025-12-01', label: 'Cotisacion Estive', lines: simpleLines('5121', '756', 2500) });
    await aValidatedEntry(db, { journal: 'VT', date: '2025-09-15', label: 'ALSH setembre', lines: [
      { account: '4111', thirdParty: 'FAM-ESTIVE', debit: 12345, credit: 0 },
      { account: '706', debit: 0, credit: 12345, section: 'ALSH' },
    ] });
    await aValidatedEntry(db, { journal: 'AC', date: '2026-03-01', label: 'Papetariá | crayons', lines: simpleLines('6064', '5121', 1999) });
    await aValidatedEntry(db, { journal: 'OD', date: '2026-06-01', label: 'Bénévolat', lines: simpleLines('864', '870', 100000) });
    await createEntry(db, TREASURER, { journal: 'OD', date: '2026-07-01', label: 'Brouillon', lines: simpleLines('6064', '5121', 1) });

    const { bytes, lines } = await fecOf(db, fy.id, { separator: '|', batch: 3 });
    assert.equal(lines, 8);
    const text = iconv.decode(bytes, 'iso-8859-15');
    const rows = text.split('\r\n').filter(Boolean).map((l) => l.split('|'));
    assert.deepEqual(rows[0], [...FEC_COLUMNS]);
    assert.ok(rows.every((r) => r.length === 18));
    assert.deepEqual(rows.slice(1).map((r) => r[2]), ['1', '1', '2', '2', '3', '3', '4', '4']);
    assert.deepEqual(rows[1]!.slice(0, 6), ['BQ', 'Banque', '1', '20251201', '5121', 'Banca Occitana']);
    assert.deepEqual(rows[3]!.slice(4, 13), ['4111', 'Familles', 'FAM-ESTIVE', 'Familha Estive', 'VT2', '20250915', 'ALSH setembre', '123,45', '0,00']);
    assert.equal(rows[5]![10], 'Papetariá crayons');
    assert.match(rows[1]![15]!, /^\d{8}$/);
    assert.ok(!text.includes('Brouillon'));
    const tab = await fecOf(db, fy.id, { encoding: 'utf-8' });
    assert.equal(tab.bytes.toString('utf8').split('\r\n')[0], FEC_COLUMNS.join('\t'));
  });

  test('an exported FEC re-imported into an empty year gives the same trial balance and the same lettering', async () => {
    const { db, handle } = t();
    // The household pays; its two lines are lettered.
    await aValidatedEntry(db, { journal: 'BQ', date: '2025-10-05', label: 'Règlament Estive', lines: [
      { account: '5121', debit: 12345, credit: 0 },
      { account: '4111', thirdParty: 'FAM-ESTIVE', debit: 0, credit: 12345 },
    ] });
    const estive = await db.selectFrom('entry_line as l').innerJoin('entry as e', 'e.id', 'l.entry_id').select('l.id').where('l.third_party_code', '=', 'FAM-ESTIVE').where('e.status', '=', 'validated').execute();
    assert.equal(await letter(db, TREASURER, estive.map((l) => l.id), '2025-10-06'), 'A');
    const { bytes } = await fecOf(db, yearId);
    const lettered = iconv.decode(bytes, 'iso-8859-15').split('\r\n').filter((l) => l.split('\t')[13] === 'A');
    assert.equal(lettered.length, 2);
    assert.ok(lettered.every((l) => l.split('\t')[14] === '20251006'));
    const original = await trialBalance(db, { from: '2025-09-01', to: '2026-08-31' });
    // Another association's empty books: a fresh database of the same kind.
    const { openTestDatabase } = await import('../platform/testing.ts');
    const other = await openTestDatabase(handle.kind);
    try {
      await createFiscalYear(other.db, TREASURER, '2025-09-01', '2026-08-31');
      const r = await importFec(other.db, TREASURER, bytes);
      assert.deepEqual(r, { ok: true, entries: 5, lines: 10, lettered: 2 });
      const copy = await trialBalance(other.db, { from: '2025-09-01', to: '2026-08-31' });
      assert.deepEqual(copy, original);
      // The copy's FEC is the original's, byte for byte: lettering and ValidDate included.
      const again = await fecOf(other.db, (await other.db.selectFrom('fiscal_year').select('id').executeTakeFirstOrThrow()).id);
      assert.deepEqual(again.bytes, bytes);
      const groups = await other.db.selectFrom('lettering').select(['account_number', 'code', 'lettered_on', 'lettered_by_label']).execute();
      assert.deepEqual(groups.map((g) => [g.account_number, g.code, g.lettered_on, g.lettered_by_label]), [['4111', 'A', '2025-10-06', TREASURER.label], ['4111', 'A', '2025-10-06', TREASURER.label]]);
      const party = await other.db.selectFrom('third_party').selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([party.code, party.label, party.kind, party.account_number], ['FAM-ESTIVE', 'Familha Estive', 'household', '4111']);
      // All or nothing: a second file with one bad line imports nothing.
      const bad = Buffer.concat([bytes, Buffer.from('XX\tDivers\t9\t20260101\t9999\tNowhere\t\t\tP\t20260101\tx\t1,00\t0,00\t\t\t20260101\t\t\r\nXX\tDivers\t9\t20260101\t512\tBanque\t\t\tP\t20260101\tx\t0,00\t1,00\t\t\t20260101\t\t\r\n')]);
      const before = await trialBalance(other.db, { from: '2025-09-01', to: '2026-08-31' });
      const r2 = await importFec(other.db, TREASURER, bad);
      assert.equal(r2.ok, false);
      assert.ok(!r2.ok && r2.errors.some((e) => e.line === 12 && /9999/.test(e.message)));
      assert.deepEqual(await trialBalance(other.db, { from: '2025-09-01', to: '2026-08-31' }), before);
      assert.equal((await other.db.selectFrom('journal').select('code').where('code', '=', 'XX').execute()).length, 0);
      // A letter whose lines do not settle: the lines are named and nothing is imported.
      const text = iconv.decode(bytes, 'iso-8859-15').split('\r\n');
      const broken = text.map((l, i) => (i === 1 ? l.split('\t').map((f, j) => (j === 13 ? 'A' : j === 14 ? '20251006' : f)).join('\t') : l)).join('\r\n');
      const r3 = await importFec(other.db, TREASURER, iconv.encode(broken, 'iso-8859-15'));
      assert.equal(r3.ok, false);
      assert.ok(!r3.ok && r3.errors.some((e) => e.line === 2 && /lettering A of account/i.test(e.message)), JSON.stringify(r3));
      assert.deepEqual(await trialBalance(other.db, { from: '2025-09-01', to: '2026-08-31' }), before);
      assert.equal((await other.db.selectFrom('lettering').select('line_id').execute()).length, 2);
      // The same file again is refused, and so is any entry of it in another file: nothing doubles.
      const twice = await importFec(other.db, TREASURER, bytes);
      assert.ok(!twice.ok && twice.errors.length === 1 && twice.errors[0]!.key === 'accounting.fec.err.fileImported', JSON.stringify(twice));
      const oneAgain = iconv.decode(bytes, 'iso-8859-15').split('\r\n').filter((l, i) => i === 0 || l.startsWith('BQ\tBanque\t1\t') || l === '').join('\r\n');
      const partly = await importFec(other.db, TREASURER, iconv.encode(oneAgain, 'iso-8859-15'));
      assert.ok(!partly.ok, JSON.stringify(partly));
      assert.match(partly.errors[0]!.message, /^Entry BQ 1 of the fiscal year 2025-09-01 – 2026-08-31 was already imported on \d{4}-\d{2}-\d{2}/);
      assert.deepEqual(await trialBalance(other.db, { from: '2025-09-01', to: '2026-08-31' }), before);
      // Other entries (other numbers) with the same letter: A is taken on 4111 and becomes B.
      const renumbered = iconv.decode(bytes, 'iso-8859-15').split('\r\n').map((l, i) => (i === 0 || !l ? l : l.split('\t').map((f, j) => (j === 2 ? `N${f}` : f)).join('\t'))).join('\r\n');
      const r4 = await importFec(other.db, TREASURER, iconv.encode(renumbered, 'iso-8859-15'));
      assert.ok(r4.ok && r4.lettered === 2);
      const codes = await other.db.selectFrom('lettering').select('code').orderBy('line_id').execute();
      assert.deepEqual(codes.map((c) => c.code), ['A', 'A', 'B', 'B']);
    } finally {
      await other.close();
    }
  });

  test('a FEC in the Montant/Sens layout of article A47 A-1 is read as Debit/Credit, and keeps its ValidDate', async () => {
    const { handle } = t();
    const { openTestDatabase } = await import('../platform/testing.ts');
    const other = await openTestDatabase(handle.kind);
    try {
      await createFiscalYear(other.db, TREASURER, '2025-09-01', '2026-08-31');
      const header = FEC_COLUMNS.map((c) => (c === 'Debit' ? 'Montant' : c === 'Credit' ? 'Sens' : c)).join('\t');
      const row = (n: number, account: string, amount: string, sens: string, valid: string) =>
        `VT\tVentes\t${n}\t20250915\t${account}\tCompte\t\t\tF${n}\t20250915\tCotisation\t${amount}\t${sens}\t\t\t${valid}\t\t`;
      const file = [header, row(1, '512', '45,00', 'D', '20250920'), row(1, '756', '45,00', 'C', '20250920'), row(2, '6064', '12,50', 'D', '20251002'), row(2, '512', '12,50', 'C', '20251002'), ''].join('\r\n');
      const r = await importFec(other.db, TREASURER, Buffer.from(file));
      assert.deepEqual(r, { ok: true, entries: 2, lines: 4, lettered: 0 });
      const tb = await trialBalance(other.db, { from: '2025-09-01', to: '2026-08-31' });
      assert.deepEqual(tb.rows.map((x) => [x.account, x.debit, x.credit]), [['512', 4500, 1250], ['6064', 1250, 0], ['756', 0, 4500]]);
      const fy = await other.db.selectFrom('fiscal_year').select('id').executeTakeFirstOrThrow();
      const out = iconv.decode((await fecOf(other.db, fy.id)).bytes, 'iso-8859-15').split('\r\n').filter(Boolean).slice(1);
      assert.deepEqual(out.map((l) => l.split('\t')[15]), ['20250920', '20250920', '20251002', '20251002']);
      const bad = [header, row(1, '512', '45,00', 'X', '20250920'), row(1, '756', '-45,00', 'C', '20250920')].join('\r\n');
      const r2 = await importFec(other.db, TREASURER, Buffer.from(bad));
      assert.ok(!r2.ok);
      assert.deepEqual(r2.errors.map((e) => [e.line, e.key]), [[2, 'accounting.fec.err.sens'], [3, 'accounting.fec.err.sens']]);
    } finally {
      await other.close();
    }
  });

  test('our trial balance matches hledger on the same books', async (tc) => {
    const { db } = t();
    if (spawnSync('hledger', ['--version']).status !== 0) {
      tc.skip('hledger is not installed: install the Debian package hledger to run this check');
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-hledger-'));
    const file = path.join(dir, 'books.journal');
    fs.writeFileSync(file, await exportHledger(db, { from: '2025-09-01', to: '2026-08-31' }));
    const out = spawnSync('hledger', ['-f', file, 'balance', '--flat', '--no-total', '-O', 'csv'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const theirs = new Map<string, number>();
    for (const line of out.stdout.trim().split('\n').slice(1)) {
      const [acc, amount] = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
      const m = /(-?[\d.]+)/.exec(amount!.replace(/,/g, ''));
      theirs.set(acc!, Math.round(Number(m![1]) * 100));
    }
    const ours = (await trialBalance(db, { from: '2025-09-01', to: '2026-08-31' })).rows.filter((r) => r.balance !== 0);
    assert.deepEqual(new Map(ours.map((r) => [r.account, r.balance])), theirs);
    fs.rmSync(dir, { recursive: true });
  });
});
