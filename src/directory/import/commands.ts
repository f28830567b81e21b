// `ostal directory import FILE [--dry-run] [--json]`: the same importDirectory as the web page.
import fs from 'node:fs';
import { CLI_ACTOR } from '../../platform/audit.ts';
import { UsageError, type CliCommand } from '../../platform/cli/command.ts';
import { translator } from '../../platform/i18n/index.ts';
import { checkFileSize, importDirectory, type ImportReport } from './importDirectory.ts';
import { PLAN_KINDS } from './plan.ts';

const en = translator('en');

function printReport(print: (line: string) => void, r: ImportReport) {
  for (const s of r.sheets) print(`sheet ${s.name}: ${s.layout ?? 'unrecognised'} (${s.rows} rows)${s.ignoredColumns.length ? `, ignored columns: ${s.ignoredColumns.join(', ')}` : ''}`);
  if (r.errors.length) {
    print(`${r.errors.length} error(s); nothing was imported:`);
    for (const e of r.errors) print(`  ${e.sheet}${e.line !== null ? `:${e.line}` : ''}${e.column ? ` [${e.column}]` : ''}: ${en(e.key, e.params)}`);
    return;
  }
  print(r.applied ? 'Imported:' : 'Dry run, nothing written. The import would do:');
  print(`  ${'what'.padEnd(12)} ${'create'.padStart(7)} ${'update'.padStart(7)} ${'unchanged'.padStart(10)}`);
  for (const k of PLAN_KINDS) {
    const c = r.counts[k];
    if (c.create + c.update + c.unchanged === 0) continue;
    print(`  ${k.padEnd(12)} ${String(c.create).padStart(7)} ${String(c.update).padStart(7)} ${String(c.unchanged).padStart(10)}`);
  }
}

export const importCommands: CliCommand[] = [
  {
    words: ['directory', 'import'],
    args: 'FILE',
    summary: 'Import a CSV or XLSX spreadsheet into the directory (all or nothing; run again, it creates no duplicates). Exit code 1 when the file has errors.',
    options: { 'dry-run': { type: 'boolean', description: 'check the file and print what would change, write nothing' } },
    async run(env, [file], opts) {
      if (!file) throw new UsageError('FILE is required');
      let size;
      try {
        size = fs.statSync(file).size;
      } catch {
        throw new UsageError(`cannot read ${file}`);
      }
      checkFileSize(size);
      const bytes = fs.readFileSync(file);
      const report = await importDirectory(env.db, CLI_ACTOR, { name: file, bytes }, { dryRun: Boolean(opts['dry-run']) });
      if (opts.json) {
        env.json({
          file: report.file,
          sha256: report.sha256,
          dryRun: report.dryRun,
          applied: report.applied,
          sheets: report.sheets,
          counts: report.counts,
          errors: report.errors.map((e) => ({ ...e, message: en(e.key, e.params) })),
          changes: report.changes,
        });
      } else {
        printReport(env.print, report);
      }
      return report.errors.length ? 1 : 0;
    },
  },
];
