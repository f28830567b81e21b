// Who organises surveys: platform administrators (IT group) and the person who created a survey.
// Creating one is open to administrators and to members of the board, bureau or a commission.
import type { Viewer } from '../auth/viewer.ts';
import type { Queryable } from '../platform/db.ts';
import { Forbidden } from '../platform/errors.ts';

export const CREATOR_GROUP_KINDS = ['commission', 'board', 'bureau'] as const;

export function canOrganise(v: Viewer, s: { created_by: number | null }): boolean {
  return v.isAdmin || (s.created_by !== null && s.created_by === v.personId);
}

export function mayCreate(v: Viewer, groupKinds: string[]): boolean {
  return v.isAdmin || groupKinds.some((k) => (CREATOR_GROUP_KINDS as readonly string[]).includes(k));
}

export async function canCreateSurveys(db: Queryable, v: Viewer): Promise<boolean> {
  if (v.isAdmin) return true;
  if (v.groupIds.length === 0) return false;
  // The viewer carries its groups' kinds (src/directory/people.ts).
  return mayCreate(v, v.memberships.map((m) => m.kind));
}

export function requireOrganiser(v: Viewer, s: { created_by: number | null }): void {
  if (!canOrganise(v, s)) throw new Forbidden('error.forbidden');
}

/**
 * Which lists and groups an organiser may target. Administrators and members of the board or
 * bureau (who speak for the association) may target every list and group; anyone else, the
 * lists they own or moderate (they may already write to them) and the groups they belong to.
 * Schools, classes and "all parents" stay open to every organiser, as before.
 */
export interface TargetScope {
  everything: boolean;
  listIds: Set<number>;
  groupIds: Set<number>;
}

export const EVERY_TARGET: TargetScope = { everything: true, listIds: new Set(), groupIds: new Set() };

export async function targetScope(db: Queryable, v: Viewer): Promise<TargetScope> {
  const everything = v.isAdmin || v.memberships.some((g) => g.kind === 'board' || g.kind === 'bureau');
  const lists = everything ? [] : await db.selectFrom('list_moderator').select('list_id').where('person_id', '=', v.personId).execute();
  return { everything, listIds: new Set(lists.map((l) => l.list_id)), groupIds: new Set(v.groupIds) };
}

export function mayTarget(scope: TargetScope, kind: string, id: number | null): boolean {
  if (scope.everything || id === null) return true;
  if (kind === 'list') return scope.listIds.has(id);
  if (kind === 'group') return scope.groupIds.has(id);
  return true;
}
