// `ostal directory import FILE [--dry-run] [--json]` on an embedded database in a temporary folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../app/cli.ts';
import { openPGlite } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { aCurrentYear } from '../factories.ts';

test('ostal directory import: dry run, errors with exit code 1, import, again unchanged (--json)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-import-cli-'));
  const prev = { dataDir: process.env.DATA_DIR, url: process.env.DATABASE_URL };
  process.env.DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  try {
    const h = await openPGlite(path.join(dir, 'pglite'));
    await migrate(h);
    await aCurrentYear(h.db);
    await h.close();
    const good = path.join(dir, 'classes.csv');
    fs.writeFileSync(good, 'ecole;classe;niveau;regent_prenom;regent_nom;regent_email\nCalandreta del Cli;CM1;CM1;Marta;Bonafont;marta@example.org\n');
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'ecole;classe;niveau\nCalandreta del Cli;CM1;CM9\n');
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s) > 0, err: (s: string) => out.push(s) > 0 };
    const cli = async (argv: string[]) => {
      out.length = 0;
      const code = await runCli(argv, io);
      return { code, text: out.join('\n') };
    };

    const dry = await cli(['directory', 'import', good, '--dry-run']);
    assert.equal(dry.code, 0, dry.text);
    assert.match(dry.text, /Dry run/);
    assert.match(dry.text, /classes\s+1\s+0\s+0/);

    const errors = await cli(['directory', 'import', bad, '--json']);
    assert.equal(errors.code, 1);
    const report = JSON.parse(errors.text);
    assert.equal(report.applied, false);
    assert.deepEqual(report.errors.map((e: { line: number; column: string }) => [e.line, e.column]), [[2, 'niveau']]);
    assert.match(report.errors[0].message, /Unknown level: CM9/);

    const done = await cli(['directory', 'import', good, '--json']);
    assert.equal(done.code, 0, done.text);
    const applied = JSON.parse(done.text);
    assert.equal(applied.applied, true);
    assert.deepEqual(applied.counts.classes, { create: 1, update: 0, unchanged: 0 });

    const again = JSON.parse((await cli(['directory', 'import', good, '--json'])).text);
    assert.deepEqual(again.counts.classes, { create: 0, update: 0, unchanged: 1 });
    assert.deepEqual(again.counts.regents, { create: 0, update: 0, unchanged: 1 });

    assert.equal((await cli(['directory', 'import'])).code, 64);
  } finally {
    if (prev.dataDir === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = prev.dataDir;
    if (prev.url !== undefined) process.env.DATABASE_URL = prev.url;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
