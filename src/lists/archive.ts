// Archives: a list's accepted messages, by conversation, searchable in French (PostgreSQL
// full-text search), with addresses masked. Private to members unless the list is public.
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import type { Queryable } from '../platform/db.ts';

/** Pure: "joana.testaire@example.org" → "j…@…" so archives never publish an address. */
export function maskAddresses(text: string): string {
  return text.replace(/([A-Za-z0-9])[A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g, '$1…@…');
}

export async function canReadArchive(db: Queryable, listId: number, viewer: { personId: number; isAdmin: boolean } | null): Promise<boolean> {
  const list = await db.selectFrom('mailing_list').select('archive_public').where('id', '=', listId).executeTakeFirst();
  if (!list) return false;
  if (list.archive_public) return true;
  if (!viewer) return false;
  if (viewer.isAdmin) return true;
  const r = await db
    .selectFrom('list_membership as m')
    .select('m.address')
    .where('m.list_id', '=', listId)
    .where((eb) => eb.or([eb('m.person_id', '=', viewer.personId), eb.exists(eb.selectFrom('dir_address as pe').select('pe.email').whereRef('pe.email', '=', 'm.address').where('pe.person_id', '=', viewer.personId))]))
    .executeTakeFirst();
  if (r) return true;
  const mod = await db.selectFrom('list_moderator').select('person_id').where('list_id', '=', listId).where('person_id', '=', viewer.personId).executeTakeFirst();
  return Boolean(mod);
}

export interface ThreadRow {
  threadId: number;
  subject: string;
  messages: number;
  lastAt: Date;
}

/** Conversations of the list, latest first; with a query, those with a matching message. */
export async function archiveThreads(db: Queryable, listId: number, query = ''): Promise<ThreadRow[]> {
  const q = query.trim().slice(0, 200);
  const r = await sql<{ thread_id: number; subject: string; messages: number; last_at: Date }>`
    select coalesce(m.thread_id, m.id) as thread_id,
           (array_agg(m.subject order by m.id))[1] as subject,
           count(*)::int as messages,
           max(m.received_at) as last_at
    from list_message m
    join list_message_target t on t.message_id = m.id and t.list_id = ${listId}
    where m.status = 'accepted'
    group by coalesce(m.thread_id, m.id)
    having ${q === ''} or bool_or(to_tsvector('french', m.subject || ' ' || m.body_text) @@ websearch_to_tsquery('french', ${q}))
    order by max(m.received_at) desc, 1 desc
    limit 200`.execute(db);
  return r.rows.map((x) => ({ threadId: Number(x.thread_id), subject: x.subject, messages: Number(x.messages), lastAt: x.last_at }));
}

export interface ArchivedMessage {
  id: number;
  subject: string;
  fromName: string;
  receivedAt: Date;
  text: string;
  attachments: Array<{ index: number; filename: string; contentType: string; size: number }>;
}

/** The messages of one conversation, oldest first, with addresses masked. */
export async function archiveThread(db: Queryable, listId: number, threadId: number): Promise<ArchivedMessage[]> {
  const rows = await db
    .selectFrom('list_message as m')
    .innerJoin('list_message_target as t', 't.message_id', 'm.id')
    .select(['m.id', 'm.raw', 'm.subject', 'm.from_name', 'm.from_address', 'm.received_at'])
    .where('t.list_id', '=', listId)
    .where('m.status', '=', 'accepted')
    .where((eb) => eb.or([eb('m.id', '=', threadId), eb('m.thread_id', '=', threadId)]))
    .orderBy('m.id')
    .execute();
  const out: ArchivedMessage[] = [];
  for (const r of rows) {
    const parsed = await simpleParser(Buffer.from(r.raw), { skipHtmlToText: false });
    out.push({
      id: r.id,
      subject: r.subject,
      fromName: r.from_name || maskAddresses(r.from_address),
      receivedAt: r.received_at,
      text: maskAddresses(parsed.text ?? ''),
      attachments: parsed.attachments.map((a, index) => ({ index, filename: a.filename ?? `piece-${index + 1}`, contentType: a.contentType, size: a.size })),
    });
  }
  return out;
}

export async function archiveAttachment(db: Queryable, listId: number, messageId: number, index: number) {
  const r = await db
    .selectFrom('list_message as m')
    .innerJoin('list_message_target as t', 't.message_id', 'm.id')
    .select('m.raw')
    .where('t.list_id', '=', listId)
    .where('m.id', '=', messageId)
    .where('m.status', '=', 'accepted')
    .executeTakeFirst();
  if (!r) return undefined;
  const parsed = await simpleParser(Buffer.from(r.raw));
  const a = parsed.attachments[index];
  return a ? { filename: a.filename ?? `piece-${index + 1}`, contentType: a.contentType, content: a.content } : undefined;
}
