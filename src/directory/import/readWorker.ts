// The worker's body: reads one spreadsheet with the limits it is given and posts the rows, or
// why the file cannot be read. Its heap is bounded by the resourceLimits offThread.ts sets.
import { parentPort, workerData } from 'node:worker_threads';
import { readSpreadsheetHere, UnreadableFile } from './read.ts';
import type { WorkerAnswer, WorkerTask } from './offThread.ts';

const task = workerData as WorkerTask;
let answer: WorkerAnswer;
try {
  answer = { ok: true, sheets: await readSpreadsheetHere(task.name, task.bytes, task.unzippedBytes) };
} catch (err) {
  answer =
    err instanceof UnreadableFile
      ? { ok: false, reason: err.reason, line: err.line, message: err.message }
      : { ok: false, reason: null, line: null, message: (err as Error).message };
}
parentPort!.postMessage(answer);
