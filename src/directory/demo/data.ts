// The demo association as plain data: the same seed gives the same association every time.
// Every name is invented (calandreta names included); addresses are at example.org.
import { slugify } from '../names.ts';
import type { GroupKind, GroupRole, StaffRole } from '../tables.ts';

/** mulberry32: small, fast, and good enough to pick names. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GUARDIAN_FIRST = [
  'Adelina', 'Agnès', 'Albèrt', 'Amanda', 'Andrieu', 'Anna', 'Antòni', 'Arnaud', 'Bernat', 'Brigida', 'Carla', 'Cecília',
  'Clamenç', 'Clara', 'Cristina', 'Dàvid', 'Delfina', 'Domenge', 'Elena', 'Elodia', 'Esteve', 'Estèla', 'Fabian', 'Felip',
  'Florença', 'Francés', 'Gabriela', 'Gaston', 'Guilhèm', 'Ignaci', 'Ines', 'Isabèl', 'Jacma', 'Jaume', 'Joan', 'Joana',
  'Jordi', 'Julia', 'Laura', 'Laurenç', 'Loïsa', 'Lucia', 'Luc', 'Magali', 'Marçal', 'Margarida', 'Maria', 'Marc', 'Marta',
  'Matieu', 'Mirelha', 'Miquèl', 'Nadal', 'Naïs', 'Nicolau', 'Olívia', 'Pau', 'Pèire', 'Patrici', 'Pascala', 'Ramon',
  'Rosa', 'Sandra', 'Sebastian', 'Sílvia', 'Sofia', 'Tèresa', 'Tomàs', 'Valèria', 'Vincenç', 'Viviana', 'Xavièr',
];
const LAST = [
  'Alibèrt', 'Aubanèl', 'Bancarèl', 'Barrièra', 'Bonafont', 'Bordas', 'Bosquet', 'Brunet', 'Calmèl', 'Capdevila',
  'Cassanha', 'Castanhièr', 'Caumont', 'Clergue', 'Combas', 'Costa', 'Delmàs', 'Durand-Pujòl', 'Escaravatge', 'Espinassa',
  'Fabre', 'Faurèl', 'Ferrièr', 'Fontanilhas', 'Garriga', 'Gautièr', 'Gelabèrt', 'Lafont', 'Lagarda', 'Lauzeral',
  'Malet', 'Marty-Sèrras', 'Masnòu', 'Miramont', 'Molinièr', 'Montanhac', 'Nogaret', 'Olivièr', 'Pagès', 'Pradèl',
  'Puèchmaurin', 'Ribièra', 'Rocafòrt', 'Roqueta', 'Rossinhòl', 'Salvanhac', 'Sèrras', 'Soulièr', 'Tolosan', 'Trelhon',
  'Valat', 'Vergnas', 'Vidal', 'Vilanòva',
];
const PUPIL_FIRST = [
  'Aurèlia', 'Bastian', 'Bruno', 'Camila', 'Cristòl', 'Eliana', 'Elisa', 'Ernèst', 'Estèva', 'Fèlix', 'Gabin', 'Guilhemeta',
  'Iris', 'Jaumeta', 'Jules', 'Laurina', 'Léo', 'Lina', 'Loís', 'Lucàs', 'Maelis', 'Manon', 'Marius', 'Martin', 'Mia',
  'Milon', 'Nina', 'Noé', 'Olimpa', 'Pau', 'Quitèria', 'Rafèl', 'Romieg', 'Sacha', 'Salomé', 'Simon', 'Tèo', 'Tòni',
  'Valentin', 'Victòria', 'Zoè', 'Ambròsi', 'Ana', 'Bèrta', 'Clamença', 'Dòna', 'Eva', 'Flor', 'Ivan', 'Lisa',
];

export interface DemoPerson {
  key: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
}
export interface DemoClass {
  school: string;
  name: string;
  level: string;
  regents: string[];
}
export interface DemoHousehold {
  name: string;
  guardians: string[];
  /** `lastYear`: the class they were in the year before (same school), null for newcomers. */
  pupils: Array<{ firstName: string; school: string; className: string; lastYear: string | null }>;
}
export interface DemoGroup {
  kind: GroupKind;
  name: string;
  members: Array<{ person: string; role: GroupRole }>;
}
export interface DemoAssociation {
  schools: string[];
  classes: DemoClass[];
  people: DemoPerson[];
  staff: Array<{ person: string; school: string | null; role: StaffRole }>;
  households: DemoHousehold[];
  groups: DemoGroup[];
}

const SCHOOLS: Array<{ name: string; classes: Array<[name: string, level: string]> }> = [
  {
    name: 'Calandreta de la Font Viva',
    classes: [['PS-MS', 'PS'], ['GS-CP', 'GS'], ['CE1', 'CE1'], ['CE2-CM1', 'CE2'], ['CM2', 'CM2']],
  },
  {
    name: 'Calandreta dels Tres Pins',
    classes: [['PS-MS', 'PS'], ['GS', 'GS'], ['CP-CE1', 'CP'], ['CE2-CM1', 'CE2'], ['CM2', 'CM2']],
  },
];

export const DEMO_SEED = 20260901;

const LEVEL_ORDER = ['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'];

/**
 * Where a pupil of this class was last year. The rollover reads a pupil's level in a
 * multi-level class from that history (see year/plan.ts), so the demo carries one year of
 * it: half the pupils of a multi-level class are in their second year there, the others
 * come from the class below (PS pupils and a few others are newcomers).
 */
function lastYearClass(school: (typeof SCHOOLS)[number], className: string, rnd: () => number): string | null {
  const rank = (level: string) => LEVEL_ORDER.indexOf(level);
  const starts = school.classes.map(([, level]) => rank(level)).sort((a, b) => a - b);
  const [, level] = school.classes.find(([name]) => name === className)!;
  const mine = rank(level);
  const top = (starts.find((r) => r > mine) ?? LEVEL_ORDER.length) - 1;
  if (top > mine && rnd() < 0.5) return className;
  if (mine <= rank('PS') || rnd() < 0.08) return null;
  const below = school.classes.filter(([, l]) => rank(l) <= mine - 1).sort((a, b) => rank(b[1]) - rank(a[1]))[0];
  return below ? below[0] : null;
}

/** Builds the association; `takenEmails` are addresses already in the directory, avoided. */
export function demoAssociation(seed = DEMO_SEED, takenEmails: ReadonlySet<string> = new Set()): DemoAssociation {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const people: DemoPerson[] = [];
  const usedNames = new Set<string>();
  const usedEmails = new Set(takenEmails);

  // Full names are unique so that the loader can find each inserted person back by name.
  function person(lastName?: string, withPhone = false): string {
    for (;;) {
      const firstName = pick(GUARDIAN_FIRST);
      const last = lastName ?? pick(LAST);
      const key = `${firstName} ${last}`;
      if (usedNames.has(key)) {
        lastName = undefined;
        continue;
      }
      let email = `${slugify(firstName).replace(/-/g, '')}.${slugify(last)}@example.org`;
      for (let n = 2; usedEmails.has(email); n++) email = email.replace(/(\d*)@/, `${n}@`);
      usedNames.add(key);
      usedEmails.add(email);
      const phone = withPhone ? `06 ${[0, 0, 0, 0].map(() => String(Math.floor(rnd() * 100)).padStart(2, '0')).join(' ')}` : null;
      people.push({ key, firstName, lastName: last, email, phone });
      return key;
    }
  }

  const classes: DemoClass[] = [];
  const staff: DemoAssociation['staff'] = [];
  for (const s of SCHOOLS) {
    for (const [name, level] of s.classes) {
      const regent = person();
      staff.push({ person: regent, school: s.name, role: 'regent' });
      classes.push({ school: s.name, name, level, regents: [regent] });
    }
  }
  // One class shared by two regents (a part-time pair).
  const shared = classes[2]!;
  const second = person();
  staff.push({ person: second, school: shared.school, role: 'regent' });
  shared.regents.push(second);

  const households: DemoHousehold[] = [];
  const usedHouseholdNames = new Set<string>();
  const parents: string[] = [];
  for (let i = 0; i < 150; i++) {
    const g1 = person(undefined, rnd() < 0.6);
    const first = people[people.length - 1]!;
    const guardians = [g1];
    if (rnd() < 0.7) guardians.push(person(rnd() < 0.5 ? first.lastName : undefined, rnd() < 0.4));
    parents.push(...guardians);
    const lastNames = [...new Set(guardians.map((g) => people.find((p) => p.key === g)!.lastName))];
    let name = lastNames.join(' – ');
    if (usedHouseholdNames.has(name)) name = `${name} (${first.firstName})`;
    usedHouseholdNames.add(name);
    const home = rnd() < 0.55 ? SCHOOLS[0]! : SCHOOLS[1]!;
    const other = home === SCHOOLS[0] ? SCHOOLS[1]! : SCHOOLS[0]!;
    const r = rnd();
    const count = r < 0.55 ? 1 : r < 0.9 ? 2 : 3;
    // Every tenth household with several children has one in the other school.
    const split = count > 1 && i % 10 === 3;
    const pupils: DemoHousehold['pupils'] = [];
    const usedFirst = new Set<string>();
    for (let k = 0; k < count; k++) {
      let firstName = pick(PUPIL_FIRST);
      while (usedFirst.has(firstName)) firstName = pick(PUPIL_FIRST);
      usedFirst.add(firstName);
      const school = split && k === count - 1 ? other : home;
      const [className] = pick(school.classes);
      pupils.push({ firstName, school: school.name, className, lastYear: lastYearClass(school, className, rnd) });
    }
    households.push({ name, guardians, pupils });
  }

  // Groups: parents take part; the board has two members who are not parents.
  const pool = [...parents];
  const draw = () => pool.splice(Math.floor(rnd() * pool.length), 1)[0]!;
  const commission = (name: string, size: number): DemoGroup => {
    const members = Array.from({ length: size }, () => draw());
    return { kind: 'commission', name, members: members.map((p, i) => ({ person: p, role: i === 0 ? 'lead' : 'member' })) };
  };
  const groups: DemoGroup[] = [
    commission('Comission comunicacion', 6),
    commission('Comission fèstas', 8),
    commission('Comission trabalhs', 5),
    commission('Comission cantina', 5),
    commission('Comission occitan al ostal', 4),
  ];
  const bureau = [draw(), draw(), draw(), draw()];
  const outsiders = [person(), person()];
  const boardMembers = [...bureau, draw(), draw(), draw(), draw(), ...outsiders];
  groups.push({
    kind: 'board',
    name: "Conselh d'administracion",
    members: boardMembers.map((p, i) => ({ person: p, role: i < 2 ? 'co_president' : i === 2 ? 'treasurer' : i === 3 ? 'secretary' : 'member' })),
  });
  groups.push({
    kind: 'bureau',
    name: 'Burèu',
    members: bureau.map((p, i) => ({ person: p, role: i < 2 ? 'co_president' : i === 2 ? 'treasurer' : 'secretary' })),
  });
  const directors = [person(), person()];
  const alshStaff = [person(), person(), person(), person()];
  for (const d of directors) staff.push({ person: d, school: null, role: 'alsh_director' });
  for (const a of alshStaff) staff.push({ person: a, school: null, role: 'alsh_staff' });
  groups.push({
    kind: 'alsh',
    name: 'Equipa ALSH',
    members: [...directors.map((p) => ({ person: p, role: 'lead' as const })), ...alshStaff.map((p) => ({ person: p, role: 'member' as const }))],
  });
  groups.push({ kind: 'it', name: 'Grop informatic', members: [draw(), draw(), draw()].map((p, i) => ({ person: p, role: i === 0 ? 'lead' : 'member' })) });
  groups.push({ kind: 'trainers', name: 'Formators', members: [draw(), draw(), draw(), draw()].map((p, i) => ({ person: p, role: i === 0 ? 'lead' : 'member' })) });

  return { schools: SCHOOLS.map((s) => s.name), classes, people, staff, households, groups };
}
