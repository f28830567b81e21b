// The modules Ostal is made of, in order: adding a module is one folder, its module.ts and one
// line here. The order is the order of their routes, services (stopped in reverse), commands
// and demo data (lists before the surveys that may address them).
import type { Module } from '../platform/module.ts';
import { authModule } from '../auth/module.ts';
import { directoryModule } from '../directory/module.ts';
import { listsModule } from '../lists/module.ts';
import { accountingModule } from '../accounting/module.ts';
import { surveysModule } from '../surveys/module.ts';

export const MODULES: readonly Module[] = [authModule, directoryModule, listsModule, accountingModule, surveysModule];
