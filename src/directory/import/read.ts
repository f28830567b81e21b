// Reading a spreadsheet file into rows of text cells: CSV (any of the delimiters and
// encodings that spreadsheet programs write) or XLSX (possibly several sheets).
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { inflateRawSync } from 'node:zlib';
import { decodeText, detectDelimiter } from '../../platform/files.ts';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_ROWS = 50_000;
/**
 * An XLSX is a zip: 10 MB of it may unpack to gigabytes (a "zip bomb"), and the spreadsheet
 * reader needs about ten times the unpacked size in memory. A real workbook of MAX_ROWS rows
 * of twelve distinct cells each unpacks to 36 MB (sheet and shared strings); beyond this bound,
 * summed over every part of the zip, nothing is read.
 */
export const MAX_UNZIPPED_BYTES = 50 * 1024 * 1024;

export interface RawRow {
  /** 1-based line (CSV) or row number (XLSX), as the spreadsheet program shows it. */
  line: number;
  cells: string[];
}
export interface RawSheet {
  name: string;
  rows: RawRow[];
}

/** A file that cannot be read at all; `line` when the reader knows where it broke. */
export class UnreadableFile extends Error {
  constructor(
    readonly reason: UnreadableReason,
    readonly line: number | null = null,
    detail = '',
  ) {
    super(`${reason}${line ? ` at line ${line}` : ''}${detail ? `: ${detail}` : ''}`);
  }
}
/** tooBig and tooSlow: the reading ran out of the memory or the time it is given (off-thread.ts). */
export type UnreadableReason = 'csvQuote' | 'csv' | 'xlsx' | 'xlsxUnzipped' | 'xls' | 'empty' | 'tooBig' | 'tooSlow';

export type FileKind = 'csv' | 'xlsx' | 'xls';

export function fileKind(name: string, bytes: Uint8Array): FileKind {
  // The content decides, not the name: a ".csv" saved by Excel may be anything.
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'xlsx';
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) return 'xls';
  if (/\.xlsx$/i.test(name)) return 'xlsx';
  return 'csv';
}

export function readCsv(name: string, bytes: Uint8Array): RawSheet {
  const text = decodeText(bytes);
  if (text.trim() === '') throw new UnreadableFile('empty');
  const delimiter = detectDelimiter(text);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      // A stray quote inside an unquoted cell (Jean "Jo" Martin) is kept as text;
      // a quoted cell that never closes is still an error.
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const e = err as { code?: string; lines?: number; message?: string };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') throw new UnreadableFile('csvQuote', unclosedQuoteLine(text, delimiter) ?? e.lines ?? null, e.message ?? '');
    throw new UnreadableFile('csv', e.lines ?? null, e.message ?? '');
  }
  const rows: RawRow[] = [];
  for (const r of records) {
    // info.lines is the line where the record ends; a record with a line break inside a
    // quoted cell starts earlier, and people look for the start.
    const breaks = r.record.reduce((n, cell) => n + (cell.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
    rows.push({ line: r.info.lines - breaks, cells: r.record });
  }
  return { name: name.replace(/^.*[\\/]/, ''), rows };
}

/**
 * The line where the quote that never closes was opened (csv-parse only knows where the
 * file ended, which is no help to find it in a spreadsheet).
 */
export function unclosedQuoteLine(text: string, delimiter: string): number | null {
  let line = 1;
  let openedAt: number | null = null;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (openedAt !== null) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else {
          openedAt = null;
          atFieldStart = false;
        }
      } else if (ch === '\n') line++;
      continue;
    }
    if (ch === '"' && atFieldStart) openedAt = line;
    else if (ch === '\n') {
      line++;
      atFieldStart = true;
      continue;
    }
    atFieldStart = ch === delimiter || (ch === '\r' && text[i + 1] === '\n') || (atFieldStart && (ch === ' ' || ch === '\t') && delimiter !== ch);
  }
  return openedAt;
}

function cellText(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    // Hyperlinks (addresses Excel turned into mailto: links), rich text, formula results.
    if ('text' in v && v.text !== undefined) return typeof v.text === 'string' ? v.text.trim() : (v.text as { richText: Array<{ text: string }> }).richText.map((r) => r.text).join('').trim();
    if ('richText' in v) return v.richText.map((r) => r.text).join('').trim();
    if ('result' in v) return v.result === undefined || v.result === null ? '' : String(v.result).trim();
    if ('error' in v) return '';
  }
  return String(cell.text ?? '').trim();
}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated: the only two that spreadsheet programs write. */
  method: number;
  compressedSize: number;
  /** As the zip says: the sender's word. */
  declaredSize: number;
  localHeader: number;
}

/**
 * The entries of a zip as its central directory lists them (what JSZip, and so ExcelJS, reads
 * too), without inflating anything. ZIP64 sizes are read from their extra field.
 */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new UnreadableFile('xlsx', null, why);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end of central directory');
  let count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== 0x07064b50) throw bad('no ZIP64 locator');
    const record = Number(buf.readBigUInt64LE(locator + 8));
    if (record + 56 > buf.length || buf.readUInt32LE(record) !== 0x06064b50) throw bad('no ZIP64 directory');
    count = Number(buf.readBigUInt64LE(record + 32));
    offset = Number(buf.readBigUInt64LE(record + 48));
  }
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw bad('broken central directory');
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      name: buf.toString('utf8', p + 46, p + 46 + nameLength),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      declaredSize: buf.readUInt32LE(p + 24),
      localHeader: buf.readUInt32LE(p + 42),
    };
    // ZIP64: the fields set to 0xFFFFFFFF follow in this order in the extra field 0x0001.
    const extra = buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const size = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          if (q + 8 > e + 4 + size || q + 8 > extra.length) throw bad('broken ZIP64 field');
          const v = Number(extra.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (entry.declaredSize === 0xffffffff) entry.declaredSize = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localHeader === 0xffffffff) entry.localHeader = next();
      }
      e += 4 + size;
    }
    entries.push(entry);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Refuses a zip whose parts, as its directory declares them, unpack past `limit`: nothing is inflated. */
export function checkDeclaredSize(entries: ZipEntry[], limit = MAX_UNZIPPED_BYTES): void {
  const total = entries.reduce((n, e) => n + e.declaredSize, 0);
  if (total > limit) throw new UnreadableFile('xlsxUnzipped', null, `${total} bytes declared once unzipped`);
}

/**
 * Inflates every part, and stops as soon as the bytes really inflated pass `limit`: the
 * declared sizes are the sender's word, a part may unpack to far more than it says.
 */
export function checkInflatedSize(bytes: Uint8Array, entries: ZipEntry[], limit = MAX_UNZIPPED_BYTES): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  for (const e of entries) {
    if (e.localHeader + 30 > buf.length || buf.readUInt32LE(e.localHeader) !== 0x04034b50) throw new UnreadableFile('xlsx', null, `no local header for ${e.name}`);
    const start = e.localHeader + 30 + buf.readUInt16LE(e.localHeader + 26) + buf.readUInt16LE(e.localHeader + 28);
    const data = buf.subarray(start, start + e.compressedSize);
    if (e.method === 0) total += data.length;
    else if (e.method === 8) {
      try {
        // zlib stops inflating once the output would pass maxOutputLength.
        total += inflateRawSync(data, { maxOutputLength: Math.max(1, limit - total + 1) }).length;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') total = limit + 1;
        else throw new UnreadableFile('xlsx', null, `${e.name}: ${(err as Error).message}`);
      }
    } else throw new UnreadableFile('xlsx', null, `${e.name}: compression method ${e.method}`);
    if (total > limit) throw new UnreadableFile('xlsxUnzipped', null, `more than ${limit} bytes once unzipped`);
  }
  return total;
}

/** Reads a workbook; the caller has bounded what it unpacks to (checkInflatedSize). */
export async function readXlsx(bytes: Uint8Array): Promise<RawSheet[]> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new UnreadableFile('xlsx', null, (err as Error).message);
  }
  const sheets: RawSheet[] = [];
  wb.eachSheet((ws) => {
    const rows: RawRow[] = [];
    ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells: string[] = [];
      for (let i = 1; i <= row.cellCount; i++) cells.push(cellText(row.getCell(i)));
      if (cells.some((c) => c !== '')) rows.push({ line: rowNumber, cells });
    });
    sheets.push({ name: ws.name, rows });
  });
  return sheets;
}

/**
 * Reads any supported file, in the calling thread; throws UnreadableFile for what it cannot
 * read. The server and the CLI call readSpreadsheet (off-thread.ts), which runs this in a
 * worker with bounded memory and time.
 */
export async function readSpreadsheetHere(name: string, bytes: Uint8Array, limit = MAX_UNZIPPED_BYTES): Promise<RawSheet[]> {
  const kind = fileKind(name, bytes);
  if (kind === 'xls') throw new UnreadableFile('xls');
  let sheets: RawSheet[];
  if (kind === 'xlsx') {
    const entries = zipEntries(bytes);
    checkDeclaredSize(entries, limit);
    checkInflatedSize(bytes, entries, limit);
    sheets = await readXlsx(bytes);
  } else sheets = [readCsv(name, bytes)];
  if (sheets.every((s) => s.rows.length === 0)) throw new UnreadableFile('empty');
  return sheets;
}
