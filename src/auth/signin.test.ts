import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { sql } from 'kysely';
import { asOwner, forEachDatabase } from '../platform/testing.ts';
import { startTestPlatform, WebClient } from '../app/testing.ts';
import { aGroup, aHousehold, aPerson } from '../directory/factories.ts';
import { hashSecret } from './tokens.ts';
import { signinWorkDone, WRONG_CODES_PER_IP } from './signin.ts';
import type { Db } from '../platform/db.ts';

/** Earlier tests of the suite asked from the same connection: start a fresh quarter of an hour. */
async function freshWindow(db: Db) {
  await db.deleteFrom('signin_code_failure').execute();
  await db.deleteFrom('signin_request').execute();
}

/** The newest outbox message to an address, parsed: the way a person would read it. */
async function lastMailTo(db: Db, email: string) {
  // The mail is queued just after the answer to the request.
  await signinWorkDone();
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

  test('a known address is answered before it is looked up: a mail queue that fails does not show in the answer', async () => {
    const { handle, db } = t();
    const app = await startTestPlatform(handle);
    // The serving role may not create triggers: the fixture is the owner's.
    await asOwner(handle, async (owner) => {
      await sql`create function test_outbox_down() returns trigger language plpgsql as $$ begin raise exception 'outbox down'; end $$`.execute(owner);
      await sql`create trigger test_outbox_down before insert on outbox_message for each statement execute function test_outbox_down()`.execute(owner);
    });
    try {
      const known = await aPerson(db);
      const web = new WebClient(app.url);
      const a = await web.post('/signin', { email: known.email! });
      const b = await web.post('/signin', { email: 'nobody-either@example.org' });
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      const strip = (s: string) => s.replace(/value="[^"]*"/g, '').replace(/[^\s<>]+@example\.org/g, '');
      assert.equal(strip(await a.text()), strip(await b.text()));
      await signinWorkDone();
      assert.equal(await lastMailTo(db, known.email!), undefined);
    } finally {
      await asOwner(handle, async (owner) => {
        await sql`drop trigger test_outbox_down on outbox_message`.execute(owner);
        await sql`drop function test_outbox_down()`.execute(owner);
      });
      await app.close();
    }
  });

  test('the answer does not wait for the directory (PostgreSQL: a lock on the addresses holds the lookup, not the page)', async (ctx) => {
    const { handle, db } = t();
    if (handle.kind !== 'postgresql') return ctx.skip('PGlite runs one statement at a time: no second session can hold a lock');
    const app = await startTestPlatform(handle);
    try {
      const known = await aPerson(db);
      const web = new WebClient(app.url);
      await web.csrf();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = db.transaction().execute(async (trx) => {
        await sql`lock table person_email in access exclusive mode`.execute(trx);
        locked();
        await held;
      });
      await isLocked;
      try {
        const res = await Promise.race([
          web.post('/signin', { email: known.email! }),
          new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 5000)),
        ]);
        assert.notEqual(res, 'stuck', 'the answer waited for the directory lookup');
        assert.equal((res as Response).status, 200);
        assert.equal(await db.selectFrom('outbox_message').select('id').where(sql<boolean>`${known.email!} = any(envelope_to)`).executeTakeFirst(), undefined);
      } finally {
        release();
        await holder;
      }
      assert.ok((await lastMailTo(db, known.email!))?.code, 'the mail is queued once the lookup can run');
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

  test('requests are rate-limited per connection too: thirty, whatever the addresses and the X-Forwarded-For written', async () => {
    const { handle, db } = t();
    await freshWindow(db);
    const app = await startTestPlatform(handle);
    try {
      const web = new WebClient(app.url);
      for (let i = 0; i < 30; i++) {
        const res = await web.post('/signin', { email: `stranger${i}@example.org` }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
        assert.equal(res.status, 200);
      }
      const next = await web.post('/signin', { email: 'stranger-30@example.org' }, { headers: { 'x-forwarded-for': '198.51.100.99' } });
      assert.equal(next.status, 429);
    } finally {
      await app.close();
    }
  });

  test('thirty wrong codes from one connection stop its tries for every address, in every process; a spoofed X-Forwarded-For changes nothing', async () => {
    const { handle, db } = t();
    await freshWindow(db);
    const app = await startTestPlatform(handle);
    const second = await startTestPlatform(handle);
    try {
      const people = await Promise.all(Array.from({ length: 7 }, () => aPerson(db)));
      const web = new WebClient(app.url);
      const handles: string[] = [];
      for (const p of people) {
        const page = await (await web.post('/signin', { email: p.email! })).text();
        handles.push(/name="handle" value="([^"]+)"/.exec(page)![1]!);
      }
      // Five wrong codes on each of six requests: no request is voided twice, the connection
      // reaches thirty. Each try claims to come from elsewhere.
      let n = 0;
      for (const [k, h] of handles.slice(0, 6).entries()) {
        const wrong = (await lastMailTo(db, people[k]!.email!))!.code === '000000' ? '111111' : '000000';
        for (let i = 0; i < 5; i++) {
          const res = await web.post('/signin/code', { handle: h, code: wrong }, { headers: { 'x-forwarded-for': `203.0.113.${n++}` } });
          assert.equal(res.status, 400);
        }
      }
      assert.equal(n, WRONG_CODES_PER_IP);
      // The seventh person's right code, from the same connection, through another process.
      const { code } = (await lastMailTo(db, people[6]!.email!))!;
      const refused = await new WebClient(second.url).post('/signin/code', { handle: handles[6]!, code: code! }, { headers: { 'x-forwarded-for': '203.0.113.250' } });
      assert.equal(refused.status, 429);
      assert.match(await refused.text(), /Trop de codes erronés depuis cette connexion/);
      assert.equal(refused.headers.getSetCookie().some((c) => c.startsWith('ostal_session=')), false);
      // Once the window has passed, the right code works.
      await db.updateTable('signin_code_failure').set({ failed_at: new Date(Date.now() - 16 * 60_000) }).execute();
      const ok = await new WebClient(app.url).post('/signin/code', { handle: handles[6]!, code: code! });
      assert.equal(ok.status, 303);
    } finally {
      await second.close();
      await app.close();
    }
  });

  test('behind a trusted proxy, each forwarded client is counted apart', async () => {
    const { handle, db } = t();
    await freshWindow(db);
    const app = await startTestPlatform(handle, { TRUSTED_PROXIES: '127.0.0.1,::1' });
    try {
      const [a, b] = [await aPerson(db), await aPerson(db)];
      const web = new WebClient(app.url);
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': `10.9.9.9, ${ip}` } });
      const pageA = await (await web.post('/signin', { email: a.email! }, from('198.51.100.7'))).text();
      const handleA = /name="handle" value="([^"]+)"/.exec(pageA)![1]!;
      const pageB = await (await web.post('/signin', { email: b.email! }, from('198.51.100.8'))).text();
      const handleB = /name="handle" value="([^"]+)"/.exec(pageB)![1]!;
      const codeA = (await lastMailTo(db, a.email!))!.code!;
      const codeB = (await lastMailTo(db, b.email!))!.code!;
      const wrongA = codeA === '000000' ? '111111' : '000000';
      for (let i = 0; i < WRONG_CODES_PER_IP; i++) assert.equal((await web.post('/signin/code', { handle: handleA, code: wrongA }, from('198.51.100.7'))).status, 400);
      const stored = await db.selectFrom('signin_code_failure').select('client').distinct().execute();
      assert.deepEqual(stored, [{ client: '198.51.100.7' }]);
      assert.equal((await web.post('/signin/code', { handle: handleB, code: codeB }, from('198.51.100.7'))).status, 429);
      assert.equal((await new WebClient(app.url).post('/signin/code', { handle: handleB, code: codeB }, from('198.51.100.8'))).status, 303);
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

  test('after sign-in, a next that would leave the site leads home', async () => {
    const { handle, db } = t();
    await freshWindow(db);
    const app = await startTestPlatform(handle);
    try {
      const web = new WebClient(app.url);
      const form = await (await web.get('/signin?next=/%09/evil.example')).text();
      assert.match(form, /name="next" value="\/"/);
      for (const next of ['/\t/evil.example', '//evil.example', '/\\evil.example', 'https://evil.example/']) {
        const p = await aPerson(db);
        const page = await (await web.post('/signin', { email: p.email!, next })).text();
        assert.match(page, /name="next" value="\/"/, JSON.stringify(next));
        const h = /name="handle" value="([^"]+)"/.exec(page)![1]!;
        const res = await new WebClient(app.url).post('/signin/code', { handle: h, code: (await lastMailTo(db, p.email!))!.code!, next });
        assert.equal(res.status, 303);
        assert.equal(res.headers.get('location'), '/', JSON.stringify(next));
      }
    } finally {
      await app.close();
    }
  });

  test('a form token from before sign-in is refused after it; the signed-in page carries a new one', async () => {
    const { handle, db } = t();
    await freshWindow(db);
    const app = await startTestPlatform(handle);
    try {
      const p = await aPerson(db);
      const web = new WebClient(app.url);
      const before = await web.csrf();
      const page = await (await web.post('/signin', { email: p.email! })).text();
      const h = /name="handle" value="([^"]+)"/.exec(page)![1]!;
      assert.equal((await web.post('/signin/code', { handle: h, code: (await lastMailTo(db, p.email!))!.code! })).status, 303);
      const refused = await web.post('/lang', { lang: 'oc', next: '/' }, { csrf: before });
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /Le formulaire a expiré/);
      const after = await web.csrf();
      assert.notEqual(after, before);
      assert.equal((await web.post('/lang', { lang: 'oc', next: '/' })).status, 303);
      // Signed out, the session's token is worth nothing any more.
      assert.equal((await web.post('/signout', {})).status, 303);
      assert.equal((await web.post('/lang', { lang: 'fr', next: '/' }, { csrf: after })).status, 403);
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
