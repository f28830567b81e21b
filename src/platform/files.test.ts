import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { csvFile, decodeText, detectDelimiter } from './files.ts';

test('text is read as UTF-8, UTF-16 or the 8-bit encoding of older French software', () => {
  assert.equal(decodeText(Buffer.from('\uFEFFécole;x', 'utf8')), 'école;x');
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Éloïse', 'utf16le')])), 'Éloïse');
  assert.equal(decodeText(iconv.encode('Cœur – 12 €', 'win1252')), 'Cœur – 12 €');
  // The FEC names ISO 8859-15: its € (0xA4) is read as such...
  assert.equal(decodeText(iconv.encode('Dépôt 12 €', 'iso-8859-15'), 'iso-8859-15'), 'Dépôt 12 €');
  // ...but a file with bytes 0x80–0x9F was written in Windows-1252, whatever the format says.
  assert.equal(decodeText(iconv.encode('Dépôt 12 € – œuvre', 'win1252'), 'iso-8859-15'), 'Dépôt 12 € – œuvre');
});

test('the delimiter is the one that splits the header best', () => {
  assert.equal(detectDelimiter('a;b;c\n1;2;3'), ';');
  assert.equal(detectDelimiter('"a;x",b,c'), ',');
  assert.equal(detectDelimiter('Annuaire 2026\necole\tclasse\tniveau\n'), '\t');
});

test('a CSV opens in French Excel: BOM, semicolons, decimal comma, formulas inert, quotes where needed', () => {
  assert.equal(
    csvFile([
      ['Réponse', 'Note'],
      ['=HYPERLINK("x")', 2.5],
      ['Ordinateur; Tablette', null],
      [{ raw: '1234,56' }, -3],
    ]),
    '\uFEFFRéponse;Note\r\n"\'=HYPERLINK(""x"")";2,5\r\n"Ordinateur; Tablette";\r\n1234,56;-3\r\n',
  );
});
