// Starts the platform: database, migrations, mail delivery, the modules' services, HTTP.
// src/app/server.ts gives it the app's modules; main.ts and the tests start it through there.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { openDatabase, type Handle } from './db.ts';
import { prepareDatabase } from './roles.ts';
import { translator } from './i18n/index.ts';
import { createMailer } from './mail.ts';
import { createApp } from './web/app.tsx';
import type { Module, Stop } from './module.ts';
import type { Deps } from './web/context.ts';

export interface Running {
  url: string;
  deps: Deps;
  close(): Promise<void>;
}

export async function startPlatform(config: Config, modules: readonly Module[], opts: { handle?: Handle; port?: number } = {}): Promise<Running> {
  const handle = opts.handle ?? (await openDatabase(config));
  // Migrations as the owner (DATABASE_OWNER_URL); refuses to serve as a superuser or an owner.
  try {
    const accepted = await prepareDatabase(config, handle);
    if (accepted) console.warn(translator('en')('db.serveAsOwner', accepted.params));
  } catch (err) {
    if (!opts.handle) await handle.close();
    throw err;
  }
  const mailer = createMailer({ relayUrl: config.smtpRelayUrl });
  const deps: Deps = { handle, db: handle.db, config, mailer, modules };
  for (const m of modules) await m.prepareMailer?.(deps);
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? config.port, hostname: config.host }, () => resolve(s));
    s.on('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  // The modules' services (the list server's SMTP listener, the surveys' scheduler…), in module order.
  const stops: Stop[] = [];
  for (const m of modules) {
    const stop = await m.start?.(deps);
    if (stop) stops.unshift(stop);
  }
  // Delivery of queued mail to the relay, every few seconds; nothing to do without a relay.
  let delivering = false;
  const timer = mailer.relayConfigured
    ? setInterval(() => {
        if (delivering) return;
        delivering = true;
        mailer
          .deliverDue(handle.db)
          .catch((err: Error) => console.error('mail delivery:', err.message))
          .finally(() => (delivering = false));
      }, 3000)
    : undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    async close() {
      if (timer) clearInterval(timer);
      // HTTP first: work a module does after answering a request (sign-in mail) ends in its stop.
      await new Promise<void>((r) => server.close(() => r()));
      for (const stop of stops) await stop();
      mailer.close();
      if (!opts.handle) await handle.close();
    },
  };
}
