// Fetches the hash sidecars origins announce (`Peerlane-Hashes` on a manifest or progressive-file response) into
// the origin-hash table: once per sidecar, again only when a refreshed manifest lists segments it did not cover.
// Segment work that needs a hash waits briefly for a sidecar still on its way rather than go without.

import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { HASHES_HEADER } from '../../protocol/hash-sidecar-format';
import { BoundedMap } from '../shared/bounded-map';
import type { WorkerLimits } from './config';
import { logWorkerError } from './errors';
import { parseHashSidecar } from './hash-sidecar';
import type { OriginHashes } from './origin-hashes';
import { readBodyCapped } from './read-body';
import { withTimeout } from './with-timeout';

export interface SidecarLoaderDeps {
  table: OriginHashes;
  fetch(request: Request): Promise<Response>;
  settings(): WorkerSettings;
  limits: Pick<
    WorkerLimits,
    'maxHashSidecarBytes' | 'maxOriginHashes' | 'hashSidecarWaitMs' | 'hashSidecarRefetchMs' | 'maxPlaylists'
  >;
  /** The worker's origin: sidecars elsewhere are fetched in `cors` mode without credentials. */
  origin: string;
  now(): number;
  /** Hashes of these segment ids are new: agents that know their renditions should hear them. */
  onHashes(ids: string[]): void;
}

export class SidecarLoader {
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Sidecar URL → when it was last fetched (whatever the outcome): bounds re-fetches of a live sidecar. */
  private readonly fetchedAt: BoundedMap<string, number>;

  constructor(private readonly deps: SidecarLoaderDeps) {
    this.fetchedAt = new BoundedMap(deps.limits.maxPlaylists);
  }

  /**
   * A manifest or file response arrived: if it names a sidecar, fetch it — unless already fetched and every
   * segment `listedIds` names (the manifest's, empty for a master or a file) has a hash, or fetched moments ago.
   */
  discover(
    response: Response,
    responseUrl: string,
    listedIds: readonly string[],
    waitUntil: (promise: Promise<unknown>) => void,
  ): void {
    const header = response.headers.get(HASHES_HEADER)?.trim();
    if (!header) return;
    const url = sidecarUrl(header, responseUrl);
    if (!url) {
      logWorkerError('hash-sidecar-unreadable', { url: header, reason: 'the header is not an http(s) URL' });
      return;
    }
    if (this.inFlight.has(url)) return;
    const last = this.fetchedAt.get(url);
    if (last !== undefined) {
      const { table, limits, now } = this.deps;
      if (listedIds.every((id) => table.has(id)) || now() - last < limits.hashSidecarRefetchMs) return;
    }
    this.fetchedAt.set(url, this.deps.now());
    const load = this.load(url).finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, load);
    waitUntil(load);
  }

  /** `ref` with the origin's hash; when none is known yet but a sidecar is on its way, waits for it (bounded). */
  async hashed(ref: SegmentRef): Promise<SegmentRef> {
    const { table } = this.deps;
    if (!table.has(ref.id) && this.inFlight.size > 0) {
      const arrivals = Promise.all(this.inFlight.values());
      await withTimeout(arrivals, this.deps.limits.hashSidecarWaitMs, undefined);
    }
    return table.attach(ref);
  }

  /** `ref` with the origin's hash if one is known now. */
  attach(ref: SegmentRef): SegmentRef {
    return this.deps.table.attach(ref);
  }

  private async load(url: string): Promise<void> {
    const { limits, settings } = this.deps;
    const fail = (reason: string) => logWorkerError('hash-sidecar-unreadable', { url, reason });
    try {
      const sameOrigin = new URL(url).origin === this.deps.origin;
      // no-cache: a live sidecar changes with the window; revalidating keeps a VoD one cheap.
      const request = new Request(
        url,
        sameOrigin ? { cache: 'no-cache' } : { mode: 'cors', credentials: 'omit', cache: 'no-cache' },
      );
      const response = await this.deps.fetch(request);
      if (!response.ok) {
        await response.body?.cancel();
        return fail(`status ${response.status}`);
      }
      const body = await readBodyCapped(response, limits.maxHashSidecarBytes);
      if (body === 'too-large') return fail(`over ${limits.maxHashSidecarBytes} bytes`);
      const parsed = parseHashSidecar(new TextDecoder().decode(body), response.url || url, {
        volatileParams: settings().volatileParams,
        pieceBytes: settings().pieceBytes,
        maxEntries: limits.maxOriginHashes,
      });
      if (!parsed.ok) return fail(parsed.reason);
      const changed = this.deps.table.add(parsed.hashes);
      if (changed.length > 0) this.deps.onHashes(changed);
    } catch (error) {
      fail(String(error));
    }
  }
}

function sidecarUrl(header: string, responseUrl: string): string | undefined {
  try {
    const url = new URL(header, responseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
