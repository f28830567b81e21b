// The address of the person at the other end, for per-address limits (sign-in). Behind a
// reverse proxy the socket shows the proxy; its X-Forwarded-For is believed only when the socket
// is one of TRUSTED_PROXIES, since anyone else can write that header to dodge a limit.
import { BlockList, isIP } from 'node:net';
import type { Ctx } from './context.ts';

/** An address as a client or a proxy may write it (IPv4-mapped, with a port, bracketed), in plain form; null if it is none. */
export function plainAddress(raw: string | undefined): string | null {
  if (!raw) return null;
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const kind = isIP(a);
  if (kind === 0) return null;
  if (kind === 4) return a;
  a = a.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1]! : a;
}

export function proxyList(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const r of ranges) {
    const [address, prefix] = r.split('/');
    const type = isIP(address!) === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(address!, Number(prefix), type);
  }
  return list;
}

/**
 * The client's address: the socket's, unless the socket is a trusted proxy; then X-Forwarded-For
 * is read from the right (each proxy appends the address it saw) and the first address that is
 * not itself a trusted proxy is the client. Addresses further left were written by the client
 * and are never believed. A hop that is no address stops the walk at the proxy that wrote it.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: BlockList): string | null {
  let client = plainAddress(peer);
  const isTrusted = (a: string) => trusted.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6');
  if (!client || !forwardedFor) return client;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0 && isTrusted(client); i--) {
    const hop = plainAddress(hops[i]);
    if (!hop) break;
    client = hop;
  }
  return client;
}

/**
 * The key an address is counted under: an IPv4 address as it is, an IPv6 address by its /64,
 * the block one household's or one server's connection gets (counting each of its 2^64
 * addresses apart would be no limit).
 */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:… is already plain) takes two groups.
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64';
}

const lists = new WeakMap<string[], BlockList>();

/** The client's address for a request of the web application (null when the socket is unknown). */
export function clientIp(c: Ctx): string | null {
  const ranges = c.get('rc').deps.config.trustedProxies;
  let trusted = lists.get(ranges);
  if (!trusted) lists.set(ranges, (trusted = proxyList(ranges)));
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return clientAddress(env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trusted);
}
