// Test support for HTTP: the whole app on a test database, and a small cookie-keeping client
// that fills in the form token like a browser would with our forms.
import type { Handle } from '../platform/db.ts';
import { loadConfig, type Config } from '../platform/config.ts';
import { openSession } from '../auth/signin.ts';
import { startOstal, type Running } from './server.ts';

export async function startTestPlatform(handle: Handle, env: Record<string, string> = {}): Promise<Running & { config: Config }> {
  const config = loadConfig({ PORT: '0', SMTP_PORT: '0', MAIL_DOMAIN: 'lists.example.org', DATA_DIR: '/nonexistent', ...env });
  const running = await startOstal(config, { handle, port: 0 });
  // PUBLIC_URL defaults to the configured port; point it at the real one for links in mail.
  running.deps.config.publicUrl = running.url;
  return { ...running, config };
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  #cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  #store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.base + path, { headers: { cookie: this.#cookieHeader(), ...headers }, redirect: 'manual' });
    this.#store(res);
    return res;
  }

  #csrf: { key: string; token: string } | undefined;

  /** The form token a page carries now (read from a page again after the session changes). */
  async csrf(): Promise<string> {
    const key = () => `${this.cookies.get('ostal_session')}|${this.cookies.get('ostal_csrf')}`;
    if (this.#csrf?.key === key()) return this.#csrf.token;
    const page = await (await this.get('/signin')).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!token) throw new Error('no form token on /signin');
    this.#csrf = { key: key(), token };
    return token;
  }

  async post(path: string, fields: Record<string, string>, opts: { csrf?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
    const body = new URLSearchParams(fields);
    const token = opts.csrf === undefined ? await this.csrf() : opts.csrf;
    if (token !== null) body.set('_csrf', token);
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { cookie: this.#cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
      body,
      redirect: 'manual',
    });
    this.#store(res);
    return res;
  }

  async postMultipart(path: string, form: FormData): Promise<Response> {
    form.set('_csrf', await this.csrf());
    const res = await fetch(this.base + path, { method: 'POST', headers: { cookie: this.#cookieHeader() }, body: form, redirect: 'manual' });
    this.#store(res);
    return res;
  }

  /** Signs in as a person directly (the sign-in flow itself has its own tests). */
  async signInAs(handle: Handle, personId: number): Promise<void> {
    const token = await openSession(handle.db, personId, { personId, label: 'test' });
    this.cookies.set('ostal_session', token);
  }
}
