// What a module gives the platform. Each module describes itself in src/<module>/module.ts;
// src/app/ lists the modules and composes them (web app, server, command line, messages,
// demo). The platform never imports a module: it only walks this interface.
import type { Hono, MiddlewareHandler } from 'hono';
import type { Child } from 'hono/jsx';
import type { Actor } from './audit.ts';
import type { CliCommand } from './cli/command.ts';
import type { Db, Tx } from './db.ts';
import type { MessageKey } from './i18n/index.ts';
import type { AppEnv, Ctx, Deps, RequestContext, Viewer } from './web/context.ts';

/** A translation catalogue (src/<module>/messages.ts): oc and en are typed by fr's keys. */
export interface Catalogue {
  fr: Readonly<Record<string, string>>;
  oc: Readonly<Record<string, string>>;
  en: Readonly<Record<string, string>>;
}

/** An entry of the page menu, shown to the viewers it is for, sorted by rank. */
export interface NavEntry {
  href: string;
  label: MessageKey;
  rank: number;
  shows(viewer: Viewer): boolean;
}

/** What a module shows on a signed-in person's home page. */
export interface HomeParts {
  /** At the top (a notice, a switch). */
  notice?: Child;
  /** Cards beside the others. */
  cards?: Child;
  /** Inside the administrators' card. */
  admin?: Child;
}

/** What the demo association's loader tells each module's demo (src/directory/demo/load.ts). */
export interface DemoContext {
  actor: Actor;
  /** The current school year the demo classes belong to. */
  yearId: number;
  schoolIds: number[];
  /** Group ids by kind (the first group of each kind). */
  groupIds: Partial<Record<string, number>>;
  /** Ids of the demo's people by "First Last". */
  personIds: Map<string, number>;
}

/**
 * A module's part of the demo association: runs inside the loader's transaction, after the
 * directory is loaded; the counts it returns are added to the loader's result.
 */
export type DemoHook = (trx: Tx, ctx: DemoContext) => Promise<Record<string, number> | void>;

/** Stops what `start` started. */
export type Stop = () => Promise<void>;

export interface Module {
  /** The folder's name: 'directory', 'lists'… */
  name: string;
  /** Its translation catalogues (their type registered in i18n's Register by module.ts); src/app/messages.ts joins them. */
  messages?: readonly Catalogue[];
  /** Mounts its pages on the web app. */
  routes?(app: Hono<AppEnv>): void;
  /** Body limits that must act before the app-wide one and the CSRF check read the body (an upload larger than the rest). */
  bodyLimits?: ReadonlyArray<{ path: string; limit: MiddlewareHandler<AppEnv> }>;
  /** The sign-in module turns a session cookie into the viewer; exactly one module provides it. */
  viewer?(db: Db, sessionToken: string): Promise<Viewer | null>;
  nav?: readonly NavEntry[];
  home?(c: Ctx, viewer: Viewer): Promise<HomeParts>;
  /** A section of the administrators' settings page. */
  settings?(rc: RequestContext): Promise<Child>;
  /** Its `ostal …` commands. */
  commands?: readonly CliCommand[];
  /** Prepares the platform's mailer for its mail (a DKIM key), in the server and before every command. */
  prepareMailer?(deps: Pick<Deps, 'db' | 'config' | 'mailer'>): Promise<void>;
  /** Starts its services beside HTTP (listeners, schedulers), in module order; stopped in reverse order. */
  start?(deps: Deps): Promise<Stop | void>;
  demo?: DemoHook;
}

/** The one module that signs people in. */
export function viewerSource(modules: readonly Module[]): NonNullable<Module['viewer']> {
  const sources = modules.filter((m) => m.viewer);
  if (sources.length !== 1) throw new Error(`exactly one module must resolve sessions, found ${sources.length}`);
  return sources[0]!.viewer!.bind(sources[0]);
}
