// Bank statements: parsing (pure) of OFX, CAMT.053 and CSV; import with recognition of lines
// already imported; matching to entries or rules; reconciliation (rapprochement).
import { createHash } from 'node:crypto';
import { parse as parseCsvText } from 'csv-parse/sync';
import type { Queryable } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { InvalidInput, NotFound, type Params } from '../platform/errors.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import { createEntry, isCalendarDate } from './books.ts';
import { inTransaction } from '../platform/db.ts';
import { parseAmount } from './money.ts';

export interface StatementLine {
  bookedOn: string;
  amount: number;
  label: string;
  fingerprint: string;
  /** Where the line starts in the file (1-based), for the errors. */
  fileLine?: number;
}
export interface Statement {
  lines: StatementLine[];
  /** Closing balance printed on the statement, when the format carries it. */
  closingBalance: number | null;
  closingDate: string | null;
}

/** A problem of one line of a statement file, said in the reader's language. */
export interface BankFileError {
  line: number;
  key: MessageKey;
  params: Params;
}

/** A statement refused whole: every problem, with its line; nothing is imported. */
export class StatementRefused extends InvalidInput {
  constructor(readonly errors: BankFileError[]) {
    super('accounting.bank.err.refused', { count: errors.length });
  }
}

/** The 1-based line of a character offset. */
function lineFinder(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function amountOf(text: string): number | null {
  try {
    return parseAmount(text);
  } catch {
    return null;
  }
}

const tag = (block: string, name: string) => new RegExp(`<${name}>([^<\\r\\n]*)`, 'i').exec(block)?.[1]?.trim() ?? '';
const ofxDate = (s: string) => {
  const d = /^\d{8}/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : '';
  return isCalendarDate(d) ? d : '';
};

/** OFX 1 (SGML, unclosed tags) and OFX 2 (XML) alike. Throws StatementRefused. */
export function parseOfx(text: string): Statement {
  if (!/<OFX>/i.test(text)) throw new StatementRefused([{ line: 1, key: 'accounting.bank.err.notOfx', params: {} }]);
  const at = lineFinder(text);
  const last = at(text.length);
  const errors: BankFileError[] = [];
  const lines: StatementLine[] = [];
  for (const m of text.matchAll(/<STMTTRN>([\s\S]*?)(?:<\/STMTTRN>|(?=<STMTTRN>)|(?=<\/BANKTRANLIST>))/gi)) {
    const b = m[1]!;
    const line = at(m.index!);
    const posted = tag(b, 'DTPOSTED');
    const bookedOn = ofxDate(posted);
    if (!bookedOn) errors.push({ line, key: 'accounting.bank.err.date', params: { value: posted, format: 'AAAAMMJJ' } });
    const amount = amountOf(tag(b, 'TRNAMT'));
    if (amount === null) errors.push({ line, key: 'accounting.bank.err.amount', params: { value: tag(b, 'TRNAMT') } });
    const label = [tag(b, 'NAME'), tag(b, 'MEMO')].filter(Boolean).join(' – ');
    const fitid = tag(b, 'FITID');
    if (!bookedOn || amount === null || amount === 0) continue;
    lines.push({ bookedOn, amount, label, fingerprint: fitid ? `ofx:${fitid}` : hashLine(bookedOn, amount, label, 0), fileLine: line });
  }
  // A file cut short loses its last transactions without a trace: its closing tags tell.
  for (const t of ['BANKTRANLIST', 'OFX']) {
    const open = new RegExp(`<${t}>`, 'i').exec(text);
    if (open && !new RegExp(`</${t}>`, 'i').test(text)) errors.push({ line: last, key: 'accounting.bank.err.truncated', params: { tag: `<${t}>` } });
  }
  if (errors.length) throw new StatementRefused(errors.sort((a, b) => a.line - b.line));
  const bal = /<LEDGERBAL>([\s\S]*?)(?:<\/LEDGERBAL>|$)/i.exec(text)?.[1];
  return { lines, closingBalance: bal ? amountOf(tag(bal, 'BALAMT')) : null, closingDate: bal ? ofxDate(tag(bal, 'DTASOF')) || null : null };
}

const xml = (block: string, path: string[]): string => {
  let cur = block;
  for (const p of path) {
    const m = new RegExp(`<(?:\\w+:)?${p}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${p}>`).exec(cur);
    if (!m) return '';
    cur = m[1]!;
  }
  return cur.trim();
};
const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/**
 * CAMT.053 (ISO 20022 bank-to-customer statement): entries (Ntry) and the closing balance
 * (CLBD). Throws StatementRefused when the file is not one, is cut short, or has an entry
 * without a valid amount, direction or booking date.
 */
export function parseCamt053(text: string): Statement {
  if (!/<(?:\w+:)?(?:BkToCstmrStmt|Stmt)[\s>]/.test(text)) throw new StatementRefused([{ line: 1, key: 'accounting.bank.err.notCamt', params: {} }]);
  const at = lineFinder(text);
  const errors: BankFileError[] = [];
  const lines: StatementLine[] = [];
  const opens = [...text.matchAll(/<(?:\w+:)?Ntry>/g)].map((m) => m.index!);
  const closeRe = /<\/(?:\w+:)?Ntry>/g;
  opens.forEach((start, i) => {
    const line = at(start);
    closeRe.lastIndex = start;
    const close = closeRe.exec(text);
    const next = opens[i + 1] ?? Infinity;
    if (!close || close.index > next) {
      errors.push({ line, key: 'accounting.bank.err.truncated', params: { tag: '<Ntry>' } });
      return;
    }
    const b = text.slice(start, close.index);
    const amountText = xml(b, ['Amt']);
    const cents = amountOf(amountText);
    if (cents === null || cents <= 0) errors.push({ line, key: 'accounting.bank.err.amount', params: { value: amountText } });
    const side = xml(b, ['CdtDbtInd']);
    if (side !== 'CRDT' && side !== 'DBIT') errors.push({ line, key: 'accounting.bank.err.side', params: { value: side } });
    const rawDate = xml(b, ['BookgDt', 'Dt']) || xml(b, ['BookgDt', 'DtTm']);
    const bookedOn = rawDate.slice(0, 10);
    if (!isCalendarDate(bookedOn)) errors.push({ line, key: 'accounting.bank.err.date', params: { value: rawDate, format: 'AAAA-MM-JJ' } });
    if (cents === null || cents <= 0 || (side !== 'CRDT' && side !== 'DBIT') || !isCalendarDate(bookedOn)) return;
    const amount = (side === 'DBIT' ? -1 : 1) * cents;
    const label = unescapeXml(xml(b, ['Ustrd']) || xml(b, ['AddtlNtryInf']) || xml(b, ['Nm']));
    const ref = xml(b, ['AcctSvcrRef']) || xml(b, ['NtryRef']);
    lines.push({ bookedOn, amount, label, fingerprint: ref ? `camt:${ref}` : hashLine(bookedOn, amount, label, 0), fileLine: line });
  });
  for (const t of ['Stmt', 'BkToCstmrStmt', 'Document']) {
    if (new RegExp(`<(?:\\w+:)?${t}[\\s>]`).test(text) && !new RegExp(`</(?:\\w+:)?${t}>`).test(text)) {
      errors.push({ line: at(text.length), key: 'accounting.bank.err.truncated', params: { tag: `<${t}>` } });
    }
  }
  if (errors.length) throw new StatementRefused(errors.sort((a, b) => a.line - b.line));
  let closingBalance: number | null = null;
  let closingDate: string | null = null;
  for (const m of text.matchAll(/<(?:\w+:)?Bal>([\s\S]*?)<\/(?:\w+:)?Bal>/g)) {
    if (xml(m[1]!, ['Cd']) !== 'CLBD') continue;
    const bal = amountOf(xml(m[1]!, ['Amt']));
    closingBalance = bal === null ? null : bal * (xml(m[1]!, ['CdtDbtInd']) === 'DBIT' ? -1 : 1);
    closingDate = xml(m[1]!, ['Dt', 'Dt']).slice(0, 10) || null;
  }
  return { lines, closingBalance, closingDate };
}

/** Where a bank's CSV keeps each field; saved per bank account. Columns are 0-based. */
export interface CsvMapping {
  delimiter: string;
  skipRows: number;
  date: number;
  dateFormat: 'DD/MM/YYYY' | 'YYYY-MM-DD';
  label: number;
  /** One signed amount column, or a debit and a credit column. */
  amount?: number;
  debit?: number;
  credit?: number;
}

function hashLine(date: string, amount: number, label: string, occurrence: number) {
  return 'h:' + createHash('sha256').update(`${date}|${amount}|${label}|${occurrence}`).digest('hex').slice(0, 32);
}

/** A bank's CSV export read with its mapping. Throws StatementRefused, every bad row named. */
export function parseBankCsv(text: string, m: CsvMapping): Statement {
  const records = parseCsvText(text.replace(/^\uFEFF/, ''), {
    delimiter: m.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    from_line: m.skipRows + 1,
    info: true,
  }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  const needed = Math.max(m.date, m.label, m.amount ?? -1, m.debit ?? -1, m.credit ?? -1) + 1;
  const seen = new Map<string, number>();
  const lines: StatementLine[] = [];
  const errors: BankFileError[] = [];
  for (const { record: r, info } of records) {
    const line = info.lines;
    if (r.length === 1 && r[0]!.trim() === '') continue;
    if (r.length < needed) {
      errors.push({ line, key: 'accounting.bank.err.short', params: { count: r.length, needed } });
      continue;
    }
    const d = (r[m.date] ?? '').trim();
    const bookedOn = m.dateFormat === 'DD/MM/YYYY' ? d.replace(/^(\d{2})\/(\d{2})\/(\d{4})$/, '$3-$2-$1') : d;
    if (!isCalendarDate(bookedOn)) errors.push({ line, key: 'accounting.bank.err.date', params: { value: d, format: m.dateFormat === 'DD/MM/YYYY' ? 'JJ/MM/AAAA' : 'AAAA-MM-JJ' } });
    let amount: number | null;
    if (m.amount !== undefined) {
      amount = amountOf(r[m.amount] ?? '');
      if (amount === null) errors.push({ line, key: 'accounting.bank.err.amount', params: { value: r[m.amount] ?? '' } });
    } else {
      const cr = r[m.credit!]?.trim() ? amountOf(r[m.credit!]!) : 0;
      const de = r[m.debit!]?.trim() ? amountOf(r[m.debit!]!) : 0;
      if (cr === null) errors.push({ line, key: 'accounting.bank.err.amount', params: { value: r[m.credit!] ?? '' } });
      if (de === null) errors.push({ line, key: 'accounting.bank.err.amount', params: { value: r[m.debit!] ?? '' } });
      amount = cr === null || de === null ? null : Math.abs(cr) - Math.abs(de);
    }
    if (amount === null || !isCalendarDate(bookedOn) || amount === 0) continue;
    const label = (r[m.label] ?? '').trim();
    // Two identical lines on one day are two payments: the occurrence number tells them apart.
    const k = `${bookedOn}|${amount}|${label}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    lines.push({ bookedOn, amount, label, fingerprint: hashLine(bookedOn, amount, label, n), fileLine: line });
  }
  if (errors.length) throw new StatementRefused(errors);
  return { lines, closingBalance: null, closingDate: null };
}

/** Reads a statement file in the format the treasurer named. Throws StatementRefused. */
export function parseStatement(format: 'ofx' | 'camt053' | 'csv', text: string, mapping?: CsvMapping): Statement {
  if (format === 'ofx') return parseOfx(text);
  if (format === 'camt053') return parseCamt053(text);
  if (!mapping) throw new InvalidInput('accounting.error.noFile');
  return parseBankCsv(text, mapping);
}

/**
 * One upload: the statement's lines recorded and matched in one transaction, or nothing at all
 * (a line in no fiscal year refuses the file, named by its line).
 */
export async function importBankFile(db: Queryable, actor: Actor, bankAccountId: number, source: 'ofx' | 'camt053' | 'csv', st: Statement) {
  return inTransaction(db, async (trx) => {
    const imp = await importStatement(trx, actor, bankAccountId, source, st);
    const m = await matchStatementLines(trx, actor, bankAccountId);
    return { ...imp, ...m };
  });
}

export async function importStatement(db: Queryable, actor: Actor, bankAccountId: number, source: 'ofx' | 'camt053' | 'csv', st: Statement) {
  return inTransaction(db, async (trx) => {
    const acc = await trx.selectFrom('bank_account').select('id').where('id', '=', bankAccountId).executeTakeFirst();
    if (!acc) throw new NotFound('accounting.error.noBankAccount', { id: bankAccountId });
    // A line no fiscal year holds could never be matched nor booked: the file is refused.
    const years = await trx.selectFrom('fiscal_year').select(['starts_on', 'ends_on']).execute();
    const outside = st.lines.filter((l) => !years.some((y) => y.starts_on <= l.bookedOn && l.bookedOn <= y.ends_on));
    if (outside.length) throw new StatementRefused(outside.map((l) => ({ line: l.fileLine ?? 0, key: 'accounting.bank.err.noYear', params: { date: l.bookedOn } })));
    let imported = 0;
    for (let i = 0; i < st.lines.length; i += 500) {
      const chunk = st.lines.slice(i, i + 500);
      const r = await trx
        .insertInto('bank_statement_line')
        .values(chunk.map((l) => ({ bank_account_id: bankAccountId, booked_on: l.bookedOn, amount_cents: l.amount, label: l.label.slice(0, 500), fingerprint: l.fingerprint, source })))
        .onConflict((oc) => oc.columns(['bank_account_id', 'fingerprint']).doNothing())
        .returning('id')
        .execute();
      imported += r.length;
    }
    await recordEvent(trx, actor, 'accounting.bank.import', `bank_account:${bankAccountId}`, { source, imported, duplicates: st.lines.length - imported });
    return { imported, duplicates: st.lines.length - imported };
  });
}

/**
 * Rapprochement of the unmatched statement lines: first an existing line of the bank account
 * with the same amount within a few days; else the first rule whose pattern is in the label,
 * which drafts a bank-journal entry for the treasurer to validate.
 */
export async function matchStatementLines(db: Queryable, actor: Actor, bankAccountId: number, opts: { days?: number; rules?: boolean } = {}) {
  const days = opts.days ?? 5;
  return inTransaction(db, async (trx) => {
    const bank = await trx.selectFrom('bank_account').selectAll().where('id', '=', bankAccountId).executeTakeFirstOrThrow();
    const open = await trx.selectFrom('bank_statement_line').selectAll().where('bank_account_id', '=', bankAccountId).where('entry_line_id', 'is', null).orderBy('booked_on').orderBy('id').execute();
    const rules = await trx.selectFrom('bank_rule').selectAll().where((eb) => eb.or([eb('bank_account_id', '=', bankAccountId), eb('bank_account_id', 'is', null)])).orderBy('priority').orderBy('id').execute();
    const openYears = await trx.selectFrom('fiscal_year').select(['starts_on', 'ends_on']).where('status', '=', 'open').execute();
    let matched = 0;
    let drafted = 0;
    for (const s of open) {
      const from = shift(s.booked_on, -days);
      const to = shift(s.booked_on, days);
      const candidate = await trx
        .selectFrom('entry_line as l')
        .innerJoin('entry as e', 'e.id', 'l.entry_id')
        .leftJoin('bank_statement_line as b', 'b.entry_line_id', 'l.id')
        .select(['l.id', 'e.entry_date'])
        .where('l.account_number', '=', bank.account_number)
        .where('b.id', 'is', null)
        .where(s.amount_cents > 0 ? 'l.debit_cents' : 'l.credit_cents', '=', Math.abs(s.amount_cents))
        .where('e.entry_date', '>=', from)
        .where('e.entry_date', '<=', to)
        .orderBy('e.entry_date')
        .orderBy('l.id')
        .executeTakeFirst();
      if (candidate) {
        await trx.updateTable('bank_statement_line').set({ entry_line_id: candidate.id }).where('id', '=', s.id).execute();
        matched++;
        continue;
      }
      const rule = opts.rules === false ? undefined : rules.find((r) => s.label.toLowerCase().includes(r.pattern.toLowerCase()));
      if (!rule) continue;
      // A line of a closed year (or of none) is left to match by hand: no draft can go there.
      if (!openYears.some((y) => y.starts_on <= s.booked_on && s.booked_on <= y.ends_on)) continue;
      const a = Math.abs(s.amount_cents);
      const bankLine = { account: bank.account_number, debit: s.amount_cents > 0 ? a : 0, credit: s.amount_cents < 0 ? a : 0 };
      const other = { account: rule.account_number, thirdParty: rule.third_party_code, section: rule.section_code, debit: bankLine.credit, credit: bankLine.debit };
      const e = await createEntry(trx, actor, { journal: 'BQ', date: s.booked_on, label: s.label.slice(0, 200) || rule.pattern, pieceRef: `REL-${s.id}`, lines: [bankLine, other] });
      const line = await trx.selectFrom('entry_line').select('id').where('entry_id', '=', e.id).where('line_no', '=', 1).executeTakeFirstOrThrow();
      await trx.updateTable('bank_statement_line').set({ entry_line_id: line.id }).where('id', '=', s.id).execute();
      drafted++;
    }
    await recordEvent(trx, actor, 'accounting.bank.match', `bank_account:${bankAccountId}`, { matched, drafted });
    return { matched, drafted, unmatched: open.length - matched - drafted };
  });
}

function shift(date: string, days: number) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The statement balance against the 512 account's, at a date; what is left to match. */
export async function reconciliation(db: Queryable, bankAccountId: number, asOf: string, statementBalance: number) {
  const bank = await db.selectFrom('bank_account').selectAll().where('id', '=', bankAccountId).executeTakeFirstOrThrow();
  const fy = await db.selectFrom('fiscal_year').select('starts_on').where('starts_on', '<=', asOf).where('ends_on', '>=', asOf).executeTakeFirst();
  const ledger = await db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>(eb('l.debit_cents', '-', eb.ref('l.credit_cents'))), eb.val('0')).as('b'))
    .where('l.account_number', '=', bank.account_number)
    .where('e.status', '=', 'validated')
    .where('e.entry_date', '>=', fy?.starts_on ?? '0001-01-01')
    .where('e.entry_date', '<=', asOf)
    .executeTakeFirstOrThrow();
  const unmatchedStatement = await db.selectFrom('bank_statement_line').selectAll().where('bank_account_id', '=', bankAccountId).where('entry_line_id', 'is', null).where('booked_on', '<=', asOf).orderBy('booked_on').execute();
  const ledgerBalance = Number(ledger.b);
  return { ledgerBalance, statementBalance, difference: statementBalance - ledgerBalance, unmatchedStatement };
}
