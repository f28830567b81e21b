// A survey's analysis (charts, cross-tabulation, by unit) and its exports.
import type { Hono } from 'hono';
import { raw } from 'hono/html';
import type { AppEnv, RequestContext } from '../platform/web/context.ts';
import { Layout } from '../platform/web/layout.tsx';
import { type MessageKey } from '../platform/i18n/index.ts';
import { allQuestions, text } from './answers.ts';
import { analyse, crossTab, isCategorical, type QuestionResult } from './analysis.ts';
import { responseRates } from './campaign.ts';
import { barChart, stackedChart } from './charts.ts';
import { exportCsv, exportXlsx, loadAnswers, type UnitFilter } from './results.ts';
import { loadDef } from './survey.ts';
import { Style, SurveyNav, organised, title } from './pages.tsx';

export function RateBar({ pct }: { pct: number }) {
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

export function resultsRoutes(app: Hono<AppEnv>) {
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
    return c.body(csv);
  });
  app.get('/surveys/:id/export.xlsx', async (c) => {
    const { rc, s } = await organised(c);
    const buf = await exportXlsx(rc.deps.db, s.id, rc.lang);
    c.header('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    c.header('Content-Disposition', `attachment; filename="survey-${s.id}.xlsx"`);
    return c.body(new Uint8Array(buf));
  });
}
