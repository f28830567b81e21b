export const fr = {
  'lists.error.address': 'Adresse électronique invalide : « {address} ».',
  'lists.error.slug': 'Adresse de liste invalide : « {slug} » (lettres minuscules, chiffres, tirets).',
  'lists.error.name': 'Le nom de la liste est obligatoire.',
  'lists.error.exists': 'La liste {slug} existe déjà.',
  'lists.error.notFound': 'Liste introuvable : {slug}.',
  'lists.error.noPerson': "Personne n'a l'adresse {address} dans l'annuaire.",
  'lists.error.noOwner': 'Une liste garde toujours au moins un propriétaire.',
} as const;
type Catalogue = Record<keyof typeof fr, string>;
export const oc: Catalogue = {
  'lists.error.address': 'Adreça electronica invalida : « {address} ».',
  'lists.error.slug': 'Adreça de lista invalida : « {slug} » (letras minusculas, chifras, tirets).',
  'lists.error.name': 'Lo nom de la lista es obligatòri.',
  'lists.error.exists': 'La lista {slug} existís ja.',
  'lists.error.notFound': 'Lista introbabla : {slug}.',
  'lists.error.noPerson': "Degun a pas l'adreça {address} dins l'annuari.",
  'lists.error.noOwner': 'Una lista garda totjorn almens un proprietari.',
};
export const en: Catalogue = {
  'lists.error.address': 'Invalid e-mail address: "{address}".',
  'lists.error.slug': 'Invalid list address: "{slug}" (lowercase letters, digits, hyphens).',
  'lists.error.name': 'The list name is required.',
  'lists.error.exists': 'The list {slug} already exists.',
  'lists.error.notFound': 'No such list: {slug}.',
  'lists.error.noPerson': 'Nobody has the address {address} in the directory.',
  'lists.error.noOwner': 'A list always keeps at least one owner.',
};
