// `npm run bench:surveys`: 2,000 invitations sent, then 2,000 answers submitted concurrently over
// HTTP on loopback; prints requests per second, latency percentiles and the analysis page's time.
// Embedded PGlite by default; BENCH_DATABASE_URL=postgres://… runs it on a PostgreSQL server
// (a fresh database is created there and dropped after).
import { openScratchDatabase } from '../src/platform/testing.ts';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { simpleParser } from 'mailparser';
import type { Handle } from '../src/platform/db.ts';
import { loadConfig } from '../src/platform/config.ts';
import { startOstal } from '../src/app/server.ts';
import { openSession } from '../src/auth/signin.ts';
import { addAudience, openSurvey } from '../src/surveys/campaign.ts';
import { aSurvey, ORGANISER } from '../src/surveys/testing.ts';

const N = Number(process.env.BENCH_N ?? 2000);

async function openBenchDatabase(): Promise<{ handle: Handle; drop: () => Promise<void>; label: string }> {
  return openScratchDatabase(process.env.BENCH_DATABASE_URL, 10);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const { handle, drop, label } = await openBenchDatabase();
  const db = handle.db;
  console.log(`surveys bench on ${label}: ${N} parents`);

  // A school year, one school, classes of 25, one household with one guardian and one pupil each.
  const year = await db.insertInto('school_year').values({ label: '2026-2027', starts_on: '2026-09-01', ends_on: '2027-08-31', is_current: true }).returning('id').executeTakeFirstOrThrow();
  const school = await db.insertInto('school').values({ name: 'Calandreta de banc', slug: 'calandreta-banc' }).returning('id').executeTakeFirstOrThrow();
  const classes = await db
    .insertInto('class')
    .values(Array.from({ length: Math.ceil(N / 25) }, (_, i) => ({ school_id: school.id, school_year_id: year.id, name: `Classa ${i + 1}`, level: 'CM1' })))
    .returning('id')
    .execute();
  for (let i = 0; i < N; i += 500) {
    const n = Math.min(500, N - i);
    const idx = Array.from({ length: n }, (_, j) => i + j);
    const people = await db.insertInto('person').values(idx.map((k) => ({ first_name: 'Parent', last_name: `Banc${k}` }))).returning('id').execute();
    await db.insertInto('person_email').values(people.map((p, j) => ({ email: `parent${idx[j]}@bench.example.org`, person_id: p.id }))).execute();
    const hh = await db.insertInto('household').values(idx.map((k) => ({ name: `Familha Banc ${k}` }))).returning('id').execute();
    await db.insertInto('household_guardian').values(hh.map((h, j) => ({ household_id: h.id, person_id: people[j]!.id }))).execute();
    const pupils = await db.insertInto('pupil').values(hh.map((h) => ({ household_id: h.id, first_name: 'Nina' }))).returning('id').execute();
    await db.insertInto('enrolment').values(pupils.map((p, j) => ({ pupil_id: p.id, school_year_id: year.id, class_id: classes[Math.floor(idx[j]! / 25)]!.id }))).execute();
  }
  const admin = await db.insertInto('person').values({ first_name: 'Admin', last_name: 'Banc', is_platform_admin: true }).returning('id').executeTakeFirstOrThrow();

  const s = await aSurvey(db);
  await addAudience(db, ORGANISER, s.id, 'all_parents', null);
  const config = loadConfig({ PORT: '0', SMTP_PORT: '0', MAIL_DOMAIN: 'lists.example.org', DATA_DIR: '/nonexistent' });
  const running = await startOstal(config, { handle, port: 0 });
  const t0 = performance.now();
  const res = await openSurvey(db, running.deps.mailer, ORGANISER, s.id, { publicUrl: running.url, mailDomain: 'lists.example.org' });
  const openMs = performance.now() - t0;
  console.log(`open: ${res.invited} invitations and personal mails written in ${ms(openMs)} (${Math.round(res.invited / (openMs / 1000))} per second)`);

  const raws = await db.selectFrom('outbox_message').select('raw').execute();
  const tokens: string[] = [];
  for (const r of raws) {
    const m = await simpleParser(Buffer.from(r.raw));
    const x = /\/s\/([A-Za-z0-9_-]{43})/.exec(m.text ?? '');
    if (x) tokens.push(x[1]!);
  }

  // Each respondent: GET the page (the CSRF cookie comes with it), then POST the answers; all at once.
  const csrf = randomBytes(24).toString('base64url');
  const cookie = `ostal_csrf=${csrf}`;
  const body = (k: number) =>
    new URLSearchParams([
      ['_csrf', csrf],
      ['action', 'submit'],
      [`q${s.q.devices}`, String(s.opt.computer)],
      [`q${s.q.devices}`, String(k % 2 ? s.opt.phone : s.opt.tablet)],
      [`q${s.q.internet}`, String(k % 5 ? s.opt.yes : s.opt.no)],
      [`q${s.q.tabletUse}`, 'Devoirs et jeux'],
      [`q${s.q.ease}`, String(1 + (k % 5))],
      [`q${s.q.comment}`, `Remarque numéro ${k} <b>sans effet</b>`],
    ]);
  // All requests are issued at once; like a crowd of browsers behind a few NATs they share
  // 256 keep-alive connections (2,000 fresh sockets at once overflow the listen backlog).
  let agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const base = new URL(running.url);
  const request = (method: 'GET' | 'POST', path: string, payload?: string) =>
    new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path,
          headers: { cookie, ...(payload ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const timed = async (f: () => Promise<{ status: number }>) => {
    const a = performance.now();
    const r = await f();
    return { status: r.status, ms: performance.now() - a };
  };
  const run = async (name: string, f: (token: string, k: number) => Promise<{ status: number }>) => {
    const start = performance.now();
    const results = await Promise.all(tokens.map((tok, k) => timed(() => f(tok, k))));
    const total = performance.now() - start;
    const lat = results.map((r) => r.ms).sort((a, b) => a - b);
    const bad = results.filter((r) => r.status !== 200).length;
    console.log(
      `${name}: ${results.length} requests in ${ms(total)} → ${Math.round(results.length / (total / 1000))} req/s; ` +
        `latency p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))}, p99 ${ms(percentile(lat, 99))}, max ${ms(lat[lat.length - 1]!)}; non-200: ${bad}`,
    );
  };
  {
    // One respondent alone: the latency without queueing.
    const lat: number[] = [];
    for (const tok of tokens.slice(0, 100)) lat.push((await timed(() => request('GET', `/s/${tok}`))).ms);
    lat.sort((a, b) => a - b);
    console.log(`GET  /s/:token one at a time: p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))}`);
  }
  await run('GET  /s/:token (answer page)', (tok) => request('GET', `/s/${tok}`));
  // Fresh connections for the second wave: the server drops keep-alive sockets left idle.
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  await run('POST /s/:token (submit)     ', (tok, k) => request('POST', `/s/${tok}`, body(k).toString()));
  agent.destroy();
  const stored = await db.selectFrom('survey_response').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  console.log(`responses stored: ${Number(stored.n)} (expected ${tokens.length})`);

  const session = await openSession(db, admin.id, { personId: admin.id, label: 'bench' });
  const page = async (path: string) => {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      const a = performance.now();
      const r = await fetch(`${running.url}${path}`, { headers: { cookie: `ostal_session=${session}` } });
      size = (await r.text()).length;
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      times.push(performance.now() - a);
    }
    times.sort((a, b) => a - b);
    console.log(`${path}: median ${ms(times[2]!)} over 5 loads (first ${ms(times[0]!)} … ${ms(times[4]!)}), ${Math.round(size / 1024)} KiB`);
  };
  await page(`/surveys/${s.id}/results`);
  await page(`/surveys/${s.id}/results?x=${s.q.internet}&y=${s.q.devices}`);
  await page(`/surveys/${s.id}/rate`);
  await page(`/surveys/${s.id}/export.csv`);

  await running.close();
  await handle.close();
  await drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
