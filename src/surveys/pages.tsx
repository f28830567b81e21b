// What the survey pages share: the survey of the URL (organisers only), its title, the page style and the organiser's tabs.
import { raw } from 'hono/html';
import type { Ctx, RequestContext } from '../platform/web/context.ts';
import { requireViewer } from '../platform/web/guards.ts';
import { intParam, withNotice } from '../platform/web/forms.tsx';
import { type MessageKey } from '../platform/i18n/index.ts';
import { requireOrganiser } from './access.ts';
import { FORM_STYLE } from './form.tsx';
import { getSurvey, type SurveyRow } from './survey.ts';

/** A survey's id (or another id) from the path; anything but a whole number is "not found". */
export const idParam = (c: Ctx, name = 'id') => intParam(c, name, 'surveys.notFound');

export async function organised(c: Ctx): Promise<{ rc: RequestContext; s: SurveyRow }> {
  const v = requireViewer(c);
  const rc = c.get('rc');
  const s = await getSurvey(rc.deps.db, idParam(c));
  requireOrganiser(v, s);
  return { rc, s };
}

export const title = (s: SurveyRow, lang: string) => (lang === 'oc' && s.title_oc) || (lang === 'en' && s.title_en) || s.title_fr;
export const mailSettings = (rc: RequestContext) => ({ publicUrl: rc.deps.config.publicUrl, mailDomain: rc.deps.config.mailDomain });

export function Style() {
  return <style>{raw(FORM_STYLE)}</style>;
}

export function SurveyNav({ rc, s }: { rc: RequestContext; s: SurveyRow }) {
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

/** The notices the survey's page shows after a change, by name (never text from the address). */
export const SURVEY_NOTICES = {
  opened: 'surveys.opened',
  closed: 'surveys.closed',
  reminded: 'surveys.reminded',
  saved: 'surveys.saved',
  sectionDeleted: 'surveys.section.deleted',
} as const satisfies Record<string, MessageKey>;

/** Back to the survey's page after a change, with the notice to show and the number it quotes. */
export const back = (c: Ctx, id: number, notice?: keyof typeof SURVEY_NOTICES, n?: number) =>
  c.redirect(notice ? withNotice(`/surveys/${id}`, notice, n === undefined ? {} : { n }) : `/surveys/${id}`, 303);
