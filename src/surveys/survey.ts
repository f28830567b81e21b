// Building a survey: create, edit settings, sections, questions and options, templates.
// Each operation checks, writes and records the event; routes, CLI and demo call the same functions.
import type { Queryable } from '../platform/db.ts';
import { inTransaction } from '../platform/db.ts';
import { recordEvent, type Actor } from '../platform/audit.ts';
import { Conflict, InvalidInput, NotFound } from '../platform/errors.ts';
import type { OptionDef, QuestionDef, SurveyDef, Texts } from './answers.ts';
import type { QuestionKind } from './tables.ts';

export const QUESTION_KINDS: QuestionKind[] = ['single', 'multiple', 'scale', 'number', 'short_text', 'long_text', 'date', 'matrix'];

export interface SurveySettings {
  title: Texts;
  intro: Texts;
  anonymous: boolean;
  opensAt: Date | null;
  closesAt: Date | null;
  targetRate: number | null;
  remindEveryDays: number | null;
}

export async function getSurvey(db: Queryable, id: number) {
  const s = await db.selectFrom('survey').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw new NotFound('surveys.notFound');
  return s;
}
export type SurveyRow = Awaited<ReturnType<typeof getSurvey>>;

function checkSettings(s: SurveySettings) {
  if (!s.title.fr.trim()) throw new InvalidInput('surveys.error.titleRequired');
  if (s.title.fr.length > 200 || s.title.oc.length > 200 || s.title.en.length > 200) throw new InvalidInput('surveys.error.tooLong', { max: 200 });
  if (s.intro.fr.length > 5000 || s.intro.oc.length > 5000 || s.intro.en.length > 5000) throw new InvalidInput('surveys.error.tooLong', { max: 5000 });
  if (s.opensAt && s.closesAt && s.closesAt <= s.opensAt) throw new InvalidInput('surveys.error.dates');
  if (s.targetRate !== null && !(Number.isInteger(s.targetRate) && s.targetRate >= 1 && s.targetRate <= 100)) throw new InvalidInput('surveys.error.targetRate');
  if (s.remindEveryDays !== null && !(Number.isInteger(s.remindEveryDays) && s.remindEveryDays >= 1 && s.remindEveryDays <= 60)) throw new InvalidInput('surveys.error.remindEvery');
}

export async function createSurvey(db: Queryable, actor: Actor, s: SurveySettings & { isTemplate?: boolean }): Promise<number> {
  checkSettings(s);
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('survey')
      .values({
        title_fr: s.title.fr.trim(),
        title_oc: s.title.oc.trim(),
        title_en: s.title.en.trim(),
        intro_fr: s.intro.fr,
        intro_oc: s.intro.oc,
        intro_en: s.intro.en,
        anonymous: s.anonymous,
        opens_at: s.opensAt,
        closes_at: s.closesAt,
        target_rate: s.targetRate,
        remind_every_days: s.remindEveryDays,
        is_template: s.isTemplate ?? false,
        created_by: actor.personId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('survey_section').values({ survey_id: row.id, position: 0 }).execute();
    await recordEvent(trx, actor, 'survey.create', `survey:${row.id}`, { title: s.title.fr });
    return row.id;
  });
}

export async function updateSurvey(db: Queryable, actor: Actor, id: number, s: SurveySettings): Promise<void> {
  checkSettings(s);
  const cur = await getSurvey(db, id);
  if (cur.status !== 'draft' && cur.anonymous !== s.anonymous) throw new Conflict('surveys.error.anonymityFixed');
  await db
    .updateTable('survey')
    .set({
      title_fr: s.title.fr.trim(),
      title_oc: s.title.oc.trim(),
      title_en: s.title.en.trim(),
      intro_fr: s.intro.fr,
      intro_oc: s.intro.oc,
      intro_en: s.intro.en,
      anonymous: s.anonymous,
      opens_at: s.opensAt,
      closes_at: s.closesAt,
      target_rate: s.targetRate,
      remind_every_days: s.remindEveryDays,
    })
    .where('id', '=', id)
    .execute();
  await recordEvent(db, actor, 'survey.update', `survey:${id}`);
}

async function requireDraft(db: Queryable, surveyId: number) {
  const s = await getSurvey(db, surveyId);
  if (s.status !== 'draft') throw new Conflict('surveys.error.frozen');
  return s;
}

export async function addSection(db: Queryable, actor: Actor, surveyId: number, title: Texts): Promise<number> {
  await requireDraft(db, surveyId);
  const max = await db.selectFrom('survey_section').select((eb) => eb.fn.max('position').as('p')).where('survey_id', '=', surveyId).executeTakeFirst();
  const row = await db
    .insertInto('survey_section')
    .values({ survey_id: surveyId, position: Number(max?.p ?? -1) + 1, title_fr: title.fr, title_oc: title.oc, title_en: title.en })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordEvent(db, actor, 'survey.section.add', `survey:${surveyId}`);
  return row.id;
}

export async function updateSection(db: Queryable, actor: Actor, sectionId: number, title: Texts): Promise<void> {
  const sec = await db.selectFrom('survey_section').select('survey_id').where('id', '=', sectionId).executeTakeFirst();
  if (!sec) throw new NotFound('surveys.notFound');
  await requireDraft(db, sec.survey_id);
  await db.updateTable('survey_section').set({ title_fr: title.fr, title_oc: title.oc, title_en: title.en }).where('id', '=', sectionId).execute();
  await recordEvent(db, actor, 'survey.section.update', `survey:${sec.survey_id}`);
}

export interface QuestionInput {
  sectionId: number;
  kind: QuestionKind;
  required: boolean;
  prompt: Texts;
  allowOther: boolean;
  /** Choices (single/multiple) or matrix rows. */
  options: Texts[];
  /** Matrix columns. */
  columns: Texts[];
  condition: { questionId: number; optionId: number } | null;
}

/** "Oui | Òc | Yes" per line: French, Occitan, English. */
export function parseOptionLines(raw: string): Texts[] {
  return raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [fr = '', oc = '', en = ''] = l.split('|').map((x) => x.trim());
      return { fr, oc, en };
    });
}

export function optionLines(opts: OptionDef[]): string {
  return opts.map((o) => [o.label.fr, o.label.oc, o.label.en].join(' | ').replace(/( \| )+$/, '')).join('\n');
}

function checkQuestion(q: QuestionInput) {
  if (!QUESTION_KINDS.includes(q.kind)) throw new InvalidInput('surveys.error.kind');
  if (!q.prompt.fr.trim()) throw new InvalidInput('surveys.error.promptRequired');
  if ([q.prompt.fr, q.prompt.oc, q.prompt.en].some((p) => p.length > 500)) throw new InvalidInput('surveys.error.tooLong', { max: 500 });
  const needsOptions = q.kind === 'single' || q.kind === 'multiple' || q.kind === 'matrix';
  if (needsOptions && q.options.length < (q.kind === 'matrix' ? 1 : 2)) throw new InvalidInput('surveys.error.options');
  if (q.kind === 'matrix' && q.columns.length < 2) throw new InvalidInput('surveys.error.columns');
  if (q.options.length > 50 || q.columns.length > 20) throw new InvalidInput('surveys.error.tooManyOptions');
  for (const o of [...q.options, ...q.columns]) {
    if (!o.fr) throw new InvalidInput('surveys.error.options');
    if ([o.fr, o.oc, o.en].some((x) => x.length > 200)) throw new InvalidInput('surveys.error.tooLong', { max: 200 });
  }
}

async function writeOptions(trx: Queryable, questionId: number, role: 'choice' | 'row' | 'column', opts: Texts[]) {
  const existing = await trx.selectFrom('survey_option').select(['id', 'position']).where('question_id', '=', questionId).where('role', '=', role).execute();
  // Options keep their id when edited in place, so conditions pointing at them survive.
  for (const [i, o] of opts.entries()) {
    const cur = existing.find((e) => e.position === i);
    if (cur) await trx.updateTable('survey_option').set({ label_fr: o.fr, label_oc: o.oc, label_en: o.en }).where('id', '=', cur.id).execute();
    else await trx.insertInto('survey_option').values({ question_id: questionId, role, position: i, label_fr: o.fr, label_oc: o.oc, label_en: o.en }).execute();
  }
  const extra = existing.filter((e) => e.position >= opts.length).map((e) => e.id);
  if (extra.length) await trx.deleteFrom('survey_option').where('id', 'in', extra).execute();
}

function rolesFor(q: QuestionInput): Array<['choice' | 'row' | 'column', Texts[]]> {
  if (q.kind === 'matrix') return [['choice', []], ['row', q.options], ['column', q.columns]];
  if (q.kind === 'single' || q.kind === 'multiple') return [['choice', q.options], ['row', []], ['column', []]];
  return [['choice', []], ['row', []], ['column', []]];
}

export async function addQuestion(db: Queryable, actor: Actor, surveyId: number, q: QuestionInput): Promise<number> {
  checkQuestion(q);
  return inTransaction(db, async (trx) => {
    await requireDraft(trx, surveyId);
    const sec = await trx.selectFrom('survey_section').select('id').where('id', '=', q.sectionId).where('survey_id', '=', surveyId).executeTakeFirst();
    if (!sec) throw new InvalidInput('surveys.error.section');
    const max = await trx.selectFrom('survey_question').select((eb) => eb.fn.max('position').as('p')).where('section_id', '=', q.sectionId).executeTakeFirst();
    const row = await trx
      .insertInto('survey_question')
      .values({
        survey_id: surveyId,
        section_id: q.sectionId,
        position: Number(max?.p ?? -1) + 1,
        kind: q.kind,
        required: q.required,
        prompt_fr: q.prompt.fr.trim(),
        prompt_oc: q.prompt.oc.trim(),
        prompt_en: q.prompt.en.trim(),
        allow_other: q.allowOther && (q.kind === 'single' || q.kind === 'multiple'),
        condition_question_id: q.condition?.questionId ?? null,
        condition_option_id: q.condition?.optionId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [role, opts] of rolesFor(q)) await writeOptions(trx, row.id, role, opts);
    await recordEvent(trx, actor, 'survey.question.add', `survey:${surveyId}`, { question: row.id });
    return row.id;
  });
}

export async function updateQuestion(db: Queryable, actor: Actor, questionId: number, q: Omit<QuestionInput, 'sectionId'>): Promise<void> {
  const full = { ...q, sectionId: 0 };
  checkQuestion(full);
  await inTransaction(db, async (trx) => {
    const cur = await trx.selectFrom('survey_question').select(['survey_id', 'kind']).where('id', '=', questionId).executeTakeFirst();
    if (!cur) throw new NotFound('surveys.notFound');
    await requireDraft(trx, cur.survey_id);
    await trx
      .updateTable('survey_question')
      .set({
        kind: q.kind,
        required: q.required,
        prompt_fr: q.prompt.fr.trim(),
        prompt_oc: q.prompt.oc.trim(),
        prompt_en: q.prompt.en.trim(),
        allow_other: q.allowOther && (q.kind === 'single' || q.kind === 'multiple'),
        condition_question_id: q.condition?.questionId ?? null,
        condition_option_id: q.condition?.optionId ?? null,
      })
      .where('id', '=', questionId)
      .execute();
    for (const [role, opts] of rolesFor(full)) await writeOptions(trx, questionId, role, opts);
    await recordEvent(trx, actor, 'survey.question.update', `survey:${cur.survey_id}`, { question: questionId });
  });
}

export async function deleteQuestion(db: Queryable, actor: Actor, questionId: number): Promise<number> {
  const cur = await db.selectFrom('survey_question').select('survey_id').where('id', '=', questionId).executeTakeFirst();
  if (!cur) throw new NotFound('surveys.notFound');
  await requireDraft(db, cur.survey_id);
  await db.deleteFrom('survey_question').where('id', '=', questionId).execute();
  await recordEvent(db, actor, 'survey.question.delete', `survey:${cur.survey_id}`, { question: questionId });
  return cur.survey_id;
}

/**
 * Moves a question one place up or down. At the top or bottom of its section it goes to the end
 * of the previous section or the start of the next one. A move that would put a question above
 * the question its condition looks at (or a target below its dependant) is refused by the database.
 * Returns false when there is nowhere to go (first or last question of the survey).
 */
export async function moveQuestion(db: Queryable, actor: Actor, questionId: number, dir: 'up' | 'down'): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const q = await trx.selectFrom('survey_question').select(['id', 'survey_id', 'section_id', 'position']).where('id', '=', questionId).executeTakeFirst();
    if (!q) throw new NotFound('surveys.notFound');
    await requireDraft(trx, q.survey_id);
    const sections = await trx.selectFrom('survey_section').select(['id']).where('survey_id', '=', q.survey_id).orderBy('position').execute();
    const siblings = await trx.selectFrom('survey_question').select(['id', 'position']).where('section_id', '=', q.section_id).orderBy('position').execute();
    const i = siblings.findIndex((x) => x.id === q.id);
    const neighbour = siblings[dir === 'up' ? i - 1 : i + 1];
    const top = siblings.reduce((m, x) => Math.max(m, x.position), 0) + 1;
    if (neighbour) {
      // Swap through a free position: (section_id, position) is unique at every statement.
      await trx.updateTable('survey_question').set({ position: top }).where('id', '=', q.id).execute();
      await trx.updateTable('survey_question').set({ position: q.position }).where('id', '=', neighbour.id).execute();
      await trx.updateTable('survey_question').set({ position: neighbour.position }).where('id', '=', q.id).execute();
    } else {
      const si = sections.findIndex((x) => x.id === q.section_id);
      const target = sections[dir === 'up' ? si - 1 : si + 1];
      if (!target) return false;
      const other = await trx
        .selectFrom('survey_question')
        .select((eb) => [eb.fn.min('position').as('lo'), eb.fn.max('position').as('hi')])
        .where('section_id', '=', target.id)
        .executeTakeFirst();
      let position: number;
      if (dir === 'up') position = other?.hi == null ? 0 : Number(other.hi) + 1;
      else if (other?.lo == null) position = 0;
      else if (Number(other.lo) > 0) position = Number(other.lo) - 1;
      else {
        // Make room at the start of the next section (from the end, so positions stay unique).
        const shift = await trx.selectFrom('survey_question').select(['id', 'position']).where('section_id', '=', target.id).orderBy('position', 'desc').execute();
        for (const x of shift) await trx.updateTable('survey_question').set({ position: x.position + 1 }).where('id', '=', x.id).execute();
        position = 0;
      }
      await trx.updateTable('survey_question').set({ section_id: target.id, position }).where('id', '=', q.id).execute();
    }
    await recordEvent(trx, actor, 'survey.question.move', `survey:${q.survey_id}`, { question: q.id, dir });
    return true;
  });
}

/**
 * Deletes a section with its questions. Only a draft can change (the database refuses it once
 * the survey is open, so there are never answers to lose); a survey keeps at least one section.
 * Conditions of other questions that looked at a deleted question are dropped with it.
 */
export async function deleteSection(db: Queryable, actor: Actor, sectionId: number): Promise<number> {
  return inTransaction(db, async (trx) => {
    const sec = await trx.selectFrom('survey_section').select(['survey_id']).where('id', '=', sectionId).executeTakeFirst();
    if (!sec) throw new NotFound('surveys.notFound');
    await requireDraft(trx, sec.survey_id);
    const n = await trx.selectFrom('survey_section').select((eb) => eb.fn.countAll<number>().as('n')).where('survey_id', '=', sec.survey_id).executeTakeFirstOrThrow();
    if (Number(n.n) <= 1) throw new Conflict('surveys.error.lastSection');
    await trx.deleteFrom('survey_section').where('id', '=', sectionId).execute();
    await recordEvent(trx, actor, 'survey.section.delete', `survey:${sec.survey_id}`, { section: sectionId });
    return sec.survey_id;
  });
}

/** The questionnaire as plain data, in order: what answering, analysis and export work on. */
// The questionnaire of an opened survey cannot change (a trigger forbids it), so it is read once
// per database and kept; titles and introduction, which may still be corrected, are read each time.
const frozen = new WeakMap<object, Map<number, SurveyDef['sections']>>();

export async function loadDef(db: Queryable, surveyId: number): Promise<SurveyDef> {
  return defOf(db, await getSurvey(db, surveyId));
}

export async function defOf(db: Queryable, s: SurveyRow): Promise<SurveyDef> {
  const surveyId = s.id;
  const cached = s.status !== 'draft' ? frozen.get(db)?.get(surveyId) : undefined;
  const head = {
    id: s.id,
    title: { fr: s.title_fr, oc: s.title_oc, en: s.title_en },
    intro: { fr: s.intro_fr, oc: s.intro_oc, en: s.intro_en },
    anonymous: s.anonymous,
  };
  if (cached) return { ...head, sections: cached };
  const sections = await loadSections(db, surveyId);
  if (s.status !== 'draft' && !db.isTransaction) {
    let m = frozen.get(db);
    if (!m) frozen.set(db, (m = new Map()));
    if (m.size > 200) m.clear();
    m.set(surveyId, sections);
  }
  return { ...head, sections };
}

async function loadSections(db: Queryable, surveyId: number): Promise<SurveyDef['sections']> {
  const [sections, questions, options] = await Promise.all([
    db.selectFrom('survey_section').selectAll().where('survey_id', '=', surveyId).orderBy('position').execute(),
    db.selectFrom('survey_question').selectAll().where('survey_id', '=', surveyId).orderBy('position').execute(),
    db
      .selectFrom('survey_option')
      .innerJoin('survey_question', 'survey_question.id', 'survey_option.question_id')
      .selectAll('survey_option')
      .where('survey_question.survey_id', '=', surveyId)
      .orderBy('survey_option.position')
      .execute(),
  ]);
  const opt = (o: (typeof options)[number]): OptionDef => ({ id: o.id, label: { fr: o.label_fr, oc: o.label_oc, en: o.label_en } });
  const qdef = (q: (typeof questions)[number]): QuestionDef => {
    const mine = options.filter((o) => o.question_id === q.id);
    return {
      id: q.id,
      sectionId: q.section_id,
      kind: q.kind,
      required: q.required,
      prompt: { fr: q.prompt_fr, oc: q.prompt_oc, en: q.prompt_en },
      allowOther: q.allow_other,
      condition: q.condition_question_id && q.condition_option_id ? { questionId: q.condition_question_id, optionId: q.condition_option_id } : null,
      options: mine.filter((o) => o.role === 'choice').map(opt),
      rows: mine.filter((o) => o.role === 'row').map(opt),
      columns: mine.filter((o) => o.role === 'column').map(opt),
    };
  };
  return sections.map((sec) => ({
    id: sec.id,
    title: { fr: sec.title_fr, oc: sec.title_oc, en: sec.title_en },
    questions: questions.filter((q) => q.section_id === sec.id).map(qdef),
  }));
}

/**
 * Copies a survey's settings and questionnaire into a new draft (a template into a survey, or a
 * survey into a template). Conditions are re-pointed at the copies of their questions and options.
 */
export async function copySurvey(db: Queryable, actor: Actor, fromId: number, o: { isTemplate: boolean; title?: string }): Promise<number> {
  const def = await loadDef(db, fromId);
  const src = await getSurvey(db, fromId);
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('survey')
      .values({
        title_fr: o.title?.trim() || src.title_fr,
        title_oc: src.title_oc,
        title_en: src.title_en,
        intro_fr: src.intro_fr,
        intro_oc: src.intro_oc,
        intro_en: src.intro_en,
        anonymous: src.anonymous,
        target_rate: src.target_rate,
        remind_every_days: src.remind_every_days,
        is_template: o.isTemplate,
        created_by: actor.personId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const qMap = new Map<number, number>();
    const oMap = new Map<number, number>();
    for (const [si, sec] of def.sections.entries()) {
      const s = await trx
        .insertInto('survey_section')
        .values({ survey_id: row.id, position: si, title_fr: sec.title.fr, title_oc: sec.title.oc, title_en: sec.title.en })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [qi, q] of sec.questions.entries()) {
        const cond = q.condition && qMap.has(q.condition.questionId) ? { q: qMap.get(q.condition.questionId)!, o: oMap.get(q.condition.optionId)! } : null;
        const nq = await trx
          .insertInto('survey_question')
          .values({
            survey_id: row.id,
            section_id: s.id,
            position: qi,
            kind: q.kind,
            required: q.required,
            prompt_fr: q.prompt.fr,
            prompt_oc: q.prompt.oc,
            prompt_en: q.prompt.en,
            allow_other: q.allowOther,
            condition_question_id: cond?.q ?? null,
            condition_option_id: cond?.o ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        qMap.set(q.id, nq.id);
        for (const [role, list] of [['choice', q.options], ['row', q.rows], ['column', q.columns]] as const) {
          for (const [pi, op] of list.entries()) {
            const no = await trx
              .insertInto('survey_option')
              .values({ question_id: nq.id, role, position: pi, label_fr: op.label.fr, label_oc: op.label.oc, label_en: op.label.en })
              .returning('id')
              .executeTakeFirstOrThrow();
            oMap.set(op.id, no.id);
          }
        }
      }
    }
    await recordEvent(trx, actor, o.isTemplate ? 'survey.template.save' : 'survey.copy', `survey:${row.id}`, { from: fromId });
    return row.id;
  });
}
