// Questionnaires with a personal link each, reminders, analysis.
import type { Module } from '../platform/module.ts';
import * as messages from './messages.ts';
import { surveysCommands } from './commands.ts';
import { loadSurveysDemo } from './demo.ts';
import { surveysRoutes } from './routes.tsx';
import { startSurveys } from './service.ts';

const CATALOGUES = [messages] as const;
// Its message keys, type-checked wherever a translator is called.
declare module '../platform/i18n/index.ts' { interface Register { surveys: (typeof CATALOGUES)[number] } }

export const surveysModule = {
  name: 'surveys',
  messages: CATALOGUES,
  routes: surveysRoutes,
  // Admins and members of a group (board, bureau, commissions) may organise surveys.
  nav: [{ href: '/surveys', label: 'surveys.title', rank: 30, shows: (v) => v.isAdmin || v.groupIds.length > 0 }],
  commands: surveysCommands,
  // Survey closing and scheduled reminders, every minute (locked: one pass at a time).
  async start(deps) {
    return startSurveys(deps);
  },
  // The demo association ships the computing-practices survey.
  demo: (trx, ctx) => loadSurveysDemo(trx, ctx.actor),
} satisfies Module;
