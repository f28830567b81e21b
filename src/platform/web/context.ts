// What every request handler and page gets: language, translator, the signed-in viewer,
// the CSRF token for forms, and the platform's dependencies.
import type { Context } from 'hono';
import type { Config } from '../config.ts';
import type { Db, Handle } from '../db.ts';
import type { Lang, Translate } from '../i18n/index.ts';
import type { Mailer } from '../mail.ts';
import type { Module } from '../module.ts';

/**
 * Who is signed in. Roles come from the directory: IT group members (and bootstrap admins)
 * administer the platform, a regent sees their classes, a parent sees their household.
 * The sign-in module builds it (src/auth/viewer.ts).
 */
export interface Viewer {
  personId: number;
  firstName: string;
  lastName: string;
  isAdmin: boolean;
  regentClassIds: number[];
  householdIds: number[];
  groupIds: number[];
  /** The person's group memberships, for rules that depend on the kind of group and the role in it (the books). */
  memberships: Array<{ kind: string; slug: string; role: string }>;
}

export interface Deps {
  handle: Handle;
  db: Db;
  config: Config;
  mailer: Mailer;
  /** The modules the app is composed of (src/app/modules.ts). */
  modules: readonly Module[];
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
