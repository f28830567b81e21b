// The plan's households, their pupils, enrolments in this year's classes and guardians.
// A household is known by its name, a pupil by first name within the household.
import type { Action, Loc, Plan, Planning, Snapshot } from './plan.ts';
import type { PlannedClasses } from './planSchools.ts';
import type { FamilyRec } from './rows.ts';
import { sameName } from './sheets.ts';

export function planFamilies(ctx: Planning, familyRecs: FamilyRec[], classes: PlannedClasses, householdsWithGuardianCells: Set<string>): void {
  const { snap, plan, errors, personKey, personLabel } = ctx;
  const { schoolKey, classKeyOf, existingClass, classItems, classLabel, schoolName } = classes;
  const dbGuardians = new Set(snap.guardians.map((g) => `${g.householdId}|${g.personId}`));
  const dbGuardedHouseholds = new Set(snap.guardians.map((g) => g.householdId));
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
}
