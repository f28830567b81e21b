// Pass 1 of the plan: each row into a typed record, with the errors of its cells.
import type { MessageKey } from '../../platform/i18n/index.ts';
import type { Params } from '../../platform/errors.ts';
import { isEmail, isPhone } from '../names.ts';
import type { GroupKind, GroupRole, StaffRole } from '../tables.ts';
import { GROUP_ROLE_WORDS, GROUP_ROLES_BY_WORD, GROUP_TYPE_WORDS, GROUP_TYPES, LAYOUT_ORDER, normalizeHeader, STAFF_FUNCTION_WORDS, STAFF_FUNCTIONS } from './layouts.ts';
import type { ImportIssue, Loc, Snapshot } from './plan.ts';
import { sameName, type RecognisedSheet, type Row } from './sheets.ts';

export interface PersonInput {
  at: Loc;
  emailColumn: string;
  emails: string[];
  firstName: string;
  lastName: string;
  phone: string | null;
}
export interface ClassRec {
  at: Loc;
  school: string;
  name: string;
  level: string;
  regent: number | null;
}
export interface StaffRec {
  at: Loc;
  school: string | null;
  role: StaffRole;
  person: number;
}
export interface FamilyRec {
  at: Loc;
  school: string;
  className: string;
  household: string;
  pupil: string;
  guardians: number[];
}
export interface GroupRec {
  at: Loc;
  group: string;
  kind: GroupKind;
  role: GroupRole;
  person: number;
}


/** Every row of every sheet as records; person blocks are indexes into `people`. */
export interface Records {
  people: PersonInput[];
  classRecs: ClassRec[];
  staffRecs: StaffRec[];
  familyRecs: FamilyRec[];
  groupRecs: GroupRec[];
  /** Households whose row had guardian cells (wrong ones already have their error). */
  householdsWithGuardianCells: Set<string>;
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

/** Reads the rows of the sheets in layout order (classes before the families that use them). */
export function readRows(sheets: RecognisedSheet[], snap: Snapshot, errors: ImportIssue[]): Records {
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
  return { people, classRecs, staffRecs, familyRecs, groupRecs, householdsWithGuardianCells };
}
