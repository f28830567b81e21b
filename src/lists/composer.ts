// Writing to lists in the browser. A signed-in person chooses lists, writes a subject and a text,
// attaches files, sees what the families will receive, and sends. The message is a real
// RFC 5322 message handed to the same receiving function as mail at the SMTP door
// (receiveMessage), so posting rules, moderation, archives, one copy per address, DKIM and
// bounces are those of mail. Only the proof of the sender differs: the web session proves it.
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { sql } from 'kysely';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Actor } from '../platform/audit.ts';
import { recordEvent } from '../platform/audit.ts';
import { inTransaction, type Queryable } from '../platform/db.ts';
import { Conflict, Forbidden, InvalidInput, isUniqueViolation, NotFound } from '../platform/errors.ts';
import { personName, primaryEmail } from '../directory/people.ts';
import { postingDecision, receiveMessage, type ListsContext, type PostingDecision } from './inbound.ts';
import type { Resolver } from './sender.ts';
import type { ListPolicy } from './tables.ts';

/** Attachments of one message, in total: a 10 MB list (the default) still takes it once encoded (base64 adds a third). */
export const MAX_ATTACHMENT_BYTES = 7 * 1024 * 1024;
export const MAX_ATTACHMENTS = 10;
export const MAX_SUBJECT = 300;
export const MAX_BODY = 100_000;
/** Drafts never sent are forgotten after this many days (they may hold files about children). */
export const DRAFT_DAYS = 7;

export interface ComposableList {
  id: number;
  slug: string;
  name: string;
  policy: ListPolicy;
  subjectPrefix: string;
  footer: string;
  maxBytes: number;
  holdDays: number;
  /** What the posting rules decide for this person's message, its sender proven. */
  decision: PostingDecision;
}

export interface Composer {
  personId: number;
  name: string;
  address: string;
  /** Every list, those the person may post to without moderation first. */
  lists: ComposableList[];
}

/**
 * Who writes and where. The same rules as mail (postingDecision) with a proven sender: a
 * person may open the composer when at least one list takes their message without moderation;
 * every other list is offered too (anyone may write to a list address), marked with what its
 * moderators will be asked, as a regent writing to a colleague's class for a joint outing.
 */
export async function composerFor(db: Queryable, personId: number): Promise<Composer | undefined> {
  const address = await primaryEmail(db, personId);
  const who = await personName(db, personId);
  if (!address || !who) return undefined;
  const rows = await db
    .selectFrom('mailing_list as l')
    .select(['l.id', 'l.slug', 'l.name', 'l.policy', 'l.subject_prefix', 'l.footer', 'l.max_bytes', 'l.hold_days'])
    .select((eb) => [
      eb.exists(eb.selectFrom('list_moderator as mo').select('mo.person_id').whereRef('mo.list_id', '=', 'l.id').where('mo.person_id', '=', personId)).as('moderator'),
      eb.exists(eb.selectFrom('list_membership as m').select('m.address').whereRef('m.list_id', '=', 'l.id').where('m.address', '=', address)).as('member'),
      eb.exists(eb.selectFrom('list_allowed_sender as a').select('a.address').whereRef('a.list_id', '=', 'l.id').where('a.address', '=', address)).as('allowed'),
    ])
    .orderBy('l.name')
    .execute();
  const lists = rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    policy: r.policy,
    subjectPrefix: r.subject_prefix,
    footer: r.footer,
    maxBytes: r.max_bytes,
    holdDays: r.hold_days,
    decision: postingDecision(r.policy, { isModerator: Boolean(r.moderator), isMember: Boolean(r.member), isAllowed: Boolean(r.allowed), authFailed: false }),
  }));
  if (!lists.some((l) => !l.decision.hold)) return undefined;
  lists.sort((a, b) => Number(a.decision.hold) - Number(b.decision.hold));
  return { personId, name: `${who.firstName} ${who.lastName}`.trim(), address, lists };
}

/** A new form's key: the draft it saves and the one message it may become. */
export function newDraftKey(): string {
  return randomBytes(16).toString('base64url');
}

export const DRAFT_KEY = /^[A-Za-z0-9_-]{16,64}$/;

export interface NewAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface DraftInput {
  key: string;
  listIds: number[];
  subject: string;
  body: string;
  /** Positions of the draft's stored attachments to keep (an edit after the preview). */
  keep: number[];
  files: NewAttachment[];
}

/** Pure: a file name as it may go in a header and on a disk (no path, no control characters). */
export function cleanFilename(name: string): string {
  const base = name.replace(/^.*[\\/]/, '').replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return (base || 'piece-jointe').slice(0, 200);
}

/** Pure: a subject on one line. */
export function cleanSubject(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Boundary: what the form says, checked against what the person may choose. */
export function checkDraft(composer: Composer, d: DraftInput, storedBytes: number): DraftInput {
  if (!DRAFT_KEY.test(d.key)) throw new InvalidInput('lists.compose.error.form');
  const offered = new Set(composer.lists.map((l) => l.id));
  const listIds = [...new Set(d.listIds)].filter((id) => offered.has(id));
  if (listIds.length === 0) throw new InvalidInput('lists.compose.error.noList');
  const subject = cleanSubject(d.subject);
  if (!subject) throw new InvalidInput('lists.compose.error.subject');
  if (subject.length > MAX_SUBJECT) throw new InvalidInput('lists.compose.error.subjectLong', { max: MAX_SUBJECT });
  const body = d.body.replace(/\r\n?/g, '\n').replace(/\u0000/g, '');
  if (!body.trim()) throw new InvalidInput('lists.compose.error.body');
  if (body.length > MAX_BODY) throw new InvalidInput('lists.compose.error.bodyLong', { max: MAX_BODY });
  if (d.keep.length + d.files.length > MAX_ATTACHMENTS) throw new InvalidInput('lists.compose.error.tooManyFiles', { max: MAX_ATTACHMENTS });
  const total = storedBytes + d.files.reduce((n, f) => n + f.content.length, 0);
  if (total > MAX_ATTACHMENT_BYTES) {
    throw new InvalidInput('lists.compose.error.tooLarge', { size: megabytes(total), max: megabytes(MAX_ATTACHMENT_BYTES) });
  }
  // Said now rather than at "Send": a list whose owner set a smaller size than the default.
  const big = tooBigFor(composer.lists.filter((l) => listIds.includes(l.id)), encodedSize(total, body));
  if (big) throw new InvalidInput('lists.compose.error.tooBigForList', { list: big.name, max: megabytes(big.maxBytes) });
  return { ...d, listIds, subject, body, files: d.files.map((f) => ({ ...f, filename: cleanFilename(f.filename) })) };
}

/** Pure: a generous estimate of the message's size (base64 files with their line breaks, quoted-printable text, headers). */
export function encodedSize(attachmentBytes: number, body: string): number {
  return Math.ceil((attachmentBytes * 4) / 3) * (78 / 76) + Buffer.byteLength(body) * 3 + 8192;
}

/** Pure: megabytes to one decimal, rounded up (a tiny file shows 0.1, never 0), written as the language writes numbers. */
export function megabytes(bytes: number, lang = 'fr'): string {
  return (Math.ceil((bytes / 1048576) * 10) / 10).toLocaleString(lang === 'en' ? 'en-GB' : 'fr-FR');
}

export async function draftOf(db: Queryable, key: string, personId: number) {
  if (!DRAFT_KEY.test(key)) throw new NotFound('lists.compose.error.noDraft');
  const d = await db.selectFrom('list_draft').selectAll().where('key', '=', key).executeTakeFirst();
  if (!d) throw new NotFound('lists.compose.error.noDraft');
  if (d.author_person_id !== personId) throw new Forbidden('error.forbidden');
  const attachments = await db
    .selectFrom('list_draft_attachment')
    .select(['position', 'filename', 'content_type', sql<number>`length(content)`.as('size')])
    .where('draft_id', '=', d.id)
    .orderBy('position')
    .execute();
  return { ...d, list_ids: d.list_ids.map(Number), attachments: attachments.map((a) => ({ ...a, size: Number(a.size) })) };
}

export type Draft = Awaited<ReturnType<typeof draftOf>>;

/** The bytes of the draft's stored attachments that the form keeps. */
export async function keptBytes(db: Queryable, key: string, personId: number, keep: number[]): Promise<number> {
  const d = await db.selectFrom('list_draft').select(['id', 'author_person_id']).where('key', '=', key).executeTakeFirst();
  if (!d || d.author_person_id !== personId || keep.length === 0) return 0;
  const r = await db
    .selectFrom('list_draft_attachment')
    .select(sql<number>`coalesce(sum(length(content)), 0)`.as('n'))
    .where('draft_id', '=', d.id)
    .where('position', 'in', keep)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Saves the form as the draft of its key (a second click, or an edit after the preview,
 * updates the same draft). A draft already sent is not changed: Conflict.
 */
export async function saveDraft(db: Queryable, actor: Actor & { personId: number }, d: DraftInput): Promise<void> {
  await inTransaction(db, async (trx) => {
    await forgetOldDrafts(trx);
    const row = await trx
      .insertInto('list_draft')
      .values({ key: d.key, author_person_id: actor.personId, list_ids: d.listIds, subject: d.subject, body: d.body })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ list_ids: d.listIds, subject: d.subject, body: d.body, updated_at: new Date() })
          .where('list_draft.author_person_id', '=', actor.personId)
          .where('list_draft.sent_at', 'is', null),
      )
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      const other = await trx.selectFrom('list_draft').select(['author_person_id']).where('key', '=', d.key).executeTakeFirstOrThrow();
      if (other.author_person_id !== actor.personId) throw new Forbidden('error.forbidden');
      throw new Conflict('lists.compose.error.alreadySent');
    }
    // Row-locked by the upsert until commit: two clicks at once do not mix their files.
    await trx.deleteFrom('list_draft_attachment').where('draft_id', '=', row.id).where('position', 'not in', d.keep.length ? d.keep : [-1]).execute();
    const last = await trx.selectFrom('list_draft_attachment').select(sql<number>`coalesce(max(position), -1)`.as('p')).where('draft_id', '=', row.id).executeTakeFirstOrThrow();
    let position = Number(last.p);
    for (const f of d.files) {
      position += 1;
      await trx
        .insertInto('list_draft_attachment')
        .values({ draft_id: row.id, position, filename: f.filename, content_type: f.contentType.slice(0, 200) || 'application/octet-stream', content: f.content })
        .execute();
    }
  });
}

/** Unsent drafts go after DRAFT_DAYS; sent ones keep only their outcome that long too. */
export async function forgetOldDrafts(db: Queryable): Promise<void> {
  await db.deleteFrom('list_draft').where('updated_at', '<', new Date(Date.now() - DRAFT_DAYS * 86_400_000)).execute();
}

/** The lists of a draft as they are now (a list deleted since is gone), in the order chosen. */
export function chosenLists(composer: Composer, draft: { list_ids: number[] }): ComposableList[] {
  return draft.list_ids.map((id) => composer.lists.find((l) => l.id === id)).filter((l) => l !== undefined);
}

/** Pure: held if any chosen list holds it (the pipeline's rule: the message is moderated once, for all). */
export function overallDecision(lists: ComposableList[]): { hold: false } | { hold: true; by: ComposableList[] } {
  const by = lists.filter((l) => l.decision.hold);
  return by.length ? { hold: true, by } : { hold: false };
}

export interface Reach {
  /** Addresses that receive the message by mail, each once whatever the number of chosen lists. */
  copies: number;
  /** Addresses that get it in their daily digest instead. */
  digest: number;
}

/** Who the chosen lists reach now: the count distribute() will queue, one per address. */
export async function reachOf(db: Queryable, listIds: number[]): Promise<Reach> {
  if (listIds.length === 0) return { copies: 0, digest: 0 };
  const r = await db
    .selectFrom('list_membership as m')
    .leftJoin('list_member_state as s', (j) => j.onRef('s.list_id', '=', 'm.list_id').onRef('s.address', '=', 'm.address'))
    .select([
      sql<number>`count(distinct m.address) filter (where coalesce(s.delivery, 'each') = 'each' and s.disabled_at is null)`.as('copies'),
      sql<number>`count(distinct m.address) filter (where s.delivery = 'digest' and s.disabled_at is null)`.as('digest'),
    ])
    .where('m.list_id', 'in', listIds)
    .executeTakeFirstOrThrow();
  return { copies: Number(r.copies), digest: Number(r.digest) };
}

export function composedMessageId(key: string, domain: string): string {
  return `<compose-${key}@${domain}>`;
}

/** The message as it leaves the browser: one Message-ID for all the chosen lists. */
export async function buildMessage(db: Queryable, composer: Composer, draft: Draft, lists: ComposableList[], domain: string): Promise<Buffer> {
  const files = await db
    .selectFrom('list_draft_attachment')
    .select(['filename', 'content_type', 'content'])
    .where('draft_id', '=', draft.id)
    .orderBy('position')
    .execute();
  return new MailComposer({
    from: { name: composer.name, address: composer.address },
    to: lists.map((l) => ({ name: l.name, address: `${l.slug}@${domain}` })),
    subject: draft.subject,
    text: draft.body,
    messageId: composedMessageId(draft.key, domain),
    date: new Date(),
    textEncoding: 'quoted-printable',
    attachments: files.map((f) => ({ filename: f.filename, contentType: f.content_type, content: Buffer.from(f.content) })),
  })
    .compile()
    .build();
}

/** The first chosen list a message of this size is too big for, if any (the SMTP door's 552). */
export function tooBigFor(lists: ComposableList[], size: number): ComposableList | undefined {
  return lists.find((l) => size > l.maxBytes);
}

/**
 * The address the composer presents its message from, for the sender checks of this one
 * submission. receiveMessage proves a From only by the DNS (SPF, DKIM, DMARC); here the web
 * session has proven it, so for this call alone the SPF question about the author's own domain
 * is answered "this client may send" (an address of the documentation range, RFC 5737, that no
 * real client has). Everything else — the domain's real DMARC policy, which decides whether
 * the copies' From is rewritten — is asked of the real DNS.
 */
const SUBMISSION_IP = '192.0.2.1';

export function sessionResolver(base: Resolver | undefined, authorDomain: string): Resolver {
  const real: Resolver = base ?? ((name, rrtype) => dns.resolve(name, rrtype as 'TXT') as Promise<string[][]>);
  const domain = authorDomain.toLowerCase();
  return async (name, rrtype) => {
    if (rrtype === 'TXT' && name.toLowerCase().replace(/\.$/, '') === domain) return [[`v=spf1 ip4:${SUBMISSION_IP} -all`]];
    return real(name, rrtype);
  };
}

export type SendResult = { outcome: 'accepted' | 'held'; messageId: number; again: boolean };

/**
 * Sends a draft once. The checks of the preview run again (lists, rights, size); then the
 * message goes through receiveMessage as the signed-in author. A second click, or two at once,
 * finds the message already stored (its Message-ID is unique among composed messages) and
 * answers with it.
 */
export async function sendDraft(ctx: ListsContext, actor: Actor & { personId: number }, key: string): Promise<SendResult> {
  const composer = await composerFor(ctx.db, actor.personId);
  if (!composer) throw new Forbidden('error.forbidden');
  const draft = await draftOf(ctx.db, key, actor.personId);
  const messageId = composedMessageId(draft.key, ctx.domain);
  const already = await storedAs(ctx, messageId);
  if (already) return finish(ctx, draft.id, already, true);
  const lists = chosenLists(composer, draft);
  if (lists.length !== draft.list_ids.length) throw new Conflict('lists.compose.error.listsChanged');
  const raw = await buildMessage(ctx.db, composer, draft, lists, ctx.domain);
  const big = tooBigFor(lists, raw.length);
  if (big) throw new InvalidInput('lists.compose.error.tooBigForList', { list: big.name, max: megabytes(big.maxBytes) });
  const authorDomain = composer.address.split('@')[1] ?? '';
  const submission: ListsContext = {
    db: ctx.db,
    domain: ctx.domain,
    publicUrl: ctx.publicUrl,
    mailer: ctx.mailer,
    resolver: sessionResolver(ctx.resolver, authorDomain),
    ...(ctx.wake ? { wake: ctx.wake } : {}),
  };
  try {
    const r = await receiveMessage(submission, { envelopeFrom: composer.address, slugs: lists.map((l) => l.slug), raw, ip: SUBMISSION_IP, helo: ctx.domain });
    if (r.outcome !== 'dropped') {
      await recordEvent(ctx.db, actor, 'lists.compose.send', String(r.messageId), { lists: lists.map((l) => l.slug), outcome: r.outcome });
      return finish(ctx, draft.id, { id: r.messageId, status: r.outcome }, false);
    }
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  // Stored by the other click meanwhile (or dropped as already seen by its lists).
  const stored = await storedAs(ctx, messageId);
  if (!stored) throw new Conflict('lists.compose.error.notSent');
  return finish(ctx, draft.id, stored, true);
}

async function storedAs(ctx: ListsContext, messageId: string) {
  return ctx.db.selectFrom('list_message').select(['id', 'status']).where('message_id', '=', messageId).executeTakeFirst();
}

async function finish(ctx: ListsContext, draftId: number, m: { id: number; status: string }, again: boolean): Promise<SendResult> {
  // The files now live in the stored message; the draft keeps only its outcome.
  await inTransaction(ctx.db, async (trx) => {
    await trx.updateTable('list_draft').set({ sent_at: new Date(), sent_message_id: m.id }).where('id', '=', draftId).where('sent_at', 'is', null).execute();
    await trx.deleteFrom('list_draft_attachment').where('draft_id', '=', draftId).execute();
  });
  return { outcome: m.status === 'held' ? 'held' : 'accepted', messageId: m.id, again };
}

export interface HeldRow {
  id: number;
  subject: string;
  from: string;
  reason: string | null;
  expiresAt: Date | null;
  /** The lists it was sent to, in order; `moderated` are those the viewer moderates. */
  lists: Array<{ slug: string; name: string; moderated: boolean }>;
}

/**
 * For the home page: the held messages a person may decide (on lists they moderate; all for an
 * administrator) and those they wrote themselves that wait, each with its reason.
 */
export async function heldForPerson(db: Queryable, personId: number, isAdmin: boolean): Promise<{ toDecide: HeldRow[]; mine: HeldRow[] }> {
  const rows = await db
    .selectFrom('list_message as m')
    .innerJoin('list_message_target as t', 't.message_id', 'm.id')
    .innerJoin('mailing_list as l', 'l.id', 't.list_id')
    .select(['m.id', 'm.subject', 'm.from_address', 'm.from_name', 'm.held_reason', 'm.expires_at', 'l.slug', 'l.name'])
    .select((eb) => [
      eb.exists(eb.selectFrom('list_moderator as mo').select('mo.person_id').whereRef('mo.list_id', '=', 't.list_id').where('mo.person_id', '=', personId)).as('moderated'),
      eb.exists(eb.selectFrom('person_email as pe').select('pe.person_id').whereRef('pe.email', '=', 'm.from_address').where('pe.person_id', '=', personId)).as('mine'),
    ])
    .where('m.status', '=', 'held')
    .orderBy('m.id')
    .orderBy('t.position')
    .execute();
  const byId = new Map<number, HeldRow & { mine: boolean }>();
  for (const r of rows) {
    let h = byId.get(r.id);
    if (!h) {
      h = { id: r.id, subject: r.subject, from: r.from_name || r.from_address, reason: r.held_reason, expiresAt: r.expires_at, lists: [], mine: Boolean(r.mine) };
      byId.set(r.id, h);
    }
    h.lists.push({ slug: r.slug, name: r.name, moderated: Boolean(r.moderated) || isAdmin });
  }
  const all = [...byId.values()];
  return {
    // One's own message is not offered for one's own decision (a regent who wrote to a colleague's
    // class as well as her own could otherwise approve it for both): it is under "mine".
    toDecide: all.filter((h) => !h.mine && h.lists.some((l) => l.moderated)).map(({ mine: _, ...h }) => h),
    mine: all.filter((h) => h.mine).map(({ mine: _, ...h }) => h),
  };
}

/** A held message as its author sees it (one that claims one of their addresses), if still held. */
export async function ownHeld(db: Queryable, personId: number, messageId: number) {
  const m = await db
    .selectFrom('list_message as m')
    .select(['m.id', 'm.subject', 'm.body_text', 'm.held_reason', 'm.expires_at', 'm.status'])
    .where('m.id', '=', messageId)
    .where((eb) => eb.exists(eb.selectFrom('person_email as pe').select('pe.person_id').whereRef('pe.email', '=', 'm.from_address').where('pe.person_id', '=', personId)))
    .executeTakeFirst();
  if (!m) throw new NotFound('lists.error.noMessage');
  return m;
}

/**
 * The author takes back a message that still waits (a mistake, a date changed). It is then
 * discarded as a moderator would, conditionally on being still held: if a moderator decided
 * first, that decision stands (Conflict). A message that only claims the person's address (a
 * forgery held as unproven) may be withdrawn by them too.
 */
export async function withdrawHeld(db: Queryable, actor: Actor & { personId: number }, messageId: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    await ownHeld(trx, actor.personId, messageId);
    const row = await trx
      .updateTable('list_message')
      .set({ status: 'discarded', decided_at: new Date(), decided_by_person_id: actor.personId, decided_by_label: `${actor.label} (author)` })
      .where('id', '=', messageId)
      .where('status', '=', 'held')
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new Conflict('lists.error.alreadyDecided');
    await recordEvent(trx, actor, 'lists.held.withdraw', String(messageId), {});
  });
}
