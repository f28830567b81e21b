// The plan's schools, classes, their regents and the staff. A school or a class is known by
// its name (the school also by its slug), so a file can be imported again without doubles.
import type { StaffRole } from '../tables.ts';
import { slugify } from '../names.ts';
import type { Action, Loc, Plan, Planning, Snapshot } from './plan.ts';
import type { ClassRec, StaffRec } from './rows.ts';
import { sameName } from './sheets.ts';

/** What the families' section needs to find the classes planned here. */
export interface PlannedClasses {
  /** The key of a school, planning it (created when new and `create`). */
  schoolKey(name: string, at: Loc, create: boolean): string | undefined;
  classKeyOf(schoolKey: string, name: string): string;
  /** The directory's class of that name in that school, this year. */
  existingClass(schoolKey: string, name: string): Snapshot['classes'][number] | undefined;
  classItems: Map<string, Plan['classes'][number]>;
  classLabel: Map<string, string>;
  schoolName: Map<string, string>;
}

export function planSchools(ctx: Planning, classRecs: ClassRec[], staffRecs: StaffRec[]): PlannedClasses {
  const { snap, plan, errors, personKey, personLabel } = ctx;
  const dbStaff = new Set(snap.staff.map((s) => `${s.personId}|${s.schoolId ?? '-'}|${s.role}`));
  const dbRegents = new Set(snap.classRegents.map((r) => `${r.classId}|${r.personId}`));
  const schoolBySlug = new Map<string, Snapshot['schools'][number]>();
  for (const s of snap.schools) {
    schoolBySlug.set(s.slug, s);
    if (!schoolBySlug.has(slugify(s.name))) schoolBySlug.set(slugify(s.name), s);
  }
  const schoolItems = new Map<string, Plan['schools'][number]>();
  const schoolName = new Map<string, string>();
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


  for (const rec of staffRecs) {
    const pKey = personKey(rec.person);
    if (pKey === undefined) continue;
    const sKey = rec.school === null ? null : schoolKey(rec.school, rec.at, true)!;
    addStaff(pKey, sKey, rec.role, rec.at, 'email');
  }
  return { schoolKey, classKeyOf, existingClass, classItems, classLabel, schoolName };
}
