// The hash service: when a vote or query names a segment of a listed origin, one process of the cluster fetches
// it from the origin (claims: fetch-claims.ts), hashes it and hands the hash on to be accepted with the origin's
// strength. While that is on its way, the segment's votes are held; if the origin cannot be hashed (refused,
// not fetched), the quorum decides as without the service. Viewers never wait for it: the network answers them.
import type { SegmentHash } from '../../protocol/signaling/hash-messages';
import type { ClaimState, FetchClaimsPort, SettledFetch } from './fetch-claims';
import type { FetchSlots } from './fetch-slots';
import type { OriginAllowList } from './origin-allow-list';
import type { FetchFailure, FetchResult } from './origin-fetch';
import { type SegmentTarget, segmentTarget } from './segment-target';

/**
 * What the service does about a segment now. not-listed: nothing (another origin). fetching: a fetch is on its
 * way or may be retried: hold its votes. hashed: its hash is known (and handed on). refused: never hashed here.
 */
export type ServiceState = 'not-listed' | 'fetching' | 'hashed' | 'refused';

/** One fetch's outcome, or why none ran: `busy` (no slot), `unavailable` (Redis), `refused-policy` (the URL). */
export type FetchOutcome = FetchResult['outcome'] | 'refused-policy' | 'busy' | 'unavailable';

export interface HashServiceTelemetry {
  claimed(state: ClaimState['state']): void;
  fetched(outcome: FetchOutcome, seconds: number, bytes: number): void;
}

/** Where accepted results go (the hash exchange). */
export interface HashServiceSink {
  /** Fetched and hashed: accept `hash` in each of `swarms` with the origin's strength. */
  hashed(swarms: readonly string[], hash: SegmentHash): void;
  /** The origin cannot be hashed: held votes in each of `swarms` may now reach a quorum. */
  refused(swarms: readonly string[], segment: string): void;
}

export interface HashServiceDeps {
  allowed: OriginAllowList;
  claims: FetchClaimsPort;
  slots: Pick<FetchSlots, 'run'>;
  fetch(target: SegmentTarget): Promise<FetchResult>;
  telemetry: HashServiceTelemetry;
  now(): number;
  log(line: string): void;
}

/** HTTP statuses that say the origin will not give these bytes to anyone like us: the quorum decides. */
const REFUSING_STATUSES = new Set([401, 403, 407, 410, 451]);

/** Refusals last (hashFetchRefusedTtlMs); other failures may pass (a live segment not there yet, a blip). */
function settledAs(result: FetchResult): SettledFetch {
  if (result.outcome === 'fetched') return { state: 'hashed', size: result.size, sha256: result.sha256 };
  const passing: FetchFailure[] = ['timeout', 'network-error', 'http-error'];
  const refused =
    !passing.includes(result.outcome) ||
    (result.outcome === 'http-error' && REFUSING_STATUSES.has(result.status ?? 0));
  return { state: refused ? 'refused' : 'retry-later' };
}

export class HashService {
  private sink: HashServiceSink | undefined;

  constructor(private readonly deps: HashServiceDeps) {}

  /** Where results go; set once by the exchange that asks. */
  attach(sink: HashServiceSink): void {
    this.sink = sink;
  }

  /** A vote or a query in `swarm` named `segment`, which has no hash of the origin's strength there yet. */
  request(swarm: string, segment: string): ServiceState | Promise<ServiceState> {
    const target = segmentTarget(segment, this.deps.allowed);
    if (target === 'not-listed') return 'not-listed';
    if (target === 'refused-policy') {
      this.deps.telemetry.fetched('refused-policy', 0, 0);
      return 'refused';
    }
    const claim = this.deps.claims.claim(segment, swarm);
    return claim instanceof Promise
      ? claim.then((found) => this.claimed(found, swarm, segment, target))
      : this.claimed(claim, swarm, segment, target);
  }

  private claimed(claim: ClaimState, swarm: string, segment: string, target: SegmentTarget): ServiceState {
    this.deps.telemetry.claimed(claim.state);
    switch (claim.state) {
      case 'claimed':
        this.fetch(swarm, segment, target);
        return 'fetching';
      case 'hashed':
        // Fetched for another swarm listing the same segment, or accepted here already (the ledger agrees).
        this.sink?.hashed([swarm], { segment, size: claim.size, sha256: claim.sha256 });
        return 'hashed';
      case 'refused':
        this.sink?.refused([swarm], segment);
        return 'refused';
      case 'unavailable':
        this.deps.telemetry.fetched('unavailable', 0, 0);
        return 'fetching';
      default:
        return 'fetching';
    }
  }

  private fetch(swarm: string, segment: string, target: SegmentTarget): void {
    const startedAt = this.deps.now();
    const running = this.deps.slots.run(() => this.deps.fetch(target));
    if (running === 'busy') {
      this.deps.telemetry.fetched('busy', 0, 0);
      void this.settle(swarm, segment, { state: 'abandoned' });
      return;
    }
    void running.then(async (result) => {
      const seconds = (this.deps.now() - startedAt) / 1000;
      this.deps.telemetry.fetched(result.outcome, seconds, result.outcome === 'fetched' ? result.size : 0);
      if (result.outcome !== 'fetched')
        this.deps.log(
          `hash service: ${segment.slice(0, 300)} not hashed (${result.outcome}: ${result.detail})`,
        );
      const settled = settledAs(result);
      const swarms = await this.settle(swarm, segment, settled);
      if (settled.state === 'hashed')
        this.sink?.hashed(swarms, { segment, size: settled.size, sha256: settled.sha256 });
      else if (settled.state === 'refused') this.sink?.refused(swarms, segment);
    });
  }

  /** Records the outcome; the swarms to tell, the claimer's always among them. [] when Redis failed. */
  private async settle(swarm: string, segment: string, outcome: SettledFetch): Promise<string[]> {
    try {
      return [...new Set([swarm, ...(await this.deps.claims.settle(segment, outcome))])];
    } catch {
      this.deps.telemetry.fetched('unavailable', 0, 0);
      return [swarm];
    }
  }
}
