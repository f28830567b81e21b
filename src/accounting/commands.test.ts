import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import type { CliEnv } from '../platform/cli/command.ts';
import { accountingCommands } from './commands.ts';
import { addSubAccount } from './books.ts';
import { aFiscalYear, aValidatedEntry, simpleLines, TREASURER } from './testing.ts';

function cliEnv(t: { db: CliEnv['db']; handle: CliEnv['handle'] }) {
  const out: string[] = [];
  const env = { db: t.db, handle: t.handle, config: {} as CliEnv['config'], mailer: {} as CliEnv['mailer'], modules: [], print: (l: string) => void out.push(l), json: (v: unknown) => void out.push(JSON.stringify(v)) };
  return { env, out };
}
const command = (...words: string[]) => accountingCommands.find((c) => c.words.join(' ') === words.join(' '))!;

forEachDatabase('ostal accounting', (t) => {
  test('fec export writes <SIREN>FEC<closing>.txt; balance --json gives the trial balance; fec import reports errors', async () => {
    const { db, handle } = t();
    await aFiscalYear(db);
    await addSubAccount(db, TREASURER, '5121', 'Banca');
    await aValidatedEntry(db, { journal: 'BQ', date: '2025-10-01', lines: simpleLines('5121', '756', 4000) });
    const { env, out } = cliEnv({ db, handle });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-fec-'));
    await assert.rejects(command('accounting', 'fec', 'export').run(env, [], { year: '2026', out: dir }), /noSiren/);
    await db.insertInto('setting').values({ key: 'accounting.siren', value: JSON.stringify('123 456 789') }).execute();
    await command('accounting', 'fec', 'export').run(env, [], { year: '2026', out: dir, json: true });
    const file = path.join(dir, '123456789FEC20260831.txt');
    assert.ok(fs.existsSync(file));
    assert.deepEqual(JSON.parse(out.pop()!), { file, lines: 2, fiscalYear: { startsOn: '2025-09-01', endsOn: '2026-08-31', status: 'open' } });

    await command('accounting', 'balance').run(env, [], { year: '2026', json: true });
    const tb = JSON.parse(out.pop()!);
    assert.deepEqual(tb.rows.map((r: { account: string; balance: number }) => [r.account, r.balance]), [['5121', 4000], ['756', -4000]]);
    assert.deepEqual(tb.totals, { debit: 4000, credit: 4000 });

    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, fs.readFileSync(file, 'latin1').replace('40,00', '41,00'), 'latin1');
    const code = await command('accounting', 'fec', 'import').run(env, [bad], {});
    assert.equal(code, 1);
    assert.match(out.join('\n'), /line 2: entry BQ 1 does not balance[\s\S]*nothing was imported/i);
    fs.rmSync(dir, { recursive: true });
  });

  test('year create takes any dates; fec export --pipe --utf8; fec import loads a good file with its lettering; year close --year carries forward', async () => {
    const { db, handle } = t();
    const { env, out } = cliEnv({ db, handle });
    await assert.rejects(command('accounting', 'year', 'create').run(env, ['2027-09-01'], {}), /FROM and TO/);
    await command('accounting', 'year', 'create').run(env, ['2027-04-01', '2028-03-31'], { json: true });
    const fy = JSON.parse(out.pop()!);
    assert.deepEqual([fy.starts_on, fy.ends_on, fy.status], ['2027-04-01', '2028-03-31', 'open']);
    await assert.rejects(command('accounting', 'year', 'create').run(env, ['2027-06-01', '2028-05-31'], {}), /overlaps/);
    await aValidatedEntry(db, { journal: 'BQ', date: '2027-05-01', lines: simpleLines('5121', '756', 1500) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-fec-'));
    await assert.rejects(command('accounting', 'fec', 'export').run(env, [], { out: dir }), /--year YYYY is required/);
    await command('accounting', 'fec', 'export').run(env, [], { year: '2028', out: dir, pipe: true, utf8: true, siren: '111 222 333' });
    assert.match(out.pop()!, /111222333FEC20280331\.txt: 2 lines \(fiscal year 2027-04-01 – 2028-03-31, not closed yet\)/);
    const text = fs.readFileSync(path.join(dir, '111222333FEC20280331.txt'), 'utf8');
    assert.match(text.split('\r\n')[1]!, /^BQ\|Banque\|1\|20270501\|5121\|Banca\|/);
    // The same lines again under another number, lettered on 5121 (a file from elsewhere).
    const good = text.replaceAll('|1|2027', '|9|2027').split('\r\n').map((l, i) => (i === 0 || !l ? l : l.split('|').map((f, j) => (j === 13 ? 'Z' : j === 14 ? '20270502' : f)).join('|'))).join('\r\n');
    const goodFile = path.join(dir, 'good.txt');
    fs.writeFileSync(goodFile, good);
    // Each line of 5121 and 756 lettered Z on its own account: neither settles, so refused line by line.
    assert.equal(await command('accounting', 'fec', 'import').run(env, [goodFile], {}), 1);
    assert.match(out.join('\n'), /line 2: lettering Z of account 5121 does not settle[\s\S]*line 3: lettering Z of account 756/i);
    const plain = text.replaceAll('|1|2027', '|9|2027');
    fs.writeFileSync(goodFile, plain);
    assert.equal(await command('accounting', 'fec', 'import').run(env, [goodFile], { json: true }), 0);
    assert.deepEqual(JSON.parse(out.pop()!), { ok: true, entries: 1, lines: 2, lettered: 0 });
    await command('accounting', 'year', 'close').run(env, [], { year: '2028' });
    assert.match(out.pop()!, /Fiscal year 2027-04-01 – 2028-03-31 closed; result 30,00 €\./);
    const next = await db.selectFrom('fiscal_year').select(['starts_on', 'ends_on', 'status']).where('starts_on', '=', '2028-04-01').executeTakeFirstOrThrow();
    assert.deepEqual(next, { starts_on: '2028-04-01', ends_on: '2029-03-31', status: 'open' });
    fs.rmSync(dir, { recursive: true });
  });

  test('accounting check compares our trial balance with hledger, and says plainly when hledger is missing', async (tc) => {
    const { db, handle } = t();
    const { env, out } = cliEnv({ db, handle });
    assert.equal(await command('accounting', 'check').run(env, [], { year: '2026', hledger: '/nonexistent/hledger' }), 2);
    assert.match(out.pop()!, /^hledger is not installed .*nothing was compared/);
    if (spawnSync('hledger', ['--version']).status !== 0) {
      tc.skip('hledger is not installed: install the Debian package hledger to run this check');
      return;
    }
    assert.equal(await command('accounting', 'check').run(env, [], { year: '2026' }), 0);
    assert.match(out.pop()!, /hledger agrees with our trial balance on all \d+ accounts/);
    await command('accounting', 'check').run(env, [], { year: '2026', json: true });
    const r = JSON.parse(out.pop()!);
    assert.equal(r.hledger, true);
    assert.deepEqual(r.differences, []);
    assert.ok(r.accounts >= 2);
  });
});
