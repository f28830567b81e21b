// The platform started with the app's modules and translations: used by main.ts, the tests and the benches.
import type { Config } from '../platform/config.ts';
import type { Handle } from '../platform/db.ts';
import { startPlatform, type Running } from '../platform/server.ts';
import './messages.ts';
import { MODULES } from './modules.ts';

export type { Running };

export function startOstal(config: Config, opts: { handle?: Handle; port?: number } = {}): Promise<Running> {
  return startPlatform(config, MODULES, opts);
}
