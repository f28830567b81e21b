import type { Queryable } from './db.ts';

/** Who acts: a signed-in person, or the IT group at the command line. */
export interface Actor {
  personId: number | null;
  label: string;
}
export const CLI_ACTOR: Actor = { personId: null, label: 'cli' };
export const SYSTEM_ACTOR: Actor = { personId: null, label: 'system' };

export async function recordEvent(
  db: Queryable,
  actor: Actor,
  action: string,
  subject: string | null,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({ actor_person_id: actor.personId, actor_label: actor.label, action, subject, detail: JSON.stringify(detail) })
    .execute();
}
