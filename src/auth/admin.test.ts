import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../platform/testing.ts';
import { loadConfig } from '../platform/config.ts';
import { aGroup, aPerson } from '../directory/factories.ts';
import { bootstrapLink } from './admin.ts';
import { redeemLink } from './signin.ts';

const config = loadConfig({ MAIL_DOMAIN: 'lists.example.org', PUBLIC_URL: 'http://ostal.test' });

forEachDatabase('first administrator', (t) => {
  test('the first start hands out a link until someone has signed in, even when the directory already has admins', async () => {
    const { db } = t();
    const it = await aPerson(db);
    await aGroup(db, { kind: 'it', members: [{ personId: it.id }] });
    const first = await bootstrapLink(db, config);
    assert.match(first ?? '', /^http:\/\/ostal\.test\/signin\/link\//);
    const again = await bootstrapLink(db, config);
    assert.ok(again && again !== first, 'a restart gives a fresh link while none was used');
    await redeemLink(db, again.split('/').pop()!);
    assert.equal(await bootstrapLink(db, config), null, 'once an administrator signed in, no more links are printed');
  });
});
