// Client addresses as numbers for range look-ups: IPv4 as a 32-bit integer, IPv6 as a 128-bit bigint. Accepts
// what client-ip.ts produces (IPv4, IPv6 or an IPv6 /64 prefix) and IPv4-mapped IPv6 (::ffff:a.b.c.d).

export type ParsedIp = { version: 4; value: number } | { version: 6; value: bigint };

/** '1.2.3.4' → 16909060; '::ffff:1.2.3.4' → the same IPv4; '2001:db8::/64' → its first address; else null. */
export function parseIp(text: string): ParsedIp | null {
  let address = text.trim().toLowerCase();
  const slash = address.indexOf('/');
  if (slash !== -1) address = address.slice(0, slash);
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice(7);
  if (address.includes(':')) {
    const value = parseIpv6(address);
    return value === null ? null : { version: 6, value };
  }
  const value = parseIpv4(address);
  return value === null ? null : { version: 4, value };
}

export function parseIpv4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function parseIpv6(address: string): bigint | null {
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  // An embedded IPv4 tail (::ffff:1.2.3.4 style, or 64:ff9b::1.2.3.4) counts as two groups.
  const last = tail.length > 0 ? tail : head;
  const v4 = last.at(-1)?.includes('.') ? parseIpv4(last.pop() as string) : undefined;
  if (v4 === null) return null;
  if (v4 !== undefined) last.push((v4 >>> 16).toString(16), (v4 & 0xffff).toString(16));
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  let value = 0n;
  for (const group of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}
