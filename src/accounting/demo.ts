// The demo association's books: one fiscal year on the current school year, with membership
// fees, ALSH fees, CAF and town grants, purchases, bank fees and volunteering, so that every
// report has something to show on first start. Registered on the directory's demo hook.
import type { DemoContext } from '../platform/module.ts';
import type { Queryable } from '../platform/db.ts';
import { currentYear } from '../directory/people.ts';
import { addSubAccount, createEntry, createFiscalYear, validateEntry } from './books.ts';
import { importStatement, matchStatementLines } from './bank.ts';
import type { LineInput } from './rules.ts';

const MONTHS = ['setembre', 'octòbre', 'novembre', 'decembre', 'genièr', 'febrièr', 'març', 'abril', 'mai', 'junh'];

function addMonths(iso: string, m: number, day: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + m, day);
  return d.toISOString().slice(0, 10);
}

export async function loadDemoBooks(trx: Queryable, ctx: DemoContext) {
  const year = await currentYear(trx);
  if (!year) return { entries: 0 };
  const overlapping = await trx.selectFrom('fiscal_year').select('id').where('starts_on', '<=', year.ends_on).where('ends_on', '>=', year.starts_on).executeTakeFirst();
  if (overlapping) return { entries: 0 };
  const fy = await createFiscalYear(trx, ctx.actor, year.starts_on, year.ends_on);
  for (const [n, l] of [['5121', 'Banca – compte corrent'], ['4111', 'Familhas'], ['4011', 'Provesidors'], ['7061', 'Participacions ALSH'], ['7481', 'CAF – prestacion de servici'], ['7441', 'Subvencion de la comuna']] as const) {
    await addSubAccount(trx, ctx.actor, n, l);
  }
  await trx.insertInto('analytic_section').values([
    { code: 'ESCOLA', label: 'Escòla', school_id: ctx.schoolIds[0] ?? null },
    { code: 'ALSH', label: 'Acuèlh de lésers', school_id: null },
    { code: 'FESTA', label: 'Fèsta de fin d\'annada', school_id: null },
  ]).execute();
  const households = await trx.selectFrom('dir_household').select(['id', 'name']).orderBy('id').execute();
  await trx.insertInto('third_party').values(households.map((h) => ({ code: `FAM-${h.id}`, label: h.name.slice(0, 200), kind: 'household' as const, account_number: '4111', household_id: h.id }))).execute();
  await trx.insertInto('third_party').values([
    { code: 'PAPETARIA', label: 'Papetariá del Pont', kind: 'supplier', account_number: '4011', household_id: null },
    { code: 'ASSEGURANCA', label: 'Mutuala dels parents', kind: 'supplier', account_number: '4011', household_id: null },
  ]).execute();

  let count = 0;
  const post = async (journal: string, date: string, label: string, lines: LineInput[], validate = true) => {
    const e = await createEntry(trx, ctx.actor, { journal, date, label, pieceRef: `${journal}-${count + 1}`, lines });
    if (validate) await validateEntry(trx, ctx.actor, e.id);
    count++;
  };
  const start = year.starts_on;
  // Membership fees (cotisations): 15 € per household, called in September, most paid by October.
  const fee = 1500;
  await post('VT', addMonths(start, 0, 15), 'Cotisacions de l\'annada', [
    ...households.map((h) => ({ account: '4111', thirdParty: `FAM-${h.id}`, debit: fee, credit: 0 })),
    { account: '756', debit: 0, credit: fee * households.length },
  ]);
  const payers = households.filter((_, i) => i % 10 !== 3);
  await post('BQ', addMonths(start, 1, 5), 'Remesa de chèques – cotisacions', [
    { account: '5121', debit: fee * payers.length, credit: 0 },
    ...payers.map((h) => ({ account: '4111', thirdParty: `FAM-${h.id}`, debit: 0, credit: fee })),
  ]);
  // ALSH fees every month for the families of the after-school centre.
  const alsh = households.filter((_, i) => i % 4 === 0);
  for (const [m, name] of MONTHS.entries()) {
    const amount = (h: { id: number }) => 2000 + (h.id % 5) * 500;
    const total = alsh.reduce((s, h) => s + amount(h), 0);
    await post('VT', addMonths(start, m, 28), `ALSH – ${name}`, [
      ...alsh.map((h) => ({ account: '4111', thirdParty: `FAM-${h.id}`, debit: amount(h), credit: 0, section: 'ALSH' })),
      { account: '7061', debit: 0, credit: total, section: 'ALSH' },
    ]);
    if (m < 9) {
      await post('BQ', addMonths(start, m + 1, 10), `Règlaments ALSH – ${name}`, [
        { account: '5121', debit: total, credit: 0 },
        ...alsh.map((h) => ({ account: '4111', thirdParty: `FAM-${h.id}`, debit: 0, credit: amount(h) })),
      ]);
    }
    await post('BQ', addMonths(start, m, 28), `Fraises bancaris – ${name}`, [
      { account: '627', debit: 850, credit: 0 },
      { account: '5121', debit: 0, credit: 850 },
    ]);
  }
  // Grants: CAF (prestation de service) twice, the town once.
  await post('BQ', addMonths(start, 3, 12), 'CAF – acompte prestacion de servici', [
    { account: '5121', debit: 420000, credit: 0 },
    { account: '7481', debit: 0, credit: 420000, section: 'ALSH' },
  ]);
  await post('BQ', addMonths(start, 8, 12), 'CAF – solde prestacion de servici', [
    { account: '5121', debit: 280000, credit: 0 },
    { account: '7481', debit: 0, credit: 280000, section: 'ALSH' },
  ]);
  await post('BQ', addMonths(start, 2, 20), 'Subvencion de la comuna', [
    { account: '5121', debit: 150000, credit: 0 },
    { account: '7441', debit: 0, credit: 150000, section: 'ESCOLA' },
  ]);
  // Purchases on supplier invoices, then paid.
  for (const [i, [acc, label, cents, section]] of ([
    ['6064', 'Fornituras de burèu', 18450, 'ESCOLA'],
    ['6063', 'Jòcs e material ALSH', 64990, 'ALSH'],
    ['616', 'Assegurança de l\'associacion', 41200, 'ESCOLA'],
    ['6063', 'Material de la fèsta', 23075, 'FESTA'],
  ] as const).entries()) {
    const supplier = acc === '616' ? 'ASSEGURANCA' : 'PAPETARIA';
    await post('AC', addMonths(start, i * 2 + 1, 3), label, [
      { account: acc, debit: cents, credit: 0, section },
      { account: '4011', thirdParty: supplier, debit: 0, credit: cents },
    ]);
    await post('BQ', addMonths(start, i * 2 + 1, 25), `Pagament – ${label}`, [
      { account: '4011', thirdParty: supplier, debit: cents, credit: 0 },
      { account: '5121', debit: 0, credit: cents },
    ]);
  }
  // Volunteering valued as a contribution in kind (86/87), and a draft left to validate.
  await post('OD', addMonths(start, 9, 20), 'Benevolat – fèsta de fin d\'annada', [
    { account: '864', debit: 120000, credit: 0, section: 'FESTA' },
    { account: '870', debit: 0, credit: 120000, section: 'FESTA' },
  ]);
  await post('AC', addMonths(start, 9, 22), 'Gostar de la fèsta (de validar)', [
    { account: '6063', debit: 9800, credit: 0, section: 'FESTA' },
    { account: '4011', thirdParty: 'PAPETARIA', debit: 0, credit: 9800 },
  ], false);
  await demoBank(trx, ctx, fy.ends_on);
  return { entries: count };
}

/**
 * The bank's side: the account with its statement lines (the bank's movements of the first
 * months, as an imported statement would bring them, plus a transfer not yet entered),
 * matched to the entries, and two rules for the next statements.
 */
async function demoBank(trx: Queryable, ctx: DemoContext, yearEnd: string) {
  // A sample IBAN with valid check digits (the one banks print in their documentation).
  const bank = await trx.insertInto('bank_account').values({ account_number: '5121', label: 'Banca – compte corrent', iban: 'FR7630006000011234567890189' }).returning('id').executeTakeFirstOrThrow();
  await trx.insertInto('bank_rule').values([
    { bank_account_id: bank.id, pattern: 'CAF', account_number: '7481', section_code: 'ALSH', priority: 10 },
    { bank_account_id: bank.id, pattern: 'FRAIS', account_number: '627', priority: 20 },
  ]).execute();
  const moves = await trx
    .selectFrom('entry_line as l')
    .innerJoin('entry as e', 'e.id', 'l.entry_id')
    .select(['e.entry_date', 'e.label', 'l.debit_cents', 'l.credit_cents'])
    .where('l.account_number', '=', '5121')
    .where('e.status', '=', 'validated')
    .orderBy('e.entry_date')
    .orderBy('l.id')
    .limit(12)
    .execute();
  const lines = moves.map((m, i) => ({ bookedOn: m.entry_date, amount: m.debit_cents - m.credit_cents, label: m.label.toUpperCase(), fingerprint: `demo:${i}` }));
  const last = moves.at(-1)?.entry_date ?? yearEnd;
  lines.push({ bookedOn: last, amount: 2500, label: 'VIR FAMILHA – DON', fingerprint: 'demo:don' });
  await importStatement(trx, ctx.actor, bank.id, 'ofx', { lines, closingBalance: null, closingDate: null });
  // Only entries are matched here: a rule would draft, and the demo keeps one draft to validate.
  await matchStatementLines(trx, ctx.actor, bank.id, { rules: false });
}
