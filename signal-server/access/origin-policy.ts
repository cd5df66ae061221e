// Which browser origins may use the server (`--allowed-origins`): exact origins and `*.domain` patterns,
// checked on the WebSocket upgrade and mirrored in the CORS headers of the HTTP routes.
import { SignalServerError } from '../errors';

/** True when `origin` (the Origin header, maybe '') may connect. */
export type OriginPolicy = (origin: string) => boolean;

const EXACT = /^[a-z][a-z0-9+.-]*:\/\/[a-z0-9.-]+(?::\d{1,5})?$/;
const PATTERN = /^(?:([a-z][a-z0-9+.-]*):\/\/)?\*\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/;

/**
 * '' → null (any origin, as the reference server). Otherwise only listed origins pass; a connection
 * without an Origin header (not a browser) is refused too, since every browser sends one on a WebSocket.
 */
export function createOriginPolicy(list: string): OriginPolicy | null {
  const entries = list
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return null;
  const exact = new Set<string>();
  const suffixes: { scheme: string | undefined; suffix: string }[] = [];
  for (const entry of entries) {
    const pattern = PATTERN.exec(entry);
    if (pattern) suffixes.push({ scheme: pattern[1], suffix: `.${pattern[2]}` });
    else if (EXACT.test(entry)) exact.add(entry);
    else
      throw new SignalServerError('invalid-config', {
        field: 'allowedOrigins',
        value: entry,
        expected:
          'an origin (https://site.example[:port]) or a pattern (*.site.example, https://*.site.example)',
      });
  }
  return (origin) => {
    const lower = origin.toLowerCase();
    if (exact.has(lower)) return true;
    const match = /^([a-z][a-z0-9+.-]*):\/\/([a-z0-9.-]+)(?::\d{1,5})?$/.exec(lower);
    if (!match) return false;
    const [, scheme, host = ''] = match;
    return suffixes.some((allowed) => (allowed.scheme ?? scheme) === scheme && host.endsWith(allowed.suffix));
  };
}
