// The address a connection is counted against: the socket's peer, or, behind `trustProxy` reverse proxies,
// the address the outermost trusted proxy saw (X-Forwarded-For read from the right, never its spoofable left).
// IPv6 addresses count by their /64: one subscriber gets a whole /64, so single addresses cost nothing.

/** `remote` as the engine reports it; `forwardedFor` the X-Forwarded-For header ('' when absent). */
export function clientIp(remote: string, forwardedFor: string, trustProxy: number): string {
  const socket = normalize(remote);
  if (trustProxy === 0 || forwardedFor === '') return socket;
  const hops = forwardedFor.split(',').map((part) => normalize(part.trim()));
  // [client, proxy1, …] + socket: each trusted proxy appended the address it got the request from.
  const chain = [...hops, socket];
  return chain[Math.max(0, chain.length - 1 - trustProxy)] || socket;
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4, as uWS reports IPv4 on a dual-stack socket) → 1.2.3.4; IPv6 → /64. */
function normalize(address: string): string {
  const lower = address.toLowerCase().replace(/^\[|\](?::\d+)?$/g, '');
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  return lower.includes(':') ? prefix64(lower) : lower;
}

/** '2001:db8:1:2:aaaa::1' → '2001:db8:1:2::/64' (also for the uncompressed form uWS may print). */
function prefix64(address: string): string {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
