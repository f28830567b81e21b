// Mailing lists that follow the directory: SMTP in, queue out, moderation, archives, bounces.
import type { Module } from '../platform/module.ts';
import * as messages from './messages.ts';
import { listsCommands } from './commands.ts';
import { loadListsDemo } from './demo.ts';
import { dkimKeyOf, ensureListKeys } from './keys.ts';
import { listsRoutes } from './routes.tsx';
import { composerRoutes, listsHome } from './composerRoutes.tsx';
import { startLists } from './service.ts';

const CATALOGUES = [messages] as const;
// Its message keys, type-checked wherever a translator is called.
declare module '../platform/i18n/index.ts' { interface Register { lists: (typeof CATALOGUES)[number] } }

export const listsModule = {
  name: 'lists',
  messages: CATALOGUES,
  // The composer first: /lists/compose must not be read as the list "compose".
  routes: (app) => {
    composerRoutes(app);
    listsRoutes(app);
  },
  home: listsHome,
  nav: [{ href: '/lists', label: 'lists.nav', rank: 20, shows: () => true }],
  commands: listsCommands,
  // Every mail From the list domain that goes through the platform outbox (digests, notices,
  // owner forwards, survey reminders from cron, sign-in mail when it shares the domain) is
  // signed with the list key.
  async prepareMailer({ db, config, mailer }) {
    mailer.addDkimKey(dkimKeyOf(await ensureListKeys(db, config.mailDomain)));
  },
  start: startLists,
  demo: (trx, ctx) => loadListsDemo(trx, ctx.actor),
} satisfies Module;
