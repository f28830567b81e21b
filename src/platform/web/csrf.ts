// Forms are protected twice. The token in every form is bound to the session: an HMAC of the
// session's secret, so it changes at sign-in (a token taken before is refused after) and another
// session's token is worth nothing. Before sign-in (the sign-in forms, a survey answered by its
// personal link) it is a random value in a SameSite cookie, repeated in the form. And a POST
// must come from this site: its Origin (or, without one, its Referer) is PUBLIC_URL's or the
// request's own host.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The form token of a signed-in session: derived from its secret, never stored. */
export function sessionFormToken(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('ostal form token').digest('base64url');
}

export function sameToken(sent: string, expected: string): boolean {
  return sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

/**
 * Whether a POST comes from this site. Browsers send Origin with every form POST (Referer when
 * an older one does not); "null" (a sandboxed frame, a redirect across sites) is refused. With
 * neither — a script, not a browser acting for someone — the token alone decides.
 */
export function fromThisSite(headers: { origin?: string | undefined; referer?: string | undefined; host?: string | undefined }, publicUrl: string): boolean {
  const claimed = headers.origin ?? headers.referer;
  if (claimed === undefined) return true;
  let url: URL;
  try {
    url = new URL(claimed);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.origin === new URL(publicUrl).origin || (headers.host !== undefined && url.host === headers.host.toLowerCase());
}
