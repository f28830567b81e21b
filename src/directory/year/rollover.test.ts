import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../../platform/testing.ts';
import { CLI_ACTOR } from '../../platform/audit.ts';
import { Conflict, InvalidInput } from '../../platform/errors.ts';
import type { Db } from '../../platform/db.ts';
import { startTestPlatform, WebClient } from '../../app/testing.ts';
import { aClass, aHousehold, aPerson, aRegent, aSchool } from '../factories.ts';
import { createFirstYear, rolloverYear } from './rollover.ts';

async function counts(db: Db) {
  const n = async (table: 'school_year' | 'class' | 'enrolment' | 'class_regent' | 'audit_event' | 'pupil' | 'household') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0);
  return {
    years: await n('school_year'),
    classes: await n('class'),
    enrolments: await n('enrolment'),
    regents: await n('class_regent'),
    events: await n('audit_event'),
    pupils: await n('pupil'),
    households: await n('household'),
    current: (await db.selectFrom('school_year').select('label').where('is_current', '=', true).execute()).map((y) => y.label),
  };
}

async function classOf(db: Db, pupilId: number, label: string) {
  return db
    .selectFrom('enrolment')
    .innerJoin('school_year', 'school_year.id', 'enrolment.school_year_id')
    .innerJoin('class', 'class.id', 'enrolment.class_id')
    .select(['class.id', 'class.name', 'class.level', 'class.previous_class_id', 'class.school_id'])
    .where('enrolment.pupil_id', '=', pupilId)
    .where('school_year.label', '=', label)
    .executeTakeFirst();
}

forEachDatabase('year rollover', (t) => {
  // One story on one database: the first year, a school, two rollovers, the web page.
  let admin: { id: number };
  let world: Awaited<ReturnType<typeof buildWorld>>;

  async function buildWorld(db: Db) {
    const school = await aSchool(db, { name: 'Calandreta del Pont Vièlh' });
    const other = await aSchool(db, { name: 'Calandreta de la Sèrra' });
    const psms = await aClass(db, { schoolId: school.id, name: 'PS-MS', level: 'PS' });
    const ce2 = await aClass(db, { schoolId: school.id, name: 'CE2', level: 'CE2' });
    const cm1 = await aClass(db, { schoolId: school.id, name: 'CM1', level: 'CM1' });
    const cm2 = await aClass(db, { schoolId: school.id, name: 'CM2', level: 'CM2' });
    const otherCm1 = await aClass(db, { schoolId: other.id, name: 'CM1', level: 'CM1' });
    const gscp = await aClass(db, { schoolId: school.id, name: 'GS-CP', level: 'GS' });
    const ce2Regent = await aRegent(db, ce2.id);
    const cm1Regents = [await aRegent(db, cm1.id), await aRegent(db, cm1.id)];
    const small = await aHousehold(db, { name: 'Familha Bonafont', classIds: [psms.id] });
    const mid = await aHousehold(db, { name: 'Familha Cassanha', classIds: [ce2.id, cm2.id] });
    return { school, other, psms, ce2, cm1, cm2, otherCm1, gscp, ce2Regent, cm1Regents, small, mid };
  }

  test('the first school year is created from the year page, and only once', async () => {
    const { db, handle } = t();
    const person = await aPerson(db, { firstName: 'Bootstrap', lastName: 'Admin', email: 'admin@example.org' });
    await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', person.id).execute();
    admin = person;
    const app = await startTestPlatform(handle);
    try {
      const web = new WebClient(app.url);
      await web.signInAs(handle, admin.id);
      const empty = await (await web.get('/directory/year')).text();
      assert.match(empty, /name="label"/);
      const res = await web.post('/directory/year', { label: '2026-2027' });
      assert.equal(res.status, 303);
      const page = await (await web.get(res.headers.get('location')!)).text();
      assert.match(page, /2026-2027 est créée/);
      assert.match(page, /2026-09-01/);
    } finally {
      await app.close();
    }
    await assert.rejects(createFirstYear(db, CLI_ACTOR, '2030-2031'), (e: unknown) => e instanceof Conflict && e.key === 'year.error.exists');
    await assert.rejects(createFirstYear(db, CLI_ACTOR, '2030-2032'), InvalidInput);
    assert.deepEqual((await counts(db)).current, ['2026-2027']);
  });

  test('a dry run shows the plan and writes nothing', async () => {
    const { db } = t();
    world = await buildWorld(db);
    const before = await counts(db);
    const plan = await rolloverYear(db, CLI_ACTOR, { dryRun: true });
    assert.equal(plan.dryRun, true);
    assert.equal(plan.to, '2027-2028');
    assert.equal(plan.counts.classes, 6);
    assert.deepEqual(plan.leavers.map((l) => l.pupilId), [world.mid.pupils[1]!.id]);
    const cm1 = plan.classes.find((c) => c.fromClassId === world.cm1.id)!;
    assert.deepEqual(cm1.pupils.map((p) => [p.pupilId, p.fromClass, p.level]), [[world.mid.pupils[0]!.id, 'CE2', 'CM1']]);
    assert.deepEqual(await counts(db), before);
  });

  test('rollover: CE2 goes to the new CM1, CM2 leaves with history kept, regents follow, one current year', async () => {
    const { db } = t();
    const before = await counts(db);
    const r = await rolloverYear(db, CLI_ACTOR, { to: '2027-2028' });
    assert.equal(r.dryRun, false);
    const after = await counts(db);
    assert.deepEqual(after.current, ['2027-2028']);
    assert.equal(after.years, before.years + 1);
    assert.equal(after.classes, before.classes + 6, 'old classes stay, new ones are added');
    assert.equal(after.enrolments, before.enrolments + 2);
    assert.equal(after.pupils, before.pupils);
    assert.equal(after.households, before.households);
    assert.equal(after.events, before.events + 1);

    const [ce2Pupil, cm2Pupil] = world.mid.pupils;
    const moved = (await classOf(db, ce2Pupil!.id, '2027-2028'))!;
    assert.equal(moved.name, 'CM1');
    assert.equal(moved.school_id, world.school.id, 'not the CM1 of the other school');
    assert.equal(moved.previous_class_id, world.cm1.id);
    assert.equal((await classOf(db, ce2Pupil!.id, '2026-2027'))!.id, world.ce2.id, 'last year is kept');
    assert.equal(await classOf(db, cm2Pupil!.id, '2027-2028'), undefined, 'CM2 leaves');
    assert.equal((await classOf(db, cm2Pupil!.id, '2026-2027'))!.id, world.cm2.id, 'their history stays');
    assert.ok(await db.selectFrom('pupil').select('id').where('id', '=', cm2Pupil!.id).executeTakeFirst());
    // The multi-level class keeps its PS pupil for MS.
    assert.equal((await classOf(db, world.small.pupils[0]!.id, '2027-2028'))!.name, 'PS-MS');

    const regentsOf = async (id: number) =>
      (await db.selectFrom('class_regent').select('person_id').where('class_id', '=', id).execute()).map((x) => x.person_id).sort((a, b) => a - b);
    assert.deepEqual(await regentsOf(moved.id), world.cm1Regents.map((p) => p.id).sort((a, b) => a - b));
    const newCe2 = await db.selectFrom('class').select('id').where('previous_class_id', '=', world.ce2.id).executeTakeFirstOrThrow();
    assert.deepEqual(await regentsOf(newCe2.id), [world.ce2Regent.id]);
    assert.deepEqual(await regentsOf(world.ce2.id), [world.ce2Regent.id], 'old classes keep their regents');
  });

  test('the same rollover twice: the second is refused and nothing changes', async () => {
    const { db } = t();
    const before = await counts(db);
    await assert.rejects(rolloverYear(db, CLI_ACTOR, { to: '2027-2028' }), (e: unknown) => e instanceof Conflict && e.key === 'year.error.alreadyDone');
    // A next year that already exists (made some other way) is refused too.
    const stray = await db.insertInto('school_year').values({ label: '2028-2029', starts_on: '2028-09-01', ends_on: '2029-08-31' }).returning('id').executeTakeFirstOrThrow();
    const withStray = await counts(db);
    await assert.rejects(rolloverYear(db, CLI_ACTOR), (e: unknown) => e instanceof Conflict && e.key === 'year.error.alreadyDone');
    assert.deepEqual(await counts(db), withStray);
    await db.deleteFrom('school_year').where('id', '=', stray.id).execute();
    assert.deepEqual(await counts(db), before);
  });

  test('two confirmations at once: one rollover happens, the other is refused; multi-level pupils move on in their second year', async () => {
    const { db } = t();
    const before = await counts(db);
    const results = await Promise.allSettled([rolloverYear(db, CLI_ACTOR, { to: '2028-2029' }), rolloverYear(db, CLI_ACTOR, { to: '2028-2029' })]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(rejected.reason instanceof Conflict, String(rejected.reason));
    const after = await counts(db);
    assert.deepEqual(after.current, ['2028-2029']);
    assert.equal(after.years, before.years + 1);
    assert.equal(after.classes, before.classes + 6);
    assert.equal((await classOf(db, world.small.pupils[0]!.id, '2028-2029'))!.name, 'GS-CP', 'second year in PS-MS (MS) → GS');
  });

  test('the year page: an administrator sees the preview and confirms; others get 403', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const parent = world.small.guardians[0]!;
      const asParent = new WebClient(app.url);
      await asParent.signInAs(handle, parent.id);
      assert.equal((await asParent.get('/directory/year')).status, 403);
      assert.equal((await asParent.post('/directory/year/rollover', { to: '2029-2030' })).status, 403);
      assert.deepEqual((await counts(db)).current, ['2028-2029']);

      const web = new WebClient(app.url);
      await web.signInAs(handle, admin.id);
      const page = await web.get('/directory/year');
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Passage à 2029-2030/);
      assert.match(html, /Calandreta del Pont Vièlh/);
      assert.match(html, /Familha Bonafont/);
      assert.match(html, /name="to" value="2029-2030"/);

      const res = await web.post('/directory/year/rollover', { to: '2029-2030' });
      assert.equal(res.status, 303);
      const done = await (await web.get(res.headers.get('location')!)).text();
      assert.match(done, /L&#39;année 2029-2030 est ouverte|L'année 2029-2030 est ouverte/);
      assert.match(done, /Passage à 2030-2031/);
      const replay = await web.post('/directory/year/rollover', { to: '2029-2030' });
      assert.equal(replay.status, 409);
      assert.deepEqual((await counts(db)).current, ['2029-2030']);
    } finally {
      await app.close();
    }
  });
});
