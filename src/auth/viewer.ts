// The viewer of a request: who the directory says the signed-in person is (src/directory/people.ts).
import type { Queryable } from '../platform/db.ts';
import type { Viewer } from '../platform/web/context.ts';
import { personRoles } from '../directory/people.ts';

export type { Viewer };

export async function loadViewer(db: Queryable, personId: number): Promise<Viewer | null> {
  return personRoles(db, personId);
}
