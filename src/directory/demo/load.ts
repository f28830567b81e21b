// Loads the demo association into an empty directory, in one transaction, with a few
// batched inserts (a row-by-row load takes seconds on PGlite).
import { sql } from 'kysely';
import type { Db } from '../../platform/db.ts';
import { Conflict } from '../../platform/errors.ts';
import { recordEvent, type Actor } from '../../platform/audit.ts';
import { slugify } from '../names.ts';
import { nextYearLabel, schoolYearOf, yearDates } from '../year/plan.ts';
import type { DemoContext, DemoHook, Module } from '../../platform/module.ts';
import { demoAssociation, DEMO_SEED } from './data.ts';
import { enableTryAs, tryAsKeys } from './tryAs.ts';

/**
 * Other modules (lists, accounting, surveys…) add their demo data through their module's `demo`
 * entry (src/platform/module.ts), which the caller passes in `modules`: each runs inside the
 * same transaction, after the directory is loaded, and the counts it returns are added to the result.
 */
export type { DemoContext, DemoHook as DemoExtension };

export interface DemoCounts {
  schools: number;
  classes: number;
  households: number;
  guardians: number;
  pupils: number;
  people: number;
  staff: number;
  groups: number;
  [extension: string]: number;
}

export async function loadDemo(db: Db, actor: Actor, opts: { seed?: number; today?: Date; modules?: readonly Pick<Module, 'demo'>[] } = {}): Promise<DemoCounts> {
  return db.transaction().execute(async (trx) => {
    // Two loads at once (a double click on a server): the second waits, then finds households.
    await sql`select pg_advisory_xact_lock(hashtext('ostal.directory.demo'))`.execute(trx);
    const households = await trx.selectFrom('household').select('id').limit(1).executeTakeFirst();
    if (households) throw new Conflict('demo.error.notEmpty');
    const taken = new Set((await trx.selectFrom('person_email').select('email').execute()).map((e) => e.email));
    const demo = demoAssociation(opts.seed ?? DEMO_SEED, taken);

    // A year, schools or groups an administrator already made (the IT group, say) are reused.
    let year = await trx.selectFrom('school_year').selectAll().where('is_current', '=', true).executeTakeFirst();
    if (!year) {
      const d = yearDates(schoolYearOf(opts.today ?? new Date()));
      year =
        (await trx.selectFrom('school_year').selectAll().where('label', '=', d.label).executeTakeFirst()) ??
        (await trx.insertInto('school_year').values({ label: d.label, starts_on: d.startsOn, ends_on: d.endsOn, is_current: false }).returningAll().executeTakeFirstOrThrow());
      await trx.updateTable('school_year').set({ is_current: true }).where('id', '=', year.id).execute();
    }
    await trx
      .insertInto('school')
      .values(demo.schools.map((name) => ({ name, slug: slugify(name) })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    const schools = new Map((await trx.selectFrom('school').select(['id', 'name']).where('name', 'in', demo.schools).execute()).map((s) => [s.name, s.id]));

    const people = await trx
      .insertInto('person')
      .values(demo.people.map((p) => ({ first_name: p.firstName, last_name: p.lastName, phone: p.phone })))
      .returning(['id', 'first_name', 'last_name'])
      .execute();
    const personIds = new Map(people.map((p) => [`${p.first_name} ${p.last_name}`, p.id]));
    const pid = (key: string) => personIds.get(key)!;
    await trx.insertInto('person_email').values(demo.people.map((p) => ({ email: p.email, person_id: pid(p.key) }))).execute();
    await trx
      .insertInto('staff')
      .values(demo.staff.map((s) => ({ person_id: pid(s.person), school_id: s.school ? schools.get(s.school)! : null, role: s.role })))
      .execute();

    // One year of history (see lastYearClass in data.ts), unless that year exists already.
    const previousLabel = nextYearLabel(year.label, -1);
    const hasPrevious = await trx.selectFrom('school_year').select('id').where('label', '=', previousLabel).executeTakeFirst();
    const lastYearClassIds = new Map<string, number>();
    let lastYearId: number | null = null;
    if (!hasPrevious) {
      const d = yearDates(previousLabel);
      lastYearId = (await trx.insertInto('school_year').values({ label: d.label, starts_on: d.startsOn, ends_on: d.endsOn }).returning('id').executeTakeFirstOrThrow()).id;
      const rows = await trx
        .insertInto('class')
        .values(demo.classes.map((c) => ({ school_id: schools.get(c.school)!, school_year_id: lastYearId!, name: c.name, level: c.level })))
        .returning(['id', 'school_id', 'name'])
        .execute();
      for (const r of rows) lastYearClassIds.set(`${r.school_id}:${r.name}`, r.id);
      await trx
        .insertInto('class_regent')
        .values(demo.classes.flatMap((c) => c.regents.map((r) => ({ class_id: lastYearClassIds.get(`${schools.get(c.school)}:${c.name}`)!, person_id: pid(r) }))))
        .execute();
    }
    const classRows = await trx
      .insertInto('class')
      .values(
        demo.classes.map((c) => ({
          school_id: schools.get(c.school)!,
          school_year_id: year.id,
          name: c.name,
          level: c.level,
          previous_class_id: lastYearClassIds.get(`${schools.get(c.school)}:${c.name}`) ?? null,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returning(['id', 'school_id', 'name'])
      .execute();
    const classIds = new Map(
      (await trx.selectFrom('class').select(['id', 'school_id', 'name']).where('school_year_id', '=', year.id).execute()).map((c) => [`${c.school_id}:${c.name}`, c.id]),
    );
    const classOf = (school: string, name: string) => classIds.get(`${schools.get(school)}:${name}`)!;
    await trx
      .insertInto('class_regent')
      .values(demo.classes.flatMap((c) => c.regents.map((r) => ({ class_id: classOf(c.school, c.name), person_id: pid(r) }))))
      .onConflict((oc) => oc.doNothing())
      .execute();

    const householdRows = await trx
      .insertInto('household')
      .values(demo.households.map((h) => ({ name: h.name })))
      .returning(['id', 'name'])
      .execute();
    const householdIds = new Map(householdRows.map((h) => [h.name, h.id]));
    await trx
      .insertInto('household_guardian')
      .values(demo.households.flatMap((h) => h.guardians.map((g) => ({ household_id: householdIds.get(h.name)!, person_id: pid(g) }))))
      .execute();
    const pupils = demo.households.flatMap((h) => h.pupils.map((p) => ({ ...p, householdId: householdIds.get(h.name)! })));
    const pupilRows = await trx
      .insertInto('pupil')
      .values(pupils.map((p) => ({ household_id: p.householdId, first_name: p.firstName })))
      .returning(['id', 'household_id', 'first_name'])
      .execute();
    const pupilIds = new Map(pupilRows.map((p) => [`${p.household_id}:${p.first_name}`, p.id]));
    await trx
      .insertInto('enrolment')
      .values(pupils.map((p) => ({ pupil_id: pupilIds.get(`${p.householdId}:${p.firstName}`)!, school_year_id: year.id, class_id: classOf(p.school, p.className) })))
      .execute();
    const history = lastYearId === null ? [] : pupils.filter((p) => p.lastYear !== null);
    if (history.length) {
      await trx
        .insertInto('enrolment')
        .values(
          history.map((p) => ({
            pupil_id: pupilIds.get(`${p.householdId}:${p.firstName}`)!,
            school_year_id: lastYearId!,
            class_id: lastYearClassIds.get(`${schools.get(p.school)}:${p.lastYear}`)!,
          })),
        )
        .execute();
    }

    await trx
      .insertInto('directory_group')
      .values(demo.groups.map((g) => ({ kind: g.kind, name: g.name, slug: slugify(g.name) })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    const groupRows = await trx.selectFrom('directory_group').select(['id', 'name', 'kind']).where('name', 'in', demo.groups.map((g) => g.name)).execute();
    const groupIds = new Map(groupRows.map((g) => [g.name, g.id]));
    await trx
      .insertInto('group_member')
      .values(demo.groups.flatMap((g) => g.members.map((m) => ({ group_id: groupIds.get(g.name)!, person_id: pid(m.person), role: m.role }))))
      .execute();

    const counts: DemoCounts = {
      schools: demo.schools.length,
      classes: classRows.length,
      households: householdRows.length,
      guardians: demo.households.reduce((n, h) => n + h.guardians.length, 0),
      pupils: pupilRows.length,
      people: people.length,
      staff: demo.staff.length,
      groups: demo.groups.length,
    };
    const ctx: DemoContext = {
      actor,
      yearId: year.id,
      schoolIds: [...schools.values()],
      groupIds: Object.fromEntries([...groupRows].sort((a, b) => b.id - a.id).map((g) => [g.kind, g.id])),
      personIds,
    };
    for (const m of opts.modules ?? []) {
      if (!m.demo) continue;
      for (const [k, v] of Object.entries((await m.demo(trx, ctx)) ?? {})) counts[k] = (counts[k] ?? 0) + v;
    }
    const tryAsFor = tryAsKeys(demo);
    if (tryAsFor) await enableTryAs(trx, { treasurer: pid(tryAsFor.treasurer), regent: pid(tryAsFor.regent), parent: pid(tryAsFor.parent) });
    await recordEvent(trx, actor, 'directory.demo.load', null, { seed: opts.seed ?? DEMO_SEED, ...counts });
    return counts;
  });
}
