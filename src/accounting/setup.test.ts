import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { ACCOUNTANT_GROUP_SLUG } from './access.ts';
import { createEntry } from './books.ts';
import { importStatement, matchStatementLines } from './bank.ts';
import { archiveSection, createBankAccount, createBankRule, createSection, createSubAccount, createThirdParty, normaliseIban } from './setup.ts';
import { aFiscalYear, simpleLines, TREASURER } from './testing.ts';

test('an IBAN is accepted with spaces and checked by its check digits', () => {
  assert.equal(normaliseIban('fr76 3000 6000 0112 3456 7890 189'), 'FR7630006000011234567890189');
  assert.equal(normaliseIban('  '), null);
  assert.throws(() => normaliseIban('FR7630006000011234567890188'), /iban/);
});

forEachDatabase('accounting set-up: operations', (t) => {
  test('a sub-account extends its parent; duplicates and strays are refused with a clear reason', async () => {
    const { db } = t();
    await createSubAccount(db, TREASURER, { parent: '411', number: '4111', label: 'Familhas' });
    await assert.rejects(createSubAccount(db, TREASURER, { parent: '411', number: '4111', label: 'Encara' }), /accountExists/);
    await assert.rejects(createSubAccount(db, TREASURER, { parent: '411', number: '5121', label: 'Banca' }), /notUnderParent/);
    await assert.rejects(createSubAccount(db, TREASURER, { parent: '4119', number: '41191', label: 'x' }), /noAccount/);
    await assert.rejects(createSubAccount(db, TREASURER, { parent: '411', number: '4112', label: ' ' }), /error\.label/);
    const events = await db.selectFrom('audit_event').select(['action', 'subject', 'actor_label']).where('action', '=', 'accounting.account.create').execute();
    assert.deepEqual(events, [{ action: 'accounting.account.create', subject: 'account:4111', actor_label: TREASURER.label }]);
  });

  test('a bank account gets its own 512 sub-account; rules need existing accounts, parties and open sections', async () => {
    const { db } = t();
    const b = await createBankAccount(db, TREASURER, { number: '5121', label: 'Banca Occitana', iban: 'FR76 3000 6000 0112 3456 7890 189' });
    assert.equal(b.iban, 'FR7630006000011234567890189');
    assert.equal((await db.selectFrom('account').select('label').where('number', '=', '5121').executeTakeFirstOrThrow()).label, 'Banca Occitana');
    await assert.rejects(createBankAccount(db, TREASURER, { number: '5121', label: 'Doble', iban: '' }), /bankAccountExists/);
    await assert.rejects(createBankAccount(db, TREASURER, { number: '4111', label: 'Pas banca', iban: '' }), /bankUnder512/);
    await createSection(db, TREASURER, { code: 'alsh', label: 'Centre de lésers' });
    await assert.rejects(createSection(db, TREASURER, { code: 'ALSH', label: 'Doble' }), /sectionExists/);
    await createSubAccount(db, TREASURER, { parent: '401', number: '4011', label: 'Provesidors' });
    await createThirdParty(db, TREASURER, { code: 'PAPETARIA', label: 'Papetariá del Carrèr', kind: 'supplier', account: '4011' });
    await assert.rejects(createThirdParty(db, TREASURER, { code: 'PAPETARIA', label: 'Doble', kind: 'supplier', account: '4011' }), /thirdPartyExists/);
    await assert.rejects(createThirdParty(db, TREASURER, { code: 'FAM-X', label: 'Familha', kind: 'household', account: '4011' }), /thirdPartyUnder/);
    await assert.rejects(createBankRule(db, TREASURER, { bankAccountId: b.id, pattern: 'CAF', account: '74499', thirdParty: '', section: '', priority: '' }), /noAccount/);
    await assert.rejects(createBankRule(db, TREASURER, { bankAccountId: b.id, pattern: 'PAPET', account: '6064', thirdParty: 'PAPETARIA', section: '', priority: '' }), /thirdPartyAccount/);
    const rule = await createBankRule(db, TREASURER, { bankAccountId: b.id, pattern: 'CAF', account: '745', thirdParty: '', section: 'ALSH', priority: '10' });
    assert.equal(rule.section_code, 'ALSH');
    // A section that a rule uses is not archived; once free, it is, and takes no new line.
    await assert.rejects(archiveSection(db, TREASURER, 'ALSH', true), /sectionInRules/);
    await db.deleteFrom('bank_rule').where('id', '=', rule.id).execute();
    await archiveSection(db, TREASURER, 'ALSH', true);
    await assert.rejects(createBankRule(db, TREASURER, { bankAccountId: null, pattern: 'CAF', account: '745', thirdParty: '', section: 'ALSH', priority: '' }), /sectionArchived/);
    await aFiscalYear(db, '2040-01-01', '2040-12-31');
    await assert.rejects(createEntry(db, TREASURER, { journal: 'OD', date: '2040-02-01', label: 'x', lines: simpleLines('6064', '5121', 100, { section: 'ALSH' }) }), /archived/);
    await assert.rejects(sql`insert into entry_line (entry_id, line_no, account_number, debit_cents, section_code) values (1, 1, '606', 1, 'ALSH')`.execute(db), /archived|foreign key/);
    await archiveSection(db, TREASURER, 'ALSH', false);
    await createEntry(db, TREASURER, { journal: 'OD', date: '2040-02-01', label: 'Jòcs', lines: simpleLines('6064', '5121', 100, { section: 'ALSH' }) });
  });
});

forEachDatabase('accounting set-up: pages', (t) => {
  test('the treasurer manages banks, rules, sub-accounts, third parties and sections; a refused form keeps what was typed', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const treasurer = await aPerson(db, { firstName: 'Mirelha', lastName: 'Tresaurièra' });
      const member = await aPerson(db, { firstName: 'Pèire', lastName: 'Conselhièr' });
      const accountant = await aPerson(db, { firstName: 'Clara', lastName: 'Comptabla' });
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }, { personId: member.id, role: 'secretary' }] });
      const g = await aGroup(db, { kind: 'other', members: [{ personId: accountant.id }] });
      await db.updateTable('directory_group').set({ slug: ACCOUNTANT_GROUP_SLUG }).where('id', '=', g.id).execute();
      const household = await db.insertInto('household').values({ name: 'Familha Ròca' }).returning('id').executeTakeFirstOrThrow();
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);

      // Bank account, then a bad one: the error and the typed values come back.
      let res = await web.post('/accounting/setup/bank-accounts', { number: '5121', label: 'Banca Occitana', iban: 'FR76 3000 6000 0112 3456 7890 189' });
      assert.equal(res.status, 303);
      res = await web.post('/accounting/setup/bank-accounts', { number: '4117', label: 'Mon libellat perdut ?', iban: '' });
      assert.equal(res.status, 400);
      let html = await res.text();
      assert.match(html, /sous-compte de 512/);
      assert.match(html, /value="4117"/);
      assert.match(html, /value="Mon libellat perdut \?"/);
      // Without the CSRF token nothing is written.
      assert.equal((await web.post('/accounting/setup/bank-accounts', { number: '5122', label: 'x', iban: '' }, { csrf: null })).status, 403);
      const bank = await db.selectFrom('bank_account').selectAll().executeTakeFirstOrThrow();
      assert.equal(bank.account_number, '5121');
      res = await web.post(`/accounting/setup/bank-accounts/${bank.id}`, { label: 'Banca Occitana – corrent', iban: 'FR00 nope' });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /IBAN invalide/);
      assert.equal((await web.post(`/accounting/setup/bank-accounts/${bank.id}`, { label: 'Banca Occitana – corrent', iban: '' })).status, 303);

      // Sub-accounts and third parties.
      res = await web.post('/accounting/setup/accounts', { parent: '411', number: '5129', label: 'Perdut' });
      assert.equal(res.status, 400);
      html = await res.text();
      assert.match(html, /n&#39;est pas un sous-compte de 411|n'est pas un sous-compte de 411/);
      assert.match(html, /value="5129"/);
      assert.equal((await web.post('/accounting/setup/accounts', { parent: '411', number: '4111', label: 'Familhas' })).status, 303);
      res = await web.post('/accounting/setup/accounts', { parent: '411', number: '4111', label: 'Familhas' });
      assert.equal(res.status, 409);
      assert.match(await res.text(), /existe déjà/);
      assert.equal((await web.post('/accounting/setup/accounts', { parent: '401', number: '4011', label: 'Provesidors' })).status, 303);
      assert.equal((await web.post('/accounting/setup/third-parties', { code: 'PAPETARIA', label: 'Papetariá', kind: 'supplier', account: '4011', household: '' })).status, 303);
      assert.equal((await web.post('/accounting/setup/third-parties', { code: 'FAM-ROCA', label: 'Familha Ròca', kind: 'household', account: '4111', household: String(household.id) })).status, 303);
      res = await web.post('/accounting/setup/third-parties', { code: 'FAM-ROCA2', label: 'Doble', kind: 'household', account: '4111', household: String(household.id) });
      assert.equal(res.status, 409);
      assert.match(await res.text(), /a déjà son tiers : FAM-ROCA/);
      assert.equal((await web.post('/accounting/setup/third-parties/PAPETARIA', { label: 'Papetariá del Carrèr' })).status, 303);
      await db.insertInto('household').values({ name: 'Familha Bosc' }).execute();
      assert.equal((await web.post('/accounting/setup/third-parties/households', { account: '4111' })).status, 303);
      const parties = await db.selectFrom('third_party').select(['code', 'label', 'kind', 'account_number']).orderBy('code').execute();
      assert.deepEqual(parties.map((p) => [p.code, p.label, p.kind, p.account_number]), [
        [`FAM-${household.id + 1}`, 'Familha Bosc', 'household', '4111'],
        ['FAM-ROCA', 'Familha Ròca', 'household', '4111'],
        ['PAPETARIA', 'Papetariá del Carrèr', 'supplier', '4011'],
      ]);

      // Sections: create, rename, archive.
      assert.equal((await web.post('/accounting/setup/sections', { code: 'kermesse', label: 'Fèsta' })).status, 303);
      assert.equal((await web.post('/accounting/setup/sections/KERMESSE', { label: "Fèsta de l'escòla" })).status, 303);
      res = await web.post('/accounting/setup/sections', { code: 'pas bon!', label: 'Gardat' });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /value="Gardat"/);

      // Rules: create, a refused edit keeps the values, edit, delete; a rule drafts an entry.
      assert.equal((await web.post('/accounting/setup/rules', { bank: String(bank.id), pattern: 'PAPET', account: '4011', thirdParty: 'PAPETARIA', section: 'KERMESSE', priority: '5' })).status, 303);
      const rule = await db.selectFrom('bank_rule').selectAll().executeTakeFirstOrThrow();
      res = await web.post(`/accounting/setup/rules/${rule.id}`, { bank: '', pattern: 'PAPETARIÁ', account: '6064', thirdParty: 'PAPETARIA', section: '', priority: '5' });
      assert.equal(res.status, 400);
      html = await res.text();
      assert.match(html, /suivi sur le compte 4011/);
      assert.match(html, /value="PAPETARIÁ"/);
      assert.equal((await web.post(`/accounting/setup/rules/${rule.id}`, { bank: '', pattern: 'PAPETARIÁ', account: '4011', thirdParty: 'PAPETARIA', section: 'KERMESSE', priority: '5' })).status, 303);
      assert.equal((await db.selectFrom('bank_rule').select('pattern').executeTakeFirstOrThrow()).pattern, 'PAPETARIÁ');
      res = await web.post('/accounting/setup/sections/KERMESSE/archive', {});
      assert.equal(res.status, 409);
      assert.match(await res.text(), /règles bancaires \(PAPETARIÁ\)/);
      await aFiscalYear(db, '2041-01-01', '2041-12-31');
      await importStatement(db, TREASURER, bank.id, 'csv', { lines: [{ bookedOn: '2041-03-01', amount: -4500, label: 'CB Papetariá del Carrèr', fingerprint: 'x1' }], closingBalance: null, closingDate: null });
      assert.equal((await matchStatementLines(db, TREASURER, bank.id)).drafted, 1);
      const drafted = await db.selectFrom('entry_line').select(['account_number', 'third_party_code', 'section_code', 'debit_cents']).where('line_no', '=', 2).executeTakeFirstOrThrow();
      assert.deepEqual(drafted, { account_number: '4011', third_party_code: 'PAPETARIA', section_code: 'KERMESSE', debit_cents: 4500 });
      assert.equal((await web.post(`/accounting/setup/rules/${rule.id}/delete`, {})).status, 303);
      assert.equal((await db.selectFrom('bank_rule').select('id').execute()).length, 0);
      assert.equal((await web.post('/accounting/setup/sections/KERMESSE/archive', {})).status, 303);
      assert.match(await (await web.get('/accounting/setup/sections')).text(), /archivée/);

      // Every change is in the audit trail under the treasurer's name.
      const actions = (await db.selectFrom('audit_event').select('action').where('actor_label', '=', 'Mirelha Tresaurièra').execute()).map((e) => e.action);
      for (const a of ['accounting.bank.account.create', 'accounting.bank.account.update', 'accounting.account.create', 'accounting.thirdParty.create', 'accounting.thirdParty.households', 'accounting.section.create', 'accounting.section.rename', 'accounting.bank.rule.create', 'accounting.bank.rule.update', 'accounting.bank.rule.delete', 'accounting.section.archive']) {
        assert.ok(actions.includes(a), a);
      }

      // The accountant reads the set-up without forms; a board member does not see it.
      const acc = new WebClient(app.url);
      await acc.signInAs(handle, accountant.id);
      const seen = await acc.get('/accounting/setup/bank');
      assert.equal(seen.status, 200);
      html = await seen.text();
      assert.match(html, /Banca Occitana – corrent/);
      assert.doesNotMatch(html, /action="\/accounting\/setup\/bank-accounts"/);
      assert.equal((await acc.post('/accounting/setup/sections', { code: 'X', label: 'x' })).status, 403);
      const board = new WebClient(app.url);
      await board.signInAs(handle, member.id);
      for (const p of ['/accounting/setup/bank', '/accounting/setup/accounts', '/accounting/setup/sections']) assert.equal((await board.get(p)).status, 403, p);
      assert.equal((await board.post('/accounting/setup/rules', { pattern: 'CAF', account: '745' })).status, 403);
    } finally {
      await app.close();
    }
  });
});
