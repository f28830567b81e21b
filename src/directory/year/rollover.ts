// Starting a school year: the very first one, and the yearly rollover that applies plan.ts.
import type { Db, Queryable } from '../../platform/db.ts';
import { Conflict, InvalidInput, isUniqueViolation } from '../../platform/errors.ts';
import { recordEvent, type Actor } from '../../platform/audit.ts';
import { currentYear } from '../people.ts';
import { parseYearLabel, planRollover, yearDates, type RolloverPlan, type RolloverSnapshot } from './plan.ts';


/** Creates and opens the first school year; later years come from the rollover. */
export async function createFirstYear(db: Db, actor: Actor, label: string) {
  if (!parseYearLabel(label)) throw new InvalidInput('year.error.label', { label: label.slice(0, 20) });
  const dates = yearDates(label);
  try {
    return await db.transaction().execute(async (trx) => {
      const any = await trx.selectFrom('school_year').select('id').limit(1).executeTakeFirst();
      if (any) throw new Conflict('year.error.exists');
      const year = await trx
        .insertInto('school_year')
        .values({ label: dates.label, starts_on: dates.startsOn, ends_on: dates.endsOn, is_current: true })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordEvent(trx, actor, 'directory.year.create', `school_year:${year.id}`, { label: dates.label });
      return year;
    });
  } catch (err) {
    // Two first years created at once: the second meets the one-current index.
    if (isUniqueViolation(err)) throw new Conflict('year.error.exists');
    throw err;
  }
}

/** Reads what the planner needs about the current year. */
export async function rolloverSnapshot(db: Queryable) {
  const year = await currentYear(db);
  if (!year) throw new InvalidInput('year.error.noYear');
  const [levels, classes, regents, enrolments, allClasses, earlierYears] = await Promise.all([
    db.selectFrom('level').selectAll().execute(),
    db.selectFrom('class').selectAll().where('school_year_id', '=', year.id).execute(),
    db
      .selectFrom('class_regent')
      .innerJoin('class', 'class.id', 'class_regent.class_id')
      .select(['class_regent.class_id', 'class_regent.person_id'])
      .where('class.school_year_id', '=', year.id)
      .execute(),
    db.selectFrom('enrolment').select(['pupil_id', 'class_id']).where('school_year_id', '=', year.id).execute(),
    db.selectFrom('class').select(['id', 'previous_class_id']).execute(),
    // Pupil history matters only a few years back: no class spans more than three levels.
    db.selectFrom('school_year').select(['id']).where('starts_on', '<', year.starts_on).orderBy('starts_on', 'desc').limit(4).execute(),
  ]);
  const previousOf = new Map(allClasses.map((c) => [c.id, c.previous_class_id]));
  const history = earlierYears.length
    ? await db
        .selectFrom('enrolment')
        .select(['pupil_id', 'school_year_id', 'class_id'])
        .where('school_year_id', 'in', earlierYears.map((y) => y.id))
        .where('pupil_id', 'in', enrolments.length ? enrolments.map((e) => e.pupil_id) : [-1])
        .execute()
    : [];
  const classIn = new Map(history.map((h) => [`${h.pupil_id}:${h.school_year_id}`, h.class_id]));
  const snapshot: RolloverSnapshot = {
    year: { label: year.label },
    levels,
    classes: classes.map((c) => {
      const lineage: number[] = [];
      for (let p = c.previous_class_id; p !== null && p !== undefined && lineage.length < earlierYears.length; p = previousOf.get(p) ?? null) lineage.push(p);
      return {
        id: c.id,
        schoolId: c.school_id,
        name: c.name,
        level: c.level,
        regentIds: regents.filter((r) => r.class_id === c.id).map((r) => r.person_id),
        lineage,
      };
    }),
    enrolments: enrolments.map((e) => ({
      pupilId: e.pupil_id,
      classId: e.class_id,
      previousClassIds: earlierYears.map((y) => classIn.get(`${e.pupil_id}:${y.id}`) ?? null),
    })),
  };
  return { year, snapshot };
}

export interface RolloverReport {
  from: string;
  to: string;
  startsOn: string;
  endsOn: string;
  dryRun: boolean;
  /** Per new-year class: who arrives (and from where). */
  classes: Array<{
    id: number | null;
    fromClassId: number;
    school: string;
    name: string;
    level: string;
    regents: string[];
    pupils: Array<{ pupilId: number; firstName: string; household: string; fromClass: string; level: string }>;
  }>;
  leavers: Array<{ pupilId: number; firstName: string; household: string; fromClass: string; school: string }>;
  counts: { classes: number; moved: number; left: number; regents: number };
}

async function describePlan(db: Queryable, from: string, plan: RolloverPlan, dryRun: boolean, newIds?: Map<number, number>): Promise<RolloverReport> {
  const pupilIds = [...plan.moves.map((m) => m.pupilId), ...plan.leavers.map((l) => l.pupilId)];
  const classIds = plan.classes.map((c) => c.fromClassId);
  const regentIds = [...new Set(plan.classes.flatMap((c) => c.regentIds))];
  const [pupils, classes, people, levels] = await Promise.all([
    pupilIds.length
      ? db
          .selectFrom('pupil')
          .innerJoin('household', 'household.id', 'pupil.household_id')
          .select(['pupil.id', 'pupil.first_name', 'household.name as household'])
          .where('pupil.id', 'in', pupilIds)
          .execute()
      : [],
    classIds.length
      ? db.selectFrom('class').innerJoin('school', 'school.id', 'class.school_id').select(['class.id', 'class.name', 'school.name as school']).where('class.id', 'in', classIds).execute()
      : [],
    regentIds.length ? db.selectFrom('person').select(['id', 'first_name', 'last_name']).where('id', 'in', regentIds).execute() : [],
    db.selectFrom('level').selectAll().execute(),
  ]);
  const rank = new Map(levels.map((l) => [l.code, l.rank]));
  const pupil = new Map(pupils.map((p) => [p.id, p]));
  const cls = new Map(classes.map((c) => [c.id, c]));
  const person = new Map(people.map((p) => [p.id, `${p.first_name} ${p.last_name}`]));
  const collator = new Intl.Collator('fr');
  const byHousehold = <T extends { household: string; firstName: string }>(a: T, b: T) => collator.compare(a.household, b.household) || collator.compare(a.firstName, b.firstName);
  return {
    from,
    to: plan.year.label,
    startsOn: plan.year.startsOn,
    endsOn: plan.year.endsOn,
    dryRun,
    classes: plan.classes
      .map((c) => ({
        id: newIds?.get(c.fromClassId) ?? null,
        fromClassId: c.fromClassId,
        school: cls.get(c.fromClassId)!.school,
        name: c.name,
        level: c.level,
        regents: c.regentIds.map((id) => person.get(id)!).sort(collator.compare),
        pupils: plan.moves
          .filter((m) => m.toFromClassId === c.fromClassId)
          .map((m) => ({
            pupilId: m.pupilId,
            firstName: pupil.get(m.pupilId)!.first_name,
            household: pupil.get(m.pupilId)!.household,
            fromClass: cls.get(m.fromClassId)!.name,
            level: m.level,
          }))
          .sort(byHousehold),
      }))
      .sort((a, b) => collator.compare(a.school, b.school) || rank.get(a.level)! - rank.get(b.level)! || collator.compare(a.name, b.name)),
    leavers: plan.leavers
      .map((l) => ({
        pupilId: l.pupilId,
        firstName: pupil.get(l.pupilId)!.first_name,
        household: pupil.get(l.pupilId)!.household,
        fromClass: cls.get(l.fromClassId)!.name,
        school: cls.get(l.fromClassId)!.school,
      }))
      .sort(byHousehold),
    counts: {
      classes: plan.classes.length,
      moved: plan.moves.length,
      left: plan.leavers.length,
      regents: plan.classes.reduce((n, c) => n + c.regentIds.length, 0),
    },
  };
}

/**
 * Starts the next school year: copies the classes (with their regents), enrols every pupil
 * in their next class, lets the last level leave, and makes the new year the current one;
 * the old classes and enrolments stay as history. `to`, when given, is the year the caller
 * previewed: a second submission of the same confirmation is refused instead of starting
 * the year after.
 */
export async function rolloverYear(db: Db, actor: Actor, opts: { dryRun?: boolean; to?: string } = {}): Promise<RolloverReport> {
  const dryRun = opts.dryRun ?? false;
  try {
    return await db.transaction().execute(async (trx) => {
      const { year, snapshot } = await rolloverSnapshot(trx);
      const plan = planRollover(snapshot);
      if (opts.to !== undefined && opts.to !== plan.year.label) {
        if (opts.to === year.label) throw new Conflict('year.error.alreadyDone', { label: opts.to });
        throw new Conflict('year.error.changed', { expected: opts.to, label: plan.year.label });
      }
      const exists = await trx.selectFrom('school_year').select('id').where('label', '=', plan.year.label).executeTakeFirst();
      if (exists) throw new Conflict('year.error.alreadyDone', { label: plan.year.label });
      if (dryRun) return describePlan(trx, year.label, plan, true);

      // The partial unique index allows one current year: close the old one first.
      await trx.updateTable('school_year').set({ is_current: false }).where('id', '=', year.id).execute();
      const next = await trx
        .insertInto('school_year')
        .values({ label: plan.year.label, starts_on: plan.year.startsOn, ends_on: plan.year.endsOn, is_current: true })
        .returning('id')
        .executeTakeFirstOrThrow();
      const newIds = new Map<number, number>();
      if (plan.classes.length) {
        const rows = await trx
          .insertInto('class')
          .values(plan.classes.map((c) => ({ school_id: c.schoolId, school_year_id: next.id, name: c.name, level: c.level, previous_class_id: c.fromClassId })))
          .returning(['id', 'previous_class_id'])
          .execute();
        for (const r of rows) newIds.set(r.previous_class_id!, r.id);
        const regents = plan.classes.flatMap((c) => c.regentIds.map((personId) => ({ class_id: newIds.get(c.fromClassId)!, person_id: personId })));
        if (regents.length) await trx.insertInto('class_regent').values(regents).execute();
      }
      if (plan.moves.length) {
        await trx
          .insertInto('enrolment')
          .values(plan.moves.map((m) => ({ pupil_id: m.pupilId, school_year_id: next.id, class_id: newIds.get(m.toFromClassId)! })))
          .execute();
      }
      const report = await describePlan(trx, year.label, plan, false, newIds);
      await recordEvent(trx, actor, 'directory.year.rollover', `school_year:${next.id}`, { from: year.label, to: plan.year.label, ...report.counts });
      return report;
    });
  } catch (err) {
    // Two rollovers at once on a server: the loser meets the unique label or the one-current index.
    if (isUniqueViolation(err)) throw new Conflict('year.error.alreadyDone', { label: opts.to ?? '' });
    throw err;
  }
}
