// A large federation: a survey to more parents than PostgreSQL accepts bound parameters in one
// statement (65,535). The scheduler pass, which recomputes the audience on every run, must not
// build a statement with one parameter per parent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../platform/testing.ts';
import { createMailer } from '../platform/mail.ts';
import { aClass, aHousehold, aSchool } from '../directory/factories.ts';
import { addAudience, resolveAudience } from './campaign.ts';
import { tickSurveys } from './service.ts';
import { aSurvey, linksFor, MAIL, ORGANISER } from './testing.ts';

const PARENTS = 70_000;

forEachDatabase('surveys at scale', (t) => {
  test(`the scheduler pass over a survey open to ${PARENTS.toLocaleString('en')} parents invites the one family that joined since, and nobody twice`, async () => {
    const { db } = t();
    const school = await aSchool(db);
    const cls = await aClass(db, { schoolId: school.id, name: 'Tota la federacion' });
    // Built set-based: one family per parent, one child each, all in the class.
    await sql`insert into person (first_name, last_name) select 'Parent', 'Nombrosa ' || g from generate_series(1, ${PARENTS}::int) g`.execute(db);
    await sql`insert into person_email (email, person_id) select 'nombrosa' || substr(last_name, 10) || '@example.org', id from person where last_name like 'Nombrosa %'`.execute(db);
    await sql`insert into household (name) select 'Nombrosa ' || g from generate_series(1, ${PARENTS}::int) g`.execute(db);
    await sql`insert into household_guardian (household_id, person_id) select h.id, p.id from household h join person p on p.last_name = h.name where h.name like 'Nombrosa %'`.execute(db);
    await sql`insert into pupil (household_id, first_name) select id, 'Enfant' from household where name like 'Nombrosa %'`.execute(db);
    await sql`insert into enrolment (pupil_id, school_year_id, class_id)
      select pu.id, c.school_year_id, c.id from pupil pu join household h on h.id = pu.household_id join class c on c.id = ${cls.id}
      where h.name like 'Nombrosa %'`.execute(db);
    const s = await aSurvey(db, { title: 'Enquèsta de la federacion' });
    await addAudience(db, ORGANISER, s.id, 'class', cls.id);
    // Opened earlier: every parent already has an invitation (written set-based too, without mail).
    await db.updateTable('survey').set({ status: 'open', opened_at: new Date() }).where('id', '=', s.id).execute();
    await sql`insert into survey_invitation (survey_id, person_id, email)
      select ${s.id}, hg.person_id, pe.email from household_guardian hg join person_primary_email pe on pe.person_id = hg.person_id
      join household h on h.id = hg.household_id where h.name like 'Nombrosa %'`.execute(db);

    const newcomer = (await aHousehold(db, { classIds: [cls.id] })).guardians[0]!;
    const reach = await resolveAudience(db, s.id);
    assert.equal(reach.recipients.length, PARENTS + 1);
    const one = reach.recipients.find((r) => r.email === 'nombrosa12345@example.org')!;
    assert.deepEqual(one.units.map((u) => `${u.kind}:${u.id}`).sort(), [`class:${cls.id}`, `school:${school.id}`]);

    const mailer = createMailer({});
    const pass = await tickSurveys(db, mailer, MAIL);
    assert.equal(pass?.invited, 1);
    assert.equal((await linksFor(db, newcomer.email!)).length, 1);
    const invitations = await db.selectFrom('survey_invitation').select((eb) => eb.fn.countAll<number>().as('n')).where('survey_id', '=', s.id).executeTakeFirstOrThrow();
    assert.equal(Number(invitations.n), PARENTS + 1);
    // The next pass finds nobody new.
    assert.equal((await tickSurveys(db, mailer, MAIL))?.invited, 0);
  });
});
