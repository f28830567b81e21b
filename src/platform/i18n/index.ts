// Translation catalogues: French first, Occitan (lenga d'òc, languedocien) and English.
// Each module keeps its own catalogue (src/<module>/messages.ts) exporting fr, oc and en;
// oc and en are typed by fr's keys, so a missing translation fails the type check.
import * as platform from '../messages.ts';
import * as auth from '../../auth/messages.ts';
import * as directory from '../../directory/messages.ts';
import * as directoryImport from '../../directory/import/messages.ts';
import * as directoryYear from '../../directory/year/messages.ts';
import * as lists from '../../lists/messages.ts';
import * as accounting from '../../accounting/messages.ts';
import * as surveys from '../../surveys/messages.ts';

export const LANGS = ['fr', 'oc', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const LANG_NAMES: Record<Lang, string> = { fr: 'Français', oc: 'Occitan', en: 'English' };

const catalogues = [platform, auth, directory, directoryImport, directoryYear, lists, accounting, surveys] as const;
type Fr = (typeof catalogues)[number]['fr'];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
export type MessageKey = keyof UnionToIntersection<Fr> & string;

const merged: Record<Lang, Record<string, string>> = { fr: {}, oc: {}, en: {} };
for (const c of catalogues) {
  for (const lang of LANGS) {
    for (const [k, v] of Object.entries(c[lang])) {
      if (k in merged[lang]) throw new Error(`message key "${k}" is defined twice`);
      merged[lang][k] = v as string;
    }
  }
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGS as readonly string[]).includes(x);
}

export function translator(lang: Lang): Translate {
  const table = merged[lang];
  return (key, params) => {
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
