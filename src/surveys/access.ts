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
  const kinds = await db.selectFrom('directory_group').select('kind').where('id', 'in', v.groupIds).execute();
  return mayCreate(v, kinds.map((k) => k.kind));
}

export function requireOrganiser(v: Viewer, s: { created_by: number | null }): void {
  if (!canOrganise(v, s)) throw new Forbidden('error.forbidden');
}
