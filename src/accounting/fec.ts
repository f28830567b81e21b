// Fichier des écritures comptables (FEC), article A47 A-1 of the Livre des procédures fiscales:
// 18 columns in this order, dates YYYYMMDD, amounts with a decimal comma, tab or pipe
// separated, validated entries only, in the order of validation, named <SIREN>FEC<closing>.txt.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { InvalidInput, isUniqueViolation, type Params } from '../platform/errors.ts';
import { translator, type MessageKey } from '../platform/i18n/index.ts';
import { decodeText } from '../platform/files.ts';
import { inTransaction } from '../platform/db.ts';
import { formatCents } from './money.ts';
import { isBalanced, letteringCode, totals, type LineInput } from './rules.ts';

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
             coalesce(to_char(e.valid_date, 'YYYYMMDD'), to_char(e.validated_at at time zone 'Europe/Paris', 'YYYYMMDD')) as valid_date
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

/** A problem of one line of the file, said in the reader's language (key and parameters). */
export interface FecError {
  line: number;
  key: MessageKey;
  params: Params;
  /** The same in English, for the command line and the logs. */
  message: string;
}

const english = translator('en');
export function fecError(line: number, key: MessageKey, params: Params = {}): FecError {
  return { line, key, params, message: english(key, params) };
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

// A FEC repeats a few hundred dates over a million lines: each is checked once.
const ymdSeen = new Map<string, string | null>();
function parseYmd(s: string): string | null {
  const known = ymdSeen.get(s);
  if (known !== undefined) return known;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s.trim());
  let iso: string | null = null;
  if (m) {
    const candidate = `${m[1]}-${m[2]}-${m[3]}`;
    const d = new Date(`${candidate}T00:00:00Z`);
    iso = !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === candidate ? candidate : null;
  }
  if (ymdSeen.size > 100_000) ymdSeen.clear();
  ymdSeen.set(s, iso);
  return iso;
}

function parseFecAmount(s: string): number | null {
  const m = /^([-+])?(\d{1,13})(?:[,.](\d{1,2}))?$/.exec(s.trim().replace(/\s/g, ''));
  if (!m) return null;
  const c = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -c : c;
}

/**
 * The two layouts of article A47 A-1 LPF: Debit and Credit columns, or a Montant column and a
 * Sens column (D or C; +1 or -1 are read too) in their place.
 */
export type FecLayout = 'debitCredit' | 'amountSens';

export function fecHeader(header: string): { sep: FecSeparator; layout: FecLayout } | FecError {
  const sep: FecSeparator | null = header.includes('\t') ? '\t' : header.includes('|') ? '|' : null;
  if (!sep) return fecError(1, 'accounting.fec.err.separator');
  const cols = header.replace(/^\uFEFF/, '').split(sep).map((c) => c.trim().toLowerCase());
  const same = (expected: readonly string[]) => cols.length >= 18 && expected.every((c, i) => cols[i] === c.toLowerCase());
  if (same(FEC_COLUMNS)) return { sep, layout: 'debitCredit' };
  const sens = FEC_COLUMNS.map((c) => (c === 'Debit' ? 'Montant' : c === 'Credit' ? 'Sens' : c));
  if (same(sens)) return { sep, layout: 'amountSens' };
  return fecError(1, 'accounting.fec.err.header', { columns: FEC_COLUMNS.join(sep === '\t' ? ' ' : '|') });
}

/** One line of the file into its fields and amounts, or its problems. Pure. */
export function parseFecRow(f: string[], n: number, layout: FecLayout): { errors: FecError[]; row?: ParsedRow } {
  const errors: FecError[] = [];
  const bad = (key: MessageKey, params: Params = {}) => errors.push(fecError(n, key, params));
  const [journal, journalLabel, num, date, account, accountLabel, aux, auxLabel, pieceRef, pieceDate, label, c12, c13, let_, dateLet, validDate] = f as string[] as [
    string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  if (!/^[A-Za-z0-9]{1,8}$/.test(journal)) bad('accounting.fec.err.journal', { value: journal });
  if (!num) bad('accounting.fec.err.num');
  const d = parseYmd(date);
  if (!d) bad('accounting.fec.err.date', { column: 'EcritureDate', value: date });
  if (!/^[1-8][0-9]{2,11}$/.test(account)) bad('accounting.fec.err.account', { value: account });
  if (aux && !/^[A-Za-z0-9_.-]{1,40}$/.test(aux)) bad('accounting.fec.err.aux', { value: aux });
  const pd = pieceDate ? parseYmd(pieceDate) : null;
  if (pieceDate && !pd) bad('accounting.fec.err.date', { column: 'PieceDate', value: pieceDate });
  const vd = parseYmd(validDate);
  if (!vd) bad('accounting.fec.err.date', { column: 'ValidDate', value: validDate });
  let de: number | null = null;
  let cr: number | null = null;
  if (layout === 'debitCredit') {
    de = parseFecAmount(c12 || '0');
    cr = parseFecAmount(c13 || '0');
    if (de === null) bad('accounting.fec.err.amount', { column: 'Debit', value: c12 });
    if (cr === null) bad('accounting.fec.err.amount', { column: 'Credit', value: c13 });
    if (de !== null && cr !== null && (de < 0 || cr < 0 || (de === 0) === (cr === 0))) bad('accounting.fec.err.oneSide');
  } else {
    const amount = parseFecAmount(c12);
    const side = c13.trim().toUpperCase();
    const debit = side === 'D' || side === '+1' || side === '1';
    const credit = side === 'C' || side === '-1';
    if (amount === null) bad('accounting.fec.err.amount', { column: 'Montant', value: c12 });
    if (!debit && !credit) bad('accounting.fec.err.sens', { value: c13 });
    else if (amount !== null && amount <= 0) bad('accounting.fec.err.sens', { value: `${c13} ${c12}` });
    if (amount !== null && amount > 0 && (debit || credit)) {
      de = debit ? amount : 0;
      cr = credit ? amount : 0;
    }
  }
  if (!label) bad('accounting.fec.err.label');
  // Lettering (EcritureLet, DateLet): both or neither.
  const dl = dateLet ? parseYmd(dateLet) : null;
  if (let_ && !/^[A-Za-z0-9]{1,10}$/.test(let_)) bad('accounting.fec.err.letCode', { value: let_ });
  if (let_ && !dateLet) bad('accounting.fec.err.letNoDate', { value: let_ });
  if (dateLet && !dl) bad('accounting.fec.err.date', { column: 'DateLet', value: dateLet });
  if (dateLet && !let_) bad('accounting.fec.err.dateLetAlone');
  if (errors.length) return { errors };
  return {
    errors,
    row: {
      journal: journal.toUpperCase(), journalLabel, num, date: d!, account, accountLabel, aux, auxLabel, pieceRef, pieceDate: pd, label,
      debit: de!, credit: cr!, lettering: let_ || null, letteredOn: dl, validDate: vd!,
    },
  };
}

export interface ParsedRow {
  journal: string;
  journalLabel: string;
  num: string;
  date: string;
  account: string;
  accountLabel: string;
  aux: string;
  auxLabel: string;
  pieceRef: string;
  pieceDate: string | null;
  label: string;
  debit: number;
  credit: number;
  lettering: string | null;
  letteredOn: string | null;
  validDate: string;
}

/** Reads a FEC file into entries, or the list of what is wrong with it, line by line. Pure. */
export function parseFec(bytes: Uint8Array): { entries: FecEntry[]; errors: FecError[] } {
  const text = decodeText(bytes, 'iso-8859-15');
  const rows = text.split(/\r?\n/);
  while (rows.length && rows[rows.length - 1]!.trim() === '') rows.pop();
  const errors: FecError[] = [];
  const head = fecHeader(rows[0] ?? '');
  if ('key' in head) return { entries: [], errors: [head] };
  const { sep, layout } = head;
  const byKey = new Map<string, FecEntry>();
  const order: FecEntry[] = [];
  for (let i = 1; i < rows.length; i++) {
    const n = i + 1;
    const raw = rows[i]!;
    if (raw.trim() === '') continue;
    const f = raw.split(sep).map((x) => x.trim());
    if (f.length !== 18) {
      errors.push(fecError(n, 'accounting.fec.err.columns', { count: f.length }));
      continue;
    }
    const parsed = parseFecRow(f, n, layout);
    if (!parsed.row) {
      errors.push(...parsed.errors);
      continue;
    }
    const r = parsed.row;
    const key = `${r.journal}\u0000${r.num}`;
    let e = byKey.get(key);
    if (!e) {
      e = { firstLine: n, journal: r.journal, journalLabel: r.journalLabel, sourceNumber: r.num, date: r.date, validDate: r.validDate, pieceRef: r.pieceRef, pieceDate: r.pieceDate, label: r.label, lines: [] };
      byKey.set(key, e);
      order.push(e);
    } else if (e.date !== r.date) {
      errors.push(fecError(n, 'accounting.fec.err.twoDates', { journal: r.journal, num: r.num, first: e.date, second: r.date }));
      continue;
    }
    e.lines.push({ account: r.account, accountLabel: r.accountLabel, thirdParty: r.aux || null, thirdPartyLabel: r.auxLabel, label: r.label, debit: r.debit, credit: r.credit, fileLine: n, lettering: r.lettering, letteredOn: r.letteredOn });
  }
  // A lettering group (one account, one code) must settle: its lines sum to zero.
  const groups = new Map<string, Array<{ fileLine: number; debit: number; credit: number }>>();
  for (const e of order) {
    for (const l of e.lines) {
      if (!l.lettering) continue;
      const k = `${l.account}\u0000${l.lettering}`;
      const g = groups.get(k);
      if (g) g.push(l);
      else groups.set(k, [l]);
    }
  }
  for (const [k, ls] of groups) {
    const [account, code] = k.split('\u0000') as [string, string];
    const sum = ls.reduce((s, l) => s + l.debit - l.credit, 0);
    if (sum !== 0) {
      const where = ls.map((l) => l.fileLine).join(', ');
      for (const l of ls) errors.push(fecError(l.fileLine, 'accounting.fec.err.letterSettle', { code, account, lines: where, amount: formatCents(sum) }));
    }
  }
  for (const e of order) {
    if (e.lines.length < 2) errors.push(fecError(e.firstLine, 'accounting.fec.err.singleLine', { journal: e.journal, num: e.sourceNumber }));
    else if (!isBalanced(e.lines)) {
      const t = totals(e.lines);
      errors.push(fecError(e.firstLine, 'accounting.fec.err.unbalanced', { journal: e.journal, num: e.sourceNumber, debit: formatCents(t.debit), credit: formatCents(t.credit) }));
    }
  }
  // Imported in their order of validation, as the FEC lists them.
  const entries = order.map((e, i) => ({ e, i })).sort((a, b) => (a.e.validDate === b.e.validDate ? a.i - b.i : a.e.validDate < b.e.validDate ? -1 : 1)).map((x) => x.e);
  return { entries, errors: errors.sort((a, b) => a.line - b.line) };
}

/**
 * Loads a FEC (the accountant's adjusting entries, or a history from previous software) as
 * validated entries. All or nothing: any error, and nothing is written.
 * Unknown journals are created; unknown accounts are created when they sit under the chart;
 * unknown third parties are created under their collective account. A file already imported,
 * or an entry (fiscal year, JournalCode, EcritureNum) already imported, is refused by name.
 * Each entry keeps the file's ValidDate.
 */
export async function importFec(
  db: Queryable,
  actor: Actor,
  bytes: Uint8Array,
  opts: { onlyJournals?: readonly string[] } = {},
): Promise<{ ok: true; entries: number; lines: number; lettered: number } | { ok: false; errors: FecError[] }> {
  const { entries, errors } = parseFec(bytes);
  if (errors.length) return { ok: false, errors };
  if (entries.length === 0) return { ok: false, errors: [fecError(1, 'accounting.fec.err.empty')] };
  // The accountant's upload: adjusting entries in the accountant's own journal only.
  if (opts.onlyJournals) {
    const allowed = opts.onlyJournals;
    const outside = entries
      .filter((e) => !allowed.includes(e.journal))
      .flatMap((e) => e.lines.map((l) => fecError(l.fileLine, 'accounting.fec.err.journalNotOpen', { journal: e.journal, allowed: allowed.join(', ') })));
    if (outside.length) return { ok: false, errors: outside.sort((a, b) => a.line - b.line) };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  class Abort extends Error {
    constructor(readonly errors: FecError[]) {
      super('fec import aborted');
    }
  }
  const restricted = Boolean(opts.onlyJournals);
  try {
    const done = await inTransaction(db, async (trx) => {
      const errs: FecError[] = [];
      const same = await trx.selectFrom('fec_import').select('imported_at').where('sha256', '=', sha256).executeTakeFirst();
      if (same) throw new Abort([fecError(1, 'accounting.fec.err.fileImported', { date: parisDay(same.imported_at) })]);
      const years = await trx.selectFrom('fiscal_year').selectAll().execute();
      const accounts = new Set((await trx.selectFrom('account').select('number').execute()).map((a) => a.number));
      const journals = new Set((await trx.selectFrom('journal').select('code').execute()).map((j) => j.code));
      const parties = new Set((await trx.selectFrom('third_party').select('code').execute()).map((t) => t.code));
      const yearOfEntry = new Map<FecEntry, (typeof years)[number]>();
      for (const e of entries) {
        const fy = years.find((y) => y.starts_on <= e.date && e.date <= y.ends_on);
        if (!fy) errs.push(fecError(e.firstLine, 'accounting.fec.err.noYear', { date: e.date }));
        else if (fy.status !== 'open') errs.push(fecError(e.firstLine, 'accounting.fec.err.yearClosed', { date: e.date }));
        else yearOfEntry.set(e, fy);
        if (!journals.has(e.journal)) {
          await trx.insertInto('journal').values({ code: e.journal, label: e.journalLabel || e.journal, kind: 'misc' }).execute();
          journals.add(e.journal);
        }
        for (const l of e.lines) {
          // Creating accounts and third parties is the treasurer's: a restricted import (the
          // accountant's) names them instead, for the treasurer to add in the set-up first.
          if (restricted && !accounts.has(l.account)) {
            errs.push(fecError(l.fileLine, 'accounting.fec.err.accountMissing', { account: l.account }));
            continue;
          }
          if (restricted && l.thirdParty && !parties.has(l.thirdParty)) {
            errs.push(fecError(l.fileLine, 'accounting.fec.err.partyMissing', { code: l.thirdParty }));
            continue;
          }
          if (!accounts.has(l.account)) {
            const parent = [...accounts].some((a) => l.account.startsWith(a) && a !== l.account);
            if (!parent) {
              errs.push(fecError(l.fileLine, 'accounting.fec.err.notUnderChart', { account: l.account }));
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
      errs.push(...(await alreadyImported(trx, entries, yearOfEntry)));
      if (errs.length) throw new Abort(errs.sort((a, b) => a.line - b.line));
      const imp = await trx
        .insertInto('fec_import')
        .values({ sha256, imported_by_label: actor.label, entries: entries.length, lines: entries.reduce((s, e) => s + e.lines.length, 0) })
        .returning('id')
        .executeTakeFirstOrThrow();
      let lineCount = 0;
      // Lettering codes already used on an account of these books are given the next free code.
      const used = new Map<string, Set<string>>();
      for (const g of await trx.selectFrom('lettering').select(['account_number', 'code']).distinct().execute()) {
        used.set(g.account_number, (used.get(g.account_number) ?? new Set()).add(g.code));
      }
      const codeFor = new Map<string, string>();
      // Posted set-based, a batch of entries at a time: drafts by one INSERT, their lines by
      // one INSERT, validation in file order by one call (0047), lettering by one INSERT. The
      // database's rules are the same as for one entry; a refusal names the batch's first entry.
      const letters: Array<{ line_id: number; account_number: string; code: string; lettered_on: string; lettered_by_label: string }> = [];
      for (let b = 0; b < entries.length; b += POST_BATCH) {
        const batch = entries.slice(b, b + POST_BATCH);
        const first = batch[0]!;
        try {
          await postBatch(trx, actor, imp.id, batch, yearOfEntry, letters, (l) => {
            const k = `${l.account}\u0000${l.lettering}`;
            let code = codeFor.get(k);
            if (!code) {
              const taken = used.get(l.account) ?? new Set<string>();
              code = l.lettering!;
              for (let n = taken.size; taken.has(code); n++) code = letteringCode(n);
              taken.add(code);
              used.set(l.account, taken);
              codeFor.set(k, code);
            }
            return code;
          });
        } catch (err) {
          if (!isRefusal(err)) throw err;
          throw new Abort([fecError(first.firstLine, 'accounting.fec.err.refused', { journal: first.journal, num: first.sourceNumber })]);
        }
        lineCount += batch.reduce((s, e) => s + e.lines.length, 0);
      }
      for (let i = 0; i < letters.length; i += 5000) {
        try {
          await sql`insert into lettering (line_id, account_number, code, lettered_on, lettered_by_label)
            select x.line_id, x.account_number, x.code, x.lettered_on::date, x.lettered_by_label
            from jsonb_to_recordset(${JSON.stringify(letters.slice(i, i + 5000))}::jsonb)
              as x(line_id bigint, account_number text, code text, lettered_on text, lettered_by_label text)`.execute(trx);
        } catch (err) {
          if (!isRefusal(err)) throw err;
          throw new Abort([fecError(1, 'accounting.fec.err.letteringRefused')]);
        }
      }
      // The commit-time rules (balance, lettering) checked now, so a refusal is reported here.
      try {
        await sql`set constraints all immediate`.execute(trx);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        throw new Abort([fecError(1, 'accounting.fec.err.checkRefused')]);
      }
      await recordEvent(trx, actor, 'accounting.fec.import', `fec_import:${imp.id}`, { sha256, entries: entries.length, lines: lineCount, lettered: letters.length });
      return { ok: true as const, entries: entries.length, lines: lineCount, lettered: letters.length };
    });
    // After a bulk load the planner's statistics are stale (a trial balance over a million new
    // lines took 13.7 s instead of 0.5 s until ANALYZE): refreshed once the import is committed.
    if (!db.isTransaction && done.lines >= ANALYZE_AFTER) await sql`analyze entry, entry_line, lettering, fec_imported_entry`.execute(db);
    return done;
  } catch (err) {
    if (err instanceof Abort) return { ok: false, errors: err.errors };
    // Two uploads of the same file at once: the second one meets the first one's keys.
    if (isUniqueViolation(err)) return { ok: false, errors: [fecError(1, 'accounting.fec.err.fileImported', { date: parisDay(new Date()) })] };
    throw err;
  }
}

const POST_BATCH = 2000;
/** Lines imported from which the tables' statistics are refreshed. */
const ANALYZE_AFTER = 10_000;

type Letter = { line_id: number; account_number: string; code: string; lettered_on: string; lettered_by_label: string };

/** One batch of a FEC's entries written as drafts, their lines, validated in order, recorded as imported. */
async function postBatch(
  trx: Queryable,
  actor: Actor,
  importId: number,
  batch: readonly FecEntry[],
  yearOf: Map<FecEntry, { id: number }>,
  letters: Letter[],
  codeOf: (l: FecEntry['lines'][number]) => string,
) {
  const heads = batch.map((e, i) => ({
    ord: i,
    fiscal_year_id: yearOf.get(e)!.id,
    journal_code: e.journal,
    entry_date: e.date,
    label: e.label.slice(0, 200),
    piece_ref: e.pieceRef.slice(0, 60),
    piece_date: e.pieceDate,
    source_ref: `${e.journal}:${e.sourceNumber}`,
    valid_date: e.validDate,
  }));
  const created = await sql<{ id: number; source_ref: string; fiscal_year_id: number }>`
    insert into entry (fiscal_year_id, journal_code, entry_date, label, piece_ref, piece_date, created_by_person_id, created_by_label, source_ref, valid_date)
    select x.fiscal_year_id, x.journal_code, x.entry_date::date, x.label, x.piece_ref, x.piece_date::date, ${actor.personId}::bigint, ${actor.label}, x.source_ref, x.valid_date::date
    from jsonb_to_recordset(${JSON.stringify(heads)}::jsonb)
      as x(ord int, fiscal_year_id bigint, journal_code text, entry_date text, label text, piece_ref text, piece_date text, source_ref text, valid_date text)
    order by x.ord
    returning id, source_ref, fiscal_year_id`.execute(trx);
  const idOf = new Map(created.rows.map((r) => [`${r.fiscal_year_id}\u0000${r.source_ref}`, Number(r.id)]));
  const ids = batch.map((e) => idOf.get(`${yearOf.get(e)!.id}\u0000${e.journal}:${e.sourceNumber}`)!);
  const lines = batch.flatMap((e, i) =>
    e.lines.map((l, k) => ({
      entry_id: ids[i]!,
      line_no: k + 1,
      account_number: l.account,
      third_party_code: l.thirdParty || null,
      label: (l.label ?? '').slice(0, 200),
      debit_cents: l.debit,
      credit_cents: l.credit,
    })),
  );
  const written = await sql<{ id: number; entry_id: number; line_no: number }>`
    insert into entry_line (entry_id, line_no, account_number, third_party_code, label, debit_cents, credit_cents)
    select x.entry_id, x.line_no, x.account_number, x.third_party_code, x.label, x.debit_cents, x.credit_cents
    from jsonb_to_recordset(${JSON.stringify(lines)}::jsonb)
      as x(entry_id bigint, line_no int, account_number text, third_party_code text, label text, debit_cents bigint, credit_cents bigint)
    returning id, entry_id, line_no`.execute(trx);
  if (batch.some((e) => e.lines.some((l) => l.lettering))) {
    const lineId = new Map(written.rows.map((r) => [`${r.entry_id}:${r.line_no}`, Number(r.id)]));
    batch.forEach((e, i) =>
      e.lines.forEach((l, k) => {
        if (!l.lettering) return;
        letters.push({ line_id: lineId.get(`${ids[i]}:${k + 1}`)!, account_number: l.account, code: codeOf(l), lettered_on: l.letteredOn!, lettered_by_label: actor.label });
      }),
    );
  }
  await sql`select validate_entries_in_order(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint), ${actor.personId}::bigint, ${actor.label})`.execute(trx);
  await sql`insert into fec_imported_entry (fiscal_year_id, journal_code, source_number, entry_id, fec_import_id)
    select x.fiscal_year_id, x.journal_code, x.source_number, x.entry_id, ${importId}::bigint
    from jsonb_to_recordset(${JSON.stringify(batch.map((e, i) => ({ fiscal_year_id: yearOf.get(e)!.id, journal_code: e.journal, source_number: e.sourceNumber, entry_id: ids[i] })))}::jsonb)
      as x(fiscal_year_id bigint, journal_code text, source_number text, entry_id bigint)`.execute(trx);
}

/** A refusal by the books' own rules (a trigger, a check), as opposed to a failure. */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['P0001', '23514', '23P01', '23505', '23503'].includes(code);
}

const parisDay = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(d);

/** The file's entries that an earlier import already brought into these books, each named. */
async function alreadyImported(trx: Queryable, entries: readonly FecEntry[], yearOf: Map<FecEntry, { id: number; starts_on: string; ends_on: string }>): Promise<FecError[]> {
  const errs: FecError[] = [];
  const byYear = new Map<number, FecEntry[]>();
  for (const e of entries) {
    const fy = yearOf.get(e);
    if (!fy) continue;
    const list = byYear.get(fy.id);
    if (list) list.push(e);
    else byYear.set(fy.id, [e]);
  }
  for (const [yearId, list] of byYear) {
    for (let i = 0; i < list.length; i += 5000) {
      const slice = list.slice(i, i + 5000);
      const found = await trx
        .selectFrom('fec_imported_entry as x')
        .innerJoin('fec_import as f', 'f.id', 'x.fec_import_id')
        .select(['x.journal_code', 'x.source_number', 'f.imported_at'])
        .where('x.fiscal_year_id', '=', yearId)
        .where('x.source_number', 'in', [...new Set(slice.map((e) => e.sourceNumber))])
        .execute();
      const when = new Map(found.map((f) => [`${f.journal_code}\u0000${f.source_number}`, f.imported_at]));
      for (const e of slice) {
        const at = when.get(`${e.journal}\u0000${e.sourceNumber}`);
        if (!at) continue;
        const fy = yearOf.get(e)!;
        errs.push(fecError(e.firstLine, 'accounting.fec.err.entryImported', { journal: e.journal, num: e.sourceNumber, from: fy.starts_on, to: fy.ends_on, date: parisDay(at) }));
      }
    }
  }
  return errs;
}
