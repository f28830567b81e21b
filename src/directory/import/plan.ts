// The import's rules as pure functions: rows of a spreadsheet and a snapshot of the
// directory in, the list of errors and the plan of changes out. Nothing here touches the
// database, so every rule is tested on plain data.
import type { MessageKey } from '../../platform/i18n/index.ts';
import type { Params } from '../../platform/errors.ts';
import type { GroupKind, GroupRole, StaffRole } from '../tables.ts';
import { LAYOUTS, type Layout } from './layouts.ts';
import { planFamilies } from './planFamilies.ts';
import { planGroups } from './planGroups.ts';
import { planPeople, type PlannedPeople } from './planPeople.ts';
import { planSchools } from './planSchools.ts';
import { readRows } from './rows.ts';
import type { RecognisedSheet } from './sheets.ts';

export interface ImportIssue {
  sheet: string;
  /** null for a problem of the whole file. */
  line: number | null;
  /** The canonical column name, '' when the problem is not about one cell. */
  column: string;
  key: MessageKey;
  params: Params;
}

/** What the import needs to know about the directory, read in the import's transaction. */
export interface Snapshot {
  year: { id: number; label: string } | null;
  levels: string[];
  schools: Array<{ id: number; name: string; slug: string }>;
  /** Classes of the current year. */
  classes: Array<{ id: number; schoolId: number; name: string; level: string }>;
  people: Array<{ id: number; firstName: string; lastName: string; phone: string | null; emails: string[] }>;
  households: Array<{ id: number; name: string }>;
  guardians: Array<{ householdId: number; personId: number }>;
  pupils: Array<{ id: number; householdId: number; firstName: string }>;
  /** Enrolments of the current year. */
  enrolments: Array<{ pupilId: number; classId: number }>;
  staff: Array<{ personId: number; schoolId: number | null; role: StaffRole }>;
  classRegents: Array<{ classId: number; personId: number }>;
  groups: Array<{ id: number; name: string; slug: string; kind: GroupKind }>;
  members: Array<{ groupId: number; personId: number; role: GroupRole }>;
}

export const EMPTY_SNAPSHOT: Snapshot = {
  year: null,
  levels: ['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'],
  schools: [],
  classes: [],
  people: [],
  households: [],
  guardians: [],
  pupils: [],
  enrolments: [],
  staff: [],
  classRegents: [],
  groups: [],
  members: [],
};

export type Action = 'create' | 'update' | 'unchanged';
export interface Loc {
  sheet: string;
  line: number;
}
interface Item {
  action: Action;
  key: string;
  /** The existing row, for update and unchanged. */
  id?: number;
  label: string;
  /** For an update: what it was. */
  before?: string;
  at: Loc;
}
export interface Plan {
  schools: Array<Item & { name: string; slug: string }>;
  classes: Array<Item & { schoolKey: string; name: string; level: string }>;
  people: Array<Item & { firstName: string; lastName: string; phone: string | null; addEmails: string[] }>;
  households: Array<Item & { name: string }>;
  pupils: Array<Item & { householdKey: string; firstName: string }>;
  enrolments: Array<Item & { pupilKey: string; classKey: string }>;
  guardians: Array<Item & { householdKey: string; personKey: string }>;
  regents: Array<Item & { classKey: string; personKey: string }>;
  staff: Array<Item & { personKey: string; schoolKey: string | null; role: StaffRole }>;
  groups: Array<Item & { name: string; slug: string; kind: GroupKind }>;
  memberships: Array<Item & { groupKey: string; personKey: string; role: GroupRole }>;
  /** Ids of existing rows the plan refers to by key. */
  ids: Record<string, number>;
}
export type PlanKind = Exclude<keyof Plan, 'ids'>;
export const PLAN_KINDS: PlanKind[] = ['schools', 'classes', 'people', 'households', 'pupils', 'enrolments', 'guardians', 'regents', 'staff', 'groups', 'memberships'];
export type Counts = Record<PlanKind, Record<Action, number>>;

/** What every section of the plan shares: the directory, the plan being built, the errors, the people found. */
export interface Planning extends PlannedPeople {
  snap: Snapshot;
  plan: Plan;
  errors: ImportIssue[];
}

export interface PlanResult {
  errors: ImportIssue[];
  plan: Plan;
  counts: Counts;
}

/** Validates every row against the layouts and the directory, and plans the changes. */
export function planImport(sheets: RecognisedSheet[], snap: Snapshot, fileErrors: ImportIssue[] = []): PlanResult {
  const errors: ImportIssue[] = [...fileErrors];
  const rows = readRows(sheets, snap, errors);
  const plan: Plan = {
    schools: [],
    classes: [],
    people: [],
    households: [],
    pupils: [],
    enrolments: [],
    guardians: [],
    regents: [],
    staff: [],
    groups: [],
    memberships: [],
    ids: {},
  };
  const ctx: Planning = { snap, plan, errors, ...planPeople(rows.people, snap, plan, errors) };
  const classes = planSchools(ctx, rows.classRecs, rows.staffRecs);
  planFamilies(ctx, rows.familyRecs, classes, rows.householdsWithGuardianCells);
  planGroups(ctx, rows.groupRecs);

  // Persons whose every use was dropped by an error elsewhere are still valid changes, but
  // the report only counts what the import will do when there are no errors at all.
  const sheetOrder = new Map<string, number>();
  for (const s of sheets) if (!sheetOrder.has(s.name)) sheetOrder.set(s.name, sheetOrder.size);
  errors.sort((a, b) => (sheetOrder.get(a.sheet) ?? -1) - (sheetOrder.get(b.sheet) ?? -1) || (a.line ?? 0) - (b.line ?? 0));
  return { errors, plan, counts: countPlan(plan) };
}

export function countPlan(plan: Plan): Counts {
  const counts = {} as Counts;
  for (const kind of PLAN_KINDS) {
    const c = { create: 0, update: 0, unchanged: 0 };
    for (const item of plan[kind]) c[item.action]++;
    counts[kind] = c;
  }
  return counts;
}

/** Column names the documentation lists per layout (canonical French, then English aliases). */
export function layoutColumns(layout: Layout) {
  return LAYOUTS[layout].map((c) => ({ name: c.name, required: c.required, aliases: c.aliases }));
}
