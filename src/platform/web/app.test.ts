import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'node:net';
import { forEachDatabase } from '../testing.ts';
import { listMigrations } from '../migrate.ts';
import { startTestPlatform, WebClient } from '../../app/testing.ts';
import { pathForLog } from './app.tsx';
import { fromThisSite } from './csrf.ts';

test('a token in a path never reaches the error log; ordinary paths stay readable', () => {
  const signin = 'q0Zp3x9_Yk2uVtR-8mBcLwNe4HsJ1aFgDiOyU7PrXlE';
  assert.equal(pathForLog(`/signin/link/${signin}`), '/signin/link/…');
  assert.equal(pathForLog(`/s/${signin}`), '/s/…');
  assert.equal(pathForLog('/api/public/lists/unsubscribe/1234-AbCdEfGhIjKlMnOp'), '/api/public/lists/unsubscribe/…');
  assert.equal(pathForLog('/directory/households/12'), '/directory/households/12');
  assert.equal(pathForLog('/accounting/setup-first-fiscal-year'), '/accounting/setup-first-fiscal-year');
});

test('a POST comes from this site when its Origin, else its Referer, is PUBLIC_URL or the request host', () => {
  const pub = 'https://ostal.example.org';
  const cases: Array<[{ origin?: string; referer?: string; host?: string }, boolean]> = [
    [{ origin: 'https://ostal.example.org', host: '10.0.0.5:8080' }, true],
    [{ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' }, true],
    [{ referer: 'https://ostal.example.org/directory?x=1' }, true],
    [{ referer: 'http://127.0.0.1:8080/signin', host: '127.0.0.1:8080' }, true],
    // Neither header: not a browser acting for someone; the form token alone decides.
    [{ host: '127.0.0.1:8080' }, true],
    [{ origin: 'https://evil.example', host: 'ostal.example.org' }, false],
    [{ origin: 'https://ostal.example.org.evil.example' }, false],
    [{ origin: 'http://ostal.example.org' }, false],
    [{ origin: 'https://ostal.example.org:8443' }, false],
    [{ origin: 'null', host: 'ostal.example.org' }, false],
    [{ origin: 'https://evil.example', referer: 'https://ostal.example.org/' }, false],
    [{ referer: 'https://evil.example/ostal.example.org' }, false],
    [{ referer: 'not a url' }, false],
    [{ origin: 'file://', host: 'ostal.example.org' }, false],
  ];
  for (const [headers, expected] of cases) assert.equal(fromThisSite(headers, pub), expected, JSON.stringify(headers));
});

forEachDatabase('forms are bound to their session and to this site', (t) => {
  test("one session's form token does not work for another", async () => {
    const { handle, db } = t();
    const { aPerson } = await import('../../directory/factories.ts');
    const app = await startTestPlatform(handle);
    try {
      const [a, b] = [new WebClient(app.url), new WebClient(app.url)];
      await a.signInAs(handle, (await aPerson(db)).id);
      await b.signInAs(handle, (await aPerson(db)).id);
      const tokenA = await a.csrf();
      assert.notEqual(tokenA, await b.csrf());
      assert.equal((await b.post('/lang', { lang: 'oc', next: '/' }, { csrf: tokenA })).status, 403);
      assert.equal((await a.post('/lang', { lang: 'oc', next: '/' }, { csrf: tokenA })).status, 303);
      // Nor the browser's pre-session cookie once signed in.
      assert.equal((await a.post('/lang', { lang: 'oc', next: '/' }, { csrf: a.cookies.get('ostal_csrf')! })).status, 403);
    } finally {
      await app.close();
    }
  });

  test('a POST from another site is refused with 403 and a plain page, whatever its token', async () => {
    const { handle, db } = t();
    const { aPerson } = await import('../../directory/factories.ts');
    const app = await startTestPlatform(handle);
    try {
      const p = await aPerson(db);
      const web = new WebClient(app.url);
      await web.signInAs(handle, p.id);
      const elsewhere: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: 'null' }, { referer: 'https://evil.example/form.html' }];
      for (const headers of elsewhere) {
        const res = await web.post('/signout', {}, { headers });
        assert.equal(res.status, 403, JSON.stringify(headers));
        assert.match(await res.text(), /envoyé depuis un autre site/);
      }
      assert.ok(await db.selectFrom('session').select('person_id').where('person_id', '=', p.id).executeTakeFirst(), 'still signed in');
      // An anonymous form too: no sign-in mail leaves for a request posted from elsewhere.
      const anonymous = new WebClient(app.url);
      assert.equal((await anonymous.post('/signin', { email: p.email! }, { headers: { origin: 'https://evil.example' } })).status, 403);
      assert.equal(await db.selectFrom('signin_request').select('id').where('email', '=', p.email!).executeTakeFirst(), undefined);
      // From this site, by its address or its host.
      assert.equal((await web.post('/lang', { lang: 'oc', next: '/' }, { headers: { origin: app.url } })).status, 303);
      assert.equal((await web.post('/lang', { lang: 'oc', next: '/' }, { headers: { referer: app.url + '/signin' } })).status, 303);
    } finally {
      await app.close();
    }
  });
});

forEachDatabase('web shell', (t) => {
  test('/healthz answers "ok" to anyone and discloses nothing else', async () => {
    const { handle } = t();
    const app = await startTestPlatform(handle);
    try {
      const res = await fetch(app.url + '/healthz');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain\b/);
      assert.equal(await res.text(), 'ok');
      // Nor in a header: no database kind, no version, no server name.
      // (The date and the random form cookie are left out: a "37" in the clock is no disclosure.)
      const headers = [...res.headers].filter(([k]) => k !== 'date' && k !== 'set-cookie').map(([k, v]) => `${k}: ${v}`).join('\n');
      assert.doesNotMatch(headers, /pglite|postgres|migration|hono|node/i);
      assert.doesNotMatch(headers, new RegExp(`\\b${listMigrations().at(-1)!.version}\\b`));
    } finally {
      await app.close();
    }
  });

  test('no page is ever cached: signed in, anonymous, personal link; HSTS only behind https', async () => {
    const { handle, db } = t();
    const { aPerson } = await import('../../directory/factories.ts');
    const app = await startTestPlatform(handle);
    try {
      const person = await aPerson(db);
      const web = new WebClient(app.url);
      await web.signInAs(handle, person.id);
      for (const path of ['/', '/lists', '/nowhere']) {
        assert.equal((await web.get(path)).headers.get('cache-control'), 'no-store', path);
      }
      const anonymous = new WebClient(app.url);
      for (const path of ['/signin', '/signin/link/q0Zp3x9_Yk2uVtR-8mBcLwNe4HsJ1aFgDiOyU7PrXlE', '/s/q0Zp3x9_Yk2uVtR-8mBcLwNe4HsJ1aFgDiOyU7PrXlE']) {
        assert.equal((await anonymous.get(path)).headers.get('cache-control'), 'no-store', path);
      }
      const code = await anonymous.post('/signin', { email: person.email! });
      assert.equal(code.headers.get('cache-control'), 'no-store');
      assert.equal(code.headers.get('strict-transport-security'), null, 'not over plain http');
      app.deps.config.publicUrl = 'https://ostal.example.org';
      assert.equal((await anonymous.get('/signin')).headers.get('strict-transport-security'), 'max-age=31536000');
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
      for (const next of ['//evil.example.org/', '/\t/evil.example', '/\\evil.example', 'https://evil.example/', '/\n', '/%0a']) {
        const evil = await web.post('/lang', { lang: 'fr', next });
        assert.equal(evil.status, 303, JSON.stringify(next));
        assert.equal(evil.headers.get('location'), '/', JSON.stringify(next));
      }
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
