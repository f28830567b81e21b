import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase, openTestDatabase } from '../../platform/testing.ts';
import { CLI_ACTOR } from '../../platform/audit.ts';
import { Conflict } from '../../platform/errors.ts';
import { startTestPlatform, WebClient } from '../../app/testing.ts';
import { aPerson } from '../factories.ts';
import { demoAssociation } from './data.ts';
import { loadDemo } from './load.ts';
import { MODULES } from '../../app/modules.ts';
import type { DemoHook } from '../../platform/module.ts';
import { rolloverYear } from '../year/rollover.ts';

test('the demo association is the same every time and its people and addresses are unique', () => {
  const a = demoAssociation();
  assert.deepEqual(demoAssociation(), a);
  assert.notDeepEqual(demoAssociation(7), a);
  assert.equal(new Set(a.people.map((p) => p.email)).size, a.people.length);
  assert.equal(new Set(a.people.map((p) => p.key)).size, a.people.length);
  assert.ok(a.people.every((p) => p.email.endsWith('@example.org')));
  assert.equal(new Set(a.households.map((h) => h.name)).size, 150);
  const taken = new Set([a.people[0]!.email]);
  assert.ok(!demoAssociation(undefined, taken).people.some((p) => taken.has(p.email)), 'an address already in the directory is avoided');
});

const n = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);

forEachDatabase('demo association', (t) => {
  test('an extension that fails undoes the whole load', async () => {
    const { db } = t();
    const broken: DemoHook = async () => {
      throw new Error('accounting demo broke');
    };
    await assert.rejects(loadDemo(db, CLI_ACTOR, { modules: [...MODULES, { demo: broken }] }), /accounting demo broke/);
    assert.equal(await n(db.selectFrom('household').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()), 0);
    assert.equal(await n(db.selectFrom('school').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()), 0);
  });

  test('loads quickly with the expected shape, runs the extensions in the same transaction, and is refused a second time', async () => {
    const { db } = t();
    // An IT group an administrator made by hand before loading the demo is reused.
    const admin = await aPerson(db, { firstName: 'Bootstrap', lastName: 'Admin', email: 'admin@example.org' });
    await db.insertInto('directory_group').values({ kind: 'it', name: 'Grop informatic', slug: 'grop-informatic' }).execute();
    const seen: number[] = [];
    const widgets: DemoHook = async (trx, ctx) => {
      seen.push(await n(trx.selectFrom('household').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()));
      assert.ok(ctx.groupIds.board && ctx.groupIds.it && ctx.yearId);
      return { widgets: 3 };
    };
    const modules = [...MODULES, { demo: widgets }];
    {
      // PGlite runs in this process: its CPU time measures the load even on a busy test machine.
      const cpu = process.cpuUsage();
      const counts = await loadDemo(db, CLI_ACTOR, { today: new Date('2026-11-29T12:00:00Z'), modules });
      const used = process.cpuUsage(cpu);
      const ms = (used.user + used.system) / 1000;
      assert.ok(ms < 5000, `demo load took ${Math.round(ms)} ms of CPU`);
      assert.deepEqual(seen, [150], 'the extension sees the loaded directory');
      assert.equal(counts.widgets, 3);
      assert.equal(counts.schools, 2);
      assert.equal(counts.classes, 10);
      assert.equal(counts.households, 150);
      assert.ok(counts.pupils >= 150 && counts.pupils <= 450);

      const year = await db.selectFrom('school_year').selectAll().where('is_current', '=', true).executeTakeFirstOrThrow();
      assert.equal(year.label, '2026-2027');
      assert.equal(year.starts_on, '2026-09-01');
      const levels = (await db.selectFrom('class').select('level').where('school_year_id', '=', year.id).execute()).map((c) => c.level);
      assert.ok(levels.includes('PS') && levels.includes('CM2'));
      // Every pupil is enrolled; every household has one or two guardians and one to three pupils.
      assert.equal(await n(db.selectFrom('enrolment').select((eb) => eb.fn.countAll().as('n')).where('school_year_id', '=', year.id).executeTakeFirst()), counts.pupils);
      const shape = await sql<{ g: number; p: number }>`
        select (select count(*) from household_guardian hg where hg.household_id = h.id)::int as g,
               (select count(*) from pupil p where p.household_id = h.id)::int as p
        from household h`.execute(db);
      assert.ok(shape.rows.every((r) => r.g >= 1 && r.g <= 2 && r.p >= 1 && r.p <= 3));
      const twoSchools = await sql<{ n: number }>`
        select count(*)::int as n from (
          select p.household_id from pupil p join enrolment e on e.pupil_id = p.id join class c on c.id = e.class_id
          group by p.household_id having count(distinct c.school_id) > 1) x`.execute(db);
      assert.ok(twoSchools.rows[0]!.n >= 2, 'a few households have children in both schools');
      // One class has two regents; every class has at least one.
      const regents = await sql<{ n: number }>`select count(*)::int as n from class_regent cr join class c on c.id = cr.class_id where c.school_year_id = ${year.id} group by cr.class_id order by 1`.execute(db);
      assert.deepEqual(regents.rows.map((r) => r.n), [1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);

      const groups = await db
        .selectFrom('directory_group')
        .innerJoin('group_member', 'group_member.group_id', 'directory_group.id')
        .select(['directory_group.kind', 'directory_group.name', 'group_member.role', 'group_member.person_id'])
        .execute();
      const roles = (kind: string) => groups.filter((g) => g.kind === kind).map((g) => g.role).sort();
      assert.deepEqual(roles('bureau'), ['co_president', 'co_president', 'secretary', 'treasurer']);
      assert.deepEqual(roles('alsh').filter((r) => r === 'lead'), ['lead', 'lead']);
      assert.ok(roles('it').length >= 3);
      assert.equal(new Set(groups.filter((g) => g.kind === 'commission').map((g) => g.name)).size >= 3, true);
      for (const name of new Set(groups.filter((g) => g.kind === 'commission').map((g) => g.name))) {
        assert.equal(groups.filter((g) => g.name === name && g.role === 'lead').length, 1, `${name} has one lead`);
      }
      const guardians = new Set((await db.selectFrom('household_guardian').select('person_id').execute()).map((g) => g.person_id));
      assert.equal(groups.filter((g) => g.kind === 'board' && !guardians.has(g.person_id)).length, 2, 'two board members are not parents');
      const staff = await db.selectFrom('staff').select(['role']).execute();
      assert.equal(staff.filter((s) => s.role === 'alsh_director').length, 2);
      assert.equal(staff.filter((s) => s.role === 'regent').length, 11);
      assert.equal(await n(db.selectFrom('directory_group').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', 'it').executeTakeFirst()), 1);

      // A year of history lets the rollover tell first-year from second-year pupils of multi-level classes.
      const last = await db.selectFrom('school_year').selectAll().where('label', '=', '2025-2026').executeTakeFirstOrThrow();
      assert.equal(last.is_current, false);
      assert.ok(await n(db.selectFrom('enrolment').select((eb) => eb.fn.countAll().as('n')).where('school_year_id', '=', last.id).executeTakeFirst()) > 50);
      const plan = await rolloverYear(db, CLI_ACTOR, { dryRun: true });
      assert.equal(plan.to, '2027-2028');
      assert.ok(plan.classes.every((c) => c.pupils.length > 0), 'every class of the next year gets pupils');
      assert.ok(plan.leavers.length > 0);

      const before = await n(db.selectFrom('person').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst());
      await assert.rejects(loadDemo(db, CLI_ACTOR, { modules }), (err: unknown) => err instanceof Conflict && err.key === 'demo.error.notEmpty');
      assert.equal(await n(db.selectFrom('person').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()), before);
      assert.ok(await db.selectFrom('person').select('id').where('id', '=', admin.id).executeTakeFirst());
    }
  });

  test('an administrator loads the demo from the home page button; a parent may not', async () => {
    const handle = await openTestDatabase(t().handle.kind);
    const db = handle.db;
    after(() => handle.close());
    const app = await startTestPlatform(handle);
    try {
      const admin = await aPerson(db, { firstName: 'Bootstrap', lastName: 'Admin', email: 'admin@example.org' });
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', admin.id).execute();
      const other = await aPerson(db);
      const asOther = new WebClient(app.url);
      await asOther.signInAs(handle, other.id);
      assert.equal((await asOther.post('/directory/demo', {})).status, 403);

      const asAdmin = new WebClient(app.url);
      await asAdmin.signInAs(handle, admin.id);
      assert.match(await (await asAdmin.get('/')).text(), /action="\/directory\/demo"/);
      // A double click: one load, one refusal.
      const both = await Promise.all([asAdmin.post('/directory/demo', {}), asAdmin.post('/directory/demo', {})]);
      assert.deepEqual(both.map((r) => r.status).sort(), [303, 409]);
      const res = both.find((r) => r.status === 303)!;
      const page = await asAdmin.get(res.headers.get('location')!);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /150 foyers/);
      assert.match(html, /Calandreta de la Font Viva/);
      const again = await asAdmin.post('/directory/demo', {});
      assert.equal(again.status, 409);
      assert.match(await again.text(), /contient déjà des foyers/);
    } finally {
      await app.close();
    }
  });
});
