// The school year page (first year, rollover preview and confirmation) and the demo loader.
import type { Hono } from 'hono';
import type { AppEnv } from '../../platform/web/context.ts';
import { Form, Layout, Notice } from '../../platform/web/layout.tsx';
import { withNotice } from '../../platform/web/forms.tsx';
import { actorOf, field, requireAdmin } from '../../platform/web/guards.ts';
import { DomainError, InvalidInput } from '../../platform/errors.ts';
import { currentYear } from '../people.ts';
import { loadDemo } from '../demo/load.ts';
import { parseYearLabel, schoolYearOf } from './plan.ts';
import { createFirstYear, rolloverYear, type RolloverReport } from './rollover.ts';

const count = (n: unknown) => Number(n ?? 0);
/** A number from the query string for a notice, never free text. */
const num = (v: string | undefined) => (v && /^\d{1,6}$/.test(v) ? Number(v) : 0);

export function yearRoutes(app: Hono<AppEnv>) {
  app.get('/directory/year', async (c) => {
    requireAdmin(c);
    const rc = c.get('rc');
    const { t, deps } = rc;
    const db = deps.db;
    const year = await currentYear(db);
    const created = c.req.query('created');
    const rolled = c.req.query('rolled');
    let preview: RolloverReport | null = null;
    let previewError: string | null = null;
    let stats = { classes: 0, pupils: 0, households: 0 };
    if (year) {
      const [classes, pupils, households] = await Promise.all([
        db.selectFrom('class').select((eb) => eb.fn.countAll().as('n')).where('school_year_id', '=', year.id).executeTakeFirst(),
        db.selectFrom('enrolment').select((eb) => eb.fn.countAll().as('n')).where('school_year_id', '=', year.id).executeTakeFirst(),
        db
          .selectFrom('enrolment')
          .innerJoin('pupil', 'pupil.id', 'enrolment.pupil_id')
          .select((eb) => eb.fn.count('pupil.household_id').distinct().as('n'))
          .where('enrolment.school_year_id', '=', year.id)
          .executeTakeFirst(),
      ]);
      stats = { classes: count(classes?.n), pupils: count(pupils?.n), households: count(households?.n) };
      try {
        preview = await rolloverYear(db, actorOf(requireAdmin(c)), { dryRun: true });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        previewError = t(err.key, err.params);
      }
    }
    const example = schoolYearOf(new Date());
    return c.html(
      <Layout rc={rc} title={t('year.title')}>
        {created && parseYearLabel(created) && <Notice kind="ok">{t('year.created', { label: created })}</Notice>}
        {rolled && parseYearLabel(rolled) && (
          <Notice kind="ok">
            {t('year.rolled', { label: rolled, classes: num(c.req.query('classes')), moved: num(c.req.query('moved')), left: num(c.req.query('left')) })}
          </Notice>
        )}
        {!year ? (
          <section class="card">
            <p>{t('year.none')}</p>
            <Form rc={rc} action="/directory/year">
              <label for="year-label">{t('year.create.label', { example })}</label>
              <input id="year-label" name="label" type="text" required pattern="[0-9]{4}-[0-9]{4}" value={example} inputmode="numeric" maxlength={9} />{' '}
              <button type="submit">{t('year.create')}</button>
            </Form>
          </section>
        ) : (
          <>
            <p>{t('year.current', { label: year.label, starts: year.starts_on, ends: year.ends_on })}</p>
            <p class="muted">{t('year.counts', stats)}</p>
            {previewError && <Notice kind="error">{previewError}</Notice>}
            {preview && <Preview rc={rc} report={preview} />}
          </>
        )}
      </Layout>,
    );
  });

  app.post('/directory/year', async (c) => {
    const v = requireAdmin(c);
    const body = await c.req.parseBody();
    const year = await createFirstYear(c.get('rc').deps.db, actorOf(v), field(body, 'label'));
    return c.redirect(`/directory/year?created=${encodeURIComponent(year.label)}`, 303);
  });

  app.post('/directory/year/rollover', async (c) => {
    const v = requireAdmin(c);
    const body = await c.req.parseBody();
    const to = field(body, 'to');
    // Without the previewed year a replayed form could start the year after: refuse.
    if (!parseYearLabel(to)) throw new InvalidInput('year.error.label', { label: to.slice(0, 20) });
    const r = await rolloverYear(c.get('rc').deps.db, actorOf(v), { to });
    return c.redirect(`/directory/year?rolled=${r.to}&classes=${r.counts.classes}&moved=${r.counts.moved}&left=${r.counts.left}`, 303);
  });

  app.post('/directory/demo', async (c) => {
    const v = requireAdmin(c);
    const rc = c.get('rc');
    const counts = await loadDemo(rc.deps.db, actorOf(v), { modules: rc.deps.modules });
    const { schools, classes, households, pupils, groups } = counts;
    return c.redirect(withNotice('/directory', 'demo', { schools, classes, households, pupils, groups }), 303);
  });
}

function Preview({ rc, report }: { rc: import('../../platform/web/context.ts').RequestContext; report: RolloverReport }) {
  const { t } = rc;
  return (
    <section aria-labelledby="preview-title">
      <h2 id="preview-title">{t('year.preview', { label: report.to })}</h2>
      <p class="hint">{t('year.preview.intro', { label: report.to })}</p>
      {[...new Set(report.classes.map((cl) => cl.school))].map((school) => (
        <section class="card">
          <h3>{school}</h3>
          <ul class="plain">
            {report.classes
              .filter((cl) => cl.school === school)
              .map((cl) => (
                <li>
                  <details>
                    <summary>
                      <strong>{t('year.preview.class', { label: cl.name })}</strong> ({cl.level}) — {t('year.preview.arriving', { n: cl.pupils.length })}
                      {cl.regents.length > 0 && <span class="muted"> — {t('year.preview.regents', { names: cl.regents.join(', ') })}</span>}
                    </summary>
                    <ul>
                      {cl.pupils.map((p) => (
                        <li>
                          {p.firstName} <span class="muted">({p.household}) — {p.level}, {t('year.preview.from', { class: p.fromClass })}</span>
                        </li>
                      ))}
                    </ul>
                  </details>
                </li>
              ))}
          </ul>
        </section>
      ))}
      <h3>{t('year.preview.leaving', { n: report.leavers.length })}</h3>
      {report.leavers.length === 0 ? (
        <p class="muted">{t('year.preview.noneLeaving')}</p>
      ) : (
        <details>
          <summary>{t('year.preview.arriving', { n: report.leavers.length })}</summary>
          <ul class="plain">
            {report.leavers.map((p) => (
              <li>
                {p.firstName} <span class="muted">({p.household}) — {p.school}, {p.fromClass}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      <Form rc={rc} action="/directory/year/rollover">
        <input type="hidden" name="to" value={report.to} />
        <p class="hint">{t('year.confirm.hint', { current: report.from })}</p>
        <button type="submit">{t('year.confirm', { label: report.to })}</button>
      </Form>
    </section>
  );
}
