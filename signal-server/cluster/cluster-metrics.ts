// Cluster-mode metrics on the server's registry: is Redis reachable, what crosses between processes, what
// Redis refused, how the id claims went and what the batched refresh costs. Hot counters are pre-bound.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClaimResult } from '../signaling-ports';
import type { PubSubKind } from './redis-link';

const PREFIX = 'peerlane_signal_';

export type ClusterTraffic = 'deliver' | 'arrived' | 'evict' | 'hash';
export type RedisOperation =
  | 'connection'
  | 'claim'
  | 'release'
  | 'locate'
  | 'publish'
  | 'swarm'
  | 'refresh'
  | 'hash';

export interface ClusterTelemetry {
  sent(kind: ClusterTraffic): void;
  received(kind: ClusterTraffic | 'malformed'): void;
  /** One SPUBLISH (a batch of messages for one process). */
  published(): void;
  /** A batch published to a channel nobody listens on: its process died; its messages are looked up again. */
  unheard(): void;
  redisError(operation: RedisOperation): void;
  claimed(result: ClaimResult): void;
  refreshed(seconds: number, peers: number, swarms: number): void;
}

export function createClusterMetrics(
  registry: Registry,
  node: string,
  pubsub: PubSubKind,
  isUp: () => boolean,
): ClusterTelemetry {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}cluster_info`,
    help: 'Cluster mode: this process id and the pub/sub kind (sharded or classic)',
    labelNames: ['node', 'pubsub'],
    registers,
  }).set({ node, pubsub }, 1);
  new Gauge({
    name: `${PREFIX}redis_up`,
    help: 'Whether both Redis connections are up (0: signaling goes on for peers on this process only)',
    registers,
    collect() {
      this.set(isUp() ? 1 : 0);
    },
  });
  const traffic = new Counter({
    name: `${PREFIX}cluster_messages_total`,
    help: 'Messages between processes through Redis pub/sub, by direction and kind',
    labelNames: ['direction', 'kind'],
    registers,
  });
  const publishes = new Counter({
    name: `${PREFIX}cluster_publishes_total`,
    help: 'SPUBLISH (or PUBLISH) commands: one per destination process per event-loop turn, a batch of messages',
    registers,
  });
  const unheard = new Counter({
    name: `${PREFIX}cluster_unheard_total`,
    help: 'Batches published to a process nobody listens to any more (it died); their messages are looked up again',
    registers,
  });
  const errors = new Counter({
    name: `${PREFIX}redis_errors_total`,
    help: 'Redis commands that failed or timed out, and connection errors, by operation',
    labelNames: ['operation'],
    registers,
  });
  const claims = new Counter({
    name: `${PREFIX}cluster_claims_total`,
    help: 'Peer id claims across processes, by result (unavailable: Redis down, admitted locally)',
    labelNames: ['result'],
    registers,
  });
  const refreshSeconds = new Gauge({
    name: `${PREFIX}cluster_refresh_seconds`,
    help: 'Duration of the last batched refresh of this process entries in Redis',
    registers,
  });
  const refreshedEntries = new Gauge({
    name: `${PREFIX}cluster_refreshed_entries`,
    help: 'Entries the last refresh kept alive, by kind (peers, swarms)',
    labelNames: ['kind'],
    registers,
  });
  const sentDeliver = traffic.labels('out', 'deliver');
  const receivedDeliver = traffic.labels('in', 'deliver');
  return {
    sent: (kind) => (kind === 'deliver' ? sentDeliver : traffic.labels('out', kind)).inc(),
    received: (kind) => (kind === 'deliver' ? receivedDeliver : traffic.labels('in', kind)).inc(),
    published: () => publishes.inc(),
    unheard: () => unheard.inc(),
    redisError: (operation) => errors.labels(operation).inc(),
    claimed: (result) => claims.labels(result).inc(),
    refreshed: (seconds, peers, swarms) => {
      refreshSeconds.set(seconds);
      refreshedEntries.labels('peers').set(peers);
      refreshedEntries.labels('swarms').set(swarms);
    },
  };
}
