// Who may see what in the directory: least privilege. Pure rules over the viewer.
import type { Viewer } from '../auth/viewer.ts';

export function canSeeClass(v: Viewer, classId: number): boolean {
  return v.isAdmin || v.regentClassIds.includes(classId);
}

/** A parent sees their household; a regent sees the households of their pupils. */
export function canSeeHousehold(v: Viewer, householdId: number, householdClassIds: number[]): boolean {
  return v.isAdmin || v.householdIds.includes(householdId) || householdClassIds.some((c) => v.regentClassIds.includes(c));
}

export function canSeePerson(v: Viewer, personId: number): boolean {
  return v.isAdmin || v.personId === personId;
}

/** Members see their own groups (who else is on the commission); admins see all. */
export function canSeeGroup(v: Viewer, groupId: number): boolean {
  return v.isAdmin || v.groupIds.includes(groupId);
}

/** The directory's search and class pages are for admins and regents. */
export function canBrowse(v: Viewer): boolean {
  return v.isAdmin || v.regentClassIds.length > 0;
}
