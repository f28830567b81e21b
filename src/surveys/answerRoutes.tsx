// Answering: the organisers' preview and the public answer page reached from a personal link (/s/:token, no sign-in).
import type { Hono } from 'hono';
import type { AppEnv, Ctx, RequestContext } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { Conflict } from '../platform/errors.ts';
import { isLang, translator, type Lang, type MessageKey } from '../platform/i18n/index.ts';
import { checkSubmission, keepVisible, readForm, text, type Answers, type FieldError, type FormBody, type SurveyDef } from './answers.ts';
import { openInvitation, saveDraft, submitResponse } from './answering.ts';
import { SurveyQuestions } from './form.tsx';
import { loadDef } from './survey.ts';
import { Style, SurveyNav, organised, title } from './pages.tsx';

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


export function answerRoutes(app: Hono<AppEnv>) {
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

  // ——— respondents: the personal link ———
  app.get('/s/:token', async (c) => {
    const rc = c.get('rc');
    const token = c.req.param('token');
    const inv = await openInvitation(rc.deps.db, token);
    if (inv.invitation.submitted_on) return message(c, inv.def, 'surveys.answer.already', 200);
    if (inv.availability === 'closed') return message(c, inv.def, 'surveys.answer.closed', 410);
    if (inv.availability === 'notYet') return message(c, inv.def, 'surveys.answer.notYet', 403);
    return answerPage(c, token, inv.def, inv.draft, {}, null, 200);
  });

  app.post('/s/:token', async (c) => {
    const rc = c.get('rc');
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
