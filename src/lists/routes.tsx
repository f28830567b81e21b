import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';

export function listsRoutes(app: Hono<AppEnv>) {
  void app;
}
