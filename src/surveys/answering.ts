// Answering from a personal link: finding the invitation by its token, resumable drafts, and the
// one submission per invitation (named, or anonymous with no way back to the person).
import { sql } from 'kysely';
import type { Queryable } from '../platform/db.ts';
import { inTransaction } from '../platform/db.ts';
import { Conflict, InvalidInput, NotFound } from '../platform/errors.ts';
import { hashSecret } from '../auth/tokens.ts';
import { checkSubmission, keepVisible, type Answers, type SurveyDef } from './answers.ts';
import { defOf, loadDef } from './survey.ts';

/** Tokens are 32 random bytes in base64url: anything else is not worth a query. */
export function plausibleToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export type Availability = 'open' | 'notYet' | 'closed';

export function availability(s: { status: string; opens_at: Date | null; closes_at: Date | null }, now: Date): Availability {
  if (s.status === 'closed' || (s.closes_at && now >= s.closes_at)) return 'closed';
  if (s.status !== 'open' || (s.opens_at && now < s.opens_at)) return 'notYet';
  return 'open';
}

export async function findInvitation(db: Queryable, token: string) {
  if (!plausibleToken(token)) throw new NotFound('surveys.answer.badLink');
  const inv = await db
    .selectFrom('survey_token')
    .innerJoin('survey_invitation', 'survey_invitation.id', 'survey_token.invitation_id')
    .innerJoin('survey', 'survey.id', 'survey_invitation.survey_id')
    .select([
      'survey_invitation.id',
      'survey_invitation.survey_id',
      'survey_invitation.submitted_on',
      'survey.status',
      'survey.opens_at',
      'survey.closes_at',
      'survey.anonymous',
    ])
    .where('survey_token.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!inv) throw new NotFound('surveys.answer.badLink');
  return inv;
}

/**
 * What the answer page needs: the invitation, its survey's questionnaire and the saved draft.
 * One query for invitation, survey and draft (the page is what 2,000 parents load at once).
 */
export async function openInvitation(db: Queryable, token: string, now = new Date()) {
  if (!plausibleToken(token)) throw new NotFound('surveys.answer.badLink');
  const row = await db
    .selectFrom('survey_token')
    .innerJoin('survey_invitation', 'survey_invitation.id', 'survey_token.invitation_id')
    .innerJoin('survey', 'survey.id', 'survey_invitation.survey_id')
    .leftJoin('survey_draft', 'survey_draft.invitation_id', 'survey_invitation.id')
    .selectAll('survey')
    .select(['survey_invitation.id as invitation_id', 'survey_invitation.submitted_on', 'survey_draft.answers as draft'])
    .where('survey_token.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row) throw new NotFound('surveys.answer.badLink');
  const { invitation_id, submitted_on, draft, ...survey } = row;
  const def = await defOf(db, survey);
  const invitation = { id: invitation_id, survey_id: survey.id, submitted_on, status: survey.status, opens_at: survey.opens_at, closes_at: survey.closes_at, anonymous: survey.anonymous };
  return { invitation, def, draft: (draft ?? {}) as Answers, availability: availability(survey, now) };
}

/** Saves answers given so far, to be resumed from the same link. */
export async function saveDraft(db: Queryable, token: string, answers: Answers, now = new Date()): Promise<void> {
  const inv = await findInvitation(db, token);
  if (inv.submitted_on) throw new Conflict('surveys.answer.already');
  if (availability(inv, now) !== 'open') throw new Conflict('surveys.answer.closed');
  await db
    .insertInto('survey_draft')
    .values({ invitation_id: inv.id, answers: JSON.stringify(answers), updated_at: now })
    .onConflict((oc) => oc.column('invitation_id').doUpdateSet({ answers: JSON.stringify(answers), updated_at: now }))
    .execute();
}

/**
 * Submits the answers of one invitation, once. The invitation row is locked and marked answered
 * in the same transaction that writes the response, so concurrent submits of one link give one
 * response. In anonymous mode the response goes to a table with no link to the invitation.
 */
export async function submitResponse(db: Queryable, token: string, given: Answers, now = new Date(), def?: SurveyDef): Promise<void> {
  if (!plausibleToken(token)) throw new NotFound('surveys.answer.badLink');
  const def0: SurveyDef = def ?? (await loadDef(db, (await findInvitation(db, token)).survey_id));
  const answers = keepVisible(def0, given);
  const missing = checkSubmission(def0, answers);
  if (Object.keys(missing).length > 0) throw new InvalidInput('surveys.answer.incomplete', { n: Object.keys(missing).length });
  await inTransaction(db, async (trx) => {
    const inv = await trx
      .selectFrom('survey_token')
      .innerJoin('survey_invitation', 'survey_invitation.id', 'survey_token.invitation_id')
      .innerJoin('survey', 'survey.id', 'survey_invitation.survey_id')
      .select(['survey_invitation.id', 'survey_invitation.survey_id', 'survey_invitation.submitted_on', 'survey.status', 'survey.opens_at', 'survey.closes_at', 'survey.anonymous'])
      .where('survey_token.token_hash', '=', hashSecret(token))
      .forUpdate('survey_invitation')
      .executeTakeFirst();
    if (!inv) throw new NotFound('surveys.answer.badLink');
    if (inv.submitted_on) throw new Conflict('surveys.answer.already');
    if (availability(inv, now) !== 'open') throw new Conflict('surveys.answer.closed');
    const marked = await trx
      .updateTable('survey_invitation')
      .set({ submitted_on: sql<string>`current_date` })
      .where('id', '=', inv.id)
      .where('submitted_on', 'is', null)
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) !== 1) throw new Conflict('surveys.answer.already');
    const json = JSON.stringify(answers);
    if (inv.anonymous) await trx.insertInto('survey_anonymous_response').values({ survey_id: inv.survey_id, answers: json }).execute();
    else await trx.insertInto('survey_response').values({ survey_id: inv.survey_id, invitation_id: inv.id, answers: json, submitted_at: now }).execute();
    await trx.deleteFrom('survey_draft').where('invitation_id', '=', inv.id).execute();
  });
}
