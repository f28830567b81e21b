// Every report is first built as plain tables (pure functions below), then written out as an
// HTML page, a printable page or a CSV file from those same tables — so the three always show
// the same figures.
//
// CSV choice, for French accountants who open it in a spreadsheet: UTF-8 with a byte-order
// mark (so Excel reads accents right), semicolon separator (the comma is the decimal mark in
// French), CRLF line ends, amounts with a decimal comma and no thousands separator, dates
// YYYY-MM-DD. A report of several tables writes each one's title, header and rows, with a
// blank line between them.
import { formatCents } from './money.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import { balanceSheet, incomeStatement, type TrialBalanceRow } from './reports.ts';
import type { generalLedger, journalReport, sectionReport } from './reports.ts';
import { csvFile } from '../platform/files.ts';

/** A number is an amount in cents; null is an empty cell. */
export type Cell = string | number | null | { text: string; href: string };
export interface ReportRow {
  cells: Cell[];
  /** Totals and sub-totals, shown in bold. */
  total?: boolean;
}
export interface ReportTable {
  caption?: string;
  head: string[];
  rows: ReportRow[];
}
export interface ReportDoc {
  /** File name stem, e.g. 'grand-livre'. */
  slug: string;
  tables: ReportTable[];
}

type T = (key: MessageKey, params?: Record<string, string | number>) => string;
const blank = (cents: number) => (cents === 0 ? null : cents);

export function cellText(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'number') return formatCents(c);
  if (typeof c === 'string') return c;
  return c.text;
}

/** The CSV file of a report (see the choice above); a string starting with the BOM. */
export function toCsv(doc: ReportDoc): string {
  const out: Array<Array<string | { raw: string }>> = [];
  doc.tables.forEach((table, i) => {
    if (i > 0) out.push([]);
    if (table.caption && doc.tables.length > 1) out.push([{ raw: table.caption }]);
    out.push(table.head.map((h) => ({ raw: h })));
    // Amounts are numbers written as formatted; every other cell is text from people (labels) and made inert.
    for (const r of table.rows) out.push(r.cells.map((c) => (typeof c === 'number' ? { raw: cellText(c) } : cellText(c))));
  });
  return csvFile(out);
}

export function csvFileName(doc: ReportDoc, p: { from: string; to: string; section?: string }) {
  return `${doc.slug}_${p.from}_${p.to}${p.section ? `_${p.section}` : ''}.csv`;
}

type JournalEntries = Awaited<ReturnType<typeof journalReport>>;
export function journalDoc(t: T, entries: JournalEntries): ReportDoc {
  const rows: ReportRow[] = [];
  let debit = 0;
  let credit = 0;
  for (const e of entries) {
    e.lines.forEach((l, i) => {
      debit += l.debit;
      credit += l.credit;
      rows.push({
        cells: [
          e.date, e.journal, i === 0 ? { text: String(e.number ?? ''), href: `/accounting/entries/${e.id}` } : String(e.number ?? ''), e.pieceRef, l.account,
          l.thirdParty ?? '', l.label || e.label, l.section ?? '', blank(l.debit), blank(l.credit),
        ],
      });
    });
  }
  rows.push({ cells: [t('accounting.total'), '', '', '', '', '', '', '', debit, credit], total: true });
  return {
    slug: 'journal',
    tables: [{
      head: [t('accounting.date'), t('accounting.journal'), t('accounting.number'), t('accounting.pieceShort'), t('accounting.account'), t('accounting.thirdParty'), t('accounting.label'), t('accounting.section'), t('accounting.debit'), t('accounting.credit')],
      rows,
    }],
  };
}

type Ledger = Awaited<ReturnType<typeof generalLedger>>;
export function ledgerDoc(t: T, gl: Ledger, p: { from: string; to: string }): ReportDoc {
  const head = [t('accounting.date'), t('accounting.journal'), t('accounting.number'), t('accounting.pieceShort'), t('accounting.label'), t('accounting.thirdParty'), t('accounting.debit'), t('accounting.credit'), t('accounting.balance'), t('accounting.lettering')];
  return {
    slug: 'grand-livre',
    tables: gl.accounts.map((a) => ({
      caption: `${a.account} – ${a.label}`,
      head,
      rows: [
        { cells: [p.from, '', '', '', t('accounting.opening'), '', null, null, a.opening, ''] },
        ...a.lines.map((l) => ({
          cells: [l.entry_date, l.journal_code, { text: String(l.number ?? ''), href: `/accounting/entries/${l.entry_id}` }, l.piece_ref, l.line_label || l.label, l.third_party_code ?? '', blank(l.debit_cents), blank(l.credit_cents), l.running, l.lettering ?? ''] as Cell[],
        })),
        { cells: [p.to, '', '', '', t('accounting.totalAccount', { account: a.account }), '', a.debit, a.credit, a.closing, ''], total: true },
      ],
    })),
  };
}

export function trialBalanceDoc(t: T, rows: readonly TrialBalanceRow[], p: { from: string; to: string; section?: string }): ReportDoc {
  let d = 0, c = 0, sd = 0, sc = 0;
  const out: ReportRow[] = rows.map((r) => {
    d += r.debit;
    c += r.credit;
    if (r.balance > 0) sd += r.balance;
    else sc -= r.balance;
    const q = `from=${p.from}&to=${p.to}&account=${r.account}${p.section ? `&section=${encodeURIComponent(p.section)}` : ''}`;
    return { cells: [{ text: r.account, href: `/accounting/ledger?${q}` }, r.label, r.debit, r.credit, r.balance > 0 ? r.balance : null, r.balance < 0 ? -r.balance : null] };
  });
  out.push({ cells: [t('accounting.total'), '', d, c, sd, sc], total: true });
  return {
    slug: 'balance',
    tables: [{ head: [t('accounting.account'), t('accounting.label'), t('accounting.debit'), t('accounting.credit'), t('accounting.debitBalance'), t('accounting.creditBalance')], rows: out }],
  };
}

type Block = Array<{ key: string; amount: number; accounts: Array<{ account: string; label: string; amount: number }> }>;
/** Headings with their amount, each followed by the accounts it gathers. */
function blockRows(t: T, block: Block, total: number): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const h of block) {
    if (h.amount === 0 && h.accounts.length === 0) continue;
    rows.push({ cells: [t(`accounting.h.${h.key}` as MessageKey), '', h.amount], total: true });
    for (const a of h.accounts) rows.push({ cells: [a.account ? `${a.account} ${a.label}` : t('accounting.h.yearResult'), a.amount, null] });
  }
  rows.push({ cells: [t('accounting.total'), '', total], total: true });
  return rows;
}

export function incomeStatementDoc(t: T, rows: readonly TrialBalanceRow[]): ReportDoc {
  const is = incomeStatement(rows);
  const head = (title: string) => [title, t('accounting.detail'), t('accounting.amount')];
  const inKind = (b: Block) => b.reduce((s, x) => s + x.amount, 0);
  return {
    slug: 'compte-de-resultat',
    tables: [
      { caption: t('accounting.charges'), head: head(t('accounting.charges')), rows: blockRows(t, is.charges, is.totalCharges) },
      { caption: t('accounting.products'), head: head(t('accounting.products')), rows: blockRows(t, is.products, is.totalProducts) },
      { caption: t('accounting.h.result'), head: [t('accounting.h.result'), '', t('accounting.amount')], rows: [{ cells: [t(is.result >= 0 ? 'accounting.surplus' : 'accounting.deficit'), '', is.result], total: true }] },
      { caption: t('accounting.inKindUses'), head: head(t('accounting.inKindUses')), rows: blockRows(t, is.inKindUses, inKind(is.inKindUses)) },
      { caption: t('accounting.inKindContributions'), head: head(t('accounting.inKindContributions')), rows: blockRows(t, is.inKindContributions, inKind(is.inKindContributions)) },
    ],
  };
}

export function balanceSheetDoc(t: T, rows: readonly TrialBalanceRow[]): ReportDoc {
  const bs = balanceSheet(rows);
  const head = (title: string) => [title, t('accounting.detail'), t('accounting.amount')];
  return {
    slug: 'bilan',
    tables: [
      { caption: t('accounting.assets'), head: head(t('accounting.assets')), rows: blockRows(t, bs.assets, bs.totalAssets) },
      { caption: t('accounting.liabilities'), head: head(t('accounting.liabilities')), rows: blockRows(t, bs.liabilities, bs.totalLiabilities) },
    ],
  };
}

type Sections = Awaited<ReturnType<typeof sectionReport>>;
export function sectionsDoc(t: T, sections: Sections, labels: Map<string, string>, p: { from: string; to: string }): ReportDoc {
  let ch = 0, pr = 0;
  const rows: ReportRow[] = sections.map((x) => {
    ch += x.charges;
    pr += x.products;
    return {
      cells: [x.section ? { text: x.section, href: `/accounting/income-statement?from=${p.from}&to=${p.to}&section=${encodeURIComponent(x.section)}` } : t('accounting.noSection'), labels.get(x.section) ?? '', x.charges, x.products, x.result],
    };
  });
  rows.push({ cells: [t('accounting.total'), '', ch, pr, pr - ch], total: true });
  return {
    slug: 'analytique',
    tables: [{ head: [t('accounting.section'), t('accounting.label'), t('accounting.charges'), t('accounting.products'), t('accounting.h.result')], rows }],
  };
}

/** For readers of the summaries only (the board): links to ledgers and entries, which they may not open, become plain text. */
export function withoutEntryLinks(doc: ReportDoc): ReportDoc {
  const plain = (c: Cell): Cell => (c !== null && typeof c === 'object' && /^\/accounting\/(ledger|entries|journal)\b/.test(c.href) ? c.text : c);
  return { ...doc, tables: doc.tables.map((tb) => ({ ...tb, rows: tb.rows.map((r) => ({ ...r, cells: r.cells.map(plain) })) })) };
}
