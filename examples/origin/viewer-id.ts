// Who a media request is for: the viewer whose bandwidth cap and byte counters the CDN model applies.
// The swarm harness gives each browser context a cookie; any client (curl, a test) may send the header instead.
import type { IncomingMessage } from 'node:http';

/** Cookie naming the viewer; cookies are per browser context, so each harness viewer carries its own. */
export const VIEWER_COOKIE = 'peerlane-viewer';
/** Header naming the viewer, for clients without cookies. Wins over the cookie. */
export const VIEWER_HEADER = 'x-peerlane-viewer';

const VIEWER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The viewer named by the header or cookie; without one, the TCP connection: a browser opens several per
 * site, so an unnamed browser counts as several viewers (and a cap applies per connection).
 */
export function viewerOf(request: IncomingMessage): string {
  const header = request.headers[VIEWER_HEADER];
  if (typeof header === 'string' && VIEWER_NAME.test(header)) return header;
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, value = ''] = pair.trim().split('=');
    if (name === VIEWER_COOKIE && VIEWER_NAME.test(value)) return value;
  }
  const { remoteAddress, remotePort } = request.socket;
  return `connection-${remoteAddress}-${remotePort}`;
}
