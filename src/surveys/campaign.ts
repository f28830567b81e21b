// Sending a survey: its audience, opening (one personal invitation and one mail per person),
// reminders to those who have not answered, closing, and the response rate per school, class, group.
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import { inTransaction } from '../platform/db.ts';
import { recordEvent, SYSTEM_ACTOR, type Actor } from '../platform/audit.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../platform/errors.ts';
import type { Mailer } from '../platform/mail.ts';
import { translator } from '../platform/i18n/index.ts';
import { hashSecret, newToken } from '../auth/tokens.ts';
import { personName, primaryEmail } from '../directory/people.ts';
import { getSurvey, type SurveyRow } from './survey.ts';
import type { AudienceKind, UnitKind } from './tables.ts';
import { EVERY_TARGET, mayTarget, type TargetScope } from './access.ts';

export interface MailSettings {
  publicUrl: string;
  mailDomain: string;
}

/** Adds a school, class, directory group, mailing list or "all parents"; scope: what this organiser may target. */
export async function addAudience(db: Queryable, actor: Actor, surveyId: number, kind: AudienceKind, refId: number | null, scope: TargetScope = EVERY_TARGET): Promise<void> {
  const s = await getSurvey(db, surveyId);
  if (s.status !== 'draft') throw new Conflict('surveys.error.frozen');
  if (kind !== 'all_parents' && !refId) throw new InvalidInput('surveys.error.audience');
  const table = kind === 'group' ? 'dir_group' : kind === 'class' ? 'dir_class' : kind === 'school' ? 'dir_school' : kind === 'list' ? 'list_public' : null;
  if (table && !(await db.selectFrom(table).select('id').where('id', '=', refId!).executeTakeFirst())) throw new InvalidInput('surveys.error.audience');
  if (!mayTarget(scope, kind, refId)) throw new Forbidden('surveys.error.audienceNotAllowed');
  const exists = await db
    .selectFrom('survey_audience')
    .select('id')
    .where('survey_id', '=', surveyId)
    .where('kind', '=', kind)
    .where((eb) => eb(eb.fn.coalesce('group_id', 'class_id', 'school_id', 'list_id', sql.lit(0)), '=', kind === 'all_parents' ? 0 : refId!))
    .executeTakeFirst();
  if (exists) return;
  await db
    .insertInto('survey_audience')
    .values({
      survey_id: surveyId,
      kind,
      group_id: kind === 'group' ? refId : null,
      class_id: kind === 'class' ? refId : null,
      school_id: kind === 'school' ? refId : null,
      list_id: kind === 'list' ? refId : null,
    })
    .execute();
  await recordEvent(db, actor, 'survey.audience.add', `survey:${surveyId}`, { kind, id: refId });
}

export async function removeAudience(db: Queryable, actor: Actor, surveyId: number, audienceId: number): Promise<void> {
  const s = await getSurvey(db, surveyId);
  if (s.status !== 'draft') throw new Conflict('surveys.error.frozen');
  await db.deleteFrom('survey_audience').where('id', '=', audienceId).where('survey_id', '=', surveyId).execute();
  await recordEvent(db, actor, 'survey.audience.remove', `survey:${surveyId}`, { audience: audienceId });
}

export async function audienceOf(db: Queryable, surveyId: number) {
  return db
    .selectFrom('survey_audience')
    .leftJoin('dir_group', 'dir_group.id', 'survey_audience.group_id')
    .leftJoin('dir_class', 'dir_class.id', 'survey_audience.class_id')
    .leftJoin('dir_school', 'dir_school.id', 'survey_audience.school_id')
    .leftJoin('list_public', 'list_public.id', 'survey_audience.list_id')
    .select([
      'survey_audience.id',
      'survey_audience.kind',
      'dir_group.name as group_name',
      'dir_class.name as class_name',
      'dir_school.name as school_name',
      'list_public.name as list_name',
      'list_public.slug as list_slug',
    ])
    .where('survey_audience.survey_id', '=', surveyId)
    .orderBy('survey_audience.id')
    .execute();
}

export interface Recipient {
  /** Null for a list member outside the directory: invited by address alone. */
  personId: number | null;
  email: string;
  /** First name from the directory, or the display name a list owner gave the address. */
  firstName: string;
  /** Schools and classes of the person's children this year, and the targeted groups and lists they are in. */
  units: Array<{ kind: UnitKind; id: number }>;
}

/**
 * The people a survey reaches: each person once, however many targeted groups, lists, classes or
 * schools they belong to; people without an address cannot be invited and are counted apart.
 * A list's members are those its mail reaches (the lists' list_reach view). A member whose
 * address is in the directory counts as that person; any other address is one recipient, once,
 * however many targeted lists carry it.
 */
export async function resolveAudience(db: Queryable, surveyId: number): Promise<{ recipients: Recipient[]; withoutEmail: number }> {
  // Every step below is set-based SQL over the survey's audience rows: PostgreSQL's protocol
  // allows at most 65,535 bound parameters per statement, and a federation has more parents
  // than that, so no statement lists people one parameter each.
  const targeted = (kind: AudienceKind) => db.selectFrom('survey_audience').where('survey_id', '=', surveyId).where('kind', '=', kind);
  const guardians = db
    .selectFrom('dir_class_guardian as g')
    .select('g.person_id')
    .where((eb) =>
      eb.or([
        eb.exists(targeted('all_parents').select('id')),
        eb('g.class_id', 'in', targeted('class').select('class_id')),
        eb('g.school_id', 'in', targeted('school').select('school_id')),
      ]),
    );
  const groupMembers = db.selectFrom('dir_group_member').where('group_id', 'in', targeted('group').select('group_id'));
  // Whom the list's mail reaches (the lists' rule: not those who chose no mail, nor suspended addresses).
  const listMembers = db.selectFrom('list_reach as m').where('m.list_id', 'in', targeted('list').select('list_id'));
  const people = guardians
    .union(groupMembers.select('person_id'))
    .union(listMembers.select('m.person_id as person_id').where('m.person_id', 'is not', null).$narrowType<{ person_id: number }>());

  const [persons, emails, children, members, listed] = await Promise.all([
    db.selectFrom('dir_person').select(['id', 'first_name']).where('id', 'in', people).orderBy('id').execute(),
    db.selectFrom('person_primary_email').select(['person_id', 'email']).where('person_id', 'in', people).execute(),
    db.selectFrom('dir_class_guardian').select(['person_id', 'class_id', 'school_id']).where('person_id', 'in', people).execute(),
    groupMembers.select(['person_id', 'group_id']).execute(),
    listMembers.select(['m.list_id', 'm.address', 'm.person_id', 'm.display_name']).execute(),
  ]);

  const unitsOf = new Map<number, Map<string, { kind: UnitKind; id: number }>>();
  const addUnit = (personId: number, kind: UnitKind, id: number) => {
    const units = unitsOf.get(personId) ?? new Map<string, { kind: UnitKind; id: number }>();
    units.set(`${kind}:${id}`, { kind, id });
    unitsOf.set(personId, units);
  };
  for (const c of children) {
    addUnit(c.person_id, 'class', c.class_id);
    addUnit(c.person_id, 'school', c.school_id);
  }
  for (const m of members) addUnit(m.person_id, 'group', m.group_id);
  const byAddress = new Map<string, { name: string; lists: Set<number> }>();
  for (const m of listed) {
    if (m.person_id !== null) addUnit(m.person_id, 'list', m.list_id);
    else {
      const address = m.address.toLowerCase();
      const cur = byAddress.get(address) ?? { name: '', lists: new Set<number>() };
      cur.lists.add(m.list_id);
      cur.name ||= m.display_name ?? '';
      byAddress.set(address, cur);
    }
  }
  const outsiders: Recipient[] = [...byAddress.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([email, x]) => ({ personId: null, email, firstName: x.name, units: [...x.lists].map((id) => ({ kind: 'list' as const, id })) }));
  const emailOf = new Map(emails.map((e) => [e.person_id, e.email]));
  const recipients: Recipient[] = [];
  let withoutEmail = 0;
  for (const p of persons) {
    const email = emailOf.get(p.id);
    if (!email) {
      withoutEmail++;
      continue;
    }
    recipients.push({ personId: p.id, email: email.toLowerCase(), firstName: p.first_name, units: [...(unitsOf.get(p.id)?.values() ?? [])] });
  }
  return { recipients: [...recipients, ...outsiders], withoutEmail };
}

function surveyLink(settings: MailSettings, token: string) {
  return `${settings.publicUrl.replace(/\/$/, '')}/s/${token}`;
}

/** The invitation mail, French then Occitan (the association's two languages), no English. */
function invitationMail(s: SurveyRow, firstName: string, link: string, reminder: boolean, closesAt: Date | null) {
  const parts = (['fr', 'oc'] as const).map((lang) => {
    const t = translator(lang);
    const title = (lang === 'oc' && s.title_oc) || s.title_fr;
    return [
      firstName ? t('surveys.mail.greeting', { name: firstName }) : t('surveys.mail.greetingNoName'),
      '',
      t(reminder ? 'surveys.mail.reminderBody' : 'surveys.mail.body', { title }),
      '',
      link,
      '',
      closesAt ? t('surveys.mail.closes', { date: closesAt.toISOString().slice(0, 10) }) : '',
      t(s.anonymous ? 'surveys.mail.anonymous' : 'surveys.mail.named'),
      t('surveys.mail.personal'),
    ]
      .filter((l, i, a) => l !== '' || a[i - 1] !== '')
      .join('\n');
  });
  const t = translator('fr');
  return {
    subject: t(reminder ? 'surveys.mail.reminderSubject' : 'surveys.mail.subject', { title: s.title_fr }),
    text: parts.join('\n\n-- \n\n'),
  };
}

/**
 * Replies to an invitation go to the person who made the survey (their first address), so a
 * parent who answers the mail with a question reaches someone; without one, there is no Reply-To.
 */
async function replyHeaders(db: Queryable, createdBy: number | null): Promise<Record<string, string> | undefined> {
  if (createdBy === null) return undefined;
  const [p, email] = await Promise.all([personName(db, createdBy), primaryEmail(db, createdBy)]);
  if (!p || !email) return undefined;
  // A display name is quoted, with its own quotes and backslashes escaped (RFC 5322).
  const name = `${p.firstName} ${p.lastName}`.replace(/[\\"]/g, (ch) => `\\${ch}`);
  return { 'Reply-To': `"${name}" <${email}>` };
}

/**
 * Opens a draft survey: one invitation per person of the audience, each with a fresh token whose
 * hash alone is stored, and one personal mail each, all in one transaction (all or nothing).
 * A closed survey is simply reopened: its invitations stay valid.
 */
export async function openSurvey(db: Queryable, mailer: Mailer, actor: Actor, surveyId: number, settings: MailSettings): Promise<{ invited: number; withoutEmail: number }> {
  return inTransaction(db, async (trx) => {
    const s = await trx.selectFrom('survey').selectAll().where('id', '=', surveyId).forUpdate().executeTakeFirst();
    if (!s) throw new NotFound('surveys.notFound');
    if (s.is_template) throw new Conflict('surveys.error.template');
    if (s.status === 'open') throw new Conflict('surveys.error.alreadyOpen');
    if (s.status === 'closed') {
      await trx.updateTable('survey').set({ status: 'open', closed_at: null }).where('id', '=', surveyId).execute();
      await recordEvent(trx, actor, 'survey.reopen', `survey:${surveyId}`);
      return { invited: 0, withoutEmail: 0 };
    }
    const questions = await trx.selectFrom('survey_question').select('id').where('survey_id', '=', surveyId).limit(1).execute();
    if (questions.length === 0) throw new InvalidInput('surveys.error.noQuestions');
    const { recipients, withoutEmail } = await resolveAudience(trx, surveyId);
    if (recipients.length === 0) throw new InvalidInput('surveys.error.noRecipients');
    await trx.updateTable('survey').set({ status: 'open', opened_at: new Date() }).where('id', '=', surveyId).execute();
    await inviteRecipients(trx, mailer, s, recipients, settings);
    await recordEvent(trx, actor, 'survey.open', `survey:${surveyId}`, { invited: recipients.length, withoutEmail });
    return { invited: recipients.length, withoutEmail };
  });
}

/** Rows per multi-row insert: a few parameters each, far below PostgreSQL's 65,535 per statement. */
const ROWS_PER_INSERT = 5000;

/** One invitation, one hashed token and one personal mail per recipient, in the caller's transaction. */
async function inviteRecipients(trx: Queryable, mailer: Mailer, s: SurveyRow, recipients: Recipient[], settings: MailSettings): Promise<void> {
  const from = `Ostal <no-reply@${settings.mailDomain}>`;
  const headers = await replyHeaders(trx, s.created_by);
  for (let i = 0; i < recipients.length; i += 500) {
    const chunk = recipients.slice(i, i + 500);
    const tokens = chunk.map(() => newToken());
    const rows = await trx
      .insertInto('survey_invitation')
      .values(chunk.map((r) => ({ survey_id: s.id, person_id: r.personId, email: r.email, display_name: r.personId === null ? r.firstName.slice(0, 200) : '' })))
      .returning(['id', 'email'])
      .execute();
    // Addresses are unique per survey (a directory address belongs to one person).
    const idOf = new Map(rows.map((r) => [r.email, r.id]));
    await trx.insertInto('survey_token').values(chunk.map((r, j) => ({ token_hash: hashSecret(tokens[j]!), invitation_id: idOf.get(r.email)! }))).execute();
    const units = chunk.flatMap((r) => r.units.map((u) => ({ invitation_id: idOf.get(r.email)!, unit_kind: u.kind, unit_id: u.id })));
    // A person may be in many targeted units: the rows are inserted in slices too (3 parameters a row).
    for (let k = 0; k < units.length; k += ROWS_PER_INSERT) await trx.insertInto('survey_invitation_unit').values(units.slice(k, k + ROWS_PER_INSERT)).execute();
    for (const [j, r] of chunk.entries()) {
      const mail = invitationMail(s, r.firstName, surveyLink(settings, tokens[j]!), false, s.closes_at);
      await mailer.enqueue(trx, { from, to: [r.email], ...mail, headers, sensitive: true });
    }
  }
}

/**
 * People who joined the audience after the opening (a family enrolled mid-year, a new member of
 * a targeted list or group) get their own invitation; nobody already invited gets a second one,
 * by person or by address. Run by every scheduler pass while the survey is open.
 */
export async function inviteNewcomers(db: Queryable, mailer: Mailer, surveyId: number, settings: MailSettings): Promise<number> {
  return inTransaction(db, async (trx) => {
    const s = await trx.selectFrom('survey').selectAll().where('id', '=', surveyId).forUpdate().executeTakeFirst();
    if (!s || s.status !== 'open' || s.is_template) return 0;
    const { recipients } = await resolveAudience(trx, surveyId);
    const invited = await trx.selectFrom('survey_invitation').select(['person_id', 'email']).where('survey_id', '=', surveyId).execute();
    const people = new Set(invited.map((i) => i.person_id).filter((id): id is number => id !== null));
    const addresses = new Set(invited.map((i) => i.email.toLowerCase()));
    const newcomers = recipients.filter((r) => !(r.personId !== null && people.has(r.personId)) && !addresses.has(r.email.toLowerCase()));
    if (newcomers.length === 0) return 0;
    await inviteRecipients(trx, mailer, s, newcomers, settings);
    await recordEvent(trx, SYSTEM_ACTOR, 'survey.invite.newcomers', `survey:${surveyId}`, { invited: newcomers.length });
    return newcomers.length;
  });
}

export async function closeSurvey(db: Queryable, actor: Actor, surveyId: number): Promise<void> {
  const s = await getSurvey(db, surveyId);
  if (s.status !== 'open') throw new Conflict('surveys.error.notOpen');
  await db.updateTable('survey').set({ status: 'closed', closed_at: new Date() }).where('id', '=', surveyId).execute();
  // Drafts of a closed survey will never be submitted: they are not kept.
  await db
    .deleteFrom('survey_draft')
    .where('invitation_id', 'in', (eb) => eb.selectFrom('survey_invitation').select('id').where('survey_id', '=', surveyId))
    .execute();
  if (s.anonymous) await shuffleAnonymousResponses(db, surveyId);
  await recordEvent(db, actor, 'survey.close', `survey:${surveyId}`);
}

/**
 * An anonymous answer is written in the transaction that marks its invitation answered, so until
 * this runs the two rows share a transaction id (xmin) and sit in submission order on disk: a
 * database administrator could pair them. Rewriting all of a survey's anonymous answers in one
 * transaction, in random order, gives them one common xmin and a shuffled physical order.
 * Run at closing and by every scheduler pass (`ostal surveys tick`).
 */
export async function shuffleAnonymousResponses(db: Queryable, surveyId: number): Promise<number> {
  const r = await sql<{ n: number }>`
    with taken as (delete from survey_anonymous_response where survey_id = ${surveyId} returning id, survey_id, answers),
         put as (insert into survey_anonymous_response (id, survey_id, answers)
                 select id, survey_id, answers from taken order by random() returning 1)
    select count(*)::int as n from put`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/**
 * Sends a reminder to every invitation not yet answered, with a new link (only hashes are stored,
 * so the first link cannot be re-sent as it was; it keeps working).
 */
export async function sendReminders(db: Queryable, mailer: Mailer, actor: Actor, surveyId: number, settings: MailSettings, now = new Date()): Promise<number> {
  return inTransaction(db, async (trx) => {
    const s = await trx.selectFrom('survey').selectAll().where('id', '=', surveyId).forUpdate().executeTakeFirst();
    if (!s) throw new NotFound('surveys.notFound');
    if (s.status !== 'open') throw new Conflict('surveys.error.notOpen');
    const pending = await trx
      .selectFrom('survey_invitation')
      .leftJoin('dir_person as person', 'person.id', 'survey_invitation.person_id')
      .select(['survey_invitation.id', 'survey_invitation.email', 'survey_invitation.display_name', 'person.first_name'])
      .where('survey_invitation.survey_id', '=', surveyId)
      .where('survey_invitation.submitted_on', 'is', null)
      .forUpdate('survey_invitation')
      .execute();
    const from = `Ostal <no-reply@${settings.mailDomain}>`;
    const headers = await replyHeaders(trx, s.created_by);
    // One statement for all of them (the rows are locked above): no parameter per person.
    await trx
      .updateTable('survey_invitation')
      .set((eb) => ({ reminders: eb('reminders', '+', 1), last_reminded_at: now }))
      .where('survey_id', '=', surveyId)
      .where('submitted_on', 'is', null)
      .execute();
    for (let i = 0; i < pending.length; i += ROWS_PER_INSERT) {
      const chunk = pending.slice(i, i + ROWS_PER_INSERT);
      const tokens = chunk.map(() => newToken());
      await trx.insertInto('survey_token').values(chunk.map((inv, j) => ({ token_hash: hashSecret(tokens[j]!), invitation_id: inv.id }))).execute();
      for (const [j, inv] of chunk.entries()) {
        await mailer.enqueue(trx, { from, to: [inv.email], ...invitationMail(s, inv.first_name ?? inv.display_name, surveyLink(settings, tokens[j]!), true, s.closes_at), headers, sensitive: true });
      }
    }
    await trx.updateTable('survey').set({ last_reminder_at: now }).where('id', '=', surveyId).execute();
    await recordEvent(trx, actor, 'survey.remind', `survey:${surveyId}`, { reminded: pending.length });
    return pending.length;
  });
}

/**
 * The scheduler's pass (`ostal surveys tick`, e.g. from cron): closes surveys past their closing
 * time, invites those who joined the audience since the opening and sends the scheduled reminders
 * that are due.
 */
export async function runDueSurveyJobs(db: Queryable, mailer: Mailer, settings: MailSettings, now = new Date()): Promise<{ closed: number; reminded: number; invited: number }> {
  const toClose = await db.selectFrom('survey').select('id').where('status', '=', 'open').where('closes_at', '<=', now).execute();
  for (const s of toClose) await closeSurvey(db, SYSTEM_ACTOR, s.id);
  // Only the surveys with answers since their last shuffle (the number of answers tells).
  const anonymous = await db
    .selectFrom('survey')
    .select((eb) => [
      'id',
      'anonymous_shuffled',
      eb.selectFrom('survey_anonymous_response as r').select(eb.fn.countAll<number>().as('n')).whereRef('r.survey_id', '=', 'survey.id').as('n'),
    ])
    .where('status', '=', 'open')
    .where('anonymous', '=', true)
    .execute();
  for (const s of anonymous) {
    if (Number(s.n) === s.anonymous_shuffled) continue;
    const n = await shuffleAnonymousResponses(db, s.id);
    await db.updateTable('survey').set({ anonymous_shuffled: n }).where('id', '=', s.id).execute();
  }
  const due = await db
    .selectFrom('survey')
    .select(['id', 'remind_every_days', 'last_reminder_at', 'opened_at'])
    .where('status', '=', 'open')
    .where('remind_every_days', 'is not', null)
    .execute();
  let reminded = 0;
  for (const s of due) {
    const since = s.last_reminder_at ?? s.opened_at;
    if (since && now.getTime() - since.getTime() >= s.remind_every_days! * 86_400_000) {
      reminded += await sendReminders(db, mailer, SYSTEM_ACTOR, s.id, settings, now);
    }
  }
  // After the reminders, so that someone invited in this pass is not reminded in the same pass.
  let invited = 0;
  for (const s of await db.selectFrom('survey').select('id').where('status', '=', 'open').where('is_template', '=', false).execute()) {
    invited += await inviteNewcomers(db, mailer, s.id, settings);
  }
  return { closed: toClose.length, reminded, invited };
}

export interface Rate {
  kind: UnitKind | 'all';
  id: number;
  name: string;
  parent: string | null;
  invited: number;
  answered: number;
  pct: number;
}

/** Response rate overall and per school, class and targeted group, from the invitations alone. */
export async function responseRates(db: Queryable, surveyId: number): Promise<{ total: Rate; units: Rate[]; byDay: Array<{ day: string; n: number }> }> {
  const pct = (a: number, n: number) => (n === 0 ? 0 : Math.round((a / n) * 1000) / 10);
  const total = await db
    .selectFrom('survey_invitation')
    .select((eb) => [eb.fn.countAll<number>().as('invited'), eb.fn.count<number>('submitted_on').as('answered')])
    .where('survey_id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const units = await db
    .selectFrom('survey_invitation_unit as u')
    .innerJoin('survey_invitation as i', 'i.id', 'u.invitation_id')
    .leftJoin('dir_school as school', (j) => j.onRef('school.id', '=', 'u.unit_id').on('u.unit_kind', '=', 'school'))
    .leftJoin('dir_class as class', (j) => j.onRef('class.id', '=', 'u.unit_id').on('u.unit_kind', '=', 'class'))
    .leftJoin('dir_school as cs', 'cs.id', 'class.school_id')
    .leftJoin('dir_group as g', (j) => j.onRef('g.id', '=', 'u.unit_id').on('u.unit_kind', '=', 'group'))
    .leftJoin('list_public as ml', (j) => j.onRef('ml.id', '=', 'u.unit_id').on('u.unit_kind', '=', 'list'))
    .select((eb) => [
      'u.unit_kind',
      'u.unit_id',
      eb.fn.coalesce('school.name', 'class.name', 'g.name', 'ml.name').as('name'),
      'cs.name as parent',
      eb.fn.countAll<number>().as('invited'),
      eb.fn.count<number>('i.submitted_on').as('answered'),
    ])
    .where('i.survey_id', '=', surveyId)
    .groupBy(['u.unit_kind', 'u.unit_id', 'school.name', 'class.name', 'g.name', 'ml.name', 'cs.name'])
    .execute();
  const byDay = await db
    .selectFrom('survey_invitation')
    .select((eb) => ['submitted_on', eb.fn.countAll<number>().as('n')])
    .where('survey_id', '=', surveyId)
    .where('submitted_on', 'is not', null)
    .groupBy('submitted_on')
    .orderBy('submitted_on')
    .execute();
  const order = { school: 0, class: 1, group: 2, list: 3 } as const;
  return {
    total: { kind: 'all', id: 0, name: '', parent: null, invited: Number(total.invited), answered: Number(total.answered), pct: pct(Number(total.answered), Number(total.invited)) },
    units: units
      .map((u) => ({
        kind: u.unit_kind,
        id: u.unit_id,
        name: u.name ?? '?',
        parent: u.parent,
        invited: Number(u.invited),
        answered: Number(u.answered),
        pct: pct(Number(u.answered), Number(u.invited)),
      }))
      .sort((a, b) => order[a.kind] - order[b.kind] || (a.parent ?? '').localeCompare(b.parent ?? '') || a.name.localeCompare(b.name)),
    byDay: byDay.map((d) => ({ day: d.submitted_on!, n: Number(d.n) })),
  };
}
