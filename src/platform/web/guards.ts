import { Forbidden } from '../errors.ts';
import type { Ctx, Viewer } from './context.ts';

/** Thrown when a page needs a signed-in person; the web layer redirects to /signin. */
export class NeedsSignin extends Error {
  constructor(readonly next: string) {
    super('sign-in required');
  }
}

export function requireViewer(c: Ctx): Viewer {
  const rc = c.get('rc');
  if (!rc.viewer) throw new NeedsSignin(rc.path);
  return rc.viewer;
}

export function requireAdmin(c: Ctx): Viewer {
  const v = requireViewer(c);
  if (!v.isAdmin) throw new Forbidden('error.forbidden');
  return v;
}

/** The actor recorded in the audit trail for a web request. */
export function actorOf(v: Viewer) {
  return { personId: v.personId, label: `${v.firstName} ${v.lastName}` };
}

/** Reads one text field of a parsed form body, trimmed; '' when absent. */
export function field(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  return typeof v === 'string' ? v.trim() : '';
}
