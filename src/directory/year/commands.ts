// `ostal demo`, `ostal directory rollover`, `ostal directory year create`: the same operations as the year page.
import { CLI_ACTOR } from '../../platform/audit.ts';
import { UsageError, type CliCommand } from '../../platform/cli/command.ts';
import type { Db } from '../../platform/db.ts';
import type { GroupKind, GroupRole } from '../tables.ts';
import { loadDemo } from '../demo/load.ts';
import { createFirstYear, rolloverYear } from './rollover.ts';

async function memberAddress(db: Db, kind: GroupKind, role: GroupRole): Promise<string> {
  const r = await db
    .selectFrom('group_member')
    .innerJoin('directory_group', 'directory_group.id', 'group_member.group_id')
    .innerJoin('person_email', 'person_email.person_id', 'group_member.person_id')
    .select('person_email.email')
    .where('directory_group.kind', '=', kind)
    .where('group_member.role', '=', role)
    .orderBy('person_email.email')
    .executeTakeFirst();
  return r?.email ?? '-';
}

async function regentAddress(db: Db): Promise<string> {
  const r = await db
    .selectFrom('class_regent')
    .innerJoin('person_email', 'person_email.person_id', 'class_regent.person_id')
    .select('person_email.email')
    .orderBy('person_email.email')
    .executeTakeFirst();
  return r?.email ?? '-';
}

export const yearCommands: CliCommand[] = [
  {
    words: ['demo'],
    args: '',
    summary: 'Load the fictional demo association (two schools, ten classes, 150 households, groups) into an empty directory.',
    async run(env, _args, opts) {
      const counts = await loadDemo(env.db, CLI_ACTOR, { modules: env.modules });
      if (opts.json) {
        env.json(counts);
        return;
      }
      env.print(`Demo association loaded: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}.`);
      // Whom to sign in as to see each role. Without a relay nobody receives sign-in mail (the
      // outbox never shows it): an administrator tries the roles from the home page instead.
      const [it, regent, bureau] = await Promise.all([memberAddress(env.db, 'it', 'lead'), regentAddress(env.db), memberAddress(env.db, 'bureau', 'co_president')]);
      env.print(`With a mail relay, try signing in as an IT group member (administrator): ${it}; a regent: ${regent}; a co-president: ${bureau}.`);
      env.print('Without one, an administrator (npx ostal admin add you@example.org) finds "Try as… (fictional demo)" on the home page.');
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
