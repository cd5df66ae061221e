// What reached the player, by source — Peerlane.stats()'s byte counters, read by the QoE reports too — plus what
// the agent learns from each delivery: a segment's typical size and the network's throughput. A segment
// prefetched from a peer and played from the cache counts as p2p, once.
import type { DeliverySource, WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import type { HeldSegments } from './held-segments';
import { ThroughputEstimate } from './throughput-estimate';

export type Delivered = Extract<WorkerToPageMessage, { type: 'delivered' }>;

export class DeliveryTally {
  /** Media bytes handed to the player by source, and bytes uploaded to peers (whole segments). */
  readonly bytes = { http: 0, p2p: 0, cache: 0, uploaded: 0 };
  /** The network's measured speed (downloads the player waited for). */
  readonly network = new ThroughputEstimate();
  /** Size of the last segment handed to the player: what a segment probably weighs before its swarm's are known. */
  lastSegmentBytes = 0;

  constructor(private readonly held: Pick<HeldSegments, 'deliveredFromPeer' | 'playedPrefetch'>) {}

  /** Counts a delivery; returns the source it counts under. */
  delivered(message: Delivered): DeliverySource {
    const id = message.segment.id;
    if (message.source === 'p2p') this.held.deliveredFromPeer(id);
    const source = message.source === 'cache' && this.held.playedPrefetch(id) ? 'p2p' : message.source;
    this.bytes[source] += message.bytes;
    this.lastSegmentBytes = message.bytes;
    if (message.source === 'http') this.network.add(message.bytes, message.ms);
    return source;
  }
}
