import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { importRoutes } from './import/routes.tsx';
import { yearRoutes } from './year/routes.tsx';
import { demoRoutes } from './demo/routes.tsx';
import { browseRoutes } from './browse.tsx';
import { directoryEditRoutes } from './editRoutes.tsx';

export function directoryRoutes(app: Hono<AppEnv>) {
  importRoutes(app);
  yearRoutes(app);
  demoRoutes(app);
  browseRoutes(app);
  directoryEditRoutes(app);
}
