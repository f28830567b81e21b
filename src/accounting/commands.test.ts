import assert from 'node:assert/strict';
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
  const env = { db: t.db, handle: t.handle, config: {} as CliEnv['config'], mailer: {} as CliEnv['mailer'], print: (l: string) => void out.push(l), json: (v: unknown) => void out.push(JSON.stringify(v)) };
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
    assert.match(out.join('\n'), /line 2: entry BQ 1 does not balance[\s\S]*nothing was imported/);
    fs.rmSync(dir, { recursive: true });
  });
});
