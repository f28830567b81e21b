// Moderation of held messages: notices to moderators, approve / reject / discard /
// approve-and-always-allow, and expiry. A message addressed to several lists is moderated
// once: a moderator of any of its lists decides for the whole message.
import { sql } from 'kysely';
import type { Actor } from '../platform/audit.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db.ts';
import { Conflict, Forbidden, NotFound } from '../platform/errors.ts';
import type { Mailer } from '../platform/mail.ts';
import { translator, type MessageKey } from '../platform/i18n/index.ts';
import { distribute } from './outbound.ts';
import { ensureListKeys, signToken, verifyToken } from './keys.ts';
import { personByEmail, personName } from '../directory/people.ts';
import { simpleParser } from 'mailparser';
import { isAutomaticMail, provenFrom, type Resolver } from './sender.ts';

export interface ModerationContext {
  db: Db;
  domain: string;
  publicUrl: string;
  mailer: Mailer;
  wake?: () => void;
}

export type Decision = 'approve' | 'reject' | 'discard' | 'allow';

/** Tells the moderators of the lists that hold the message (through the platform outbox). */
export async function notifyModerators(trx: Queryable, ctx: Omit<ModerationContext, 'db'>, messageId: number): Promise<number> {
  const m = await trx.selectFrom('list_message').select(['subject', 'from_address', 'held_reason']).where('id', '=', messageId).executeTakeFirstOrThrow();
  const rows = await trx
    .selectFrom('list_message_target as t')
    .innerJoin('mailing_list as l', 'l.id', 't.list_id')
    .innerJoin('list_moderator as mo', 'mo.list_id', 't.list_id')
    .innerJoin('person_primary_email as e', 'e.person_id', 'mo.person_id')
    .select(['l.slug', 'l.name', 'e.email'])
    .where('t.message_id', '=', messageId)
    .orderBy('t.position')
    .execute();
  const sent = new Set<string>();
  const keys = await ensureListKeys(trx, ctx.domain);
  const token = signToken(keys.secret, 'moderate', messageId);
  const at = (slug: string, action: string) => `${slug}+${action}-${token}@${ctx.domain}`;
  // Why it waits, first: a regent must not approve a forgery of her own address as "moderated".
  const why = (lang: 'fr' | 'en') => {
    const t = translator(lang);
    if (!m.held_reason) return '';
    const reason = t('lists.held.mail.why', { reason: t(`lists.held.reason.${m.held_reason}` as MessageKey) });
    return m.held_reason === 'auth' ? `${reason}\n${t('lists.held.mail.authWarning', { from: m.from_address })}\n` : `${reason}\n`;
  };
  for (const r of rows) {
    if (sent.has(r.email)) continue;
    sent.add(r.email);
    await ctx.mailer.enqueue(trx, {
      from: `${r.name} <${r.slug}+owner@${ctx.domain}>`,
      to: [r.email],
      subject: `[${r.slug}] Message en attente / Held message: ${m.subject}`.slice(0, 300),
      headers: { 'Reply-To': at(r.slug, 'moderate'), 'Auto-Submitted': 'auto-generated' },
      // The token alone decides nothing: only mail whose From is a proven moderator does
      // (decideByReply), and the administrators who read the outbox may moderate anyway.
      sensitive: false,
      text:
        `Un message de ${m.from_address} attend votre décision (liste ${r.slug}@${ctx.domain}).\n` +
        why('fr') +
        `- Pour le diffuser : répondez à ce courriel.\n` +
        `- Pour le diffuser et accepter désormais sans modération les messages de cet expéditeur : écrivez à ${at(r.slug, 'allow')}.\n` +
        `- Pour le refuser : écrivez à ${at(r.slug, 'reject')} ; la première ligne de votre message est le motif envoyé à l'expéditeur.\n` +
        `- Pour l'ignorer sans prévenir l'expéditeur : écrivez à ${at(r.slug, 'discard')}.\n` +
        `Ou décidez sur la page : ${ctx.publicUrl}/lists/${r.slug}/held/${messageId}\n\n` +
        `A message from ${m.from_address} awaits your decision.\n` +
        why('en') +
        `- To distribute it: reply to this mail.\n` +
        `- To distribute it and accept this sender's messages without moderation from now on: write to ${at(r.slug, 'allow')}.\n` +
        `- To reject it: write to ${at(r.slug, 'reject')}; the first line of your mail is the reason sent to the sender.\n` +
        `- To discard it silently: write to ${at(r.slug, 'discard')}.\n` +
        `Or decide on the page: ${ctx.publicUrl}/lists/${r.slug}/held/${messageId}\n`,
    });
  }
  return sent.size;
}

export async function mayModerate(db: Queryable, messageId: number, personId: number | null, isAdmin: boolean): Promise<boolean> {
  if (isAdmin) return true;
  if (personId === null) return false;
  const r = await db
    .selectFrom('list_message_target as t')
    .innerJoin('list_moderator as mo', 'mo.list_id', 't.list_id')
    .select('t.list_id')
    .where('t.message_id', '=', messageId)
    .where('mo.person_id', '=', personId)
    .executeTakeFirst();
  return Boolean(r);
}

/**
 * Decides a held message. Only one decision ever lands: the update is conditional on the
 * message still being held, so two moderators clicking together distribute it once.
 */
export async function decideHeld(
  ctx: ModerationContext,
  actor: Actor,
  isAdmin: boolean,
  messageId: number,
  decision: Decision,
  reason = '',
): Promise<'accepted' | 'rejected' | 'discarded'> {
  const status = decision === 'approve' || decision === 'allow' ? 'accepted' : decision === 'reject' ? 'rejected' : 'discarded';
  const result = await ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('list_message').select(['id', 'status']).where('id', '=', messageId).executeTakeFirst();
    if (!exists) throw new NotFound('lists.error.noMessage');
    if (!(await mayModerate(trx, messageId, actor.personId, isAdmin))) throw new Forbidden('error.forbidden');
    const row = await trx
      .updateTable('list_message')
      .set({
        status,
        decided_at: new Date(),
        decided_by_person_id: actor.personId,
        decided_by_label: actor.label,
        reject_reason: decision === 'reject' ? reason.slice(0, 2000) : null,
      })
      .where('id', '=', messageId)
      .where('status', '=', 'held')
      .returning(['from_address', 'subject'])
      .executeTakeFirst();
    if (!row) throw new Conflict('lists.error.alreadyDecided');
    if (status === 'accepted') {
      if (decision === 'allow' && row.from_address) {
        await sql`insert into list_allowed_sender (list_id, address)
          select t.list_id, ${row.from_address} from list_message_target t
          where t.message_id = ${messageId}
            and (${isAdmin} or exists (select 1 from list_moderator mo where mo.list_id = t.list_id and mo.person_id = ${actor.personId ?? -1}))
          on conflict do nothing`.execute(trx);
      }
      await distribute(trx, messageId);
    }
    if (status === 'rejected' && row.from_address) {
      const list = await firstList(trx, messageId);
      await ctx.mailer.enqueue(trx, {
        from: `${list.name} <${list.slug}+owner@${ctx.domain}>`,
        to: [row.from_address],
        subject: `Message refusé / Message rejected: ${row.subject}`.slice(0, 300),
        // RFC 3834: vacation responders and other robots do not answer it.
        headers: { 'Auto-Submitted': 'auto-replied' },
        sensitive: false,
        text: `Votre message à ${list.slug}@${ctx.domain} n'a pas été diffusé.\nYour message to ${list.slug}@${ctx.domain} was not distributed.\n\n${reason}\n`,
      });
    }
    await recordEvent(trx, actor, `lists.held.${decision}`, String(messageId), reason ? { reason } : {});
    return status;
  });
  if (result === 'accepted') ctx.wake?.();
  return result;
}

async function firstList(db: Queryable, messageId: number) {
  return db
    .selectFrom('list_message_target as t')
    .innerJoin('mailing_list as l', 'l.id', 't.list_id')
    .select(['l.slug', 'l.name'])
    .where('t.message_id', '=', messageId)
    .orderBy('t.position')
    .executeTakeFirstOrThrow();
}

/** Held messages past their time are dropped, with a notice to the sender. */
export async function expireHeld(ctx: ModerationContext, now = new Date()): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const expired = await trx
      .updateTable('list_message')
      .set({ status: 'expired', decided_at: now, decided_by_label: 'expiry' })
      .where('status', '=', 'held')
      .where('expires_at', '<', now)
      .returning(['id', 'from_address', 'subject'])
      .execute();
    for (const m of expired) {
      if (!m.from_address) continue;
      const list = await firstList(trx, m.id);
      await ctx.mailer.enqueue(trx, {
        from: `${list.name} <${list.slug}+owner@${ctx.domain}>`,
        to: [m.from_address],
        subject: `Message expiré / Message expired: ${m.subject}`.slice(0, 300),
        // RFC 3834: vacation responders and other robots do not answer it.
        headers: { 'Auto-Submitted': 'auto-replied' },
        sensitive: false,
        text: `Votre message à ${list.slug}@${ctx.domain} n'a pas été examiné à temps et n'a pas été diffusé.\nYour message to ${list.slug}@${ctx.domain} was not reviewed in time and was not distributed.\n`,
      });
    }
    return expired.length;
  });
}

export async function heldMessages(db: Queryable, personId: number | null, isAdmin: boolean, listId?: number) {
  let q = db
    .selectFrom('list_message as m')
    .innerJoin('list_message_target as t', 't.message_id', 'm.id')
    .innerJoin('mailing_list as l', 'l.id', 't.list_id')
    .select(['m.id', 'm.subject', 'm.from_address', 'm.from_name', 'm.received_at', 'm.held_reason', 'm.expires_at', 'l.slug'])
    .where('m.status', '=', 'held')
    .orderBy('m.id');
  if (listId !== undefined) q = q.where('t.list_id', '=', listId);
  if (!isAdmin) q = q.where((eb) => eb.exists(eb.selectFrom('list_moderator as mo').select('mo.person_id').whereRef('mo.list_id', '=', 't.list_id').where('mo.person_id', '=', personId ?? -1)));
  return q.execute();
}

/**
 * Pure: the first line a moderator wrote in a reply — the reason of a rejection. Quoted text,
 * the "On …, X wrote:" line before it and the signature are not theirs.
 */
export function replyFirstLine(text: string): string {
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('>') || line === '--' || /(wrote|écrit|escriu|escriguèt)\s*:$/i.test(line)) return '';
    return line.slice(0, 1000);
  }
  return '';
}

/**
 * A moderator wrote to an address of a held-message notice: `slug+moderate-<token>@` (the
 * Reply-To) approves, `slug+allow-<token>@` approves and always accepts the sender,
 * `slug+reject-<token>@` rejects with the first line as the reason,
 * `slug+discard-<token>@` discards. Only from a moderator of one of the message's lists whose
 * From is proven (DMARC, or aligned SPF/DKIM without a DMARC record); anything else changes nothing.
 */
export async function decideByReply(
  ctx: ModerationContext & { resolver?: Resolver | undefined },
  token: string,
  action: 'approve' | 'allow' | 'reject' | 'discard',
  raw: Buffer,
  session: { envelopeFrom: string; ip?: string; helo?: string },
): Promise<boolean> {
  const keys = await ensureListKeys(ctx.db, ctx.domain);
  const id = verifyToken(keys.secret, 'moderate', token);
  if (id === undefined) return false;
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
  // A moderator's vacation responder must not approve anything (RFC 3834 and common markers).
  if (isAutomaticMail(parsed)) return false;
  const from = parsed.from?.value[0]?.address?.toLowerCase();
  if (!from) return false;
  if (!(await provenFrom(ctx, raw, from, session))) return false;
  const personId = await personByEmail(ctx.db, from);
  if (personId === undefined) return false;
  const label = (await personName(ctx.db, personId))!;
  const reason = action === 'reject' ? replyFirstLine(parsed.text ?? '') : '';
  try {
    await decideHeld(ctx, { personId, label: `${label.firstName} ${label.lastName} (mail)` }, false, id, action, reason);
    return true;
  } catch {
    return false; // already decided, or not a moderator: nothing to do
  }
}
