// The import's rules as pure functions: rows of a spreadsheet and a snapshot of the
// directory in, the list of errors and the plan of changes out. Nothing here touches the
// database, so every rule is tested on plain data.
import type { MessageKey } from '../../platform/i18n/index.ts';
import type { Params } from '../../platform/errors.ts';
import { isEmail, isPhone, slugify } from '../names.ts';
import type { GroupKind, GroupRole, StaffRole } from '../tables.ts';
import {
  detectLayout,
  GROUP_ROLE_WORDS,
  GROUP_ROLES_BY_WORD,
  GROUP_TYPE_WORDS,
  GROUP_TYPES,
  LAYOUT_ORDER,
  LAYOUTS,
  STAFF_FUNCTION_WORDS,
  STAFF_FUNCTIONS,
  type Layout,
  normalizeHeader,
} from './layouts.ts';
import { MAX_ROWS, type RawSheet } from './read.ts';

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

export interface SheetSummary {
  name: string;
  layout: Layout | null;
  rows: number;
  ignoredColumns: string[];
}

interface Row {
  sheet: string;
  line: number;
  values: Map<string, string>;
}
interface RecognisedSheet {
  name: string;
  layout: Layout;
  rows: Row[];
}

/** Trimmed, one space between words, composed accents (files from a Mac decompose them). */
export function cleanCell(s: string): string {
  return s.normalize('NFC').replace(/\s+/g, ' ').trim();
}
/** Two spellings of one name: case does not matter, accents do. */
export function sameName(s: string): string {
  return cleanCell(s).toLocaleLowerCase('fr');
}

const HEADER_SEARCH_ROWS = 10;

/**
 * Characters that PostgreSQL cannot keep: NUL, refused in text and in jsonb, and half of a
 * surrogate pair (a broken UTF-16 file), refused in jsonb and silently replaced in text.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text without the characters the database cannot store. */
export function storable(s: string): string {
  return s.replace(UNSTORABLE, '');
}

/**
 * The sheet without the characters the database cannot store, and where they were: each such
 * cell is an error of its line, and the rest of the checks (and every error message, which
 * may quote a cell) see the cell without them.
 */
function withoutUnstorable(s: RawSheet): { sheet: RawSheet; found: Array<{ line: number; index: number }> } {
  const found: Array<{ line: number; index: number }> = [];
  const rows = s.rows.map((r) => {
    if (!r.cells.some((c) => c.search(UNSTORABLE) >= 0)) return r;
    return {
      line: r.line,
      cells: r.cells.map((c, index) => {
        if (c.search(UNSTORABLE) < 0) return c;
        found.push({ line: r.line, index });
        return c.replace(UNSTORABLE, '');
      }),
    };
  });
  return { sheet: { name: s.name.replace(UNSTORABLE, ''), rows }, found };
}

/** Finds each sheet's layout from its header row and turns its rows into named cells. */
export function recogniseSheets(raw: RawSheet[]): { sheets: RecognisedSheet[]; summaries: SheetSummary[]; errors: ImportIssue[] } {
  const sheets: RecognisedSheet[] = [];
  const summaries: SheetSummary[] = [];
  const errors: ImportIssue[] = [];
  let total = 0;
  for (const original of raw) {
    if (original.rows.length === 0) continue; // an empty sheet of a workbook
    const { sheet: s, found: unstorable } = withoutUnstorable(original);
    // Spreadsheets often carry a title or a date above the header row: skip such lines.
    let start = 0;
    for (let i = 0; i < Math.min(HEADER_SEARCH_ROWS, s.rows.length); i++) {
      const found = detectLayout(s.rows[i]!.cells);
      if (found.ok || found.problem !== 'unknown') {
        start = i;
        break;
      }
    }
    const header = s.rows[start]!;
    const data = s.rows.slice(start + 1);
    const at = { sheet: s.name, line: header.line };
    const h = detectLayout(header.cells);
    for (const u of unstorable) {
      const column = (h.ok ? h.columns[u.index] : null) ?? header.cells[u.index] ?? '';
      errors.push({ sheet: s.name, line: u.line, column, key: 'import.error.unstorable', params: { column } });
    }
    if (!h.ok) {
      summaries.push({ name: s.name, layout: null, rows: data.length, ignoredColumns: [] });
      if (h.problem === 'unknown') errors.push({ ...at, column: '', key: 'import.error.layout', params: { found: h.found.join(', ').slice(0, 300) } });
      else if (h.problem === 'missing') errors.push({ ...at, column: '', key: 'import.error.missingColumns', params: { layout: h.layout, columns: h.missing.join(', ') } });
      else errors.push({ ...at, column: h.column, key: 'import.error.duplicateColumn', params: { column: h.column } });
      continue;
    }
    const rows: Row[] = [];
    for (const r of data) {
      const values = new Map<string, string>();
      h.columns.forEach((c, i) => {
        if (c !== null) values.set(c, cleanCell(r.cells[i] ?? ''));
      });
      if ([...values.values()].every((v) => v === '')) continue;
      rows.push({ sheet: s.name, line: r.line, values });
    }
    total += rows.length;
    sheets.push({ name: s.name, layout: h.layout, rows });
    summaries.push({ name: s.name, layout: h.layout, rows: rows.length, ignoredColumns: h.ignored });
  }
  if (total > MAX_ROWS) errors.push({ sheet: raw[0]?.name ?? '', line: null, column: '', key: 'import.error.tooManyRows', params: { rows: total, max: MAX_ROWS } });
  return { sheets, summaries, errors };
}

// ---------------------------------------------------------------------------------------
// Pass 1: each row into a typed record, with the errors of its cells.

interface PersonInput {
  at: Loc;
  emailColumn: string;
  emails: string[];
  firstName: string;
  lastName: string;
  phone: string | null;
}
interface ClassRec {
  at: Loc;
  school: string;
  name: string;
  level: string;
  regent: number | null;
}
interface StaffRec {
  at: Loc;
  school: string | null;
  role: StaffRole;
  person: number;
}
interface FamilyRec {
  at: Loc;
  school: string;
  className: string;
  household: string;
  pupil: string;
  guardians: number[];
}
interface GroupRec {
  at: Loc;
  group: string;
  kind: GroupKind;
  role: GroupRole;
  person: number;
}

const MAX_LEN = { person: 100, pupil: 100, class: 100, school: 200, household: 200, group: 200 };

class RowReader {
  ok = true;
  constructor(
    readonly row: Row,
    readonly errors: ImportIssue[],
  ) {}
  get at(): Loc {
    return { sheet: this.row.sheet, line: this.row.line };
  }
  fail(column: string, key: MessageKey, params: Params = {}) {
    this.ok = false;
    this.errors.push({ sheet: this.row.sheet, line: this.row.line, column, key, params });
  }
  value(column: string): string {
    return this.row.values.get(column) ?? '';
  }
  text(column: string, max: number, required = true): string {
    const v = this.value(column);
    if (!v && required) this.fail(column, 'import.error.required', { column });
    else if (v.length > max) this.fail(column, 'import.error.tooLong', { column, max });
    return v;
  }
  /** A person block (prefix_prenom, _nom, _email, _telephone); null when left empty and optional. */
  person(prefix: string, people: PersonInput[], required: boolean): number | null {
    const p = prefix ? `${prefix}_` : '';
    const cols = ['prenom', 'nom', 'email', 'telephone'].map((c) => p + c);
    if (!required && cols.every((c) => this.value(c) === '')) return null;
    const before = this.ok;
    this.ok = true;
    const firstName = this.text(`${p}prenom`, MAX_LEN.person);
    const lastName = this.text(`${p}nom`, MAX_LEN.person);
    const emailColumn = `${p}email`;
    const raw = this.value(emailColumn);
    const emails = [...new Set(raw.split(/[;,\s]+/).map((e) => e.trim().toLowerCase()).filter(Boolean))];
    if (emails.length === 0) this.fail(emailColumn, 'import.error.required', { column: emailColumn });
    for (const e of emails) if (!isEmail(e)) this.fail(emailColumn, 'import.error.email', { email: e });
    const phone = this.value(`${p}telephone`) || null;
    if (phone && !isPhone(phone)) this.fail(`${p}telephone`, 'import.error.phone', { phone });
    const fine = this.ok;
    this.ok = before && fine;
    if (!fine) return null;
    people.push({ at: this.at, emailColumn, emails, firstName, lastName, phone });
    return people.length - 1;
  }
}

function levelCode(v: string): string {
  return v.toUpperCase().replace(/[\s_-]/g, '');
}

// ---------------------------------------------------------------------------------------
// Pass 2: which person each person block is. One address = one person: blocks sharing an
// address, and addresses the directory already gives to one person, are the same person.

class UnionFind {
  parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

// ---------------------------------------------------------------------------------------

export interface PlanResult {
  errors: ImportIssue[];
  plan: Plan;
  counts: Counts;
}

/** Validates every row against the layouts and the directory, and plans the changes. */
export function planImport(sheets: RecognisedSheet[], snap: Snapshot, fileErrors: ImportIssue[] = []): PlanResult {
  const errors: ImportIssue[] = [...fileErrors];
  const people: PersonInput[] = [];
  const classRecs: ClassRec[] = [];
  const staffRecs: StaffRec[] = [];
  const familyRecs: FamilyRec[] = [];
  const groupRecs: GroupRec[] = [];
  const householdsWithGuardianCells = new Set<string>();
  const ordered = [...sheets].sort((a, b) => LAYOUT_ORDER.indexOf(a.layout) - LAYOUT_ORDER.indexOf(b.layout));

  for (const sheet of ordered) {
    if ((sheet.layout === 'classes' || sheet.layout === 'families') && !snap.year && sheet.rows.length > 0) {
      errors.push({ sheet: sheet.name, line: sheet.rows[0]!.line, column: '', key: 'import.error.noYear', params: {} });
    }
    for (const row of sheet.rows) {
      const r = new RowReader(row, errors);
      if (sheet.layout === 'classes') {
        const school = r.text('ecole', MAX_LEN.school);
        const name = r.text('classe', MAX_LEN.class);
        const rawLevel = r.text('niveau', 20);
        const level = levelCode(rawLevel);
        if (rawLevel && !snap.levels.includes(level)) r.fail('niveau', 'import.error.level', { level: rawLevel, levels: snap.levels.join(', ') });
        const regent = r.person('regent', people, false);
        if (r.ok && snap.year) classRecs.push({ at: r.at, school, name, level, regent });
      } else if (sheet.layout === 'staff') {
        const school = r.text('ecole', MAX_LEN.school, false) || null;
        const fn = r.text('fonction', 50);
        const role = STAFF_FUNCTIONS.get(normalizeHeader(fn));
        if (fn && !role) r.fail('fonction', 'import.error.function', { value: fn, allowed: STAFF_FUNCTION_WORDS });
        const person = r.person('', people, true);
        if (r.ok && role && person !== null) staffRecs.push({ at: r.at, school, role, person });
      } else if (sheet.layout === 'families') {
        const school = r.text('ecole', MAX_LEN.school);
        const className = r.text('classe', MAX_LEN.class);
        const household = r.text('foyer', MAX_LEN.household);
        const pupil = r.text('enfant_prenom', MAX_LEN.pupil);
        const g1 = r.person('responsable1', people, false);
        const g2 = r.person('responsable2', people, false);
        const guardians = [g1, g2].filter((g): g is number => g !== null);
        if (household && ['responsable1', 'responsable2'].some((p) => ['prenom', 'nom', 'email'].some((c) => r.value(`${p}_${c}`) !== ''))) {
          householdsWithGuardianCells.add(`h:${sameName(household)}`);
        }
        if (guardians.length === 2 && people[guardians[0]!]!.emails.some((e) => people[guardians[1]!]!.emails.includes(e))) {
          r.fail('responsable2_email', 'import.error.sameGuardianTwice', { email: people[guardians[1]!]!.emails[0]! });
        }
        if (r.ok && snap.year) familyRecs.push({ at: r.at, school, className, household, pupil, guardians });
      } else {
        const group = r.text('groupe', MAX_LEN.group);
        const type = r.text('type', 50);
        const kind = GROUP_TYPES.get(normalizeHeader(type));
        if (type && !kind) r.fail('type', 'import.error.kind', { value: type, allowed: GROUP_TYPE_WORDS });
        const roleWord = r.value('role');
        const role = roleWord ? GROUP_ROLES_BY_WORD.get(normalizeHeader(roleWord)) : 'member';
        if (!role) r.fail('role', 'import.error.role', { value: roleWord, allowed: GROUP_ROLE_WORDS });
        const person = r.person('', people, true);
        if (r.ok && kind && role && person !== null) groupRecs.push({ at: r.at, group, kind, role, person });
      }
    }
  }

  // Existing links, by their natural keys.
  const dbStaff = new Set(snap.staff.map((s) => `${s.personId}|${s.schoolId ?? '-'}|${s.role}`));
  const dbRegents = new Set(snap.classRegents.map((r) => `${r.classId}|${r.personId}`));
  const dbGuardians = new Set(snap.guardians.map((g) => `${g.householdId}|${g.personId}`));
  const dbGuardedHouseholds = new Set(snap.guardians.map((g) => g.householdId));
  const dbMembers = new Map(snap.members.map((m) => [`${m.groupId}|${m.personId}`, m]));

  // --- people -------------------------------------------------------------------------
  const ownerOf = new Map<string, number>();
  for (const p of snap.people) for (const e of p.emails) ownerOf.set(e, p.id);
  const uf = new UnionFind();
  const badPerson = new Set<number>();
  // Each block joins its addresses, and an address the directory knows joins its owner.
  people.forEach((p, i) => {
    for (const e of p.emails) {
      uf.union(`in:${i}`, `e:${e}`);
      const owner = ownerOf.get(e);
      if (owner !== undefined) uf.union(`e:${e}`, `db:${owner}`);
    }
  });
  const clusters = new Map<string, number[]>();
  people.forEach((_, i) => {
    const root = uf.find(`in:${i}`);
    const list = clusters.get(root);
    if (list) list.push(i);
    else clusters.set(root, [i]);
  });
  const personKeyOf = new Map<number, string>();
  const personPlan: Plan['people'] = [];
  const personLabel = new Map<string, string>();
  const plan: Plan = {
    schools: [],
    classes: [],
    people: personPlan,
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
  const dbPeople = new Map(snap.people.map((p) => [p.id, p]));
  for (const members of clusters.values()) {
    const first = people[members[0]!]!;
    // The directory people this cluster reaches, in the order the file reaches them.
    const owners: number[] = [];
    let conflict = false;
    for (const i of members) {
      for (const e of people[i]!.emails) {
        const o = ownerOf.get(e);
        if (o !== undefined && !owners.includes(o)) {
          owners.push(o);
          if (owners.length === 2) {
            conflict = true;
            const [a, b] = owners.map((id) => dbPeople.get(id)!);
            errors.push({
              ...people[i]!.at,
              column: people[i]!.emailColumn,
              key: 'import.error.emailTwoPeople',
              params: { email: e, name: `${b!.firstName} ${b!.lastName}`, other: `${a!.firstName} ${a!.lastName}` },
            });
          }
        }
      }
    }
    for (const i of members.slice(1)) {
      const p = people[i]!;
      if (sameName(p.firstName) !== sameName(first.firstName) || sameName(p.lastName) !== sameName(first.lastName)) {
        conflict = true;
        const shared = p.emails.find((e) => first.emails.includes(e)) ?? p.emails[0]!;
        errors.push({
          ...p.at,
          column: p.emailColumn,
          key: 'import.error.emailTwoNames',
          params: { email: shared, name: `${p.firstName} ${p.lastName}`, other: `${first.firstName} ${first.lastName}`, line: first.at.line },
        });
      }
    }
    if (conflict) {
      for (const i of members) badPerson.add(i);
      continue;
    }
    const emails = [...new Set(members.flatMap((i) => people[i]!.emails))];
    const phone = members.map((i) => people[i]!.phone).find((x) => x) ?? null;
    const existing = owners.length ? dbPeople.get(owners[0]!)! : undefined;
    const key = existing ? `p#${existing.id}` : `p:${emails[0]}`;
    for (const i of members) personKeyOf.set(i, key);
    const label = `${first.firstName} ${first.lastName} <${emails[0]}>`;
    personLabel.set(key, `${first.firstName} ${first.lastName}`);
    if (!existing) {
      personPlan.push({ action: 'create', key, label, at: first.at, firstName: first.firstName, lastName: first.lastName, phone, addEmails: emails });
      continue;
    }
    plan.ids[key] = existing.id;
    const addEmails = emails.filter((e) => !existing.emails.includes(e));
    const renamed = existing.firstName !== first.firstName || existing.lastName !== first.lastName;
    const rephoned = phone !== null && phone !== existing.phone;
    const changes: string[] = [];
    if (renamed) changes.push(`${existing.firstName} ${existing.lastName}`);
    if (rephoned) changes.push(existing.phone ?? '—');
    personPlan.push({
      action: renamed || rephoned || addEmails.length ? 'update' : 'unchanged',
      key,
      id: existing.id,
      label,
      ...(changes.length ? { before: changes.join(' · ') } : {}),
      at: first.at,
      firstName: first.firstName,
      lastName: first.lastName,
      phone: rephoned ? phone : existing.phone,
      addEmails,
    });
  }
  const personKey = (i: number) => (badPerson.has(i) ? undefined : personKeyOf.get(i));

  // --- schools and classes ------------------------------------------------------------
  const schoolBySlug = new Map<string, Snapshot['schools'][number]>();
  for (const s of snap.schools) {
    schoolBySlug.set(s.slug, s);
    if (!schoolBySlug.has(slugify(s.name))) schoolBySlug.set(slugify(s.name), s);
  }
  const schoolItems = new Map<string, Plan['schools'][number]>();
  const schoolName = new Map<string, string>();
  /** The key of a school, planning it (created when new and `create`). */
  const schoolKey = (name: string, at: Loc, create: boolean): string | undefined => {
    const slug = slugify(name);
    const key = `s:${slug}`;
    if (schoolItems.has(key)) return key;
    const existing = schoolBySlug.get(slug);
    if (existing) {
      plan.ids[key] = existing.id;
      schoolName.set(key, existing.name);
      const item = { action: 'unchanged' as const, key, id: existing.id, label: existing.name, at, name: existing.name, slug: existing.slug };
      if (create) {
        schoolItems.set(key, item);
        plan.schools.push(item);
      }
      return key;
    }
    if (!create) return undefined;
    const item = { action: 'create' as const, key, label: name, at, name, slug };
    schoolItems.set(key, item);
    schoolName.set(key, name);
    plan.schools.push(item);
    return key;
  };
  const dbClass = new Map<string, Snapshot['classes'][number]>();
  for (const c of snap.classes) dbClass.set(`${c.schoolId}|${sameName(c.name)}`, c);
  const classItems = new Map<string, Plan['classes'][number]>();
  const classLabel = new Map<string, string>();
  const classKeyOf = (sKey: string, name: string) => `c:${sKey}|${sameName(name)}`;
  const existingClass = (sKey: string, name: string) => {
    const sid = plan.ids[sKey];
    return sid === undefined ? undefined : dbClass.get(`${sid}|${sameName(name)}`);
  };
  const seenClassRows = new Map<string, Loc>();
  // A regent of a classes sheet is also staff of the school; listing them again in a staff
  // sheet is no duplicate, listing a staff row twice is.
  const staffSeen = new Map<string, { at: Loc; explicit: boolean }>();
  const addStaff = (pKey: string, sKey: string | null, role: StaffRole, at: Loc, dupColumn: string | null) => {
    const key = `${pKey}|${sKey ?? '-'}|${role}`;
    const dup = staffSeen.get(key);
    if (dup) {
      if (dupColumn && dup.explicit) errors.push({ ...at, column: dupColumn, key: 'import.error.duplicateRow', params: { line: dup.at.line } });
      if (dupColumn) dup.explicit = true;
      return;
    }
    staffSeen.set(key, { at, explicit: dupColumn !== null });
    const personId = plan.ids[pKey];
    const schoolId = sKey === null ? null : plan.ids[sKey];
    const exists = personId !== undefined && schoolId !== undefined && dbStaff.has(`${personId}|${schoolId ?? '-'}|${role}`);
    plan.staff.push({
      action: exists ? 'unchanged' : 'create',
      key,
      label: `${personLabel.get(pKey)} · ${role}${sKey ? ` · ${schoolName.get(sKey)}` : ''}`,
      at,
      personKey: pKey,
      schoolKey: sKey,
      role,
    });
  };

  for (const rec of classRecs) {
    const sKey = schoolKey(rec.school, rec.at, true)!;
    const key = classKeyOf(sKey, rec.name);
    const prev = classItems.get(key);
    if (prev) {
      if (prev.level !== rec.level) {
        errors.push({ ...rec.at, column: 'niveau', key: 'import.error.classLevelConflict', params: { class: rec.name, level: rec.level, other: prev.level, line: prev.at.line } });
        continue;
      }
    } else {
      const existing = existingClass(sKey, rec.name);
      const label = `${existing?.name ?? rec.name} (${schoolName.get(sKey)}) · ${rec.level}`;
      classLabel.set(key, `${existing?.name ?? rec.name} (${schoolName.get(sKey)})`);
      const item = existing
        ? {
            action: (existing.level === rec.level ? 'unchanged' : 'update') as Action,
            key,
            id: existing.id,
            label,
            ...(existing.level !== rec.level ? { before: existing.level } : {}),
            at: rec.at,
            schoolKey: sKey,
            name: existing.name,
            level: rec.level,
          }
        : { action: 'create' as const, key, label, at: rec.at, schoolKey: sKey, name: rec.name, level: rec.level };
      if (existing) plan.ids[key] = existing.id;
      classItems.set(key, item);
      plan.classes.push(item);
    }
    const pKey = rec.regent === null ? 'none' : personKey(rec.regent);
    if (pKey === undefined) continue;
    const dupKey = `${key}#${pKey}`;
    const dup = seenClassRows.get(dupKey);
    if (dup) {
      errors.push({ ...rec.at, column: rec.regent === null ? 'classe' : 'regent_email', key: 'import.error.duplicateRow', params: { line: dup.line } });
      continue;
    }
    seenClassRows.set(dupKey, rec.at);
    if (rec.regent === null) continue;
    const classId = plan.ids[key];
    const personId = plan.ids[pKey];
    const linked = classId !== undefined && personId !== undefined && dbRegents.has(`${classId}|${personId}`);
    plan.regents.push({ action: linked ? 'unchanged' : 'create', key: dupKey, label: `${personLabel.get(pKey)} → ${classLabel.get(key)}`, at: rec.at, classKey: key, personKey: pKey });
    addStaff(pKey, sKey, 'regent', rec.at, null);
  }

  // --- staff --------------------------------------------------------------------------
  for (const rec of staffRecs) {
    const pKey = personKey(rec.person);
    if (pKey === undefined) continue;
    const sKey = rec.school === null ? null : schoolKey(rec.school, rec.at, true)!;
    addStaff(pKey, sKey, rec.role, rec.at, 'email');
  }

  // --- households, pupils, enrolments ---------------------------------------------------
  const dbHousehold = new Map<string, Snapshot['households'][number]>();
  for (const h of snap.households) if (!dbHousehold.has(sameName(h.name))) dbHousehold.set(sameName(h.name), h);
  const dbPupil = new Map<string, Snapshot['pupils'][number]>();
  for (const p of snap.pupils) dbPupil.set(`${p.householdId}|${sameName(p.firstName)}`, p);
  const dbEnrolment = new Map(snap.enrolments.map((e) => [e.pupilId, e.classId]));
  const dbClassById = new Map(snap.classes.map((c) => [c.id, c]));
  const householdItems = new Map<string, Plan['households'][number]>();
  const householdGuardians = new Map<string, Set<string>>();
  const pupilSeen = new Map<string, Loc>();
  const guardianSeen = new Set<string>();
  for (const rec of familyRecs) {
    const sKey = schoolKey(rec.school, rec.at, false);
    const cKey = sKey ? classKeyOf(sKey, rec.className) : undefined;
    const known = cKey && (classItems.has(cKey) || existingClass(sKey!, rec.className));
    if (!known) {
      errors.push({ ...rec.at, column: 'classe', key: 'import.error.unknownClass', params: { class: rec.className, school: rec.school, year: snap.year?.label ?? '' } });
      continue;
    }
    const classKey = cKey!;
    if (!classItems.has(classKey)) {
      const c = existingClass(sKey!, rec.className)!;
      plan.ids[classKey] = c.id;
      classLabel.set(classKey, `${c.name} (${schoolName.get(sKey!)})`);
    }
    const hKey = `h:${sameName(rec.household)}`;
    let hItem = householdItems.get(hKey);
    if (!hItem) {
      const existing = dbHousehold.get(sameName(rec.household));
      hItem = existing
        ? { action: 'unchanged', key: hKey, id: existing.id, label: existing.name, at: rec.at, name: existing.name }
        : { action: 'create', key: hKey, label: rec.household, at: rec.at, name: rec.household };
      if (existing) plan.ids[hKey] = existing.id;
      householdItems.set(hKey, hItem);
      householdGuardians.set(hKey, new Set());
      plan.households.push(hItem);
    }
    const uKey = `u:${hKey}|${sameName(rec.pupil)}`;
    const dup = pupilSeen.get(uKey);
    if (dup) {
      errors.push({ ...rec.at, column: 'enfant_prenom', key: 'import.error.duplicatePupil', params: { pupil: rec.pupil, household: rec.household, line: dup.line } });
      continue;
    }
    pupilSeen.set(uKey, rec.at);
    const existingPupil = hItem.id !== undefined ? dbPupil.get(`${hItem.id}|${sameName(rec.pupil)}`) : undefined;
    const pupilLabel = `${existingPupil?.firstName ?? rec.pupil} (${hItem.name})`;
    if (existingPupil) plan.ids[uKey] = existingPupil.id;
    plan.pupils.push(
      existingPupil
        ? { action: 'unchanged', key: uKey, id: existingPupil.id, label: pupilLabel, at: rec.at, householdKey: hKey, firstName: existingPupil.firstName }
        : { action: 'create', key: uKey, label: pupilLabel, at: rec.at, householdKey: hKey, firstName: rec.pupil },
    );
    const classId = plan.ids[classKey];
    const currentClass = existingPupil ? dbEnrolment.get(existingPupil.id) : undefined;
    const enrolAction: Action = currentClass === undefined ? 'create' : currentClass === classId ? 'unchanged' : 'update';
    const before = currentClass !== undefined && currentClass !== classId ? dbClassById.get(currentClass)?.name : undefined;
    plan.enrolments.push({
      action: enrolAction,
      key: `e:${uKey}`,
      label: `${pupilLabel} → ${classLabel.get(classKey)}`,
      ...(before !== undefined ? { before } : {}),
      at: rec.at,
      pupilKey: uKey,
      classKey,
    });
    for (const g of rec.guardians) {
      const pKey = personKey(g);
      if (pKey === undefined) continue;
      householdGuardians.get(hKey)!.add(pKey);
      const linkKey = `${hKey}#${pKey}`;
      if (guardianSeen.has(linkKey)) continue;
      guardianSeen.add(linkKey);
      const hid = plan.ids[hKey];
      const pid = plan.ids[pKey];
      const linked = hid !== undefined && pid !== undefined && dbGuardians.has(`${hid}|${pid}`);
      plan.guardians.push({ action: linked ? 'unchanged' : 'create', key: linkKey, label: `${personLabel.get(pKey)} → ${hItem.name}`, at: rec.at, householdKey: hKey, personKey: pKey });
    }
  }
  for (const h of plan.households) {
    const hasInDb = h.id !== undefined && dbGuardedHouseholds.has(h.id);
    // A household whose guardian cells were there but wrong already has its error.
    if (householdGuardians.get(h.key)!.size === 0 && !hasInDb && !householdsWithGuardianCells.has(h.key)) {
      errors.push({ ...h.at, column: 'responsable1_email', key: 'import.error.noGuardian', params: { household: h.name } });
    }
  }

  // --- groups and memberships ----------------------------------------------------------
  const dbGroupBySlug = new Map<string, Snapshot['groups'][number]>();
  for (const g of snap.groups) {
    dbGroupBySlug.set(g.slug, g);
    if (!dbGroupBySlug.has(slugify(g.name))) dbGroupBySlug.set(slugify(g.name), g);
  }
  const groupItems = new Map<string, Plan['groups'][number]>();
  const memberSeen = new Map<string, Loc>();
  for (const rec of groupRecs) {
    const slug = slugify(rec.group);
    const gKey = `g:${slug}`;
    let gItem = groupItems.get(gKey);
    if (gItem && gItem.kind !== rec.kind) {
      errors.push({ ...rec.at, column: 'type', key: 'import.error.groupKindConflict', params: { group: rec.group, kind: rec.kind, other: gItem.kind, line: gItem.at.line } });
      continue;
    }
    if (!gItem) {
      const existing = dbGroupBySlug.get(slug);
      gItem = existing
        ? {
            action: existing.kind === rec.kind ? 'unchanged' : 'update',
            key: gKey,
            id: existing.id,
            label: `${existing.name} · ${rec.kind}`,
            ...(existing.kind !== rec.kind ? { before: existing.kind } : {}),
            at: rec.at,
            name: existing.name,
            slug: existing.slug,
            kind: rec.kind,
          }
        : { action: 'create', key: gKey, label: `${rec.group} · ${rec.kind}`, at: rec.at, name: rec.group, slug, kind: rec.kind };
      if (existing) plan.ids[gKey] = existing.id;
      groupItems.set(gKey, gItem);
      plan.groups.push(gItem);
    }
    const pKey = personKey(rec.person);
    if (pKey === undefined) continue;
    const mKey = `${gKey}#${pKey}`;
    const dup = memberSeen.get(mKey);
    if (dup) {
      errors.push({ ...rec.at, column: 'email', key: 'import.error.duplicateRow', params: { line: dup.line } });
      continue;
    }
    memberSeen.set(mKey, rec.at);
    const gid = plan.ids[gKey];
    const pid = plan.ids[pKey];
    const current = gid !== undefined && pid !== undefined ? dbMembers.get(`${gid}|${pid}`) : undefined;
    plan.memberships.push({
      action: current === undefined ? 'create' : current.role === rec.role ? 'unchanged' : 'update',
      key: mKey,
      label: `${personLabel.get(pKey)} → ${gItem.name} (${rec.role})`,
      ...(current && current.role !== rec.role ? { before: current.role } : {}),
      at: rec.at,
      groupKey: gKey,
      personKey: pKey,
      role: rec.role,
    });
  }

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
