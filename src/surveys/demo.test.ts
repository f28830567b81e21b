import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServerDatabase, forEachDatabase } from '../platform/testing.ts';
import { openPostgres } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { loadDemo } from '../directory/demo/load.ts';
import { analyse } from './analysis.ts';
import { responseRates } from './campaign.ts';
import { loadAnswers } from './results.ts';
import { loadDef } from './survey.ts';
import { runCli } from '../app/cli.ts';
import { MODULES } from '../app/modules.ts';

forEachDatabase('surveys demo', (t) => {
  test('the demo association ships the computing-practices survey with answers, a template and links in the outbox', async () => {
    const { db } = t();
    const counts = await loadDemo(db, CLI_ACTOR, { modules: MODULES });
    assert.equal(counts.surveys, 1);
    assert.ok(counts.surveyResponses! > 10, `responses: ${counts.surveyResponses}`);
    const s = await db.selectFrom('survey').selectAll().where('is_template', '=', false).executeTakeFirstOrThrow();
    assert.equal(s.status, 'open');
    assert.ok(await db.selectFrom('survey').select('id').where('is_template', '=', true).executeTakeFirst());
    const rates = await responseRates(db, s.id);
    assert.equal(rates.total.answered, counts.surveyResponses);
    assert.equal(rates.total.invited, counts.surveyInvitations);
    assert.ok(rates.units.some((u) => u.kind === 'class'));
    const def = await loadDef(db, s.id);
    const { answers } = await loadAnswers(db, s.id, null);
    const results = analyse(def, answers, 'fr', 'Autre');
    const internet = results[1]!;
    assert.ok(internet.kind === 'choice' && internet.counts[0]!.count > 0);
    // Conditions hold in the fictional answers too: a topic only after "Oui".
    const wq = def.sections[1]!.questions[2]!;
    const topic = def.sections[1]!.questions[3]!;
    assert.ok(answers.every((a) => a[String(topic.id)] === undefined || (a[String(wq.id)] as { choice: number }).choice === wq.options[0]!.id));
    const mails = await db.selectFrom('outbox_message').select('id').execute();
    assert.equal(mails.length, counts.surveyInvitations);
  });
});

test('ostal surveys ls --json, results --csv and tick', { skip: !process.env.TEST_DATABASE_URL }, async () => {
  // Runs the CLI against a fresh PostgreSQL database (the CLI opens its own connection, as the
  // serving role; the owner migrates and loads the demo).
  const scratch = await createServerDatabase(process.env.TEST_DATABASE_URL!, 'ostal_test_cli');
  const h = await openPostgres(scratch.url, 2);
  try {
    await migrate(h);
    await loadDemo(h.db, CLI_ACTOR, { modules: MODULES });
    const prev = { db: process.env.DATABASE_URL, owner: process.env.DATABASE_OWNER_URL };
    process.env.DATABASE_URL = scratch.servingUrl;
    process.env.DATABASE_OWNER_URL = scratch.url;
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s) > 0, err: (s: string) => out.push(s) > 0 };
    try {
      assert.equal(await runCli(['surveys', 'ls', '--json'], io), 0);
      const list = JSON.parse(out.join('\n')) as Array<{ id: number; template: boolean; answered: number }>;
      const survey = list.find((x) => !x.template)!;
      assert.ok(survey.answered > 0);
      out.length = 0;
      const chunks: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
      try {
        assert.equal(await runCli(['surveys', 'results', String(survey.id), '--csv'], io), 0);
      } finally {
        process.stdout.write = write;
      }
      const lines = chunks.join('').trim().split('\r\n');
      assert.equal(lines.length, survey.answered + 1);
      // The CSV opens in French Excel: BOM, semicolons.
      assert.ok(chunks.join('').startsWith('\uFEFF'));
      assert.match(lines[0]!, /^\uFEFF?Response;Person;Address/);
      // `ostal surveys tick` (cron) sends a due reminder, signed like the platform's mail.
      await h.db.updateTable('survey').set({ remind_every_days: 1, opened_at: new Date(Date.now() - 2 * 86_400_000) }).where('id', '=', survey.id).execute();
      const before = await h.db.selectFrom('outbox_message').select('id').execute();
      out.length = 0;
      assert.equal(await runCli(['surveys', 'tick', '--json'], io), 0);
      const tick = JSON.parse(out.join('\n')) as { closed: number; reminded: number };
      assert.ok(tick.reminded > 0);
      const reminders = await h.db.selectFrom('outbox_message').select(['raw', 'subject']).where('id', 'not in', before.length ? before.map((b) => b.id) : [0]).execute();
      assert.equal(reminders.length, tick.reminded);
      for (const m of reminders) assert.match(Buffer.from(m.raw).toString('latin1'), /^DKIM-Signature: [^]*d=/);
      out.length = 0;
      assert.equal(await runCli(['surveys', 'tick', '--json'], io), 0);
      assert.equal((JSON.parse(out.join('\n')) as { reminded: number }).reminded, 0);
    } finally {
      if (prev.db === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = prev.db;
      if (prev.owner === undefined) delete process.env.DATABASE_OWNER_URL;
      else process.env.DATABASE_OWNER_URL = prev.owner;
    }
  } finally {
    await h.close();
    await scratch.drop();
  }
});
