/**
 * Where a webhook or Slack alert may be posted (SSRF guard). https only, except to loopback; no
 * private, link-local, shared or reserved address unless the channel says `allow_private_network:
 * true`; cloud metadata addresses never. Checked twice: statically on the URL when the config is
 * loaded (before any DNS lookup or connection), and on every address a host name resolves to, at
 * connection time (so a name that resolves, or re-resolves, to an inner address is refused too).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);
/** Host names of instance metadata services: no alert receiver lives there. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.google.internal.', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const metadata = new BlockList();
metadata.addAddress('169.254.169.254', 'ipv4');
metadata.addAddress('169.254.170.2', 'ipv4');
metadata.addAddress('100.100.100.200', 'ipv4');
metadata.addAddress('fd00:ec2::254', 'ipv6');

/** Not the public internet: private (RFC 1918, ULA), link-local, shared (CGNAT), multicast, reserved. */
const inner = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  inner.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  inner.addSubnet(net, bits, 'ipv6');
}

type AddressKind = 'loopback' | 'metadata' | 'private' | 'public';

/** An IP address (v4, v6, or v4-mapped v6) by what it reaches. */
export function addressKind(address: string): AddressKind {
  let a = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1]!;
  const family = isIP(a) === 6 ? 'ipv6' : 'ipv4';
  if (loopback.check(a, family)) return 'loopback';
  if (metadata.check(a, family)) return 'metadata';
  if (inner.check(a, family)) return 'private';
  return 'public';
}

/** Why `url` may not receive alerts, or null when it may. Static: no DNS lookup, no connection. */
export function destinationProblem(url: string, allowPrivate: boolean): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const literal = isIP(host) !== 0;
  const kind: AddressKind | null = literal ? addressKind(host) : LOOPBACK_NAMES.has(host) ? 'loopback' : METADATA_NAMES.has(host) ? 'metadata' : null;
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && kind === 'loopback')) {
    return `${u.protocol.replace(/:$/, '')}: URLs are refused: use https:// (http:// only to 127.0.0.1, ::1 or localhost)`;
  }
  if (u.username || u.password) return 'credentials in the URL are refused: use the webhook secret instead';
  if (kind === 'metadata') return `${host} is a cloud metadata address: alerts are never sent there`;
  if (kind === 'private' && !allowPrivate) return `${host} is a private or link-local address: set allow_private_network: true on this channel if the receiver really lives there`;
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type Resolver = (host: string, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (host, cb) => dnsLookup(host, { all: true }, cb);

/**
 * A `lookup` for node:http(s) that resolves the host and refuses the connection when any address
 * it resolves to may not receive alerts: a public name pointing at an inner address (DNS
 * rebinding) is caught here, where the address used is the address checked.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = systemResolver) {
  return (host: string, options: { all?: boolean }, cb: LookupCallback): void => {
    resolve(host, (err, addresses) => {
      if (err) return cb(err, []);
      const named = LOOPBACK_NAMES.has(host.toLowerCase());
      for (const a of addresses) {
        const kind = addressKind(a.address);
        const refused = kind === 'metadata' || (kind === 'private' && !allowPrivate) || (kind === 'loopback' && !named && !allowPrivate);
        if (refused) {
          const e: NodeJS.ErrnoException = new Error(`${host} resolves to ${a.address}, a ${kind === 'metadata' ? 'cloud metadata' : kind} address: refused`);
          e.code = 'EDESTINATION';
          return cb(e, []);
        }
      }
      if (addresses.length === 0) {
        const e: NodeJS.ErrnoException = new Error(`${host} has no address`);
        e.code = 'ENOTFOUND';
        return cb(e, []);
      }
      if (options.all) cb(null, addresses);
      else cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
