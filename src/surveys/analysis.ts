// Pure analysis of submitted answers: counts and percentages per question, free-text lists,
// cross-tabulation of two choice questions, and the flat rows of the exports.
import type { Lang } from '../platform/i18n/index.ts';
import { allQuestions, SCALE, text, type Answers, type ChoiceAnswer, type MultipleAnswer, type QuestionDef, type SurveyDef } from './answers.ts';

export interface Count {
  label: string;
  count: number;
  /** Share of the respondents who answered the question, 0–100, one decimal. */
  pct: number;
}
export type QuestionResult =
  | { kind: 'choice'; question: QuestionDef; answered: number; counts: Count[]; others: string[] }
  | { kind: 'scale'; question: QuestionDef; answered: number; counts: Count[]; mean: number | null }
  | { kind: 'number'; question: QuestionDef; answered: number; mean: number | null; median: number | null; min: number | null; max: number | null }
  | { kind: 'text'; question: QuestionDef; answered: number; texts: string[] }
  | { kind: 'date'; question: QuestionDef; answered: number; counts: Count[] }
  | { kind: 'matrix'; question: QuestionDef; answered: number; columns: string[]; rows: Array<{ label: string; counts: Count[] }> };

const pct = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 1000) / 10);
const round2 = (x: number) => Math.round(x * 100) / 100;

export function analyseQuestion(q: QuestionDef, all: Answers[], lang: Lang, otherLabel: string, search = ''): QuestionResult {
  const values = all.map((a) => a[String(q.id)]).filter((v) => v !== undefined);
  const answered = values.length;
  switch (q.kind) {
    case 'single':
    case 'multiple': {
      const tally = new Map<number, number>(q.options.map((o) => [o.id, 0]));
      const others: string[] = [];
      for (const v of values) {
        const ids = q.kind === 'single' ? [(v as ChoiceAnswer).choice] : (v as MultipleAnswer).choices;
        for (const id of ids) if (id !== null && tally.has(id)) tally.set(id, tally.get(id)! + 1);
        const o = (v as ChoiceAnswer | MultipleAnswer).other;
        if (o) others.push(o);
      }
      const counts = q.options.map((o) => ({ label: text(o.label, lang), count: tally.get(o.id)!, pct: pct(tally.get(o.id)!, answered) }));
      if (q.allowOther) counts.push({ label: otherLabel, count: others.length, pct: pct(others.length, answered) });
      return { kind: 'choice', question: q, answered, counts, others: filterTexts(others, search) };
    }
    case 'scale': {
      const nums = values as number[];
      const counts = SCALE.map((s) => {
        const n = nums.filter((x) => x === s).length;
        return { label: String(s), count: n, pct: pct(n, answered) };
      });
      return { kind: 'scale', question: q, answered, counts, mean: answered ? round2(nums.reduce((a, b) => a + b, 0) / answered) : null };
    }
    case 'number': {
      const nums = (values as number[]).slice().sort((a, b) => a - b);
      const mid = nums.length >> 1;
      const median = nums.length === 0 ? null : nums.length % 2 ? nums[mid]! : round2((nums[mid - 1]! + nums[mid]!) / 2);
      return {
        kind: 'number',
        question: q,
        answered,
        mean: answered ? round2(nums.reduce((a, b) => a + b, 0) / answered) : null,
        median,
        min: nums[0] ?? null,
        max: nums[nums.length - 1] ?? null,
      };
    }
    case 'short_text':
    case 'long_text':
      return { kind: 'text', question: q, answered, texts: filterTexts(values as string[], search) };
    case 'date': {
      const tally = new Map<string, number>();
      for (const v of values as string[]) tally.set(v, (tally.get(v) ?? 0) + 1);
      const counts = [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([label, count]) => ({ label, count, pct: pct(count, answered) }));
      return { kind: 'date', question: q, answered, counts };
    }
    case 'matrix': {
      const rows = q.rows.map((r) => {
        const cells = values.map((v) => (v as Record<string, number>)[String(r.id)]).filter((x) => x !== undefined);
        return {
          label: text(r.label, lang),
          counts: q.columns.map((c) => {
            const n = cells.filter((x) => x === c.id).length;
            return { label: text(c.label, lang), count: n, pct: pct(n, cells.length) };
          }),
        };
      });
      return { kind: 'matrix', question: q, answered, columns: q.columns.map((c) => text(c.label, lang)), rows };
    }
  }
}

/** Case- and accent-insensitive search in free texts. */
export function filterTexts(texts: string[], search: string): string[] {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const needle = fold(search.trim());
  return needle ? texts.filter((t) => fold(t).includes(needle)) : texts;
}

export function analyse(def: SurveyDef, all: Answers[], lang: Lang, otherLabel: string, search = ''): QuestionResult[] {
  return allQuestions(def).map((q) => analyseQuestion(q, all, lang, otherLabel, search));
}

/** Questions whose answers fall into categories, and so can be crossed. */
export function isCategorical(q: QuestionDef): boolean {
  return q.kind === 'single' || q.kind === 'multiple' || q.kind === 'scale';
}

function categories(q: QuestionDef, lang: Lang, otherLabel: string): Array<{ key: string; label: string }> {
  if (q.kind === 'scale') return SCALE.map((s) => ({ key: String(s), label: String(s) }));
  const cats = q.options.map((o) => ({ key: String(o.id), label: text(o.label, lang) }));
  if (q.allowOther) cats.push({ key: 'other', label: otherLabel });
  return cats;
}

function keysOf(q: QuestionDef, v: Answers[string] | undefined): string[] {
  if (v === undefined) return [];
  if (q.kind === 'scale') return [String(v)];
  const a = v as ChoiceAnswer & MultipleAnswer;
  const ids = q.kind === 'single' ? (a.choice === null ? [] : [a.choice]) : a.choices;
  return [...ids.map(String), ...(a.other ? ['other'] : [])];
}

export interface CrossTab {
  rows: string[];
  columns: string[];
  counts: number[][];
  /** Respondents who answered both questions. */
  total: number;
}

/** Counts of respondents for each pair of categories of two choice questions. */
export function crossTab(a: QuestionDef, b: QuestionDef, all: Answers[], lang: Lang, otherLabel: string): CrossTab {
  const ra = categories(a, lang, otherLabel);
  const cb = categories(b, lang, otherLabel);
  const counts = ra.map(() => cb.map(() => 0));
  let total = 0;
  for (const ans of all) {
    const ka = keysOf(a, ans[String(a.id)]);
    const kb = keysOf(b, ans[String(b.id)]);
    if (ka.length === 0 || kb.length === 0) continue;
    total++;
    for (const x of ka) for (const y of kb) {
      const i = ra.findIndex((r) => r.key === x);
      const j = cb.findIndex((c) => c.key === y);
      if (i >= 0 && j >= 0) counts[i]![j]!++;
    }
  }
  return { rows: ra.map((r) => r.label), columns: cb.map((c) => c.label), counts, total };
}

/** Export columns: one per question, one per matrix row. */
export function exportHeader(def: SurveyDef, lang: Lang): string[] {
  return allQuestions(def).flatMap((q) => (q.kind === 'matrix' ? q.rows.map((r) => `${text(q.prompt, lang)} [${text(r.label, lang)}]`) : [text(q.prompt, lang)]));
}

/** One response as export cells, in the order of exportHeader. */
export function exportCells(def: SurveyDef, a: Answers, lang: Lang, otherLabel: string): Array<string | number> {
  const label = (q: QuestionDef, id: number | null, list = q.options) => (id === null ? '' : text(list.find((o) => o.id === id)?.label ?? { fr: '?', oc: '', en: '' }, lang));
  return allQuestions(def).flatMap((q): Array<string | number> => {
    const v = a[String(q.id)];
    if (q.kind === 'matrix') return q.rows.map((r) => (v ? label(q, (v as Record<string, number>)[String(r.id)] ?? null, q.columns) : ''));
    if (v === undefined) return [''];
    if (q.kind === 'single') {
      const c = v as ChoiceAnswer;
      return [c.choice === null ? `${otherLabel}: ${c.other ?? ''}` : label(q, c.choice)];
    }
    if (q.kind === 'multiple') {
      const m = v as MultipleAnswer;
      return [[...m.choices.map((id) => label(q, id)), ...(m.other ? [`${otherLabel}: ${m.other}`] : [])].join('; ')];
    }
    return [v as string | number];
  });
}


/**
 * In an anonymous survey, a unit (class, group, list) with fewer invitations than this shows no
 * answered count: in a group of two, "1 answered" plus the answers tell who wrote what. Five is
 * the usual smallest cell of statistical disclosure control.
 */
export const ANONYMOUS_MIN_UNIT = 5;

export function unitRateShown(anonymous: boolean, invited: number): boolean {
  return !anonymous || invited >= ANONYMOUS_MIN_UNIT;
}
