// Set-up pages of the books: bank accounts and bank rules, sub-accounts and third parties,
// analytic sections. The treasurer writes; the accountant reads; board members, who read the
// reports, have no use for the set-up and do not see it. A refused form comes back filled in
// with the error above it, so nothing typed is lost.
import type { Context, Hono } from 'hono';
import type { AppEnv, RequestContext } from '../platform/web/context.ts';
import { Form, Layout } from '../platform/web/layout.tsx';
import { actorOf, requireViewer } from '../platform/web/guards.ts';
import { attempt, formValues, FormError, intParam, QueryNotice, refusedValue, type Refused } from '../platform/web/forms.tsx';
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
      <label for={`${form}-pattern`}>{t('accounting.setup.pattern')}</label>
      <input type="text" id={`${form}-pattern`} name="pattern" required minlength={2} maxlength={100} value={val(r, form, 'pattern', rule?.pattern)} disabled={!w} />
      <label for={`${form}-account`}>{t('accounting.account')}</label>
      <input type="text" id={`${form}-account`} name="account" required inputmode="numeric" list="accounts" value={val(r, form, 'account', rule?.account_number)} disabled={!w} />
      <label for={`${form}-tp`}>{t('accounting.thirdParty')}</label>
      <input type="text" id={`${form}-tp`} name="thirdParty" value={val(r, form, 'thirdParty', rule?.third_party_code ?? '')} disabled={!w} />
      <label for={`${form}-section`}>{t('accounting.section')}</label>
      <select id={`${form}-section`} name="section" disabled={!w}>
        <option value="">–</option>
        {sections.map((s) => <option value={s.code} selected={val(r, form, 'section', rule?.section_code ?? '') === s.code}>{`${s.code} – ${s.label}`}</option>)}
      </select>
      <label for={`${form}-priority`}>{t('accounting.setup.priority')}</label>
      <input type="text" id={`${form}-priority`} name="priority" inputmode="numeric" value={val(r, form, 'priority', String(rule?.priority ?? 100))} disabled={!w} />
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
            <label for={`bank-${b.id}-label`}>{t('accounting.label')}</label>
            <input type="text" id={`bank-${b.id}-label`} name="label" required maxlength={200} value={val(r, `bank-${b.id}`, 'label', b.label)} disabled={!w} />
            <label for={`bank-${b.id}-iban`}>IBAN</label>
            <input type="text" id={`bank-${b.id}-iban`} name="iban" value={val(r, `bank-${b.id}`, 'iban', b.iban ?? '')} disabled={!w} />
            {w && <button type="submit">{t('accounting.setup.save')}</button>}
          </Form>
        </section>
      ))}
      {w && (
        <section class="card">
          <h3>{t('accounting.setup.newBankAccount')}</h3>
          <Failed r={r} form="newBank" />
          <Form rc={rc} action="/accounting/setup/bank-accounts">
            <label for="newBank-number">{t('accounting.setup.bankNumber')}</label>
            <input type="text" id="newBank-number" name="number" required inputmode="numeric" placeholder="5121" value={val(r, 'newBank', 'number')} />
            <label for="newBank-label">{t('accounting.label')}</label>
            <input type="text" id="newBank-label" name="label" required maxlength={200} value={val(r, 'newBank', 'label')} />
            <label for="newBank-iban">IBAN</label>
            <input type="text" id="newBank-iban" name="iban" value={val(r, 'newBank', 'iban')} />
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
            <Form rc={rc} action={`/accounting/setup/rules/${rule.id}/delete`}>
              <button type="submit" class="secondary">{t('accounting.setup.delete')}</button>
            </Form>
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
                  {w ? (
                    <Form rc={rc} action={`/accounting/setup/accounts/${a.number}`} class="inline">
                      <Failed r={r} form={`account-${a.number}`} />
                      <input type="text" name="label" aria-label={`${t('accounting.label')} ${a.number}`} required maxlength={200} value={val(r, `account-${a.number}`, 'label', a.label)} />{' '}
                      <button type="submit" class="secondary">{t('accounting.setup.save')}</button>
                    </Form>
                  ) : a.label}
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
            <label for="newAccount-parent">{t('accounting.setup.parent')}</label>
            <input type="text" id="newAccount-parent" name="parent" required inputmode="numeric" list="parents" placeholder="411" value={val(r, 'newAccount', 'parent')} />
            <label for="newAccount-number">{t('accounting.setup.number')}</label>
            <input type="text" id="newAccount-number" name="number" required inputmode="numeric" placeholder="4111" value={val(r, 'newAccount', 'number')} />
            <label for="newAccount-label">{t('accounting.label')}</label>
            <input type="text" id="newAccount-label" name="label" required maxlength={200} value={val(r, 'newAccount', 'label')} />
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
                  {w ? (
                    <Form rc={rc} action={`/accounting/setup/third-parties/${encodeURIComponent(p.code)}`} class="inline">
                      <Failed r={r} form={`tp-${p.code}`} />
                      <input type="text" name="label" aria-label={`${t('accounting.label')} ${p.code}`} required maxlength={200} value={val(r, `tp-${p.code}`, 'label', p.label)} />{' '}
                      <button type="submit" class="secondary">{t('accounting.setup.save')}</button>
                    </Form>
                  ) : p.label}
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
              <label for="newParty-code">{t('accounting.setup.code')}</label>
              <input type="text" id="newParty-code" name="code" required maxlength={40} placeholder="FOURN-PAPETARIA" value={val(r, 'newParty', 'code')} />
              <label for="newParty-label">{t('accounting.label')}</label>
              <input type="text" id="newParty-label" name="label" required maxlength={200} value={val(r, 'newParty', 'label')} />
              <label for="newParty-kind">{t('accounting.setup.kind')}</label>
              <select id="newParty-kind" name="kind">
                {kinds.map((k) => <option value={k} selected={val(r, 'newParty', 'kind', 'supplier') === k}>{t(`accounting.setup.kind.${k}`)}</option>)}
              </select>
              <label for="newParty-account">{t('accounting.setup.collective')}</label>
              <input type="text" id="newParty-account" name="account" required inputmode="numeric" list="collectives" placeholder="401" value={val(r, 'newParty', 'account')} />
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
              <label for="households-account">{t('accounting.setup.collective')}</label>
              <input type="text" id="households-account" name="account" required inputmode="numeric" list="collectives" placeholder="4111" value={val(r, 'households', 'account')} />
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
                  {w ? (
                    <Form rc={rc} action={`/accounting/setup/sections/${encodeURIComponent(s.code)}`} class="inline">
                      <Failed r={r} form={`section-${s.code}`} />
                      <input type="text" name="label" aria-label={`${t('accounting.label')} ${s.code}`} required maxlength={200} value={val(r, `section-${s.code}`, 'label', s.label)} />{' '}
                      <button type="submit" class="secondary">{t('accounting.setup.rename')}</button>
                    </Form>
                  ) : s.label}
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
            <label for="newSection-code">{t('accounting.setup.code')}</label>
            <input type="text" id="newSection-code" name="code" required maxlength={20} placeholder="KERMESSE" value={val(r, 'newSection', 'code')} />
            <label for="newSection-label">{t('accounting.label')}</label>
            <input type="text" id="newSection-label" name="label" required maxlength={200} value={val(r, 'newSection', 'label')} />
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
