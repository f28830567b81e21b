// Reading spreadsheets off the request path: zip bombs and the worker's limits. No database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { readSpreadsheet, readStats } from './offThread.ts';
import { checkInflatedSize, MAX_UNZIPPED_BYTES, UnreadableFile, zipEntries } from './read.ts';
import { templateXlsx } from './templates.ts';
import { aZipBomb } from './zipBomb.ts';

/** The longest time the event loop went without running a 10 ms timer while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T | Error; stallMs: number }> {
  let last = Date.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    return { result: await work().catch((e: Error) => e), stallMs: Math.max(stallMs, Date.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

const isUnreadable = (reason: UnreadableFile['reason']) => (e: unknown) => e instanceof UnreadableFile && e.reason === reason;

test('the central directory of a workbook is read as JSZip reads it, and its declared sizes are the real ones', async () => {
  const bytes = await templateXlsx();
  const entries = zipEntries(bytes);
  const zip = await JSZip.loadAsync(bytes);
  assert.deepEqual(entries.map((e) => e.name).sort(), Object.keys(zip.files).sort());
  let real = 0;
  for (const e of entries) if (!zip.files[e.name]!.dir) real += (await zip.file(e.name)!.async('nodebuffer')).length;
  assert.equal(entries.reduce((n, e) => n + e.declaredSize, 0), real);
  assert.equal(checkInflatedSize(bytes, entries), real);
});

test('the zip bomb of the issue (a sheet of repeated cells unzipping to 190 MB) is refused from its declared size, before any reading starts', async () => {
  const bomb = await aZipBomb({ unzippedMb: 190 });
  assert.ok(bomb.byteLength < 1024 * 1024, `the bomb is small (${bomb.byteLength} bytes)`);
  const started = readStats.started;
  const { result, stallMs } = await longestStall(() => readSpreadsheet('bomb.xlsx', bomb));
  assert.ok(isUnreadable('xlsxUnzipped')(result), String(result));
  assert.equal(readStats.started, started, 'no worker was started');
  assert.ok(stallMs < 500, `the event loop stalled ${stallMs} ms`);
});

test('a bomb whose zip lies about its size is refused while it inflates, in a worker, and timers keep running meanwhile', async () => {
  const bomb = await aZipBomb({ unzippedMb: 120, lie: true });
  assert.ok(zipEntries(bomb).reduce((n, e) => n + e.declaredSize, 0) < MAX_UNZIPPED_BYTES);
  const started = readStats.started;
  const { result, stallMs } = await longestStall(() => readSpreadsheet('bomb.xlsx', bomb));
  assert.ok(isUnreadable('xlsxUnzipped')(result), String(result));
  assert.equal(readStats.started, started + 1);
  assert.ok(stallMs < 500, `the event loop stalled ${stallMs} ms`);
});

test('a big workbook is read in the worker while timers keep running', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Groupes');
  ws.addRow(['groupe', 'type', 'prenom', 'nom', 'email']);
  for (let i = 0; i < 5_000; i++) ws.addRow([`Commission ${i % 10}`, 'commission', `Prénom${i}`, `Nom${i}`, `p${i}@example.org`]);
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  const t0 = Date.now();
  const { result, stallMs } = await longestStall(() => readSpreadsheet('groupes.xlsx', bytes));
  assert.ok(!(result instanceof Error), String(result));
  assert.equal(result[0]!.rows.length, 5_001);
  assert.ok(stallMs < 500, `the event loop stalled ${stallMs} ms while reading took ${Date.now() - t0} ms`);
});

test('a reading that passes its memory or its time is stopped and the file refused', async () => {
  const bytes = await templateXlsx();
  await assert.rejects(readSpreadsheet('t.xlsx', bytes, { unzippedBytes: MAX_UNZIPPED_BYTES, memoryMb: 512, timeMs: 1 }), isUnreadable('tooSlow'));
  await assert.rejects(readSpreadsheet('t.xlsx', bytes, { unzippedBytes: MAX_UNZIPPED_BYTES, memoryMb: 4, timeMs: 60_000 }), isUnreadable('tooBig'));
  // And the next reading works: a stopped worker leaves nothing behind.
  assert.ok((await readSpreadsheet('t.xlsx', bytes)).length >= 4);
});
