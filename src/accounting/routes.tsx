import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';

export function accountingRoutes(app: Hono<AppEnv>) {
  void app;
}
