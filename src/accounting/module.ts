// Double-entry books for a French association.
import type { Module } from '../platform/module.ts';
import * as messages from './messages.ts';
import { booksRoleOf } from './access.ts';
import { accountingCommands } from './commands.ts';
import { loadDemoBooks } from './demo.ts';
import { accountingHome } from './home.tsx';
import { accountingRoutes } from './routes.tsx';

const CATALOGUES = [messages] as const;
// Its message keys, type-checked wherever a translator is called.
declare module '../platform/i18n/index.ts' { interface Register { accounting: (typeof CATALOGUES)[number] } }

export const accountingModule = {
  name: 'accounting',
  messages: CATALOGUES,
  routes: accountingRoutes,
  // Treasurers, the accountant and board members read the books.
  nav: [{ href: '/accounting', label: 'accounting.title', rank: 40, shows: (v) => booksRoleOf(v.memberships).canRead }],
  home: accountingHome,
  commands: accountingCommands,
  // `ostal demo` includes a year of books.
  demo: loadDemoBooks,
} satisfies Module;
