// Outgoing mail. Every message is first written to outbox_message (durable), then either
// kept there for administrators to read (no relay configured) or delivered to SMTP_RELAY_URL.
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Db, Queryable } from './db.ts';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** Carries a secret (sign-in link or code): never logged. */
  sensitive?: boolean;
}

export async function composeRaw(mail: OutgoingMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    textEncoding: 'quoted-printable',
  });
  return composer.compile().build();
}

export interface Mailer {
  /** Records the message in the outbox inside the caller's transaction; delivery happens after commit. */
  enqueue(db: Queryable, mail: OutgoingMail): Promise<number>;
  /** Delivers due queued messages through the relay; returns how many were sent. */
  deliverDue(db: Db, limit?: number): Promise<number>;
  readonly relayConfigured: boolean;
  close(): void;
}

const BACKOFF_MINUTES = [1, 5, 15, 60, 180, 720];
const MAX_ATTEMPTS = BACKOFF_MINUTES.length + 1;

export function createMailer(opts: { relayUrl?: string | undefined }): Mailer {
  const transport = opts.relayUrl ? nodemailer.createTransport(opts.relayUrl + (opts.relayUrl.includes('?') ? '&' : '?') + 'pool=true') : undefined;
  return {
    relayConfigured: Boolean(transport),
    async enqueue(db, mail) {
      const raw = await composeRaw(mail);
      const row = await db
        .insertInto('outbox_message')
        .values({
          envelope_from: extractAddress(mail.from),
          envelope_to: mail.to.map(extractAddress),
          subject: mail.subject,
          raw,
          status: transport ? 'queued' : 'kept',
          next_attempt_at: transport ? new Date() : null,
          sensitive: mail.sensitive ?? false,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async deliverDue(db, limit = 50) {
      if (!transport) return 0;
      const due = await db
        .selectFrom('outbox_message')
        .select(['id', 'envelope_from', 'envelope_to', 'raw', 'attempts'])
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', new Date())
        .orderBy('id')
        .limit(limit)
        .execute();
      let sent = 0;
      for (const m of due) {
        try {
          await transport.sendMail({ envelope: { from: m.envelope_from, to: m.envelope_to }, raw: Buffer.from(m.raw) });
          await db.updateTable('outbox_message').set({ status: 'sent', sent_at: new Date(), attempts: m.attempts + 1, last_error: null }).where('id', '=', m.id).execute();
          sent++;
        } catch (err) {
          const e = err as { responseCode?: number; message: string };
          const permanent = (e.responseCode ?? 0) >= 500 || m.attempts + 1 >= MAX_ATTEMPTS;
          const wait = BACKOFF_MINUTES[Math.min(m.attempts, BACKOFF_MINUTES.length - 1)]!;
          await db
            .updateTable('outbox_message')
            .set({
              status: permanent ? 'failed' : 'queued',
              attempts: m.attempts + 1,
              last_error: e.message.slice(0, 500),
              next_attempt_at: permanent ? null : new Date(Date.now() + wait * 60_000),
            })
            .where('id', '=', m.id)
            .execute();
        }
      }
      return sent;
    },
    close() {
      transport?.close();
    },
  };
}

/** "Name <a@b>" → "a@b". */
export function extractAddress(s: string): string {
  const m = /<([^<>]+)>\s*$/.exec(s);
  return (m ? m[1]! : s).trim().toLowerCase();
}
