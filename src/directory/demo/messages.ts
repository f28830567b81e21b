export const fr = {
  'demo.loaded': "L'association de démonstration est chargée : {schools} écoles, {classes} classes, {households} foyers, {pupils} enfants, {groups} groupes.",
  'demo.error.notEmpty': "L'annuaire contient déjà des foyers : l'association de démonstration ne se charge que dans un annuaire vide.",
  'demo.tryAs.title': 'Essayer en tant que… (démo fictive)',
  'demo.tryAs.intro': "L'annuaire ne contient que l'association de démonstration, dont les personnes sont inventées : ouvrez une session à la place de l'une d'elles pour voir ce qu'elle voit. Ce choix disparaît pour toujours dès qu'un vrai tableur est importé.",
  'demo.tryAs.treasurer': 'Trésorier ou trésorière — {name}',
  'demo.tryAs.regent': "Régent ou régente d'une classe — {name}",
  'demo.tryAs.parent': "Parent d'élève — {name}",
  'demo.tryAs.unavailable': "Essayer en tant que quelqu'un n'est possible qu'avec l'association de démonstration, tant qu'aucun vrai tableur n'a été importé.",
  'demo.tryAs.current': 'Démo fictive : vous êtes connecté en tant que {name}.',
  'demo.tryAs.back': "Revenir à ma session d'administration",
} as const;
type Catalogue = Record<keyof typeof fr, string>;
export const oc: Catalogue = {
  'demo.loaded': "L'associacion de demostracion es cargada : {schools} escòlas, {classes} classas, {households} ostals, {pupils} enfants, {groups} grops.",
  'demo.error.notEmpty': "L'annuari conten ja d'ostals : l'associacion de demostracion se carga pas que dins un annuari void.",
  'demo.tryAs.title': 'Ensajar en tant que… (demostracion fictiva)',
  'demo.tryAs.intro': "L'annuari conten pas que l'associacion de demostracion, que sas personas son inventadas : dobrissètz una session a la plaça d'una d'elas per veire çò que vei. Aquesta causida desapareis per totjorn tre qu'un vertadièr tablèu es importat.",
  'demo.tryAs.treasurer': 'Tresorièr o tresorièra — {name}',
  'demo.tryAs.regent': "Regent o regenta d'una classa — {name}",
  'demo.tryAs.parent': "Parent d'escolan — {name}",
  'demo.tryAs.unavailable': "Ensajar en tant que qualqu'un es pas possible qu'amb l'associacion de demostracion, tant que cap de vertadièr tablèu es pas estat importat.",
  'demo.tryAs.current': 'Demostracion fictiva : sètz connectat en tant que {name}.',
  'demo.tryAs.back': "Tornar a ma session d'administracion",
};
export const en: Catalogue = {
  'demo.loaded': 'The demo association is loaded: {schools} schools, {classes} classes, {households} households, {pupils} children, {groups} groups.',
  'demo.error.notEmpty': 'The directory already has households: the demo association can only be loaded into an empty directory.',
  'demo.tryAs.title': 'Try as… (fictional demo)',
  'demo.tryAs.intro': 'The directory holds only the demo association, whose people are invented: open a session as one of them to see what they see. This choice disappears for good as soon as a real spreadsheet is imported.',
  'demo.tryAs.treasurer': 'Treasurer — {name}',
  'demo.tryAs.regent': 'Regent of a class — {name}',
  'demo.tryAs.parent': 'Parent — {name}',
  'demo.tryAs.unavailable': 'Trying as someone is only possible with the demo association, as long as no real spreadsheet has been imported.',
  'demo.tryAs.current': 'Fictional demo: you are signed in as {name}.',
  'demo.tryAs.back': 'Back to my administrator session',
};
