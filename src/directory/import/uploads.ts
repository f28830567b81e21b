// Uploads kept between the preview and the confirmation, and the apply run in the background
// of the web process so that a long import shows its progress.
//
// A file is read once, at upload (in a worker, offThread.ts): the rows read and the preview
// checked then are stored, the bytes are not; the confirmation applies those rows. Rows and
// preview are cleared in the commit that applies them, and an upload that was not applied is
// deleted 24 hours after it was made, by the sweep that runs at each upload and each visit of
// the import pages (forgetOldUploads).
//
// States: pending → running → applied | failed | interrupted (→ running again).
// The claim (pending → running) is one conditional UPDATE, so a double click applies once.
// The apply's transaction locks the upload row and marks it applied in the same commit as
// the data; a process killed mid-import leaves the row 'running' and unlocked, which the
// next reader (after a restart) marks 'interrupted'.
import { sql, type ColumnType, type Generated } from 'kysely';
import type { Db, Queryable } from '../../platform/db.ts';
import type { Actor } from '../../platform/audit.ts';
import { Conflict, Forbidden, NotFound } from '../../platform/errors.ts';
import { checkFileSize, importSheets, readImportFile, sha256, type ImportFile, type ImportReport } from './importDirectory.ts';
import { PLAN_KINDS, type Counts, type ImportIssue } from './plan.ts';
import { storable } from './sheets.ts';
import type { RawSheet } from './read.ts';

export type UploadStatus = 'pending' | 'running' | 'applied' | 'failed' | 'interrupted';

export interface UploadResult {
  counts?: Counts;
  errors?: ImportIssue[];
  /** An unexpected failure (database down…), in English, for the IT group. */
  failure?: string;
}

interface ImportUploadTable {
  id: Generated<number>;
  created_at: ColumnType<Date, never, never>;
  uploaded_by: number | null;
  file_name: string;
  /** The rows read at upload, when the check found no error; null once applied. */
  sheets: ColumnType<RawSheet[] | null, string | null | undefined, string | null>;
  /** The check made at upload, as the preview shows it; null once applied. */
  preview: ColumnType<ImportReport | null, string | undefined, string | null>;
  sha256: string;
  size: number;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  status: ColumnType<UploadStatus, UploadStatus | undefined, UploadStatus>;
  started_at: ColumnType<Date | null, Date | string | undefined, Date | string | null>;
  finished_at: ColumnType<Date | null, Date | string | undefined, Date | string | null>;
  result: ColumnType<UploadResult | null, string | undefined, string | null>;
}

const withUploads = (db: Queryable) => db.withTables<{ import_upload: ImportUploadTable }>();

/** How long a previewed upload waits for its confirmation, and then how long it is kept at all. */
const KEEP_HOURS = 24;
/** Errors kept with a failed run (the full report is shown again by a new preview). */
const MAX_KEPT_ERRORS = 1000;
/** Changes of each kind kept in the stored preview (the counts give the rest). */
export const PREVIEW_ROWS = 10;

/** Runs of this process: their progress, and proof that a 'running' row is alive. */
const localRuns = new Map<number, { done: number; total: number; promise: Promise<void> }>();

export function runProgress(id: number): { done: number; total: number } | undefined {
  const r = localRuns.get(id);
  return r && { done: r.done, total: r.total };
}

/** Waits for this process's background runs (tests, shutdown). */
export async function settleRuns(): Promise<void> {
  await Promise.all([...localRuns.values()].map((r) => r.promise));
}

/**
 * Deletes the uploads made more than 24 hours ago that were not applied (applied ones keep
 * no rows and stay as history), with whatever rows, preview or errors they hold. A run that
 * is still applying is left to finish (markInterrupted takes care of dead ones).
 */
export async function forgetOldUploads(db: Queryable): Promise<number> {
  const r = await withUploads(db)
    .deleteFrom('import_upload')
    .where('status', '<>', 'applied')
    .where('status', '<>', 'running')
    .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${KEEP_HOURS})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Reads the file once and checks it against the directory as it is now; keeps the rows (when
 * there is no error) and the preview for the confirmation. The bytes are not kept.
 */
export async function storeUpload(db: Db, actor: Actor & { personId: number }, file: ImportFile): Promise<number> {
  checkFileSize(file.bytes.byteLength);
  await forgetOldUploads(db);
  const name = (storable(file.name).replace(/[\u0000-\u001f\u007f]/g, '').replace(/^.*[\\/]/, '') || 'import').slice(0, 255);
  const source = { name, sha256: sha256(file.bytes) };
  const read = await readImportFile({ name, bytes: file.bytes });
  const report: ImportReport =
    'error' in read
      ? { file: name, sha256: source.sha256, dryRun: true, applied: false, sheets: [], errors: [read.error], counts: emptyCounts(), changes: emptyChanges() }
      : await importSheets(db, actor, source, read.sheets, { dryRun: true });
  for (const kind of PLAN_KINDS) report.changes[kind] = report.changes[kind].slice(0, PREVIEW_ROWS);
  const row = await withUploads(db)
    .insertInto('import_upload')
    .values({
      uploaded_by: actor.personId,
      file_name: name,
      sheets: 'sheets' in read && report.errors.length === 0 ? JSON.stringify(read.sheets) : null,
      preview: JSON.stringify(report),
      sha256: source.sha256,
      size: file.bytes.byteLength,
      expires_at: new Date(Date.now() + KEEP_HOURS * 3600_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function emptyCounts(): Counts {
  return Object.fromEntries(PLAN_KINDS.map((k) => [k, { create: 0, update: 0, unchanged: 0 }])) as unknown as Counts;
}
function emptyChanges(): ImportReport['changes'] {
  return Object.fromEntries(PLAN_KINDS.map((k) => [k, []])) as unknown as ImportReport['changes'];
}

export interface UploadInfo {
  id: number;
  createdAt: Date;
  uploadedBy: number | null;
  fileName: string;
  sha256: string;
  size: number;
  expiresAt: Date;
  status: UploadStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: UploadResult | null;
  /** Rows kept for the confirmation: read at upload with no error, not applied, not failed. */
  hasRows: boolean;
}

const INFO_COLUMNS = ['id', 'created_at', 'uploaded_by', 'file_name', 'sha256', 'size', 'expires_at', 'status', 'started_at', 'finished_at', 'result'] as const;

function toInfo(r: Record<(typeof INFO_COLUMNS)[number], unknown> & { has_rows: boolean }): UploadInfo {
  return {
    id: r.id as number,
    createdAt: r.created_at as Date,
    uploadedBy: r.uploaded_by as number | null,
    fileName: r.file_name as string,
    sha256: r.sha256 as string,
    size: r.size as number,
    expiresAt: r.expires_at as Date,
    status: r.status as UploadStatus,
    startedAt: r.started_at as Date | null,
    finishedAt: r.finished_at as Date | null,
    result: r.result as UploadResult | null,
    hasRows: r.has_rows,
  };
}

/**
 * Marks as interrupted the runs that no process is applying any more: not run by this
 * process and not locked by another one's transaction. On a server, a run claimed by another
 * process gets a few seconds to open its transaction before it can be taken for dead.
 */
export async function markInterrupted(db: Db, graceSeconds: number): Promise<number> {
  const u = withUploads(db);
  const running = await u.selectFrom('import_upload').select('id').where('status', '=', 'running').execute();
  let n = 0;
  for (const { id } of running) {
    if (localRuns.has(id)) continue;
    n += await u.transaction().execute(async (trx) => {
      const free = await trx
        .selectFrom('import_upload')
        .select('id')
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('started_at', '<', sql<Date>`now() - make_interval(secs => ${graceSeconds})`)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!free) return 0;
      await trx.updateTable('import_upload').set({ status: 'interrupted', finished_at: new Date() }).where('id', '=', id).execute();
      return 1;
    });
  }
  return n;
}

export async function getUpload(db: Db, id: number): Promise<UploadInfo | undefined> {
  const r = await withUploads(db)
    .selectFrom('import_upload')
    .select([...INFO_COLUMNS, sql<boolean>`sheets is not null`.as('has_rows')])
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toInfo(r as never);
}

export async function recentUploads(db: Db, limit = 10): Promise<UploadInfo[]> {
  const rows = await withUploads(db)
    .selectFrom('import_upload')
    .select([...INFO_COLUMNS, sql<boolean>`sheets is not null`.as('has_rows')])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => toInfo(r as never));
}

/** The check made at upload, for the preview page. */
export async function uploadPreview(db: Db, id: number): Promise<ImportReport | undefined> {
  const r = await withUploads(db).selectFrom('import_upload').select('preview').where('id', '=', id).executeTakeFirst();
  return r?.preview ?? undefined;
}

export type ClaimOutcome = 'started' | 'already';

/**
 * Confirms an upload: claims it (once) and starts applying it in the background.
 * 'already' when it was confirmed before (a double click): nothing is applied twice.
 */
export async function confirmUpload(db: Db, actor: Actor & { personId: number }, id: number, expectedSha256: string): Promise<ClaimOutcome> {
  const u = withUploads(db);
  const row = await u.selectFrom('import_upload').select(['uploaded_by', 'sha256', 'status', 'expires_at']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('error.notFound');
  // Whoever previewed the file confirms it: nobody applies a file they have not seen.
  if (row.uploaded_by !== actor.personId) throw new Forbidden('import.error.notYours');
  if (row.status === 'running' || row.status === 'applied') return 'already';
  if (row.sha256 !== expectedSha256) throw new Conflict('import.error.changed');
  const claimed = await u
    .updateTable('import_upload')
    .set({ status: 'running', started_at: new Date(), finished_at: null, result: null })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'interrupted'])
    .where('sheets', 'is not', null)
    .where('expires_at', '>', new Date())
    .returning('id')
    .executeTakeFirst();
  if (!claimed) {
    const now = await u.selectFrom('import_upload').select(['status']).where('id', '=', id).executeTakeFirstOrThrow();
    if (now.status === 'running' || now.status === 'applied') return 'already';
    throw new Conflict('import.error.expired');
  }
  startRun(db, actor, id);
  return 'started';
}

function startRun(db: Db, actor: Actor, id: number): void {
  const run = { done: 0, total: 0, promise: Promise.resolve() };
  localRuns.set(id, run);
  run.promise = applyUpload(db, actor, id, (done, total) => {
    run.done = done;
    run.total = total;
  }).finally(() => localRuns.delete(id));
}

async function applyUpload(db: Db, actor: Actor, id: number, progress: (done: number, total: number) => void): Promise<void> {
  const u = withUploads(db);
  // A run that did not apply cannot be confirmed again: its rows and preview go at once.
  const finish = (status: UploadStatus, result: UploadResult) =>
    u
      .updateTable('import_upload')
      .set({ status, finished_at: new Date(), result: JSON.stringify(result), sheets: null, preview: null })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  try {
    const row = await u.selectFrom('import_upload').select(['file_name', 'sha256', 'sheets']).where('id', '=', id).executeTakeFirst();
    if (!row?.sheets) throw new Error('the rows of the upload are missing');
    // The rows read at upload: the file is not read again.
    const report = await importSheets(db, actor, { name: row.file_name, sha256: row.sha256 }, row.sheets, {
      dryRun: false,
      onProgress: progress,
      // Held for the whole transaction: readers elsewhere see the run is alive.
      begin: async (trx) => {
        const mine = await withUploads(trx).selectFrom('import_upload').select('id').where('id', '=', id).where('status', '=', 'running').forUpdate().executeTakeFirst();
        if (!mine) throw new Conflict('import.error.expired');
      },
      // Marked applied, and its rows dropped, in the same commit as the data: applied once, or not at all.
      beforeCommit: async (trx, r) => {
        await withUploads(trx)
          .updateTable('import_upload')
          .set({ status: 'applied', finished_at: new Date(), sheets: null, preview: null, result: JSON.stringify({ counts: r.counts }) })
          .where('id', '=', id)
          .execute();
      },
    });
    if (!report.applied) await finish('failed', { counts: report.counts, errors: report.errors.slice(0, MAX_KEPT_ERRORS) });
  } catch (err) {
    console.error(`directory import ${id} failed:`, (err as Error).message);
    await finish('failed', { failure: (err as Error).message.slice(0, 500) }).catch(() => {});
  }
}
