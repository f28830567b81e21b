import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'node:net';
import { forEachDatabase } from '../testing.ts';
import { listMigrations } from '../migrate.ts';
import { startTestPlatform, WebClient } from '../../app/testing.ts';
import { pathForLog } from './app.tsx';

test('a token in a path never reaches the error log; ordinary paths stay readable', () => {
  const signin = 'q0Zp3x9_Yk2uVtR-8mBcLwNe4HsJ1aFgDiOyU7PrXlE';
  assert.equal(pathForLog(`/signin/link/${signin}`), '/signin/link/…');
  assert.equal(pathForLog(`/s/${signin}`), '/s/…');
  assert.equal(pathForLog('/api/public/lists/unsubscribe/1234-AbCdEfGhIjKlMnOp'), '/api/public/lists/unsubscribe/…');
  assert.equal(pathForLog('/directory/households/12'), '/directory/households/12');
  assert.equal(pathForLog('/accounting/setup-first-fiscal-year'), '/accounting/setup-first-fiscal-year');
});

forEachDatabase('web shell', (t) => {
  test('/healthz names the database kind and the migration version', async () => {
    const { handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const res = await fetch(app.url + '/healthz');
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok', database: handle.kind, migration: listMigrations().at(-1)!.version });
    } finally {
      await app.close();
    }
  });

  test('pages are French by default and switch to Occitan or English; security headers are set', async () => {
    const { handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const web = new WebClient(app.url);
      const fr = await web.get('/signin');
      assert.match(await fr.text(), /<html lang="fr">[\s\S]*Se connecter/);
      assert.match(fr.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(fr.headers.get('x-content-type-options'), 'nosniff');
      const sw = await web.post('/lang', { lang: 'oc', next: '/signin' });
      assert.equal(sw.status, 303);
      assert.equal(sw.headers.get('location'), '/signin');
      assert.match(await (await web.get('/signin')).text(), /<html lang="oc">[\s\S]*Se connectar/);
      assert.match(await (await new WebClient(app.url).get('/signin', { 'accept-language': 'en-GB,en;q=0.9' })).text(), /<html lang="en">[\s\S]*Sign in/);
      // No open redirect through the language form.
      const evil = await web.post('/lang', { lang: 'fr', next: '//evil.example.org/' });
      assert.equal(evil.headers.get('location'), '/');
    } finally {
      await app.close();
    }
  });

  test('an unknown page answers 404 in the shell', async () => {
    const { handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const res = await fetch(app.url + '/nowhere');
      assert.equal(res.status, 404);
      assert.match(await res.text(), /Cette page n&#39;existe pas/);
    } finally {
      await app.close();
    }
  });
});

forEachDatabase('request size', (t) => {
  test('a form body larger than any upload is refused with 413 before it is read', async () => {
    const { handle } = t();
    const app = await startTestPlatform(handle);
    try {
      // The client announces 1 GB and sends nothing more: the answer comes from the header alone.
      const { port } = new URL(app.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(`POST /lang HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${1024 ** 3}\r\n\r\nlang=oc`);
        });
        let text = '';
        socket.on('data', (d) => {
          text += d.toString();
          if (text.includes('</html>')) socket.destroy();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 413/);
      assert.match(answer, /trop gros \(au plus 50 Mo\)/);
      // A normal form still goes through.
      const web = new WebClient(app.url);
      assert.equal((await web.post('/lang', { lang: 'oc', next: '/' })).status, 303);
    } finally {
      await app.close();
    }
  });
});

forEachDatabase('home page', (t) => {
  test('a treasurer finds the books from the home page; a parent does not', async () => {
    const { handle, db } = t();
    const { aGroup, aHousehold, aPerson } = await import('../../directory/factories.ts');
    const app = await startTestPlatform(handle);
    try {
      const treasurer = await aPerson(db);
      await aGroup(db, { kind: 'bureau', members: [{ personId: treasurer.id, role: 'treasurer' }] });
      const web = new WebClient(app.url);
      await web.signInAs(handle, treasurer.id);
      assert.match(await (await web.get('/')).text(), /href="\/accounting"/);
      const parent = await aHousehold(db);
      const other = new WebClient(app.url);
      await other.signInAs(handle, parent.guardians[0]!.id);
      const home = await (await other.get('/')).text();
      assert.doesNotMatch(home, /href="\/accounting"/);
      assert.match(home, new RegExp(`href="/directory/households/${parent.id}"`));
    } finally {
      await app.close();
    }
  });
});
