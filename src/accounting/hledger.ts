// A plain-text journal in hledger's format, so the books can be checked by an independent
// tool (and read by anyone with a text editor). Accounts are named by their number.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Queryable } from '../platform/db.ts';
import { formatCents } from './money.ts';
import { journalReport, trialBalance, type Period } from './reports.ts';

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

export interface HledgerComparison {
  /** Accounts with a non-zero balance in either trial balance. */
  accounts: number;
  /** Every account where the two disagree (cents; null where one side has no balance). */
  differences: Array<{ account: string; ours: number | null; hledger: number | null }>;
}

/**
 * Our trial balance against hledger's on the same books (the period's validated entries,
 * written as an hledger journal): an independent tool recomputes every balance. Null when
 * hledger cannot be run (not installed, or not at the path given).
 */
export async function compareWithHledger(db: Queryable, p: Period, hledger = 'hledger'): Promise<HledgerComparison | null> {
  if (spawnSync(hledger, ['--version'], { encoding: 'utf8' }).status !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ostal-hledger-'));
  try {
    const file = path.join(dir, 'books.journal');
    fs.writeFileSync(file, await exportHledger(db, p));
    const out = spawnSync(hledger, ['-f', file, 'balance', '--flat', '--no-total', '-O', 'csv'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (out.status !== 0) throw new Error(`hledger failed: ${out.stderr}`);
    const theirs = new Map<string, number>();
    for (const line of out.stdout.trim().split('\n').slice(1)) {
      const [acc, amount] = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
      const m = /(-?[\d.]+)/.exec((amount ?? '').replace(/,/g, ''));
      if (acc && m) theirs.set(acc, Math.round(Number(m[1]) * 100));
    }
    const ours = new Map((await trialBalance(db, p)).rows.filter((r) => r.balance !== 0).map((r) => [r.account, r.balance]));
    const all = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
    const differences = all
      .filter((a) => ours.get(a) !== theirs.get(a))
      .map((a) => ({ account: a, ours: ours.get(a) ?? null, hledger: theirs.get(a) ?? null }));
    return { accounts: all.length, differences };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
