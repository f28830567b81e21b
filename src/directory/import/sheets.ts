// Reading a sheet's layout: the header row found among the first lines, the cells named by
// their canonical column, and the characters the database cannot store taken out.
import { detectLayout, type Layout } from './layouts.ts';
import type { ImportIssue, Loc } from './plan.ts';
import { MAX_ROWS, type RawSheet } from './read.ts';

export interface SheetSummary {
  name: string;
  layout: Layout | null;
  rows: number;
  ignoredColumns: string[];
}

export interface Row extends Loc {
  values: Map<string, string>;
}
export interface RecognisedSheet {
  name: string;
  layout: Layout;
  rows: Row[];
}

/** Trimmed, one space between words, composed accents (files from a Mac decompose them). */
export function cleanCell(s: string): string {
  return s.normalize('NFC').replace(/\s+/g, ' ').trim();
}
/** Two spellings of one name: case does not matter, accents do. */
export function sameName(s: string): string {
  return cleanCell(s).toLocaleLowerCase('fr');
}

const HEADER_SEARCH_ROWS = 10;

/**
 * Characters that PostgreSQL cannot keep: NUL, refused in text and in jsonb, and half of a
 * surrogate pair (a broken UTF-16 file), refused in jsonb and silently replaced in text.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text without the characters the database cannot store. */
export function storable(s: string): string {
  return s.replace(UNSTORABLE, '');
}

/**
 * The sheet without the characters the database cannot store, and where they were: each such
 * cell is an error of its line, and the rest of the checks (and every error message, which
 * may quote a cell) see the cell without them.
 */
function withoutUnstorable(s: RawSheet): { sheet: RawSheet; found: Array<{ line: number; index: number }> } {
  const found: Array<{ line: number; index: number }> = [];
  const rows = s.rows.map((r) => {
    if (!r.cells.some((c) => c.search(UNSTORABLE) >= 0)) return r;
    return {
      line: r.line,
      cells: r.cells.map((c, index) => {
        if (c.search(UNSTORABLE) < 0) return c;
        found.push({ line: r.line, index });
        return c.replace(UNSTORABLE, '');
      }),
    };
  });
  return { sheet: { name: s.name.replace(UNSTORABLE, ''), rows }, found };
}

/** Finds each sheet's layout from its header row and turns its rows into named cells. */
export function recogniseSheets(raw: RawSheet[]): { sheets: RecognisedSheet[]; summaries: SheetSummary[]; errors: ImportIssue[] } {
  const sheets: RecognisedSheet[] = [];
  const summaries: SheetSummary[] = [];
  const errors: ImportIssue[] = [];
  let total = 0;
  for (const original of raw) {
    if (original.rows.length === 0) continue; // an empty sheet of a workbook
    const { sheet: s, found: unstorable } = withoutUnstorable(original);
    // Spreadsheets often carry a title or a date above the header row: skip such lines.
    let start = 0;
    for (let i = 0; i < Math.min(HEADER_SEARCH_ROWS, s.rows.length); i++) {
      const found = detectLayout(s.rows[i]!.cells);
      if (found.ok || found.problem !== 'unknown') {
        start = i;
        break;
      }
    }
    const header = s.rows[start]!;
    const data = s.rows.slice(start + 1);
    const at = { sheet: s.name, line: header.line };
    const h = detectLayout(header.cells);
    for (const u of unstorable) {
      const column = (h.ok ? h.columns[u.index] : null) ?? header.cells[u.index] ?? '';
      errors.push({ sheet: s.name, line: u.line, column, key: 'import.error.unstorable', params: { column } });
    }
    if (!h.ok) {
      summaries.push({ name: s.name, layout: null, rows: data.length, ignoredColumns: [] });
      if (h.problem === 'unknown') errors.push({ ...at, column: '', key: 'import.error.layout', params: { found: h.found.join(', ').slice(0, 300) } });
      else if (h.problem === 'missing') errors.push({ ...at, column: '', key: 'import.error.missingColumns', params: { layout: h.layout, columns: h.missing.join(', ') } });
      else errors.push({ ...at, column: h.column, key: 'import.error.duplicateColumn', params: { column: h.column } });
      continue;
    }
    const rows: Row[] = [];
    for (const r of data) {
      const values = new Map<string, string>();
      h.columns.forEach((c, i) => {
        if (c !== null) values.set(c, cleanCell(r.cells[i] ?? ''));
      });
      if ([...values.values()].every((v) => v === '')) continue;
      rows.push({ sheet: s.name, line: r.line, values });
    }
    total += rows.length;
    sheets.push({ name: s.name, layout: h.layout, rows });
    summaries.push({ name: s.name, layout: h.layout, rows: rows.length, ignoredColumns: h.ignored });
  }
  if (total > MAX_ROWS) errors.push({ sheet: raw[0]?.name ?? '', line: null, column: '', key: 'import.error.tooManyRows', params: { rows: total, max: MAX_ROWS } });
  return { sheets, summaries, errors };
}
