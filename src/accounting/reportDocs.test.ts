// The CSV of a report: opened in a spreadsheet, text from people must stay text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv, type ReportDoc } from './reportDocs.ts';

test('report CSV: labels that look like formulas are made inert, amounts stay numbers', () => {
  const doc: ReportDoc = {
    slug: 'journal',
    tables: [
      {
        head: ['Libellé', 'Débit', 'Crédit'],
        rows: [
          { cells: ['=HYPERLINK("http://example.test","clic")', 1250, null] },
          { cells: ['-remise', null, -300] },
          { cells: ['@SUM(A1)', null, null] },
          { cells: ['Cotisacion', 0, 99] },
        ],
      },
    ],
  };
  const lines = toCsv(doc).replace(/^\uFEFF/, '').split('\r\n');
  assert.deepEqual(lines.slice(1, 5), [`"'=HYPERLINK(""http://example.test"",""clic"")";12,50;`, `'-remise;;-3,00`, `'@SUM(A1);;`, 'Cotisacion;0,00;0,99']);
});
