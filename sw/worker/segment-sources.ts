// Where segment bytes come from and where they go, shared by whole-segment answers (segment-router.ts) and
// assembled ones (range-assembler.ts): the cache within a deadline, peers through an agent (verified before use),
// keeping bytes (cache + announcement to every agent), and a look at each DASH index segment on the way. Where
// the origin published a segment's hash, no byte contradicting it is served from peers, cached or shared.

import type { DeliverySource, RejectReason, StoredSource } from '../../protocol/bridge/bridge-messages';
import type { OriginHash, SegmentRef } from '../../protocol/bridge/segment-ref';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { sha256Hex } from '../../protocol/sha256-hex';
import type { SegmentStore, StoredSegment } from '../cache/segment-store';
import type { AgentBridge, AgentDelivery } from './agent-bridge';
import { rangeLength } from './byte-range';
import type { WorkerLimits } from './config';
import { logWorkerError } from './errors';
import type { SidecarLoader } from './sidecar-loader';
import { withTimeout } from './with-timeout';

export interface SegmentSourcesDeps {
  /** The cache, or undefined while (or if) IndexedDB is unavailable. */
  store(): Promise<SegmentStore | undefined>;
  bridge: Pick<AgentBridge, 'requestSegment' | 'reject' | 'post' | 'broadcast'>;
  /** Origin-published hashes: attached to every ref sent to agents, checked against every byte kept. */
  hashes: Pick<SidecarLoader, 'hashed' | 'attach'>;
  settings(): WorkerSettings;
  limits: Pick<WorkerLimits, 'maxSegmentBytes' | 'cacheLookupTimeoutMs' | 'peerWaitUnitBytes'>;
  /** Whether a segment is a DASH index (sidx) whose bytes list media segments. */
  isIndexSegment(id: string): boolean;
  /** Reads an index segment's bytes (manifest-tracker.ts): called before the player gets them. */
  inspect(ref: SegmentRef, data: ArrayBuffer, clientId: string): void;
  now(): number;
}

/** Bytes from a peer that passed verification. */
export interface PeerBytes {
  data: ArrayBuffer;
  sha256: string;
}

export class SegmentSources {
  constructor(private readonly deps: SegmentSourcesDeps) {}

  now(): number {
    return this.deps.now();
  }

  /** The cached segment, or undefined on a miss, a failing cache, or one slower than the lookup deadline. */
  async cached(ref: SegmentRef, clientId: string): Promise<StoredSegment | undefined> {
    const lookup = this.deps.store().then((store) => store?.get(ref.id));
    const cached = await withTimeout(lookup, this.deps.limits.cacheLookupTimeoutMs, undefined).catch(
      (error) => {
        logWorkerError('route-failed', { url: ref.url, reason: `cache: ${String(error)}` });
        return undefined;
      },
    );
    if (!cached) return undefined;
    // Stored before the origin's hash was known, and contradicting it: a miss (the network copy replaces it).
    const origin = this.deps.hashes.attach(ref).originHash;
    if (origin && !matches(origin, cached.data.byteLength, cached.sha256)) return undefined;
    this.obtained(ref, cached.data, clientId);
    return cached;
  }

  /** Verified bytes from peers (the page's agent decides which peer, within the deadline), or undefined. */
  async fromPeers(plain: SegmentRef, clientId: string, signal?: AbortSignal): Promise<PeerBytes | undefined> {
    const { peerMaxWaitMs } = this.deps.settings();
    const partBytes = plain.range ? rangeLength(plain.range) : 0;
    const maxWaitMs = peerMaxWaitMs * Math.max(1, partBytes / this.deps.limits.peerWaitUnitBytes);
    // The agent asks peers for exactly the origin's bytes when it knows them, and checks what they announce.
    const ref = await this.deps.hashes.hashed(plain);
    const delivery = await this.deps.bridge.requestSegment(clientId, ref, maxWaitMs, signal);
    if (!delivery) return undefined;
    const rejected = await this.verify(ref, delivery);
    if (rejected) {
      logWorkerError('peer-rejected', {
        id: ref.id,
        reason: rejected,
        expectedBytes: ref.originHash?.size ?? (ref.range ? rangeLength(ref.range) : null),
        gotBytes: delivery.data.byteLength,
      });
      this.deps.bridge.reject(delivery, ref, rejected);
      return undefined;
    }
    this.obtained(ref, delivery.data, clientId);
    return { data: delivery.data, sha256: delivery.sha256 };
  }

  /** Bytes of `ref` just obtained whole (from the network): an index segment is read before anyone gets them. */
  obtained(ref: SegmentRef, data: ArrayBuffer, clientId: string): void {
    if (!this.deps.isIndexSegment(ref.id)) return;
    try {
      this.deps.inspect(ref, data, clientId);
    } catch (error) {
      logWorkerError('route-failed', { url: ref.url, reason: `index: ${String(error)}` });
    }
  }

  /**
   * Stores a whole, verified segment and tells every agent, which announce it to their peers. Bytes that
   * contradict the origin's published hash are neither (the player already has them: what it would get anyway).
   */
  async keep(
    plain: SegmentRef,
    data: ArrayBuffer,
    contentType: string,
    source: StoredSource,
    sha256?: string,
  ): Promise<void> {
    const [hash, ref] = await Promise.all([
      sha256 ?? sha256Hex(data),
      source === 'http' ? this.deps.hashes.hashed(plain) : this.deps.hashes.attach(plain),
    ]);
    const origin = ref.originHash;
    if (origin && !matches(origin, data.byteLength, hash)) {
      logWorkerError('origin-hash-mismatch', {
        url: ref.url,
        expected: origin,
        size: data.byteLength,
        sha256: hash,
      });
      return;
    }
    const store = await this.deps.store();
    const stored = await store?.put({ id: ref.id, swarm: ref.swarm, data, sha256: hash, contentType });
    if (stored) {
      // With a copy of the bytes (postMessage clones them): `data` may still be feeding a response.
      this.deps.bridge.broadcast({
        type: 'segment-stored',
        segment: ref,
        size: data.byteLength,
        sha256: hash,
        source,
        data,
      });
    }
  }

  /** Tells the page's agent what reached the player and from where (drives Peerlane.stats()). */
  delivered(
    clientId: string,
    ref: SegmentRef,
    source: DeliverySource,
    bytes: number,
    ms: number,
    overheadMs: number,
  ): void {
    const segment = this.deps.hashes.attach(ref);
    this.deps.bridge.post(clientId, { type: 'delivered', segment, source, bytes, ms, overheadMs });
  }

  /**
   * No peer byte reaches the player unless its length fits, its hash is the one the agent vouched for, and, when
   * the origin published one, it is the origin's.
   */
  private async verify(ref: SegmentRef, delivery: AgentDelivery): Promise<RejectReason | undefined> {
    const size = delivery.data.byteLength;
    if (size === 0) return 'empty';
    if (ref.range && size !== rangeLength(ref.range)) return 'size-mismatch';
    if (size > this.deps.limits.maxSegmentBytes) return 'size-mismatch';
    if (ref.originHash && size !== ref.originHash.size) return 'size-mismatch';
    if ((await sha256Hex(delivery.data)) !== delivery.sha256) return 'hash-mismatch';
    return ref.originHash && ref.originHash.sha256 !== delivery.sha256 ? 'hash-mismatch' : undefined;
  }
}

function matches(origin: OriginHash, size: number, sha256: string): boolean {
  return origin.size === size && origin.sha256 === sha256;
}
