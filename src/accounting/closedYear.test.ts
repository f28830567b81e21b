import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { asOwner, forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { addSubAccount, closeFiscalYear, createFiscalYear, letter, openItems, unletter } from './books.ts';
import { exportFec } from './fec.ts';
import { aValidatedEntry, TREASURER } from './testing.ts';

async function fecText(db: Parameters<typeof exportFec>[0], yearId: number) {
  const chunks: Buffer[] = [];
  await exportFec(db, yearId, (c) => void chunks.push(c), { encoding: 'utf-8' });
  return Buffer.concat(chunks).toString('utf8');
}

forEachDatabase('accounting: a closed year keeps its lettering', (t) => {
  test("a closed year's lettering cannot be removed, by the treasurer, on the web or in SQL: its FEC stays the closing one", async () => {
    const { db, handle } = t();
    await addSubAccount(db, TREASURER, '4111', 'Familles');
    await db.insertInto('third_party').values({ code: 'FAM-SERRA', label: 'Familha Serra', kind: 'household', account_number: '4111' }).execute();
    const fy = await createFiscalYear(db, TREASURER, '2023-09-01', '2024-08-31');
    await aValidatedEntry(db, { journal: 'VT', date: '2023-09-15', label: 'Cotisacion Serra', lines: [
      { account: '4111', thirdParty: 'FAM-SERRA', debit: 4500, credit: 0 },
      { account: '756', debit: 0, credit: 4500 },
    ] });
    await aValidatedEntry(db, { journal: 'BQ', date: '2023-09-20', label: 'Règlement Serra', lines: [
      { account: '512', debit: 4500, credit: 0 },
      { account: '4111', thirdParty: 'FAM-SERRA', debit: 0, credit: 4500 },
    ] });
    const open = await openItems(db, { thirdParty: 'FAM-SERRA', fiscalYearId: fy.id });
    const code = await letter(db, TREASURER, open.map((l) => l.id), '2023-09-21');
    await closeFiscalYear(db, TREASURER, fy.id);
    const before = await fecText(db, fy.id);
    assert.match(before, new RegExp(`\\t${code}\\t20230921\\t`));

    await assert.rejects(unletter(db, TREASURER, '4111', code), /letteringClosed/);
    await assert.rejects(sql`delete from lettering where account_number = '4111' and code = ${code}`.execute(db), /closed fiscal year/);
    await assert.rejects(sql`update lettering set code = 'ZZ' where account_number = '4111' and code = ${code}`.execute(db), /closed fiscal year/);
    // The serving role may not truncate at all (PostgreSQL); the schema refuses it to anyone.
    await assert.rejects(sql`truncate lettering`.execute(db), /append-only|permission denied/);
    await asOwner(handle, (owner) => assert.rejects(sql`truncate lettering`.execute(owner), /append-only/));

    const treasurer = await aPerson(db, { firstName: 'Joana', lastName: 'Tresaurièra' });
    await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }] });
    const app = await startTestPlatform(handle);
    try {
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      const res = await web.post('/accounting/open-items/unletter', { account: '4111', code });
      assert.equal(res.status, 409);
      const page = await res.text();
      assert.match(page, /appartient à l(&#39;|')exercice clôturé du 2023-09-01 au 2024-08-31/);
      assert.doesNotMatch(page, /closed fiscal year|P0001/);
    } finally {
      await app.close();
    }
    assert.equal(await fecText(db, fy.id), before);
  });
});
