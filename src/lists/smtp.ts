// The list server's door: SMTP (or LMTP behind a front MTA such as Postfix). It accepts mail
// only for existing list addresses of MAIL_DOMAIN — never relays — and answers 250 only once
// the message is stored in the database.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { handleBounce } from './bounces.ts';
import { listExists, parseListAddress, receiveMessage, SmtpRefusal, type ListsContext } from './inbound.ts';
import { confirmUnsubscribeByMail, unsubscribeByMail } from './unsubscribe.ts';
import { decideByReply } from './moderation.ts';
import { forwardToOwners, forwardToPostmaster } from './owners.ts';

export interface ListenerOptions {
  port: number;
  host?: string;
  lmtp?: boolean;
  /** Advertised SIZE: the largest message any list accepts (each list may allow less). */
  maxBytes?: number;
  /**
   * Peers (a front MTA such as Postfix with `lmtp_send_xforward_command = yes`) whose XFORWARD
   * gives the original client's address and HELO, so that SPF checks the sender's server and
   * not the front MTA.
   */
  trustXForward?: string[];
}

/** RFC 5321 §6.3: a message that has passed this many relays is in a loop (Postfix's default). */
export const MAX_HOPS = 50;

/**
 * Pure: what mail may not carry, refused at DATA so the sender hears it at once rather than
 * every member's copy being refused by the relay later (and scored as their bounce): a NUL
 * byte, a line over 998 characters (RFC 5322 §2.1.1), or more than MAX_HOPS Received headers.
 */
export function doorRefusal(raw: Buffer): SmtpRefusal | undefined {
  if (raw.includes(0)) return new SmtpRefusal(554, '5.6.0 The message contains NUL characters, which mail may not carry (RFC 5322 2.1)');
  let start = 0;
  let line = 1;
  let hops = 0;
  let inHeader = true;
  while (start < raw.length) {
    let end = raw.indexOf(10, start);
    if (end < 0) end = raw.length;
    const length = end - start - (end > start && raw[end - 1] === 13 ? 1 : 0);
    if (length > 998) return new SmtpRefusal(554, `5.6.0 Line ${line} is longer than 998 characters (RFC 5322 2.1.1): send it from a mail program that wraps long lines`);
    if (inHeader) {
      if (length === 0) inHeader = false;
      else if (length >= 9 && raw.subarray(start, start + 9).toString('latin1').toLowerCase() === 'received:' && ++hops > MAX_HOPS) {
        return new SmtpRefusal(554, `5.4.6 Too many hops (over ${MAX_HOPS} Received headers): a mail loop`);
      }
    }
    start = end + 1;
    line++;
  }
  return undefined;
}

/** RFC 5321 §4.5.1: every domain that takes mail must take it for postmaster, with or without the domain. */
function isPostmaster(address: string, domain: string): boolean {
  const a = address.toLowerCase();
  return a === 'postmaster' || a === `postmaster@${domain.toLowerCase()}`;
}

function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export interface Listener {
  port: number;
  close(): Promise<void>;
}

export async function startListener(ctx: ListsContext, o: ListenerOptions): Promise<Listener> {
  const maxBytes = o.maxBytes ?? 100 * 1024 * 1024;
  const server = new SMTPServer({
    lmtp: o.lmtp ?? false,
    name: ctx.domain,
    banner: 'Ostal lists',
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    // The client's reverse DNS name is used for nothing here (SPF checks the IP and HELO), and
    // the lookup cost ~100 ms per connection.
    disableReverseLookup: true,
    ...(o.trustXForward?.length ? { useXForward: o.trustXForward } : {}),
    async onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, cb: (err?: Error | null) => void) {
      try {
        if (isPostmaster(address.address, ctx.domain)) return cb();
        const a = parseListAddress(address.address, ctx.domain);
        if (!a) {
          const ours = address.address.toLowerCase().endsWith(`@${ctx.domain}`);
          return cb(ours ? refusal(550, '5.1.1 No such list') : refusal(550, '5.7.1 Relaying denied'));
        }
        if (!(await listExists(ctx.db, a.slug))) return cb(refusal(550, '5.1.1 No such list'));
        cb();
      } catch (err) {
        cb(refusal(451, `4.3.0 Temporary failure: ${(err as Error).message.slice(0, 100)}`));
      }
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded) return cb(refusal(552, '5.3.4 Message too big'));
        const raw = Buffer.concat(chunks);
        const refused = doorRefusal(raw);
        if (refused) return cb(refusal(refused.responseCode, refused.message));
        handle(ctx, session, raw)
          .then((reply) => cb(null, reply))
          .catch((err: unknown) => {
            if (err instanceof SmtpRefusal) return cb(refusal(err.responseCode, err.message));
            console.error('list mail in:', (err as Error).message);
            // Not stored: the sender keeps it and tries again.
            cb(refusal(451, '4.3.0 Temporary failure, try again later'));
          });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  server.on('error', (err: Error) => console.error('list listener:', err.message));
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function handle(ctx: ListsContext, session: SMTPServerSession, raw: Buffer): Promise<string> {
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const posts: string[] = [];
  for (const r of session.envelope.rcptTo) {
    if (isPostmaster(r.address, ctx.domain)) {
      await forwardToPostmaster(ctx, raw);
      continue;
    }
    const a = parseListAddress(r.address, ctx.domain);
    if (!a) continue;
    if (a.kind === 'bounce') await handleBounce(ctx, a.slug, a.token, raw);
    else if (a.kind === 'unsubscribe') await unsubscribeByMail(ctx, a.slug, raw, { envelopeFrom, ip: session.remoteAddress, helo: session.hostNameAppearsAs });
    else if (a.kind === 'confirm') await confirmUnsubscribeByMail(ctx, a.slug, a.token, raw);
    else if (a.kind === 'moderate') await decideByReply(ctx, a.token, a.action, raw, { envelopeFrom, ip: session.remoteAddress, helo: session.hostNameAppearsAs });
    else if (a.kind === 'owner') await forwardToOwners(ctx, a.slug, raw);
    else if (!posts.includes(a.slug)) posts.push(a.slug);
  }
  if (posts.length === 0) return 'OK';
  const limits = await ctx.db.selectFrom('mailing_list').select(['slug', 'max_bytes']).where('slug', 'in', posts).execute();
  const tooBig = limits.find((l) => raw.length > l.max_bytes);
  if (tooBig) throw new SmtpRefusal(552, `5.3.4 Message too big for ${tooBig.slug} (limit ${tooBig.max_bytes} bytes)`);
  const r = await receiveMessage(ctx, { envelopeFrom, slugs: posts, raw, ip: session.remoteAddress, helo: session.hostNameAppearsAs });
  return r.outcome === 'dropped' ? 'OK: loop, dropped' : `OK: ${r.outcome} as ${r.messageId}`;
}
