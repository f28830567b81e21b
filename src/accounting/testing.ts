// Test helpers of the accounting module: a fiscal year and entries, written as a treasurer would.
import type { Queryable } from '../platform/db.ts';
import type { Actor } from '../platform/audit.ts';
import { createEntry, createFiscalYear, validateEntry } from './books.ts';
import type { LineInput } from './rules.ts';

export const TREASURER: Actor = { personId: null, label: 'Trésorière de tèst' };

export function aFiscalYear(db: Queryable, startsOn = '2025-09-01', endsOn = '2026-08-31') {
  return createFiscalYear(db, TREASURER, startsOn, endsOn);
}

/** A two-line entry: debit one account, credit another. */
export function simpleLines(debitAccount: string, creditAccount: string, cents: number, extra: Partial<LineInput> = {}): LineInput[] {
  return [
    { account: debitAccount, debit: cents, credit: 0, ...extra },
    { account: creditAccount, debit: 0, credit: cents, ...extra },
  ];
}

export async function aValidatedEntry(db: Queryable, o: { journal?: string; date: string; label?: string; lines: LineInput[] }) {
  const e = await createEntry(db, TREASURER, { journal: o.journal ?? 'OD', date: o.date, label: o.label ?? 'Écriture de tèst', lines: o.lines });
  return validateEntry(db, TREASURER, e.id);
}
