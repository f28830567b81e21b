// A survey's campaign: its audience, opening, closing, reminders, copy as a template, and the response rate.
import type { Hono } from 'hono';
import { raw } from 'hono/html';
import type { AppEnv } from '../platform/web/context.ts';
import { Layout, Notice, PostButton } from '../platform/web/layout.tsx';
import { actorOf, field } from '../platform/web/guards.ts';
import { InvalidInput } from '../platform/errors.ts';
import { type MessageKey } from '../platform/i18n/index.ts';
import { targetScope } from './access.ts';
import { ANONYMOUS_MIN_UNIT, unitRateShown } from './analysis.ts';
import { addAudience, closeSurvey, openSurvey, removeAudience, responseRates, sendReminders } from './campaign.ts';
import { dayChart } from './charts.ts';
import { copySurvey } from './survey.ts';
import type { AudienceKind } from './tables.ts';
import { Style, SurveyNav, back, idParam, mailSettings, organised, title } from './pages.tsx';
import { RateBar } from './resultsRoutes.tsx';

export function campaignRoutes(app: Hono<AppEnv>) {
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
    return back(c, s.id, s.status === 'closed' ? undefined : 'opened', r.invited);
  });
  app.post('/surveys/:id/close', async (c) => {
    const { rc, s } = await organised(c);
    await closeSurvey(rc.deps.db, actorOf(rc.viewer!), s.id);
    return back(c, s.id, 'closed');
  });
  app.post('/surveys/:id/remind', async (c) => {
    const { rc, s } = await organised(c);
    const n = await sendReminders(rc.deps.db, rc.deps.mailer, actorOf(rc.viewer!), s.id, mailSettings(rc));
    return back(c, s.id, 'reminded', n);
  });
  app.post('/surveys/:id/template', async (c) => {
    const { rc, s } = await organised(c);
    const id = await copySurvey(rc.deps.db, actorOf(rc.viewer!), s.id, { isTemplate: true });
    return back(c, id, 'saved');
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
            <PostButton rc={rc} action={`/surveys/${s.id}/remind`} label={t('surveys.remind')} inline />
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
}
