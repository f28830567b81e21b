// Bank statements: parsing (pure) of OFX, CAMT.053 and CSV; import with recognition of lines
// already imported; matching to entries or rules; reconciliation (rapprochement).
import { createHash } from 'node:crypto';
import { parse as parseCsvText } from 'csv-parse/sync';
import type { Queryable } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { InvalidInput, NotFound } from '../platform/errors.ts';
import { createEntry, inTransaction } from './books.ts';
import { parseAmount } from './money.ts';

export interface StatementLine {
  bookedOn: string;
  amount: number;
  label: string;
  fingerprint: string;
}
export interface Statement {
  lines: StatementLine[];
  /** Closing balance printed on the statement, when the format carries it. */
  closingBalance: number | null;
  closingDate: string | null;
}

const tag = (block: string, name: string) => new RegExp(`<${name}>([^<\\r\\n]*)`, 'i').exec(block)?.[1]?.trim() ?? '';
const ofxDate = (s: string) => (/^\d{8}/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : '');

/** OFX 1 (SGML, unclosed tags) and OFX 2 (XML) alike. */
export function parseOfx(text: string): Statement {
  const lines: StatementLine[] = [];
  for (const m of text.matchAll(/<STMTTRN>([\s\S]*?)(?:<\/STMTTRN>|(?=<STMTTRN>)|(?=<\/BANKTRANLIST>))/gi)) {
    const b = m[1]!;
    const bookedOn = ofxDate(tag(b, 'DTPOSTED'));
    const amount = parseAmount(tag(b, 'TRNAMT'));
    const label = [tag(b, 'NAME'), tag(b, 'MEMO')].filter(Boolean).join(' – ');
    const fitid = tag(b, 'FITID');
    if (!bookedOn || amount === 0) continue;
    lines.push({ bookedOn, amount, label, fingerprint: fitid ? `ofx:${fitid}` : hashLine(bookedOn, amount, label, 0) });
  }
  const bal = /<LEDGERBAL>([\s\S]*?)(?:<\/LEDGERBAL>|$)/i.exec(text)?.[1];
  return { lines, closingBalance: bal ? parseAmount(tag(bal, 'BALAMT')) : null, closingDate: bal ? ofxDate(tag(bal, 'DTASOF')) || null : null };
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

/** CAMT.053 (ISO 20022 bank-to-customer statement): entries (Ntry) and the closing balance (CLBD). */
export function parseCamt053(text: string): Statement {
  const lines: StatementLine[] = [];
  for (const m of text.matchAll(/<(?:\w+:)?Ntry>([\s\S]*?)<\/(?:\w+:)?Ntry>/g)) {
    const b = m[1]!;
    const cents = parseAmount(xml(b, ['Amt']));
    const sign = xml(b, ['CdtDbtInd']) === 'DBIT' ? -1 : 1;
    const bookedOn = (xml(b, ['BookgDt', 'Dt']) || xml(b, ['BookgDt', 'DtTm'])).slice(0, 10);
    const label = unescapeXml(xml(b, ['Ustrd']) || xml(b, ['AddtlNtryInf']) || xml(b, ['Nm']));
    const ref = xml(b, ['AcctSvcrRef']) || xml(b, ['NtryRef']);
    if (!bookedOn) continue;
    lines.push({ bookedOn, amount: sign * cents, label, fingerprint: ref ? `camt:${ref}` : hashLine(bookedOn, sign * cents, label, 0) });
  }
  let closingBalance: number | null = null;
  let closingDate: string | null = null;
  for (const m of text.matchAll(/<(?:\w+:)?Bal>([\s\S]*?)<\/(?:\w+:)?Bal>/g)) {
    if (xml(m[1]!, ['Cd']) !== 'CLBD') continue;
    closingBalance = parseAmount(xml(m[1]!, ['Amt'])) * (xml(m[1]!, ['CdtDbtInd']) === 'DBIT' ? -1 : 1);
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

export function parseBankCsv(text: string, m: CsvMapping): Statement {
  const rows: string[][] = parseCsvText(text.replace(/^\uFEFF/, ''), { delimiter: m.delimiter, relax_column_count: true, skip_empty_lines: true, from_line: m.skipRows + 1 });
  const seen = new Map<string, number>();
  const lines: StatementLine[] = [];
  for (const r of rows) {
    const d = (r[m.date] ?? '').trim();
    const bookedOn = m.dateFormat === 'DD/MM/YYYY' ? d.replace(/^(\d{2})\/(\d{2})\/(\d{4})$/, '$3-$2-$1') : d;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(bookedOn)) throw new InvalidInput('accounting.error.date', { date: d });
    const amount =
      m.amount !== undefined
        ? parseAmount(r[m.amount] ?? '')
        : (r[m.credit!]?.trim() ? Math.abs(parseAmount(r[m.credit!]!)) : 0) - (r[m.debit!]?.trim() ? Math.abs(parseAmount(r[m.debit!]!)) : 0);
    if (amount === 0) continue;
    const label = (r[m.label] ?? '').trim();
    // Two identical lines on one day are two payments: the occurrence number tells them apart.
    const k = `${bookedOn}|${amount}|${label}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    lines.push({ bookedOn, amount, label, fingerprint: hashLine(bookedOn, amount, label, n) });
  }
  return { lines, closingBalance: null, closingDate: null };
}

export async function importStatement(db: Queryable, actor: Actor, bankAccountId: number, source: 'ofx' | 'camt053' | 'csv', st: Statement) {
  return inTransaction(db, async (trx) => {
    const acc = await trx.selectFrom('bank_account').select('id').where('id', '=', bankAccountId).executeTakeFirst();
    if (!acc) throw new NotFound('accounting.error.noBankAccount', { id: bankAccountId });
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
