// Downloadable templates: the canonical headers of each layout with a few fictional rows.
import ExcelJS from 'exceljs';
import { csvFile } from '../../platform/files.ts';
import { LAYOUT_ORDER, LAYOUTS, TEMPLATE_ROWS, TEMPLATE_SHEET_NAMES, type Layout } from './layouts.ts';

/**
 * One layout as CSV: semicolon-separated with a UTF-8 byte order mark, which is what a
 * French Excel opens correctly with a double click (and what it writes back).
 */
export function templateCsv(layout: Layout): Buffer {
  // The template's own fictional cells are written as they are (a phone number may start with +).
  const rows = [LAYOUTS[layout].map((c) => c.name), ...TEMPLATE_ROWS[layout]].map((r) => r.map((raw) => ({ raw })));
  return Buffer.from(csvFile(rows), 'utf8');
}

/** All four layouts, one sheet each, in the order the import applies them. */
export async function templateXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Ostal';
  for (const layout of LAYOUT_ORDER) {
    const ws = wb.addWorksheet(TEMPLATE_SHEET_NAMES[layout]);
    const columns = LAYOUTS[layout];
    ws.columns = columns.map((c) => ({ header: c.name, key: c.name, width: Math.max(14, c.name.length + 4) }));
    ws.getRow(1).font = { bold: true };
    // Phone numbers as text: Excel would drop the leading zero of a number.
    for (const [i, c] of columns.entries()) if (c.name.endsWith('telephone')) ws.getColumn(i + 1).numFmt = '@';
    for (const row of TEMPLATE_ROWS[layout]) ws.addRow(row);
    ws.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
