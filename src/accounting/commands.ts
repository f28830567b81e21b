// `ostal accounting …`: the IT group's and the accountant's exchanges at the command line.
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { CLI_ACTOR } from '../platform/audit.ts';
import { UsageError, type CliCommand, type CliEnv } from '../platform/cli/command.ts';
import { closeFiscalYear, createFiscalYear, yearEndingIn } from './books.ts';
import { associationSiren, exportFec, fecFileName, importFec } from './fec.ts';
import { displayCents } from './money.ts';
import { trialBalance } from './reports.ts';
import { compareWithHledger } from './hledger.ts';

function yearOption(opts: Record<string, string | boolean | undefined>): number {
  const y = typeof opts.year === 'string' ? Number(opts.year) : NaN;
  if (!Number.isInteger(y) || y < 1900 || y > 2999) throw new UsageError('--year YYYY is required (the calendar year in which the fiscal year closes)');
  return y;
}

export async function siren(env: Pick<CliEnv, 'db'>): Promise<string> {
  return associationSiren(env.db);
}

export const accountingCommands: CliCommand[] = [
  {
    words: ['accounting', 'fec', 'export'],
    args: '',
    summary: 'Write the FEC (article A47 A-1 LPF) of the fiscal year closing in YYYY, under its legal name <SIREN>FEC<closing>.txt.',
    options: {
      year: { type: 'string', description: 'calendar year in which the fiscal year closes' },
      out: { type: 'string', description: 'folder to write into (default: the current folder)' },
      pipe: { type: 'boolean', description: 'separate columns with | instead of a tab' },
      utf8: { type: 'boolean', description: 'encode in UTF-8 instead of ISO 8859-15' },
      siren: { type: 'string', description: "the association's SIREN (default: the setting accounting.siren)" },
    },
    async run(env, _args, opts) {
      const fy = await yearEndingIn(env.db, yearOption(opts));
      const dir = typeof opts.out === 'string' ? opts.out : process.cwd();
      fs.mkdirSync(dir, { recursive: true });
      const given = typeof opts.siren === 'string' ? opts.siren.replace(/\s/g, '') : '';
      if (given && !/^\d{9}$/.test(given)) throw new UsageError('--siren takes the 9 digits of the SIREN');
      const file = path.join(dir, fecFileName(given || (await siren(env)), fy.ends_on));
      const out = fs.createWriteStream(file);
      const { lines } = await exportFec(
        env.db,
        fy.id,
        async (chunk) => {
          if (!out.write(chunk)) await once(out, 'drain');
        },
        { separator: opts.pipe ? '|' : '\t', encoding: opts.utf8 ? 'utf-8' : 'iso-8859-15' },
      );
      out.end();
      await once(out, 'finish');
      if (opts.json) env.json({ file, lines, fiscalYear: { startsOn: fy.starts_on, endsOn: fy.ends_on, status: fy.status } });
      else env.print(`${file}: ${lines} lines (fiscal year ${fy.starts_on} – ${fy.ends_on}${fy.status === 'open' ? ', not closed yet' : ''}).`);
    },
  },
  {
    words: ['accounting', 'fec', 'import'],
    args: 'FILE',
    summary: 'Load a FEC (accountant adjustments or a history from previous software) as validated entries; all or nothing.',
    async run(env, [file], opts) {
      if (!file) throw new UsageError('FILE is required');
      const r = await importFec(env.db, CLI_ACTOR, fs.readFileSync(file));
      if (opts.json) env.json(r);
      else if (r.ok) env.print(`${r.entries} entries (${r.lines} lines) imported and validated; ${r.lettered} lines lettered.`);
      else {
        for (const e of r.errors) env.print(`line ${e.line}: ${e.message}`);
        env.print(`FEC import refused: ${r.errors.length} error(s), nothing was imported.`);
      }
      return r.ok ? 0 : 1;
    },
  },
  {
    words: ['accounting', 'balance'],
    args: '',
    summary: 'Trial balance (balance générale) of the fiscal year closing in YYYY.',
    options: { year: { type: 'string', description: 'calendar year in which the fiscal year closes' } },
    async run(env, _args, opts) {
      const fy = await yearEndingIn(env.db, yearOption(opts));
      const tb = await trialBalance(env.db, { from: fy.starts_on, to: fy.ends_on });
      if (opts.json) {
        env.json({ fiscalYear: { startsOn: fy.starts_on, endsOn: fy.ends_on, status: fy.status }, unit: 'cents', ...tb });
        return;
      }
      for (const r of tb.rows) env.print(`${r.account.padEnd(10)} ${r.label.slice(0, 40).padEnd(40)} ${displayCents(r.debit).padStart(16)} ${displayCents(r.credit).padStart(16)}`);
      env.print(`${''.padEnd(51)} ${displayCents(tb.totals.debit).padStart(16)} ${displayCents(tb.totals.credit).padStart(16)}`);
    },
  },
  {
    words: ['accounting', 'check'],
    args: '',
    summary: "Compare the trial balance of the fiscal year closing in YYYY with hledger's on the same books (needs hledger installed).",
    options: {
      year: { type: 'string', description: 'calendar year in which the fiscal year closes' },
      hledger: { type: 'string', description: 'the hledger program to run (default: hledger on the PATH)' },
    },
    async run(env, _args, opts) {
      const fy = await yearEndingIn(env.db, yearOption(opts));
      const program = typeof opts.hledger === 'string' ? opts.hledger : 'hledger';
      const r = await compareWithHledger(env.db, { from: fy.starts_on, to: fy.ends_on }, program);
      const fiscalYear = { startsOn: fy.starts_on, endsOn: fy.ends_on, status: fy.status };
      if (!r) {
        if (opts.json) env.json({ fiscalYear, hledger: false });
        else env.print(`hledger is not installed (no "${program}" to run), so nothing was compared. Install it (Debian: apt install hledger) and run the check again.`);
        return 2;
      }
      if (opts.json) env.json({ fiscalYear, hledger: true, unit: 'cents', ...r });
      else if (r.differences.length === 0) env.print(`Fiscal year ${fy.starts_on} – ${fy.ends_on}: hledger agrees with our trial balance on all ${r.accounts} accounts.`);
      else {
        for (const d of r.differences) env.print(`${d.account.padEnd(10)} ours ${d.ours === null ? '—' : displayCents(d.ours)}  hledger ${d.hledger === null ? '—' : displayCents(d.hledger)}`);
        env.print(`Fiscal year ${fy.starts_on} – ${fy.ends_on}: ${r.differences.length} account(s) differ between our trial balance and hledger's.`);
      }
      return r.differences.length === 0 ? 0 : 1;
    },
  },
  {
    words: ['accounting', 'year', 'create'],
    args: 'FROM TO',
    summary: 'Open a fiscal year (dates YYYY-MM-DD; need not follow the calendar year).',
    async run(env, [from, to], opts) {
      if (!from || !to) throw new UsageError('FROM and TO are required');
      const fy = await createFiscalYear(env.db, CLI_ACTOR, from, to);
      if (opts.json) env.json(fy);
      else env.print(`Fiscal year ${fy.starts_on} – ${fy.ends_on} open.`);
    },
  },
  {
    words: ['accounting', 'year', 'close'],
    args: '',
    summary: 'Close the fiscal year closing in YYYY and open the next one with its carried-forward balances.',
    options: { year: { type: 'string', description: 'calendar year in which the fiscal year closes' } },
    async run(env, _args, opts) {
      const fy = await yearEndingIn(env.db, yearOption(opts));
      const r = await closeFiscalYear(env.db, CLI_ACTOR, fy.id);
      if (opts.json) env.json(r);
      else env.print(`Fiscal year ${fy.starts_on} – ${fy.ends_on} closed; result ${displayCents(r.result)} €.`);
    },
  },
];
