// Reading a spreadsheet file into rows of text cells: CSV (any of the delimiters and
// encodings that spreadsheet programs write) or XLSX (possibly several sheets).
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { decodeText, detectDelimiter } from '../../platform/files.ts';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_ROWS = 50_000;
/**
 * An XLSX is a zip: 10 MB of it may unpack to gigabytes (a "zip bomb"). A real workbook of
 * MAX_ROWS rows unpacks to a few tens of MB; beyond this we stop reading.
 */
export const MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;

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
    readonly reason: 'csvQuote' | 'csv' | 'xlsx' | 'xlsxUnzipped' | 'xls' | 'empty',
    readonly line: number | null = null,
    detail = '',
  ) {
    super(`${reason}${line ? ` at line ${line}` : ''}${detail ? `: ${detail}` : ''}`);
  }
}

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

/**
 * Inflates every part of the zip, counting bytes as they come, and stops at `limit`: the sizes
 * written in the zip's directory are the sender's word, the inflated bytes are not.
 */
export async function checkUnzippedSize(bytes: Uint8Array, limit = MAX_UNZIPPED_BYTES): Promise<number> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (err) {
    throw new UnreadableFile('xlsx', null, (err as Error).message);
  }
  let total = 0;
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    // JSZip's stream is an old-style Node stream (events, not async iteration).
    const stream = entry.nodeStream('nodebuffer') as NodeJS.ReadableStream & { destroy(): void };
    await new Promise<void>((resolve, reject) => {
      stream
        .on('data', (chunk: Buffer) => {
          total += chunk.byteLength;
          if (total > limit) {
            stream.destroy();
            reject(new UnreadableFile('xlsxUnzipped', null, `more than ${limit} bytes once unzipped`));
          }
        })
        .on('error', (err: Error) => reject(new UnreadableFile('xlsx', null, err.message)))
        .on('end', () => resolve());
    });
  }
  return total;
}

export async function readXlsx(bytes: Uint8Array): Promise<RawSheet[]> {
  await checkUnzippedSize(bytes);
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

/** Reads any supported file; throws UnreadableFile for what it cannot read. */
export async function readSpreadsheet(name: string, bytes: Uint8Array): Promise<RawSheet[]> {
  const kind = fileKind(name, bytes);
  if (kind === 'xls') throw new UnreadableFile('xls');
  const sheets = kind === 'xlsx' ? await readXlsx(bytes) : [readCsv(name, bytes)];
  if (sheets.every((s) => s.rows.length === 0)) throw new UnreadableFile('empty');
  return sheets;
}
