// importDirectory: the one business operation behind the import page and `ostal directory import`.
// Read the file, check every row against the directory, plan, and (unless dry run) write the
// whole plan in one transaction: an import with any error writes nothing.
import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../platform/db.ts';
import { recordEvent, type Actor } from '../../platform/audit.ts';
import { TooLarge } from '../../platform/errors.ts';
import { markRealData } from '../demo/tryAs.ts';
import type { MessageKey } from '../../platform/i18n/index.ts';
import { applyPlan, loadSnapshot, plannedWrites } from './apply.ts';
import { countPlan, planImport, PLAN_KINDS, type Action, type Counts, type ImportIssue, type PlanKind } from './plan.ts';
import { recogniseSheets, type SheetSummary } from './sheets.ts';
import { MAX_FILE_BYTES, UnreadableFile, type RawSheet } from './read.ts';
import { READ_LIMITS, readSpreadsheet } from './offThread.ts';

export interface ImportFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportOptions {
  dryRun: boolean;
  /** Writes done out of the total, while applying. */
  onProgress?: (done: number, total: number) => void;
  /** Runs first inside the import's transaction (e.g. locking the upload being applied). */
  begin?: (trx: Queryable) => Promise<void>;
  /** Runs inside the import's transaction after the writes (e.g. marking the upload applied). */
  beforeCommit?: (trx: Queryable, report: ImportReport) => Promise<void>;
}

export interface ChangeLine {
  action: Action;
  label: string;
  before?: string;
  sheet: string;
  line: number;
}

export interface ImportReport {
  file: string;
  sha256: string;
  dryRun: boolean;
  /** True once the changes are committed. */
  applied: boolean;
  sheets: SheetSummary[];
  errors: ImportIssue[];
  counts: Counts;
  /** What would change (create or update), per kind, in file order. */
  changes: Record<PlanKind, ChangeLine[]>;
}

const UNREADABLE_KEYS: Record<UnreadableFile['reason'], MessageKey> = {
  csvQuote: 'import.error.csvQuote',
  csv: 'import.error.csv',
  xlsx: 'import.error.xlsx',
  xlsxUnzipped: 'import.error.xlsxUnzipped',
  xls: 'import.error.xls',
  empty: 'import.error.empty',
  tooBig: 'import.error.tooComplex',
  tooSlow: 'import.error.tooSlow',
};

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The file-size rule, checked before anything reads the content. */
export function checkFileSize(size: number): void {
  if (size > MAX_FILE_BYTES) throw new TooLarge('import.error.tooLarge', { max: MAX_FILE_BYTES / (1024 * 1024), size: (size / (1024 * 1024)).toFixed(1) });
}

function emptyChanges(): Record<PlanKind, ChangeLine[]> {
  return Object.fromEntries(PLAN_KINDS.map((k) => [k, []])) as unknown as Record<PlanKind, ChangeLine[]>;
}

function emptyReport(source: ImportSource, dryRun: boolean): ImportReport {
  return {
    file: source.name,
    sha256: source.sha256,
    dryRun,
    applied: false,
    sheets: [],
    errors: [],
    counts: countPlan({ schools: [], classes: [], people: [], households: [], pupils: [], enrolments: [], guardians: [], regents: [], staff: [], groups: [], memberships: [], ids: {} }),
    changes: emptyChanges(),
  };
}

/** What a report says about where its rows came from. */
export interface ImportSource {
  name: string;
  sha256: string;
}

/**
 * Reads the file (in a worker, offThread.ts): its rows, or the one error that says why it
 * cannot be read. The only place an import parses a file.
 */
export async function readImportFile(file: ImportFile): Promise<{ sheets: RawSheet[] } | { error: ImportIssue }> {
  checkFileSize(file.bytes.byteLength);
  try {
    return { sheets: await readSpreadsheet(file.name, file.bytes) };
  } catch (err) {
    if (!(err instanceof UnreadableFile)) throw err;
    return { error: { sheet: file.name, line: err.line, column: '', key: UNREADABLE_KEYS[err.reason], params: { line: err.line ?? '', max: READ_LIMITS.unzippedBytes / (1024 * 1024), seconds: READ_LIMITS.timeMs / 1000 } } };
  }
}

/** Reads the file, then checks and (unless dry run) applies its rows: the CLI's one call. */
export async function importDirectory(db: Db, actor: Actor, file: ImportFile, opts: ImportOptions): Promise<ImportReport> {
  checkFileSize(file.bytes.byteLength);
  const source = { name: file.name, sha256: sha256(file.bytes) };
  const read = await readImportFile(file);
  if ('error' in read) return { ...emptyReport(source, opts.dryRun), errors: [read.error] };
  return importSheets(db, actor, source, read.sheets, opts);
}

/**
 * Checks rows already read against the directory and, unless dry run, writes the whole plan in
 * one transaction. The web's confirmation calls it with the rows read at upload.
 */
export async function importSheets(db: Db, actor: Actor, source: ImportSource, raw: RawSheet[], opts: ImportOptions): Promise<ImportReport> {
  const report = emptyReport(source, opts.dryRun);
  const recognised = recogniseSheets(raw);
  report.sheets = recognised.summaries;

  return db.transaction().execute(async (trx) => {
    if (!opts.dryRun) await opts.begin?.(trx);
    const snapshot = await loadSnapshot(trx);
    const { errors, plan, counts } = planImport(recognised.sheets, snapshot, recognised.errors);
    report.errors = errors;
    report.counts = counts;
    for (const kind of PLAN_KINDS) {
      report.changes[kind] = plan[kind]
        .filter((i) => i.action !== 'unchanged')
        .map((i) => ({ action: i.action, label: i.label, ...(i.before !== undefined ? { before: i.before } : {}), sheet: i.at.sheet, line: i.at.line }));
    }
    if (errors.length > 0 || opts.dryRun) return report;
    const total = plannedWrites(plan);
    opts.onProgress?.(0, total);
    await applyPlan(trx, plan, snapshot.year?.id ?? null, (done) => opts.onProgress?.(done, total));
    const changed = Object.fromEntries(PLAN_KINDS.map((k) => [k, { create: counts[k].create, update: counts[k].update }]));
    await recordEvent(trx, actor, 'directory.import', `file:${source.name.slice(0, 200)}`, { sha256: report.sha256, changed });
    // From now on the directory may hold real people: the demo's "try as" is gone for good.
    await markRealData(trx, actor);
    report.applied = true;
    await opts.beforeCommit?.(trx, report);
    return report;
  });
}

/** True when the report's plan changes nothing (a file imported again). */
export function nothingToChange(report: ImportReport): boolean {
  return PLAN_KINDS.every((k) => report.counts[k].create === 0 && report.counts[k].update === 0);
}
