// The business operations of the books, one function each. Each takes the database (or an
// open transaction), the actor and the input; checks; writes; records the event.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { inTransaction, type Queryable } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { Conflict, InvalidInput, NotFound } from '../platform/errors.ts';
import { carryForward, isBalanced, letteringCode, nextYearDates, reversalLines, totals, type AccountBalance, type LineInput } from './rules.ts';


/** A refusal by the database's own rules (triggers, checks), turned into a domain error. */
export function refusal(err: unknown): Error {
  const e = err as { code?: string; message?: string };
  if (e && typeof e.code === 'string' && ['P0001', '23514', '23P01', '23505', '23503'].includes(e.code)) {
    return new Conflict('accounting.error.refused', { detail: e.message ?? '' });
  }
  return err as Error;
}

/** Runs a write; a refusal by the database's rules becomes a clear Conflict. */
export async function guarded<T>(p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (err) {
    throw refusal(err);
  }
}

/** YYYY-MM-DD and a day of the calendar (JavaScript's Date rolls 2025-02-31 over to March: not here). */
export function isCalendarDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
}
function checkDate(d: string) {
  if (!isCalendarDate(d)) throw new InvalidInput('accounting.error.date', { date: d });
}

export async function createFiscalYear(db: Queryable, actor: Actor, startsOn: string, endsOn: string) {
  checkDate(startsOn);
  checkDate(endsOn);
  if (endsOn <= startsOn) throw new InvalidInput('accounting.error.yearDates', { from: startsOn, to: endsOn });
  const fy = await guarded(() =>
    db.insertInto('fiscal_year').values({ starts_on: startsOn, ends_on: endsOn }).returningAll().executeTakeFirstOrThrow(),
  );
  await recordEvent(db, actor, 'accounting.year.create', `fiscal_year:${fy.id}`, { startsOn, endsOn });
  return fy;
}

/** The fiscal year containing a date. */
export async function yearOf(db: Queryable, date: string) {
  return db.selectFrom('fiscal_year').selectAll().where('starts_on', '<=', date).where('ends_on', '>=', date).executeTakeFirst();
}

/** The fiscal year named by its closing year ("2026" → the year that ends in 2026). */
export async function yearEndingIn(db: Queryable, year: number) {
  const rows = await db
    .selectFrom('fiscal_year')
    .selectAll()
    .where('ends_on', '>=', `${year}-01-01`)
    .where('ends_on', '<=', `${year}-12-31`)
    .orderBy('ends_on')
    .execute();
  if (rows.length === 0) throw new NotFound('accounting.error.noYear', { year });
  return rows[rows.length - 1]!;
}

export async function addSubAccount(db: Queryable, actor: Actor, number: string, label: string) {
  if (!/^[1-8][0-9]{2,11}$/.test(number)) throw new InvalidInput('accounting.error.accountNumber', { account: number });
  if (!label.trim()) throw new InvalidInput('accounting.error.label');
  const row = await guarded(() => db.insertInto('account').values({ number, label: label.trim() }).returningAll().executeTakeFirstOrThrow());
  await recordEvent(db, actor, 'accounting.account.create', `account:${number}`, { label });
  return row;
}

export interface EntryInput {
  journal: string;
  date: string;
  label: string;
  pieceRef?: string;
  pieceDate?: string | null;
  lines: LineInput[];
  reverses?: number;
  sourceRef?: string;
  /** ValidDate of an entry imported from a FEC (kept; otherwise the day of validation). */
  validDate?: string | null;
}

/** Writes a draft entry (not yet numbered). */
export async function createEntry(db: Queryable, actor: Actor, input: EntryInput) {
  checkDate(input.date);
  if (!input.label.trim()) throw new InvalidInput('accounting.error.label');
  if (input.lines.length < 2) throw new InvalidInput('accounting.error.fewLines');
  for (const l of input.lines) {
    if (!Number.isSafeInteger(l.debit) || !Number.isSafeInteger(l.credit) || l.debit < 0 || l.credit < 0 || (l.debit === 0) === (l.credit === 0)) {
      throw new InvalidInput('accounting.error.lineAmount', { account: l.account });
    }
  }
  if (!isBalanced(input.lines)) {
    const t = totals(input.lines);
    throw new InvalidInput('accounting.error.unbalanced', { debit: t.debit / 100, credit: t.credit / 100 });
  }
  const fy = await yearOf(db, input.date);
  if (!fy) throw new InvalidInput('accounting.error.noYearFor', { date: input.date });
  if (fy.status !== 'open') throw new Conflict('accounting.error.yearClosed', { date: input.date });
  return inTransaction(db, async (trx) => {
    const entry = await guarded(() =>
      trx
        .insertInto('entry')
        .values({
          fiscal_year_id: fy.id,
          journal_code: input.journal,
          entry_date: input.date,
          label: input.label.trim(),
          piece_ref: input.pieceRef?.trim() ?? '',
          piece_date: input.pieceDate ?? null,
          created_by_person_id: actor.personId,
          created_by_label: actor.label,
          reverses_entry_id: input.reverses ?? null,
          source_ref: input.sourceRef ?? null,
          valid_date: input.validDate ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await guarded(() =>
      trx
        .insertInto('entry_line')
        .values(
          input.lines.map((l, i) => ({
            entry_id: entry.id,
            line_no: i + 1,
            account_number: l.account,
            third_party_code: l.thirdParty || null,
            label: l.label ?? '',
            debit_cents: l.debit,
            credit_cents: l.credit,
            section_code: l.section || null,
          })),
        )
        .execute(),
    );
    await recordEvent(trx, actor, 'accounting.entry.create', `entry:${entry.id}`, { journal: input.journal, date: input.date });
    return entry;
  });
}

/** Validation: the database gives the next number of the fiscal year and freezes the entry. */
export async function validateEntry(db: Queryable, actor: Actor, entryId: number) {
  return inTransaction(db, async (trx) => {
    const cur = await trx.selectFrom('entry').select(['status']).where('id', '=', entryId).executeTakeFirst();
    if (!cur) throw new NotFound('accounting.error.noEntry', { id: entryId });
    if (cur.status === 'validated') throw new Conflict('accounting.error.alreadyValidated', { id: entryId });
    const e = await guarded(() =>
      trx
        .updateTable('entry')
        .set({ status: 'validated', validated_by_person_id: actor.personId, validated_by_label: actor.label })
        .where('id', '=', entryId)
        .where('status', '=', 'draft')
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await recordEvent(trx, actor, 'accounting.entry.validate', `entry:${entryId}`, { number: e.number });
    return e;
  });
}

export async function deleteDraft(db: Queryable, actor: Actor, entryId: number) {
  await inTransaction(db, async (trx) => {
    const r = await guarded(() => trx.deleteFrom('entry').where('id', '=', entryId).executeTakeFirst());
    if (!r.numDeletedRows) throw new NotFound('accounting.error.noEntry', { id: entryId });
    await recordEvent(trx, actor, 'accounting.entry.delete', `entry:${entryId}`);
  });
}

export async function entryLines(db: Queryable, entryId: number): Promise<LineInput[]> {
  const rows = await db.selectFrom('entry_line').selectAll().where('entry_id', '=', entryId).orderBy('line_no').execute();
  return rows.map((r) => ({
    account: r.account_number,
    debit: r.debit_cents,
    credit: r.credit_cents,
    thirdParty: r.third_party_code,
    label: r.label,
    section: r.section_code,
  }));
}

/**
 * Correction of a validated entry: a reversal (contre-passation) with the same lines the other
 * way round, in the same journal, dated as given, validated at once — it mirrors an entry
 * already validated, so there is nothing left to review, and the books are right at once.
 */
export async function reverseEntry(db: Queryable, actor: Actor, entryId: number, date: string) {
  return inTransaction(db, async (trx) => {
    const e = await trx.selectFrom('entry').selectAll().where('id', '=', entryId).executeTakeFirst();
    if (!e) throw new NotFound('accounting.error.noEntry', { id: entryId });
    if (e.status !== 'validated') throw new Conflict('accounting.error.reverseDraft', { id: entryId });
    const already = await trx.selectFrom('entry').select('id').where('reverses_entry_id', '=', entryId).executeTakeFirst();
    if (already) throw new Conflict('accounting.error.alreadyReversed', { id: e.number ?? entryId });
    const lines = reversalLines(await entryLines(trx, entryId));
    const rev = await createEntry(trx, actor, {
      journal: e.journal_code,
      date,
      label: `Extourne n° ${e.number} – ${e.label}`.slice(0, 200),
      pieceRef: e.piece_ref,
      lines,
      reverses: entryId,
    });
    return validateEntry(trx, actor, rev.id);
  });
}

/** Balances per account and third party of the validated lines of a fiscal year. */
export async function yearBalances(db: Queryable, fiscalYearId: number): Promise<AccountBalance[]> {
  const rows = await db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .select(['l.account_number', 'l.third_party_code', sql<string>`sum(l.debit_cents - l.credit_cents)`.as('balance')])
    .where('e.fiscal_year_id', '=', fiscalYearId)
    .where('e.status', '=', 'validated')
    .groupBy(['l.account_number', 'l.third_party_code'])
    .execute();
  return rows.map((r) => ({ account: r.account_number, thirdParty: r.third_party_code, balance: Number(r.balance) }));
}

/**
 * Closing (clôture): no more entries in the year; the result is fixed; the next year (created
 * when missing, twelve months) opens with the carried-forward balances in the opening journal.
 */
export async function closeFiscalYear(db: Queryable, actor: Actor, fiscalYearId: number) {
  return inTransaction(db, async (trx) => {
    const fy = await trx.selectFrom('fiscal_year').selectAll().where('id', '=', fiscalYearId).forUpdate().executeTakeFirst();
    if (!fy) throw new NotFound('accounting.error.noYearId', { id: fiscalYearId });
    if (fy.status === 'closed') throw new Conflict('accounting.error.yearAlreadyClosed', { id: fiscalYearId });
    const drafts = await trx
      .selectFrom('entry')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('fiscal_year_id', '=', fiscalYearId)
      .where('status', '=', 'draft')
      .executeTakeFirstOrThrow();
    if (Number(drafts.n) > 0) throw new Conflict('accounting.error.draftsLeft', { count: Number(drafts.n) });
    const { lines, result } = carryForward(await yearBalances(trx, fiscalYearId));
    const dates = nextYearDates(fy.ends_on);
    let next = await trx.selectFrom('fiscal_year').selectAll().where('starts_on', '=', dates.startsOn).executeTakeFirst();
    if (!next) next = await createFiscalYear(trx, actor, dates.startsOn, dates.endsOn);
    const opening = await trx.selectFrom('journal').select('code').where('kind', '=', 'opening').executeTakeFirstOrThrow();
    let openingEntryId: number | null = null;
    if (lines.length >= 2) {
      const an = await createEntry(trx, actor, {
        journal: opening.code,
        date: next.starts_on,
        label: `À-nouveaux de l'exercice ${fy.starts_on} – ${fy.ends_on}`,
        pieceRef: `AN${fy.ends_on.replaceAll('-', '')}`,
        lines,
      });
      await validateEntry(trx, actor, an.id);
      openingEntryId = an.id;
    }
    await guarded(() =>
      trx.updateTable('fiscal_year').set({ status: 'closed', closed_at: new Date(), result_cents: result }).where('id', '=', fiscalYearId).execute(),
    );
    await recordEvent(trx, actor, 'accounting.year.close', `fiscal_year:${fiscalYearId}`, { result, nextYear: next.id, openingEntryId });
    return { result, nextYearId: next.id, openingEntryId };
  });
}

/** Lettering (lettrage): lines of one account whose amounts cancel out get a common code. */
export async function letter(db: Queryable, actor: Actor, lineIds: number[], on: string) {
  checkDate(on);
  if (lineIds.length < 2) throw new InvalidInput('accounting.error.letterFew');
  return inTransaction(db, async (trx) => {
    const lines = await trx
      .selectFrom('entry_line as l')
      .innerJoin('entry as e', 'e.id', 'l.entry_id')
      .leftJoin('lettering as g', 'g.line_id', 'l.id')
      .select(['l.id', 'l.account_number', 'l.debit_cents', 'l.credit_cents', 'e.status', 'g.code'])
      .where('l.id', 'in', lineIds)
      .execute();
    if (lines.length !== new Set(lineIds).size) throw new NotFound('accounting.error.noLine');
    await refuseClosedLettering(trx, lineIds);
    const accounts = new Set(lines.map((l) => l.account_number));
    if (accounts.size !== 1) throw new InvalidInput('accounting.error.letterAccounts');
    if (lines.some((l) => l.code)) throw new Conflict('accounting.error.letterAlready');
    if (!isBalanced(lines.map((l) => ({ debit: l.debit_cents, credit: l.credit_cents })))) throw new InvalidInput('accounting.error.letterUnbalanced');
    const account = lines[0]!.account_number;
    const used = await trx
      .selectFrom('lettering')
      .select((eb) => eb.fn.count<string>('code').distinct().as('n'))
      .where('account_number', '=', account)
      .executeTakeFirstOrThrow();
    let n = Number(used.n);
    let code = letteringCode(n);
    while (await trx.selectFrom('lettering').select('code').where('account_number', '=', account).where('code', '=', code).executeTakeFirst()) {
      code = letteringCode(++n);
    }
    await guarded(() =>
      trx
        .insertInto('lettering')
        .values(lineIds.map((id) => ({ line_id: id, account_number: account, code, lettered_on: on, lettered_by_label: actor.label })))
        .execute(),
    );
    await recordEvent(trx, actor, 'accounting.letter', `account:${account}`, { code, lines: lineIds });
    return code;
  });
}

/**
 * A closed year's lettering is part of its FEC: it is neither added nor removed after closing
 * (the schema refuses it too, 0044); said here in the treasurer's words.
 */
async function refuseClosedLettering(trx: Queryable, lineIds: number[]) {
  if (lineIds.length === 0) return;
  const closed = await trx
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .innerJoin('fiscal_year as f', 'f.id', 'e.fiscal_year_id')
    .select(['f.starts_on', 'f.ends_on'])
    .where('l.id', 'in', lineIds)
    .where('f.status', '=', 'closed')
    .executeTakeFirst();
  if (closed) throw new Conflict('accounting.error.letteringClosed', { from: closed.starts_on, to: closed.ends_on });
}

export async function unletter(db: Queryable, actor: Actor, account: string, code: string) {
  await inTransaction(db, async (trx) => {
    const lines = (await trx.selectFrom('lettering').select('line_id').where('account_number', '=', account).where('code', '=', code).execute()).map((l) => l.line_id);
    if (lines.length === 0) throw new NotFound('accounting.error.noLettering', { account, code });
    await refuseClosedLettering(trx, lines);
    await guarded(() => trx.deleteFrom('lettering').where('account_number', '=', account).where('code', '=', code).execute());
    await recordEvent(trx, actor, 'accounting.unletter', `account:${account}`, { code });
  });
}

/** Open items (unlettered validated lines) of third-party accounts, per third party. */
export async function openItems(db: Queryable, opts: { account?: string; thirdParty?: string; fiscalYearId?: number } = {}) {
  let q = db
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .leftJoin('lettering as g', 'g.line_id', 'l.id')
    .leftJoin('third_party as t', 't.code', 'l.third_party_code')
    .select(['l.id', 'l.account_number', 'l.third_party_code', 't.label as third_party_label', 'e.entry_date', 'e.number', 'e.label', 'l.debit_cents', 'l.credit_cents'])
    .where('e.status', '=', 'validated')
    .where('g.code', 'is', null)
    .where((eb) => eb.or([eb('l.account_number', 'like', '40%'), eb('l.account_number', 'like', '41%')]));
  if (opts.account) q = q.where('l.account_number', '=', opts.account);
  if (opts.thirdParty) q = q.where('l.third_party_code', '=', opts.thirdParty);
  // Within one fiscal year: the opening entry already carries what was open before.
  if (opts.fiscalYearId) q = q.where('e.fiscal_year_id', '=', opts.fiscalYearId);
  return q.orderBy('l.third_party_code').orderBy('e.entry_date').orderBy('l.id').execute();
}

/** Attaches a receipt; identical content is stored once. */
export async function attach(db: Queryable, actor: Actor, entryId: number, file: { filename: string; content: Uint8Array; mediaType?: string }) {
  const hash = createHash('sha256').update(file.content).digest('hex');
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('attachment_blob')
      .values({ sha256: hash, content: Buffer.from(file.content), byte_size: file.content.byteLength, media_type: file.mediaType ?? 'application/octet-stream' })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    await guarded(() =>
      trx
        .insertInto('entry_attachment')
        .values({ entry_id: entryId, sha256: hash, filename: file.filename, added_by_label: actor.label })
        .onConflict((oc) => oc.columns(['entry_id', 'sha256']).doNothing())
        .execute(),
    );
    await recordEvent(trx, actor, 'accounting.attach', `entry:${entryId}`, { sha256: hash, filename: file.filename });
  });
  return hash;
}
