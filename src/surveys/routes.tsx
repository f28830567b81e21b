// Survey pages: the organisers' editor, preview, response rate, analysis and exports, and the
// public answer page reached from a personal link (/s/:token, no sign-in).
import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { Form, Layout } from '../platform/web/layout.tsx';
import { actorOf, field, requireViewer } from '../platform/web/guards.ts';
import { Forbidden, NotFound } from '../platform/errors.ts';
import { type MessageKey } from '../platform/i18n/index.ts';
import { canCreateSurveys, canOrganise } from './access.ts';
import { copySurvey, createSurvey, getSurvey } from './survey.ts';
import { editorRoutes } from './editorRoutes.tsx';
import { campaignRoutes } from './campaignRoutes.tsx';
import { resultsRoutes } from './resultsRoutes.tsx';
import { answerRoutes } from './answerRoutes.tsx';

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

  editorRoutes(app);
  campaignRoutes(app);
  resultsRoutes(app);
  answerRoutes(app);
}
