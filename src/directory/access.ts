// Who may see what in the directory: least privilege. Pure rules over the viewer.
import type { Viewer } from '../auth/viewer.ts';

export function canSeeClass(v: Viewer, classId: number): boolean {
  return v.isAdmin || v.regentClassIds.includes(classId);
}

/** A parent sees their household; a regent sees the households of their pupils. */
export function canSeeHousehold(v: Viewer, householdId: number, householdClassIds: number[]): boolean {
  return v.isAdmin || v.householdIds.includes(householdId) || householdClassIds.some((c) => v.regentClassIds.includes(c));
}

/**
 * The children of a household a viewer may see on its page. A parent and the IT group see them
 * all; a regent only the pupils of their own classes: a sibling in another class is not theirs
 * to know about, not even by first name (minors' data is kept minimal, DESIGN.md).
 */
export function visiblePupils<P extends { class_id: number | null }>(v: Viewer, householdId: number, pupils: readonly P[]): P[] {
  if (v.isAdmin || v.householdIds.includes(householdId)) return [...pupils];
  return pupils.filter((p) => p.class_id !== null && v.regentClassIds.includes(p.class_id));
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
