// Pure rules of answering: the questionnaire as plain data, reading a submitted form into typed
// answers, conditions, and what a submission must satisfy. No database here.
import type { Lang } from '../platform/i18n/index.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import type { QuestionKind } from './tables.ts';

export interface Texts {
  fr: string;
  oc: string;
  en: string;
}
export interface OptionDef {
  id: number;
  label: Texts;
}
export interface QuestionDef {
  id: number;
  sectionId: number;
  kind: QuestionKind;
  required: boolean;
  prompt: Texts;
  allowOther: boolean;
  condition: { questionId: number; optionId: number } | null;
  /** Choices of single/multiple questions. */
  options: OptionDef[];
  /** Rows and columns of a matrix. */
  rows: OptionDef[];
  columns: OptionDef[];
}
export interface SectionDef {
  id: number;
  title: Texts;
  questions: QuestionDef[];
}
export interface SurveyDef {
  id: number;
  title: Texts;
  intro: Texts;
  anonymous: boolean;
  sections: SectionDef[];
}

export type ChoiceAnswer = { choice: number | null; other?: string };
export type MultipleAnswer = { choices: number[]; other?: string };
export type AnswerValue = ChoiceAnswer | MultipleAnswer | number | string | Record<string, number>;
/** Answers keyed by question id (as JSON object keys). */
export type Answers = Record<string, AnswerValue>;

export const LIMITS = { shortText: 300, longText: 5000, other: 300, number: 1e12 } as const;
export const SCALE = [1, 2, 3, 4, 5] as const;

/** The text in the reader's language, French when that translation is missing. */
export function text(t: Texts, lang: Lang): string {
  return (t[lang] || t.fr).trim() || t.fr;
}

export function allQuestions(def: SurveyDef): QuestionDef[] {
  return def.sections.flatMap((s) => s.questions);
}

function chosen(a: AnswerValue | undefined): number[] {
  if (a && typeof a === 'object') {
    if ('choices' in a && Array.isArray(a.choices)) return a.choices as number[];
    if ('choice' in a && typeof a.choice === 'number') return [a.choice];
  }
  return [];
}

/** A question is shown when it has no condition, or when its (visible) earlier question got the option. */
export function isVisible(def: SurveyDef, q: QuestionDef, answers: Answers): boolean {
  if (!q.condition) return true;
  const target = allQuestions(def).find((x) => x.id === q.condition!.questionId);
  if (!target || !isVisible(def, target, answers)) return false;
  return chosen(answers[String(target.id)]).includes(q.condition.optionId);
}

export interface FieldError {
  key: MessageKey;
  params?: Record<string, string | number>;
}
export type FormBody = Record<string, string | string[] | undefined>;

function one(v: string | string[] | undefined): string {
  if (Array.isArray(v)) return (v[0] ?? '').trim();
  return (v ?? '').trim();
}
function many(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => x.trim()).filter(Boolean);
}

/**
 * Reads a submitted answer form (fields q{id}, q{id}_other, q{id}_r{row}) into answers.
 * Unknown options and oversize texts become errors; nothing is silently cut.
 */
export function readForm(def: SurveyDef, body: FormBody): { answers: Answers; errors: Record<string, FieldError> } {
  const answers: Answers = {};
  const errors: Record<string, FieldError> = {};
  for (const q of allQuestions(def)) {
    const name = `q${q.id}`;
    const key = String(q.id);
    const raw = one(body[name]);
    const tooLong = (s: string, max: number) => {
      if (s.length > max) errors[key] = { key: 'surveys.answer.tooLong', params: { max } };
      return s.length > max;
    };
    switch (q.kind) {
      case 'single': {
        const other = q.allowOther ? one(body[`${name}_other`]) : '';
        if (tooLong(other, LIMITS.other)) break;
        if (raw === '' && other === '') break;
        if (raw === 'other' || (raw === '' && other !== '')) {
          if (!q.allowOther || other === '') errors[key] = { key: 'surveys.answer.otherEmpty' };
          else answers[key] = { choice: null, other };
          break;
        }
        const id = Number(raw);
        if (!q.options.some((o) => o.id === id)) errors[key] = { key: 'surveys.answer.invalid' };
        else answers[key] = { choice: id };
        break;
      }
      case 'multiple': {
        const values = many(body[name]);
        const other = q.allowOther ? one(body[`${name}_other`]) : '';
        if (tooLong(other, LIMITS.other)) break;
        const ids = values.filter((v) => v !== 'other').map(Number);
        if (ids.some((id) => !q.options.some((o) => o.id === id)) || new Set(ids).size !== ids.length) {
          errors[key] = { key: 'surveys.answer.invalid' };
          break;
        }
        if (values.includes('other') && other === '') {
          errors[key] = { key: 'surveys.answer.otherEmpty' };
          break;
        }
        if (ids.length === 0 && other === '') break;
        answers[key] = other ? { choices: ids, other } : { choices: ids };
        break;
      }
      case 'scale': {
        if (raw === '') break;
        const n = Number(raw);
        if (!(SCALE as readonly number[]).includes(n)) errors[key] = { key: 'surveys.answer.invalid' };
        else answers[key] = n;
        break;
      }
      case 'number': {
        if (raw === '') break;
        const n = Number(raw.replace(',', '.'));
        if (!/^-?\d+([.,]\d+)?$/.test(raw) || !Number.isFinite(n) || Math.abs(n) > LIMITS.number) errors[key] = { key: 'surveys.answer.notNumber' };
        else answers[key] = n;
        break;
      }
      case 'short_text':
      case 'long_text': {
        // Keep the respondent's line breaks in long answers; only the ends are trimmed.
        const s = one(body[name]).replace(/\r\n/g, '\n');
        if (tooLong(s, q.kind === 'short_text' ? LIMITS.shortText : LIMITS.longText)) break;
        if (s !== '') answers[key] = s;
        break;
      }
      case 'date': {
        if (raw === '') break;
        const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
        const ok = d && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) && new Date(`${raw}T00:00:00Z`).toISOString().startsWith(raw);
        if (!ok) errors[key] = { key: 'surveys.answer.notDate' };
        else answers[key] = raw;
        break;
      }
      case 'matrix': {
        const cells: Record<string, number> = {};
        for (const row of q.rows) {
          const v = one(body[`${name}_r${row.id}`]);
          if (v === '') continue;
          const col = Number(v);
          if (!q.columns.some((c) => c.id === col)) {
            errors[key] = { key: 'surveys.answer.invalid' };
            break;
          }
          cells[String(row.id)] = col;
        }
        if (!errors[key] && Object.keys(cells).length > 0) answers[key] = cells;
        break;
      }
    }
  }
  return { answers, errors };
}

/** What a submission must satisfy: required visible questions answered (a matrix fully). */
export function checkSubmission(def: SurveyDef, answers: Answers): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  for (const q of allQuestions(def)) {
    if (!q.required || !isVisible(def, q, answers)) continue;
    const a = answers[String(q.id)];
    const missing = a === undefined || (q.kind === 'matrix' && q.rows.some((r) => (a as Record<string, number>)[String(r.id)] === undefined));
    if (missing) errors[String(q.id)] = { key: 'surveys.answer.required' };
  }
  return errors;
}

/** Drops the answers of questions that their conditions hide: they were not asked. */
export function keepVisible(def: SurveyDef, answers: Answers): Answers {
  const out: Answers = {};
  for (const q of allQuestions(def)) {
    const a = answers[String(q.id)];
    if (a !== undefined && isVisible(def, q, answers)) out[String(q.id)] = a;
  }
  return out;
}
