// Text files that come from and go to spreadsheets and other software: one decoding, one
// delimiter guess, one CSV writer, for the directory import, the bank and FEC imports and every
// export.
import iconv from 'iconv-lite';

/** The 8-bit encoding a file that is not UTF-8 is read in. */
export type LegacyEncoding = 'windows-1252' | 'iso-8859-15';

/**
 * Text of a file. UTF-8 (with or without BOM) and UTF-16 with its BOM (Excel's "Unicode text")
 * are recognised; bytes that are not valid UTF-8 are read in the 8-bit encoding older French
 * software writes: Windows-1252 (Excel, banks), or ISO 8859-15 where a format names it (the
 * FEC, art. A47 A-1 LPF). Bytes 0x80–0x9F are control characters in ISO 8859-15 and letters or
 * signs (€, œ, …) in Windows-1252: a file with any of them is Windows-1252 whatever was expected.
 */
export function decodeText(bytes: Uint8Array, legacy: LegacyEncoding = 'windows-1252'): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xff && buf[1] === 0xfe) return iconv.decode(buf.subarray(2), 'utf16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return iconv.decode(buf.subarray(2), 'utf16be');
  const body = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const c1 = body.some((b) => b >= 0x80 && b <= 0x9f);
    return iconv.decode(body, legacy === 'iso-8859-15' && !c1 ? 'iso-8859-15' : 'win1252');
  }
}

/**
 * The delimiter that splits the header best: `,` `;` or tab, counted outside quotes on the
 * line of the first ten that has the most of them (a title line above the header may have none).
 */
export function detectDelimiter(text: string): string {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 10);
  let best = ',';
  let bestCount = 0;
  for (const line of lines) {
    const counts = new Map<string, number>([
      [',', 0],
      [';', 0],
      ['\t', 0],
    ]);
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
    }
    for (const [d, n] of counts) {
      if (n > bestCount) {
        best = d;
        bestCount = n;
      }
    }
  }
  return best;
}

// Text bound for a spreadsheet: a cell that starts like a formula (=, +, -, @, tab, CR) would be
// run by Excel or LibreOffice when the file is opened ("CSV injection"); a leading apostrophe
// makes it plain text. Only for text taken from people (labels, answers), never for numbers.
export function spreadsheetText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** One CSV field: quoted when it holds the delimiter `;`, a quote, a line break or edge spaces. */
export function csvField(s: string): string {
  return /[";\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A number as French Excel reads it in a CSV: decimal comma, no grouping. */
export function csvNumber(n: number): string {
  return String(n).replace('.', ',');
}

/**
 * A CSV file as French Excel opens it with a double click: UTF-8 with a BOM (otherwise read as
 * Windows-1252), `;` between fields (the list separator of a French locale), CRLF. Strings are
 * taken as text from people and made inert; numbers get a decimal comma; `raw` cells (already
 * formatted figures such as amounts) are written as they are.
 */
export function csvFile(rows: ReadonlyArray<ReadonlyArray<string | number | null | { raw: string }>>): string {
  const cell = (v: string | number | null | { raw: string }) =>
    v === null ? '' : typeof v === 'number' ? csvNumber(v) : typeof v === 'string' ? csvField(spreadsheetText(v)) : csvField(v.raw);
  return '\uFEFF' + rows.map((r) => r.map(cell).join(';')).join('\r\n') + '\r\n';
}
