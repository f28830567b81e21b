// What every request handler and page gets: language, translator, the signed-in viewer,
// the CSRF token for forms, and the platform's dependencies.
import type { Context } from 'hono';
import type { Config } from '../config.ts';
import type { Db, Handle } from '../db.ts';
import type { Lang, Translate } from '../i18n/index.ts';
import type { Viewer } from '../../auth/viewer.ts';
import type { Mailer } from '../mail.ts';

export interface Deps {
  handle: Handle;
  db: Db;
  config: Config;
  mailer: Mailer;
}

export interface RequestContext {
  lang: Lang;
  t: Translate;
  viewer: Viewer | null;
  csrf: string;
  path: string;
  deps: Deps;
}

export interface AppEnv {
  Variables: { rc: RequestContext };
}

export type Ctx = Context<AppEnv>;
