// The organisers' editor: settings, sections and questions of a draft survey.
import type { Hono } from 'hono';
import type { AppEnv, RequestContext } from '../platform/web/context.ts';
import { Form, Layout, PostButton } from '../platform/web/layout.tsx';
import { QueryNotice } from '../platform/web/forms.tsx';
import { actorOf, field } from '../platform/web/guards.ts';
import { Conflict, InvalidInput, NotFound } from '../platform/errors.ts';
import { type MessageKey } from '../platform/i18n/index.ts';
import { targetScope } from './access.ts';
import { allQuestions, text, type SurveyDef } from './answers.ts';
import { audienceOf, resolveAudience } from './campaign.ts';
import {
  addQuestion,
  addSection,
  deleteQuestion,
  deleteSection,
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
import type { QuestionKind } from './tables.ts';
import { currentClasses } from '../directory/people.ts';
import { Style, SURVEY_NOTICES, SurveyNav, back, idParam, organised, title } from './pages.tsx';

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

export function editorRoutes(app: Hono<AppEnv>) {
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
            .selectFrom('dir_group')
            .select(['id', 'name'])
            .$if(!scope!.everything, (qb) => qb.where('id', 'in', [0, ...scope!.groupIds]))
            .orderBy('name')
            .execute(),
          currentClasses(db),
          db.selectFrom('dir_school').select(['id', 'name']).orderBy('name').execute(),
          db
            .selectFrom('list_public')
            .select(['id', 'name', 'slug'])
            .$if(!scope!.everything, (qb) => qb.where('id', 'in', [0, ...scope!.listIds]))
            .orderBy('name')
            .execute(),
        ])
      : [[], [], [], []];
    return c.html(
      <Layout rc={rc} title={title(s, lang)}>
        <Style />
        <SurveyNav rc={rc} s={s} />
        <QueryNotice c={c} notices={SURVEY_NOTICES} counts={['n']} />
        {s.status !== 'draft' && !s.is_template && (
          <div class="card">
            {s.status === 'open' ? (
              <>
                <PostButton rc={rc} action={`/surveys/${s.id}/remind`} label={t('surveys.remind')} inline />{' '}
                <Form rc={rc} action={`/surveys/${s.id}/close`} class="inline">
                  <button type="submit" class="secondary">
                    {t('surveys.close')}
                  </button>
                </Form>
              </>
            ) : (
              <PostButton rc={rc} action={`/surveys/${s.id}/open`} label={t('surveys.reopen')} inline />
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


  app.post('/surveys/:id/settings', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    await guarded(() => updateSurvey(rc.deps.db, actorOf(rc.viewer!), s.id, readSettings(body)));
    return back(c, s.id, 'saved');
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
    return back(c, s.id, 'saved');
  });
  app.post('/surveys/:id/questions', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    await guarded(() => addQuestion(rc.deps.db, actorOf(rc.viewer!), s.id, { ...readQuestion(body), sectionId: Number(field(body, 'section_id')) || 0 }));
    return back(c, s.id, 'saved');
  });
  app.post('/surveys/:id/questions/:qid', async (c) => {
    const { rc, s } = await organised(c);
    const body = await c.req.parseBody();
    const qid = idParam(c, 'qid');
    const q = await rc.deps.db.selectFrom('survey_question').select('id').where('id', '=', qid).where('survey_id', '=', s.id).executeTakeFirst();
    if (!q) throw new NotFound('surveys.notFound');
    await guarded(() => updateQuestion(rc.deps.db, actorOf(rc.viewer!), qid, readQuestion(body)));
    return back(c, s.id, 'saved');
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
          <PostButton rc={rc} action={`/surveys/${s.id}/sections/${sid}/delete`} label={t('surveys.section.deleteYes')} inline />{' '}
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
    return back(c, s.id, 'sectionDeleted');
  });
}
