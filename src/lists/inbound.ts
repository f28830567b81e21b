// Mail in: a message handed over by SMTP/LMTP becomes a stored list_message (held or
// accepted) in one transaction, before the listener answers 250.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Db, Queryable } from '../platform/db.ts';
import type { Mailer } from '../platform/mail.ts';
import { distribute } from './outbound.ts';
import { carriesListId, listIdOf, splitMessage } from './rewrite.ts';
import type { ListPolicy } from './tables.ts';
import { notifyModerators } from './moderation.ts';
import { checkSender, fromIsAuthenticated, type Resolver } from './sender.ts';
import { personByEmail } from '../directory/people.ts';

export interface ListsContext {
  db: Db;
  domain: string;
  publicUrl: string;
  resolver?: Resolver | undefined;
  mailer: Mailer;
  /** Called after new copies were queued (wakes the delivery worker). */
  wake?: () => void;
}

export type ListAddress =
  | { slug: string; kind: 'post' }
  | { slug: string; kind: 'bounce'; token: string }
  | { slug: string; kind: 'unsubscribe' }
  | { slug: string; kind: 'confirm'; token: string }
  | { slug: string; kind: 'owner' }
  | { slug: string; kind: 'moderate'; token: string; action: 'approve' | 'allow' | 'reject' | 'discard' };

/** `slug@domain`, `slug+bounce-<token>@domain` (VERP), `slug+unsubscribe@domain`, `slug+confirm-<token>@domain`. */
export function parseListAddress(address: string, domain: string): ListAddress | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  const local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  if (plus < 0) return { slug: local, kind: 'post' };
  const slug = local.slice(0, plus);
  const ext = local.slice(plus + 1);
  if (ext === 'unsubscribe') return { slug, kind: 'unsubscribe' };
  if (ext === 'owner') return { slug, kind: 'owner' };
  // A held-message notice names four addresses: reply (approve), allow (approve and always
  // accept this sender), reject, discard.
  for (const [prefix, action] of [['moderate-', 'approve'], ['allow-', 'allow'], ['reject-', 'reject'], ['discard-', 'discard']] as const) {
    if (ext.startsWith(prefix)) return { slug, kind: 'moderate', token: address.slice(at - ext.length + prefix.length, at), action };
  }
  // The reply address of an unsubscribe confirmation (see unsubscribe.ts).
  if (ext.startsWith('confirm-')) return { slug, kind: 'confirm', token: address.slice(at - ext.length + 'confirm-'.length, at) };
  if (ext.startsWith('bounce-')) return { slug, kind: 'bounce', token: address.slice(at - ext.length + 'bounce-'.length, at) };
  return undefined;
}

export interface PosterStanding {
  isModerator: boolean;
  isMember: boolean;
  isAllowed: boolean;
  /** The From address is not proven (DMARC fail, or no aligned SPF/DKIM pass): it grants no right to post. */
  authFailed: boolean;
}

export type PostingDecision = { hold: false } | { hold: true; reason: 'moderated' | 'not_allowed' | 'non_member' | 'auth' };

/** Who may post without moderation, per list policy. */
export function postingDecision(policy: ListPolicy, s: PosterStanding): PostingDecision {
  if (s.authFailed) return { hold: true, reason: 'auth' };
  if (s.isModerator) return { hold: false };
  switch (policy) {
    case 'moderated':
      return { hold: true, reason: 'moderated' };
    case 'announce':
      return s.isAllowed ? { hold: false } : { hold: true, reason: 'not_allowed' };
    case 'discussion':
      return s.isMember || s.isAllowed ? { hold: false } : { hold: true, reason: 'non_member' };
  }
}

export class SmtpRefusal extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Received {
  envelopeFrom: string;
  /** Slugs of the lists addressed (post addresses only), in recipient order. */
  slugs: string[];
  raw: Buffer;
  ip?: string;
  helo?: string;
}

export type ReceiveResult = { outcome: 'accepted' | 'held'; messageId: number } | { outcome: 'dropped' };

/**
 * Mail in, as a chain of named checks (Mailman's rules → chain): refuse a loop, keep the lists
 * that have not seen this message, decide whether the sender may post, find the thread, store.
 */
export async function receiveMessage(ctx: ListsContext, m: Received): Promise<ReceiveResult> {
  const parsed = await simpleParser(m.raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const from = parsed.from?.value[0];
  const fromAddress = (from?.address ?? '').toLowerCase();
  await refuseLoop(ctx, fromAddress);
  const targets = await listsNotYetReached(ctx, m);
  if (targets.length === 0) return { outcome: 'dropped' };
  const auth = await checkSender(m.raw, { ip: m.ip, helo: m.helo, sender: m.envelopeFrom, resolver: ctx.resolver, mta: ctx.domain });
  const held = await postingCheck(ctx.db, targets, fromAddress, fromIsAuthenticated(auth, fromAddress, m.envelopeFrom));
  const parent = await threadParent(ctx.db, parsed, targets);
  // A message held for several lists waits as long as the shortest of their waits.
  const holdDays = Math.min(...targets.map((l) => l.hold_days));
  const id = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('list_message')
      .values({
        envelope_from: m.envelopeFrom.toLowerCase(),
        from_address: fromAddress,
        from_name: from?.name ?? '',
        subject: (parsed.subject ?? '').slice(0, 1000),
        message_id: (parsed.messageId ?? '').slice(0, 500),
        raw: m.raw,
        size: m.raw.length,
        auth: JSON.stringify(auth),
        status: held.hold ? 'held' : 'accepted',
        held_reason: held.hold ? held.reason : null,
        decided_at: held.hold ? null : new Date(),
        decided_by_label: held.hold ? null : 'policy',
        expires_at: held.hold ? new Date(Date.now() + holdDays * 86_400_000) : null,
        body_text: (parsed.text ?? '').slice(0, 200_000),
        in_reply_to: (parsed.inReplyTo ?? '').slice(0, 500),
        thread_id: parent ? (parent.thread_id ?? parent.id) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('list_message_target')
      .values(targets.map((l, position) => ({ message_id: row.id, list_id: l.id, position })))
      .execute();
    if (!held.hold) await distribute(trx, row.id);
    else await notifyModerators(trx, ctx, row.id);
    return row.id;
  });
  if (!held.hold) ctx.wake?.();
  return { outcome: held.hold ? 'held' : 'accepted', messageId: id };
}

/** A copy of our own list coming back (through an auto-forward) would circulate forever. */
async function refuseLoop(ctx: ListsContext, fromAddress: string): Promise<void> {
  const fromList = parseListAddress(fromAddress, ctx.domain);
  if (fromList && (await listExists(ctx.db, fromList.slug))) {
    throw new SmtpRefusal(550, '5.7.1 Mail from a list address to a list is refused (loop)');
  }
}

/** The addressed lists, in recipient order, less those whose List-Id the message already carries. */
async function listsNotYetReached(ctx: ListsContext, m: Received) {
  const lists = await ctx.db.selectFrom('mailing_list').selectAll().where('slug', 'in', m.slugs.length ? m.slugs : ['']).execute();
  const { headers } = splitMessage(m.raw);
  return m.slugs
    .map((s) => lists.find((l) => l.slug === s))
    .filter((l) => l !== undefined)
    .filter((l) => !carriesListId(headers, listIdOf(l.slug, ctx.domain)));
}

/** Held if any target list would hold it; a From that is not proven grants no right (anyone can write a regent's address). */
async function postingCheck(db: Db, targets: Array<{ id: number; policy: ListPolicy }>, fromAddress: string, proven: boolean): Promise<PostingDecision> {
  const personId = fromAddress ? await personByEmail(db, fromAddress) : undefined;
  let held: PostingDecision = { hold: false };
  for (const l of targets) {
    const [mod, member, allowed] = await Promise.all([
      personId !== undefined ? db.selectFrom('list_moderator').select('person_id').where('list_id', '=', l.id).where('person_id', '=', personId).executeTakeFirst() : undefined,
      db.selectFrom('list_membership').select('address').where('list_id', '=', l.id).where('address', '=', fromAddress).executeTakeFirst(),
      db.selectFrom('list_allowed_sender').select('address').where('list_id', '=', l.id).where('address', '=', fromAddress).executeTakeFirst(),
    ]);
    const d = postingDecision(l.policy, { isModerator: Boolean(mod), isMember: Boolean(member), isAllowed: Boolean(allowed), authFailed: !proven });
    if (d.hold && !held.hold) held = d;
  }
  return held;
}

/** A reply joins the conversation of the message it answers, on the same lists. */
async function threadParent(db: Db, parsed: ParsedMail, targets: Array<{ id: number }>) {
  const refs = [parsed.inReplyTo ?? '', ...[parsed.references ?? []].flat()].filter((r) => r);
  if (!refs.length) return undefined;
  return db
    .selectFrom('list_message as pm')
    .innerJoin('list_message_target as pt', 'pt.message_id', 'pm.id')
    .select(['pm.id', 'pm.thread_id'])
    .where('pm.message_id', 'in', refs)
    .where('pt.list_id', 'in', targets.map((l) => l.id))
    .orderBy('pm.id', 'desc')
    .executeTakeFirst();
}

export async function listExists(db: Queryable, slug: string): Promise<{ id: number; max_bytes: number } | undefined> {
  return db.selectFrom('mailing_list').select(['id', 'max_bytes']).where('slug', '=', slug).executeTakeFirst();
}
