export const fr = {
  'demo.loaded': "L'association de démonstration est chargée : {schools} écoles, {classes} classes, {households} foyers, {pupils} enfants, {groups} groupes.",
  'demo.error.notEmpty': "L'annuaire contient déjà des foyers : l'association de démonstration ne se charge que dans un annuaire vide.",
} as const;
type Catalogue = Record<keyof typeof fr, string>;
export const oc: Catalogue = {
  'demo.loaded': "L'associacion de demostracion es cargada : {schools} escòlas, {classes} classas, {households} ostals, {pupils} enfants, {groups} grops.",
  'demo.error.notEmpty': "L'annuari conten ja d'ostals : l'associacion de demostracion se carga pas que dins un annuari void.",
};
export const en: Catalogue = {
  'demo.loaded': 'The demo association is loaded: {schools} schools, {classes} classes, {households} households, {pupils} children, {groups} groups.',
  'demo.error.notEmpty': 'The directory already has households: the demo association can only be loaded into an empty directory.',
};
