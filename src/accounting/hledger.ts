// A plain-text journal in hledger's format, so the books can be checked by an independent
// tool (and read by anyone with a text editor). Accounts are named by their number.
import type { Queryable } from '../platform/db.ts';
import { formatCents } from './money.ts';
import { journalReport, type Period } from './reports.ts';

export function hledgerEntry(e: { date: string; journal: string; number: number | null; label: string; lines: Array<{ account: string; debit: number; credit: number; thirdParty: string | null }> }): string {
  const head = `${e.date} * (${e.journal}${e.number ?? ''}) ${e.label.replace(/[\r\n;]+/g, ' ')}`;
  const body = e.lines.map((l) => {
    const amount = formatCents(l.debit - l.credit, '.');
    const tag = l.thirdParty ? `  ; tiers:${l.thirdParty}` : '';
    return `    ${l.account}  ${amount} EUR${tag}`;
  });
  return [head, ...body].join('\n') + '\n';
}

export async function exportHledger(db: Queryable, p: Period): Promise<string> {
  const entries = await journalReport(db, { ...p, includeDrafts: false });
  entries.sort((a, b) => (a.date === b.date ? (a.number ?? 0) - (b.number ?? 0) : a.date < b.date ? -1 : 1));
  return `; Ostal – ${p.from} – ${p.to}\n\n` + entries.map(hledgerEntry).join('\n');
}
