import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { ACCOUNTANT_GROUP_SLUG } from './access.ts';
import { exportFec, FEC_COLUMNS } from './fec.ts';
import { aFiscalYear, aValidatedEntry, simpleLines } from './testing.ts';

forEachDatabase('accounting FEC pages and audit trail', (t) => {
  test('the accountant downloads the FEC under its legal name and uploads adjusting entries in its own journal only; errors are listed by line', async () => {
    const { db, handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const fy = await aFiscalYear(db, '2037-07-01', '2038-06-30');
      await aValidatedEntry(db, { journal: 'BQ', date: '2037-09-01', label: 'Cotisacion', lines: simpleLines('512', '756', 2500) });
      await aValidatedEntry(db, { journal: 'AC', date: '2037-09-02', label: 'Papetariá', lines: simpleLines('6064', '512', 1290) });
      const accountant = await aPerson(db, { firstName: 'Clara', lastName: 'Comptabla' });
      const g = await aGroup(db, { kind: 'other', members: [{ personId: accountant.id }] });
      await db.updateTable('directory_group').set({ slug: ACCOUNTANT_GROUP_SLUG }).where('id', '=', g.id).execute();
      const member = await aPerson(db);
      await aGroup(db, { kind: 'board', members: [{ personId: member.id, role: 'member' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, accountant.id);

      // Without a SIREN the download says what is missing.
      let res = await web.get(`/accounting/years/${fy.id}/fec`);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /SIREN/);
      await db.insertInto('setting').values({ key: 'accounting.siren', value: JSON.stringify('987654321') }).execute();
      res = await web.get(`/accounting/years/${fy.id}/fec`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-disposition'), 'attachment; filename="987654321FEC20380630.txt"');
      const bytes = Buffer.from(await res.arrayBuffer());
      const chunks: Buffer[] = [];
      await exportFec(db, fy.id, (c) => void chunks.push(c));
      assert.deepEqual(bytes, Buffer.concat(chunks));
      const text = iconv.decode(bytes, 'iso-8859-15').split('\r\n');
      assert.equal(text[0], FEC_COLUMNS.join('\t'));
      assert.equal(text.filter(Boolean).length, 5);
      res = await web.get(`/accounting/years/${fy.id}/fec?sep=pipe&utf8=1`);
      assert.match((await res.text()).split('\r\n')[1]!, /^BQ\|Banque\|1\|20370901\|512\|/);

      // Upload: the accountant's file may hold only the accountant's journal (EC).
      const header = FEC_COLUMNS.join('|');
      const row = (j: string, n: number, acc: string, d: string, c: string) => `${j}|Journal|${n}|20380630|${acc}|Compte|||R${n}|20380630|Régularisation|${d}|${c}|||20380630||`;
      const outside = [header, row('OD', 1, '6064', '10,00', '0,00'), row('OD', 1, '408', '0,00', '10,00'), row('EC', 2, '6064', '5,00', '0,00'), row('EC', 2, '408', '0,00', '5,00')].join('\r\n');
      const form = () => new FormData();
      let f = form();
      f.set('file', new File([outside], 'reg.txt', { type: 'text/plain' }));
      res = await web.postMultipart('/accounting/fec/import', f);
      assert.equal(res.status, 400);
      let page = await res.text();
      assert.match(page, /<td class="num">2<\/td><td>Le journal OD n(&#39;|')est pas ouvert à cet import \(seulement EC\)\.<\/td>/);
      assert.match(page, /<td class="num">3<\/td>/);
      assert.doesNotMatch(page, /<td class="num">4<\/td>/);
      const unbalanced = [header, row('EC', 1, '6064', '10,00', '0,00'), row('EC', 1, '408', '0,00', '9,00')].join('\r\n');
      f = form();
      f.set('file', new File([unbalanced], 'reg.txt'));
      res = await web.postMultipart('/accounting/fec/import', f);
      assert.equal(res.status, 400);
      page = await res.text();
      assert.match(page, /<td class="num">2<\/td><td>L(&#39;|')écriture EC 1 n(&#39;|')est pas équilibrée \(débit 10,00, crédit 9,00\)\.<\/td>/);
      assert.match(page, /rien n&#39;a été importé/);
      assert.equal((await db.selectFrom('entry').select('id').where('journal_code', '=', 'EC').execute()).length, 0);
      // A sub-account the books do not have is not created by the accountant's upload.
      const newAccount = [header, row('EC', 1, '60641', '10,00', '0,00'), row('EC', 1, '408', '0,00', '10,00')].join('\r\n');
      f = form();
      f.set('file', new File([newAccount], 'reg.txt'));
      res = await web.postMultipart('/accounting/fec/import', f);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /<td class="num">2<\/td><td>Le compte 60641 n(&#39;|')existe pas dans ces comptes : le trésorier l(&#39;|')ajoute d(&#39;|')abord\.<\/td>/);
      assert.equal(await db.selectFrom('account').select('number').where('number', '=', '60641').executeTakeFirst(), undefined);
      const good = [header, row('EC', 7, '6064', '5,00', '0,00'), row('EC', 7, '408', '0,00', '5,00')].join('\r\n');
      f = form();
      f.set('file', new File([good], 'reg.txt'));
      res = await web.postMultipart('/accounting/fec/import', f);
      assert.equal(res.status, 303);
      assert.match(await (await web.get(res.headers.get('location')!)).text(), /1 écriture\(s\), 2 ligne\(s\) importées et validées/);
      const ec = await db.selectFrom('entry').selectAll().where('journal_code', '=', 'EC').executeTakeFirstOrThrow();
      assert.deepEqual([ec.status, ec.number, ec.source_ref, ec.created_by_label], ['validated', 3, 'EC:7', 'Clara Comptabla']);
      // The same entry again, in another file: refused by name, in French, nothing doubled.
      const again = [header, row('EC', 7, '6064', '5,00', '0,00'), row('EC', 7, '408', '0,00', '5,00'), ''].join('\r\n');
      f = form();
      f.set('file', new File([again], 'reg-bis.txt'));
      res = await web.postMultipart('/accounting/fec/import', f);
      assert.equal(res.status, 400);
      page = await res.text();
      assert.match(page, /<td class="num">2<\/td><td>L(&#39;|')écriture EC 7 de l(&#39;|')exercice 2037-07-01 – 2038-06-30 a déjà été importée le \d{4}-\d{2}-\d{2}/);
      assert.doesNotMatch(page, /already imported|duplicate key/);
      assert.equal((await db.selectFrom('entry').select('id').where('journal_code', '=', 'EC').execute()).length, 1);

      // The audit trail shows who did what; board members see neither it nor the FEC.
      const audit = await (await web.get('/accounting/audit')).text();
      assert.match(audit, /<td>Clara Comptabla<\/td><td>fec\.import<\/td>/);
      assert.match(audit, /<td>entry\.validate<\/td><td>entry:/);
      const board = new WebClient(app.url);
      await board.signInAs(handle, member.id);
      for (const p of ['/accounting/fec', '/accounting/audit', `/accounting/years/${fy.id}/fec`]) assert.equal((await board.get(p)).status, 403, p);
    } finally {
      await app.close();
    }
  });
});
