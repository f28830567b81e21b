// Accounting pages: entries (draft → validated), new entry, ledger, trial balance, reports.
// Every flow is a plain form. Reports are in reportRoutes.tsx, set-up pages in setupRoutes.tsx.
import type { Hono } from 'hono';
import type { AppEnv, Ctx } from '../platform/web/context.ts';
import { Form, Layout, Notice, PostButton } from '../platform/web/layout.tsx';
import { actorOf, field, requireViewer } from '../platform/web/guards.ts';
import { intParam } from '../platform/web/forms.tsx';
import { DomainError, Forbidden, InvalidInput } from '../platform/errors.ts';
import { accountingRole, requirePost, requireRead, requireTreasurer } from './access.ts';
import { createEntry, validateEntry } from './books.ts';
import { displayCents, parseAmount } from './money.ts';
import { journalReport } from './reports.ts';
import { period, PeriodForm, reportRoutes } from './reportRoutes.tsx';
import { bankRoutes } from './bankRoutes.tsx';
import { booksRoutes } from './booksRoutes.tsx';
import { entryRoutes } from './entryRoutes.tsx';
import { setupRoutes } from './setupRoutes.tsx';
import { fecRoutes } from './fecRoutes.tsx';
import type { LineInput } from './rules.ts';

const LINE_ROWS = 4;
const money = (cents: number) => (cents === 0 ? '' : displayCents(cents));

async function reader(c: Ctx) {
  const v = requireViewer(c);
  const role = await accountingRole(c.get('rc').deps.db, v.personId);
  requireRead(role);
  return { v, role };
}

async function newEntryPage(c: Ctx, refused: { values: Record<string, string>; error: string } | null = null, status = 200) {
  const { role } = await reader(c);
  if (!role.treasurer && !role.accountant) requireTreasurer(role);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const journals = await deps.db.selectFrom('journal').selectAll().orderBy('code').execute();
  const accounts = await deps.db.selectFrom('account').select(['number', 'label']).orderBy('number').execute();
  const sections = await deps.db.selectFrom('analytic_section').select(['code', 'label']).where('archived_at', 'is', null).orderBy('code').execute();
  const today = new Date().toISOString().slice(0, 10);
  const v = (name: string, fallback = '') => refused?.values[name] ?? fallback;
  return c.html(
    <Layout rc={rc} title={t('accounting.newEntry')}>
      {refused && <Notice kind="error">{refused.error}</Notice>}
      <Form rc={rc} action="/accounting/entries" class="card">
        <label for="journal">{t('accounting.journal')}</label>
        <select id="journal" name="journal">
          {journals.filter((j) => role.treasurer || j.kind === 'accountant').map((j) => <option value={j.code} selected={v('journal') === j.code}>{`${j.code} – ${j.label}`}</option>)}
        </select>
        <label for="date">{t('accounting.date')}</label>
        <input id="date" name="date" type="date" value={v('date', today)} required />
        <label for="label">{t('accounting.label')}</label>
        <input id="label" name="label" type="text" required maxlength={200} value={v('label')} />
        <label for="piece">{t('accounting.piece')}</label>
        <input id="piece" name="piece" type="text" maxlength={60} value={v('piece')} />
        <datalist id="accounts">{accounts.filter((a) => a.number.length >= 3).map((a) => <option value={a.number}>{a.label}</option>)}</datalist>
        <div class="table-wrap">
          <table>
            <thead><tr><th>{t('accounting.account')}</th><th>{t('accounting.debit')}</th><th>{t('accounting.credit')}</th><th>{t('accounting.thirdParty')}</th><th>{t('accounting.section')}</th></tr></thead>
            <tbody>
              {Array.from({ length: LINE_ROWS }, (_, i) => (
                <tr>
                  <td><input type="text" name={`account${i}`} list="accounts" inputmode="numeric" aria-label={`${t('accounting.account')} ${i + 1}`} value={v(`account${i}`)} /></td>
                  <td><input type="text" name={`debit${i}`} inputmode="decimal" aria-label={`${t('accounting.debit')} ${i + 1}`} value={v(`debit${i}`)} /></td>
                  <td><input type="text" name={`credit${i}`} inputmode="decimal" aria-label={`${t('accounting.credit')} ${i + 1}`} value={v(`credit${i}`)} /></td>
                  <td><input type="text" name={`tp${i}`} aria-label={`${t('accounting.thirdParty')} ${i + 1}`} value={v(`tp${i}`)} /></td>
                  <td>
                    <select name={`section${i}`} aria-label={`${t('accounting.section')} ${i + 1}`}>
                      <option value="">–</option>
                      {sections.map((x) => <option value={x.code} selected={v(`section${i}`) === x.code}>{x.code}</option>)}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="hint">{t('accounting.newEntry.hint')}</p>
        <button type="submit">{t('accounting.saveDraft')}</button>
      </Form>
    </Layout>,
    status as 200,
  );
}

export const ENTRIES_PER_PAGE = 100;

export function accountingRoutes(app: Hono<AppEnv>) {
  bankRoutes(app);
  booksRoutes(app);
  entryRoutes(app);
  setupRoutes(app);
  reportRoutes(app);
  fecRoutes(app);
  app.get('/accounting', async (c) => {
    const { role } = await reader(c);
    const rc = c.get('rc');
    const { t } = rc;
    const p = await period(c);
    if (!role.readsEntries) {
      // The board's accounting page: the summary reports, no entry (each one names a family).
      return c.html(
        <Layout rc={rc} title={t('accounting.title')}>
          <p class="hint">{t('accounting.summariesOnly')}</p>
          <ul>
            <li><a href={`/accounting/income-statement?from=${p.from}&to=${p.to}`}>{t('accounting.incomeStatement')}</a></li>
            <li><a href={`/accounting/balance-sheet?from=${p.from}&to=${p.to}`}>{t('accounting.balanceSheet')}</a></li>
            <li><a href={`/accounting/balance?from=${p.from}&to=${p.to}`}>{t('accounting.trialBalance')}</a></li>
            <li><a href={`/accounting/sections?from=${p.from}&to=${p.to}`}>{t('accounting.sections')}</a></li>
            <li><a href="/accounting/years">{t('accounting.years')}</a></li>
          </ul>
        </Layout>,
      );
    }
    const journalCodes = (await rc.deps.db.selectFrom('journal').select(['code', 'label']).orderBy('code').execute());
    const jq = c.req.query('journal') ?? '';
    const journal = journalCodes.some((j) => j.code === jq) ? jq : undefined;
    const entries = await journalReport(rc.deps.db, { ...p, includeDrafts: true, ...(journal ? { journal } : {}) });
    entries.sort((a, b) => (a.date === b.date ? b.id - a.id : a.date < b.date ? 1 : -1));
    // Newest first, a page at a time: a year of an association is a few thousand entries.
    const pages = Math.max(1, Math.ceil(entries.length / ENTRIES_PER_PAGE));
    const pageNo = Math.min(pages, Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const shown = entries.slice((pageNo - 1) * ENTRIES_PER_PAGE, pageNo * ENTRIES_PER_PAGE);
    const pageHref = (n: number) => `/accounting?from=${p.from}&to=${p.to}${journal ? `&journal=${encodeURIComponent(journal)}` : ''}&page=${n}`;
    const created = c.req.query('created');
    const validated = c.req.query('validated');
    return c.html(
      <Layout rc={rc} title={t('accounting.title')}>
        {created && /^\d+$/.test(created) && <Notice kind="ok">{t('accounting.created')}</Notice>}
        {validated && /^\d+$/.test(validated) && <Notice kind="ok">{t('accounting.validated', { number: Number(validated) })}</Notice>}
        <p>
          {(role.treasurer || role.accountant) && <a class="button" href="/accounting/entries/new">{t('accounting.newEntry')}</a>}{' '}
          <a href={`/accounting/journal?from=${p.from}&to=${p.to}`}>{t('accounting.journalReport')}</a> ·{' '}
          <a href={`/accounting/ledger?from=${p.from}&to=${p.to}`}>{t('accounting.ledger')}</a> ·{' '}
          <a href={`/accounting/balance?from=${p.from}&to=${p.to}`}>{t('accounting.trialBalance')}</a> ·{' '}
          <a href={`/accounting/income-statement?from=${p.from}&to=${p.to}`}>{t('accounting.incomeStatement')}</a> ·{' '}
          <a href={`/accounting/balance-sheet?from=${p.from}&to=${p.to}`}>{t('accounting.balanceSheet')}</a> ·{' '}
          <a href={`/accounting/sections?from=${p.from}&to=${p.to}`}>{t('accounting.sections')}</a> ·{' '}
          <a href="/accounting/bank">{t('accounting.bank')}</a> ·{' '}
          <a href="/accounting/open-items">{t('accounting.openItems')}</a> ·{' '}
          <a href="/accounting/years">{t('accounting.years')}</a>
          {(role.treasurer || role.accountant) && <> · <a href="/accounting/fec">FEC</a> · <a href="/accounting/audit">{t('accounting.audit.title')}</a> · <a href="/accounting/setup/bank">{t('accounting.setup')}</a></>}
        </p>
        <PeriodForm action="/accounting" p={p} rc={rc} extra={<><label for="journal-filter">{t('accounting.journal')}</label> <select id="journal-filter" name="journal"><option value="">–</option>{journalCodes.map((j) => <option value={j.code} selected={j.code === journal}>{`${j.code} – ${j.label}`}</option>)}</select>{' '}</>} />
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th>{t('accounting.date')}</th><th>{t('accounting.journal')}</th><th>{t('accounting.number')}</th><th>{t('accounting.label')}</th><th>{t('accounting.account')}</th><th>{t('accounting.debit')}</th><th>{t('accounting.credit')}</th><th></th></tr>
            </thead>
            <tbody>
              {shown.map((e) =>
                e.lines.map((l, i) => (
                  <tr>
                    <td>{i === 0 ? e.date : ''}</td>
                    <td>{i === 0 ? e.journal : ''}</td>
                    <td>{i === 0 ? <a href={`/accounting/entries/${e.id}`}>{e.number ?? <span class="tag">{t('accounting.draft')}</span>}</a> : ''}</td>
                    <td>{i === 0 ? e.label : l.label}</td>
                    <td>{l.account} {l.thirdParty ? <span class="muted">{l.thirdParty}</span> : ''}</td>
                    <td class="num">{money(l.debit)}</td>
                    <td class="num">{money(l.credit)}</td>
                    <td>
                      {i === 0 && e.status === 'draft' && role.treasurer && (
                        <PostButton rc={rc} action={`/accounting/entries/${e.id}/validate`} label={t('accounting.validate')} />
                      )}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
        {entries.length > 0 && (
          <nav class="pager" aria-label={t('accounting.pages')}>
            {pageNo > 1 && <a href={pageHref(pageNo - 1)} rel="prev">{t('accounting.pagePrev')}</a>}{' '}
            <span class="muted">{t('accounting.pageOf', { first: (pageNo - 1) * ENTRIES_PER_PAGE + 1, last: (pageNo - 1) * ENTRIES_PER_PAGE + shown.length, total: entries.length })}</span>{' '}
            {pageNo < pages && <a href={pageHref(pageNo + 1)} rel="next">{t('accounting.pageNext')}</a>}
          </nav>
        )}
      </Layout>,
    );
  });

  app.get('/accounting/entries/new', (c) => newEntryPage(c));

  app.post('/accounting/entries', async (c) => {
    const { v, role } = await reader(c);
    const body = await c.req.parseBody();
    const values: Record<string, string> = {};
    for (const [k, x] of Object.entries(body)) if (k !== '_csrf' && typeof x === 'string') values[k] = x;
    const journal = field(body, 'journal');
    const db = c.get('rc').deps.db;
    await requirePost(db, role, journal);
    try {
      const lines: LineInput[] = [];
      for (let i = 0; i < LINE_ROWS; i++) {
        const account = field(body, `account${i}`);
        const d = field(body, `debit${i}`);
        const cr = field(body, `credit${i}`);
        if (!account && !d && !cr) continue;
        if (!account) throw new InvalidInput('accounting.error.accountNumber', { account: '' });
        lines.push({ account, debit: d ? parseAmount(d) : 0, credit: cr ? parseAmount(cr) : 0, thirdParty: field(body, `tp${i}`) || null, section: field(body, `section${i}`) || null });
      }
      const e = await createEntry(db, actorOf(v), { journal, date: field(body, 'date'), label: field(body, 'label'), pieceRef: field(body, 'piece'), lines });
      return c.redirect(`/accounting?from=${e.entry_date}&to=${e.entry_date}&created=${e.id}`, 303);
    } catch (err) {
      // Refused: the form comes back as it was typed, with the reason.
      if (!(err instanceof DomainError) || err instanceof Forbidden) throw err;
      return newEntryPage(c, { values, error: c.get('rc').t(err.key, err.params) }, err.status);
    }
  });

  app.post('/accounting/entries/:id/validate', async (c) => {
    const { v, role } = await reader(c);
    requireTreasurer(role);
    const id = intParam(c, 'id', 'accounting.error.noEntry');
    const e = await validateEntry(c.get('rc').deps.db, actorOf(v), id);
    return c.redirect(`/accounting?from=${e.entry_date}&to=${e.entry_date}&validated=${e.number}`, 303);
  });
}
