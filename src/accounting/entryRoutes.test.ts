import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { closeFiscalYear, createEntry } from './books.ts';
import { trialBalance } from './reports.ts';
import { aFiscalYear, aValidatedEntry, simpleLines, TREASURER } from './testing.ts';

forEachDatabase('accounting entry page: reversal', (t) => {
  test('the treasurer reverses a validated entry from its page: a validated mirror entry, once, in an open year', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const closed = await aFiscalYear(db, '2034-09-01', '2035-08-31');
      await closeFiscalYear(db, TREASURER, closed.id); // opens 2035-09-01 – 2036-08-31
      const e = await aValidatedEntry(db, { journal: 'AC', date: '2035-10-01', label: 'Facture en doble', lines: [
        { account: '6064', debit: 3150, credit: 0, section: null, label: 'Cahièrs' },
        { account: '512', debit: 0, credit: 3150 },
      ] });
      const draft = await createEntry(db, TREASURER, { journal: 'OD', date: '2035-10-02', label: 'Borrolhon', lines: simpleLines('6064', '512', 10) });
      const treasurer = await aPerson(db, { firstName: 'Mirelha', lastName: 'Tresaurièra' });
      const member = await aPerson(db);
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }, { personId: member.id, role: 'member' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);

      let page = await (await web.get(`/accounting/entries/${e.id}`)).text();
      assert.match(page, new RegExp(`action="/accounting/entries/${e.id}/reverse"`));
      // A draft is corrected, not reversed: no button, and the route refuses.
      assert.doesNotMatch(await (await web.get(`/accounting/entries/${draft.id}`)).text(), /\/reverse"/);
      assert.equal((await web.post(`/accounting/entries/${draft.id}/reverse`, { date: '2035-10-05' })).status, 409);
      // A board member neither reads the entry (it may name a family) nor reverses it; no CSRF token, no reversal.
      const board = new WebClient(app.url);
      await board.signInAs(handle, member.id);
      assert.equal((await board.get(`/accounting/entries/${e.id}`)).status, 403);
      assert.equal((await board.post(`/accounting/entries/${e.id}/reverse`, { date: '2035-10-05' })).status, 403);
      assert.equal((await web.post(`/accounting/entries/${e.id}/reverse`, { date: '2035-10-05' }, { csrf: null })).status, 403);

      // A date in the closed year is refused, with the date kept in the form.
      let res = await web.post(`/accounting/entries/${e.id}/reverse`, { date: '2035-03-01' });
      assert.equal(res.status, 409);
      page = await res.text();
      assert.match(page, /est clôturé/);
      assert.match(page, /value="2035-03-01"/);
      assert.equal((await db.selectFrom('entry').select('id').where('reverses_entry_id', '=', e.id).execute()).length, 0);

      res = await web.post(`/accounting/entries/${e.id}/reverse`, { date: '2035-10-05' });
      assert.equal(res.status, 303);
      const rev = await db.selectFrom('entry').selectAll().where('reverses_entry_id', '=', e.id).executeTakeFirstOrThrow();
      assert.equal(res.headers.get('location'), `/accounting/entries/${rev.id}?reversed=${e.id}`);
      assert.deepEqual([rev.status, rev.journal_code, rev.entry_date, rev.number, rev.validated_by_label], ['validated', 'AC', '2035-10-05', e.number! + 1, 'Mirelha Tresaurièra']);
      const lines = await db.selectFrom('entry_line').select(['account_number', 'debit_cents', 'credit_cents', 'label']).where('entry_id', '=', rev.id).orderBy('line_no').execute();
      assert.deepEqual(lines, [
        { account_number: '6064', debit_cents: 0, credit_cents: 3150, label: 'Cahièrs' },
        { account_number: '512', debit_cents: 3150, credit_cents: 0, label: '' },
      ]);
      const tb = await trialBalance(db, { from: '2035-09-01', to: '2036-08-31' });
      assert.equal(tb.rows.find((r) => r.account === '6064')!.balance, 0);
      assert.match(await (await web.get(`/accounting/entries/${rev.id}?reversed=${e.id}`)).text(), new RegExp(`Contre-passe l&#39;écriture <a href="/accounting/entries/${e.id}">`));
      page = await (await web.get(`/accounting/entries/${e.id}`)).text();
      assert.match(page, new RegExp(`Contre-passée par l&#39;écriture <a href="/accounting/entries/${rev.id}">`));
      assert.doesNotMatch(page, /\/reverse"/);
      // Once only.
      res = await web.post(`/accounting/entries/${e.id}/reverse`, { date: '2035-10-06' });
      assert.equal(res.status, 409);
      assert.match(await res.text(), /déjà contre-passée/);
      const audit = await db.selectFrom('audit_event').select('action').where('subject', '=', `entry:${rev.id}`).execute();
      assert.deepEqual(audit.map((a) => a.action).sort(), ['accounting.entry.create', 'accounting.entry.validate']);
    } finally {
      await app.close();
    }
  });
});
