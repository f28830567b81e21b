// Starts the list server beside HTTP: the SMTP listener (and an LMTP one when
// LISTS_LMTP_PORT is set, for a front MTA), the delivery worker and the expiry of held mail.
import type { Deps } from '../platform/web/context.ts';
import type { ListsContext } from './inbound.ts';
import type { Resolver } from './sender.ts';
import { expireHeld } from './moderation.ts';
import { sendDigests } from './digest.ts';
import { createDeliveryWorker, type DeliveryWorker } from './outbound.ts';
import { startListener, type Listener } from './smtp.ts';

/**
 * The DNS resolver of the sender checks. Undefined uses the system's; tests set a table here
 * so that they run offline.
 */
export const listsDns: { resolver: Resolver | undefined } = { resolver: undefined };

export interface ListsRuntime {
  ctx: ListsContext;
  smtpPort: number;
  lmtpPort: number | undefined;
  worker: DeliveryWorker;
  close(): Promise<void>;
}

const runtimes = new WeakMap<Deps, ListsRuntime>();
/** The running list server of a platform (tests find its SMTP port here). */
export function listsRuntime(deps: Deps): ListsRuntime | undefined {
  return runtimes.get(deps);
}

/** Started by the platform after the module's prepareMailer (module.ts) gave the mailer the list key. */
export async function startLists(deps: Deps): Promise<() => Promise<void>> {
  const { config, db } = deps;
  const worker = createDeliveryWorker({ db, domain: config.mailDomain, publicUrl: config.publicUrl, relayUrl: config.smtpRelayUrl, mailer: deps.mailer });
  // publicUrl is read when a message arrives: tests point it at the real port after start.
  const ctx: ListsContext = {
    db,
    domain: config.mailDomain,
    get publicUrl() {
      return config.publicUrl;
    },
    get resolver() {
      return listsDns.resolver;
    },
    mailer: deps.mailer,
    wake: () => worker.wake(),
  };
  const listeners: Listener[] = [await startListener(ctx, { port: config.smtpPort })];
  const lmtp = config.listsLmtpPort;
  // The LMTP door listens on loopback only, for the local front MTA, whose XFORWARD it trusts.
  if (lmtp !== undefined) listeners.push(await startListener(ctx, { port: lmtp, lmtp: true, host: '127.0.0.1', trustXForward: ['127.0.0.1', '::1'] }));
  worker.start();
  // Held mail expiry and daily digests: idempotent, checked every ten minutes.
  const expiry = setInterval(() => {
    void expireHeld(ctx).catch((err: Error) => console.error('held mail expiry:', err.message));
    void sendDigests(ctx).catch((err: Error) => console.error('list digests:', err.message));
  }, 10 * 60_000);
  const close = async () => {
    clearInterval(expiry);
    for (const l of listeners) await l.close();
    await worker.stop();
    runtimes.delete(deps);
  };
  runtimes.set(deps, { ctx, smtpPort: listeners[0]!.port, lmtpPort: listeners[1]?.port, worker, close });
  return close;
}
