// Test support for the list server: a real SMTP sink on 127.0.0.1, an offline DNS table,
// and a real SMTP client.
import { SMTPServer } from 'smtp-server';
import nodemailer from 'nodemailer';
import type { AddressInfo } from 'node:net';
import type { Resolver } from './sender.ts';

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface Sink {
  url: string;
  port: number;
  received: Received[];
  /** Answer for the next messages: undefined = 250, or an SMTP code to refuse with. */
  refuseWith: number | undefined;
  /** Where the refusal comes: after the message (DATA, the default) or at each recipient (RCPT TO); and its text. */
  refuseAt: 'data' | 'rcpt';
  refuseText: string;
  /** Waits until `n` messages were received. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSink(opts: { onMessage?: (m: Received) => Promise<void> | void } = {}): Promise<Sink> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const sink: Sink = {
    url: '',
    port: 0,
    received,
    refuseWith: undefined,
    refuseAt: 'data',
    refuseText: 'refused by the test sink',
    waitFor: (n, timeoutMs = 20000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => received.length >= n;
        if (check()) return resolve();
        const timer = setTimeout(() => reject(new Error(`sink: ${received.length} of ${n} messages after ${timeoutMs} ms`)), timeoutMs);
        waiters.push(() => {
          if (check()) {
            clearTimeout(timer);
            resolve();
          }
        });
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, cb) {
      if (sink.refuseWith && sink.refuseAt === 'rcpt') return cb(Object.assign(new Error(`${sink.refuseWith} ${sink.refuseText}`), { responseCode: sink.refuseWith }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (sink.refuseWith) return cb(Object.assign(new Error(sink.refuseText), { responseCode: sink.refuseWith }));
        const m = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) };
        try {
          await opts.onMessage?.(m);
        } catch (err) {
          return cb(err as Error);
        }
        received.push(m);
        cb();
        for (const w of waiters) w();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}

/** A DNS table: name → TXT strings; anything else does not exist. */
export function dnsTable(txt: Record<string, string[]>): Resolver {
  return async (name, rrtype) => {
    const key = name.toLowerCase().replace(/\.$/, '');
    if (rrtype === 'TXT' && txt[key]) return txt[key]!.map((v) => [v]);
    throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
  };
}

/** Sends through a real SMTP client; resolves with the server's answer or rejects with its refusal. */
export async function sendTo(port: number, mail: { from: string; to: string[]; subject?: string; text?: string; headers?: Record<string, string>; raw?: string; envelopeFrom?: string; lmtp?: boolean }) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, lmtp: mail.lmtp ?? false } as never);
  try {
    const envelope = { from: mail.envelopeFrom ?? mail.from.replace(/^.*<|>.*$/g, ''), to: mail.to };
    return await t.sendMail(
      mail.raw
        ? { envelope, raw: mail.raw }
        : { envelope, from: mail.from, to: mail.to, subject: mail.subject ?? 'Sortida', text: mail.text ?? 'Bonjorn a totes e a totes.', headers: mail.headers },
    );
  } finally {
    t.close();
  }
}
