// Who may do what in the books. Roles come from the directory:
// - treasurer: a member with role 'treasurer' of a bureau or board group — writes and validates;
// - accountant (expert-comptable): any member of the directory group of kind 'other' whose slug
//   is ACCOUNTANT_GROUP_SLUG — reads everything, exports, posts in the accountant's journal only;
// - board member: any member of a bureau or board group — reads the summary reports (trial
//   balance, income statement, balance sheet, sections) with the families' accounts summed up,
//   never an entry, a ledger, a bank line or a family's open items: each of those names a family
//   and what it paid or owes, which only the treasurer and the accountant need to know.
// Platform administrators are not treasurers by that alone: the IT group runs the server, the
// bureau keeps the books.
import type { Queryable } from '../platform/db.ts';
import { Forbidden } from '../platform/errors.ts';
import { groupMemberships } from '../directory/people.ts';

export const ACCOUNTANT_GROUP_SLUG = 'expert-comptable';

export interface AccountingRole {
  treasurer: boolean;
  accountant: boolean;
  canRead: boolean;
  /** Reads entries, journals, ledgers, open items, bank lines: each family's money. */
  readsEntries: boolean;
}

/** The books role from a person's group memberships (pure: the page menu uses it too). */
export function booksRoleOf(memberships: ReadonlyArray<{ kind: string; slug: string; role: string }>): AccountingRole {
  const board = memberships.filter((r) => r.kind === 'bureau' || r.kind === 'board');
  const treasurer = board.some((r) => r.role === 'treasurer');
  const accountant = memberships.some((r) => r.kind === 'other' && r.slug === ACCOUNTANT_GROUP_SLUG);
  return { treasurer, accountant, canRead: treasurer || accountant || board.length > 0, readsEntries: treasurer || accountant };
}

export async function accountingRole(db: Queryable, personId: number): Promise<AccountingRole> {
  return booksRoleOf(await groupMemberships(db, personId));
}

export function requireRead(role: AccountingRole) {
  if (!role.canRead) throw new Forbidden('accounting.error.forbidden');
}

/** Entries, journal, ledger, open items, bank: the treasurer's and the accountant's. */
export function requireEntries(role: AccountingRole) {
  requireRead(role);
  if (!role.readsEntries) throw new Forbidden('accounting.error.summariesOnly');
}

/** Treasurers post in every journal; the accountant only in the accountant's journal. */
export async function requirePost(db: Queryable, role: AccountingRole, journalCode: string) {
  if (role.treasurer) return;
  if (role.accountant) {
    const j = await db.selectFrom('journal').select('kind').where('code', '=', journalCode).executeTakeFirst();
    const own = await db.selectFrom('journal').select('code').where('kind', '=', 'accountant').execute();
    if (j?.kind === 'accountant') return;
    throw new Forbidden('accounting.error.accountantJournal', { journal: own.map((o) => o.code).join(', ') });
  }
  throw new Forbidden('accounting.error.forbidden');
}

/** Validating, closing, lettering, bank import: the treasurer's. */
export function requireTreasurer(role: AccountingRole) {
  if (!role.treasurer) throw new Forbidden('accounting.error.forbidden');
}
