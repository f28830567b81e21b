// Pure rules of the books: no database here, only plain data in and out.

export interface LineInput {
  account: string;
  debit: number;
  credit: number;
  thirdParty?: string | null;
  label?: string;
  section?: string | null;
}

export function totals(lines: ReadonlyArray<{ debit: number; credit: number }>) {
  let debit = 0;
  let credit = 0;
  for (const l of lines) {
    debit += l.debit;
    credit += l.credit;
  }
  return { debit, credit };
}

export function isBalanced(lines: ReadonlyArray<{ debit: number; credit: number }>): boolean {
  const t = totals(lines);
  return t.debit === t.credit;
}

/** The lines of a reversal (extourne): the same lines, debit and credit swapped. */
export function reversalLines<L extends LineInput>(lines: readonly L[]): L[] {
  return lines.map((l) => ({ ...l, debit: l.credit, credit: l.debit }));
}

/** Class of an account: its first digit. */
export const accountClass = (account: string) => Number(account[0]);

/** Balance-sheet accounts (classes 1 to 5) are carried forward; 6, 7 make the result; 8 is off the books' result. */
export const isBalanceSheetAccount = (account: string) => accountClass(account) >= 1 && accountClass(account) <= 5;

export interface AccountBalance {
  account: string;
  thirdParty: string | null;
  /** debit − credit, in cents. */
  balance: number;
}

/** Result of the year: products (7) minus charges (6); positive is an excédent. */
export function yearResult(balances: readonly AccountBalance[]): number {
  let r = 0;
  for (const b of balances) {
    const c = accountClass(b.account);
    if (c === 6 || c === 7) r -= b.balance;
  }
  return r;
}

export const RESULT_SURPLUS_ACCOUNT = '120';
export const RESULT_DEFICIT_ACCOUNT = '129';

/**
 * The opening entry (à-nouveaux) of the next year: every balance-sheet balance, per account
 * and third party (so that open items stay letterable), plus the year's result on 120 or 129.
 * The result is not assigned here: the general meeting decides that, later, by an OD entry.
 */
export function carryForward(balances: readonly AccountBalance[]): { lines: LineInput[]; result: number } {
  const result = yearResult(balances);
  const keyed = new Map<string, AccountBalance>();
  const add = (b: AccountBalance) => {
    const k = `${b.account}\u0000${b.thirdParty ?? ''}`;
    const cur = keyed.get(k);
    keyed.set(k, { ...b, balance: (cur?.balance ?? 0) + b.balance });
  };
  for (const b of balances) if (isBalanceSheetAccount(b.account)) add(b);
  if (result !== 0) {
    add({ account: result > 0 ? RESULT_SURPLUS_ACCOUNT : RESULT_DEFICIT_ACCOUNT, thirdParty: null, balance: -result });
  }
  const lines = [...keyed.values()]
    .filter((b) => b.balance !== 0)
    .sort((a, b) => (a.account === b.account ? (a.thirdParty ?? '').localeCompare(b.thirdParty ?? '') : a.account < b.account ? -1 : 1))
    .map((b) => ({
      account: b.account,
      thirdParty: b.thirdParty,
      debit: b.balance > 0 ? b.balance : 0,
      credit: b.balance < 0 ? -b.balance : 0,
      label: 'À-nouveau',
    }));
  return { lines, result };
}

/** Lettering codes: A…Z, then AA, AB… (as most French software writes them). */
export function letteringCode(n: number): string {
  let s = '';
  let k = n;
  do {
    s = String.fromCharCode(65 + (k % 26)) + s;
    k = Math.floor(k / 26) - 1;
  } while (k >= 0);
  return s;
}

/** The first day after a date, and a default 12-month year from there. */
export function nextYearDates(endsOn: string): { startsOn: string; endsOn: string } {
  const d = new Date(`${endsOn}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  const start = d.toISOString().slice(0, 10);
  const e = new Date(d);
  e.setUTCFullYear(e.getUTCFullYear() + 1);
  e.setUTCDate(e.getUTCDate() - 1);
  return { startsOn: start, endsOn: e.toISOString().slice(0, 10) };
}
