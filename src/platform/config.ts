// Configuration comes from the environment (and an optional .env file).
// A bad value stops start-up with one line naming the variable.
import { isIP } from 'node:net';
import path from 'node:path';

export interface Config {
  port: number;
  smtpPort: number;
  dataDir: string;
  /** postgres:// URL of a PostgreSQL server; undefined means embedded PGlite in dataDir. The role it names serves. */
  databaseUrl: string | undefined;
  /**
   * postgres:// URL of the same database as the role that owns the schema: migrations and the
   * serving role's privileges run through it. Undefined: databaseUrl's role does both.
   */
  databaseOwnerUrl: string | undefined;
  /** DATABASE_SERVE_AS_OWNER=yes: serve even as a superuser or the schema's owner (not advised). */
  databaseServeAsOwner: boolean;
  publicUrl: string;
  mailDomain: string;
  /** smtp:// or smtps:// URL of the outbound relay; undefined keeps mail in the outbox. */
  smtpRelayUrl: string | undefined;
  /** Reverse proxies whose X-Forwarded-For is believed, as address/prefix ranges; empty: none. */
  trustedProxies: string[];
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

/** TRUSTED_PROXIES: comma-separated IP addresses or CIDR ranges, each normalised to address/prefix. */
function trustedProxies(env: NodeJS.ProcessEnv): string[] {
  const raw = env.TRUSTED_PROXIES ?? '';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const [address = '', prefix, extra] = entry.split('/');
      const kind = isIP(address);
      const max = kind === 4 ? 32 : 128;
      if (kind === 0 || extra !== undefined || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))) {
        throw new ConfigError('TRUSTED_PROXIES', `expected IP addresses or CIDR ranges separated by commas, got "${entry}"`);
      }
      return `${address.toLowerCase()}/${prefix ?? max}`;
    });
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const p = port(env, 'PORT', 8080);
  const smtpPort = port(env, 'SMTP_PORT', 2525);
  const dataDir = path.resolve(cwd, env.DATA_DIR || 'data');
  const db = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const owner = url(env, 'DATABASE_OWNER_URL', ['postgres:', 'postgresql:']);
  if (owner && !db) throw new ConfigError('DATABASE_OWNER_URL', 'needs DATABASE_URL too (the role that serves)');
  if (owner && db && decodeURIComponent(owner.username) === decodeURIComponent(db.username)) {
    throw new ConfigError('DATABASE_OWNER_URL', 'names the same role as DATABASE_URL: the serving role must be another one (see "Database roles" in the README)');
  }
  const serveAsOwner = (env.DATABASE_SERVE_AS_OWNER ?? '').toLowerCase();
  if (!['', 'yes', 'no'].includes(serveAsOwner)) {
    throw new ConfigError('DATABASE_SERVE_AS_OWNER', `expected "yes" or "no", got "${env.DATABASE_SERVE_AS_OWNER}"`);
  }
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
    databaseOwnerUrl: owner?.toString(),
    databaseServeAsOwner: serveAsOwner === 'yes',
    publicUrl: publicUrl.toString().replace(/\/$/, ''),
    mailDomain: mailDomain.toLowerCase(),
    smtpRelayUrl: relay?.toString(),
    trustedProxies: trustedProxies(env),
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
