// Starts the platform: database, migrations, mail delivery, HTTP. Used by main.ts and by tests.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { openDatabase, type Handle } from './db.ts';
import { prepareDatabase } from './roles.ts';
import { translator } from './i18n/index.ts';
import { createMailer } from './mail.ts';
import { createApp } from './web/app.tsx';
import { markInterrupted } from '../directory/import/uploads.ts';
import { startLists } from '../lists/service.ts';
import { startSurveys } from '../surveys/service.ts';
import type { Deps } from './web/context.ts';
import { signinWorkDone } from '../auth/signin.ts';

export interface Running {
  url: string;
  deps: Deps;
  close(): Promise<void>;
}

export async function startPlatform(config: Config, opts: { handle?: Handle; port?: number } = {}): Promise<Running> {
  const handle = opts.handle ?? (await openDatabase(config));
  // Migrations as the owner (DATABASE_OWNER_URL); refuses to serve as a superuser or an owner.
  try {
    const accepted = await prepareDatabase(config, handle);
    if (accepted) console.warn(translator('en')('db.serveAsOwner', accepted.params));
  } catch (err) {
    if (!opts.handle) await handle.close();
    throw err;
  }
  // A directory import cut short by the previous stop left nothing applied: say so.
  await markInterrupted(handle.db, handle.kind === 'pglite' ? 0 : 15);
  const mailer = createMailer({ relayUrl: config.smtpRelayUrl });
  const deps: Deps = { handle, db: handle.db, config, mailer };
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? config.port, hostname: process.env.HOST || '0.0.0.0' }, () => resolve(s));
    s.on('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  // The list server: SMTP/LMTP listener on config.smtpPort and its delivery worker.
  const closeLists = await startLists(deps);
  // Survey closing and scheduled reminders, every minute (locked: one pass at a time).
  const closeSurveys = startSurveys(deps);
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
      await closeSurveys();
      await closeLists();
      await new Promise<void>((r) => server.close(() => r()));
      // Sign-in mails asked for just before are queued after their answer: let them finish.
      await signinWorkDone();
      mailer.close();
      if (!opts.handle) await handle.close();
    },
  };
}
