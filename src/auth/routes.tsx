import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv, Ctx } from '../platform/web/context.ts';
import { Form, Layout, Notice, PostButton } from '../platform/web/layout.tsx';
import { field } from '../platform/web/guards.ts';
import { DomainError } from '../platform/errors.ts';
import { safeNext } from '../platform/web/redirect.ts';
import { clientIp } from '../platform/web/clientAddress.ts';
import { endSession, redeemCode, redeemLink, requestSignin, SESSION_TTL_MS } from './signin.ts';

export const SESSION_COOKIE = 'ostal_session';


export function startSession(c: Ctx, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: c.get('rc').deps.config.publicUrl.startsWith('https:'),
    maxAge: SESSION_TTL_MS / 1000,
  });
}

function SigninForm({ c, error, email }: { c: Ctx; error?: string; email?: string }) {
  const rc = c.get('rc');
  const t = rc.t;
  return (
    <Layout rc={rc} title={t('auth.signin.title')}>
      {error && <Notice kind="error">{error}</Notice>}
      <p>{t('auth.signin.intro')}</p>
      <Form rc={rc} action="/signin">
        <input type="hidden" name="next" value={safeNext(c.req.query('next'))} />
        <label for="email">{t('auth.email')}</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={email ?? ''} autofocus />
        <p>
          <button type="submit">{t('auth.send')}</button>
        </p>
      </Form>
    </Layout>
  );
}

function CodeForm({ c, handle, email, next, error }: { c: Ctx; handle: string; email: string; next: string; error?: string }) {
  const rc = c.get('rc');
  const t = rc.t;
  return (
    <Layout rc={rc} title={t('auth.code.title')}>
      {error ? <Notice kind="error">{error}</Notice> : <Notice kind="info">{t('auth.code.intro', { email })}</Notice>}
      <Form rc={rc} action="/signin/code">
        <input type="hidden" name="handle" value={handle} />
        <input type="hidden" name="email" value={email} />
        <input type="hidden" name="next" value={next} />
        <label for="code">{t('auth.code.label')}</label>
        <input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength={7} required autofocus />
        <p>
          <button type="submit">{t('auth.code.submit')}</button>
        </p>
      </Form>
      <p>
        <a href="/signin">{t('auth.code.again')}</a>
      </p>
    </Layout>
  );
}

export function authRoutes(app: Hono<AppEnv>) {
  app.get('/signin', (c) => c.html(<SigninForm c={c} />));

  app.post('/signin', async (c) => {
    const rc = c.get('rc');
    const body = await c.req.parseBody();
    const email = field(body, 'email');
    try {
      const { handle } = await requestSignin(rc.deps.db, rc.deps, { email, ip: clientIp(c), t: rc.t });
      return c.html(<CodeForm c={c} handle={handle} email={email.toLowerCase()} next={safeNext(body.next)} />);
    } catch (err) {
      if (err instanceof DomainError) return c.html(<SigninForm c={c} error={rc.t(err.key)} email={email} />, err.status as 400);
      throw err;
    }
  });

  app.post('/signin/code', async (c) => {
    const rc = c.get('rc');
    const body = await c.req.parseBody();
    const handle = field(body, 'handle');
    const next = safeNext(body.next);
    try {
      const { sessionToken } = await redeemCode(rc.deps.db, handle, field(body, 'code'), clientIp(c));
      startSession(c, sessionToken);
      return c.redirect(next, 303);
    } catch (err) {
      if (err instanceof DomainError) {
        return c.html(<CodeForm c={c} handle={handle} email={field(body, 'email')} next={next} error={rc.t(err.key)} />, err.status as 400);
      }
      throw err;
    }
  });

  // GET only shows a button: mail scanners that prefetch links must not consume them.
  app.get('/signin/link/:token', (c) => {
    const rc = c.get('rc');
    return c.html(
      <Layout rc={rc} title={rc.t('auth.link.title')}>
        <p>{rc.t('auth.link.intro')}</p>
        <PostButton rc={rc} action={`/signin/link/${encodeURIComponent(c.req.param('token'))}`} label={rc.t('auth.link.submit')} />
      </Layout>,
    );
  });

  app.post('/signin/link/:token', async (c) => {
    const rc = c.get('rc');
    const { sessionToken } = await redeemLink(rc.deps.db, c.req.param('token'));
    startSession(c, sessionToken);
    return c.redirect('/', 303);
  });

  app.post('/signout', async (c) => {
    const rc = c.get('rc');
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await endSession(rc.deps.db, token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });
}
