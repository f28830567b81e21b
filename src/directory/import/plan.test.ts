// The import's rules on plain data: no database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { detectLayout, normalizeHeader } from './layouts.ts';
import { EMPTY_SNAPSHOT, planImport, type Snapshot } from './plan.ts';
import { recogniseSheets } from './sheets.ts';
import { readCsv, UnreadableFile } from './read.ts';
import { decodeText, detectDelimiter } from '../../platform/files.ts';

const YEAR: Snapshot = { ...EMPTY_SNAPSHOT, year: { id: 1, label: '2026-2027' } };

function csv(text: string, name = 'annuaire.csv') {
  return readCsv(name, Buffer.from(text, 'utf8'));
}
function planCsv(texts: Array<[string, string]>, snap: Snapshot = YEAR) {
  const raw = texts.map(([name, text]) => csv(text, name));
  const r = recogniseSheets(raw);
  return planImport(r.sheets, snap, r.errors);
}
const CLASSES = 'ecole,classe,niveau,regent_prenom,regent_nom,regent_email\nCalandreta del Pont,CM1,CM1,Marta,Bonafont,marta@example.org\n';
const FAMILIES_HEADER = 'ecole,classe,foyer,enfant_prenom,responsable1_prenom,responsable1_nom,responsable1_email,responsable2_prenom,responsable2_nom,responsable2_email';

describe('headers and layouts', () => {
  test('headers match whatever the case, accents, spaces and underscores', () => {
    assert.equal(normalizeHeader('Régent Prénom'), normalizeHeader('REGENT_PRENOM'));
    const h = detectLayout(['École', 'Classe', 'Foyer', 'Enfant prénom', 'Responsable1 Prénom', 'responsable1_NOM', 'Responsable 1 e-mail', 'Notes']);
    assert.ok(h.ok);
    assert.equal(h.layout, 'families');
    assert.deepEqual(h.ignored, ['Notes']);
  });

  test('English headers are accepted', () => {
    const h = detectLayout(['group', 'kind', 'first_name', 'last_name', 'email', 'role']);
    assert.ok(h.ok && h.layout === 'groups');
    const s = detectLayout(['School', 'Function', 'First name', 'Last name', 'E-mail', 'Phone']);
    assert.ok(s.ok && s.layout === 'staff');
  });

  test('title lines above the header row are skipped', () => {
    const r = recogniseSheets([csv('Annuaire 2026-2027;;\n;;\ngroupe;type;prenom;nom;email\nCA;ca;Anna;Roca;anna@example.org\n')]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.sheets[0]!.layout, 'groups');
    assert.deepEqual(r.sheets[0]!.rows.map((x) => x.line), [4]);
  });

  test('an unknown header row and missing columns are reported on line 1', () => {
    const r = recogniseSheets([csv('nom,prenom,adresse\nA,B,C\n')]);
    assert.equal(r.errors[0]!.key, 'import.error.layout');
    assert.equal(r.errors[0]!.line, 1);
    const m = recogniseSheets([csv('ecole,classe,foyer\nA,B,C\n')]);
    assert.equal(m.errors[0]!.key, 'import.error.missingColumns');
    assert.match(String(m.errors[0]!.params.columns), /enfant_prenom/);
  });
});

describe('reading CSV', () => {
  test('the delimiter is found among comma, semicolon and tab', () => {
    assert.equal(detectDelimiter('a;b;c\n1;2;3'), ';');
    assert.equal(detectDelimiter('a\tb\tc'), '\t');
    assert.equal(detectDelimiter('"a;x",b,c'), ',');
    assert.equal(detectDelimiter('Annuaire 2026\necole;classe;niveau\n'), ';');
  });

  test('Windows-1252 bytes are decoded when the file is not UTF-8, and a UTF-8 BOM is dropped', () => {
    const latin = iconv.encode('foyer;enfant\nFamille Çà;Éloïse\n', 'win1252');
    assert.equal(decodeText(latin), 'foyer;enfant\nFamille Çà;Éloïse\n');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('école;x', 'utf8')]);
    assert.equal(decodeText(bom), 'école;x');
  });

  test('an unclosed quote is a malformed file with its line', () => {
    assert.throws(
      () => csv('ecole,classe\n"Calandreta,CM1\nB,C\n'),
      (e: unknown) => e instanceof UnreadableFile && e.reason === 'csvQuote' && e.line !== null,
    );
  });

  test('line numbers are those of the file, blank lines included', () => {
    const s = csv('a,b\n\n1,2\n"x\ny",3\n4,5\n');
    assert.deepEqual(
      s.rows.map((r) => r.line),
      [1, 3, 4, 6],
    );
  });
});

describe('validation', () => {
  test('a classes and families file plans schools, classes, regents, households, guardians, pupils', () => {
    const r = planCsv([
      ['classes.csv', CLASSES],
      [
        'familles.csv',
        `${FAMILIES_HEADER}\nCalandreta del Pont,CM1,Famille Roca,Nina,Anna,Roca,anna@example.org,Pau,Serra,pau@example.org; pau.serra@example.net\nCalandreta del Pont,CM1,Famille Roca,Lucas,Anna,Roca,anna@example.org,,,\n`,
      ],
    ]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.counts.schools.create, 1);
    assert.equal(r.counts.classes.create, 1);
    assert.equal(r.counts.people.create, 3);
    assert.equal(r.counts.households.create, 1);
    assert.equal(r.counts.pupils.create, 2);
    assert.equal(r.counts.guardians.create, 2);
    assert.equal(r.counts.regents.create, 1);
    assert.equal(r.counts.staff.create, 1);
    assert.deepEqual(r.plan.people.find((p) => p.firstName === 'Pau')!.addEmails, ['pau@example.org', 'pau.serra@example.net']);
  });

  test('every error carries its sheet, line and column, and all of them are listed', () => {
    const r = planCsv([
      ['classes.csv', 'ecole,classe,niveau\nCalandreta del Pont,CM1,CM7\nCalandreta del Pont,CE1,CE1\n'],
      [
        'familles.csv',
        `${FAMILIES_HEADER}\nCalandreta del Pont,CE1,Famille A,Nina,Anna,Roca,anna(at)example.org,,,\nCalandreta del Pont,CP,Famille B,Lea,Joan,Pujol,joan@example.org,,,\n,CE1,Famille C,Tom,Rosa,Vidal,rosa@example.org,,,\n`,
      ],
    ]);
    const brief = r.errors.map((e) => `${e.sheet}:${e.line}:${e.column}:${e.key}`);
    assert.deepEqual(brief, [
      'classes.csv:2:niveau:import.error.level',
      'familles.csv:2:responsable1_email:import.error.email',
      'familles.csv:3:classe:import.error.unknownClass',
      'familles.csv:4:ecole:import.error.required',
    ]);
  });

  test('the same pupil twice in a household is a duplicate, with the first line', () => {
    const r = planCsv([
      ['classes.csv', CLASSES],
      ['f.csv', `${FAMILIES_HEADER}\nCalandreta del Pont,CM1,Famille Roca,Nina,Anna,Roca,anna@example.org,,,\nCalandreta del Pont,CM1,famille roca,nina,Anna,Roca,anna@example.org,,,\n`],
    ]);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.key, 'import.error.duplicatePupil');
    assert.equal(r.errors[0]!.line, 3);
    assert.equal(r.errors[0]!.params.line, 2);
  });

  test('one address given to two different names in the file is an error on the later line', () => {
    const r = planCsv([
      ['classes.csv', CLASSES],
      ['f.csv', `${FAMILIES_HEADER}\nCalandreta del Pont,CM1,Famille Roca,Nina,Anna,Roca,anna@example.org,,,\nCalandreta del Pont,CM1,Famille Vidal,Tom,Rosa,Vidal,ANNA@example.org,,,\n`],
    ]);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.key, 'import.error.emailTwoNames');
    assert.equal(r.errors[0]!.line, 3);
    assert.equal(r.errors[0]!.column, 'responsable1_email');
  });

  test('an address the directory gives another name is planned as an update of the names', () => {
    const snap: Snapshot = { ...YEAR, people: [{ id: 7, firstName: 'Anne', lastName: 'Rocca', phone: null, emails: ['anna@example.org'] }] };
    const r = planCsv([['g.csv', 'groupe,type,prenom,nom,email,role\nBureau,bureau,Anna,Roca,anna@example.org,tresoriere\n']], snap);
    assert.deepEqual(r.errors, []);
    const p = r.plan.people[0]!;
    assert.equal(p.action, 'update');
    assert.equal(p.id, 7);
    assert.equal(p.before, 'Anne Rocca');
    assert.equal(r.plan.memberships[0]!.role, 'treasurer');
  });

  test('no current school year: a clear error for classes and families, none for groups', () => {
    const r = planCsv(
      [
        ['classes.csv', CLASSES],
        ['g.csv', 'groupe,type,prenom,nom,email\nCA,ca,Anna,Roca,anna@example.org\n'],
      ],
      EMPTY_SNAPSHOT,
    );
    assert.deepEqual(
      r.errors.map((e) => e.key),
      ['import.error.noYear'],
    );
  });

  test('unknown group type and role, bad phone', () => {
    const r = planCsv([['g.csv', 'groupe,type,prenom,nom,email,telephone,role\nCA,club,Anna,Roca,anna@example.org,06 12 34 56 78,chef\nCA,ca,Joan,Pujol,joan@example.org,appelez-moi,\n']]);
    assert.deepEqual(
      r.errors.map((e) => `${e.line}:${e.column}:${e.key}`),
      ['2:type:import.error.kind', '2:role:import.error.role', '3:telephone:import.error.phone'],
    );
  });

  test('a guardian with children in two schools is one person', () => {
    const r = planCsv([
      ['c.csv', 'ecole,classe,niveau\nCalandreta del Pont,CM1,CM1\nCalandreta de la Font,CP,CP\n'],
      ['f.csv', `${FAMILIES_HEADER}\nCalandreta del Pont,CM1,Famille Roca,Nina,Anna,Roca,anna@example.org,,,\nCalandreta de la Font,CP,Famille Roca,Lea,Anna,Roca,anna@example.org,,,\n`],
    ]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.counts.people.create, 1);
    assert.equal(r.counts.households.create, 1);
    assert.equal(r.counts.pupils.create, 2);
    assert.equal(r.counts.guardians.create, 1);
  });

  test('a families sheet is checked against the classes sheet whatever the sheet order', () => {
    const r = planCsv([
      ['f.csv', `${FAMILIES_HEADER}\nCalandreta del Pont,CM1,Famille Roca,Nina,Anna,Roca,anna@example.org,,,\n`],
      ['classes.csv', CLASSES],
    ]);
    assert.deepEqual(r.errors, []);
  });

  test('what the directory already holds is unchanged', () => {
    const snap: Snapshot = {
      ...YEAR,
      schools: [{ id: 1, name: 'Calandreta del Pont', slug: 'calandreta-del-pont' }],
      classes: [{ id: 2, schoolId: 1, name: 'CM1', level: 'CM1' }],
      people: [
        { id: 3, firstName: 'Marta', lastName: 'Bonafont', phone: null, emails: ['marta@example.org'] },
        { id: 4, firstName: 'Anna', lastName: 'Roca', phone: null, emails: ['anna@example.org'] },
      ],
      households: [{ id: 5, name: 'Famille Roca' }],
      guardians: [{ householdId: 5, personId: 4 }],
      pupils: [{ id: 6, householdId: 5, firstName: 'Nina' }],
      enrolments: [{ pupilId: 6, classId: 2 }],
      staff: [{ personId: 3, schoolId: 1, role: 'regent' }],
      classRegents: [{ classId: 2, personId: 3 }],
    };
    const r = planCsv(
      [
        ['classes.csv', CLASSES],
        ['f.csv', `${FAMILIES_HEADER}\nCalandreta del Pont,CM1,Famille Roca,Nina,Anna,Roca,anna@example.org,,,\n`],
      ],
      snap,
    );
    assert.deepEqual(r.errors, []);
    for (const [kind, c] of Object.entries(r.counts)) {
      assert.equal(c.create + c.update, 0, `${kind} should be unchanged`);
    }
  });
});
