// Text bound for a spreadsheet: a cell that starts like a formula (=, +, -, @, tab, CR) would be
// run by Excel or LibreOffice when the file is opened ("CSV injection"); a leading apostrophe
// makes it plain text. Only for text taken from people (labels, answers), never for numbers.
export function spreadsheetText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}
