// The treasurer's set-up of the books: sub-accounts, bank accounts (each on its own 512…
// sub-account), bank rules, third parties (411… per household, 401… per supplier) and
// analytic sections. Each operation checks its input with a clear message, then writes and
// records the event; the database keeps the last word (chart, uniqueness, references).
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { Conflict, InvalidInput, NotFound } from '../platform/errors.ts';
import type { ThirdPartyKind } from './tables.ts';
import { guarded as guard } from './books.ts';
import { inTransaction } from '../platform/db.ts';

const ACCOUNT = /^[1-8][0-9]{2,11}$/;

async function accountLabel(db: Queryable, number: string) {
  return (await db.selectFrom('account').select('label').where('number', '=', number).executeTakeFirst())?.label;
}

function label(text: string, max = 200) {
  const s = text.trim();
  if (!s) throw new InvalidInput('accounting.error.label');
  if (s.length > max) throw new InvalidInput('accounting.error.tooLong', { max });
  return s;
}

/**
 * A sub-account under a parent of the chart: '4111' under '411'. The parent is named so that
 * a typo ('5121' meant under '411') is caught rather than filed elsewhere.
 */
export async function createSubAccount(db: Queryable, actor: Actor, input: { parent: string; number: string; label: string }) {
  const parent = input.parent.trim();
  const number = input.number.trim();
  const text = label(input.label);
  if (!ACCOUNT.test(number)) throw new InvalidInput('accounting.error.accountNumber', { account: number });
  if (!(await accountLabel(db, parent))) throw new InvalidInput('accounting.error.noAccount', { account: parent });
  if (!number.startsWith(parent) || number === parent) throw new InvalidInput('accounting.error.notUnderParent', { account: number, parent });
  if (await accountLabel(db, number)) throw new Conflict('accounting.error.accountExists', { account: number });
  return inTransaction(db, async (trx) => {
    const row = await guard(() => trx.insertInto('account').values({ number, label: text }).returningAll().executeTakeFirstOrThrow());
    await recordEvent(trx, actor, 'accounting.account.create', `account:${number}`, { parent, label: text });
    return row;
  });
}

export async function renameAccount(db: Queryable, actor: Actor, number: string, newLabel: string) {
  const text = label(newLabel);
  // The change and its audit event commit together.
  await inTransaction(db, async (trx) => {
    const r = await trx.updateTable('account').set({ label: text }).where('number', '=', number).where('seeded', '=', false).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound('accounting.error.noAccount', { account: number });
    await recordEvent(trx, actor, 'accounting.account.rename', `account:${number}`, { label: text });
  });
}

const IBAN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/;

/** IBAN written with spaces or in lower case is accepted; its check digits are verified (ISO 13616). */
export function normaliseIban(text: string): string | null {
  const s = text.replace(/\s/g, '').toUpperCase();
  if (!s) return null;
  if (!IBAN.test(s)) throw new InvalidInput('accounting.error.iban', { iban: text });
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rest = (rest * 10 + Number(d)) % 97;
  }
  if (rest !== 1) throw new InvalidInput('accounting.error.iban', { iban: text });
  return s;
}

/** A bank account on its own sub-account of 512 (created with it when new). */
export async function createBankAccount(db: Queryable, actor: Actor, input: { number: string; label: string; iban: string }) {
  const number = input.number.trim();
  const text = label(input.label);
  const iban = normaliseIban(input.iban);
  if (!ACCOUNT.test(number)) throw new InvalidInput('accounting.error.accountNumber', { account: number });
  if (!number.startsWith('512') || number === '512') throw new InvalidInput('accounting.error.bankUnder512', { account: number });
  const taken = await db.selectFrom('bank_account').select('id').where('account_number', '=', number).executeTakeFirst();
  if (taken) throw new Conflict('accounting.error.bankAccountExists', { account: number });
  return inTransaction(db, async (trx) => {
    if (!(await accountLabel(trx, number))) {
      await guard(() => trx.insertInto('account').values({ number, label: text }).execute());
      await recordEvent(trx, actor, 'accounting.account.create', `account:${number}`, { parent: '512', label: text });
    }
    const row = await guard(() => trx.insertInto('bank_account').values({ account_number: number, label: text, iban }).returningAll().executeTakeFirstOrThrow());
    await recordEvent(trx, actor, 'accounting.bank.account.create', `bank_account:${row.id}`, { account: number, label: text });
    return row;
  });
}

export async function updateBankAccount(db: Queryable, actor: Actor, id: number, input: { label: string; iban: string }) {
  const text = label(input.label);
  const iban = normaliseIban(input.iban);
  // The change and its audit event commit together.
  await inTransaction(db, async (trx) => {
    const r = await trx.updateTable('bank_account').set({ label: text, iban }).where('id', '=', id).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound('accounting.error.noBankAccount', { id });
    await recordEvent(trx, actor, 'accounting.bank.account.update', `bank_account:${id}`, { label: text, iban });
  });
}

export interface RuleInput {
  bankAccountId: number | null;
  pattern: string;
  account: string;
  thirdParty: string;
  section: string;
  priority: string;
}

async function checkRule(db: Queryable, r: RuleInput) {
  const pattern = r.pattern.trim();
  if (pattern.length < 2 || pattern.length > 100) throw new InvalidInput('accounting.error.rulePattern');
  const account = r.account.trim();
  if (account.length < 3 || !(await accountLabel(db, account))) throw new InvalidInput('accounting.error.noAccount', { account });
  const thirdParty = r.thirdParty.trim() || null;
  if (thirdParty) {
    const tp = await db.selectFrom('third_party').select('account_number').where('code', '=', thirdParty).executeTakeFirst();
    if (!tp) throw new InvalidInput('accounting.error.noThirdParty', { code: thirdParty });
    if (tp.account_number !== account) throw new InvalidInput('accounting.error.thirdPartyAccount', { code: thirdParty, account: tp.account_number });
  }
  const section = r.section.trim() || null;
  if (section) await openSection(db, section);
  const priority = r.priority.trim() === '' ? 100 : Number(r.priority);
  if (!Number.isInteger(priority) || priority < 0 || priority > 10000) throw new InvalidInput('accounting.error.priority');
  if (r.bankAccountId !== null) {
    const b = await db.selectFrom('bank_account').select('id').where('id', '=', r.bankAccountId).executeTakeFirst();
    if (!b) throw new NotFound('accounting.error.noBankAccount', { id: r.bankAccountId });
  }
  return { bank_account_id: r.bankAccountId, pattern, account_number: account, third_party_code: thirdParty, section_code: section, priority };
}

export async function createBankRule(db: Queryable, actor: Actor, input: RuleInput) {
  const values = await checkRule(db, input);
  return inTransaction(db, async (trx) => {
    const row = await guard(() => trx.insertInto('bank_rule').values(values).returningAll().executeTakeFirstOrThrow());
    await recordEvent(trx, actor, 'accounting.bank.rule.create', `bank_rule:${row.id}`, values);
    return row;
  });
}

export async function updateBankRule(db: Queryable, actor: Actor, id: number, input: RuleInput) {
  const values = await checkRule(db, input);
  return inTransaction(db, async (trx) => {
    const row = await guard(() => trx.updateTable('bank_rule').set(values).where('id', '=', id).returningAll().executeTakeFirst());
    if (!row) throw new NotFound('accounting.error.noRule', { id });
    await recordEvent(trx, actor, 'accounting.bank.rule.update', `bank_rule:${id}`, values);
    return row;
  });
}

export async function deleteBankRule(db: Queryable, actor: Actor, id: number) {
  await inTransaction(db, async (trx) => {
    const r = await trx.deleteFrom('bank_rule').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) throw new NotFound('accounting.error.noRule', { id });
    await recordEvent(trx, actor, 'accounting.bank.rule.delete', `bank_rule:${id}`);
  });
}

const COLLECTIVE: Record<ThirdPartyKind, string> = { household: '411', supplier: '401', other: '4' };

/** A third party (CompAuxNum) under its collective account: households under 411…, suppliers under 401…. */
export async function createThirdParty(
  db: Queryable,
  actor: Actor,
  input: { code: string; label: string; kind: string; account: string; householdId?: number | null },
) {
  const code = input.code.trim();
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(code)) throw new InvalidInput('accounting.error.thirdPartyCode', { code });
  const text = label(input.label);
  if (!['household', 'supplier', 'other'].includes(input.kind)) throw new InvalidInput('accounting.error.thirdPartyKind');
  const kind = input.kind as ThirdPartyKind;
  const account = input.account.trim();
  if (!(await accountLabel(db, account))) throw new InvalidInput('accounting.error.noAccount', { account });
  if (!account.startsWith(COLLECTIVE[kind])) throw new InvalidInput('accounting.error.thirdPartyUnder', { account, parent: COLLECTIVE[kind] });
  const householdId = input.householdId ?? null;
  if (householdId !== null) {
    if (kind !== 'household') throw new InvalidInput('accounting.error.thirdPartyKind');
    if (!(await db.selectFrom('dir_household').select('id').where('id', '=', householdId).executeTakeFirst())) throw new NotFound('accounting.error.noHousehold');
    const other = await db.selectFrom('third_party').select('code').where('household_id', '=', householdId).executeTakeFirst();
    if (other) throw new Conflict('accounting.error.householdHasThirdParty', { code: other.code });
  }
  if (await db.selectFrom('third_party').select('code').where('code', '=', code).executeTakeFirst()) {
    throw new Conflict('accounting.error.thirdPartyExists', { code });
  }
  return inTransaction(db, async (trx) => {
    const row = await guard(() =>
      trx.insertInto('third_party').values({ code, label: text, kind, account_number: account, household_id: householdId }).returningAll().executeTakeFirstOrThrow(),
    );
    await recordEvent(trx, actor, 'accounting.thirdParty.create', `third_party:${code}`, { kind, account, householdId });
    return row;
  });
}

/**
 * One third party for every household that has none yet, under the given 411… account,
 * coded FAM-<household id>: for associations that follow each family's account.
 */
export async function createHouseholdThirdParties(db: Queryable, actor: Actor, account: string) {
  if (!account.startsWith('411') || !(await accountLabel(db, account))) throw new InvalidInput('accounting.error.thirdPartyUnder', { account, parent: '411' });
  return inTransaction(db, async (trx) => {
    const rows = await sql<{ code: string }>`
      insert into third_party (code, label, kind, account_number, household_id)
      select 'FAM-' || h.id, left(h.name, 200), 'household', ${account}, h.id
      from dir_household h
      where not exists (select 1 from third_party t where t.household_id = h.id)
        and not exists (select 1 from third_party t where t.code = 'FAM-' || h.id)
      returning code`.execute(trx);
    await recordEvent(trx, actor, 'accounting.thirdParty.households', `account:${account}`, { created: rows.rows.length });
    return rows.rows.length;
  });
}

export async function renameThirdParty(db: Queryable, actor: Actor, code: string, newLabel: string) {
  const text = label(newLabel);
  // The change and its audit event commit together.
  await inTransaction(db, async (trx) => {
    const r = await trx.updateTable('third_party').set({ label: text }).where('code', '=', code).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound('accounting.error.noThirdParty', { code });
    await recordEvent(trx, actor, 'accounting.thirdParty.rename', `third_party:${code}`, { label: text });
  });
}

async function openSection(db: Queryable, code: string) {
  const s = await db.selectFrom('analytic_section').select(['code', 'archived_at']).where('code', '=', code).executeTakeFirst();
  if (!s) throw new InvalidInput('accounting.error.noSection', { code });
  if (s.archived_at) throw new InvalidInput('accounting.error.sectionArchived', { code });
  return s;
}

export async function createSection(db: Queryable, actor: Actor, input: { code: string; label: string }) {
  const code = input.code.trim().toUpperCase();
  if (!/^[A-Z0-9_-]{1,20}$/.test(code)) throw new InvalidInput('accounting.error.sectionCode', { code: input.code });
  const text = label(input.label);
  if (await db.selectFrom('analytic_section').select('code').where('code', '=', code).executeTakeFirst()) {
    throw new Conflict('accounting.error.sectionExists', { code });
  }
  return inTransaction(db, async (trx) => {
    const row = await guard(() => trx.insertInto('analytic_section').values({ code, label: text }).returningAll().executeTakeFirstOrThrow());
    await recordEvent(trx, actor, 'accounting.section.create', `analytic_section:${code}`, { label: text });
    return row;
  });
}

export async function renameSection(db: Queryable, actor: Actor, code: string, newLabel: string) {
  const text = label(newLabel);
  // The change and its audit event commit together.
  await inTransaction(db, async (trx) => {
    const r = await trx.updateTable('analytic_section').set({ label: text }).where('code', '=', code).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound('accounting.error.noSection', { code });
    await recordEvent(trx, actor, 'accounting.section.rename', `analytic_section:${code}`, { label: text });
  });
}

/**
 * Archived sections keep their past lines and reports but take no new line. A section that a
 * bank rule still uses is not archived: the rule would draft entries the database refuses.
 */
export async function archiveSection(db: Queryable, actor: Actor, code: string, archived: boolean) {
  await inTransaction(db, async (trx) => {
    if (archived) {
      const rules = await trx.selectFrom('bank_rule').select('pattern').where('section_code', '=', code).execute();
      if (rules.length) throw new Conflict('accounting.error.sectionInRules', { code, rules: rules.map((r) => r.pattern).join(', ') });
    }
    const r = await trx.updateTable('analytic_section').set({ archived_at: archived ? new Date() : null }).where('code', '=', code).executeTakeFirst();
    if (!r.numUpdatedRows) throw new NotFound('accounting.error.noSection', { code });
    await recordEvent(trx, actor, archived ? 'accounting.section.archive' : 'accounting.section.unarchive', `analytic_section:${code}`);
  });
}
