// Survey pages: the organisers' editor, preview, response rate, analysis and exports, and the
// public answer page reached from a personal link (/s/:token, no sign-in).
import type { Hono } from 'hono';
import { raw } from 'hono/html';
import type { AppEnv, Ctx, RequestContext } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { actorOf, field, requireViewer } from '../platform/web/guards.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../platform/errors.ts';
import { isLang, translator, type Lang, type MessageKey } from '../platform/i18n/index.ts';
import { canCreateSurveys, canOrganise, requireOrganiser, targetScope } from './access.ts';
import { allQuestions, checkSubmission, keepVisible, readForm, text, type Answers, type FieldError, type FormBody, type SurveyDef } from './answers.ts';
import { analyse, crossTab, isCategorical, type QuestionResult, ANONYMOUS_MIN_UNIT, unitRateShown } from './analysis.ts';
import { openInvitation, saveDraft, submitResponse } from './answering.ts';
import { addAudience, audienceOf, closeSurvey, openSurvey, removeAudience, resolveAudience, responseRates, sendReminders } from './campaign.ts';
import { barChart, dayChart, stackedChart } from './charts.ts';
import { FORM_STYLE, SurveyQuestions } from './form.tsx';
import { exportCsv, exportXlsx, loadAnswers, type UnitFilter } from './results.ts';
import {
  addQuestion,
  addSection,
  copySurvey,
  createSurvey,
  deleteQuestion,
  deleteSection,
  getSurvey,
  loadDef,
  optionLines,
  parseOptionLines,
  moveQuestion,
  QUESTION_KINDS,
  updateQuestion,
  updateSection,
  updateSurvey,
  type QuestionInput,
  type SurveyRow,
  type SurveySettings,
} from './survey.ts';
import type { AudienceKind, QuestionKind } from './tables.ts';
import { currentClasses } from '../directory/people.ts';

function idParam(c: Ctx, name = 'id'): number {
  const n = Number(c.req.param(name));
  if (!Number.isSafeInteger(n) || n <= 0) throw new NotFound('surveys.notFound');
  return n;
}

async function organised(c: Ctx): Promise<{ rc: RequestContext; s: SurveyRow }> {
  const v = requireViewer(c);
  const rc = c.get('rc');
  const s = await getSurvey(rc.deps.db, idParam(c));
  requireOrganiser(v, s);
  return { rc, s };
}

const title = (s: SurveyRow, lang: string) => (lang === 'oc' && s.title_oc) || (lang === 'en' && s.title_en) || s.title_fr;
const mailSettings = (rc: RequestContext) => ({ publicUrl: rc.deps.config.publicUrl, mailDomain: rc.deps.config.mailDomain });

function Style() {
  return <style>{raw(FORM_STYLE)}</style>;
}

function SurveyNav({ rc, s }: { rc: RequestContext; s: SurveyRow }) {
  const { t } = rc;
  const links: Array<[string, string]> = [
    [`/surveys/${s.id}`, t('surveys.settings')],
    [`/surveys/${s.id}/preview`, t('surveys.preview')],
  ];
  if (s.status !== 'draft') links.push([`/surveys/${s.id}/rate`, t('surveys.rate')], [`/surveys/${s.id}/results`, t('surveys.results')]);
  return (
    <nav aria-label={title(s, rc.lang)}>
      <p>
        <a href="/surveys">{t('surveys.title')}</a> ·{' '}
        {links.map(([href, label], i) => (
          <>
            {i > 0 && ' · '}
            <a href={href} aria-current={rc.path === href ? 'page' : undefined}>
              {label}
            </a>
          </>
        ))}{' '}
        <span class="tag">{t(`surveys.status.${s.status}` as MessageKey)}</span>
        {s.anonymous && (
          <>
            {' '}
            <span class="tag">{t('surveys.anonymous')}</span>
          </>
        )}
      </p>
    </nav>
  );
}

function texts(body: Record<string, unknown>, prefix: string) {
  return { fr: field(body, `${prefix}_fr`), oc: field(body, `${prefix}_oc`), en: field(body, `${prefix}_en`) };
}

function dateTime(v: string): Date | null {
  if (!v) return null;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new InvalidInput('surveys.error.dates');
  return d;
}
function intOrNull(v: string, key: MessageKey): number | null {
  if (!v) return null;
  if (!/^\d{1,3}$/.test(v)) throw new InvalidInput(key);
  return Number(v);
}
const localInput = (d: Date | null) => (d ? new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16) : '');

function readSettings(body: Record<string, unknown>): SurveySettings {
  return {
    title: texts(body, 'title'),
    intro: { fr: String(body.intro_fr ?? ''), oc: String(body.intro_oc ?? ''), en: String(body.intro_en ?? '') },
    anonymous: body.anonymous === 'on',
    opensAt: dateTime(field(body, 'opens_at')),
    closesAt: dateTime(field(body, 'closes_at')),
    targetRate: intOrNull(field(body, 'target_rate'), 'surveys.error.targetRate'),
    remindEveryDays: intOrNull(field(body, 'remind_every_days'), 'surveys.error.remindEvery'),
  };
}

function readQuestion(body: Record<string, unknown>): Omit<QuestionInput, 'sectionId'> {
  const kind = field(body, 'kind') as QuestionKind;
  if (!QUESTION_KINDS.includes(kind)) throw new InvalidInput('surveys.error.kind');
  const cond = field(body, 'condition');
  let condition = null;
  if (cond) {
    const m = /^(\d+):(\d+)$/.exec(cond);
    if (!m) throw new InvalidInput('surveys.error.condition');
    condition = { questionId: Number(m[1]), optionId: Number(m[2]) };
  }
  return {
    kind,
    required: body.required === 'on',
    prompt: texts(body, 'prompt'),
    allowOther: body.allow_other === 'on',
    options: parseOptionLines(String(body.options ?? '')),
    columns: parseOptionLines(String(body.columns ?? '')),
    condition,
  };
}

/** Database refusals (a condition pointing forward, a frozen survey) as translated input errors. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const msg = (err as Error).message ?? '';
    if (/condition must refer/.test(msg)) throw new InvalidInput('surveys.error.condition');
    if (/cannot change/.test(msg)) throw new Conflict('surveys.error.frozen');
    throw err;
  }
}

function SettingsFields({ rc, s }: { rc: RequestContext; s: SurveyRow | null }) {
  const { t } = rc;
  const locked = s !== null && s.status !== 'draft';
  return (
    <>
      {(['fr', 'oc', 'en'] as const).map((l) => (
        <>
          <label for={`title_${l}`}>{t(`surveys.field.title${l === 'fr' ? 'Fr' : l === 'oc' ? 'Oc' : 'En'}` as MessageKey)}</label>
          <input id={`title_${l}`} name={`title_${l}`} type="text" maxlength={200} required={l === 'fr'} value={s ? s[`title_${l}`] : ''} />
        </>
      ))}
      {(['fr', 'oc', 'en'] as const).map((l) => (
        <>
          <label for={`intro_${l}`}>{t(`surveys.field.intro${l === 'fr' ? 'Fr' : l === 'oc' ? 'Oc' : 'En'}` as MessageKey)}</label>
          <textarea id={`intro_${l}`} name={`intro_${l}`} rows={3} maxlength={5000}>
            {s ? s[`intro_${l}`] : ''}
          </textarea>
        </>
      ))}
      <label class="choice">
        <input type="checkbox" name="anonymous" checked={s?.anonymous ?? false} disabled={locked} />
        <span>{t('surveys.field.anonymous')}</span>
      </label>
      {locked && s!.anonymous && <input type="hidden" name="anonymous" value="on" />}
      <label for="opens_at">{t('surveys.field.opensAt')}</label>
      <input id="opens_at" name="opens_at" type="datetime-local" value={localInput(s?.opens_at ?? null)} />
      <label for="closes_at">{t('surveys.field.closesAt')}</label>
      <input id="closes_at" name="closes_at" type="datetime-local" value={localInput(s?.closes_at ?? null)} />
      <label for="target_rate">{t('surveys.field.targetRate')}</label>
      <input id="target_rate" name="target_rate" type="number" min={1} max={100} value={s?.target_rate ?? ''} />
      <label for="remind_every_days">{t('surveys.field.remindEvery')}</label>
      <input id="remind_every_days" name="remind_every_days" type="number" min={1} max={60} value={s?.remind_every_days ?? ''} />
    </>
  );
}

function QuestionFields({ rc, def, q, idp }: { rc: RequestContext; def: SurveyDef; q: SurveyDef['sections'][number]['questions'][number] | null; idp: string }) {
  const { t, lang } = rc;
  const all = allQuestions(def);
  const earlier = q ? all.slice(0, all.findIndex((x) => x.id === q.id)) : all;
  const choices = earlier.filter((x) => x.kind === 'single' || x.kind === 'multiple');
  const cur = q?.condition ? `${q.condition.questionId}:${q.condition.optionId}` : '';
  return (
    <>
      <label for={`${idp}-kind`}>{t('surveys.question.kind')}</label>
      <select id={`${idp}-kind`} name="kind">
        {QUESTION_KINDS.map((k) => (
          <option value={k} selected={q?.kind === k}>
            {t(`surveys.kind.${k}` as MessageKey)}
          </option>
        ))}
      </select>
      {(['fr', 'oc', 'en'] as const).map((l) => (
        <>
          <label for={`${idp}-prompt-${l}`}>{t(`surveys.question.prompt${l === 'fr' ? 'Fr' : l === 'oc' ? 'Oc' : 'En'}` as MessageKey)}</label>
          <input id={`${idp}-prompt-${l}`} name={`prompt_${l}`} type="text" maxlength={500} required={l === 'fr'} value={q?.prompt[l] ?? ''} />
        </>
      ))}
      <label class="choice">
        <input type="checkbox" name="required" checked={q?.required ?? false} />
        <span>{t('surveys.question.required')}</span>
      </label>
      <label class="choice">
        <input type="checkbox" name="allow_other" checked={q?.allowOther ?? false} />
        <span>{t('surveys.question.allowOther')}</span>
      </label>
      <label for={`${idp}-options`}>{t('surveys.question.options')}</label>
      <textarea id={`${idp}-options`} name="options" rows={4}>
        {q ? optionLines(q.kind === 'matrix' ? q.rows : q.options) : ''}
      </textarea>
      <label for={`${idp}-columns`}>{t('surveys.question.columns')}</label>
      <textarea id={`${idp}-columns`} name="columns" rows={2}>
        {q ? optionLines(q.columns) : ''}
      </textarea>
      <label for={`${idp}-condition`}>{t('surveys.question.condition')}</label>
      <select id={`${idp}-condition`} name="condition">
        <option value="">{t('surveys.question.always')}</option>
        {choices.flatMap((x) =>
          x.options.map((o) => (
            <option value={`${x.id}:${o.id}`} selected={cur === `${x.id}:${o.id}`}>
              {`${text(x.prompt, lang).slice(0, 60)} = ${text(o.label, lang)}`}
            </option>
          )),
        )}
      </select>
    </>
  );
}

function RateBar({ pct }: { pct: number }) {
  return (
    <progress max={100} value={pct}>
      {pct} %
    </progress>
  );
}

function ResultBlock({ rc, r }: { rc: RequestContext; r: QuestionResult }) {
  const { t, lang } = rc;
  const q = r.question;
  const heading = <h3 id={`r-${q.id}`}>{text(q.prompt, lang)}</h3>;
  const answered = <p class="muted">{t('surveys.results.answered', { n: r.answered })}</p>;
  const countTable = (counts: Array<{ label: string; count: number; pct: number }>) => (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('surveys.results.option')}</th>
            <th scope="col">{t('surveys.results.count')}</th>
            <th scope="col">{t('surveys.results.pct')}</th>
          </tr>
        </thead>
        <tbody>
          {counts.map((c) => (
            <tr>
              <td>{c.label}</td>
              <td>{c.count}</td>
              <td>{c.pct}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  const chart = (svg: string) => (
    <figure class="chart" role="img" aria-labelledby={`r-${q.id}`}>
      {raw(svg)}
    </figure>
  );
  switch (r.kind) {
    case 'choice':
    case 'scale':
    case 'date':
      return (
        <section class="card">
          {heading}
          {answered}
          {r.counts.length > 0 && chart(barChart(r.counts))}
          {r.kind === 'scale' && r.mean !== null && <p>{t('surveys.results.mean', { mean: r.mean })}</p>}
          {countTable(r.counts)}
          {r.kind === 'choice' && r.others.length > 0 && (
            <details>
              <summary>{t('surveys.results.others', { n: r.others.length })}</summary>
              <ul class="plain">
                {r.others.map((o) => (
                  <li>{o}</li>
                ))}
              </ul>
            </details>
          )}
        </section>
      );
    case 'number':
      return (
        <section class="card">
          {heading}
          {answered}
          {r.answered > 0 && <p>{t('surveys.results.numbers', { mean: r.mean ?? '', median: r.median ?? '', min: r.min ?? '', max: r.max ?? '' })}</p>}
        </section>
      );
    case 'text':
      return (
        <section class="card">
          {heading}
          {answered}
          <details open={r.texts.length <= 20}>
            <summary>{t('surveys.results.texts', { n: r.texts.length })}</summary>
            <ul class="plain">
              {r.texts.map((x) => (
                <li style="white-space:pre-wrap">{x}</li>
              ))}
            </ul>
          </details>
        </section>
      );
    case 'matrix':
      return (
        <section class="card">
          {heading}
          {answered}
          {chart(stackedChart(r.rows, r.columns))}
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <td></td>
                  {r.columns.map((c) => (
                    <th scope="col">{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {r.rows.map((row) => (
                  <tr>
                    <th scope="row">{row.label}</th>
                    {row.counts.map((c) => (
                      <td>
                        {c.count} <span class="muted">({c.pct} %)</span>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      );
  }
}

function parseUnit(v: string): UnitFilter | null {
  const m = /^(school|class|group|list):(\d+)$/.exec(v);
  return m ? { kind: m[1] as UnitFilter['kind'], id: Number(m[2]) } : null;
}

export function surveysRoutes(app: Hono<AppEnv>) {
  // ——— organisers ———
  app.get('/surveys', async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    const { t } = rc;
    const mayCreate = await canCreateSurveys(rc.deps.db, v);
    if (!mayCreate && !v.isAdmin) {
      const own = await rc.deps.db.selectFrom('survey').select('id').where('created_by', '=', v.personId).executeTakeFirst();
      if (!own) throw new Forbidden('error.forbidden');
    }
    const rows = await rc.deps.db
      .selectFrom('survey')
      .select((eb) => [
        'survey.id',
        'survey.title_fr',
        'survey.title_oc',
        'survey.title_en',
        'survey.status',
        'survey.is_template',
        'survey.anonymous',
        'survey.created_by',
        eb.selectFrom('survey_invitation').select((e) => e.fn.countAll<number>().as('n')).whereRef('survey_invitation.survey_id', '=', 'survey.id').as('invited'),
        eb
          .selectFrom('survey_invitation')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('survey_invitation.survey_id', '=', 'survey.id')
          .where('survey_invitation.submitted_on', 'is not', null)
          .as('answered'),
      ])
      .$if(!v.isAdmin, (qb) => qb.where((eb) => eb.or([eb('survey.created_by', '=', v.personId), eb('survey.is_template', '=', true)])))
      .orderBy('survey.id', 'desc')
      .execute();
    const surveys = rows.filter((r) => !r.is_template);
    const templates = rows.filter((r) => r.is_template);
    const name = (r: (typeof rows)[number]) => (rc.lang === 'oc' && r.title_oc) || (rc.lang === 'en' && r.title_en) || r.title_fr;
    return c.html(
      <Layout rc={rc} title={t('surveys.title')}>
        {surveys.length === 0 ? (
          <p>{t('surveys.none')}</p>
        ) : (
          <ul class="plain">
            {surveys.map((r) => (
              <li>
                <a href={`/surveys/${r.id}`}>{name(r)}</a> <span class="tag">{t(`surveys.status.${r.status}` as MessageKey)}</span>
                {r.anonymous && (
                  <>
                    {' '}
                    <span class="tag">{t('surveys.anonymous')}</span>
                  </>
                )}
                {r.status !== 'draft' && (
                  <span class="muted">
                    {' '}
                    {Number(r.answered ?? 0)} / {Number(r.invited ?? 0)}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {mayCreate && (
          <section class="card">
            <h2>{t('surveys.create')}</h2>
            <Form rc={rc} action="/surveys">
              <label for="new-title">{t('surveys.field.titleFr')}</label>
              <input id="new-title" name="title_fr" type="text" required maxlength={200} />
              <label for="new-template">{t('surveys.createFromTemplate')}</label>
              <select id="new-template" name="template">
                <option value="">{t('surveys.blank')}</option>
                {templates.map((tp) => (
                  <option value={String(tp.id)}>{name(tp)}</option>
                ))}
              </select>
              <p>
                <button type="submit">{t('surveys.create')}</button>
              </p>
            </Form>
          </section>
        )}
        {templates.length > 0 && (
          <>
            <h2>{t('surveys.templates')}</h2>
            <ul class="plain">
              {templates.map((tp) => (
                <li>
                  {canOrganise(v, tp) ? <a href={`/surveys/${tp.id}`}>{name(tp)}</a> : name(tp)} <span class="tag">{t('surveys.template')}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </Layout>,
    );
  });

  app.post('/surveys', async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    if (!(await canCreateSurveys(rc.deps.db, v))) throw new Forbidden('error.forbidden');
    const body = await c.req.parseBody();
    const tpl = field(body, 'template');
    let id: number;
    if (tpl) {
      const src = await getSurvey(rc.deps.db, Number(tpl) || 0);
      if (!src.is_template) throw new NotFound('surveys.notFound');
      id = await copySurvey(rc.deps.db, actorOf(v), src.id, { isTemplate: false, title: field(body, 'title_fr') });
    } else {
      id = await createSurvey(rc.deps.db, actorOf(v), {
        title: { fr: field(body, 'title_fr'), oc: '', en: '' },
        intro: { fr: '', oc: '', en: '' },
        anonymous: false,
        opensAt: null,
        closesAt: null,
        targetRate: null,
        remindEveryDays: null,
      });
    }
    return c.redirect(`/surveys/${id}`, 303);
  });

  app.get('/surveys/:id', async (c) => {
    const { rc, s } = await organised(c);
    const { t, lang } = rc;
    const db = rc.deps.db;
    const def = await loadDef(db, s.id);
    const draft = s.status === 'draft';
    const audience = await audienceOf(db, s.id);
    const reach = draft ? await resolveAudience(db, s.id) : null;
    const scope = draft ? await targetScope(db, rc.viewer!) : null;
    const [groups, classes, schools, lists] = draft
      ? await Promise.all([
          db
            .selectFrom('directory_group')
            .select(['id', 'name'])
            .$if(!scope!.everything, (qb) => qb.where('id', 'in', [0, ...scope!.groupIds]))
            .orderBy('name')
            .execute(),
          currentClasses(db),
          db.selectFrom('school').select(['id', 'name']).orderBy('name').execute(),
          db
            .selectFrom('mailing_list')
            .select(['id', 'name', 'slug'])
            .$if(!scope!.everything, (qb) => qb.where('id', 'in', [0, ...scope!.listIds]))
            .orderBy('name')
            .execute(),
        ])
      : [[], [], [], []];
    const notice = c.req.query('notice');
    return c.html(
      <Layout rc={rc} title={title(s, lang)}>
        <Style />
        <SurveyNav rc={rc} s={s} />
        {notice && <Notice kind="ok">{notice}</Notice>}
        {s.status !== 'draft' && !s.is_template && (
          <div class="card">
            {s.status === 'open' ? (
              <>
                <Form rc={rc} action={`/surveys/${s.id}/remind`} class="inline">
                  <button type="submit">{t('surveys.remind')}</button>
                </Form>{' '}
                <Form rc={rc} action={`/surveys/${s.id}/close`} class="inline">
                  <button type="submit" class="secondary">
                    {t('surveys.close')}
                  </button>
                </Form>
              </>
            ) : (
              <Form rc={rc} action={`/surveys/${s.id}/open`} class="inline">
                <button type="submit">{t('surveys.reopen')}</button>
              </Form>
            )}{' '}
            <a class="button secondary" href={`/surveys/${s.id}/export.csv`}>
              {t('surveys.export.csv')}
            </a>{' '}
            <a class="button secondary" href={`/surveys/${s.id}/export.xlsx`}>
              {t('surveys.export.xlsx')}
            </a>
          </div>
        )}
        <details open={draft}>
          <summary>{t('surveys.settings')}</summary>
          <Form rc={rc} action={`/surveys/${s.id}/settings`}>
            <SettingsFields rc={rc} s={s} />
            <p>
              <button type="submit">{t('surveys.save')}</button>
            </p>
          </Form>
        </details>

        <h2>{t('surveys.sections')}</h2>
        {def.sections.map((sec, si) => (
          <section class="card">
            <h3>
              {t('surveys.section', { n: si + 1 })} {text(sec.title, lang) && `— ${text(sec.title, lang)}`}
            </h3>
            {draft && (
              <details>
                <summary>{t('surveys.question.edit')}</summary>
                <Form rc={rc} action={`/surveys/${s.id}/sections/${sec.id}`}>
                  {(['fr', 'oc', 'en'] as const).map((l) => (
                    <>
                      <label for={`sec-${sec.id}-${l}`}>{t(`surveys.section.title${l === 'fr' ? 'Fr' : l === 'oc' ? 'Oc' : 'En'}` as MessageKey)}</label>
                      <input id={`sec-${sec.id}-${l}`} name={`title_${l}`} type="text" maxlength={200} value={sec.title[l]} />
                    </>
                  ))}
                  <p>
                    <button type="submit">{t('surveys.save')}</button>
                  </p>
                </Form>
                {def.sections.length > 1 && (
                  <p>
                    <a class="button secondary" href={`/surveys/${s.id}/sections/${sec.id}/delete`}>
                      {t('surveys.section.delete')}
                    </a>
                  </p>
                )}
              </details>
            )}
            <ol>
              {sec.questions.map((q, qi) => (
                <li>
                  <strong>{text(q.prompt, lang)}</strong> <span class="tag">{t(`surveys.kind.${q.kind}` as MessageKey)}</span>
                  {q.required && <span class="muted"> ({t('surveys.question.requiredMark')})</span>}
                  {draft && (
                    <span class="move">
                      {' '}
                      {(si > 0 || qi > 0) && (
                        <Form rc={rc} action={`/surveys/${s.id}/questions/${q.id}/move`} class="inline">
                          <input type="hidden" name="dir" value="up" />
                          <button type="submit" class="link" aria-label={`${t('surveys.question.moveUp')} : ${text(q.prompt, lang)}`}>
                            ↑ {t('surveys.question.moveUp')}
                          </button>
                        </Form>
                      )}{' '}
                      {(si < def.sections.length - 1 || qi < sec.questions.length - 1) && (
                        <Form rc={rc} action={`/surveys/${s.id}/questions/${q.id}/move`} class="inline">
                          <input type="hidden" name="dir" value="down" />
                          <button type="submit" class="link" aria-label={`${t('surveys.question.moveDown')} : ${text(q.prompt, lang)}`}>
                            ↓ {t('surveys.question.moveDown')}
                          </button>
                        </Form>
                      )}
                    </span>
                  )}
                  {draft && (
                    <details>
                      <summary>{t('surveys.question.edit')}</summary>
                      <Form rc={rc} action={`/surveys/${s.id}/questions/${q.id}`}>
                        <QuestionFields rc={rc} def={def} q={q} idp={`q${q.id}`} />
                        <p>
                          <button type="submit">{t('surveys.save')}</button>
                        </p>
                      </Form>
                      <Form rc={rc} action={`/surveys/${s.id}/questions/${q.id}/delete`}>
                        <button type="submit" class="secondary">
                          {t('surveys.question.delete')}
                        </button>
                      </Form>
                    </details>
                  )}
                </li>
              ))}
            </ol>
          </section>
        ))}
        {draft && (
          <>
            <section class="card">
              <h3>{t('surveys.question.add')}</h3>
              <Form rc={rc} action={`/surveys/${s.id}/questions`}>
                <label for="new-section">{t('surveys.question.section')}</label>
                <select id="new-section" name="section_id">
                  {def.sections.map((sec, si) => (
                    <option value={String(sec.id)} selected={si === def.sections.length - 1}>
                      {t('surveys.section', { n: si + 1 })}
                    </option>
                  ))}
                </select>
                <QuestionFields rc={rc} def={def} q={null} idp="new" />
                <p>
                  <button type="submit">{t('surveys.question.add')}</button>
                </p>
              </Form>
            </section>
            <Form rc={rc} action={`/surveys/${s.id}/sections`}>
              <button type="submit" class="secondary">
                {t('surveys.section.add')}
              </button>
            </Form>
          </>
        )}

        {!s.is_template && (
          <>
            <h2>{t('surveys.audience')}</h2>
            {audience.length === 0 ? (
              <p class="muted">{t('surveys.audience.none')}</p>
            ) : (
              <ul class="plain">
                {audience.map((a) => (
                  <li>
                    {a.kind === 'all_parents'
                      ? t('surveys.audience.all_parents')
                      : t(`surveys.audience.${a.kind}` as MessageKey, {
                          name: a.group_name ?? a.class_name ?? a.school_name ?? (a.list_name ? `${a.list_name} <${a.list_slug}@${rc.deps.config.mailDomain}>` : '?'),
                        })}
                    {draft && (
                      <>
                        {' '}
                        <Form rc={rc} action={`/surveys/${s.id}/audience/${a.id}/delete`} class="inline">
                          <button type="submit" class="link">
                            {t('surveys.audience.remove')}
                          </button>
                        </Form>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {draft && reach && (
              <>
                <p class="hint">{t('surveys.audience.count', { n: reach.recipients.length, none: reach.withoutEmail })}</p>
                <Form rc={rc} action={`/surveys/${s.id}/audience`}>
                  <label for="audience">{t('surveys.audience.pick')}</label>
                  <select id="audience" name="target">
                    <option value="all_parents">{t('surveys.audience.all_parents')}</option>
                    {schools.map((x) => (
                      <option value={`school:${x.id}`}>{t('surveys.audience.school', { name: x.name })}</option>
                    ))}
                    {classes.map((x) => (
                      <option value={`class:${x.id}`}>{t('surveys.audience.class', { name: `${x.name} (${(x as { school: string }).school})` })}</option>
                    ))}
                    {groups.map((x) => (
                      <option value={`group:${x.id}`}>{t('surveys.audience.group', { name: x.name })}</option>
                    ))}
                    {lists.map((x) => (
                      <option value={`list:${x.id}`}>{t('surveys.audience.list', { name: `${x.name} <${(x as { slug: string }).slug}@${rc.deps.config.mailDomain}>` })}</option>
                    ))}
                  </select>{' '}
                  <button type="submit">{t('surveys.audience.add')}</button>
                  <p class="hint">{t('surveys.audience.rule')}</p>
                </Form>
                <Form rc={rc} action={`/surveys/${s.id}/open`}>
                  <p>
                    <button type="submit">{t('surveys.open')}</button>
                  </p>
                </Form>
              </>
            )}
          </>
        )}
        {!s.is_template && (
          <Form rc={rc} action={`/surveys/${s.id}/template`}>
            <button type="submit" class="secondary">
              {t('surveys.saveAsTemplate')}
            </button>
          </Form>
        )}
      </Layout>,
    );
  });

  const back = (c: Ctx, id: number, notice?: string) => c.redirect(`/surveys/${id}${notice ? `?notice=${encodeURIComponent(notice)}` : ''}`, 303);

  app.post('/surveys/:id/settings', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    await guarded(() => updateSurvey(rc.deps.db, actorOf(rc.viewer!), s.id, readSettings(body)));
    return back(c, s.id, rc.t('surveys.saved'));
  });
  app.post('/surveys/:id/sections', async (c) => {
    const { rc, s } = await organised(c);
    await guarded(() => addSection(rc.deps.db, actorOf(rc.viewer!), s.id, { fr: '', oc: '', en: '' }));
    return back(c, s.id);
  });
  app.post('/surveys/:id/sections/:sid', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    const sid = idParam(c, 'sid');
    const sec = await rc.deps.db.selectFrom('survey_section').select('id').where('id', '=', sid).where('survey_id', '=', s.id).executeTakeFirst();
    if (!sec) throw new NotFound('surveys.notFound');
    await guarded(() => updateSection(rc.deps.db, actorOf(rc.viewer!), sid, texts(body, 'title')));
    return back(c, s.id, rc.t('surveys.saved'));
  });
  app.post('/surveys/:id/questions', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    await guarded(() => addQuestion(rc.deps.db, actorOf(rc.viewer!), s.id, { ...readQuestion(body), sectionId: Number(field(body, 'section_id')) || 0 }));
    return back(c, s.id, rc.t('surveys.saved'));
  });
  app.post('/surveys/:id/questions/:qid', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    const qid = idParam(c, 'qid');
    const q = await rc.deps.db.selectFrom('survey_question').select('id').where('id', '=', qid).where('survey_id', '=', s.id).executeTakeFirst();
    if (!q) throw new NotFound('surveys.notFound');
    await guarded(() => updateQuestion(rc.deps.db, actorOf(rc.viewer!), qid, readQuestion(body)));
    return back(c, s.id, rc.t('surveys.saved'));
  });
  app.post('/surveys/:id/questions/:qid/delete', async (c) => {
    const { rc, s } = await organised(c);
    const qid = idParam(c, 'qid');
    const q = await rc.deps.db.selectFrom('survey_question').select('id').where('id', '=', qid).where('survey_id', '=', s.id).executeTakeFirst();
    if (!q) throw new NotFound('surveys.notFound');
    await guarded(() => deleteQuestion(rc.deps.db, actorOf(rc.viewer!), qid));
    return back(c, s.id);
  });
  app.post('/surveys/:id/questions/:qid/move', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    const dir = field(body, 'dir');
    if (dir !== 'up' && dir !== 'down') throw new InvalidInput('surveys.error.move');
    const qid = idParam(c, 'qid');
    const q = await rc.deps.db.selectFrom('survey_question').select('id').where('id', '=', qid).where('survey_id', '=', s.id).executeTakeFirst();
    if (!q) throw new NotFound('surveys.notFound');
    try {
      await guarded(() => moveQuestion(rc.deps.db, actorOf(rc.viewer!), qid, dir));
    } catch (err) {
      if (err instanceof InvalidInput && err.key === 'surveys.error.condition') throw new InvalidInput('surveys.error.move');
      throw err;
    }
    return back(c, s.id);
  });
  // Deleting a section asks first, on a page of its own (no JavaScript confirm).
  app.get('/surveys/:id/sections/:sid/delete', async (c) => {
    const { rc, s } = await organised(c);
    const { t, lang } = rc;
    const def = await loadDef(rc.deps.db, s.id);
    const sid = idParam(c, 'sid');
    const si = def.sections.findIndex((x) => x.id === sid);
    if (si < 0) throw new NotFound('surveys.notFound');
    if (s.status !== 'draft') throw new Conflict('surveys.error.frozen');
    if (def.sections.length <= 1) throw new Conflict('surveys.error.lastSection');
    const sec = def.sections[si]!;
    return c.html(
      <Layout rc={rc} title={`${t('surveys.section.delete')} — ${title(s, lang)}`}>
        <Style />
        <SurveyNav rc={rc} s={s} />
        <div class="card">
          <h2>
            {t('surveys.section', { n: si + 1 })} {text(sec.title, lang) && `— ${text(sec.title, lang)}`}
          </h2>
          <p>{t('surveys.section.deleteConfirm', { n: si + 1, q: sec.questions.length })}</p>
          {sec.questions.length > 0 && (
            <ul>
              {sec.questions.map((q) => (
                <li>{text(q.prompt, lang)}</li>
              ))}
            </ul>
          )}
          <Form rc={rc} action={`/surveys/${s.id}/sections/${sid}/delete`} class="inline">
            <button type="submit">{t('surveys.section.deleteYes')}</button>
          </Form>{' '}
          <a class="button secondary" href={`/surveys/${s.id}`}>
            {t('surveys.section.deleteNo')}
          </a>
        </div>
      </Layout>,
    );
  });
  app.post('/surveys/:id/sections/:sid/delete', async (c) => {
    const { rc, s } = await organised(c);
    const sid = idParam(c, 'sid');
    const sec = await rc.deps.db.selectFrom('survey_section').select('id').where('id', '=', sid).where('survey_id', '=', s.id).executeTakeFirst();
    if (!sec) throw new NotFound('surveys.notFound');
    await guarded(() => deleteSection(rc.deps.db, actorOf(rc.viewer!), sid));
    return back(c, s.id, rc.t('surveys.section.deleted'));
  });
  app.post('/surveys/:id/audience', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    const target = field(body, 'target');
    const m = /^(group|class|school|list):(\d+)$/.exec(target);
    if (target !== 'all_parents' && !m) throw new InvalidInput('surveys.error.audience');
    const scope = await targetScope(rc.deps.db, rc.viewer!);
    await addAudience(rc.deps.db, actorOf(rc.viewer!), s.id, (m ? m[1] : 'all_parents') as AudienceKind, m ? Number(m[2]) : null, scope);
    return back(c, s.id);
  });
  app.post('/surveys/:id/audience/:aid/delete', async (c) => {
    const { rc, s } = await organised(c);
    await removeAudience(rc.deps.db, actorOf(rc.viewer!), s.id, idParam(c, 'aid'));
    return back(c, s.id);
  });
  app.post('/surveys/:id/open', async (c) => {
    const { rc, s } = await organised(c);
    const r = await openSurvey(rc.deps.db, rc.deps.mailer, actorOf(rc.viewer!), s.id, mailSettings(rc));
    return back(c, s.id, s.status === 'closed' ? undefined : rc.t('surveys.opened', { n: r.invited }));
  });
  app.post('/surveys/:id/close', async (c) => {
    const { rc, s } = await organised(c);
    await closeSurvey(rc.deps.db, actorOf(rc.viewer!), s.id);
    return back(c, s.id, rc.t('surveys.closed'));
  });
  app.post('/surveys/:id/remind', async (c) => {
    const { rc, s } = await organised(c);
    const n = await sendReminders(rc.deps.db, rc.deps.mailer, actorOf(rc.viewer!), s.id, mailSettings(rc));
    return back(c, s.id, rc.t('surveys.reminded', { n }));
  });
  app.post('/surveys/:id/template', async (c) => {
    const { rc, s } = await organised(c);
    const id = await copySurvey(rc.deps.db, actorOf(rc.viewer!), s.id, { isTemplate: true });
    return back(c, id, rc.t('surveys.saved'));
  });

  // The questionnaire as a parent whose browser speaks French, Occitan or English sees it
  // (missing translations fall back to French), whatever the organiser's own language.
  app.get('/surveys/:id/preview', async (c) => {
    const { rc, s } = await organised(c);
    const def = await loadDef(rc.deps.db, s.id);
    const asked = c.req.query('lang');
    const lang: Lang = isLang(asked) ? asked : rc.lang;
    const as: RequestContext = { ...rc, lang, t: translator(lang) };
    return c.html(
      <Layout rc={rc} title={title(s, rc.lang)}>
        <Style />
        <SurveyNav rc={rc} s={s} />
        <Notice kind="info">{rc.t('surveys.previewNotice')}</Notice>
        <nav aria-label={rc.t('surveys.preview.languages')}>
          <ul class="plain inline-list">
            {(['fr', 'oc', 'en'] as const).map((l) => (
              <li>
                {l === lang ? (
                  <strong aria-current="page">{rc.t(`surveys.preview.${l}` as MessageKey)}</strong>
                ) : (
                  <a href={`/surveys/${s.id}/preview?lang=${l}`}>{rc.t(`surveys.preview.${l}` as MessageKey)}</a>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <div lang={lang}>
          <h2>{text(def.title, lang)}</h2>
          <Intro rc={as} def={def} />
          <form action="#" onsubmit="return false">
            <SurveyQuestions rc={as} def={def} answers={{}} errors={{}} />
          </form>
        </div>
      </Layout>,
    );
  });

  app.get('/surveys/:id/rate', async (c) => {
    const { rc, s } = await organised(c);
    const { t } = rc;
    const rates = await responseRates(rc.deps.db, s.id);
    const below = s.target_rate !== null && rates.total.pct < s.target_rate;
    return c.html(
      <Layout rc={rc} title={`${t('surveys.rate')} — ${title(s, rc.lang)}`}>
        <Style />
        <SurveyNav rc={rc} s={s} />
        <p>
          <strong>{t('surveys.rate.summary', { answered: rates.total.answered, invited: rates.total.invited, pct: rates.total.pct })}</strong>
        </p>
        <RateBar pct={rates.total.pct} />
        {s.target_rate !== null && <p>{t('surveys.rate.target', { target: s.target_rate })}</p>}
        {below && s.status === 'open' && (
          <Notice kind="info">
            {t('surveys.rate.belowTarget')}{' '}
            <Form rc={rc} action={`/surveys/${s.id}/remind`} class="inline">
              <button type="submit">{t('surveys.remind')}</button>
            </Form>
          </Notice>
        )}
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('surveys.rate.unit')}</th>
                <th scope="col">{t('surveys.rate.invited')}</th>
                <th scope="col">{t('surveys.rate.answered')}</th>
                <th scope="col">%</th>
              </tr>
            </thead>
            <tbody>
              {rates.units.map((u) => (
                <tr>
                  <td>
                    <span class="tag">{t(`surveys.rate.kind.${u.kind}` as MessageKey)}</span> {u.name}
                    {u.parent && <span class="muted"> ({u.parent})</span>}
                  </td>
                  <td>{u.invited}</td>
                  {unitRateShown(s.anonymous, u.invited) ? (
                    <>
                      <td>{u.answered}</td>
                      <td>
                        {u.pct} <RateBar pct={u.pct} />
                      </td>
                    </>
                  ) : (
                    <td colspan={2} class="muted">{t('surveys.rate.tooSmall', { n: ANONYMOUS_MIN_UNIT })}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rates.byDay.length > 0 && (
          <>
            <h2 id="by-day">{t('surveys.rate.byDay')}</h2>
            <figure class="chart" role="img" aria-labelledby="by-day">
              {raw(dayChart(rates.byDay))}
            </figure>
          </>
        )}
      </Layout>,
    );
  });

  app.get('/surveys/:id/results', async (c) => {
    const { rc, s } = await organised(c);
    const { t, lang } = rc;
    const db = rc.deps.db;
    const def = await loadDef(db, s.id);
    const unit = s.anonymous ? null : parseUnit(c.req.query('unit') ?? '');
    const search = (c.req.query('q') ?? '').slice(0, 100);
    const { answers } = await loadAnswers(db, s.id, unit);
    const results = analyse(def, answers, lang, t('surveys.other'), search);
    const units = s.anonymous ? [] : (await responseRates(db, s.id)).units;
    const cats = allQuestions(def).filter(isCategorical);
    const x = cats.find((q) => q.id === Number(c.req.query('x')));
    const y = cats.find((q) => q.id === Number(c.req.query('y')));
    const ct = x && y && x.id !== y.id ? crossTab(x, y, answers, lang, t('surveys.other')) : null;
    const unitValue = unit ? `${unit.kind}:${unit.id}` : '';
    return c.html(
      <Layout rc={rc} title={`${t('surveys.results')} — ${title(s, lang)}`}>
        <Style />
        <SurveyNav rc={rc} s={s} />
        <form method="get" action={`/surveys/${s.id}/results`} class="card">
          {s.anonymous ? (
            <p class="hint">{t('surveys.results.anonymousNoFilter')}</p>
          ) : (
            <>
              <label for="unit">{t('surveys.results.filter')}</label>
              <select id="unit" name="unit">
                <option value="">{t('surveys.results.allGroups')}</option>
                {units.map((u) => (
                  <option value={`${u.kind}:${u.id}`} selected={unitValue === `${u.kind}:${u.id}`}>
                    {`${t(`surveys.rate.kind.${u.kind}` as MessageKey)} : ${u.name}${u.parent ? ` (${u.parent})` : ''}`}
                  </option>
                ))}
              </select>
            </>
          )}
          <label for="q">{t('surveys.results.search')}</label>
          <input id="q" name="q" type="search" value={search} maxlength={100} />
          <p>
            <button type="submit">{t('surveys.results.apply')}</button>{' '}
            <a class="button secondary" href={`/surveys/${s.id}/export.csv`}>
              {t('surveys.export.csv')}
            </a>{' '}
            <a class="button secondary" href={`/surveys/${s.id}/export.xlsx`}>
              {t('surveys.export.xlsx')}
            </a>
          </p>
        </form>
        <p>
          <strong>{t('surveys.results.respondents', { n: answers.length })}</strong>
        </p>
        {results.map((r) => (
          <ResultBlock rc={rc} r={r} />
        ))}
        <h2 id="cross">{t('surveys.results.crossTab')}</h2>
        <form method="get" action={`/surveys/${s.id}/results#cross`} class="card">
          {unit && <input type="hidden" name="unit" value={unitValue} />}
          <label for="x">{t('surveys.results.crossRows')}</label>
          <select id="x" name="x">
            {cats.map((q) => (
              <option value={String(q.id)} selected={x?.id === q.id}>
                {text(q.prompt, lang)}
              </option>
            ))}
          </select>
          <label for="y">{t('surveys.results.crossColumns')}</label>
          <select id="y" name="y">
            {cats.map((q, i) => (
              <option value={String(q.id)} selected={y ? y.id === q.id : i === 1}>
                {text(q.prompt, lang)}
              </option>
            ))}
          </select>
          <p>
            <button type="submit">{t('surveys.results.apply')}</button>
          </p>
        </form>
        {ct && x && y && (
          <section class="card">
            <p class="muted">{t('surveys.results.crossTotal', { n: ct.total })}</p>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">
                      {text(x.prompt, lang)} \ {text(y.prompt, lang)}
                    </th>
                    {ct.columns.map((col) => (
                      <th scope="col">{col}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {ct.rows.map((row, i) => (
                    <tr>
                      <th scope="row">{row}</th>
                      {ct.counts[i]!.map((n) => (
                        <td>{n}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <figure class="chart" role="img" aria-label={t('surveys.results.crossTab')}>
              {raw(stackedChart(ct.rows.map((label, i) => ({ label, counts: ct.columns.map((col, j) => ({ label: col, count: ct.counts[i]![j]! })) })), ct.columns))}
            </figure>
          </section>
        )}
      </Layout>,
    );
  });

  app.get('/surveys/:id/export.csv', async (c) => {
    const { rc, s } = await organised(c);
    const csv = await exportCsv(rc.deps.db, s.id, rc.lang);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="survey-${s.id}.csv"`);
    c.header('Cache-Control', 'no-store');
    return c.body('\uFEFF' + csv);
  });
  app.get('/surveys/:id/export.xlsx', async (c) => {
    const { rc, s } = await organised(c);
    const buf = await exportXlsx(rc.deps.db, s.id, rc.lang);
    c.header('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    c.header('Content-Disposition', `attachment; filename="survey-${s.id}.xlsx"`);
    c.header('Cache-Control', 'no-store');
    return c.body(new Uint8Array(buf));
  });

  // ——— respondents: the personal link ———
  app.get('/s/:token', async (c) => {
    const rc = c.get('rc');
    c.header('Cache-Control', 'no-store');
    const token = c.req.param('token');
    const inv = await openInvitation(rc.deps.db, token);
    if (inv.invitation.submitted_on) return message(c, inv.def, 'surveys.answer.already', 200);
    if (inv.availability === 'closed') return message(c, inv.def, 'surveys.answer.closed', 410);
    if (inv.availability === 'notYet') return message(c, inv.def, 'surveys.answer.notYet', 403);
    return answerPage(c, token, inv.def, inv.draft, {}, null, 200);
  });

  app.post('/s/:token', async (c) => {
    const rc = c.get('rc');
    c.header('Cache-Control', 'no-store');
    const token = c.req.param('token');
    const inv = await openInvitation(rc.deps.db, token);
    if (inv.invitation.submitted_on) return message(c, inv.def, 'surveys.answer.already', 409);
    if (inv.availability === 'closed') return message(c, inv.def, 'surveys.answer.closed', 410);
    if (inv.availability === 'notYet') return message(c, inv.def, 'surveys.answer.notYet', 403);
    const body = (await c.req.parseBody({ all: true })) as FormBody;
    const { answers, errors } = readForm(inv.def, body);
    const raw = Object.fromEntries(Object.entries(body).filter(([k, v]) => /^q\d+$/.test(k) && typeof v === 'string')) as Record<string, string>;
    if (body.action === 'draft') {
      await saveDraft(rc.deps.db, token, answers);
      if (Object.keys(errors).length) return answerPage(c, token, inv.def, answers, errors, 'surveys.answer.fix', 400, raw);
      return answerPage(c, token, inv.def, answers, {}, 'surveys.answer.draftSaved', 200);
    }
    const visible = keepVisible(inv.def, answers);
    const all = { ...checkSubmission(inv.def, visible), ...errors };
    if (Object.keys(all).length) return answerPage(c, token, inv.def, answers, all, 'surveys.answer.fix', 400, raw);
    try {
      await submitResponse(rc.deps.db, token, visible, new Date(), inv.def);
    } catch (err) {
      if (err instanceof Conflict && err.key === 'surveys.answer.already') return message(c, inv.def, 'surveys.answer.already', 409);
      if (err instanceof Conflict && err.key === 'surveys.answer.closed') return message(c, inv.def, 'surveys.answer.closed', 410);
      throw err;
    }
    return message(c, inv.def, 'surveys.answer.thanks', 200);
  });
}

function Intro({ rc, def }: { rc: RequestContext; def: SurveyDef }) {
  const intro = text(def.intro, rc.lang);
  return (
    <>
      {intro && (
        <p style="white-space:pre-wrap" class="intro">
          {intro}
        </p>
      )}
      <p class="hint">{rc.t(def.anonymous ? 'surveys.answer.anonymousNote' : 'surveys.answer.namedNote')}</p>
    </>
  );
}

function message(c: Ctx, def: SurveyDef, key: MessageKey, status: 200 | 403 | 409 | 410) {
  const rc = c.get('rc');
  const kind = key === 'surveys.answer.thanks' || key === 'surveys.answer.already' ? 'ok' : 'info';
  return c.html(
    <Layout rc={rc} title={text(def.title, rc.lang)}>
      <Notice kind={kind}>{rc.t(key)}</Notice>
    </Layout>,
    status,
  );
}

function answerPage(c: Ctx, token: string, def: SurveyDef, answers: Answers, errors: Record<string, FieldError>, notice: MessageKey | null, status: 200 | 400, raw?: Record<string, string>) {
  const rc = c.get('rc');
  const { t } = rc;
  return c.html(
    <Layout rc={rc} title={text(def.title, rc.lang)}>
      <Style />
      {notice && <Notice kind={status === 200 ? 'ok' : 'error'}>{t(notice)}</Notice>}
      <Intro rc={rc} def={def} />
      <p class="hint">{t('surveys.answer.intro')}</p>
      <Form rc={rc} action={`/s/${token}`}>
        <SurveyQuestions rc={rc} def={def} answers={answers} errors={errors} raw={raw} />
        <p>
          <button type="submit" name="action" value="submit">
            {t('surveys.answer.submit')}
          </button>{' '}
          <button type="submit" name="action" value="draft" class="secondary">
            {t('surveys.answer.saveDraft')}
          </button>
        </p>
      </Form>
    </Layout>,
    status,
  );
}

