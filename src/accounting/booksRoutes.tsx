// Fiscal years (closing) and open items with lettering (lettrage), as plain forms.
import type { Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { Form, Layout, Notice, PostButton } from '../platform/web/layout.tsx';
import { actorOf, requireViewer } from '../platform/web/guards.ts';
import { intParam } from '../platform/web/forms.tsx';
import { accountingRole, requireEntries, requireRead, requireTreasurer } from './access.ts';
import { closeFiscalYear, letter, openItems, unletter, yearOf } from './books.ts';
import { displayCents } from './money.ts';

export function booksRoutes(app: Hono<AppEnv>) {
  app.get('/accounting/years', async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    const { t, deps } = rc;
    const role = await accountingRole(deps.db, v.personId);
    requireRead(role);
    const years = await deps.db.selectFrom('fiscal_year').selectAll().orderBy('starts_on', 'desc').execute();
    const closed = c.req.query('closed');
    return c.html(
      <Layout rc={rc} title={t('accounting.years')}>
        {closed && /^\d+$/.test(closed) && <Notice kind="ok">{t('accounting.years.closedNotice')}</Notice>}
        <div class="table-wrap">
          <table>
            <thead><tr><th>{t('accounting.from')}</th><th>{t('accounting.to')}</th><th>{t('accounting.years.status')}</th><th>{t('accounting.h.result')}</th><th></th></tr></thead>
            <tbody>
              {years.map((y) => (
                <tr>
                  <td>{y.starts_on}</td><td>{y.ends_on}</td>
                  <td>{t(y.status === 'open' ? 'accounting.years.open' : 'accounting.years.closed')}</td>
                  <td class="num">{y.result_cents === null ? '' : displayCents(y.result_cents)}</td>
                  <td>
                    {y.status === 'open' && role.treasurer && (
                      <PostButton rc={rc} action={`/accounting/years/${y.id}/close`} label={t('accounting.years.close')} secondary />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="hint">{t('accounting.years.hint')}</p>
      </Layout>,
    );
  });

  app.post('/accounting/years/:id/close', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const id = intParam(c, 'id', 'accounting.error.noYearId');
    await closeFiscalYear(deps.db, actorOf(v), id);
    return c.redirect(`/accounting/years?closed=${id}`, 303);
  });

  app.get('/accounting/open-items', async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    const { t, deps } = rc;
    const role = await accountingRole(deps.db, v.personId);
    requireEntries(role);
    const fy = await yearOf(deps.db, new Date().toISOString().slice(0, 10));
    const items = await openItems(deps.db, fy ? { fiscalYearId: fy.id } : {});
    const groups = new Map<string, typeof items>();
    for (const i of items) {
      const k = `${i.account_number} ${i.third_party_code ?? ''}`;
      groups.set(k, [...(groups.get(k) ?? []), i]);
    }
    const lettered = c.req.query('lettered');
    return c.html(
      <Layout rc={rc} title={t('accounting.openItems')}>
        {lettered && /^[A-Z]{1,4}$/.test(lettered) && <Notice kind="ok">{t('accounting.openItems.lettered', { code: lettered })}</Notice>}
        {[...groups].map(([k, lines]) => (
          <section class="card">
            <h2>{lines[0]!.third_party_label ?? k}</h2>
            <p class="muted">{k} · {t('accounting.balance')} {displayCents(lines.reduce((s, l) => s + l.debit_cents - l.credit_cents, 0))} €</p>
            <Form rc={rc} action="/accounting/open-items/letter">
              <table>
                <tbody>
                  {lines.map((l) => (
                    <tr>
                      <td>{role.treasurer && <input type="checkbox" name="line" value={String(l.id)} id={`line-${l.id}`} aria-label={`${l.entry_date} ${l.label}`} />}</td>
                      <td>{l.entry_date}</td><td>{l.label}</td>
                      <td class="num">{displayCents(l.debit_cents - l.credit_cents)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {role.treasurer && <button type="submit" class="secondary">{t('accounting.openItems.letter')}</button>}
            </Form>
          </section>
        ))}
      </Layout>,
    );
  });

  app.post('/accounting/open-items/letter', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const body = await c.req.parseBody({ all: true });
    const raw = body.line;
    const ids = (Array.isArray(raw) ? raw : [raw]).map((x) => Number(x)).filter((n) => Number.isSafeInteger(n) && n > 0);
    const code = await letter(deps.db, actorOf(v), ids, new Date().toISOString().slice(0, 10));
    return c.redirect(`/accounting/open-items?lettered=${code}`, 303);
  });

  // Délettrage: a lettering of an open year is removed; one of a closed year is refused with
  // the plain reason (its FEC is the one of the closing), as the schema refuses it (0044).
  app.post('/accounting/open-items/unletter', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const body = await c.req.parseBody();
    const account = typeof body.account === 'string' ? body.account.trim() : '';
    const code = typeof body.code === 'string' ? body.code.trim() : '';
    await unletter(deps.db, actorOf(v), account, code);
    return c.redirect('/accounting/open-items', 303);
  });
}
