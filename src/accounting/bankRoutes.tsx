// Bank pages: statement upload (OFX, CAMT.053, CSV with the bank's saved mapping), automatic
// matching, and the reconciliation view (rapprochement).
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../platform/web/context.ts';
import { Form, Layout, Notice } from '../platform/web/layout.tsx';
import { actorOf, field, requireViewer } from '../platform/web/guards.ts';
import { intParam } from '../platform/web/forms.tsx';
import { accountingRole, requireEntries, requireTreasurer } from './access.ts';
import { importBankFile, parseStatement, reconciliation, StatementRefused, type BankFileError, type CsvMapping } from './bank.ts';
import { displayCents, parseAmount } from './money.ts';
import { uploadedFile } from './upload.ts';
import { decodeText } from '../platform/files.ts';

const MAX_BYTES = 5 * 1024 * 1024;
const col = (s: string) => (/^\d{1,2}$/.test(s) ? Number(s) - 1 : undefined);

async function bankPage(c: Context<AppEnv>, errors: BankFileError[] | null = null, status = 200) {
  const v = requireViewer(c);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const role = await accountingRole(deps.db, v.personId);
  requireEntries(role);
  const accounts = await deps.db.selectFrom('bank_account').selectAll().orderBy('account_number').execute();
  const q = c.req.query();
  const mapping = (accounts[0]?.csv_mapping ?? null) as CsvMapping | null;
  return c.html(
    <Layout rc={rc} title={t('accounting.bank')}>
      {q.imported && /^\d+$/.test(q.imported) && (
        <Notice kind="ok">{t('accounting.bank.imported', { imported: Number(q.imported), duplicates: Number(q.duplicates ?? 0), matched: Number(q.matched ?? 0), drafted: Number(q.drafted ?? 0) })}</Notice>
      )}
      {errors && (
        <>
          <Notice kind="error">{t('accounting.bank.err.refused', { count: errors.length })}</Notice>
          <div class="table-wrap">
            <table>
              <thead><tr><th>{t('accounting.bank.err.line')}</th><th>{t('accounting.bank.err.problem')}</th></tr></thead>
              <tbody>{errors.slice(0, 1000).map((e) => <tr><td class="num">{e.line}</td><td>{t(e.key, e.params)}</td></tr>)}</tbody>
            </table>
          </div>
        </>
      )}
      <ul>
        {accounts.map((a) => (
          <li><a href={`/accounting/bank/${a.id}/reconcile`}>{`${a.account_number} – ${a.label}`}</a></li>
        ))}
      </ul>
      {role.treasurer && accounts.length > 0 && (
        <Form rc={rc} action="/accounting/bank/import" enctype="multipart/form-data" class="card">
          <label for="bank">{t('accounting.bank.account')}</label>
          <select id="bank" name="bank">{accounts.map((a) => <option value={String(a.id)}>{`${a.account_number} – ${a.label}`}</option>)}</select>
          <label for="format">{t('accounting.bank.format')}</label>
          <select id="format" name="format"><option value="ofx">OFX</option><option value="camt053">CAMT.053</option><option value="csv">CSV</option></select>
          <label for="file">{t('accounting.bank.file')}</label>
          <input id="file" name="file" type="file" required />
          <fieldset>
            <legend>{t('accounting.bank.csvMapping')}</legend>
            <label for="delimiter">{t('accounting.bank.delimiter')}</label>
            <input id="delimiter" name="delimiter" maxlength={1} value={mapping?.delimiter ?? ';'} />
            <label for="skip">{t('accounting.bank.skipRows')}</label>
            <input id="skip" name="skip" inputmode="numeric" value={String(mapping?.skipRows ?? 1)} />
            {(['date', 'label', 'amount', 'debit', 'credit'] as const).map((k) => (
              <>
                <label for={`col-${k}`}>{t(`accounting.bank.col.${k}`)}</label>
                <input id={`col-${k}`} name={`col_${k}`} inputmode="numeric" value={mapping?.[k] !== undefined ? String((mapping[k] as number) + 1) : ''} />
              </>
            ))}
            <label for="dateFormat">{t('accounting.bank.dateFormat')}</label>
            <select id="dateFormat" name="dateFormat"><option>DD/MM/YYYY</option><option selected={mapping?.dateFormat === 'YYYY-MM-DD'}>YYYY-MM-DD</option></select>
          </fieldset>
          <button type="submit">{t('accounting.bank.import')}</button>
        </Form>
      )}
    </Layout>,
    status as 200,
  );
}

export function bankRoutes(app: Hono<AppEnv>) {
  app.get('/accounting/bank', (c) => bankPage(c));

  app.post('/accounting/bank/import', async (c) => {
    const v = requireViewer(c);
    const { deps } = c.get('rc');
    requireTreasurer(await accountingRole(deps.db, v.personId));
    const body = await c.req.parseBody();
    const file = uploadedFile(body, MAX_BYTES);
    const bankId = Number(field(body, 'bank'));
    const bytes = new Uint8Array(await file.arrayBuffer());
    const text = decodeText(bytes);
    const format = field(body, 'format') === 'ofx' ? 'ofx' : field(body, 'format') === 'camt053' ? 'camt053' : 'csv';
    const mapping: CsvMapping | undefined =
      format === 'csv'
        ? {
            delimiter: field(body, 'delimiter') || ';',
            skipRows: Number(field(body, 'skip') || '1'),
            date: col(field(body, 'col_date')) ?? 0,
            label: col(field(body, 'col_label')) ?? 1,
            dateFormat: field(body, 'dateFormat') === 'YYYY-MM-DD' ? 'YYYY-MM-DD' : 'DD/MM/YYYY',
            amount: col(field(body, 'col_amount')),
            debit: col(field(body, 'col_debit')),
            credit: col(field(body, 'col_credit')),
          }
        : undefined;
    // All or nothing: a refused file leaves the books and the saved mapping as they were.
    let r: Awaited<ReturnType<typeof importBankFile>>;
    try {
      r = await importBankFile(deps.db, actorOf(v), bankId, format, parseStatement(format, text, mapping));
    } catch (err) {
      if (err instanceof StatementRefused) return bankPage(c, err.errors, 400);
      throw err;
    }
    if (mapping) await deps.db.updateTable('bank_account').set({ csv_mapping: JSON.stringify(mapping) }).where('id', '=', bankId).execute();
    return c.redirect(`/accounting/bank?imported=${r.imported}&duplicates=${r.duplicates}&matched=${r.matched}&drafted=${r.drafted}`, 303);
  });

  app.get('/accounting/bank/:id/reconcile', async (c) => {
    const v = requireViewer(c);
    const rc = c.get('rc');
    const { t, deps } = rc;
    requireEntries(await accountingRole(deps.db, v.personId));
    const id = intParam(c, 'id', 'accounting.error.noBankAccount');
    const asOf = /^\d{4}-\d{2}-\d{2}$/.test(c.req.query('asOf') ?? '') ? c.req.query('asOf')! : new Date().toISOString().slice(0, 10);
    const balanceText = c.req.query('balance') ?? '';
    const statementBalance = balanceText ? parseAmount(balanceText) : 0;
    const r = await reconciliation(deps.db, id, asOf, statementBalance);
    return c.html(
      <Layout rc={rc} title={t('accounting.bank.reconcile')}>
        <form method="get" class="card">
          <label for="asOf">{t('accounting.to')}</label> <input id="asOf" name="asOf" type="date" value={asOf} />{' '}
          <label for="balance">{t('accounting.bank.statementBalance')}</label> <input id="balance" name="balance" inputmode="decimal" value={balanceText} />{' '}
          <button type="submit">{t('accounting.show')}</button>
        </form>
        <p>{t('accounting.bank.ledgerBalance')} : {displayCents(r.ledgerBalance)} €</p>
        {balanceText && <Notice kind={r.difference === 0 ? 'ok' : 'error'}>{t('accounting.bank.difference', { amount: displayCents(r.difference) })}</Notice>}
        <h2>{t('accounting.bank.unmatched')}</h2>
        <div class="table-wrap">
          <table>
            <thead><tr><th>{t('accounting.date')}</th><th>{t('accounting.label')}</th><th>{t('accounting.balance')}</th></tr></thead>
            <tbody>{r.unmatchedStatement.map((l) => <tr><td>{l.booked_on}</td><td>{l.label}</td><td class="num">{displayCents(l.amount_cents)}</td></tr>)}</tbody>
          </table>
        </div>
      </Layout>,
    );
  });
}
