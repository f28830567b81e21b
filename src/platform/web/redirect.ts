// Where a form may send the browser after it is done (sign-in, language switch): only a path on
// this site. Browsers are lenient with what follows a Location header — they drop tabs and
// newlines, read "\" as "/", and take "//host" as another site — so the value is parsed the way
// a browser would (WHATWG URL) and anything that could leave the site falls back to "/".

const ORIGIN = 'http://ostal.invalid';
/** A longer value is no page of ours; it is not worth parsing. */
const MAX_LENGTH = 2048;

/** A same-site path (with its query and fragment) to redirect to, or "/". */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LENGTH) return '/';
  // Control characters (a newline would also break the header: a 500 before), spaces and
  // backslashes have no place in a path we link to; browsers would strip or rewrite them.
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//')) return '/';
  let url: URL;
  try {
    url = new URL(raw, ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== ORIGIN) return '/';
  // Re-serialised, so what is sent is what was checked; dot segments are resolved by then,
  // and "/.//evil" would have become "//evil": checked again. Encoded control characters, and an
  // encoded slash or backslash opening the path, are refused too, for a proxy that would decode them.
  const path = url.pathname + url.search + url.hash;
  if (!path.startsWith('/') || path.startsWith('//') || /^\/%(2f|5c)/i.test(path) || /%([01][0-9a-f]|7f)/i.test(path)) return '/';
  return path;
}
