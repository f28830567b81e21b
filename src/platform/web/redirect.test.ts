import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeNext } from './redirect.ts';

test('safeNext keeps paths of this site and sends anything else home', () => {
  const cases: Array<[unknown, string]> = [
    // Kept: a path of ours, with its query and fragment.
    ['/', '/'],
    ['/directory/households/12', '/directory/households/12'],
    ['/surveys?tab=open#list', '/surveys?tab=open#list'],
    ['/directory/../signin', '/signin'],
    ['/école', '/%C3%A9cole'],
    ['/a%2fb', '/a%2fb'],
    // Off-site or unreadable: home.
    [undefined, '/'],
    [42, '/'],
    ['', '/'],
    ['//evil.example', '/'],
    ['///evil.example', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['/%09/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/\n', '/'],
    ['/\r\nSet-Cookie: x=1', '/'],
    ['/\u0000', '/'],
    ['/ /evil.example', '/'],
    ['%2f%2fevil.example', '/'],
    ['/%2f/evil.example', '/'],
    ['/%5cevil.example', '/'],
    ['/.//evil.example', '/'],
    ['/./\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['http:evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['evil.example', '/'],
    ['/' + 'a'.repeat(3000), '/'],
  ];
  for (const [raw, expected] of cases) assert.equal(safeNext(raw), expected, JSON.stringify(raw));
});
