import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aHousehold, aPerson } from '../directory/factories.ts';
import { ACCOUNTANT_GROUP_SLUG, booksRoleOf } from './access.ts';
import { addSubAccount } from './books.ts';
import { familiesSummed } from './reports.ts';
import { aFiscalYear, aValidatedEntry, TREASURER } from './testing.ts';

test('books roles: the treasurer and the accountant read the entries, a board or bureau member only the summaries', () => {
  assert.equal(booksRoleOf([{ kind: 'bureau', slug: 'b', role: 'treasurer' }]).readsEntries, true);
  assert.equal(booksRoleOf([{ kind: 'other', slug: ACCOUNTANT_GROUP_SLUG, role: 'member' }]).readsEntries, true);
  for (const role of ['member', 'secretary', 'president']) {
    const r = booksRoleOf([{ kind: 'board', slug: 'ca', role }, { kind: 'bureau', slug: 'b', role }]);
    assert.equal(r.canRead, true);
    assert.equal(r.readsEntries, false, role);
  }
  // The IT group runs the instance; it need not read any family's money.
  assert.equal(booksRoleOf([{ kind: 'it', slug: 'informatica', role: 'member' }]).canRead, false);
});

test("the board's trial balance sums the families' sub-accounts of 41 by sign, and keeps every total", () => {
  const rows = [
    { account: '41101', label: 'Familha Cassanha', debit: 1500, credit: 0, balance: 1500 },
    { account: '41102', label: 'Familha Delmas', debit: 3000, credit: 1000, balance: 2000 },
    { account: '41103', label: 'Familha Fabre', debit: 0, credit: 700, balance: -700 },
    { account: '4111', label: 'Familhas', debit: 200, credit: 0, balance: 200 },
    { account: '512', label: 'Banca', debit: 1000, credit: 0, balance: 1000 },
    { account: '756', label: 'Cotisacions', debit: 0, credit: 4500, balance: -4500 },
  ];
  const summed = familiesSummed(rows, (a) => (a === '411' ? 'Usagers' : '?'));
  assert.deepEqual(summed, [
    { account: '411', label: 'Usagers', debit: 4700, credit: 1000, balance: 3700 },
    { account: '411', label: 'Usagers', debit: 0, credit: 700, balance: -700 },
    { account: '512', label: 'Banca', debit: 1000, credit: 0, balance: 1000 },
    { account: '756', label: 'Cotisacions', debit: 0, credit: 4500, balance: -4500 },
  ]);
});

forEachDatabase('accounting: who sees each family’s money', (t) => {
  test('a board member reads the income statement and the balance sheet but not a family’s ledger, entries, open items or bank lines; the treasurer and the accountant see it all', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      await aFiscalYear(db, '2031-09-01', '2032-08-31');
      const P = 'from=2031-09-01&to=2032-08-31';
      await addSubAccount(db, TREASURER, '4111', 'Familhas');
      // Some books keep one account per family (a FEC from another software does): it names the family.
      await addSubAccount(db, TREASURER, '41101', 'Familha Cassanha');
      const bonafont = await aHousehold(db, { name: 'Familha Bonafont' });
      await db.insertInto('third_party').values({ code: `FAM-${bonafont.id}`, label: 'Familha Bonafont', kind: 'household', account_number: '4111', household_id: bonafont.id }).execute();
      const fee = await aValidatedEntry(db, { journal: 'VT', date: '2031-09-15', label: 'Cotisacion Bonafont', lines: [
        { account: '4111', thirdParty: `FAM-${bonafont.id}`, debit: 1500, credit: 0 },
        { account: '41101', debit: 1500, credit: 0 },
        { account: '756', debit: 0, credit: 3000 },
      ] });
      await aValidatedEntry(db, { journal: 'BQ', date: '2031-10-01', label: 'Reglament Cassanha', lines: [
        { account: '512', debit: 1000, credit: 0 },
        { account: '41101', debit: 0, credit: 1000 },
      ] });
      await db.insertInto('bank_account').values({ label: 'Compte corrent', account_number: '512' }).execute();

      const people = {
        board: await aPerson(db, { firstName: 'Pèire', lastName: 'Conselhièr' }),
        secretary: await aPerson(db, { firstName: 'Clara', lastName: 'Secretària' }),
        treasurer: await aPerson(db, { firstName: 'Mirelha', lastName: 'Tresaurièra' }),
        accountant: await aPerson(db, { firstName: 'Joan', lastName: 'Comptable' }),
        admin: await aPerson(db, { firstName: 'Admin', lastName: 'Informatic' }),
      };
      await aGroup(db, { kind: 'board', members: [{ personId: people.board.id, role: 'member' }] });
      await aGroup(db, { kind: 'bureau', members: [{ personId: people.treasurer.id, role: 'treasurer' }, { personId: people.secretary.id, role: 'secretary' }] });
      const firm = await aGroup(db, { kind: 'other', members: [{ personId: people.accountant.id }] });
      await db.updateTable('directory_group').set({ slug: ACCOUNTANT_GROUP_SLUG }).where('id', '=', firm.id).execute();
      await db.updateTable('person').set({ is_platform_admin: true }).where('id', '=', people.admin.id).execute();
      const as = async (p: { id: number }) => {
        const w = new WebClient(app.url);
        await w.signInAs(handle, p.id);
        return w;
      };
      const family = /Bonafont|Cassanha|FAM-/;
      const perFamily = [
        `/accounting/ledger?${P}&account=411`,
        `/accounting/ledger?${P}&account=411&format=csv`,
        `/accounting/ledger?${P}`,
        `/accounting/journal?${P}`,
        `/accounting/journal?${P}&view=print`,
        `/accounting/entries/${fee.id}`,
        '/accounting/open-items',
        '/accounting/bank',
      ];

      for (const who of [people.board, people.secretary]) {
        const web = await as(who);
        for (const path of perFamily) {
          const res = await web.get(path);
          assert.equal(res.status, 403, path);
          assert.doesNotMatch(await res.text(), family, path);
        }
        const home = await web.get(`/accounting?${P}`);
        assert.equal(home.status, 200);
        const homeText = await home.text();
        assert.doesNotMatch(homeText, family);
        assert.match(homeText, /href="\/accounting\/income-statement/);
        assert.doesNotMatch(homeText, /href="\/accounting\/(ledger|journal|open-items|bank)/);
        const income = await web.get(`/accounting/income-statement?${P}`);
        assert.equal(income.status, 200);
        assert.match(await income.text(), /30,00/);
        for (const path of ['/accounting/balance', '/accounting/balance-sheet']) {
          const res = await web.get(`${path}?${P}`);
          assert.equal(res.status, 200, path);
          const html = await res.text();
          assert.doesNotMatch(html, family, path);
          assert.doesNotMatch(html, /41101|4111\b/, path);
          assert.doesNotMatch(html, /href="\/accounting\/(ledger|journal)/, path);
          assert.match(html, /Usagers/, path);
        }
      }

      // The treasurer and the accountant open each family's ledger, with the same totals the board sees.
      const treasurer = await as(people.treasurer);
      const board = await as(people.board);
      for (const web of [treasurer, await as(people.accountant)]) {
        for (const path of perFamily) assert.equal((await web.get(path)).status, 200, path);
        const ledger = await (await web.get(`/accounting/ledger?${P}&account=411`)).text();
        assert.match(ledger, /Cassanha/);
        assert.match(ledger, new RegExp(`FAM-${bonafont.id}`));
      }
      const lastRow = async (web: WebClient, path: string) => (await (await web.get(`${path}?${P}&format=csv`)).text()).trim().split('\r\n').pop();
      for (const path of ['/accounting/balance', '/accounting/balance-sheet']) {
        assert.equal(await lastRow(board, path), await lastRow(treasurer, path), path);
      }
      assert.match(await (await treasurer.get(`/accounting/balance?${P}`)).text(), /41101/);

      // The IT group runs the instance, not the books.
      const admin = await as(people.admin);
      for (const path of [`/accounting?${P}`, `/accounting/ledger?${P}&account=411`, `/accounting/income-statement?${P}`]) {
        assert.equal((await admin.get(path)).status, 403, path);
      }
    } finally {
      await app.close();
    }
  });
});
