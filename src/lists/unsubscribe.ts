// Leaving a list: the one-click link of RFC 8058 and the mailto: of List-Unsubscribe.
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { hashSecret, newToken } from '../auth/tokens.ts';
import type { Db, Queryable } from '../platform/db.ts';
import { translator, LANGS } from '../platform/i18n/index.ts';
import type { ListsContext } from './inbound.ts';
import { isAutomaticMail, provenFrom } from './sender.ts';
import { ensureListKeys, verifyToken } from './keys.ts';
import { setDelivery } from './lists.ts';

/** How long a confirmation of a request by mail stays usable. */
export const CONFIRMATION_DAYS = 7;
/** At most one confirmation mail per list and address in this time, so forged requests cannot flood a member. */
const CONFIRMATION_QUIET_HOURS = 24;

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

export type UnsubscribeByMailOutcome = 'unsubscribed' | 'confirmation_sent' | 'ignored';

/**
 * `slug+unsubscribe@domain` (the mailto: of List-Unsubscribe). Anyone can write any From and
 * any envelope sender, so the request acts at once only when its From is proven (the same
 * proof as for posting: DMARC pass, or an aligned SPF/DKIM pass without a DMARC record) and is
 * a member's address. Otherwise the member — and only a member: a stranger is told nothing,
 * so the list sends no backscatter — gets a confirmation at their own address, and nothing
 * changes until they use it.
 */
export async function unsubscribeByMail(ctx: ListsContext, slug: string, raw: Buffer, session: { envelopeFrom: string; ip?: string; helo?: string }): Promise<UnsubscribeByMailOutcome> {
  // RFC 5321 §4.5.5: mail with a null reverse-path is a notification (a bounce); it asks nothing.
  const envelopeFrom = session.envelopeFrom.trim().toLowerCase();
  if (!envelopeFrom) return 'ignored';
  const list = await ctx.db.selectFrom('mailing_list').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
  if (!list) return 'ignored';
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const from = (parsed.from?.value[0]?.address ?? '').trim().toLowerCase();
  const isMember = async (address: string) =>
    address !== '' && Boolean(await ctx.db.selectFrom('list_membership').select('address').where('list_id', '=', list.id).where('address', '=', address).executeTakeFirst());

  const fromIsMember = await isMember(from);
  if (fromIsMember) {
    if (await provenFrom(ctx, raw, from, session)) {
      await leave(ctx.db, list.id, from);
      return 'unsubscribed';
    }
  }
  // RFC 3834 §2: a robot's mail is not answered.
  if (isAutomaticMail(parsed)) return 'ignored';
  // The confirmation only ever goes to a member's address, never to an unproven stranger.
  const member = fromIsMember ? from : (await isMember(envelopeFrom)) ? envelopeFrom : undefined;
  if (!member) return 'ignored';
  const sent = await ctx.db.transaction().execute(async (trx) => {
    // One request at a time per list and address (row lock on the list), so two forged
    // mails arriving together still make one confirmation.
    await trx.selectFrom('mailing_list').select('id').where('id', '=', list.id).forUpdate().executeTakeFirst();
    const recent = await trx
      .selectFrom('list_unsubscribe_request')
      .select('id')
      .where('list_id', '=', list.id)
      .where('address', '=', member)
      .where('used_at', 'is', null)
      .where('created_at', '>', sql<Date>`now() - make_interval(hours => ${CONFIRMATION_QUIET_HOURS})`)
      .executeTakeFirst();
    if (recent) return false;
    const token = newToken(24);
    await trx
      .insertInto('list_unsubscribe_request')
      .values({ list_id: list.id, address: member, token_hash: hashSecret(token), expires_at: sql<Date>`now() + make_interval(days => ${CONFIRMATION_DAYS})` })
      .execute();
    const link = `${ctx.publicUrl}/api/public/lists/confirm-unsubscribe/${token}`;
    const reply = `${list.slug}+confirm-${token}@${ctx.domain}`;
    const params = { list: list.name, address: member, link, reply, days: CONFIRMATION_DAYS };
    await ctx.mailer.enqueue(trx, {
      from: `${list.name} <${list.slug}+owner@${ctx.domain}>`,
      to: [member],
      subject: translator('fr')('lists.unsubscribe.mail.subject', params).slice(0, 300),
      text: LANGS.map((lang) => translator(lang)('lists.unsubscribe.mail.body', params)).join('\n\n') + '\n',
      // RFC 3834: vacation responders do not answer it (and an answer would be ignored).
      headers: { 'Reply-To': reply, 'Auto-Submitted': 'auto-replied' },
      sensitive: true,
    });
    return true;
  });
  return sent ? 'confirmation_sent' : 'ignored';
}

/** The list a confirmation token is for, while it is unused and unexpired (the page shows it before the member confirms). */
export async function confirmationFor(db: Queryable, token: string): Promise<{ slug: string; name: string } | undefined> {
  return db
    .selectFrom('list_unsubscribe_request as r')
    .innerJoin('mailing_list as l', 'l.id', 'r.list_id')
    .select(['l.slug', 'l.name'])
    .where('r.token_hash', '=', hashSecret(token))
    .where('r.used_at', 'is', null)
    .where('r.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/**
 * The member confirms (link or reply): the request is used up in the same statement that
 * checks it, so a token works once even when two clicks race. With `slug`, the token must be
 * for that list (the reply address names it).
 */
export async function confirmUnsubscribe(db: Db, token: string, slug?: string): Promise<{ slug: string; name: string } | undefined> {
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('list_unsubscribe_request as r')
      .set({ used_at: sql<Date>`now()` })
      .from('mailing_list as l')
      .whereRef('l.id', '=', 'r.list_id')
      .where('r.token_hash', '=', hashSecret(token))
      .where('r.used_at', 'is', null)
      .where('r.expires_at', '>', sql<Date>`now()`)
      .$if(slug !== undefined, (q) => q.where('l.slug', '=', slug!))
      .returning(['r.list_id', 'r.address', 'l.slug', 'l.name'])
      .executeTakeFirst();
    if (!used) return undefined;
    await leave(trx, used.list_id, used.address);
    return { slug: used.slug, name: used.name };
  });
}

/** A reply to the confirmation (`slug+confirm-<token>@`). A vacation responder's answer confirms nothing. */
export async function confirmUnsubscribeByMail(ctx: ListsContext, slug: string, token: string, raw: Buffer): Promise<boolean> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  if (isAutomaticMail(parsed)) return false;
  return Boolean(await confirmUnsubscribe(ctx.db, token, slug));
}
