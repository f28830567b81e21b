import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { sql } from 'kysely';
import { forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aHousehold, aPerson } from '../directory/factories.ts';
import { hashSecret } from './tokens.ts';
import type { Db } from '../platform/db.ts';

/** The newest outbox message to an address, parsed: the way a person would read it. */
async function lastMailTo(db: Db, email: string) {
  const m = await db
    .selectFrom('outbox_message')
    .select(['raw', 'envelope_to'])
    .where(sql<boolean>`${email} = any(envelope_to)`)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!m) return undefined;
  const parsed = await simpleParser(Buffer.from(m.raw));
  const text = parsed.text ?? '';
  return { text, link: /https?:\/\/\S+\/signin\/link\/[A-Za-z0-9_-]+/.exec(text)?.[0], code: /\b(\d{6})\b/.exec(text)?.[1] };
}

forEachDatabase('password-free sign-in', (t) => {
  test('a parent signs in with the code from the e-mail and sees their household', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const family = await aHousehold(db, { name: 'Familha Castanhièr' });
      const email = family.guardians[0]!.email!;
      const web = new WebClient(app.url);
      const res = await web.post('/signin', { email: email.toUpperCase() });
      assert.equal(res.status, 200);
      const page = await res.text();
      const handleField = /name="handle" value="([^"]+)"/.exec(page)?.[1];
      assert.ok(handleField);
      const mail = await lastMailTo(db, email);
      assert.ok(mail?.code && mail.link, 'the e-mail carries a link and a code');
      // Only hashes are stored.
      const stored = await db.selectFrom('signin_request').select(['code_hash', 'link_hash']).where('handle', '=', handleField).executeTakeFirstOrThrow();
      assert.ok(!Buffer.from(stored.link_hash).toString('latin1').includes(mail.link.split('/').pop()!));
      assert.deepEqual(Buffer.from(stored.link_hash), hashSecret(mail.link.split('/').pop()!));
      const ok = await web.post('/signin/code', { handle: handleField, code: mail.code, email, next: `/directory/households/${family.id}` });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), `/directory/households/${family.id}`);
      assert.ok(web.cookies.get('ostal_session'));
      const home = await (await web.get('/')).text();
      assert.match(home, new RegExp(family.guardians[0]!.first_name));
      // The code is single-use.
      const again = await new WebClient(app.url).post('/signin/code', { handle: handleField, code: mail.code, email });
      assert.equal(again.status, 400);
      // Sign-out ends the session on the server too.
      const token = web.cookies.get('ostal_session')!;
      await web.post('/signout', {});
      const left = await db.selectFrom('session').select('person_id').where('token_hash', '=', hashSecret(token)).executeTakeFirst();
      assert.equal(left, undefined);
    } finally {
      await app.close();
    }
  });

  test('the answer is the same whether the address is known or not, and no mail goes to a stranger', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const known = await aPerson(db);
      const web = new WebClient(app.url);
      const a = await web.post('/signin', { email: known.email! });
      const b = await web.post('/signin', { email: 'nobody-here@example.org' });
      assert.equal(a.status, b.status);
      const strip = (s: string) => s.replace(/value="[^"]*"/g, '').replace(/[^\s<>]+@example\.org/g, '');
      assert.equal(strip(await a.text()), strip(await b.text()));
      assert.equal(await lastMailTo(db, 'nobody-here@example.org'), undefined);
    } finally {
      await app.close();
    }
  });

  test('the link works once; GET only shows a button; an expired link is refused', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const p = await aPerson(db);
      const web = new WebClient(app.url);
      await web.post('/signin', { email: p.email! });
      const { link } = (await lastMailTo(db, p.email!))!;
      const path = new URL(link!).pathname;
      const show = await web.get(path);
      assert.equal(show.status, 200);
      assert.equal(web.cookies.get('ostal_session'), undefined, 'GET does not sign in (mail scanners prefetch links)');
      const used = await web.post(path, {});
      assert.equal(used.status, 303);
      assert.ok(web.cookies.get('ostal_session'));
      const reuse = await new WebClient(app.url).post(path, {});
      assert.equal(reuse.status, 400);

      const other = new WebClient(app.url);
      await other.post('/signin', { email: p.email! });
      const second = (await lastMailTo(db, p.email!))!;
      await db.updateTable('signin_request').set({ expires_at: new Date(Date.now() - 1000) }).where('used_at', 'is', null).execute();
      assert.equal((await other.post(new URL(second.link!).pathname, {})).status, 400);
      assert.equal(other.cookies.get('ostal_session'), undefined);
    } finally {
      await app.close();
    }
  });

  test('five wrong codes void the request, even if the right one comes next', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const p = await aPerson(db);
      const web = new WebClient(app.url);
      const page = await (await web.post('/signin', { email: p.email! })).text();
      const h = /name="handle" value="([^"]+)"/.exec(page)![1]!;
      const { code } = (await lastMailTo(db, p.email!))!;
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) assert.equal((await web.post('/signin/code', { handle: h, code: wrong })).status, 400);
      assert.equal((await web.post('/signin/code', { handle: h, code: code! })).status, 400);
      assert.equal(web.cookies.get('ostal_session'), undefined);
    } finally {
      await app.close();
    }
  });

  test('requests are rate-limited per address', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const p = await aPerson(db);
      const web = new WebClient(app.url);
      for (let i = 0; i < 5; i++) assert.equal((await web.post('/signin', { email: p.email! })).status, 200);
      const sixth = await web.post('/signin', { email: p.email! });
      assert.equal(sixth.status, 429);
      assert.match(await sixth.text(), /Trop de demandes/);
    } finally {
      await app.close();
    }
  });

  test('forms without the CSRF token are refused', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const p = await aPerson(db);
      const web = new WebClient(app.url);
      const res = await web.post('/signin', { email: p.email! }, { csrf: 'x'.repeat(32) });
      assert.equal(res.status, 403);
      assert.equal(await lastMailTo(db, p.email!), undefined);
    } finally {
      await app.close();
    }
  });

  test('roles come from the directory: the IT group administers, a parent does not', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    try {
      const parent = await aHousehold(db);
      const it = await aPerson(db);
      await aGroup(db, { kind: 'it', members: [{ personId: it.id }] });
      const asParent = new WebClient(app.url);
      await asParent.signInAs(handle, parent.guardians[0]!.id);
      assert.equal((await asParent.get('/outbox')).status, 403);
      const asIt = new WebClient(app.url);
      await asIt.signInAs(handle, it.id);
      assert.equal((await asIt.get('/outbox')).status, 200);
      const anonymous = await new WebClient(app.url).get('/outbox');
      assert.equal(anonymous.status, 303);
      assert.match(anonymous.headers.get('location')!, /^\/signin\?next=/);
    } finally {
      await app.close();
    }
  });
});
