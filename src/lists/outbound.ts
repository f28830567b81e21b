// Mail out: the accepted message is expanded into one queued copy per recipient (in the
// transaction that accepted it), then a worker renders, signs and hands each copy to the
// relay — or, without a relay, to the outbox where administrators can read it.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import type { Db, Queryable } from '../platform/db.ts';
import { dkimKeyOf, ensureListKeys, signToken, type ListKeys } from './keys.ts';
import { renderCopy, SIGNED_HEADERS } from './rewrite.ts';
import type { SenderAuth } from './sender.ts';
import { recordBounce } from './bounces.ts';
import { dkimSignRaw, type Mailer } from '../platform/mail.ts';

/**
 * Queues one copy per recipient of the message's lists. A member of several of these lists
 * gets one copy (unique (message, address)), carrying the headers of the first list in the
 * recipients' order. Members on no-mail or digest, and members disabled by bounces, get none.
 */
export async function distribute(trx: Queryable, messageId: number): Promise<number> {
  const r = await sql`
    insert into list_delivery (message_id, list_id, address)
    select distinct on (m.address) ${messageId}::bigint, m.list_id, m.address
    from list_message_target t
    join list_membership m on m.list_id = t.list_id
    left join list_member_state s on s.list_id = m.list_id and s.address = m.address
    where t.message_id = ${messageId}
      and coalesce(s.delivery, 'each') = 'each'
      and s.disabled_at is null
    order by m.address, t.position
    on conflict (message_id, address) do nothing`.execute(trx);
  await trx.updateTable('list_message').set({ distributed_at: new Date() }).where('id', '=', messageId).execute();
  return Number(r.numAffectedRows ?? 0);
}

export interface WorkerOptions {
  db: Db;
  domain: string;
  publicUrl: string;
  relayUrl?: string | undefined;
  /** How long a taken copy stays reserved for this worker (another may take it after). */
  claimSeconds?: number;
  concurrency?: number;
  /** Wait before each retry after a temporary (4xx) failure. */
  backoffSeconds?: number[];
  /** Polling period for due retries. */
  pollMs?: number;
  /** For notices to owners when a member is suspended after bounces. */
  mailer?: Mailer;
  /** Test hook: called between the relay's 250 and the database update (the duplication window). */
  afterRelayAccepted?: (deliveryId: number) => void;
}

const BACKOFF = [60, 300, 900, 3600, 10800, 43200];

/** The VERP envelope sender of a copy: bounces come back to `slug+bounce-<id>-<sig>@domain`. */
export function verpAddress(keys: ListKeys, slug: string, deliveryId: number): string {
  return `${slug}+bounce-${signToken(keys.secret, 'bounce', deliveryId)}@${keys.domain}`;
}

export function unsubscribeUrl(keys: ListKeys, publicUrl: string, deliveryId: number): string {
  return `${publicUrl}/api/public/lists/unsubscribe/${signToken(keys.secret, 'unsubscribe', deliveryId)}`;
}

interface Claimed {
  id: number;
  message_id: number;
  list_id: number;
  address: string;
  attempts: number;
}

export interface DeliveryWorker {
  /** Delivers what is due now; returns the number of copies handled. */
  runOnce(limit?: number): Promise<number>;
  /** Runs until the queue has nothing due. */
  drain(): Promise<number>;
  wake(): void;
  start(): void;
  stop(): Promise<void>;
}

export function createDeliveryWorker(o: WorkerOptions): DeliveryWorker {
  const { db } = o;
  const claimSeconds = o.claimSeconds ?? 120;
  const backoff = o.backoffSeconds ?? BACKOFF;
  const transport = o.relayUrl
    ? nodemailer.createTransport(o.relayUrl + (o.relayUrl.includes('?') ? '&' : '?') + `pool=true&maxConnections=${o.concurrency ?? 5}`)
    : undefined;
  let keys: ListKeys | undefined;
  const messages = new Map<number, { raw: Buffer; subject: string; from_address: string; from_name: string; auth: SenderAuth; received_at: Date }>();
  const lists = new Map<number, { slug: string; name: string; subject_prefix: string; footer: string; reply_to: 'sender' | 'list' }>();

  async function claim(limit: number): Promise<Claimed[]> {
    const r = await sql<Claimed>`
      update list_delivery set claimed_until = now() + make_interval(secs => ${claimSeconds})
      where id in (
        select id from list_delivery
        where status = 'queued' and next_attempt_at <= now() and (claimed_until is null or claimed_until < now())
        order by id limit ${limit}
        for update skip locked)
      returning id, message_id, list_id, address, attempts`.execute(db);
    return r.rows;
  }

  async function render(d: Claimed): Promise<{ from: string; raw: Buffer; subject: string }> {
    keys ??= await ensureListKeys(db, o.domain);
    let m = messages.get(d.message_id);
    if (!m) {
      const row = await db.selectFrom('list_message').select(['raw', 'subject', 'from_address', 'from_name', 'auth', 'received_at']).where('id', '=', d.message_id).executeTakeFirstOrThrow();
      m = { ...row, raw: Buffer.from(row.raw), auth: row.auth as SenderAuth };
      messages.set(d.message_id, m);
      if (messages.size > 100) messages.delete(messages.keys().next().value!);
    }
    let l = lists.get(d.list_id);
    if (!l) {
      l = await db.selectFrom('mailing_list').select(['slug', 'name', 'subject_prefix', 'footer', 'reply_to']).where('id', '=', d.list_id).executeTakeFirstOrThrow();
      lists.set(d.list_id, l);
    }
    const copy = renderCopy({
      raw: m.raw,
      list: { slug: l.slug, name: l.name, subjectPrefix: l.subject_prefix, footer: l.footer, replyTo: l.reply_to },
      domain: o.domain,
      publicUrl: o.publicUrl,
      subject: m.subject,
      from: { name: m.from_name, address: m.from_address },
      dmarcRewrite: m.auth.policy === 'quarantine' || m.auth.policy === 'reject',
      unsubscribeUrl: unsubscribeUrl(keys, o.publicUrl, d.id),
      date: m.received_at,
      messageId: `<list-${d.message_id}@${o.domain}>`,
    });
    // DKIM comes last: it covers the list headers and the footer (RFC 8058 asks List-Unsubscribe to be signed).
    const raw = await dkimSignRaw(copy, dkimKeyOf(keys), SIGNED_HEADERS);
    return { from: verpAddress(keys, l.slug, d.id), raw, subject: m.subject };
  }

  async function deliverOne(d: Claimed): Promise<void> {
    let copy;
    try {
      copy = await render(d);
    } catch (err) {
      await db.updateTable('list_delivery').set({ status: 'failed', last_error: `render: ${(err as Error).message}`.slice(0, 500), claimed_until: null }).where('id', '=', d.id).execute();
      return;
    }
    if (!transport) {
      // No relay: the copy goes to the outbox in the same transaction that marks it done. It is
      // sensitive: its List-Unsubscribe link (RFC 8058 one-click) takes its member off the list.
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('outbox_message')
          .values({ envelope_from: copy.from, envelope_to: [d.address], subject: copy.subject.slice(0, 500), raw: copy.raw, status: 'kept', sensitive: true })
          .execute();
        await trx.updateTable('list_delivery').set({ status: 'kept', sent_at: new Date(), claimed_until: null, attempts: d.attempts + 1 }).where('id', '=', d.id).execute();
      });
      return;
    }
    try {
      await transport.sendMail({ envelope: { from: copy.from, to: [d.address] }, raw: copy.raw });
      // Recorded at once, copy by copy: a death between the 250 above and this update is the
      // one window in which a copy is sent again after a restart (RFC 1047).
      o.afterRelayAccepted?.(d.id);
      await db.updateTable('list_delivery').set({ status: 'sent', sent_at: new Date(), attempts: d.attempts + 1, last_error: null, claimed_until: null }).where('id', '=', d.id).execute();
    } catch (err) {
      const e = err as { responseCode?: number; command?: string; response?: string; message: string };
      const permanent = (e.responseCode ?? 0) >= 500 || d.attempts + 1 > backoff.length;
      const wait = backoff[Math.min(d.attempts, backoff.length - 1)]!;
      await db
        .updateTable('list_delivery')
        .set({
          status: permanent ? 'failed' : 'queued',
          attempts: d.attempts + 1,
          last_error: e.message.slice(0, 500),
          next_attempt_at: new Date(Date.now() + wait * 1000),
          claimed_until: null,
        })
        .where('id', '=', d.id)
        .execute();
      // A permanent refusal at the relay is a bounce known at once, when it is the recipient's.
      if (permanent && (e.responseCode ?? 0) >= 500 && blamesRecipient(e) && o.mailer) await recordBounce(db, o.mailer, o.domain, d.id, 1);
    }
  }

  async function runOnce(limit = 200): Promise<number> {
    const batch = await claim(limit);
    const width = o.concurrency ?? 5;
    let i = 0;
    await Promise.all(
      Array.from({ length: Math.min(width, batch.length) }, async () => {
        while (i < batch.length) await deliverOne(batch[i++]!);
      }),
    );
    return batch.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let again = false;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((err: Error) => console.error('list delivery:', err.message))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await runOnce();
      total += n;
      // Stopping waits for the batch in hand, not for the whole queue.
      if (n === 0 || stopped) return total;
    }
  }
  return {
    runOnce,
    drain,
    wake: tick,
    start() {
      timer = setInterval(tick, o.pollMs ?? 2000);
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
      transport?.close();
    },
  };
}

/**
 * Pure: whether a relay's refusal is about the recipient — refused at RCPT TO, or with an
 * RFC 3463 addressing (5.1.x) or mailbox (5.2.x) status — and so a bounce that counts against
 * the member. A refusal of the message itself (its size, content or format, at DATA) is ours
 * to fix: it must not suspend members.
 */
export function blamesRecipient(e: { command?: string; response?: string; message: string }): boolean {
  if (e.command === 'RCPT TO') return true;
  const status = /\b5\.(\d{1,3})\.\d{1,3}\b/.exec(e.response ?? e.message);
  return status !== null && (status[1] === '1' || status[1] === '2');
}

/** A Message-ID for messages that arrive without one. */
export function newMessageId(domain: string): string {
  return `<${randomBytes(12).toString('hex')}@${domain}>`;
}
