// Set-up pages of the books: bank accounts and bank rules, sub-accounts and third parties,
// analytic sections. The treasurer writes; the accountant reads; board members, who read the
// reports, have no use for the set-up and do not see it. A refused form comes back filled in
// with the error above it, so nothing typed is lost.
import type { Context, Hono } from 'hono';
import type { AppEnv, RequestContext } from '../platform/web/context.ts';
import { Form, Layout, PostButton } from '../platform/web/layout.tsx';
import { actorOf, requireViewer } from '../platform/web/guards.ts';
import { attempt, Field, formValues, FormError, intParam, QueryNotice, refusedValue, type Refused } from '../platform/web/forms.tsx';
import { Forbidden } from '../platform/errors.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/audit.ts';
import type { MessageKey } from '../platform/i18n/index.ts';
import { accountingRole, requireTreasurer, type AccountingRole } from './access.ts';
import {
  archiveSection, createBankAccount, createBankRule, createHouseholdThirdParties, createSection, createSubAccount, createThirdParty,
  deleteBankRule, renameAccount, renameSection, renameThirdParty, updateBankAccount, updateBankRule, type RuleInput,
} from './setup.ts';

type C = Context<AppEnv>;
type Page = (c: C, r: Refused, status: number) => Promise<Response>;

async function setupReader(c: C) {
  const v = requireViewer(c);
  const role = await accountingRole(c.get('rc').deps.db, v.personId);
  if (!role.treasurer && !role.accountant) throw new Forbidden('accounting.error.setupForbidden');
  return { v, role };
}

const val = refusedValue;
const Failed = FormError;

function SetupNav({ rc }: { rc: RequestContext }) {
  const { t } = rc;
  return (
    <p class="no-print">
      <a href="/accounting">{t('accounting.title')}</a> · <a href="/accounting/setup/bank">{t('accounting.setup.bank')}</a> ·{' '}
      <a href="/accounting/setup/accounts">{t('accounting.setup.accounts')}</a> · <a href="/accounting/setup/sections">{t('accounting.setup.sections')}</a>
    </p>
  );
}

/** A label the treasurer renames in place (a sub-account, a third party, a section); others read it. */
function Relabel({ rc, r, w, action, form, what, value, button }: { rc: RequestContext; r: Refused; w: boolean; action: string; form: string; what: string; value: string; button: MessageKey }) {
  if (!w) return <>{value}</>;
  return (
    <Form rc={rc} action={action} class="inline">
      <Failed r={r} form={form} />
      <input type="text" name="label" aria-label={`${rc.t('accounting.label')} ${what}`} required maxlength={200} value={val(r, form, 'label', value)} />{' '}
      <button type="submit" class="secondary">{rc.t(button)}</button>
    </Form>
  );
}

const SAVED: Record<string, MessageKey> = Object.fromEntries(['bank', 'rule', 'deleted', 'account', 'party', 'section'].map((k) => [k, 'accounting.setup.saved']));

// ---- Bank accounts and rules ----

async function bankPage(c: C, r: Refused = null, status = 200) {
  const { role } = await setupReader(c);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const db = deps.db;
  const banks = await db.selectFrom('bank_account').selectAll().orderBy('account_number').execute();
  const rules = await db.selectFrom('bank_rule').selectAll().orderBy('priority').orderBy('id').execute();
  const sections = await db.selectFrom('analytic_section').select(['code', 'label']).where('archived_at', 'is', null).orderBy('code').execute();
  const w = role.treasurer;
  const RuleFields = ({ form, rule }: { form: string; rule?: (typeof rules)[number] }) => (
    <>
      <label for={`${form}-bank`}>{t('accounting.bank.account')}</label>
      <select id={`${form}-bank`} name="bank" disabled={!w}>
        <option value="">{t('accounting.setup.allBanks')}</option>
        {banks.map((b) => (
          <option value={String(b.id)} selected={val(r, form, 'bank', rule?.bank_account_id ? String(rule.bank_account_id) : '') === String(b.id)}>{`${b.account_number} – ${b.label}`}</option>
        ))}
      </select>
      <Field r={r} form={form} name="pattern" label={t('accounting.setup.pattern')} value={rule?.pattern} required minlength={2} maxlength={100} disabled={!w} />
      <Field r={r} form={form} name="account" label={t('accounting.account')} value={rule?.account_number} required inputmode="numeric" list="accounts" disabled={!w} />
      <Field r={r} form={form} name="thirdParty" label={t('accounting.thirdParty')} value={rule?.third_party_code ?? ''} disabled={!w} />
      <label for={`${form}-section`}>{t('accounting.section')}</label>
      <select id={`${form}-section`} name="section" disabled={!w}>
        <option value="">–</option>
        {sections.map((s) => <option value={s.code} selected={val(r, form, 'section', rule?.section_code ?? '') === s.code}>{`${s.code} – ${s.label}`}</option>)}
      </select>
      <Field r={r} form={form} name="priority" label={t('accounting.setup.priority')} value={String(rule?.priority ?? 100)} inputmode="numeric" disabled={!w} />
    </>
  );
  const accounts = await db.selectFrom('account').select(['number', 'label']).where(({ fn, ref }) => fn('length', [ref('number')]), '>=', 3).orderBy('number').execute();
  return c.html(
    <Layout rc={rc} title={t('accounting.setup.bank')}>
      <SetupNav rc={rc} />
      <QueryNotice c={c} notices={SAVED} />
      <datalist id="accounts">{accounts.map((a) => <option value={a.number}>{a.label}</option>)}</datalist>
      <h2>{t('accounting.setup.bankAccounts')}</h2>
      {banks.map((b) => (
        <section class="card">
          <Failed r={r} form={`bank-${b.id}`} />
          <p><strong>{b.account_number}</strong></p>
          <Form rc={rc} action={`/accounting/setup/bank-accounts/${b.id}`}>
            <Field r={r} form={`bank-${b.id}`} name="label" label={t('accounting.label')} value={b.label} required maxlength={200} disabled={!w} />
            <Field r={r} form={`bank-${b.id}`} name="iban" label="IBAN" value={b.iban ?? ''} disabled={!w} />
            {w && <button type="submit">{t('accounting.setup.save')}</button>}
          </Form>
        </section>
      ))}
      {w && (
        <section class="card">
          <h3>{t('accounting.setup.newBankAccount')}</h3>
          <Failed r={r} form="newBank" />
          <Form rc={rc} action="/accounting/setup/bank-accounts">
            <Field r={r} form="newBank" name="number" label={t('accounting.setup.bankNumber')} required inputmode="numeric" placeholder="5121" />
            <Field r={r} form="newBank" name="label" label={t('accounting.label')} required maxlength={200} />
            <Field r={r} form="newBank" name="iban" label="IBAN" />
            <button type="submit">{t('accounting.setup.add')}</button>
          </Form>
        </section>
      )}
      <h2>{t('accounting.setup.rules')}</h2>
      <p class="hint">{t('accounting.setup.rulesHint')}</p>
      {rules.map((rule) => (
        <section class="card">
          <Failed r={r} form={`rule-${rule.id}`} />
          <Form rc={rc} action={`/accounting/setup/rules/${rule.id}`}>
            <RuleFields form={`rule-${rule.id}`} rule={rule} />
            {w && <button type="submit">{t('accounting.setup.save')}</button>}
          </Form>
          {w && (
            <PostButton rc={rc} action={`/accounting/setup/rules/${rule.id}/delete`} label={t('accounting.setup.delete')} secondary />
          )}
        </section>
      ))}
      {w && (
        <section class="card">
          <h3>{t('accounting.setup.newRule')}</h3>
          <Failed r={r} form="newRule" />
          <Form rc={rc} action="/accounting/setup/rules">
            <RuleFields form="newRule" />
            <button type="submit">{t('accounting.setup.add')}</button>
          </Form>
        </section>
      )}
    </Layout>,
    status as 200,
  );
}

function ruleInput(values: Record<string, string>): RuleInput {
  const bank = (values.bank ?? '').trim();
  return { bankAccountId: bank ? Number(bank) : null, pattern: values.pattern ?? '', account: values.account ?? '', thirdParty: values.thirdParty ?? '', section: values.section ?? '', priority: values.priority ?? '' };
}

// ---- Sub-accounts and third parties ----

async function accountsPage(c: C, r: Refused = null, status = 200) {
  const { role } = await setupReader(c);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const db = deps.db;
  const w = role.treasurer;
  const own = await db.selectFrom('account').select(['number', 'label']).where('seeded', '=', false).orderBy('number').execute();
  const parents = await db.selectFrom('account').select(['number', 'label']).orderBy('number').execute();
  const parties = await db.selectFrom('third_party as t').leftJoin('dir_household as h', 'h.id', 't.household_id').select(['t.code', 't.label', 't.kind', 't.account_number', 'h.name as household']).orderBy('t.account_number').orderBy('t.code').execute();
  const households = await db.selectFrom('dir_household as h').leftJoin('third_party as t', 't.household_id', 'h.id').select(['h.id', 'h.name']).where('t.code', 'is', null).orderBy('h.name').limit(2000).execute();
  const collectives = parents.filter((a) => /^4\d{2,}/.test(a.number));
  const kinds = ['household', 'supplier', 'other'] as const;
  return c.html(
    <Layout rc={rc} title={t('accounting.setup.accounts')}>
      <SetupNav rc={rc} />
      <QueryNotice c={c} notices={SAVED} />
      <datalist id="parents">{parents.map((a) => <option value={a.number}>{a.label}</option>)}</datalist>
      <datalist id="collectives">{collectives.map((a) => <option value={a.number}>{a.label}</option>)}</datalist>
      <h2>{t('accounting.setup.subAccounts')}</h2>
      <p class="hint">{t('accounting.setup.subAccountsHint')}</p>
      <div class="table-wrap">
        <table>
          <thead><tr><th>{t('accounting.account')}</th><th>{t('accounting.label')}</th></tr></thead>
          <tbody>
            {own.map((a) => (
              <tr>
                <td>{a.number}</td>
                <td>
                  <Relabel rc={rc} r={r} w={w} action={`/accounting/setup/accounts/${a.number}`} form={`account-${a.number}`} what={a.number} value={a.label} button="accounting.setup.save" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {w && (
        <section class="card">
          <h3>{t('accounting.setup.newSubAccount')}</h3>
          <Failed r={r} form="newAccount" />
          <Form rc={rc} action="/accounting/setup/accounts">
            <Field r={r} form="newAccount" name="parent" label={t('accounting.setup.parent')} required inputmode="numeric" list="parents" placeholder="411" />
            <Field r={r} form="newAccount" name="number" label={t('accounting.setup.number')} required inputmode="numeric" placeholder="4111" />
            <Field r={r} form="newAccount" name="label" label={t('accounting.label')} required maxlength={200} />
            <button type="submit">{t('accounting.setup.add')}</button>
          </Form>
        </section>
      )}
      <h2>{t('accounting.setup.thirdParties')}</h2>
      <p class="hint">{t('accounting.setup.thirdPartiesHint')}</p>
      <div class="table-wrap">
        <table>
          <thead><tr><th>{t('accounting.setup.code')}</th><th>{t('accounting.label')}</th><th>{t('accounting.setup.kind')}</th><th>{t('accounting.account')}</th><th>{t('accounting.setup.household')}</th></tr></thead>
          <tbody>
            {parties.map((p) => (
              <tr>
                <td>{p.code}</td>
                <td>
                  <Relabel rc={rc} r={r} w={w} action={`/accounting/setup/third-parties/${encodeURIComponent(p.code)}`} form={`tp-${p.code}`} what={p.code} value={p.label} button="accounting.setup.save" />
                </td>
                <td>{t(`accounting.setup.kind.${p.kind}` as MessageKey)}</td>
                <td>{p.account_number}</td>
                <td>{p.household ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {w && (
        <>
          <section class="card">
            <h3>{t('accounting.setup.newThirdParty')}</h3>
            <Failed r={r} form="newParty" />
            <Form rc={rc} action="/accounting/setup/third-parties">
              <Field r={r} form="newParty" name="code" label={t('accounting.setup.code')} required maxlength={40} placeholder="FOURN-PAPETARIA" />
              <Field r={r} form="newParty" name="label" label={t('accounting.label')} required maxlength={200} />
              <label for="newParty-kind">{t('accounting.setup.kind')}</label>
              <select id="newParty-kind" name="kind">
                {kinds.map((k) => <option value={k} selected={val(r, 'newParty', 'kind', 'supplier') === k}>{t(`accounting.setup.kind.${k}`)}</option>)}
              </select>
              <Field r={r} form="newParty" name="account" label={t('accounting.setup.collective')} required inputmode="numeric" list="collectives" placeholder="401" />
              <label for="newParty-household">{t('accounting.setup.household')}</label>
              <select id="newParty-household" name="household">
                <option value="">–</option>
                {households.map((h) => <option value={String(h.id)} selected={val(r, 'newParty', 'household') === String(h.id)}>{h.name}</option>)}
              </select>
              <button type="submit">{t('accounting.setup.add')}</button>
            </Form>
          </section>
          <section class="card">
            <h3>{t('accounting.setup.allHouseholds')}</h3>
            <Failed r={r} form="households" />
            <Form rc={rc} action="/accounting/setup/third-parties/households">
              <Field r={r} form="households" name="account" label={t('accounting.setup.collective')} required inputmode="numeric" list="collectives" placeholder="4111" />
              <p class="hint">{t('accounting.setup.allHouseholdsHint', { count: households.length })}</p>
              <button type="submit" class="secondary">{t('accounting.setup.create')}</button>
            </Form>
          </section>
        </>
      )}
    </Layout>,
    status as 200,
  );
}

// ---- Analytic sections ----

async function sectionsPage(c: C, r: Refused = null, status = 200) {
  const { role } = await setupReader(c);
  const rc = c.get('rc');
  const { t, deps } = rc;
  const w = role.treasurer;
  const sections = await deps.db.selectFrom('analytic_section').selectAll().orderBy('archived_at', 'desc').orderBy('code').execute();
  return c.html(
    <Layout rc={rc} title={t('accounting.setup.sections')}>
      <SetupNav rc={rc} />
      <QueryNotice c={c} notices={SAVED} />
      <p class="hint">{t('accounting.setup.sectionsHint')}</p>
      <div class="table-wrap">
        <table>
          <thead><tr><th>{t('accounting.setup.code')}</th><th>{t('accounting.label')}</th><th>{t('accounting.years.status')}</th><th></th></tr></thead>
          <tbody>
            {sections.map((s) => (
              <tr>
                <td><a href={`/accounting/reports?section=${encodeURIComponent(s.code)}`}>{s.code}</a></td>
                <td>
                  <Relabel rc={rc} r={r} w={w} action={`/accounting/setup/sections/${encodeURIComponent(s.code)}`} form={`section-${s.code}`} what={s.code} value={s.label} button="accounting.setup.rename" />
                </td>
                <td>{s.archived_at ? t('accounting.setup.archived') : t('accounting.setup.active')}</td>
                <td>
                  {w && (
                    <Form rc={rc} action={`/accounting/setup/sections/${encodeURIComponent(s.code)}/${s.archived_at ? 'unarchive' : 'archive'}`} class="inline">
                      <Failed r={r} form={`archive-${s.code}`} />
                      <button type="submit" class="secondary">{t(s.archived_at ? 'accounting.setup.unarchive' : 'accounting.setup.archive')}</button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {w && (
        <section class="card">
          <h3>{t('accounting.setup.newSection')}</h3>
          <Failed r={r} form="newSection" />
          <Form rc={rc} action="/accounting/setup/sections">
            <Field r={r} form="newSection" name="code" label={t('accounting.setup.code')} required maxlength={20} placeholder="KERMESSE" />
            <Field r={r} form="newSection" name="label" label={t('accounting.label')} required maxlength={200} />
            <button type="submit">{t('accounting.setup.add')}</button>
          </Form>
        </section>
      )}
    </Layout>,
    status as 200,
  );
}

async function writer(c: C): Promise<{ role: AccountingRole; actor: ReturnType<typeof actorOf> }> {
  const { v, role } = await setupReader(c);
  requireTreasurer(role);
  return { role, actor: actorOf(v) };
}

/**
 * A treasurer's form: `write` gets the typed values; a refusal shows `page` again with them,
 * success goes to `done`.
 */
function saveRoute(app: Hono<AppEnv>, path: string, form: (c: C) => string, page: Page, done: string, write: (w: { db: Db; actor: Actor; values: Record<string, string>; c: C }) => Promise<unknown>) {
  app.post(path, async (c) => {
    const { actor } = await writer(c);
    const values = await formValues(c);
    return attempt(c, form(c), values, async () => {
      await write({ db: c.get('rc').deps.db, actor, values, c });
      return done;
    }, page);
  });
}

const text = (values: Record<string, string>, name: string) => values[name] ?? '';

export function setupRoutes(app: Hono<AppEnv>) {
  app.get('/accounting/setup', (c) => c.redirect('/accounting/setup/bank', 302));
  app.get('/accounting/setup/bank', (c) => bankPage(c));
  app.get('/accounting/setup/accounts', (c) => accountsPage(c));
  app.get('/accounting/setup/sections', (c) => sectionsPage(c));

  const rule = (c: C) => intParam(c, 'id', 'accounting.error.noRule');
  saveRoute(app, '/accounting/setup/bank-accounts', () => 'newBank', bankPage, '/accounting/setup/bank?done=bank', ({ db, actor, values: v }) =>
    createBankAccount(db, actor, { number: text(v, 'number'), label: text(v, 'label'), iban: text(v, 'iban') }),
  );
  saveRoute(app, '/accounting/setup/bank-accounts/:id{[0-9]+}', (c) => `bank-${rule(c)}`, bankPage, '/accounting/setup/bank?done=bank', ({ db, actor, values: v, c }) =>
    updateBankAccount(db, actor, rule(c), { label: text(v, 'label'), iban: text(v, 'iban') }),
  );
  saveRoute(app, '/accounting/setup/rules', () => 'newRule', bankPage, '/accounting/setup/bank?done=rule', ({ db, actor, values }) => createBankRule(db, actor, ruleInput(values)));
  saveRoute(app, '/accounting/setup/rules/:id{[0-9]+}', (c) => `rule-${rule(c)}`, bankPage, '/accounting/setup/bank?done=rule', ({ db, actor, values, c }) =>
    updateBankRule(db, actor, rule(c), ruleInput(values)),
  );
  app.post('/accounting/setup/rules/:id{[0-9]+}/delete', async (c) => {
    const { actor } = await writer(c);
    await deleteBankRule(c.get('rc').deps.db, actor, rule(c));
    return c.redirect('/accounting/setup/bank?done=deleted', 303);
  });

  saveRoute(app, '/accounting/setup/accounts', () => 'newAccount', accountsPage, '/accounting/setup/accounts?done=account', ({ db, actor, values: v }) =>
    createSubAccount(db, actor, { parent: text(v, 'parent'), number: text(v, 'number'), label: text(v, 'label') }),
  );
  saveRoute(app, '/accounting/setup/accounts/:number{[0-9]+}', (c) => `account-${c.req.param('number')}`, accountsPage, '/accounting/setup/accounts?done=account', ({ db, actor, values, c }) =>
    renameAccount(db, actor, c.req.param('number') ?? '', text(values, 'label')),
  );
  saveRoute(app, '/accounting/setup/third-parties', () => 'newParty', accountsPage, '/accounting/setup/accounts?done=party', ({ db, actor, values: v }) => {
    const h = text(v, 'household').trim();
    return createThirdParty(db, actor, { code: text(v, 'code'), label: text(v, 'label'), kind: text(v, 'kind'), account: text(v, 'account'), householdId: h ? Number(h) : null });
  });
  saveRoute(app, '/accounting/setup/third-parties/households', () => 'households', accountsPage, '/accounting/setup/accounts?done=party', ({ db, actor, values }) =>
    createHouseholdThirdParties(db, actor, text(values, 'account').trim()),
  );
  saveRoute(app, '/accounting/setup/third-parties/:code', (c) => `tp-${c.req.param('code')}`, accountsPage, '/accounting/setup/accounts?done=party', ({ db, actor, values, c }) =>
    renameThirdParty(db, actor, c.req.param('code') ?? '', text(values, 'label')),
  );

  saveRoute(app, '/accounting/setup/sections', () => 'newSection', sectionsPage, '/accounting/setup/sections?done=section', ({ db, actor, values: v }) =>
    createSection(db, actor, { code: text(v, 'code'), label: text(v, 'label') }),
  );
  saveRoute(app, '/accounting/setup/sections/:code', (c) => `section-${c.req.param('code')}`, sectionsPage, '/accounting/setup/sections?done=section', ({ db, actor, values, c }) =>
    renameSection(db, actor, c.req.param('code') ?? '', text(values, 'label')),
  );
  for (const action of ['archive', 'unarchive'] as const) {
    saveRoute(app, `/accounting/setup/sections/:code/${action}`, (c) => `archive-${c.req.param('code')}`, sectionsPage, '/accounting/setup/sections?done=section', ({ db, actor, c }) =>
      archiveSection(db, actor, c.req.param('code') ?? '', action === 'archive'),
    );
  }
}
