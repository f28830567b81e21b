// Reports: journal, general ledger, trial balance, balance sheet, income statement, analytic
// sections. Queries fetch the sums; the presentation is computed by pure functions below.
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';

export interface Period {
  from: string;
  to: string;
  /** Drafts are left out of every official report unless asked for. */
  includeDrafts?: boolean;
  /** Only the lines of one analytic section. */
  section?: string;
}

export interface TrialBalanceRow {
  account: string;
  label: string;
  debit: number;
  credit: number;
  /** debit − credit */
  balance: number;
}

export async function trialBalance(db: Queryable, p: Period & { journal?: string }) {
  let q = db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .innerJoin('account as a', 'a.number', 'l.account_number')
    .select(['l.account_number', 'a.label', sql<string>`sum(l.debit_cents)`.as('debit'), sql<string>`sum(l.credit_cents)`.as('credit')])
    .where('e.entry_date', '>=', p.from)
    .where('e.entry_date', '<=', p.to)
    .groupBy(['l.account_number', 'a.label'])
    .orderBy('l.account_number');
  if (!p.includeDrafts) q = q.where('e.status', '=', 'validated');
  if (p.journal) q = q.where('e.journal_code', '=', p.journal);
  if (p.section) q = q.where('l.section_code', '=', p.section);
  const rows: TrialBalanceRow[] = (await q.execute()).map((r) => {
    const debit = Number(r.debit);
    const credit = Number(r.credit);
    return { account: r.account_number, label: r.label, debit, credit, balance: debit - credit };
  });
  return { rows, totals: sumRows(rows) };
}

/**
 * The trial balance as the board reads it: the sub-accounts of the users' accounts (41…, where
 * some books keep one account per family, e.g. from another software's FEC) summed into their
 * three-digit account, debit balances apart from credit balances so that the balance sheet
 * (assets and liabilities by sign) and every total stay the same as the treasurer's.
 */
export function familiesSummed(rows: readonly TrialBalanceRow[], labelOf: (account: string) => string): TrialBalanceRow[] {
  const out: TrialBalanceRow[] = [];
  const merged = new Map<string, TrialBalanceRow>();
  for (const r of rows) {
    if (!(r.account.startsWith('41') && r.account.length > 3)) {
      out.push({ ...r });
      continue;
    }
    const account = r.account.slice(0, 3);
    const key = `${account}${r.balance >= 0 ? '+' : '-'}`;
    const m = merged.get(key);
    if (m) {
      m.debit += r.debit;
      m.credit += r.credit;
      m.balance += r.balance;
    } else {
      const row = { account, label: labelOf(account), debit: r.debit, credit: r.credit, balance: r.balance };
      merged.set(key, row);
      out.push(row);
    }
  }
  return out.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
}

export function sumRows(rows: readonly TrialBalanceRow[]) {
  let debit = 0;
  let credit = 0;
  for (const r of rows) {
    debit += r.debit;
    credit += r.credit;
  }
  return { debit, credit };
}

export async function journalReport(db: Queryable, p: Period & { journal?: string }) {
  let q = db
    .selectFrom('entry as e')
    .innerJoin('entry_line as l', 'l.entry_id', 'e.id')
    .innerJoin('account as a', 'a.number', 'l.account_number')
    .select([
      'e.id', 'e.journal_code', 'e.number', 'e.entry_date', 'e.label', 'e.piece_ref', 'e.status',
      'l.line_no', 'l.account_number', 'a.label as account_label', 'l.third_party_code', 'l.label as line_label',
      'l.debit_cents', 'l.credit_cents', 'l.section_code',
    ])
    .where('e.entry_date', '>=', p.from)
    .where('e.entry_date', '<=', p.to)
    .orderBy('e.journal_code').orderBy('e.entry_date').orderBy('e.number').orderBy('e.id').orderBy('l.line_no');
  if (!p.includeDrafts) q = q.where('e.status', '=', 'validated');
  if (p.journal) q = q.where('e.journal_code', '=', p.journal);
  if (p.section) q = q.where('l.section_code', '=', p.section);
  const rows = await q.execute();
  const entries: Array<{
    id: number; journal: string; number: number | null; date: string; label: string; pieceRef: string; status: string;
    lines: Array<{ account: string; accountLabel: string; thirdParty: string | null; label: string; debit: number; credit: number; section: string | null }>;
  }> = [];
  for (const r of rows) {
    let e = entries[entries.length - 1];
    if (!e || e.id !== r.id) {
      e = { id: r.id, journal: r.journal_code, number: r.number, date: r.entry_date, label: r.label, pieceRef: r.piece_ref, status: r.status, lines: [] };
      entries.push(e);
    }
    e.lines.push({ account: r.account_number, accountLabel: r.account_label, thirdParty: r.third_party_code, label: r.line_label, debit: r.debit_cents, credit: r.credit_cents, section: r.section_code });
  }
  return entries;
}

/**
 * General ledger (grand livre) of one account, or of every account under a prefix ('' for
 * all), each with its balance at the start of the period (from the start of its fiscal year)
 * and a running balance.
 */
export async function generalLedger(db: Queryable, p: Period & { account: string }) {
  const fy = await db.selectFrom('fiscal_year').select(['starts_on']).where('starts_on', '<=', p.from).where('ends_on', '>=', p.from).executeTakeFirst();
  const yearStart = fy?.starts_on ?? p.from;
  const statuses: Array<'validated' | 'draft'> = p.includeDrafts ? ['validated', 'draft'] : ['validated'];
  let before = db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .select(['l.account_number', sql<string>`sum(l.debit_cents - l.credit_cents)`.as('b')])
    .where('l.account_number', 'like', `${p.account}%`)
    .where('e.entry_date', '>=', yearStart)
    .where('e.entry_date', '<', p.from)
    .where('e.status', 'in', statuses)
    .groupBy('l.account_number');
  let q = db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .leftJoin('lettering as g', 'g.line_id', 'l.id')
    .select(['l.id', 'l.account_number', 'e.id as entry_id', 'e.journal_code', 'e.number', 'e.entry_date', 'e.label', 'e.piece_ref', 'l.label as line_label', 'l.third_party_code', 'l.debit_cents', 'l.credit_cents', 'g.code as lettering'])
    .where('l.account_number', 'like', `${p.account}%`)
    .where('e.entry_date', '>=', p.from)
    .where('e.entry_date', '<=', p.to)
    .where('e.status', 'in', statuses)
    .orderBy('l.account_number').orderBy('e.entry_date').orderBy('e.number').orderBy('l.id');
  if (p.section) {
    before = before.where('l.section_code', '=', p.section);
    q = q.where('l.section_code', '=', p.section);
  }
  const openings = new Map((await before.execute()).map((r) => [r.account_number, Number(r.b)]));
  const rows = await q.execute();
  const labels = new Map((await db.selectFrom('account').select(['number', 'label']).where('number', 'like', `${p.account}%`).execute()).map((a) => [a.number, a.label]));
  const byAccount = new Map<string, typeof rows>();
  for (const a of openings.keys()) byAccount.set(a, []);
  for (const r of rows) {
    const list = byAccount.get(r.account_number);
    if (list) list.push(r);
    else byAccount.set(r.account_number, [r]);
  }
  const accounts = [...byAccount.keys()].sort().map((account) => {
    const opening = openings.get(account) ?? 0;
    const lines = withRunningBalance(opening, byAccount.get(account)!);
    let debit = 0;
    let credit = 0;
    for (const l of lines) {
      debit += l.debit_cents;
      credit += l.credit_cents;
    }
    return { account, label: labels.get(account) ?? '', opening, lines, debit, credit, closing: opening + debit - credit };
  });
  const opening = accounts.reduce((s, a) => s + a.opening, 0);
  return { opening, lines: accounts.flatMap((a) => a.lines), accounts };
}

export function withRunningBalance<L extends { debit_cents: number; credit_cents: number }>(opening: number, lines: readonly L[]) {
  let running = opening;
  return lines.map((l) => {
    running += l.debit_cents - l.credit_cents;
    return { ...l, running };
  });
}

// The associations' presentation (règlement ANC 2018-06). Each heading gathers accounts by
// prefix; the first matching prefix wins, so a more specific one is listed first.
export interface Heading {
  key: string;
  prefixes: string[];
}

export const INCOME_CHARGES: Heading[] = [
  { key: 'purchases', prefixes: ['60'] },
  { key: 'externalServices', prefixes: ['61', '62'] },
  { key: 'taxes', prefixes: ['63'] },
  { key: 'staff', prefixes: ['64'] },
  { key: 'dedicatedFundsCharge', prefixes: ['689'] },
  { key: 'depreciation', prefixes: ['68'] },
  { key: 'grantsPaid', prefixes: ['657'] },
  { key: 'otherCharges', prefixes: ['65'] },
  { key: 'financialCharges', prefixes: ['66'] },
  { key: 'exceptionalCharges', prefixes: ['67'] },
  { key: 'incomeTax', prefixes: ['69'] },
];
export const INCOME_PRODUCTS: Heading[] = [
  { key: 'fees', prefixes: ['756'] },
  { key: 'sales', prefixes: ['70', '71', '72'] },
  { key: 'grants', prefixes: ['74'] },
  { key: 'generosity', prefixes: ['754'] },
  { key: 'dedicatedFundsUse', prefixes: ['789'] },
  { key: 'reversals', prefixes: ['78', '79'] },
  { key: 'otherProducts', prefixes: ['75'] },
  { key: 'financialProducts', prefixes: ['76'] },
  { key: 'exceptionalProducts', prefixes: ['77'] },
];
export const IN_KIND_USES: Heading[] = [{ key: 'inKindUses', prefixes: ['86'] }];
export const IN_KIND_CONTRIBUTIONS: Heading[] = [{ key: 'inKindContributions', prefixes: ['87'] }];

export const ASSETS: Heading[] = [
  { key: 'intangible', prefixes: ['20', '280', '290'] },
  { key: 'tangible', prefixes: ['21', '22', '23', '281', '282', '291'] },
  { key: 'bequestsForSale', prefixes: ['24', '294'] },
  { key: 'financialAssets', prefixes: ['26', '27', '296', '297'] },
  { key: 'stocks', prefixes: ['3'] },
  { key: 'receivables', prefixes: ['409', '41', '42', '43', '44', '45', '46', '47', '49'] },
  { key: 'investments', prefixes: ['50', '59'] },
  { key: 'cash', prefixes: ['51', '53', '58'] },
  { key: 'prepaid', prefixes: ['486'] },
];
export const LIABILITIES: Heading[] = [
  { key: 'ownFunds', prefixes: ['10', '11'] },
  { key: 'result', prefixes: ['12'] },
  { key: 'investmentGrants', prefixes: ['13', '14'] },
  { key: 'dedicatedFunds', prefixes: ['19'] },
  { key: 'provisions', prefixes: ['15'] },
  { key: 'borrowings', prefixes: ['16', '17', '18'] },
  // An overdrawn bank account: a debt to the bank (concours bancaires courants), not a negative asset.
  { key: 'bankOverdrafts', prefixes: ['51'] },
  { key: 'suppliers', prefixes: ['40'] },
  { key: 'otherDebts', prefixes: ['41', '42', '43', '44', '45', '46', '47'] },
  { key: 'deferredIncome', prefixes: ['487'] },
];

const headingOf = (headings: Heading[], account: string) =>
  headings
    .flatMap((h) => h.prefixes.map((p) => ({ h, p })))
    .filter((x) => account.startsWith(x.p))
    .sort((a, b) => b.p.length - a.p.length)[0]?.h;

function gather(headings: Heading[], rows: readonly TrialBalanceRow[], amount: (r: TrialBalanceRow) => number) {
  const out = headings.map((h) => ({ key: h.key, amount: 0, accounts: [] as Array<{ account: string; label: string; amount: number }> }));
  for (const r of rows) {
    const h = headingOf(headings, r.account);
    if (!h) continue;
    const a = amount(r);
    if (a === 0) continue;
    const slot = out.find((o) => o.key === h.key)!;
    slot.amount += a;
    slot.accounts.push({ account: r.account, label: r.label, amount: a });
  }
  return out;
}

const total = (hs: Array<{ amount: number }>) => hs.reduce((s, h) => s + h.amount, 0);

/** Compte de résultat: charges and products, result, then voluntary contributions in kind. */
export function incomeStatement(rows: readonly TrialBalanceRow[]) {
  const charges = gather(INCOME_CHARGES, rows.filter((r) => r.account.startsWith('6')), (r) => r.balance);
  const products = gather(INCOME_PRODUCTS, rows.filter((r) => r.account.startsWith('7')), (r) => -r.balance);
  const inKindUses = gather(IN_KIND_USES, rows, (r) => r.balance);
  const inKindContributions = gather(IN_KIND_CONTRIBUTIONS, rows, (r) => -r.balance);
  const totalCharges = total(charges);
  const totalProducts = total(products);
  return { charges, products, totalCharges, totalProducts, result: totalProducts - totalCharges, inKindUses, inKindContributions };
}

/**
 * Bilan: each third party of a third-party account (class 4) goes to assets or liabilities by
 * the sign of its own balance — a household in credit is a debt, not a smaller receivable —
 * given rows per (account, third party) (balanceSheetRows); an overdrawn bank account (51…
 * with a credit balance) is a debt to the bank. The year's result (classes 6 and 7 not yet
 * closed) is shown among own funds.
 */
export function balanceSheet(rows: readonly TrialBalanceRow[]) {
  const sheet = rows.filter((r) => /^[1-5]/.test(r.account));
  const side = (r: TrialBalanceRow): 'asset' | 'liability' | null => {
    if (/^4/.test(r.account) || /^51/.test(r.account)) return r.balance > 0 ? 'asset' : r.balance < 0 ? 'liability' : null;
    return /^1/.test(r.account) ? 'liability' : 'asset';
  };
  // One line per account and side: the third parties of an account are summed on each side.
  const merge = (want: 'asset' | 'liability') => {
    const byAccount = new Map<string, TrialBalanceRow>();
    for (const r of sheet) {
      if (side(r) !== want) continue;
      const m = byAccount.get(r.account);
      if (m) {
        m.debit += r.debit;
        m.credit += r.credit;
        m.balance += r.balance;
      } else byAccount.set(r.account, { account: r.account, label: r.label, debit: r.debit, credit: r.credit, balance: r.balance });
    }
    return [...byAccount.values()];
  };
  const assets = gather(ASSETS, merge('asset'), (r) => r.balance);
  const liabilities = gather(LIABILITIES, merge('liability'), (r) => -r.balance);
  const yearResult = incomeStatement(rows).result;
  if (yearResult !== 0) {
    const slot = liabilities.find((l) => l.key === 'result')!;
    slot.amount += yearResult;
    slot.accounts.push({ account: '', label: '', amount: yearResult });
  }
  return { assets, liabilities, totalAssets: total(assets), totalLiabilities: total(liabilities) };
}

/**
 * The rows the balance sheet needs: the trial balance, with the third-party accounts (class 4)
 * split per third party so that debtors and creditors fall on their own side.
 */
export async function balanceSheetRows(db: Queryable, p: Period): Promise<TrialBalanceRow[]> {
  const rows = await db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .innerJoin('account as a', 'a.number', 'l.account_number')
    .select([
      'l.account_number',
      'a.label',
      sql<string | null>`case when l.account_number like '4%' then l.third_party_code end`.as('third_party'),
      sql<string>`sum(l.debit_cents)`.as('debit'),
      sql<string>`sum(l.credit_cents)`.as('credit'),
    ])
    .where('e.entry_date', '>=', p.from)
    .where('e.entry_date', '<=', p.to)
    .where('e.status', 'in', p.includeDrafts ? ['validated', 'draft'] : ['validated'])
    .groupBy(['l.account_number', 'a.label', sql`case when l.account_number like '4%' then l.third_party_code end`])
    .orderBy('l.account_number')
    .execute();
  return rows.map((r) => {
    const debit = Number(r.debit);
    const credit = Number(r.credit);
    return { account: r.account_number, label: r.label, debit, credit, balance: debit - credit };
  });
}

/** Charges and products per analytic section (lines without a section under ''). */
export async function sectionReport(db: Queryable, p: Period) {
  const rows = await db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .select([
      sql<string>`coalesce(l.section_code, '')`.as('section'),
      sql<string>`sum(case when l.account_number like '6%' then l.debit_cents - l.credit_cents else 0 end)`.as('charges'),
      sql<string>`sum(case when l.account_number like '7%' then l.credit_cents - l.debit_cents else 0 end)`.as('products'),
    ])
    .where('e.entry_date', '>=', p.from)
    .where('e.entry_date', '<=', p.to)
    .where('e.status', 'in', p.includeDrafts ? ['validated', 'draft'] : ['validated'])
    .groupBy(sql`coalesce(l.section_code, '')`)
    .orderBy('section')
    .execute();
  return rows.map((r) => ({ section: r.section, charges: Number(r.charges), products: Number(r.products), result: Number(r.products) - Number(r.charges) }));
}
