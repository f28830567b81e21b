// Fichier des écritures comptables (FEC), article A47 A-1 of the Livre des procédures fiscales:
// 18 columns in this order, dates YYYYMMDD, amounts with a decimal comma, tab or pipe
// separated, validated entries only, in the order of validation, named <SIREN>FEC<closing>.txt.
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { InvalidInput } from '../platform/errors.ts';
import { decodeText } from '../platform/files.ts';
import { createEntry, inTransaction, refusal, validateEntry } from './books.ts';
import { formatCents } from './money.ts';
import { isBalanced, letteringCode, type LineInput } from './rules.ts';

export const FEC_COLUMNS = [
  'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib',
  'PieceRef', 'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise',
] as const;

export type FecSeparator = '\t' | '|';
/** ISO 8859-15 is the character set the tax administration names; UTF-8 on request. */
export type FecEncoding = 'iso-8859-15' | 'utf-8';

/** The association's SIREN (setting accounting.siren), which names the FEC file. */
export async function associationSiren(db: Queryable): Promise<string> {
  const row = await db.selectFrom('setting').select('value').where('key', '=', 'accounting.siren').executeTakeFirst();
  const v = typeof row?.value === 'string' ? row.value.replace(/\s/g, '') : '';
  if (!/^\d{9}$/.test(v)) throw new InvalidInput('accounting.error.noSiren');
  return v;
}

export function fecFileName(siren: string, closingDate: string): string {
  return `${siren}FEC${closingDate.replaceAll('-', '')}.txt`;
}

export interface FecRow {
  journal_code: string;
  journal_label: string;
  number: number;
  entry_date: string;
  account_number: string;
  account_label: string;
  third_party_code: string | null;
  third_party_label: string | null;
  piece_ref: string;
  piece_date: string;
  line_label: string;
  debit_cents: number | string;
  credit_cents: number | string;
  lettering: string | null;
  lettered_on: string | null;
  valid_date: string;
}

const ymd = (d: string | null) => (d ? d.slice(0, 10).replaceAll('-', '') : '');

/** One FEC line; the separator and line breaks cannot occur inside a field. */
export function fecLine(r: FecRow, sep: FecSeparator): string {
  // Typographic punctuation has no place in ISO 8859-15: written as its ASCII look-alike.
  const clean = (s: string | null) =>
    (s ?? '')
      .replace(/[\t|\r\n]/g, ' ')
      .replace(/[\u2013\u2014]/g, '-')
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/[\u201c\u201d]/g, '"')
      .replace(/\u2026/g, '...')
      .replace(/ {2,}/g, ' ')
      .trim();
  return [
    clean(r.journal_code), clean(r.journal_label), String(r.number), ymd(r.entry_date), r.account_number, clean(r.account_label),
    clean(r.third_party_code), clean(r.third_party_label), clean(r.piece_ref) || `${r.journal_code}${r.number}`, ymd(r.piece_date),
    clean(r.line_label), formatCents(Number(r.debit_cents)), formatCents(Number(r.credit_cents)), clean(r.lettering), ymd(r.lettered_on),
    r.valid_date, '', '',
  ].join(sep);
}

/**
 * Streams the FEC of a fiscal year through `write`, a few thousand lines at a time, with a
 * cursor (DECLARE … FETCH in a transaction works on PostgreSQL and on PGlite alike).
 */
export async function exportFec(
  db: Queryable,
  fiscalYearId: number,
  write: (chunk: Buffer) => Promise<void> | void,
  opts: { separator?: FecSeparator; encoding?: FecEncoding; batch?: number } = {},
): Promise<{ lines: number }> {
  const sep = opts.separator ?? '\t';
  const enc = opts.encoding ?? 'iso-8859-15';
  const batch = opts.batch ?? 5000;
  const encode = (s: string) => (enc === 'utf-8' ? Buffer.from(s, 'utf8') : iconv.encode(s, 'iso-8859-15'));
  if (!Number.isSafeInteger(fiscalYearId)) throw new RangeError('fiscal year id');
  let lines = 0;
  await inTransaction(db, async (trx) => {
    await sql`declare fec_cursor no scroll cursor for
      select e.journal_code, j.label as journal_label, e.number, e.entry_date, l.account_number, a.label as account_label,
             l.third_party_code, t.label as third_party_label, e.piece_ref, coalesce(e.piece_date, e.entry_date) as piece_date,
             coalesce(nullif(l.label, ''), e.label) as line_label, l.debit_cents, l.credit_cents,
             g.code as lettering, g.lettered_on,
             to_char(e.validated_at at time zone 'Europe/Paris', 'YYYYMMDD') as valid_date
      from entry e
      join entry_line l on l.entry_id = e.id
      join journal j on j.code = e.journal_code
      join account a on a.number = l.account_number
      left join third_party t on t.code = l.third_party_code
      left join lettering g on g.line_id = l.id
      where e.fiscal_year_id = ${sql.lit(fiscalYearId)} and e.status = 'validated'
      order by e.number, l.line_no`.execute(trx);
    await write(encode(FEC_COLUMNS.join(sep) + '\r\n'));
    for (;;) {
      const res = await sql<FecRow>`fetch ${sql.lit(batch)} from fec_cursor`.execute(trx);
      if (res.rows.length === 0) break;
      let chunk = '';
      for (const r of res.rows) chunk += fecLine(r, sep) + '\r\n';
      lines += res.rows.length;
      await write(encode(chunk));
    }
    await sql`close fec_cursor`.execute(trx);
  });
  return { lines };
}

// ---- Import ----

export interface FecError {
  line: number;
  message: string;
}

export interface FecEntry {
  firstLine: number;
  journal: string;
  journalLabel: string;
  sourceNumber: string;
  date: string;
  validDate: string;
  pieceRef: string;
  pieceDate: string | null;
  label: string;
  lines: Array<LineInput & { accountLabel: string; thirdPartyLabel: string; fileLine: number; lettering: string | null; letteredOn: string | null }>;
}

function parseYmd(s: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}

function parseFecAmount(s: string): number | null {
  const m = /^(-)?(\d{1,13})(?:[,.](\d{1,2}))?$/.exec(s.trim().replace(/\s/g, ''));
  if (!m) return null;
  const c = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -c : c;
}

/** Reads a FEC file into entries, or the list of what is wrong with it, line by line. Pure. */
export function parseFec(bytes: Uint8Array): { entries: FecEntry[]; errors: FecError[] } {
  const text = decodeText(bytes, 'iso-8859-15');
  const rows = text.split(/\r?\n/);
  while (rows.length && rows[rows.length - 1]!.trim() === '') rows.pop();
  const errors: FecError[] = [];
  const header = rows[0] ?? '';
  const sep: FecSeparator | null = header.includes('\t') ? '\t' : header.includes('|') ? '|' : null;
  if (!sep) return { entries: [], errors: [{ line: 1, message: 'the header is neither tab- nor pipe-separated' }] };
  const cols = header.split(sep).map((c) => c.trim().toLowerCase());
  if (cols.length < 18 || FEC_COLUMNS.some((c, i) => cols[i] !== c.toLowerCase())) {
    return { entries: [], errors: [{ line: 1, message: `the header must be the 18 columns ${FEC_COLUMNS.join(sep === '\t' ? ' ' : '|')}` }] };
  }
  const byKey = new Map<string, FecEntry>();
  const order: FecEntry[] = [];
  for (let i = 1; i < rows.length; i++) {
    const n = i + 1;
    const raw = rows[i]!;
    if (raw.trim() === '') continue;
    const f = raw.split(sep).map((x) => x.trim());
    if (f.length !== 18) {
      errors.push({ line: n, message: `${f.length} columns instead of 18` });
      continue;
    }
    const [journal, journalLabel, num, date, account, accountLabel, aux, auxLabel, pieceRef, pieceDate, label, debit, credit, let_, dateLet, validDate] = f as string[] as [
      string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string,
    ];
    const problems: string[] = [];
    if (!/^[A-Za-z0-9]{1,8}$/.test(journal)) problems.push(`JournalCode "${journal}" is invalid`);
    if (!num) problems.push('EcritureNum is empty');
    const d = parseYmd(date);
    if (!d) problems.push(`EcritureDate "${date}" is not a YYYYMMDD date`);
    if (!/^[1-8][0-9]{2,11}$/.test(account)) problems.push(`CompteNum "${account}" is not an account of classes 1 to 8`);
    if (aux && !/^[A-Za-z0-9_.-]{1,40}$/.test(aux)) problems.push(`CompAuxNum "${aux}" is invalid`);
    const pd = pieceDate ? parseYmd(pieceDate) : null;
    if (pieceDate && !pd) problems.push(`PieceDate "${pieceDate}" is not a YYYYMMDD date`);
    const vd = parseYmd(validDate);
    if (!vd) problems.push(`ValidDate "${validDate}" is not a YYYYMMDD date`);
    const de = parseFecAmount(debit || '0');
    const cr = parseFecAmount(credit || '0');
    if (de === null) problems.push(`Debit "${debit}" is not an amount`);
    if (cr === null) problems.push(`Credit "${credit}" is not an amount`);
    if (de !== null && cr !== null && (de < 0 || cr < 0 || (de === 0) === (cr === 0))) problems.push('one of Debit and Credit must be positive, the other zero');
    if (!label) problems.push('EcritureLib is empty');
    // Lettering (EcritureLet, DateLet): both or neither.
    const dl = dateLet ? parseYmd(dateLet) : null;
    if (let_ && !/^[A-Za-z0-9]{1,10}$/.test(let_)) problems.push(`EcritureLet "${let_}" is not a lettering code (1 to 10 letters or digits)`);
    if (let_ && !dateLet) problems.push(`EcritureLet "${let_}" has no DateLet`);
    if (dateLet && !dl) problems.push(`DateLet "${dateLet}" is not a YYYYMMDD date`);
    if (dateLet && !let_) problems.push('DateLet is given without EcritureLet');
    if (problems.length) {
      errors.push({ line: n, message: problems.join('; ') });
      continue;
    }
    const key = `${journal}\u0000${num}`;
    let e = byKey.get(key);
    if (!e) {
      e = { firstLine: n, journal: journal.toUpperCase(), journalLabel, sourceNumber: num, date: d!, validDate: vd!, pieceRef, pieceDate: pd, label, lines: [] };
      byKey.set(key, e);
      order.push(e);
    } else if (e.date !== d) {
      errors.push({ line: n, message: `entry ${journal} ${num} has two dates (${e.date}, ${d})` });
      continue;
    }
    e.lines.push({ account, accountLabel, thirdParty: aux || null, thirdPartyLabel: auxLabel, label, debit: de!, credit: cr!, fileLine: n, lettering: let_ || null, letteredOn: dl });
  }
  // A lettering group (one account, one code) must settle: its lines sum to zero.
  const groups = new Map<string, Array<{ fileLine: number; debit: number; credit: number }>>();
  for (const e of order) {
    for (const l of e.lines) {
      if (!l.lettering) continue;
      const k = `${l.account}\u0000${l.lettering}`;
      groups.set(k, [...(groups.get(k) ?? []), l]);
    }
  }
  for (const [k, ls] of groups) {
    const [account, code] = k.split('\u0000') as [string, string];
    const sum = ls.reduce((s, l) => s + l.debit - l.credit, 0);
    if (sum !== 0) {
      const where = ls.map((l) => l.fileLine).join(', ');
      for (const l of ls) {
        errors.push({ line: l.fileLine, message: `lettering ${code} of account ${account} does not settle: its lines (${where}) leave ${formatCents(sum)}` });
      }
    }
  }
  for (const e of order) {
    if (e.lines.length < 2) errors.push({ line: e.firstLine, message: `entry ${e.journal} ${e.sourceNumber} has a single line` });
    else if (!isBalanced(e.lines)) errors.push({ line: e.firstLine, message: `entry ${e.journal} ${e.sourceNumber} does not balance` });
  }
  // Imported in their order of validation, as the FEC lists them.
  const entries = order.map((e, i) => ({ e, i })).sort((a, b) => (a.e.validDate === b.e.validDate ? a.i - b.i : a.e.validDate < b.e.validDate ? -1 : 1)).map((x) => x.e);
  return { entries, errors: errors.sort((a, b) => a.line - b.line) };
}

/**
 * Loads a FEC (the accountant's adjusting entries, or a history from previous software) as
 * validated entries. All or nothing: any error, and nothing is written.
 * Unknown journals are created; unknown accounts are created when they sit under the chart;
 * unknown third parties are created under their collective account.
 */
export async function importFec(
  db: Queryable,
  actor: Actor,
  bytes: Uint8Array,
  opts: { onlyJournals?: readonly string[] } = {},
): Promise<{ ok: true; entries: number; lines: number; lettered: number } | { ok: false; errors: FecError[] }> {
  const { entries, errors } = parseFec(bytes);
  if (errors.length) return { ok: false, errors };
  if (entries.length === 0) return { ok: false, errors: [{ line: 1, message: 'the file holds no entry' }] };
  // The accountant's upload: adjusting entries in the accountant's own journal only.
  if (opts.onlyJournals) {
    const allowed = opts.onlyJournals;
    const outside = entries.filter((e) => !allowed.includes(e.journal)).flatMap((e) => e.lines.map((l) => ({ line: l.fileLine, message: `journal ${e.journal} is not open to this import (only ${allowed.join(', ')})` })));
    if (outside.length) return { ok: false, errors: outside.sort((a, b) => a.line - b.line) };
  }
  class Abort extends Error {
    constructor(readonly errors: FecError[]) {
      super('fec import aborted');
    }
  }
  const restricted = Boolean(opts.onlyJournals);
  try {
    return await inTransaction(db, async (trx) => {
      const errs: FecError[] = [];
      const years = await trx.selectFrom('fiscal_year').selectAll().execute();
      const accounts = new Set((await trx.selectFrom('account').select('number').execute()).map((a) => a.number));
      const journals = new Set((await trx.selectFrom('journal').select('code').execute()).map((j) => j.code));
      const parties = new Set((await trx.selectFrom('third_party').select('code').execute()).map((t) => t.code));
      for (const e of entries) {
        const fy = years.find((y) => y.starts_on <= e.date && e.date <= y.ends_on);
        if (!fy) errs.push({ line: e.firstLine, message: `no fiscal year contains ${e.date}` });
        else if (fy.status !== 'open') errs.push({ line: e.firstLine, message: `the fiscal year containing ${e.date} is closed` });
        if (!journals.has(e.journal)) {
          await trx.insertInto('journal').values({ code: e.journal, label: e.journalLabel || e.journal, kind: 'misc' }).execute();
          journals.add(e.journal);
        }
        for (const l of e.lines) {
          // Creating accounts and third parties is the treasurer's: a restricted import (the
          // accountant's) names them instead, for the treasurer to add in the set-up first.
          if (restricted && !accounts.has(l.account)) {
            errs.push({ line: l.fileLine, message: `account ${l.account} does not exist in these books: the treasurer adds it first` });
            continue;
          }
          if (restricted && l.thirdParty && !parties.has(l.thirdParty)) {
            errs.push({ line: l.fileLine, message: `third party ${l.thirdParty} does not exist in these books: the treasurer adds it first` });
            continue;
          }
          if (!accounts.has(l.account)) {
            const parent = [...accounts].some((a) => l.account.startsWith(a) && a !== l.account);
            if (!parent) {
              errs.push({ line: l.fileLine, message: `account ${l.account} is not under the chart of accounts` });
              continue;
            }
            await trx.insertInto('account').values({ number: l.account, label: l.accountLabel || l.account }).execute();
            accounts.add(l.account);
          }
          if (l.thirdParty && !parties.has(l.thirdParty)) {
            const kind = l.account.startsWith('40') ? 'supplier' : l.account.startsWith('41') ? 'household' : 'other';
            await trx.insertInto('third_party').values({ code: l.thirdParty, label: l.thirdPartyLabel || l.thirdParty, kind, account_number: l.account }).execute();
            parties.add(l.thirdParty);
          }
        }
      }
      if (errs.length) throw new Abort(errs);
      let lineCount = 0;
      // Lettering codes already used on an account of these books are given the next free code.
      const used = new Map<string, Set<string>>();
      for (const g of await trx.selectFrom('lettering').select(['account_number', 'code']).distinct().execute()) {
        used.set(g.account_number, (used.get(g.account_number) ?? new Set()).add(g.code));
      }
      const codeFor = new Map<string, string>();
      const letters: Array<{ line_id: number; account_number: string; code: string; lettered_on: string; lettered_by_label: string }> = [];
      for (const e of entries) {
        try {
          const created = await createEntry(trx, actor, {
            journal: e.journal,
            date: e.date,
            label: e.label,
            pieceRef: e.pieceRef.slice(0, 60),
            pieceDate: e.pieceDate,
            lines: e.lines.map(({ account, debit, credit, thirdParty, label }) => ({ account, debit, credit, thirdParty, label })),
            sourceRef: `${e.journal}:${e.sourceNumber}`,
          });
          await validateEntry(trx, actor, created.id);
          lineCount += e.lines.length;
          if (e.lines.some((l) => l.lettering)) {
            const ids = await trx.selectFrom('entry_line').select(['id', 'line_no']).where('entry_id', '=', created.id).orderBy('line_no').execute();
            e.lines.forEach((l, i) => {
              if (!l.lettering) return;
              const k = `${l.account}\u0000${l.lettering}`;
              let code = codeFor.get(k);
              if (!code) {
                const taken = used.get(l.account) ?? new Set<string>();
                code = l.lettering;
                for (let n = taken.size; taken.has(code); n++) code = letteringCode(n);
                taken.add(code);
                used.set(l.account, taken);
                codeFor.set(k, code);
              }
              letters.push({ line_id: ids[i]!.id, account_number: l.account, code, lettered_on: l.letteredOn!, lettered_by_label: actor.label });
            });
          }
        } catch (err) {
          throw new Abort([{ line: e.firstLine, message: refusal(err).message }]);
        }
      }
      for (let i = 0; i < letters.length; i += 1000) {
        try {
          await trx.insertInto('lettering').values(letters.slice(i, i + 1000)).execute();
        } catch (err) {
          throw new Abort([{ line: 1, message: `lettering refused: ${refusal(err).message}` }]);
        }
      }
      // The commit-time rules (balance, lettering) checked now, so a refusal is reported here.
      try {
        await sql`set constraints all immediate`.execute(trx);
      } catch (err) {
        throw new Abort([{ line: 1, message: refusal(err).message }]);
      }
      await recordEvent(trx, actor, 'accounting.fec.import', null, { entries: entries.length, lines: lineCount, lettered: letters.length });
      return { ok: true as const, entries: entries.length, lines: lineCount, lettered: letters.length };
    });
  } catch (err) {
    if (err instanceof Abort) return { ok: false, errors: err.errors };
    throw err;
  }
}
