// Leaving a list: the one-click link of RFC 8058 and the mailto: of List-Unsubscribe.
import type { Queryable } from '../platform/db.ts';
import type { ListsContext } from './inbound.ts';
import { ensureListKeys, verifyToken } from './keys.ts';
import { setDelivery } from './lists.ts';

/**
 * Takes the member of a copy off its list: a hand-added member is removed, a member the
 * directory names (a class's parents) is switched to no-mail, since they stay a member.
 */
export async function unsubscribeDelivery(db: Queryable, deliveryId: number): Promise<{ slug: string; name: string } | undefined> {
  const d = await db
    .selectFrom('list_delivery as d')
    .innerJoin('mailing_list as l', 'l.id', 'd.list_id')
    .select(['d.list_id', 'd.address', 'l.slug', 'l.name', 'l.kind'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!d) return undefined;
  await leave(db, d.list_id, d.address);
  return { slug: d.slug, name: d.name };
}

export async function leave(db: Queryable, listId: number, address: string): Promise<void> {
  const fromDirectory = await db.selectFrom('list_directory_member').select('address').where('list_id', '=', listId).where('address', '=', address).executeTakeFirst();
  if (fromDirectory) await setDelivery(db, listId, address, 'nomail');
  else {
    await db.deleteFrom('list_member').where('list_id', '=', listId).where('address', '=', address).execute();
    await setDelivery(db, listId, address, 'nomail');
  }
}

export async function deliveryForToken(db: Queryable, domain: string, token: string): Promise<number | undefined> {
  const keys = await ensureListKeys(db, domain);
  return verifyToken(keys.secret, 'unsubscribe', token);
}

/** `slug+unsubscribe@domain` (the mailto: of List-Unsubscribe): the sender leaves the list. */
export async function unsubscribeByMail(ctx: ListsContext, slug: string, sender: string): Promise<boolean> {
  const address = sender.trim().toLowerCase();
  if (!address) return false;
  const list = await ctx.db.selectFrom('mailing_list').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!list) return false;
  const member = await ctx.db.selectFrom('list_membership').select('address').where('list_id', '=', list.id).where('address', '=', address).executeTakeFirst();
  if (!member) return false;
  await leave(ctx.db, list.id, address);
  return true;
}
