// Money is integer cents inside; text only at the edges (forms, FEC, hledger).
import { InvalidInput } from '../platform/errors.ts';

const AMOUNT = /^(-)?(\d{1,12})(?:[.,](\d{1,2}))?$/;

/** '1 234,5' or '1234.50' → 123450. Throws InvalidInput on anything else. */
export function parseAmount(text: string): number {
  const s = text.replace(/[\s\u00a0\u202f]/g, '');
  const m = AMOUNT.exec(s);
  if (!m) throw new InvalidInput('accounting.error.amount', { amount: text });
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

/** 123450 → '1234,50' (FEC) or '1234.50' (hledger). */
export function formatCents(cents: number, decimal: ',' | '.' = ','): string {
  const sign = cents < 0 ? '-' : '';
  const a = Math.abs(cents);
  return `${sign}${Math.floor(a / 100)}${decimal}${String(a % 100).padStart(2, '0')}`;
}

/** For people: 1 234,50 (French grouping). */
export function displayCents(cents: number): string {
  const s = formatCents(cents, ',');
  const [int, dec] = s.split(',');
  return `${int!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')},${dec}`;
}
