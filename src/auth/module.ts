// The sign-in module: password-free sign-in, sessions, and the viewer of each request.
import type { Module } from '../platform/module.ts';
import * as messages from './messages.ts';
import { authCommands } from './commands.ts';
import { authRoutes } from './routes.tsx';
import { sessionPerson, signinWorkDone } from './signin.ts';
import { loadViewer } from './viewer.ts';

const CATALOGUES = [messages] as const;
// Its message keys, type-checked wherever a translator is called.
declare module '../platform/i18n/index.ts' { interface Register { auth: (typeof CATALOGUES)[number] } }

export const authModule = {
  name: 'auth',
  messages: CATALOGUES,
  routes: authRoutes,
  commands: authCommands,
  // Sign-in mails asked for just before a stop are queued after their answer: let them finish.
  async start() {
    return signinWorkDone;
  },
  async viewer(db, sessionToken) {
    const personId = await sessionPerson(db, sessionToken);
    return personId ? loadViewer(db, personId) : null;
  },
} satisfies Module;
