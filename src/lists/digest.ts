// Daily digests for members who chose them: one plain-text mail per list and day with the
// messages accepted since the previous digest (RFC 1153 spirit), through the platform outbox.
import type { Db } from '../platform/db.ts';
import type { Mailer } from '../platform/mail.ts';
import { maskAddresses } from './archive.ts';
import { listIdOf } from './rewrite.ts';

export interface DigestEntry {
  subject: string;
  author: string;
  at: Date;
  text: string;
}

/** Pure: the body of a digest. */
export function digestText(listName: string, entries: DigestEntry[]): string {
  const parts = [`${listName} — ${entries.length} message(s)`, ''];
  entries.forEach((e, i) => parts.push(`${i + 1}. ${e.subject} (${e.author})`));
  for (const e of entries) {
    parts.push('', '------------------------------------------------------------', `${e.subject}`, `${e.author} — ${e.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`, '', maskAddresses(e.text.trim()).slice(0, 20000));
  }
  return parts.join('\n') + '\n';
}

/** Sends the digests that are due (a list's last digest is a day old); returns how many mails. */
export async function sendDigests(ctx: { db: Db; domain: string; publicUrl: string; mailer: Mailer }, now = new Date()): Promise<number> {
  const dayAgo = new Date(now.getTime() - 86_400_000 + 60_000);
  const lists = await ctx.db
    .selectFrom('mailing_list as l')
    .select(['l.id', 'l.slug', 'l.name', 'l.digest_sent_at', 'l.created_at'])
    .where((eb) => eb.or([eb('l.digest_sent_at', 'is', null), eb('l.digest_sent_at', '<', dayAgo)]))
    .where((eb) => eb.exists(eb.selectFrom('list_member_state as s').select('s.address').whereRef('s.list_id', '=', 'l.id').where('s.delivery', '=', 'digest')))
    .execute();
  let sent = 0;
  for (const l of lists) {
    sent += await ctx.db.transaction().execute(async (trx) => {
      // Taken under a row lock so that two processes never send the same digest.
      const locked = await trx.selectFrom('mailing_list').select('digest_sent_at').where('id', '=', l.id).forUpdate().executeTakeFirstOrThrow();
      if (locked.digest_sent_at && locked.digest_sent_at >= dayAgo) return 0;
      const since = locked.digest_sent_at ?? l.created_at;
      const messages = await trx
        .selectFrom('list_message as m')
        .innerJoin('list_message_target as t', 't.message_id', 'm.id')
        .select(['m.subject', 'm.from_name', 'm.from_address', 'm.decided_at', 'm.body_text'])
        .where('t.list_id', '=', l.id)
        .where('m.status', '=', 'accepted')
        .where('m.decided_at', '>', since)
        .where('m.decided_at', '<=', now)
        .orderBy('m.decided_at')
        .execute();
      await trx.updateTable('mailing_list').set({ digest_sent_at: now }).where('id', '=', l.id).execute();
      if (messages.length === 0) return 0;
      const members = await trx
        .selectFrom('list_membership as m')
        .innerJoin('list_member_state as s', (j) => j.onRef('s.list_id', '=', 'm.list_id').onRef('s.address', '=', 'm.address'))
        .select('m.address')
        .where('m.list_id', '=', l.id)
        .where('s.delivery', '=', 'digest')
        .where('s.disabled_at', 'is', null)
        .execute();
      const text = digestText(
        l.name,
        messages.map((m) => ({ subject: m.subject, author: m.from_name || maskAddresses(m.from_address), at: m.decided_at!, text: m.body_text })),
      );
      for (const m of members) {
        await ctx.mailer.enqueue(trx, {
          from: `${l.name} <${l.slug}@${ctx.domain}>`,
          to: [m.address],
          subject: `[${l.slug}] Résumé du jour / Daily digest (${messages.length})`,
          text,
          headers: {
            'List-Id': `<${listIdOf(l.slug, ctx.domain)}>`,
            'List-Post': `<mailto:${l.slug}@${ctx.domain}>`,
            'List-Archive': `<${ctx.publicUrl}/lists/${l.slug}/archive>`,
            Precedence: 'list',
          },
          // No per-member token: a digest names the list, not the member (no List-Unsubscribe).
          sensitive: false,
        });
      }
      return members.length;
    });
  }
  return sent;
}
