// Translation catalogues: French first, Occitan (lenga d'òc, languedocien) and English.
// Each module keeps its own catalogue (src/<module>/messages.ts) exporting fr, oc and en;
// oc and en are typed by fr's keys, so a missing translation fails the type check. Each module's
// module.ts registers its catalogues' type in `Register`, from which the message keys are derived;
// the app (src/app/messages.ts) joins the catalogues and installs them here: the platform imports no module.
import type * as platform from '../messages.ts';
import type { Catalogue } from '../module.ts';

export const LANGS = ['fr', 'oc', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const LANG_NAMES: Record<Lang, string> = { fr: 'Français', oc: 'Occitan', en: 'English' };

/** Catalogues by module: each module.ts adds its own (`declare module … { interface Register { lists: … } }`). */
export interface Register {
  platform: typeof platform;
}
type Fr = Register[keyof Register]['fr'];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
export type MessageKey = keyof UnionToIntersection<Fr> & string;

const merged: Record<Lang, Record<string, string>> = { fr: {}, oc: {}, en: {} };
const installed = new Set<Catalogue>();

/** Joins catalogues into the tables translators read; a catalogue given again is skipped, a key defined twice is an error. */
export function installCatalogues(catalogues: Iterable<Catalogue>): void {
  for (const c of catalogues) {
    if (installed.has(c)) continue;
    for (const lang of LANGS) {
      for (const k of Object.keys(c[lang])) {
        if (k in merged[lang]) throw new Error(`message key "${k}" is defined twice`);
      }
    }
    for (const lang of LANGS) Object.assign(merged[lang], c[lang]);
    installed.add(c);
  }
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGS as readonly string[]).includes(x);
}

export function translator(lang: Lang): Translate {
  const table = merged[lang];
  return (key, params) => {
    // Loud rather than a page of keys: whoever translates must have composed the app (src/app/messages.ts).
    if (installed.size === 0) throw new Error('no message catalogue installed: import src/app/messages.ts');
    const text = table[key] ?? merged.fr[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

/** Picks the best language from an Accept-Language header, French when nothing fits. */
export function negotiate(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'fr';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      return { tag: (tag ?? '').toLowerCase().split('-')[0] ?? '', q: q ? Number(q.split('=')[1]) : 1 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const r of ranked) if (isLang(r.tag)) return r.tag;
  return 'fr';
}
