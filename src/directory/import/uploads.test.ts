// Uploads between preview and confirmation, on both databases: the file is read once, and
// what it holds (children's names) does not stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../../platform/testing.ts';
import { startTestPlatform } from '../../app/testing.ts';
import type { Db } from '../../platform/db.ts';
import { aCurrentYear, aPerson } from '../factories.ts';
import { readStats } from './offThread.ts';
import { confirmUpload, forgetOldUploads, getUpload, settleRuns, storeUpload, uploadPreview } from './uploads.ts';

let n = 0;
const tag = () => `${process.pid}u${++n}`;

async function anAdmin(db: Db) {
  const p = await aPerson(db, { firstName: 'Admin' });
  return { personId: p.id, label: 'Admin' };
}

function groupsFile(k: string, first = 'Ramon') {
  return { name: 'bureau.csv', bytes: Buffer.from(`groupe;type;prenom;nom;email;role\nBureau ${k};bureau;${first};Serras;ramon.${k}@example.org;tresorier\n`, 'utf8') };
}

async function stored(db: Db, id: number) {
  const r = await sql<{ sheets: unknown; preview: unknown; status: string }>`select sheets, preview, status from import_upload where id = ${id}`.execute(db);
  return r.rows[0];
}

forEachDatabase('directory import uploads', (t) => {
  test('a file is read once, at upload: the preview and the confirmation work from what was read then', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const admin = await anAdmin(db);
    const reads = readStats.started;
    const id = await storeUpload(db, admin, groupsFile(k));
    assert.equal(readStats.started, reads + 1);
    const preview = await uploadPreview(db, id);
    assert.deepEqual(preview?.errors, []);
    assert.equal(preview?.counts.people.create, 1);
    // The stored rows are what is applied: changed in the database, the change is what lands.
    await sql`update import_upload set sheets = replace(sheets::text, 'Ramon', 'Ramona')::jsonb where id = ${id}`.execute(db);
    const info = (await getUpload(db, id))!;
    assert.equal(await confirmUpload(db, admin, id, info.sha256), 'started');
    await settleRuns();
    assert.equal((await getUpload(db, id))!.status, 'applied');
    assert.equal(readStats.started, reads + 1, 'the file was not read again');
    const p = await db.selectFrom('person').innerJoin('person_email', 'person_email.person_id', 'person.id').select('first_name').where('email', '=', `ramon.${k}@example.org`).executeTakeFirstOrThrow();
    assert.equal(p.first_name, 'Ramona');
  });

  test('an applied upload keeps neither its rows nor its preview, and the schema holds it so', async () => {
    const { db } = t();
    await aCurrentYear(db);
    const k = tag();
    const admin = await anAdmin(db);
    const id = await storeUpload(db, admin, groupsFile(k));
    const before = await stored(db, id);
    assert.ok(before?.sheets && before.preview, 'kept until the confirmation');
    assert.equal(await confirmUpload(db, admin, id, (await getUpload(db, id))!.sha256), 'started');
    await settleRuns();
    assert.deepEqual(await stored(db, id), { sheets: null, preview: null, status: 'applied' });
    const cols = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'import_upload' and column_name = 'bytes'`.execute(db);
    assert.equal(cols.rows.length, 0, 'the bytes of a file are never stored');
    await assert.rejects(sql`update import_upload set sheets = '[]'::jsonb where id = ${id}`.execute(db), /import_upload_applied_keeps_no_rows/);
  });

  test('a failed apply drops its rows; uploads not applied are deleted 24 hours after they were made, at the next upload', async () => {
    const { db } = t();
    const year = await aCurrentYear(db);
    const k = tag();
    const admin = await anAdmin(db);
    const old = await storeUpload(db, admin, groupsFile(`${k}a`));
    const withErrors = await storeUpload(db, admin, { name: 'bad.csv', bytes: Buffer.from('ecole;classe;niveau\nX;CM9;CM9\n', 'utf8') });
    assert.equal((await stored(db, withErrors))?.sheets, null, 'a file with errors keeps no rows');
    const fresh = await storeUpload(db, admin, groupsFile(`${k}b`));
    const applied = await storeUpload(db, admin, groupsFile(`${k}c`));
    await confirmUpload(db, admin, applied, (await getUpload(db, applied))!.sha256);
    await settleRuns();
    // A failed run: the directory changed between preview and confirmation (here, no more year).
    const failing = await storeUpload(db, admin, { name: 'classes.csv', bytes: Buffer.from(`ecole;classe;niveau\nCalandreta ${k};CM1;CM1\n`, 'utf8') });
    await sql`update school_year set is_current = false where id = ${year.id}`.execute(db);
    await confirmUpload(db, admin, failing, (await getUpload(db, failing))!.sha256);
    await settleRuns();
    const f = await stored(db, failing);
    assert.equal(f?.status, 'failed');
    assert.equal(f?.sheets, null);
    assert.equal(f?.preview, null);
    await sql`update school_year set is_current = true where id = ${year.id}`.execute(db);

    await sql`update import_upload set created_at = now() - interval '25 hours' where id in (${old}, ${withErrors}, ${applied}, ${failing})`.execute(db);
    await storeUpload(db, admin, groupsFile(`${k}d`));
    const left = await sql<{ id: number }>`select id from import_upload where id in (${old}, ${withErrors}, ${fresh}, ${applied}, ${failing}) order by id`.execute(db);
    assert.deepEqual(left.rows.map((r) => Number(r.id)), [fresh, applied]);
    // And the sweep on its own (the import pages run it too).
    await sql`update import_upload set created_at = now() - interval '25 hours' where id = ${fresh}`.execute(db);
    assert.equal(await forgetOldUploads(db), 1);
  });

  test('a starting platform deletes the uploads left for more than 24 hours, without anyone opening the import', async () => {
    const { db, handle } = t();
    await aCurrentYear(db);
    const admin = await anAdmin(db);
    const left = await storeUpload(db, admin, groupsFile(tag()));
    await sql`update import_upload set created_at = now() - interval '25 hours' where id = ${left}`.execute(db);
    const app = await startTestPlatform(handle);
    try {
      assert.equal(await getUpload(db, left), undefined);
    } finally {
      await app.close();
    }
  });
});
