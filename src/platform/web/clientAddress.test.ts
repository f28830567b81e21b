import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressBucket, clientAddress, plainAddress, proxyList } from './clientAddress.ts';

test('the client address: the socket, unless a trusted proxy forwards; then the right-most untrusted hop', () => {
  const none = proxyList([]);
  const proxies = proxyList(['10.0.0.0/8', '192.0.2.7/32', '2001:db8:1::/48']);
  const cases: Array<[string | undefined, string | undefined, typeof none, string | null]> = [
    // Without TRUSTED_PROXIES the header is never read.
    ['203.0.113.5', '198.51.100.1', none, '203.0.113.5'],
    ['::ffff:203.0.113.5', '198.51.100.1', none, '203.0.113.5'],
    ['127.0.0.1', '198.51.100.1', none, '127.0.0.1'],
    // A peer that is not a trusted proxy: its header is ignored.
    ['203.0.113.5', '198.51.100.1', proxies, '203.0.113.5'],
    // A trusted proxy: the address it saw.
    ['10.0.0.2', '198.51.100.1', proxies, '198.51.100.1'],
    ['::ffff:10.0.0.2', '198.51.100.1', proxies, '198.51.100.1'],
    // What the client wrote itself (left) is skipped: the right-most untrusted address counts.
    ['10.0.0.2', '1.1.1.1, 2.2.2.2, 198.51.100.1', proxies, '198.51.100.1'],
    // Through two trusted proxies.
    ['10.0.0.2', '1.1.1.1, 198.51.100.1, 192.0.2.7', proxies, '198.51.100.1'],
    ['10.0.0.2', '198.51.100.1,10.9.9.9', proxies, '198.51.100.1'],
    ['2001:db8:1::5', '2001:DB8:2::9', proxies, '2001:db8:2::9'],
    // Ports and brackets as some proxies write them.
    ['10.0.0.2', '198.51.100.1:4711', proxies, '198.51.100.1'],
    ['10.0.0.2', '[2001:db8:2::9]:4711', proxies, '2001:db8:2::9'],
    // A hop that is no address: the proxy that wrote it is the client as far as we know.
    ['10.0.0.2', 'unknown', proxies, '10.0.0.2'],
    ['10.0.0.2', '198.51.100.1, garbage, 10.1.1.1', proxies, '10.1.1.1'],
    // Every hop trusted: the left-most.
    ['10.0.0.2', '10.3.3.3, 10.4.4.4', proxies, '10.3.3.3'],
    // No header, no socket.
    ['10.0.0.2', undefined, proxies, '10.0.0.2'],
    [undefined, '198.51.100.1', proxies, null],
  ];
  for (const [peer, xff, list, expected] of cases) assert.equal(clientAddress(peer, xff, list), expected, `${peer} / ${xff}`);
});

test('addresses are read in plain form and counted by IPv4 address or IPv6 /64', () => {
  assert.equal(plainAddress('::FFFF:192.0.2.1'), '192.0.2.1');
  assert.equal(plainAddress('not-an-ip'), null);
  assert.equal(addressBucket('192.0.2.1'), '192.0.2.1');
  assert.equal(addressBucket('2001:db8:aa:bb:1:2:3:4'), '2001:db8:aa:bb::/64');
  assert.equal(addressBucket('2001:db8:aa:bb::99'), '2001:db8:aa:bb::/64');
  assert.equal(addressBucket('2001:0db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressBucket('::1'), '0:0:0:0::/64');
});
