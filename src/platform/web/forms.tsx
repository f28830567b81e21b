// What every module's pages do with forms and addresses, done once: read an id from the path,
// read a posted form, show a refused form again as it was typed with the reason above it, and
// show a notice named by a message key (never text taken from the address: a link someone sends
// could otherwise make the site say anything).
import { DomainError, Forbidden, NotFound } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { Ctx } from './context.ts';
import { Notice } from './layout.tsx';

/** A path parameter that must be an integer id (≥ 1, or ≥ `min`); anything else is "not found". */
export function intParam(c: Ctx, name = 'id', notFound: MessageKey = 'error.notFound', min = 1): number {
  const raw = c.req.param(name) ?? '';
  const n = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new NotFound(notFound, { id: raw.slice(0, 40) });
  return n;
}

/** The text fields of a posted form (the CSRF token aside), as typed. */
export async function formValues(c: Ctx): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const [k, x] of Object.entries(await c.req.parseBody())) if (k !== '_csrf' && typeof x === 'string') values[k] = x;
  return values;
}

/** A form that was refused: which one on the page, what was typed, and the reason in words. */
export type Refused = { form: string; values: Record<string, string>; error: string } | null;

/**
 * Runs a write and redirects where it says; when the domain refuses it (a DomainError other than
 * Forbidden or NotFound, which are pages of their own), shows the page again with the form as it
 * was sent, so nothing typed is lost.
 */
export async function attempt(
  c: Ctx,
  form: string,
  values: Record<string, string>,
  write: () => Promise<string>,
  show: (c: Ctx, r: Refused, status: number) => Promise<Response>,
): Promise<Response> {
  try {
    return c.redirect(await write(), 303);
  } catch (err) {
    if (!(err instanceof DomainError) || err instanceof Forbidden || err instanceof NotFound) throw err;
    return show(c, { form, values, error: c.get('rc').t(err.key, err.params) }, err.status);
  }
}

/** The value to put back in a field: what was typed if this form was refused, else the stored one. */
export function refusedValue(r: Refused, form: string, name: string, fallback = ''): string {
  return r && r.form === form ? (r.values[name] ?? '') : fallback;
}

/** What a text field may carry besides its name and value. */
export interface FieldAttrs {
  type?: 'text' | 'email' | 'date' | 'number' | 'tel';
  required?: boolean;
  minlength?: number;
  maxlength?: number;
  inputmode?: 'numeric' | 'decimal' | 'email' | 'tel';
  placeholder?: string;
  list?: string;
  disabled?: boolean;
}

/**
 * A labelled text field of form `form` (its id is `form-name`): what was typed if that form was
 * refused, else `value`.
 */
export function Field({ r, form, name, label, value = '', type = 'text', ...attrs }: { r: Refused; form: string; name: string; label: string; value?: string } & FieldAttrs) {
  const id = `${form}-${name}`;
  return (
    <>
      <label for={id}>{label}</label>
      <input type={type} id={id} name={name} value={refusedValue(r, form, name, value)} {...attrs} />
    </>
  );
}

/** The reason a form was refused, above that form only. */
export function FormError({ r, form }: { r: Refused; form: string }) {
  return r && r.form === form ? <Notice kind="error">{r.error}</Notice> : <></>;
}

/**
 * The notice named by `?<param>=<name>` after a redirect, among the names this page knows;
 * an unknown name shows nothing. `counts` names the query parameters the message may quote
 * ("46 invitations prepared"): only whole numbers are taken.
 */
export function QueryNotice({ c, param = 'done', notices, counts = [] }: { c: Ctx; param?: string; notices: Record<string, MessageKey>; counts?: readonly string[] }) {
  const name = c.req.query(param);
  const key = name !== undefined && Object.hasOwn(notices, name) ? notices[name] : undefined;
  if (!key) return <></>;
  const params: Record<string, number> = {};
  for (const p of counts) {
    const v = c.req.query(p) ?? '';
    if (/^[0-9]{1,9}$/.test(v)) params[p] = Number(v);
  }
  return <Notice kind="ok">{c.get('rc').t(key, params)}</Notice>;
}

/** The address of a page with the notice `name` to show after a redirect, and the counts it quotes. */
export function withNotice(path: string, name: string, counts: Record<string, number> = {}, param = 'done'): string {
  const q = new URLSearchParams({ [param]: name });
  for (const [k, v] of Object.entries(counts)) q.set(k, String(v));
  return `${path}${path.includes('?') ? '&' : '?'}${q}`;
}
