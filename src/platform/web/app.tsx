// The web application: middleware (language, session, CSRF), error mapping, platform pages,
// and each module's routes (deps.modules, composed in src/app/).
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { isLang, negotiate, translator, type Lang } from '../i18n/index.ts';
import { DomainError } from '../errors.ts';
import { viewerSource } from '../module.ts';
import { platformRoutes } from './pages.tsx';
import type { AppEnv, Deps, RequestContext } from './context.ts';
import { Layout } from './layout.tsx';
import { NeedsSignin } from './guards.ts';
import { safeNext } from './redirect.ts';
import { fromThisSite, sameToken, sessionFormToken } from './csrf.ts';

export const SESSION_COOKIE = 'ostal_session';
const CSRF_COOKIE = 'ostal_csrf';
const LANG_COOKIE = 'ostal_lang';

function secure(deps: Deps) {
  return deps.config.publicUrl.startsWith('https:');
}

/** The largest request body any form takes: a 50 MB FEC file plus its form (1 MB of margin). */
export const MAX_POST_BYTES = 51 * 1024 * 1024;

export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const viewerOf = viewerSource(deps.modules);

  app.use('*', async (c, next) => {
    const cookieLang = getCookie(c, LANG_COOKIE);
    const lang: Lang = isLang(cookieLang) ? cookieLang : negotiate(c.req.header('accept-language'));
    const token = getCookie(c, SESSION_COOKIE);
    const viewer = token ? await viewerOf(deps.db, token) : null;
    // Signed in: the form token is the session's (new at each sign-in). Before: a random one in
    // a cookie, repeated in the form (double submit).
    let csrf = getCookie(c, CSRF_COOKIE);
    if (!csrf || !/^[A-Za-z0-9_-]{32,64}$/.test(csrf)) {
      csrf = randomBytes(24).toString('base64url');
      setCookie(c, CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'Lax', path: '/', secure: secure(deps) });
    }
    if (viewer && token) csrf = sessionFormToken(token);
    const rc: RequestContext = { lang, t: translator(lang), viewer, csrf, path: new URL(c.req.url).pathname, deps };
    c.set('rc', rc);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    c.header('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");
    // Never kept by a browser's or a proxy's cache: every page carries this browser's CSRF token
    // (the language form at least), a signed-in person's pages their data, a personal link's page
    // its token. One rule for all rather than one header per route that a new route could forget.
    c.header('Cache-Control', 'no-store');
    // Behind https, browsers are told to come back by https only (a year, renewed on each visit).
    if (secure(deps)) c.header('Strict-Transport-Security', 'max-age=31536000');
    await next();
  });

  // A POST from another site is refused before anything reads its body. The public API (one-click
  // unsubscription, RFC 8058) is posted by mail providers' servers; its token is in its path.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST' || c.req.path.startsWith('/api/public/')) return next();
    const headers = { origin: c.req.header('origin'), referer: c.req.header('referer'), host: c.req.header('host') };
    if (!fromThisSite(headers, deps.config.publicUrl)) return errorPage(c.get('rc'), c, 403, c.get('rc').t('error.crossSite'));
    return next();
  });

  // A module's own size limits (the directory import's) must act before the CSRF check below reads the body.
  for (const { path, limit } of deps.modules.flatMap((m) => m.bodyLimits ?? [])) app.use(path, limit);
  // Every other form: nothing reads more than the largest upload a page accepts (a FEC file),
  // so an oversized body is refused before the CSRF check parses it into memory.
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_POST_BYTES,
      onError: (c) => errorPage(c.get('rc'), c, 413, c.get('rc').t('error.tooLarge', { max: MAX_POST_BYTES / (1024 * 1024) - 1 })),
    }),
  );

  // CSRF: every POST form carries the token of its session, or before sign-in of its cookie.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST' || c.req.path.startsWith('/api/public/')) return next();
    const ct = c.req.header('content-type') ?? '';
    if (!ct.startsWith('application/x-www-form-urlencoded') && !ct.startsWith('multipart/form-data')) {
      throw new HTTPException(415, { message: 'unsupported content type' });
    }
    const body = await c.req.parseBody({ all: false });
    const sent = typeof body._csrf === 'string' ? body._csrf : '';
    const expected = c.get('rc').csrf;
    if (!sameToken(sent, expected)) {
      return errorPage(c.get('rc'), c, 403, c.get('rc').t('error.csrf'));
    }
    return next();
  });

  app.post('/lang', async (c) => {
    const body = await c.req.parseBody();
    const lang = body.lang;
    if (isLang(lang)) setCookie(c, LANG_COOKIE, lang, { sameSite: 'Lax', path: '/', maxAge: 365 * 86400, secure: secure(deps) });
    return c.redirect(safeNext(body.next), 303);
  });

  platformRoutes(app);
  for (const m of deps.modules) m.routes?.(app);

  app.notFound((c) => errorPage(c.get('rc'), c, 404, c.get('rc').t('error.notFound')));
  app.onError((err, c) => {
    const rc = c.get('rc');
    if (err instanceof NeedsSignin) return c.redirect(`/signin?next=${encodeURIComponent(err.next)}`, 303);
    if (err instanceof DomainError) return errorPage(rc, c, err.status, rc.t(err.key, err.params));
    if (err instanceof HTTPException) return errorPage(rc, c, err.status, err.status === 413 ? rc.t('error.tooLarge', { max: MAX_POST_BYTES / (1024 * 1024) - 1 }) : err.message);
    // Unexpected: log the error (never the request body, nor a token in the path) and answer 500.
    console.error(`error on ${c.req.method} ${pathForLog(c.req.path)}:`, err);
    return errorPage(rc, c, 500, rc ? rc.t('error.internal') : 'Internal error');
  });
  return app;
}

/**
 * The path as logged: a segment that may be a token (a sign-in link, a personal survey link, an
 * unsubscribe link: 16 or more URL-safe characters) is replaced, so that no link in the log acts as anyone.
 */
export function pathForLog(path: string): string {
  return path
    .split('/')
    .map((seg) => (/^[A-Za-z0-9_.~%-]{16,}$/.test(seg) && /[0-9]/.test(seg) ? '…' : seg))
    .join('/');
}

function errorPage(rc: RequestContext | undefined, c: import('hono').Context<AppEnv>, status: number, message: string) {
  if (!rc) return c.text(message, status as 500);
  return c.html(
    <Layout rc={rc} title={rc.t('error.title')}>
      <div class="notice error" role="alert">
        {message}
      </div>
      <p>
        <a href="/">{rc.t('error.back')}</a>
      </p>
    </Layout>,
    status as 500,
  );
}
