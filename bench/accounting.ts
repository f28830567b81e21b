// npm run bench:accounting — 1,000,000 entry lines generated and posted (drafts written, then
// validated through the numbering trigger, balance checked at commit), then timed: trial
// balance, general ledger of one account, FEC export (streamed to a file), FEC import of that
// file (set-based), trial balance after it. Prints peak memory.
// Uses PGlite in memory, or the PostgreSQL server of DATABASE_URL. LINES=… to change the size.
import { openScratchDatabase } from '../src/platform/testing.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import type { Handle } from '../src/platform/db.ts';
import { CLI_ACTOR } from '../src/platform/audit.ts';
import { addSubAccount, createFiscalYear } from '../src/accounting/books.ts';
import { trialBalance, generalLedger } from '../src/accounting/reports.ts';
import { exportFec, importFec } from '../src/accounting/fec.ts';

const LINES = Number(process.env.LINES ?? 1_000_000);
const PER_ENTRY = 4;
const BATCH = 10_000; // entries per transaction
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const sampler = setInterval(sample, 20);

async function open(): Promise<{ h: Handle; drop: () => Promise<void>; kind: string }> {
  const { handle, drop, label } = await openScratchDatabase(process.env.DATABASE_URL, 4);
  // This benchmark ends with drop() alone: close the pool before the database goes.
  return { h: handle, drop: async () => (await handle.close(), await drop()), kind: label };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  console.log(`  ${label.padEnd(44)} ${((performance.now() - t0) / 1000).toFixed(2).padStart(8)} s`);
  return r;
}

const { h, drop, kind } = await open();
const db = h.db;
console.log(`Ostal accounting benchmark on ${kind}, Node ${process.version}, ${LINES.toLocaleString('en')} lines`);
const fy = await createFiscalYear(db, CLI_ACTOR, '2025-09-01', '2026-08-31');
await addSubAccount(db, CLI_ACTOR, '5121', 'Banca');
await addSubAccount(db, CLI_ACTOR, '4111', 'Familles');
const entries = Math.ceil(LINES / PER_ENTRY);

await timed(`post ${entries.toLocaleString('en')} entries (${(entries * PER_ENTRY).toLocaleString('en')} lines)`, async () => {
  for (let start = 0; start < entries; start += BATCH) {
    const n = Math.min(BATCH, entries - start);
    await db.transaction().execute(async (trx) => {
      // Drafts: a purchase paid from the bank and a household's fee, four lines each.
      const ids = await sql<{ id: number }>`
        insert into entry (fiscal_year_id, journal_code, entry_date, label, piece_ref, created_by_label)
        select ${fy.id}::bigint, (array['AC','VT','BQ','OD'])[1 + g % 4], date '2025-09-01' + (g % 365), 'Écriture ' || g, 'P' || g, 'bench'
        from generate_series(${start}::int, ${start + n - 1}::int) g
        returning id`.execute(trx);
      const first = ids.rows[0]!.id;
      const last = ids.rows[ids.rows.length - 1]!.id;
      await sql`
        insert into entry_line (entry_id, line_no, account_number, third_party_code, label, debit_cents, credit_cents, section_code)
        select e.id, k,
          case k when 1 then (array['6063','6064','6061','616','627','6226'])[1 + e.id % 6] when 2 then '5121' when 3 then '4111' else (array['706','756','7541'])[1 + e.id % 3] end,
          null, '',
          case when k in (1, 3) then 100 + (e.id * 7919) % 50000 else 0 end,
          case when k in (2, 4) then 100 + (e.id * 7919) % 50000 else 0 end,
          null
        from entry e cross join generate_series(1, 4) k
        where e.id between ${first}::bigint and ${last}::bigint`.execute(trx);
      // Validation: each row takes the next number from the locked counter.
      await sql`update entry set status = 'validated', validated_by_label = 'bench' where id between ${first}::bigint and ${last}::bigint`.execute(trx);
    });
    sample();
  }
});
const count = await db.selectFrom('entry_line').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
const maxNumber = await db.selectFrom('entry').select((eb) => eb.fn.max('number').as('m')).executeTakeFirstOrThrow();
console.log(`  (${Number(count.n).toLocaleString('en')} lines in the database, numbers 1 to ${maxNumber.m})`);

const tb = await timed('trial balance (balance générale), whole year', () => trialBalance(db, { from: fy.starts_on, to: fy.ends_on }));
if (tb.totals.debit !== tb.totals.credit) throw new Error('trial balance does not balance');
const gl = await timed('general ledger of 6064, whole year', () => generalLedger(db, { account: '6064', from: fy.starts_on, to: fy.ends_on }));
console.log(`  (${tb.rows.length} accounts; ${gl.lines.length.toLocaleString('en')} ledger lines)`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-bench-fec-'));
const file = path.join(dir, '000000000FEC20260831.txt');
const rssBeforeFec = process.memoryUsage().rss;
peakRss = rssBeforeFec;
const fec = await timed('FEC export (streamed to a file)', async () => {
  const out = fs.createWriteStream(file);
  const r = await exportFec(db, fy.id, async (chunk) => {
    if (!out.write(chunk)) await once(out, 'drain');
  });
  out.end();
  await once(out, 'finish');
  return r;
});
const fecPeak = peakRss;
console.log(`  (${fec.lines.toLocaleString('en')} FEC lines, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB; RSS before ${(rssBeforeFec / 1e6).toFixed(0)} MB, peak during export ${(fecPeak / 1e6).toFixed(0)} MB)`);
// FEC import: the file just exported, read back as another software's history (its entries
// are not ours to the import, which knows only what it imported itself), posted set-based.
const rssBeforeImport = process.memoryUsage().rss;
peakRss = rssBeforeImport;
const imported = await timed(`FEC import of ${fec.lines.toLocaleString('en')} lines`, () => importFec(db, CLI_ACTOR, fs.readFileSync(file)));
if (!imported.ok) throw new Error(`FEC import refused: ${JSON.stringify(imported.errors.slice(0, 5))}`);
const importPeak = peakRss;
console.log(`  (${imported.entries.toLocaleString('en')} entries, ${imported.lines.toLocaleString('en')} lines; RSS before ${(rssBeforeImport / 1e6).toFixed(0)} MB, peak during import ${(importPeak / 1e6).toFixed(0)} MB)`);
const tb2 = await timed('trial balance after the import (ANALYZEd)', () => trialBalance(db, { from: fy.starts_on, to: fy.ends_on }));
if (tb2.totals.debit !== 2 * tb.totals.debit) throw new Error('the import did not double the trial balance');
fs.rmSync(dir, { recursive: true });
clearInterval(sampler);
sample();
console.log(`  peak RSS of the whole run: ${(Math.max(peakRss, fecPeak, importPeak) / 1e6).toFixed(0)} MB`);
// drop() closes the handle first (see open()); closing PGlite twice throws.
await drop();
