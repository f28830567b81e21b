export const fr = { 'directory.title': 'Annuaire' } as const;
type Catalogue = Record<keyof typeof fr, string>;
export const oc: Catalogue = { 'directory.title': 'Annuari' };
export const en: Catalogue = { 'directory.title': 'Directory' };
