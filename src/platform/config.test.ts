import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, redactUrl } from './config.ts';

test('defaults give a working embedded setup', () => {
  const c = loadConfig({}, '/srv/ostal');
  assert.equal(c.port, 8080);
  assert.equal(c.smtpPort, 2525);
  assert.equal(c.dataDir, '/srv/ostal/data');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.publicUrl, 'http://localhost:8080');
  assert.equal(c.smtpRelayUrl, undefined);
});

test('a postgres:// DATABASE_URL switches to a server', () => {
  const c = loadConfig({ DATABASE_URL: 'postgres://ostal:secret@db.example.org:5432/ostal' });
  assert.equal(c.databaseUrl, 'postgres://ostal:secret@db.example.org:5432/ostal');
  assert.equal(c.databaseOwnerUrl, undefined);
  assert.equal(c.databaseServeAsOwner, false);
});

test('DATABASE_OWNER_URL names the role that migrates, beside the one that serves', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://ostal:secret@db.example.org/ostal',
    DATABASE_OWNER_URL: 'postgres://ostal_owner:other@db.example.org/ostal',
  });
  assert.equal(c.databaseUrl, 'postgres://ostal:secret@db.example.org/ostal');
  assert.equal(c.databaseOwnerUrl, 'postgres://ostal_owner:other@db.example.org/ostal');
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://o@h/d', DATABASE_SERVE_AS_OWNER: 'yes' }).databaseServeAsOwner, true);
});

test('bad configuration names the variable', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SMTP_PORT: '-1' }, 'SMTP_PORT'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'ftp://example.org' }, 'PUBLIC_URL'],
    [{ MAIL_DOMAIN: 'no spaces allowed.org x' }, 'MAIL_DOMAIN'],
    [{ SMTP_RELAY_URL: 'http://relay.example.org' }, 'SMTP_RELAY_URL'],
    [{ DATABASE_OWNER_URL: 'postgres://owner@h/d' }, 'DATABASE_OWNER_URL'],
    [{ DATABASE_URL: 'postgres://same@h/d', DATABASE_OWNER_URL: 'postgres://same:x@h/d' }, 'DATABASE_OWNER_URL'],
    [{ DATABASE_URL: 'postgres://o@h/d', DATABASE_OWNER_URL: 'https://owner@h/d' }, 'DATABASE_OWNER_URL'],
    [{ DATABASE_URL: 'postgres://o@h/d', DATABASE_SERVE_AS_OWNER: 'sure' }, 'DATABASE_SERVE_AS_OWNER'],
    [{ TRUSTED_PROXIES: 'proxy.example.org' }, 'TRUSTED_PROXIES'],
    [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
    [{ TRUSTED_PROXIES: '10.0.0.1, 10.0.0.0/8/1' }, 'TRUSTED_PROXIES'],
  ];
  for (const [env, variable] of cases) {
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.startsWith(variable + ':'));
  }
});

test('passwords are hidden when a URL is shown', () => {
  assert.equal(redactUrl('smtp://user:hunter2@relay.example.org:587'), 'smtp://user:***@relay.example.org:587');
  assert.ok(!redactUrl('postgres://a:b@c/d').includes(':b@'));
});

test('TRUSTED_PROXIES lists addresses and ranges; none by default', () => {
  assert.deepEqual(loadConfig({}).trustedProxies, []);
  assert.deepEqual(loadConfig({ TRUSTED_PROXIES: ' 127.0.0.1, 10.0.0.0/8,::1 , 2001:DB8::/32 ' }).trustedProxies, ['127.0.0.1/32', '10.0.0.0/8', '::1/128', '2001:db8::/32']);
});
