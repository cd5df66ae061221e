// What the page agent counts of delivery: media bytes handed to the player by source (a segment prefetched from a
// peer counts as p2p when played, once), bytes uploaded to peers, the network's measured speed and the size of the
// last segment played — for Peerlane.stats(), the 'segment-loaded' and 'segment-uploaded' events, and the deadlines.
import type { WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import type { HeldSegments } from './held-segments';
import type { PeerlaneEvents, PeerlaneStats } from './peerlane-events';
import { ThroughputEstimate } from './throughput-estimate';
import type { TypedEmitter } from './typed-emitter';

/** Network time assumed before the first network download was measured. */
const NETWORK_FALLBACK_MS = 2000;

export class DeliveryStats {
  readonly bytes = { http: 0, p2p: 0, cache: 0, uploaded: 0 };
  /** Size of the last segment handed to the player: what a segment probably weighs before its swarm's are known. */
  lastSegmentBytes = 0;
  private readonly network = new ThroughputEstimate();

  constructor(
    private readonly held: Pick<HeldSegments, 'deliveredFromPeer' | 'playedPrefetch'>,
    private readonly events: TypedEmitter<PeerlaneEvents>,
  ) {}

  /** The byte counters as Peerlane.stats() names them. */
  byteStats(): Pick<PeerlaneStats, 'httpBytes' | 'p2pBytes' | 'cacheBytes' | 'uploadedBytes'> {
    const { http, p2p, cache, uploaded } = this.bytes;
    return { httpBytes: http, p2pBytes: p2p, cacheBytes: cache, uploadedBytes: uploaded };
  }

  /** Expected network time for a segment of `bytes`, ms, from the player's own network downloads. */
  networkMs(bytes: number): number {
    return this.network.msFor(bytes, NETWORK_FALLBACK_MS);
  }

  delivered(message: Extract<WorkerToPageMessage, { type: 'delivered' }>): void {
    // A prefetched segment reaches the player from the cache, but its bytes came from a peer: p2p, once.
    if (message.source === 'p2p') this.held.deliveredFromPeer(message.segment.id);
    const source =
      message.source === 'cache' && this.held.playedPrefetch(message.segment.id) ? 'p2p' : message.source;
    this.bytes[source] += message.bytes;
    this.lastSegmentBytes = message.bytes;
    if (message.source === 'http') this.network.add(message.bytes, message.ms);
    const { segment, bytes, ms } = message;
    this.events.emit('segment-loaded', { segment, source, bytes, ms });
  }

  uploaded(peerId: string, segmentId: string, bytes: number): void {
    this.bytes.uploaded += bytes;
    this.events.emit('segment-uploaded', { segmentId, peerId, bytes });
  }
}
