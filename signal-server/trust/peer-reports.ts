// PEER-REPORT tallies: distinct reporters per reported peer per swarm. Once `peerReportThreshold` of them
// (counted once per address with hashQuorumDistinctIps) reported a peer, it is excluded: no longer listed in
// that swarm's SWARM-PEERS and SWARM-JOINED. Bounded per swarm; a swarm's tallies go when it empties.
import type { SignalServerConfig } from '../config';

type Limits = Pick<SignalServerConfig, 'peerReportThreshold' | 'peerReportsPerSwarm'>;

/**
 * counted: a new reporter. excluded: this report reached the threshold. off: peerReportThreshold is 0.
 * unavailable: the shared store (Redis, cluster mode) did not answer.
 */
export type PeerReportResult =
  | 'counted'
  | 'excluded'
  | 'duplicate'
  | 'already-excluded'
  | 'off'
  | 'unavailable';

/** The tallies as the exchange uses them: in memory, or in Redis with a local view (cluster mode). */
export interface PeerReportsPort {
  report(swarm: string, peer: string, reporter: string): PeerReportResult | Promise<PeerReportResult>;
  isExcluded(swarm: string, peer: string): boolean;
  /** Forgets swarms `isLive` says have no member (on this process) any more. */
  expire(isLive: (swarm: string) => boolean): void;
}

interface Tally {
  /** Reporters (or their addresses) so far; null once excluded (nothing more to count). */
  reporters: Set<string> | null;
}

export class PeerReports implements PeerReportsPort {
  /** Per swarm, reported peers in the order first reported (the oldest not excluded goes when full). */
  private readonly swarms = new Map<string, Map<string, Tally>>();

  constructor(private readonly limits: Limits) {}

  /** `reporter` is the reporter's id, or its address when reporters count once per address. */
  report(swarm: string, peer: string, reporter: string): PeerReportResult {
    const threshold = this.limits.peerReportThreshold;
    if (threshold === 0) return 'off';
    let tallies = this.swarms.get(swarm);
    if (!tallies) {
      tallies = new Map();
      this.swarms.set(swarm, tallies);
    }
    let tally = tallies.get(peer);
    if (!tally) {
      if (tallies.size >= this.limits.peerReportsPerSwarm) this.evictOne(tallies);
      tally = { reporters: new Set() };
      tallies.set(peer, tally);
    }
    const reporters = tally.reporters;
    if (reporters === null) return 'already-excluded';
    if (reporters.has(reporter)) return 'duplicate';
    reporters.add(reporter);
    if (reporters.size < threshold) return 'counted';
    tally.reporters = null;
    return 'excluded';
  }

  isExcluded(swarm: string, peer: string): boolean {
    return this.swarms.get(swarm)?.get(peer)?.reporters === null;
  }

  expire(isLive: (swarm: string) => boolean): void {
    for (const swarm of this.swarms.keys()) if (!isLive(swarm)) this.swarms.delete(swarm);
  }

  /**
   * Room for one more: the oldest peer not excluded goes (excluded ones stay, or a flood of reports about
   * made-up ids would let a liar back in); when every tracked peer is excluded, the oldest of those.
   */
  private evictOne(tallies: Map<string, Tally>): void {
    for (const [peer, tally] of tallies) {
      if (tally.reporters !== null) {
        tallies.delete(peer);
        return;
      }
    }
    const oldest = tallies.keys().next().value as string;
    tallies.delete(oldest);
  }
}
