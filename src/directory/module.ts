// The directory: schools, years, classes, households, people, groups; import, rollover, demo.
import type { Module } from '../platform/module.ts';
import * as messages from './messages.ts';
import * as importMessages from './import/messages.ts';
import * as yearMessages from './year/messages.ts';
import { directoryCommands } from './commands.ts';
import { directoryRoutes } from './routes.tsx';
import { importUploadLimit } from './import/routes.tsx';
import { forgetOldUploads, markInterrupted } from './import/uploads.ts';
import { directoryHome, directorySettings } from './home.tsx';

const CATALOGUES = [messages, importMessages, yearMessages] as const;
// Its message keys, type-checked wherever a translator is called.
declare module '../platform/i18n/index.ts' { interface Register { directory: (typeof CATALOGUES)[number] } }

export const directoryModule = {
  name: 'directory',
  messages: CATALOGUES,
  routes: directoryRoutes,
  // The import's own size limit acts before the app-wide one and the CSRF check read the body.
  bodyLimits: [{ path: '/directory/import', limit: importUploadLimit }],
  nav: [
    { href: '/directory', label: 'nav.directory', rank: 10, shows: (v) => v.isAdmin || v.regentClassIds.length > 0 },
    { href: '/directory/import', label: 'nav.import', rank: 100, shows: (v) => v.isAdmin },
    { href: '/directory/year', label: 'nav.year', rank: 110, shows: (v) => v.isAdmin },
  ],
  home: directoryHome,
  settings: directorySettings,
  commands: directoryCommands,
  async start(deps) {
    // A directory import cut short by the previous stop left nothing applied: say so.
    await markInterrupted(deps.db, deps.handle.kind === 'pglite' ? 0 : 15);
    // Uploads hold children's names: those not applied go 24 h after upload, at start and then
    // every hour, whether or not anyone opens the import pages again.
    const sweep = () => forgetOldUploads(deps.db).catch((err: Error) => console.error('import uploads:', err.message));
    await sweep();
    const timer = setInterval(sweep, 3_600_000);
    timer.unref();
    return async () => clearInterval(timer);
  },
} satisfies Module;
