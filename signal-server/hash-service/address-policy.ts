// Where the hash service may connect: public addresses only, so a listed name can never lead it into the
// operator's own network (SSRF), whatever its DNS says at the moment (rebinding). A non-public address is
// reachable only when the listed host names it itself: `localhost` its loopback addresses, an IP literal itself.
import { BlockList, isIP } from 'node:net';

/** Not the public Internet: private, shared, loopback, link-local, documentation, multicast and reserved ranges. */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(network, prefix, 'ipv4');
// IPv4-mapped addresses (::ffff:a.b.c.d) are matched against the IPv4 ranges by BlockList itself. NAT64, 6to4
// and Teredo embed IPv4 addresses the checks above would not see: refused whole.
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  nonPublic.addSubnet(network, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' | null {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/** Whether the service may connect to `address` for a URL whose (listed) host is `host` (URL.hostname). */
export function mayConnect(host: string, address: string): boolean {
  const kind = family(address);
  if (!kind) return false;
  if (!nonPublic.check(address, kind)) return true;
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (literal.toLowerCase() === 'localhost') return loopback.check(address, kind);
  return family(literal) !== null && sameAddress(literal, address);
}

function sameAddress(a: string, b: string): boolean {
  const kind = family(a);
  if (!kind || kind !== family(b)) return false;
  const one = new BlockList();
  one.addAddress(a, kind);
  return one.check(b, kind);
}
