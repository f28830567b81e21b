// Reading an uploaded spreadsheet off the request path. Unzipping and parsing an XLSX is
// synchronous work of seconds (ExcelJS builds the whole workbook in memory): done in the
// server's thread, a hostile or huge file stalled every request for half a minute and took
// gigabytes. Here it runs in a worker thread with a bounded heap and a time limit, one file
// at a time per process, after a check of the sizes the zip declares that costs nothing.
import { Worker } from 'node:worker_threads';
import { checkDeclaredSize, fileKind, MAX_UNZIPPED_BYTES, UnreadableFile, zipEntries, type RawSheet, type UnreadableReason } from './read.ts';

export interface ReadLimits {
  /** Bytes that every part of an XLSX together may unpack to (declared, then really). */
  unzippedBytes: number;
  /** The worker's V8 heap (old generation): past it, the worker is stopped. */
  memoryMb: number;
  /** Past it, the worker is stopped. */
  timeMs: number;
}

/**
 * The worst real file, 50,000 rows of twelve distinct cells (36 MB unzipped), is read in 3 s on
 * a quiet 2-core machine and in 14–20 s on the same machine under a load average of 13, within
 * a heap of 384 MB; these limits leave room for a slower machine.
 */
export const READ_LIMITS: ReadLimits = { unzippedBytes: MAX_UNZIPPED_BYTES, memoryMb: 512, timeMs: 60_000 };

export interface WorkerTask {
  name: string;
  bytes: Uint8Array;
  unzippedBytes: number;
}
export type WorkerAnswer = { ok: true; sheets: RawSheet[] } | { ok: false; reason: UnreadableReason | null; line: number | null; message: string };

/** Reads started by this process, for the tests that count them. */
export const readStats = { started: 0 };

/** One read at a time: two hostile files at once do not take twice the memory. */
let queue: Promise<unknown> = Promise.resolve();

/** Reads any supported file in a worker; throws UnreadableFile for what it cannot read. */
export async function readSpreadsheet(name: string, bytes: Uint8Array, limits: ReadLimits = READ_LIMITS): Promise<RawSheet[]> {
  const kind = fileKind(name, bytes);
  if (kind === 'xls') throw new UnreadableFile('xls');
  // A bomb that says what it is (the declared sizes) is refused before any thread starts.
  if (kind === 'xlsx') checkDeclaredSize(zipEntries(bytes), limits.unzippedBytes);
  const run = queue.then(() => inWorker({ name, bytes, unzippedBytes: limits.unzippedBytes }, limits));
  queue = run.catch(() => undefined);
  return run;
}

function inWorker(task: WorkerTask, limits: ReadLimits): Promise<RawSheet[]> {
  readStats.started++;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./readWorker.mjs', import.meta.url), {
      workerData: task,
      // Not the parent's flags (the test runner's among them): readWorker.mjs loads TypeScript itself.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
    });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
      void worker.terminate();
    };
    const timer = setTimeout(() => settle(() => reject(new UnreadableFile('tooSlow', null, `still reading after ${limits.timeMs} ms`))), limits.timeMs);
    worker.on('message', (a: WorkerAnswer) =>
      settle(() => {
        if (a.ok) resolve(a.sheets);
        else if (a.reason) reject(new UnreadableFile(a.reason, a.line, a.message));
        else reject(new Error(`reading ${task.name}: ${a.message}`));
      }),
    );
    worker.on('error', (err: Error & { code?: string }) =>
      settle(() => reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new UnreadableFile('tooBig', null, err.message) : err)),
    );
    worker.on('exit', (code) => settle(() => reject(new Error(`the spreadsheet reader stopped (exit code ${code})`))));
  });
}
