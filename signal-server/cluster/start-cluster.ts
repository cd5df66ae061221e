// Cluster mode, put together: names this process, connects to Redis, and runs the router with its metrics
// and refresh timer. While Redis is down each process signals its own peers alone (see PROTOCOL.md).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { SignalServerConfig } from '../config';
import type { FetchClaimsConfig, FetchClaimsPort } from '../hash-service/fetch-claims';
import type { ClusterInbox, ClusterPort } from '../signaling-ports';
import type { HashLedgerPort } from '../trust/hash-ledger';
import type { PeerReportsPort } from '../trust/peer-reports';
import { ClusterFetchClaims } from './cluster-fetch-claims';
import { createClusterMetrics } from './cluster-metrics';
import { ClusterRouter } from './cluster-router';
import { connectRedis, type PubSubKind } from './redis-link';
import { clusterKeys } from './redis-scripts';

export interface Cluster {
  port: ClusterPort;
  /** This process's id in Redis (host name, pid, random suffix). */
  node: string;
  pubsub: PubSubKind;
  /** Segment-hash votes and accepted hashes shared by every process. */
  hashes: HashLedgerPort;
  /** PEER-REPORT tallies shared by every process, and this process's view of who is excluded. */
  peerReports: PeerReportsPort;
  /** The hash service's claims: one process of the cluster fetches each segment. */
  fetchClaims: FetchClaimsPort;
  isUp(): boolean;
  /** Hands other processes' messages to `inbox` and starts refreshing what it holds. */
  attach(inbox: ClusterInbox): void;
  /** Stops refreshing and disconnects. Entries left behind expire within clusterTtlMs. */
  close(): Promise<void>;
}

export type ClusterConfig = FetchClaimsConfig &
  Pick<
    SignalServerConfig,
    | 'redis'
    | 'redisPrefix'
    | 'clusterTtlMs'
    | 'clusterRefreshMs'
    | 'expireTimeoutMs'
    | 'hashQuorum'
    | 'hashVotesPerSegment'
    | 'hashSegmentsPerSwarm'
    | 'hashTtlMs'
    | 'hashWaitMs'
    | 'peerReportThreshold'
    | 'ranking'
  >;

export async function startCluster(
  config: ClusterConfig,
  registry: Registry,
  log: (line: string) => void,
): Promise<Cluster> {
  const node = `${hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 60)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const keys = clusterKeys(config.redisPrefix);
  let router: ClusterRouter | undefined;
  let telemetry: ReturnType<typeof createClusterMetrics> | undefined;
  const link = await connectRedis(config.redis, keys.channel(node), `peerlane-signal:${node}`, {
    message: (text) => router?.receive(text),
    down: (reason) =>
      log(`redis down (${reason}): signaling goes on for peers on this process only, retrying`),
    up: () => {
      log('redis up again: writing back this process entries');
      void router?.refresh();
    },
    error: () => telemetry?.redisError('connection'),
  });
  telemetry = createClusterMetrics(registry, node, link.pubsub, link.isUp);
  router = new ClusterRouter({ link, keys, node, telemetry, config });
  const active = router;
  let timer: NodeJS.Timeout | undefined;
  return {
    port: active,
    node,
    pubsub: link.pubsub,
    hashes: active.hashes,
    peerReports: active.peerReports,
    fetchClaims: new ClusterFetchClaims({ redis: link.redis, keys, node, config, telemetry }),
    isUp: link.isUp,
    attach(inbox) {
      active.attach(inbox);
      void active.refresh();
      timer = setInterval(() => void active.refresh(), config.clusterRefreshMs);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await link.close();
    },
  };
}
