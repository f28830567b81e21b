// Report pages: journal, general ledger, trial balance, income statement, balance sheet,
// analytic sections. Each one, for any period (default: the fiscal year of today) and
// optionally one analytic section, as an HTML page, a CSV download (`format=csv`) and a
// printable page (`view=print`); the HTML page prints cleanly too (@media print below).
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { AppEnv, Ctx, RequestContext } from '../platform/web/context.ts';
import { Layout } from '../platform/web/layout.tsx';
import { requireViewer } from '../platform/web/guards.ts';
import { InvalidInput } from '../platform/errors.ts';
import { accountingRole, requireEntries, requireRead, type AccountingRole } from './access.ts';
import { isCalendarDate, yearOf } from './books.ts';
import { displayCents } from './money.ts';
import { balanceSheetRows, familiesSummed, generalLedger, journalReport, sectionReport, trialBalance } from './reports.ts';
import {
  balanceSheetDoc, csvFileName, incomeStatementDoc, journalDoc, ledgerDoc, sectionsDoc, toCsv, trialBalanceDoc, withoutEntryLinks,
  type Cell, type ReportDoc,
} from './reportDocs.ts';

export interface ReportPeriod {
  from: string;
  to: string;
  section?: string;
}

/** The period asked for, else the fiscal year of today, else the latest one; and the section. */
export async function period(c: Ctx): Promise<ReportPeriod> {
  const db = c.get('rc').deps.db;
  const from = c.req.query('from');
  const to = c.req.query('to');
  const sectionCode = (c.req.query('section') ?? '').trim();
  let section: string | undefined;
  if (sectionCode) {
    const s = await db.selectFrom('analytic_section').select('code').where('code', '=', sectionCode).executeTakeFirst();
    if (!s) throw new InvalidInput('accounting.error.noSection', { code: sectionCode });
    section = s.code;
  }
  // A date given but not in the calendar (2025-02-31) is refused, not replaced by the year.
  for (const d of [from, to]) if (d && !isCalendarDate(d)) throw new InvalidInput('accounting.error.date', { date: d });
  if (from && to) {
    if (from > to) throw new InvalidInput('accounting.error.period', { from, to });
    return { from, to, ...(section ? { section } : {}) };
  }
  const today = new Date().toISOString().slice(0, 10);
  const fy = (await yearOf(db, today)) ?? (await db.selectFrom('fiscal_year').selectAll().orderBy('ends_on', 'desc').executeTakeFirst());
  const p = fy ? { from: fy.starts_on, to: fy.ends_on } : { from: today, to: today };
  return { ...p, ...(section ? { section } : {}) };
}

export function PeriodForm({ action, p, rc, extra, sections }: { action: string; p: { from: string; to: string; section?: string }; rc: RequestContext; extra?: Child; sections?: Array<{ code: string; label: string }> }) {
  const { t } = rc;
  return (
    <form method="get" action={action} class="card no-print">
      {extra}
      <label for="from">{t('accounting.from')}</label> <input id="from" name="from" type="date" value={p.from} required />{' '}
      <label for="to">{t('accounting.to')}</label> <input id="to" name="to" type="date" value={p.to} required />{' '}
      {sections && sections.length > 0 && (
        <>
          <label for="section-filter">{t('accounting.section')}</label>{' '}
          <select id="section-filter" name="section">
            <option value="">{t('accounting.allSections')}</option>
            {sections.map((s) => <option value={s.code} selected={s.code === p.section}>{`${s.code} – ${s.label}`}</option>)}
          </select>{' '}
        </>
      )}
      <button type="submit">{t('accounting.show')}</button>
    </form>
  );
}

/** Printing a report page keeps the figures and drops the navigation and the forms. */
export const PRINT_CSS = `
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; }
.table-wrap { margin-bottom: 1rem; }
@media print {
  header.top, footer, nav, form, .no-print, .skip { display: none !important; }
  body { font-size: 10pt; color: #000; background: #fff; }
  main { max-width: none; padding: 0; margin: 0; }
  .table-wrap { overflow: visible !important; }
  table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; }
  th, td { border-bottom: 0.5pt solid #888; padding: 1pt 3pt; }
  a { color: inherit; text-decoration: none; }
  .card { border: none; box-shadow: none; padding: 0; }
}`;

const PRINT_PAGE_CSS = `
body { font-family: system-ui, sans-serif; font-size: 10pt; margin: 1.5cm; color: #000; }
h1 { font-size: 14pt; margin: 0 0 0.2em; }
h2 { font-size: 11pt; margin: 1.2em 0 0.3em; }
p.meta { margin: 0 0 1em; color: #333; }
table { width: 100%; border-collapse: collapse; margin-bottom: 1em; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border-bottom: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td, tr.total th { font-weight: bold; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; } .no-print { display: none; } }`;

function CellView({ c, link }: { c: Cell; link: boolean }) {
  if (c === null) return <td></td>;
  if (typeof c === 'number') return <td class="num">{displayCents(c)}</td>;
  if (typeof c === 'string') return <td>{c}</td>;
  return <td>{link ? <a href={c.href}>{c.text}</a> : c.text}</td>;
}

function Tables({ doc, link }: { doc: ReportDoc; link: boolean }) {
  return (
    <>
      {doc.tables.map((table) => (
        <>
          {table.caption && table.caption !== table.head[0] && <h2>{table.caption}</h2>}
          <div class="table-wrap">
            <table>
              <thead><tr>{table.head.map((h) => <th>{h}</th>)}</tr></thead>
              <tbody>
                {table.rows.map((r) => <tr class={r.total ? 'total' : undefined}>{r.cells.map((c) => r.total && typeof c === 'string' ? <th>{c}</th> : <CellView c={c} link={link} />)}</tr>)}
              </tbody>
            </table>
          </div>
        </>
      ))}
    </>
  );
}

function query(p: ReportPeriod, extra: Record<string, string>, more: Record<string, string>) {
  const q = new URLSearchParams({ from: p.from, to: p.to, ...(p.section ? { section: p.section } : {}), ...extra, ...more });
  return q.toString();
}

interface Built {
  title: string;
  doc: ReportDoc;
  /** Query parameters of this report beyond the period (account, journal). */
  extra?: Record<string, string>;
  /** Fields of the period form beyond the dates. */
  form?: Child;
  /** Ask the period form for a section. */
  sectionFilter?: boolean;
}

/** The trial balance rows; a reader of the summaries gets the families' sub-accounts summed up. */
async function balanceRows(c: Ctx, p: ReportPeriod, role: AccountingRole, perThirdParty = false) {
  const db = c.get('rc').deps.db;
  const rows = perThirdParty ? await balanceSheetRows(db, p) : (await trialBalance(db, p)).rows;
  if (role.readsEntries) return rows;
  const labels = new Map((await db.selectFrom('account').select(['number', 'label']).where('number', 'like', '41_').execute()).map((a) => [a.number, a.label]));
  return familiesSummed(rows, (account) => labels.get(account) ?? account);
}

async function sectionsOf(c: Ctx) {
  return c.get('rc').deps.db.selectFrom('analytic_section').select(['code', 'label']).orderBy('code').execute();
}

/**
 * One route, three outputs of the same tables. `entries`: the report lists entries (journal,
 * ledger), each naming a family and its money — the treasurer's and the accountant's only.
 */
function report(app: Hono<AppEnv>, path: string, build: (c: Context<AppEnv>, p: ReportPeriod, role: AccountingRole) => Promise<Built>, o: { entries?: boolean } = {}) {
  app.get(path, async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    const role = await accountingRole(rc.deps.db, v.personId);
    if (o.entries) requireEntries(role);
    else requireRead(role);
    const p = await period(c);
    const built = await build(c, p, role);
    const b = role.readsEntries ? built : { ...built, doc: withoutEntryLinks(built.doc) };
    const { t } = rc;
    const sectionLabel = p.section ? (await sectionsOf(c)).find((s) => s.code === p.section)?.label ?? p.section : '';
    const meta = `${t('accounting.periodLine', { from: p.from, to: p.to })}${p.section ? ` · ${t('accounting.section')} ${p.section} – ${sectionLabel}` : ''}`;
    if (c.req.query('format') === 'csv') {
      return c.body(toCsv(b.doc), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${csvFileName(b.doc, p)}"`,
      });
    }
    if (c.req.query('view') === 'print') {
      return c.html(
        <>
          {raw('<!doctype html>')}
          <html lang={rc.lang}>
            <head>
              <meta charset="utf-8" />
              <meta name="viewport" content="width=device-width, initial-scale=1" />
              <title>{`${b.title} · ${p.from} – ${p.to}`}</title>
              <style>{raw(PRINT_PAGE_CSS)}</style>
            </head>
            <body>
              <h1>{b.title}</h1>
              <p class="meta">{meta} · {t('accounting.printedOn', { date: new Date().toISOString().slice(0, 10) })}</p>
              <p class="no-print"><a href={`${path}?${query(p, b.extra ?? {}, {})}`}>{t('accounting.backToPage')}</a></p>
              <Tables doc={b.doc} link={false} />
            </body>
          </html>
        </>,
      );
    }
    return c.html(
      <Layout rc={rc} title={b.title}>
        <style>{raw(PRINT_CSS)}</style>
        <ReportNav rc={rc} p={p} role={role} />
        <PeriodForm action={path} p={p} rc={rc} extra={b.form} {...(b.sectionFilter ? { sections: await sectionsOf(c) } : {})} />
        <p class="muted">{meta}</p>
        <p class="no-print">
          <a href={`${path}?${query(p, b.extra ?? {}, { format: 'csv' })}`} download>{t('accounting.downloadCsv')}</a> ·{' '}
          <a href={`${path}?${query(p, b.extra ?? {}, { view: 'print' })}`}>{t('accounting.printable')}</a>
        </p>
        <Tables doc={b.doc} link={true} />
      </Layout>,
    );
  });
}

export function ReportNav({ rc, p, role }: { rc: RequestContext; p: { from: string; to: string }; role: AccountingRole }) {
  const { t } = rc;
  const q = `from=${p.from}&to=${p.to}`;
  const links: Array<[string, string]> = [
    ...(role.readsEntries ? ([['/accounting/journal', t('accounting.journalReport')], ['/accounting/ledger', t('accounting.ledger')]] as Array<[string, string]>) : []),
    ['/accounting/balance', t('accounting.trialBalance')],
    ['/accounting/income-statement', t('accounting.incomeStatement')],
    ['/accounting/balance-sheet', t('accounting.balanceSheet')],
    ['/accounting/sections', t('accounting.sections')],
  ];
  return (
    <p class="no-print">
      <a href={`/accounting?${q}`}>{t('accounting.title')}</a>
      {links.map(([href, label]) => <> · <a href={`${href}?${q}`} aria-current={rc.path === href ? 'page' : undefined}>{label}</a></>)}
    </p>
  );
}

export function reportRoutes(app: Hono<AppEnv>) {
  report(app, '/accounting/journal', async (c, p) => {
    const { t, deps } = c.get('rc');
    const journals = await deps.db.selectFrom('journal').select(['code', 'label']).orderBy('code').execute();
    const jq = c.req.query('journal') ?? '';
    const journal = journals.some((j) => j.code === jq) ? jq : '';
    const entries = await journalReport(deps.db, { ...p, ...(journal ? { journal } : {}) });
    return {
      title: journal ? `${t('accounting.journalReport')} ${journal}` : t('accounting.journalReport'),
      doc: journalDoc(t, entries),
      extra: (journal ? { journal } : {}) as Record<string, string>,
      sectionFilter: true,
      form: (
        <>
          <label for="journal-filter">{t('accounting.journal')}</label>{' '}
          <select id="journal-filter" name="journal"><option value="">{t('accounting.allJournals')}</option>{journals.map((j) => <option value={j.code} selected={j.code === journal}>{`${j.code} – ${j.label}`}</option>)}</select>{' '}
        </>
      ),
    };
  }, { entries: true });

  report(app, '/accounting/ledger', async (c, p) => {
    const { t, deps } = c.get('rc');
    // An account number or the start of one; empty for every account.
    const account = (c.req.query('account') ?? '').replace(/[^0-9]/g, '').slice(0, 12);
    const gl = await generalLedger(deps.db, { ...p, account });
    const doc = ledgerDoc(t, gl, p);
    return {
      title: account ? `${t('accounting.ledger')} – ${account}` : t('accounting.ledger'),
      doc,
      extra: (account ? { account } : {}) as Record<string, string>,
      sectionFilter: true,
      form: <><label for="account">{t('accounting.account')}</label> <input type="text" id="account" name="account" value={account} inputmode="numeric" placeholder="512" />{' '}</>,
    };
  }, { entries: true });

  report(app, '/accounting/balance', async (c, p, role) => {
    const { t } = c.get('rc');
    return { title: t('accounting.trialBalance'), doc: trialBalanceDoc(t, await balanceRows(c, p, role), p), sectionFilter: true };
  });

  report(app, '/accounting/income-statement', async (c, p, role) => {
    const { t } = c.get('rc');
    return { title: t('accounting.incomeStatement'), doc: incomeStatementDoc(t, await balanceRows(c, p, role)), sectionFilter: true };
  });

  // The balance sheet is the whole association's: no section filter.
  report(app, '/accounting/balance-sheet', async (c, p, role) => {
    const { t } = c.get('rc');
    return { title: t('accounting.balanceSheet'), doc: balanceSheetDoc(t, await balanceRows(c, { from: p.from, to: p.to }, role, true)) };
  });

  report(app, '/accounting/sections', async (c, p) => {
    const { t, deps } = c.get('rc');
    const sections = await sectionReport(deps.db, { from: p.from, to: p.to });
    const labels = new Map((await sectionsOf(c)).map((s) => [s.code, s.label]));
    return { title: t('accounting.sections'), doc: sectionsDoc(t, sections, labels, p) };
  });

  // The former combined page.
  app.get('/accounting/reports', (c) => {
    const q = new URL(c.req.url).search;
    return c.redirect(`/accounting/income-statement${q}`, 302);
  });
}
