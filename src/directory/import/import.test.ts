// importDirectory against both databases: what an association's spreadsheet becomes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { forEachDatabase } from '../../platform/testing.ts';
import { CLI_ACTOR } from '../../platform/audit.ts';
import { TooLarge } from '../../platform/errors.ts';
import type { Db } from '../../platform/db.ts';
import { aClass, aCurrentYear, aPerson, aSchool } from '../factories.ts';
import { importDirectory } from './importDirectory.ts';
import { templateXlsx } from './templates.ts';
import { LAYOUTS, TEMPLATE_ROWS, TEMPLATE_SHEET_NAMES } from './layouts.ts';
import { PLAN_KINDS } from './plan.ts';

const FAMILIES = 'ecole;classe;foyer;enfant_prenom;responsable1_prenom;responsable1_nom;responsable1_email;responsable1_telephone;responsable2_prenom;responsable2_nom;responsable2_email;responsable2_telephone';

function file(name: string, text: string) {
  return { name, bytes: Buffer.from(text, 'utf8') };
}

async function counts(db: Db) {
  const n = async (table: 'school' | 'class' | 'person' | 'person_email' | 'household' | 'household_guardian' | 'pupil' | 'enrolment' | 'staff' | 'class_regent' | 'directory_group' | 'group_member') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return {
    schools: await n('school'),
    classes: await n('class'),
    people: await n('person'),
    emails: await n('person_email'),
    households: await n('household'),
    guardians: await n('household_guardian'),
    pupils: await n('pupil'),
    enrolments: await n('enrolment'),
    staff: await n('staff'),
    regents: await n('class_regent'),
    groups: await n('directory_group'),
    members: await n('group_member'),
  };
}

/** A unique suffix so that the tests of one database do not see each other's rows. */
let run = 0;
const tag = () => `${process.pid}x${++run}`;

forEachDatabase('directory import', (t) => {
  test('a classes file and a families file, imported twice, create everything once', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const classes = file(
      'classes.csv',
      `École,Classe,Niveau,Regent prénom,Regent nom,Regent e-mail,Regent téléphone\nCalandreta Pont ${k},CM1-A,cm1,Marta,Bonafont,marta.${k}@example.org,06 12 34 56 78\nCalandreta Pont ${k},CM1-A,CM1,Pèire,Castanhièr,peire.${k}@example.org,\nCalandreta Pont ${k},CP,CP,,,,\n`,
    );
    const families = file(
      'familles.csv',
      `${FAMILIES}\nCalandreta Pont ${k};CM1-A;Famille Roca ${k};Nina;Anna;Roca;anna.${k}@example.org;;Pau;Serra;"pau.${k}@example.org; pau2.${k}@example.net";\nCalandreta Pont ${k};CP;Famille Roca ${k};Lucas;Anna;Roca;anna.${k}@example.org;06 00 00 00 01;;;;\nCalandreta Pont ${k};CP;Famille Vidal ${k};Tom;Rosa;Vidal;rosa.${k}@example.org;;;;;\n`,
    );
    const before = await counts(db);
    const r1 = await importDirectory(db, CLI_ACTOR, classes, { dryRun: false });
    assert.deepEqual(r1.errors, []);
    const r2 = await importDirectory(db, CLI_ACTOR, families, { dryRun: false });
    assert.deepEqual(r2.errors, []);
    assert.ok(r2.applied);
    const after = await counts(db);
    assert.deepEqual(
      Object.fromEntries(Object.entries(after).map(([key, v]) => [key, v - before[key as keyof typeof before]])),
      { schools: 1, classes: 2, people: 5, emails: 6, households: 2, guardians: 3, pupils: 3, enrolments: 3, staff: 2, regents: 2, groups: 0, members: 0 },
    );
    const pau = await db.selectFrom('person_email').select(['email', 'position']).where('email', 'like', `pau%${k}%`).orderBy('position').execute();
    assert.deepEqual(pau.map((e) => e.email), [`pau.${k}@example.org`, `pau2.${k}@example.net`]);
    const anna = await db.selectFrom('person').innerJoin('person_email', 'person_email.person_id', 'person.id').select('person.phone').where('email', '=', `anna.${k}@example.org`).executeTakeFirstOrThrow();
    assert.equal(anna.phone, '06 00 00 00 01');

    // The same files again: nothing created, everything reported unchanged.
    for (const f of [classes, families]) {
      const again = await importDirectory(db, CLI_ACTOR, f, { dryRun: false });
      assert.deepEqual(again.errors, []);
      for (const kind of PLAN_KINDS) assert.equal(again.counts[kind].create + again.counts[kind].update, 0, `${f.name}: ${kind} changed`);
    }
    assert.deepEqual(await counts(db), after);
    const events = await db.selectFrom('audit_event').select(['detail']).where('action', '=', 'directory.import').execute();
    assert.ok(events.length >= 4);
  });

  test('an XLSX workbook with several sheets, families before classes, is applied in order', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const before = await counts(db);
    // The template's sheets, with the families sheet first: the classes it uses come later.
    const wb = new ExcelJS.Workbook();
    for (const layout of ['families', 'groups', 'staff', 'classes'] as const) {
      const ws = wb.addWorksheet(TEMPLATE_SHEET_NAMES[layout]);
      ws.addRow(LAYOUTS[layout].map((c) => c.name));
      for (const row of TEMPLATE_ROWS[layout]) ws.addRow(row);
    }
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const report = await importDirectory(db, CLI_ACTOR, { name: 'ostal-import.xlsx', bytes }, { dryRun: false });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.sheets.map((s) => s.layout),
      ['families', 'groups', 'staff', 'classes'],
    );
    const after = await counts(db);
    assert.equal(after.schools - before.schools, 2);
    assert.equal(after.classes - before.classes, 2);
    assert.equal(after.households - before.households, 2);
    assert.equal(after.pupils - before.pupils, 3);
    assert.equal(after.groups - before.groups, 2);
    assert.equal(after.members - before.members, 3);
    // Clara Espinasse: guardian with children in two schools, and co-president: one person.
    const clara = await db.selectFrom('person_email').select('person_id').where('email', '=', 'clara.espinasse@example.org').executeTakeFirstOrThrow();
    const claraRoles = await db.selectFrom('group_member').select('role').where('person_id', '=', clara.person_id).execute();
    assert.deepEqual(claraRoles.map((r) => r.role), ['co_president']);
    const schools = await db
      .selectFrom('household_guardian')
      .innerJoin('pupil', 'pupil.household_id', 'household_guardian.household_id')
      .innerJoin('enrolment', 'enrolment.pupil_id', 'pupil.id')
      .innerJoin('class', 'class.id', 'enrolment.class_id')
      .select('class.school_id')
      .distinct()
      .where('household_guardian.person_id', '=', clara.person_id)
      .execute();
    assert.equal(schools.length, 2);
    const alsh = await db.selectFrom('staff').select('role').where('role', 'in', ['alsh_director', 'alsh_staff']).execute();
    assert.ok(alsh.length >= 2);
    // The downloadable template holds the same rows: importing it changes nothing more.
    const template = await importDirectory(db, CLI_ACTOR, { name: 'ostal-import.xlsx', bytes: await templateXlsx() }, { dryRun: true });
    assert.deepEqual(template.errors, []);
    assert.ok(PLAN_KINDS.every((kind) => template.counts[kind].create + template.counts[kind].update === 0));
    // Again: nothing to do.
    const again = await importDirectory(db, CLI_ACTOR, { name: 'ostal-import.xlsx', bytes }, { dryRun: false });
    assert.ok(PLAN_KINDS.every((kind) => again.counts[kind].create + again.counts[kind].update === 0));
    assert.deepEqual(await counts(db), after);
  });

  test('a malformed CSV (unbalanced quotes) is a clear error and writes nothing', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const before = await counts(db);
    const r = await importDirectory(db, CLI_ACTOR, file('x.csv', `ecole,classe,niveau\nCalandreta ${k},CM1,CM1\n"Calandreta ${k},CE1,CE1\nCalandreta ${k},CP,CP\n`), { dryRun: false });
    assert.equal(r.applied, false);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.key, 'import.error.csvQuote');
    assert.equal(r.errors[0]!.line, 3);
    assert.deepEqual(await counts(db), before);
  });

  test('a Latin-1 (Windows-1252) file is decoded: Éloïse, Çà', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const school = await aSchool(db, { name: `Calandreta Latin ${k}` });
    await aClass(db, { schoolId: school.id, name: 'CE2', level: 'CE2' });
    const text = `${FAMILIES}\r\nCalandreta Latin ${k};CE2;Famille Çà ${k};Éloïse;Françoise;Garçon;francoise.${k}@example.org;;;;;\r\n`;
    const bytes = iconv.encode(text, 'win1252');
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const r = await importDirectory(db, CLI_ACTOR, { name: 'latin1.csv', bytes }, { dryRun: false });
    assert.deepEqual(r.errors, []);
    const h = await db.selectFrom('household').select(['id', 'name']).where('name', '=', `Famille Çà ${k}`).executeTakeFirstOrThrow();
    const pupil = await db.selectFrom('pupil').select('first_name').where('household_id', '=', h.id).executeTakeFirstOrThrow();
    assert.equal(pupil.first_name, 'Éloïse');
    const p = await db.selectFrom('person').innerJoin('person_email', 'person_email.person_id', 'person.id').select(['first_name', 'last_name']).where('email', '=', `francoise.${k}@example.org`).executeTakeFirstOrThrow();
    assert.deepEqual(p, { first_name: 'Françoise', last_name: 'Garçon' });
  });

  test('a file over 10 MB is refused before it is read', async () => {
    const { db } = t();
    const before = await counts(db);
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    await assert.rejects(importDirectory(db, CLI_ACTOR, { name: 'big.csv', bytes: big }, { dryRun: false }), (e: unknown) => e instanceof TooLarge && e.key === 'import.error.tooLarge');
    assert.deepEqual(await counts(db), before);
  });

  test('an XLSX that unzips to more than 50 MB (a zip bomb) is refused with a clear error and writes nothing', async () => {
    const { db } = t();
    const before = await counts(db);
    const zip = await JSZip.loadAsync(await templateXlsx());
    zip.file('xl/media/padding.bin', Buffer.alloc(60 * 1024 * 1024));
    const bomb = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
    assert.ok(bomb.byteLength < 1024 * 1024, 'the bomb itself is small');
    const report = await importDirectory(db, CLI_ACTOR, { name: 'bomb.xlsx', bytes: bomb }, { dryRun: false });
    assert.equal(report.applied, false);
    assert.deepEqual(report.errors.map((e) => [e.key, e.params['max']]), [['import.error.xlsxUnzipped', 50]]);
    assert.deepEqual(await counts(db), before);
  });

  test('a NUL character in a cell, in a CSV or an XLSX, is an error of its line and column, not a server error', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const school = await aSchool(db, { name: `Calandreta Nul ${k}` });
    await aClass(db, { schoolId: school.id, name: 'CE1', level: 'CE1' });
    const before = await counts(db);
    const csv = file(
      'nul.csv',
      `${FAMILIES}\nCalandreta Nul ${k};CE1;Famille Nul ${k};Ni\u0000na;Anna;Roca;anna.${k}@example.org;;;;;\nCalandreta Nul ${k};CE1;Famille Nul ${k};Tom;An\u0000na;Roca;anna.${k}@example.org;;;;;\n`,
    );
    for (const dryRun of [true, false]) {
      const r = await importDirectory(db, CLI_ACTOR, csv, { dryRun });
      assert.equal(r.applied, false);
      assert.deepEqual(r.errors.map((e) => [e.sheet, e.line, e.column, e.key]), [
        ['nul.csv', 2, 'enfant_prenom', 'import.error.unstorable'],
        ['nul.csv', 3, 'responsable1_prenom', 'import.error.unstorable'],
      ]);
    }
    // Excel writes a control character of a cell as _x0000_, which the XLSX reader turns back into NUL.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Familles');
    ws.addRow(FAMILIES.split(';'));
    ws.addRow([`Calandreta Nul ${k}`, 'CE1', `Famille Nul ${k}`, 'NINA_MARK', 'Anna', 'Roca', `anna.${k}@example.org`]);
    const zip = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
    const shared = (await zip.file('xl/sharedStrings.xml')!.async('string')).replace('NINA_MARK', 'Ni_x0000_na');
    zip.file('xl/sharedStrings.xml', shared);
    const xlsx = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const r = await importDirectory(db, CLI_ACTOR, { name: 'nul.xlsx', bytes: xlsx }, { dryRun: false });
    assert.equal(r.applied, false);
    assert.deepEqual(r.errors.map((e) => [e.sheet, e.line, e.column, e.key]), [['Familles', 2, 'enfant_prenom', 'import.error.unstorable']]);
    assert.deepEqual(await counts(db), before);
  });

  test('duplicate rows are reported with their line numbers', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const school = await aSchool(db, { name: `Calandreta Dup ${k}` });
    await aClass(db, { schoolId: school.id, name: 'CM2', level: 'CM2' });
    const before = await counts(db);
    const r = await importDirectory(
      db,
      CLI_ACTOR,
      file(
        'dups.csv',
        `${FAMILIES}\nCalandreta Dup ${k};CM2;Famille A ${k};Lea;Joan;Pujol;joan.${k}@example.org;;;;;\nCalandreta Dup ${k};CM2;Famille B ${k};Max;Rosa;Vidal;rosa.${k}@example.org;;;;;\nCalandreta Dup ${k};CM2;Famille A ${k};Lea;Joan;Pujol;joan.${k}@example.org;;;;;\nCalandreta Dup ${k};CM2;Famille C ${k};Zoe;Marc;Blanc;rosa.${k}@example.org;;;;;\n`,
      ),
      { dryRun: false },
    );
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.column, e.key, e.params.line]),
      [
        [4, 'enfant_prenom', 'import.error.duplicatePupil', 2],
        [5, 'responsable1_email', 'import.error.emailTwoNames', 3],
      ],
    );
    assert.deepEqual(await counts(db), before);
  });

  test('unknown class, bad e-mail, bad level: all reported, nothing written, even when only the last row is bad', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const before = await counts(db);
    const rows = Array.from({ length: 30 }, (_, i) => `Calandreta Tot ${k};CM1;Famille ${i} ${k};Enfant;Parent;N${i};p${i}.${k}@example.org;;;;;`);
    const classes = `ecole,classe,niveau\nCalandreta Tot ${k},CM1,CM1\n`;
    const good = await importDirectory(db, CLI_ACTOR, file('c.csv', classes), { dryRun: true });
    assert.deepEqual(good.errors, []);
    // One bad row at the end of an otherwise good file: nothing at all is written.
    const wb = new ExcelJS.Workbook();
    const cs = wb.addWorksheet('Classes');
    cs.addRow(['ecole', 'classe', 'niveau']);
    cs.addRow([`Calandreta Tot ${k}`, 'CM1', 'CM1']);
    const fs = wb.addWorksheet('Familles');
    fs.addRow(FAMILIES.split(';'));
    for (const r of rows) fs.addRow(r.split(';'));
    fs.addRow([`Calandreta Tot ${k}`, 'CM3', `Famille Z ${k}`, 'Zoe', 'Zac', 'Zed', `zac.${k}@example.org`]);
    const lastBad = Buffer.from(await wb.xlsx.writeBuffer());
    const r1 = await importDirectory(db, CLI_ACTOR, { name: 'tot.xlsx', bytes: lastBad }, { dryRun: false });
    assert.deepEqual(r1.errors.map((e) => [e.sheet, e.line, e.column, e.key]), [['Familles', 32, 'classe', 'import.error.unknownClass']]);
    assert.equal(r1.applied, false);
    assert.deepEqual(await counts(db), before);

    const r2 = await importDirectory(
      db,
      CLI_ACTOR,
      file('bad.csv', `ecole,classe,niveau,regent_prenom,regent_nom,regent_email\nCalandreta Tot ${k},CM1,CM1,Marta,Bonafont,marta@@example\nCalandreta Tot ${k},CE4,CE4,,,\n`),
      { dryRun: false },
    );
    assert.deepEqual(r2.errors.map((e) => [e.line, e.column, e.key]), [
      [2, 'regent_email', 'import.error.email'],
      [3, 'niveau', 'import.error.level'],
    ]);
    assert.deepEqual(await counts(db), before);
  });

  test('an address already in the directory under another name updates the names, shown in the preview', async () => {
    const { db } = t();
    const k = tag();
    const p = await aPerson(db, { firstName: 'Joana', lastName: 'Fabra', email: `joana.${k}@example.org` });
    const f = file('g.csv', `groupe;type;prenom;nom;email;role\nComission fèsta ${k};commission;Joanna;Fabre;joana.${k}@example.org;responsable\n`);
    const preview = await importDirectory(db, CLI_ACTOR, f, { dryRun: true });
    assert.deepEqual(preview.errors, []);
    assert.equal(preview.counts.people.update, 1);
    assert.equal(preview.changes.people[0]!.before, 'Joana Fabra');
    const still = await db.selectFrom('person').select('last_name').where('id', '=', p.id).executeTakeFirstOrThrow();
    assert.equal(still.last_name, 'Fabra');
    await importDirectory(db, CLI_ACTOR, f, { dryRun: false });
    const now = await db.selectFrom('person').select(['first_name', 'last_name']).where('id', '=', p.id).executeTakeFirstOrThrow();
    assert.deepEqual(now, { first_name: 'Joanna', last_name: 'Fabre' });
    const m = await db.selectFrom('group_member').select('role').where('person_id', '=', p.id).executeTakeFirstOrThrow();
    assert.equal(m.role, 'lead');
  });
});
