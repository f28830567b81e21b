// The page shell: plain HTML, readable on a phone, usable without JavaScript.
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { LANGS, LANG_NAMES } from '../i18n/index.ts';
import type { RequestContext } from './context.ts';
import { STYLE } from './style.ts';
import type { NavEntry } from '../module.ts';

/** The platform's own entries; the modules' come from their module.ts. */
const PLATFORM_NAV: NavEntry[] = [
  { href: '/outbox', label: 'nav.outbox', rank: 120, shows: (v) => v.isAdmin },
  { href: '/settings', label: 'nav.settings', rank: 130, shows: (v) => v.isAdmin },
];

export function CsrfField({ rc }: { rc: RequestContext }) {
  return <input type="hidden" name="_csrf" value={rc.csrf} />;
}

/** A POST form that always carries the CSRF token. */
/** A form that is one button: a POST to `action` with the form token (validate, close, delete…). */
export function PostButton({ rc, action, label, secondary = false, inline = false }: { rc: RequestContext; action: string; label: string; secondary?: boolean; inline?: boolean }) {
  return (
    <Form rc={rc} action={action} class={inline ? 'inline' : undefined}>
      <button type="submit" class={secondary ? 'secondary' : undefined}>{label}</button>
    </Form>
  );
}

export function Form(props: {
  rc: RequestContext;
  action: string;
  enctype?: 'multipart/form-data' | 'application/x-www-form-urlencoded';
  class?: string;
  children?: Child;
}) {
  return (
    <form method="post" action={props.action} enctype={props.enctype} class={props.class}>
      <CsrfField rc={props.rc} />
      {props.children}
    </form>
  );
}

export function Layout({ rc, title, children }: { rc: RequestContext; title: string; children?: Child }) {
  const { t, viewer } = rc;
  const nav: Array<[string, string]> = [['/', t('nav.home')]];
  if (viewer) {
    const entries = [...PLATFORM_NAV, ...rc.deps.modules.flatMap((m) => m.nav ?? [])].filter((e) => e.shows(viewer)).sort((a, b) => a.rank - b.rank);
    for (const e of entries) nav.push([e.href, t(e.label)]);
  }
  return (
    <>
    {raw('<!doctype html>')}
    <html lang={rc.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Ostal`}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          {t('nav.skip')}
        </a>
        <header class="top">
          <a class="brand" href="/">
            Ostal
          </a>
          <nav aria-label={t('nav.menu')}>
            <ul>
              {nav.map(([href, label]) => (
                <li>
                  <a href={href} aria-current={rc.path === href ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
              {viewer ? (
                <li>
                  <Form rc={rc} action="/signout" class="inline">
                    <button type="submit" class="link">
                      {t('nav.signout')}
                    </button>
                  </Form>
                </li>
              ) : (
                <li>
                  <a href="/signin">{t('nav.signin')}</a>
                </li>
              )}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
        <footer>
          <form method="post" action="/lang" class="inline">
            <CsrfField rc={rc} />
            <input type="hidden" name="next" value={rc.path} />
            <label for="lang-select">{t('lang.choose')}</label>{' '}
            <select id="lang-select" name="lang">
              {LANGS.map((l) => (
                <option value={l} selected={l === rc.lang} lang={l}>
                  {LANG_NAMES[l]}
                </option>
              ))}
            </select>{' '}
            <button type="submit">{t('lang.apply')}</button>
          </form>
        </footer>
      </body>
    </html>
    </>
  );
}

export function Notice({ kind, children }: { kind: 'ok' | 'error' | 'info'; children?: Child }) {
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
