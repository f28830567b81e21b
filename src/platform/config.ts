// Configuration comes from the environment (and an optional .env file).
// A bad value stops start-up with one line naming the variable.
import path from 'node:path';

export interface Config {
  port: number;
  smtpPort: number;
  dataDir: string;
  /** postgres:// URL of a PostgreSQL server; undefined means embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  publicUrl: string;
  mailDomain: string;
  /** smtp:// or smtps:// URL of the outbound relay; undefined keeps mail in the outbox. */
  smtpRelayUrl: string | undefined;
  /** Address the HTTP server listens on. */
  host: string;
  /** Loopback port of the list server's LMTP door for a front MTA; undefined: none. */
  listsLmtpPort: number | undefined;
  /** How often the surveys' scheduler runs its pass, in milliseconds. */
  surveysTickMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // 0 asks the system for any free port (used by tests).
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError(name, `expected a port number between 1 and 65535, got "${raw}"`);
  }
  return Number(raw);
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): URL | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL (expected ${protocols.map((p) => p + '//…').join(' or ')})`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return parsed;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const p = port(env, 'PORT', 8080);
  const smtpPort = port(env, 'SMTP_PORT', 2525);
  const dataDir = path.resolve(cwd, env.DATA_DIR || 'data');
  const db = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? new URL(`http://localhost:${p}`);
  const mailDomain = env.MAIL_DOMAIN || 'lists.example.org';
  if (!DOMAIN.test(mailDomain)) throw new ConfigError('MAIL_DOMAIN', `not a valid domain name: "${mailDomain}"`);
  const relay = url(env, 'SMTP_RELAY_URL', ['smtp:', 'smtps:']);
  const host = env.HOST || '0.0.0.0';
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) throw new ConfigError('HOST', `expected an address to listen on (e.g. 127.0.0.1 or ::), got "${host}"`);
  const lmtp = env.LISTS_LMTP_PORT === undefined || env.LISTS_LMTP_PORT === '' ? undefined : port(env, 'LISTS_LMTP_PORT', 0);
  const tick = env.SURVEYS_TICK_MS;
  if (tick !== undefined && tick !== '' && (!/^\d+$/.test(tick) || Number(tick) < 1)) throw new ConfigError('SURVEYS_TICK_MS', `expected a number of milliseconds, got "${tick}"`);
  return {
    port: p,
    smtpPort,
    dataDir,
    databaseUrl: db?.toString(),
    publicUrl: publicUrl.toString().replace(/\/$/, ''),
    mailDomain: mailDomain.toLowerCase(),
    smtpRelayUrl: relay?.toString(),
    host,
    listsLmtpPort: lmtp,
    surveysTickMs: tick ? Number(tick) : 60_000,
  };
}

/** A URL with its password replaced, for logs. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
