// Which media origins the hash service may fetch from (`--hash-origins`): `scheme://host[:port]` entries compared
// exactly (case-insensitively, default ports normalized), the port `*` standing for any port of that host.
import { SignalServerError } from '../errors';

/** True when the service may fetch `url` (its scheme, host and port are listed); never for anything else. */
export type OriginAllowList = (url: URL) => boolean;

const ANY_PORT = ':*';
/** A DNS name or an IP literal as URL.hostname spells it: no patterns (`*.example.com` names no host). */
const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/;

/** '' → null (the service is off). A malformed entry stops the server at start. */
export function parseOriginAllowList(list: string): OriginAllowList | null {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return null;
  /** "<scheme>//<host>" → the ports listed for it ('*' for any; '' the scheme's default). */
  const ports = new Map<string, Set<string>>();
  for (const entry of entries) {
    const anyPort = entry.endsWith(ANY_PORT);
    const url = parseEntry(anyPort ? entry.slice(0, -ANY_PORT.length) : entry);
    if (!url) invalid(entry);
    const key = `${url.protocol}//${url.hostname}`;
    const listed = ports.get(key) ?? new Set();
    listed.add(anyPort ? '*' : url.port);
    ports.set(key, listed);
  }
  return (url) => {
    const listed = ports.get(`${url.protocol}//${url.hostname}`);
    return listed !== undefined && (listed.has('*') || listed.has(url.port));
  };
}

/** An origin and nothing else: http(s), a host, maybe a port; no credentials, path, query or fragment. */
function parseEntry(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && !text.endsWith('/') && url.search === '' && url.hash === '';
  const http = url.protocol === 'http:' || url.protocol === 'https:';
  return http && bare && url.username === '' && url.password === '' && HOST.test(url.hostname) ? url : null;
}

function invalid(entry: string): never {
  throw new SignalServerError('invalid-config', {
    field: 'hashOrigins',
    value: entry,
    expected:
      'origins such as https://cdn.example.com, http://localhost:8080 or http://localhost:* (any port)',
  });
}
