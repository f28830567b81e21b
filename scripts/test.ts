// Runs every *.test.ts / *.test.tsx under src/ with Node's test runner (Node 20 has no glob for --test).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function find(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = find('src')
  .sort()
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Domain code translates with the app's catalogues (mail in the recipient's language); the app's
// entry points install them (src/app/messages.ts), and so does every test process here.
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--import', './src/app/messages.ts', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(res.status ?? 1);
