export const fr = {} as const;
type Catalogue = Record<keyof typeof fr, string>;
export const oc: Catalogue = {};
export const en: Catalogue = {};
