// PEER-REPORT tallies across processes (cluster mode): reporters per peer and the excluded peers of each swarm
// live in Redis (one script per report); each process keeps a view of who is excluded, refreshed by every
// SWARM-JOIN (read in the same round trip as the members) and by its own reports, to filter what it lists.

import type { SignalServerConfig } from '../config';
import type { PeerReportResult, PeerReportsPort } from '../trust/peer-reports';
import type { ClusterTelemetry } from './cluster-metrics';
import type { ClusterKeys, ScriptedRedis } from './redis-scripts';

export interface ClusterPeerReportsDeps {
  redis: ScriptedRedis;
  keys: ClusterKeys;
  config: Pick<SignalServerConfig, 'peerReportThreshold' | 'hashTtlMs'>;
  telemetry: ClusterTelemetry;
}

const RESULTS: ReadonlySet<string> = new Set(['counted', 'excluded', 'duplicate', 'already-excluded']);

export class ClusterPeerReports implements PeerReportsPort {
  /** Per swarm with members here: the peers Redis last said are excluded from it. */
  private readonly view = new Map<string, Set<string>>();

  constructor(private readonly deps: ClusterPeerReportsDeps) {}

  async report(swarm: string, peer: string, reporter: string): Promise<PeerReportResult> {
    const { redis, keys, config } = this.deps;
    if (config.peerReportThreshold === 0) return 'off';
    try {
      const result = await redis.reportPeer(
        `${keys.hashes(swarm)}:r:${peer}`,
        keys.excluded(swarm),
        reporter,
        config.peerReportThreshold,
        config.hashTtlMs,
        peer,
      );
      if (!RESULTS.has(result)) return 'unavailable';
      if (result === 'excluded' || result === 'already-excluded') this.add(swarm, peer);
      return result as PeerReportResult;
    } catch {
      this.deps.telemetry.redisError('hash');
      return 'unavailable';
    }
  }

  isExcluded(swarm: string, peer: string): boolean {
    return this.view.get(swarm)?.has(peer) ?? false;
  }

  /** What Redis says is excluded from `swarm` now (read with each join). */
  learned(swarm: string, peers: readonly string[]): void {
    if (peers.length === 0) this.view.delete(swarm);
    else this.view.set(swarm, new Set(peers));
  }

  expire(isLive: (swarm: string) => boolean): void {
    for (const swarm of this.view.keys()) if (!isLive(swarm)) this.view.delete(swarm);
  }

  private add(swarm: string, peer: string): void {
    const excluded = this.view.get(swarm);
    if (excluded) excluded.add(peer);
    else this.view.set(swarm, new Set([peer]));
  }
}
