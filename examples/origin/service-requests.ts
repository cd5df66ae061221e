// Counts the requests the signal server's hash service makes here (its User-Agent: `peerlane-hash-service/…`),
// per path and Range: tests check that a cluster fetches each segment once. Bounded like the traffic meter.
import type { IncomingMessage } from 'node:http';

const SERVICE_AGENT = 'peerlane-hash-service/';
const MAX_KEYS = 10_000;

export class ServiceRequests {
  private readonly counts = new Map<string, number>();

  record(request: IncomingMessage): void {
    if (!request.headers['user-agent']?.startsWith(SERVICE_AGENT)) return;
    const path = new URL(request.url ?? '/', 'http://origin').pathname;
    const range = request.headers.range;
    const key = range ? `${path} ${range}` : path;
    if (this.counts.has(key) || this.counts.size < MAX_KEYS)
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** `<path>[ <Range>]` → how many requests the hash service made for it. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
