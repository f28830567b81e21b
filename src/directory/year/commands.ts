// `ostal demo`, `ostal directory rollover`, `ostal directory year create`: the same operations as the year page.
import { CLI_ACTOR } from '../../platform/audit.ts';
import { UsageError, type CliCommand } from '../../platform/cli/command.ts';
import { loadDemo } from '../demo/load.ts';
import { createFirstYear, rolloverYear } from './rollover.ts';

export const yearCommands: CliCommand[] = [
  {
    words: ['demo'],
    args: '',
    summary: 'Load the fictional demo association (two schools, ten classes, 150 households, groups) into an empty directory.',
    async run(env, _args, opts) {
      const counts = await loadDemo(env.db, CLI_ACTOR);
      if (opts.json) env.json(counts);
      else env.print(`Demo association loaded: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}.`);
    },
  },
  {
    words: ['directory', 'year', 'create'],
    args: 'LABEL',
    summary: 'Create and open the first school year (e.g. 2026-2027); later years come from `ostal directory rollover`.',
    async run(env, [label], opts) {
      if (!label) throw new UsageError('LABEL is required, e.g. 2026-2027');
      const y = await createFirstYear(env.db, CLI_ACTOR, label);
      if (opts.json) env.json({ id: y.id, label: y.label, startsOn: y.starts_on, endsOn: y.ends_on, current: true });
      else env.print(`School year ${y.label} created (${y.starts_on} to ${y.ends_on}) and open.`);
    },
  },
  {
    words: ['directory', 'rollover'],
    args: '',
    summary: 'Start the next school year: copy classes and regents, move every pupil up a level, CM2 pupils leave; history is kept.',
    options: {
      'dry-run': { type: 'boolean', description: 'show the plan, change nothing' },
      to: { type: 'string', description: 'the year expected next (e.g. 2027-2028); refused if it is not the next one' },
    },
    async run(env, _args, opts) {
      const r = await rolloverYear(env.db, CLI_ACTOR, { dryRun: opts['dry-run'] === true, ...(typeof opts.to === 'string' ? { to: opts.to } : {}) });
      if (opts.json) {
        env.json(r);
        return;
      }
      env.print(`${r.dryRun ? 'Would move' : 'Moved'} from ${r.from} to ${r.to} (${r.startsOn} to ${r.endsOn}):`);
      for (const c of r.classes) env.print(`  ${c.school} · ${c.name} (${c.level}): ${c.pupils.length} pupils; regents: ${c.regents.join(', ') || '-'}`);
      env.print(`  leaving: ${r.leavers.length} pupils`);
      env.print(r.dryRun ? 'Dry run: nothing was changed.' : `${r.to} is now the current year.`);
    },
  },
];
