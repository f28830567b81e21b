// `ostal demo`, `ostal directory year create`, `ostal directory rollover` through the real CLI entry,
// on the database the CLI is configured with (an embedded folder, or a server database).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createServerDatabase } from '../../platform/testing.ts';
import { runCli } from '../../app/cli.ts';

async function configured(kind: 'pglite' | 'postgresql'): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-cli-year-'));
    return { env: { DATA_DIR: dir }, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  // As in production: the owner migrates, a role that owns nothing serves.
  const { url, servingUrl, drop } = await createServerDatabase(process.env.TEST_DATABASE_URL!, 'ostal_test_cli_year');
  return { env: { DATABASE_URL: servingUrl, DATABASE_OWNER_URL: url }, cleanup: drop };
}

// The CLI is a thin layer over the domain functions (tested on both databases beside them);
// each command reopens the database, which costs seconds on PGlite, so this runs once: on the
// server when there is one, else on an embedded folder.
for (const kind of [process.env.TEST_DATABASE_URL ? ('postgresql' as const) : ('pglite' as const)]) {
  test(`ostal demo, year create and rollover from the command line [${kind}]`, async () => {
    const { env, cleanup } = await configured(kind);
    const saved = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL, DATABASE_OWNER_URL: process.env.DATABASE_OWNER_URL };
    delete process.env.DATABASE_URL;
    delete process.env.DATABASE_OWNER_URL;
    Object.assign(process.env, env);
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s) > 0, err: (s: string) => out.push(s) > 0 };
    const run = async (argv: string[]) => {
      out.length = 0;
      const code = await runCli(argv, io);
      return { code, text: out.join('\n') };
    };
    try {
      const noYear = await run(['directory', 'rollover', '--dry-run']);
      assert.equal(noYear.code, 1);
      assert.match(noYear.text, /No school year is open/);
      assert.equal((await run(['directory', 'year', 'create', '2026-27'])).code, 1);

      const demo = await run(['demo', '--json']);
      assert.equal(demo.code, 0, demo.text);
      const counts = JSON.parse(demo.text);
      assert.equal(counts.households, 150);
      assert.equal(counts.classes, 10);
      const again = await run(['demo']);
      assert.equal(again.code, 1);
      assert.match(again.text, /already has households/);

      const dry = await run(['directory', 'rollover', '--dry-run', '--json']);
      assert.equal(dry.code, 0, dry.text);
      const plan = JSON.parse(dry.text);
      assert.equal(plan.dryRun, true);
      const end = Number(plan.from.slice(5));
      assert.equal(plan.to, `${end}-${end + 1}`);

      const wrong = await run(['directory', 'rollover', '--to', '2040-2041']);
      assert.equal(wrong.code, 1);
      const done = await run(['directory', 'rollover', '--to', plan.to]);
      assert.equal(done.code, 0, done.text);
      assert.match(done.text, new RegExp(`${plan.to} is now the current year`));
      const twice = await run(['directory', 'rollover', '--to', plan.to]);
      assert.equal(twice.code, 1);
      assert.match(twice.text, /already been done/);
      assert.equal((await run(['directory', 'year', 'create', '2030-2031'])).code, 1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await cleanup();
    }
  });
}
