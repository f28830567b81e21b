// `ostal surveys …`: list surveys, print results (summary, JSON or CSV), remind, and the scheduled pass.
import { CLI_ACTOR } from '../platform/audit.ts';
import { UsageError, type CliCommand, type CliEnv } from '../platform/cli/command.ts';
import { analyse } from './analysis.ts';
import { text } from './answers.ts';
import { responseRates, sendReminders } from './campaign.ts';
import { tickSurveys } from './service.ts';
import { exportCsv, loadAnswers } from './results.ts';
import { getSurvey, loadDef } from './survey.ts';

function surveyId(positionals: string[]): number {
  const id = Number(positionals[0]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError('expected a survey id (see `ostal surveys ls`)');
  return id;
}
const mail = (env: CliEnv) => ({ publicUrl: env.config.publicUrl, mailDomain: env.config.mailDomain });

export const surveysCommands: CliCommand[] = [
  {
    words: ['surveys', 'ls'],
    args: '',
    summary: 'List surveys with their status and response rate.',
    async run(env, _p, o) {
      const rows = await env.db
        .selectFrom('survey')
        .select(['id', 'title_fr', 'status', 'anonymous', 'is_template', 'opens_at', 'closes_at', 'target_rate'])
        .orderBy('id')
        .execute();
      const out = [];
      for (const r of rows) {
        const rate = await responseRates(env.db, r.id);
        out.push({
          id: r.id,
          title: r.title_fr,
          status: r.status,
          template: r.is_template,
          anonymous: r.anonymous,
          opensAt: r.opens_at?.toISOString() ?? null,
          closesAt: r.closes_at?.toISOString() ?? null,
          targetRate: r.target_rate,
          invited: rate.total.invited,
          answered: rate.total.answered,
          rate: rate.total.pct,
        });
      }
      if (o.json) {
        env.json(out);
        return;
      }
      if (out.length === 0) {
        env.print('No survey.');
        return;
      }
      for (const s of out) {
        env.print(`${String(s.id).padStart(4)}  ${s.template ? 'template' : s.status.padEnd(8)}  ${s.answered}/${s.invited} (${s.rate} %)${s.anonymous ? '  anonymous' : ''}  ${s.title}`);
      }
    },
  },
  {
    words: ['surveys', 'results'],
    args: 'ID',
    summary: 'Print the results of a survey: a summary per question, --json for the analysis, --csv for one row per response.',
    options: { csv: { type: 'boolean', description: 'raw answers as CSV, one row per response' } },
    async run(env, p, o) {
      const id = surveyId(p);
      await getSurvey(env.db, id);
      if (o.csv) {
        process.stdout.write(await exportCsv(env.db, id, 'en'));
        return;
      }
      const def = await loadDef(env.db, id);
      const { answers } = await loadAnswers(env.db, id, null);
      const results = analyse(def, answers, 'fr', 'Autre');
      if (o.json) {
        env.json({
          survey: id,
          responses: answers.length,
          questions: results.map(({ question, ...r }) => ({ id: question.id, prompt: question.prompt.fr, ...r })),
        });
        return;
      }
      env.print(`${text(def.title, 'fr')}: ${answers.length} responses`);
      for (const r of results) {
        env.print('');
        env.print(`${text(r.question.prompt, 'fr')} (${r.answered} answered)`);
        if (r.kind === 'choice' || r.kind === 'scale' || r.kind === 'date') for (const c of r.counts) env.print(`  ${c.label}: ${c.count} (${c.pct} %)`);
        if (r.kind === 'number' && r.answered) env.print(`  mean ${r.mean}, median ${r.median}, min ${r.min}, max ${r.max}`);
        if (r.kind === 'text') for (const x of r.texts) env.print(`  - ${x.replace(/\s+/g, ' ')}`);
        if (r.kind === 'matrix') for (const row of r.rows) env.print(`  ${row.label}: ${row.counts.map((c) => `${c.label} ${c.count}`).join(', ')}`);
      }
    },
  },
  {
    words: ['surveys', 'remind'],
    args: 'ID',
    summary: 'Send a reminder to everyone invited who has not answered yet.',
    async run(env, p, o) {
      const n = await sendReminders(env.db, env.mailer, CLI_ACTOR, surveyId(p), mail(env));
      if (o.json) {
        env.json({ reminded: n });
        return;
      }
      env.print(`${n} reminders sent.`);
    },
  },
  {
    words: ['surveys', 'tick'],
    args: '',
    summary: 'Close surveys past their closing time and send scheduled reminders (the platform does it every minute; this is for cron).',
    async run(env, _p, o) {
      const r = (await tickSurveys(env.db, env.mailer, mail(env))) ?? { closed: 0, reminded: 0, invited: 0, busy: true };
      if (env.mailer.relayConfigured) await env.mailer.deliverDue(env.db, 10_000);
      if (o.json) {
        env.json(r);
        return;
      }
      env.print('busy' in r ? 'Another pass is running (the platform or another tick): nothing done.' : `${r.closed} surveys closed, ${r.reminded} reminders sent, ${r.invited} newcomers invited.`);
    },
  },
];
