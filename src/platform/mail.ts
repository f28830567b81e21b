// Outgoing mail. Every message is first written to outbox_message (durable), then either
// kept there for administrators to read (no relay configured) or delivered to SMTP_RELAY_URL.
// Sensitive mail (a token that acts as its recipient) is kept or delivered the same way, but no
// page shows its content, and its bytes are blanked once the relay has it (migration 0034).
// Mail From a domain whose DKIM key the mailer holds is signed when it is queued, so the
// stored bytes are exactly what leaves; mail from any other domain is stored unchanged.
import { dkimSign } from 'mailauth';
import { sql } from 'kysely';
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
  /**
   * Carries a token that acts as its recipient (sign-in link or code, personal survey link,
   * one-click unsubscribe): its content is never shown nor logged. Every caller decides.
   */
  sensitive: boolean;
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

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
}

/** Header fields covered by the signature (those a list or the platform sets, when present). */
export const DKIM_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'In-Reply-To', 'References', 'List-Id', 'List-Help', 'List-Unsubscribe',
  'List-Unsubscribe-Post', 'List-Post', 'List-Owner', 'List-Archive', 'Precedence', 'Auto-Submitted',
];

/** Prepends a DKIM-Signature (relaxed/relaxed, rsa-sha256) to a finished message. */
export async function dkimSignRaw(raw: Buffer, key: DkimKey, headers: string[] = DKIM_HEADERS): Promise<Buffer> {
  const signed = await dkimSign(raw, {
    // Without a fixed time mailauth reads the clock twice (for the hashed header and for the
    // header it writes): when a second ticks over in between, t= differs and the signature
    // fails to verify (seen about once in a thousand signatures).
    signTime: new Date(),
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }],
    canonicalization: 'relaxed/relaxed',
    // mailauth reads the list as one colon-separated string (an array falls back to its defaults).
    headerList: headers.join(':'),
  } as unknown as Parameters<typeof dkimSign>[1]);
  if (signed.errors?.length || !signed.signatures.trim()) throw new Error(`DKIM signing failed: ${JSON.stringify(signed.errors)}`);
  return Buffer.concat([Buffer.from(signed.signatures), raw]);
}

/** A message already in its final form (a forward), queued as is apart from the signature. */
export interface RawMail {
  /** Envelope sender; '' is the null sender (bounces of it go nowhere). */
  envelopeFrom: string;
  to: string[];
  subject: string;
  raw: Buffer;
  /** Sign with this domain's key (when the mailer holds it), whatever the From says. */
  signAs?: string;
  /** As OutgoingMail.sensitive. */
  sensitive: boolean;
}

export interface Mailer {
  /** Records the message in the outbox inside the caller's transaction; delivery happens after commit. */
  enqueue(db: Queryable, mail: OutgoingMail): Promise<number>;
  /** Same for a message given as bytes. */
  enqueueRaw(db: Queryable, mail: RawMail): Promise<number>;
  /** From now on, mail From this key's domain is DKIM-signed (the list server adds its key at start). */
  addDkimKey(key: DkimKey): void;
  /** Delivers due queued messages through the relay; returns how many were sent. */
  deliverDue(db: Db, limit?: number): Promise<number>;
  readonly relayConfigured: boolean;
  close(): void;
}

const BACKOFF_MINUTES = [1, 5, 15, 60, 180, 720];
const LEASE_MINUTES = 10;
const MAX_ATTEMPTS = BACKOFF_MINUTES.length + 1;

export function createMailer(opts: { relayUrl?: string | undefined; dkim?: DkimKey[] }): Mailer {
  const transport = opts.relayUrl ? nodemailer.createTransport(opts.relayUrl + (opts.relayUrl.includes('?') ? '&' : '?') + 'pool=true') : undefined;
  const keys = new Map<string, DkimKey>();
  for (const k of opts.dkim ?? []) keys.set(k.domain.toLowerCase(), k);
  const sign = async (raw: Buffer, domain: string | undefined) => {
    const key = domain ? keys.get(domain.toLowerCase()) : undefined;
    return key ? dkimSignRaw(raw, key) : raw;
  };
  async function store(db: Queryable, m: { envelopeFrom: string; to: string[]; subject: string; raw: Buffer; sensitive: boolean }) {
    const row = await db
      .insertInto('outbox_message')
      .values({
        envelope_from: m.envelopeFrom,
        envelope_to: m.to,
        subject: m.subject,
        raw: m.raw,
        status: transport ? 'queued' : 'kept',
        next_attempt_at: transport ? new Date() : null,
        sensitive: m.sensitive,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }
  return {
    relayConfigured: Boolean(transport),
    addDkimKey(key) {
      keys.set(key.domain.toLowerCase(), key);
    },
    async enqueue(db, mail) {
      const from = extractAddress(mail.from);
      // Signed last: nothing changes the bytes after this.
      const raw = await sign(await composeRaw(mail), from.split('@')[1]);
      return store(db, { envelopeFrom: from, to: mail.to.map(extractAddress), subject: mail.subject, raw, sensitive: mail.sensitive });
    },
    async enqueueRaw(db, mail) {
      const raw = await sign(mail.raw, mail.signAs);
      return store(db, { envelopeFrom: mail.envelopeFrom, to: mail.to.map(extractAddress), subject: mail.subject.slice(0, 300), raw, sensitive: mail.sensitive });
    },
    async deliverDue(db, limit = 50) {
      if (!transport) return 0;
      // Taken with a lease (next_attempt_at moved ahead) so that a second deliverer — the
      // server's timer and `ostal surveys tick` on PostgreSQL — skips them; a deliverer that
      // dies leaves them due again when the lease ends.
      // The lease ends at a whole millisecond, so that the Date read back compares equal below.
      const r = await sql<{ id: number; envelope_from: string; envelope_to: string[]; raw: Uint8Array; attempts: number; next_attempt_at: Date; sensitive: boolean }>`
        update outbox_message set next_attempt_at = date_trunc('milliseconds', now()) + make_interval(mins => ${LEASE_MINUTES})
        where id in (
          select id from outbox_message
          where status = 'queued' and next_attempt_at <= now()
          order by id limit ${limit}
          for update skip locked)
        returning id, envelope_from, envelope_to, raw, attempts, next_attempt_at, sensitive`.execute(db);
      const due = r.rows.sort((a, b) => Number(a.id) - Number(b.id));
      let sent = 0;
      for (const m of due) {
        // Renewed just before sending, and only if the lease is still ours: a slow relay may
        // have let the later messages' leases run out, and another deliverer take them.
        const renewed = await sql`
          update outbox_message set next_attempt_at = date_trunc('milliseconds', now()) + make_interval(mins => ${LEASE_MINUTES})
          where id = ${m.id} and status = 'queued' and next_attempt_at = ${m.next_attempt_at}`.execute(db);
        if (Number(renewed.numAffectedRows ?? 0) !== 1) continue;
        try {
          await transport.sendMail({ envelope: { from: m.envelope_from, to: m.envelope_to }, raw: Buffer.from(m.raw) });
          // A secret the relay has is not kept (the schema's trigger blanks it as well).
          await db
            .updateTable('outbox_message')
            .set({ status: 'sent', sent_at: new Date(), attempts: m.attempts + 1, last_error: null, ...(m.sensitive ? { raw: Buffer.alloc(0) } : {}) })
            .where('id', '=', m.id)
            .execute();
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
