// The column layouts the import recognises, detected from a sheet's header row.
// French headers are canonical (the association's spreadsheets are in French); English
// aliases are accepted. Matching ignores case, accents, spaces, underscores and hyphens.
import type { GroupKind, GroupRole, StaffRole } from '../tables.ts';

export type Layout = 'classes' | 'staff' | 'families' | 'groups';

/** The order in which sheets are applied: a families sheet may use a class a classes sheet creates. */
export const LAYOUT_ORDER: Layout[] = ['classes', 'staff', 'families', 'groups'];

export interface ColumnSpec {
  name: string;
  required: boolean;
  aliases: string[];
}

const col = (name: string, required: boolean, ...aliases: string[]): ColumnSpec => ({ name, required, aliases });

function personColumns(prefix: string, englishPrefix: string, required: boolean): ColumnSpec[] {
  const p = prefix ? `${prefix}_` : '';
  const e = englishPrefix ? `${englishPrefix}_` : '';
  return [
    col(`${p}prenom`, required, `${e}first_name`, `${e}firstname`, `${e}given_name`),
    col(`${p}nom`, required, `${e}last_name`, `${e}lastname`, `${e}surname`, `${e}family_name`, `${p}nom_de_famille`),
    col(`${p}email`, required, `${p}e_mail`, `${p}courriel`, `${p}mail`, `${p}adresse_electronique`, `${e}email`, `${e}e_mail`, `${e}mail`),
    col(`${p}telephone`, false, `${p}tel`, `${p}portable`, `${e}phone`, `${e}telephone`, `${e}mobile`),
  ];
}

export const LAYOUTS: Record<Layout, ColumnSpec[]> = {
  classes: [
    col('ecole', true, 'school'),
    col('classe', true, 'class'),
    col('niveau', true, 'level', 'grade'),
    ...personColumns('regent', 'regent', false),
  ],
  families: [
    col('ecole', true, 'school'),
    col('classe', true, 'class'),
    col('foyer', true, 'famille', 'household', 'family'),
    col('enfant_prenom', true, 'enfant', 'eleve_prenom', 'child_first_name', 'child', 'pupil_first_name', 'pupil'),
    ...personColumns('responsable1', 'guardian1', true),
    ...personColumns('responsable2', 'guardian2', false),
  ],
  staff: [col('ecole', false, 'school'), col('fonction', true, 'function', 'role', 'job'), ...personColumns('', '', true)],
  groups: [
    col('groupe', true, 'group'),
    col('type', true, 'kind', 'group_type'),
    ...personColumns('', '', true),
    col('role', false, 'role_dans_le_groupe', 'group_role'),
  ],
};

/** The column whose presence tells the layout apart from the others. */
const MARKERS: Array<[Layout, string]> = [
  ['families', 'foyer'],
  ['groups', 'groupe'],
  ['classes', 'niveau'],
  ['staff', 'fonction'],
];

/** "Régent prénom", "REGENT_PRENOM" and "regent-prénom" are the same header (and "Co-présidente" the same role word). */
export function normalizeHeader(h: string): string {
  return h
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export type HeaderResult =
  | { ok: true; layout: Layout; columns: Array<string | null>; ignored: string[] }
  | { ok: false; problem: 'unknown'; found: string[] }
  | { ok: false; problem: 'missing'; layout: Layout; missing: string[] }
  | { ok: false; problem: 'duplicate'; layout: Layout; column: string };

function lookup(layout: Layout): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of LAYOUTS[layout]) for (const a of [c.name, ...c.aliases]) m.set(normalizeHeader(a), c.name);
  return m;
}

/**
 * Recognises a header row: which layout it is and which canonical column each cell is
 * (null for a column the import ignores, e.g. the association's own notes).
 */
export function detectLayout(header: string[]): HeaderResult {
  const normalized = header.map(normalizeHeader);
  let layout: Layout | undefined;
  for (const [l, marker] of MARKERS) {
    const names = lookup(l);
    if (normalized.some((h) => names.get(h) === marker)) {
      layout = l;
      break;
    }
  }
  if (!layout) return { ok: false, problem: 'unknown', found: header.filter((h) => h.trim() !== '') };
  const names = lookup(layout);
  const columns = normalized.map((h) => names.get(h) ?? null);
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === null) continue;
    if (seen.has(c)) return { ok: false, problem: 'duplicate', layout, column: c };
    seen.add(c);
  }
  const missing = LAYOUTS[layout].filter((c) => c.required && !seen.has(c.name)).map((c) => c.name);
  if (missing.length) return { ok: false, problem: 'missing', layout, missing };
  const ignored = header.filter((h, i) => columns[i] === null && h.trim() !== '');
  return { ok: true, layout, columns, ignored };
}

/** Values of the enumerated columns: the French word, its feminine, and English. */
function aliasTable<T extends string>(entries: Array<[T, string[]]>): Map<string, T> {
  const m = new Map<string, T>();
  for (const [value, words] of entries) for (const w of [value, ...words]) m.set(normalizeHeader(w), value);
  return m;
}

export const STAFF_FUNCTIONS = aliasTable<StaffRole>([
  ['regent', ['regenta', 'teacher', 'enseignant', 'enseignante']],
  ['alsh_director', ['direction_alsh', 'directeur_alsh', 'directrice_alsh', 'alsh_director', 'director']],
  ['alsh_staff', ['animation_alsh', 'animateur_alsh', 'animatrice_alsh', 'animateur', 'animatrice', 'alsh_staff', 'animator']],
  ['other', ['autre', 'other']],
]);
export const STAFF_FUNCTION_WORDS = 'regent, direction_alsh, animation_alsh, autre';

export const GROUP_TYPES = aliasTable<GroupKind>([
  ['commission', ['comission']],
  ['board', ['ca', 'conseil_d_administration', 'conseil_administration', 'board']],
  ['bureau', ['bureau', 'executive', 'executive_board']],
  ['alsh', ['equipe_alsh', 'alsh_team']],
  ['it', ['informatique', 'groupe_informatique', 'it', 'it_group']],
  ['trainers', ['formateurs', 'formatrices', 'formation', 'trainers']],
  ['other', ['autre', 'other']],
]);
export const GROUP_TYPE_WORDS = 'commission, ca, bureau, alsh, informatique, formateurs, autre';

export const GROUP_ROLES_BY_WORD = aliasTable<GroupRole>([
  ['lead', ['responsable', 'referent', 'referente', 'lead', 'leader']],
  ['president', ['president', 'presidente', 'chair']],
  ['co_president', ['co_president', 'co_presidente', 'copresident', 'copresidente', 'co_chair']],
  ['vice_president', ['vice_president', 'vice_presidente', 'vice_chair']],
  ['treasurer', ['tresorier', 'tresoriere', 'treasurer']],
  ['secretary', ['secretaire', 'secretary']],
  ['member', ['membre', 'member']],
]);
export const GROUP_ROLE_WORDS = 'responsable, president, co-president, vice-president, tresorier, secretaire, membre';

/** Fictional example rows of each layout, for the downloadable templates and the docs. */
export const TEMPLATE_ROWS: Record<Layout, string[][]> = {
  classes: [
    ['Calandreta del Pont', 'CP-CE1 Los Aucèls', 'CP', 'Marta', 'Bonafont', 'marta.bonafont@example.org', '06 12 34 56 78'],
    ['Calandreta del Pont', 'CP-CE1 Los Aucèls', 'CP', 'Pèire', 'Castanhièr', 'peire.castanhier@example.org', ''],
    ['Calandreta de la Font', 'CM1', 'CM1', 'Joan', 'Delpuèch', 'joan.delpuech@example.org', '05 61 00 00 00'],
  ],
  families: [
    ['Calandreta del Pont', 'CP-CE1 Los Aucèls', 'Famille Espinasse', 'Éloïse', 'Clara', 'Espinasse', 'clara.espinasse@example.org', '06 98 76 54 32', 'Tomàs', 'Ricard', 'tomas.ricard@example.org; t.ricard@example.net', ''],
    ['Calandreta de la Font', 'CM1', 'Famille Espinasse', 'Nòva', 'Clara', 'Espinasse', 'clara.espinasse@example.org', '06 98 76 54 32', 'Tomàs', 'Ricard', 'tomas.ricard@example.org', ''],
    ['Calandreta del Pont', 'CP-CE1 Los Aucèls', 'Famille Martin-Vidal', 'Jordi', 'Anna', 'Martin', 'anna.martin@example.org', '', '', '', '', ''],
  ],
  staff: [
    ['', 'direction_alsh', 'Sofia', 'Garric', 'sofia.garric@example.org', '06 11 22 33 44'],
    ['', 'animation_alsh', 'Loís', 'Fabre', 'lois.fabre@example.org', ''],
    ['Calandreta de la Font', 'autre', 'Maria', 'Roca', 'maria.roca@example.org', ''],
  ],
  groups: [
    ['Bureau', 'bureau', 'Clara', 'Espinasse', 'clara.espinasse@example.org', '', 'co-presidente'],
    ['Bureau', 'bureau', 'Ramon', 'Sèrras', 'ramon.serras@example.org', '', 'tresorier'],
    ['Groupe informatique', 'informatique', 'Tomàs', 'Ricard', 'tomas.ricard@example.org', '', 'membre'],
  ],
};

export const TEMPLATE_SHEET_NAMES: Record<Layout, string> = {
  classes: 'Classes',
  staff: 'Personnel',
  families: 'Familles',
  groups: 'Groupes',
};
