import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';

export function browseRoutes(app: Hono<AppEnv>) {
  void app;
}
