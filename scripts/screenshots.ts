// Takes screenshots of the main pages (phone and desktop widths) into a folder, to look at them.
// Usage: node --import tsx scripts/screenshots.ts OUT_DIR [path ...]
import fs from 'node:fs';
import { openPGlite } from '../src/platform/db.ts';
import { migrate } from '../src/platform/migrate.ts';
import { startTestPlatform } from '../src/app/testing.ts';
import { launchBrowser } from '../src/platform/web/browser.ts';
import { openSession } from '../src/auth/signin.ts';
import { addAdmin } from '../src/auth/admin.ts';
import { CLI_ACTOR } from '../src/platform/audit.ts';

const out = process.argv[2] ?? '/tmp/ostal-shots';
const paths = process.argv.slice(3);
fs.mkdirSync(out, { recursive: true });
const handle = await openPGlite();
await migrate(handle);
const app = await startTestPlatform(handle);
const admin = await addAdmin(handle.db, app.config, 'admin@example.org', CLI_ACTOR);
// The demo module is looked up at run time so this script works before and after it exists.
const demoPath = '../src/directory/demo/index.ts';
const demo: unknown = await import(demoPath).catch(() => undefined);
if (demo && typeof demo === 'object' && 'loadDemo' in demo) await (demo as { loadDemo: (db: unknown, a: unknown) => Promise<unknown> }).loadDemo(handle.db, CLI_ACTOR);
// SHOTS_AS=treasurer looks at the pages as the demo bureau's treasurer instead of the admin.
const treasurer =
  process.env.SHOTS_AS === 'treasurer'
    ? await handle.db
        .selectFrom('group_member')
        .innerJoin('directory_group', 'directory_group.id', 'group_member.group_id')
        .select('group_member.person_id')
        .where('directory_group.kind', '=', 'bureau')
        .where('group_member.role', '=', 'treasurer')
        .executeTakeFirstOrThrow()
    : undefined;
const token = await openSession(handle.db, treasurer?.person_id ?? admin.personId, CLI_ACTOR);
const browser = await launchBrowser();
for (const [name, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
  const ctx = await browser.newContext({ viewport });
  await ctx.addCookies([{ name: 'ostal_session', value: token, url: app.url }]);
  const page = await ctx.newPage();
  for (const p of paths.length ? paths : ['/', '/directory', '/settings', '/outbox']) {
    await page.goto(app.url + p);
    const file = `${out}/${name}${p.replace(/[^a-z0-9]+/gi, '_')}.png`;
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }
  await ctx.close();
}
await browser.close();
await app.close();
await handle.close();
