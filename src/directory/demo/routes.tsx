// The demo's "try as" switch (see tryAs.ts): an administrator opens a session as a demo person,
// and comes back to their own session from the home page.
import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../platform/web/context.ts';
import { actorOf, field, requireAdmin } from '../../platform/web/guards.ts';
import { Forbidden } from '../../platform/errors.ts';
import { endSession, sessionPerson } from '../../auth/signin.ts';
import { loadViewer } from '../../auth/viewer.ts';
import { SESSION_COOKIE, startSession } from '../../auth/routes.tsx';
import { isTryAsRole, tryAs } from './tryAs.ts';

/** The administrator's own session while they try the demo as someone else. */
export const DEMO_RETURN_COOKIE = 'ostal_demo_return';

export function demoRoutes(app: Hono<AppEnv>) {
  app.post('/directory/demo/try-as', async (c) => {
    const v = requireAdmin(c);
    const rc = c.get('rc');
    const body = await c.req.parseBody();
    const role = field(body, 'role');
    if (!isTryAsRole(role)) throw new Forbidden('demo.tryAs.unavailable');
    const { sessionToken } = await tryAs(rc.deps.db, actorOf(v), v.isAdmin, role);
    const own = getCookie(c, SESSION_COOKIE);
    // Kept only if it is not itself a demo session (trying as a second person keeps the first return).
    if (own && !getCookie(c, DEMO_RETURN_COOKIE)) {
      setCookie(c, DEMO_RETURN_COOKIE, own, { httpOnly: true, sameSite: 'Lax', path: '/', secure: rc.deps.config.publicUrl.startsWith('https:') });
    }
    startSession(c, sessionToken);
    return c.redirect('/', 303);
  });

  app.post('/directory/demo/try-as/back', async (c) => {
    const rc = c.get('rc');
    const back = getCookie(c, DEMO_RETURN_COOKIE);
    deleteCookie(c, DEMO_RETURN_COOKIE, { path: '/' });
    const current = getCookie(c, SESSION_COOKIE);
    if (current) await endSession(rc.deps.db, current);
    const personId = back ? await sessionPerson(rc.deps.db, back) : null;
    const admin = personId ? await loadViewer(rc.deps.db, personId) : null;
    if (!back || !admin?.isAdmin) {
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.redirect('/signin', 303);
    }
    startSession(c, back);
    return c.redirect('/', 303);
  });
}
