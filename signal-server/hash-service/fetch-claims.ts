// Who fetches a segment, and what came of it: a segment is fetched at most once while its outcome is remembered
// (hashed: hashTtlMs; refused: hashFetchRefusedTtlMs; a failure that may pass: hashFetchRetryMs). This is the
// one-process store; cluster mode keeps the same in Redis (../cluster/cluster-fetch-claims.ts).
import type { SignalServerConfig } from '../config';

/**
 * What a claim found. claimed: this caller fetches it now. pending: someone fetches it; the swarm that asked is
 * told when it is done. hashed: done, with its hash. refused: the origin cannot be hashed, the quorum decides.
 * retry-later: it failed moments ago. unavailable: the shared store (Redis) did not answer.
 */
export type ClaimState =
  | { state: 'claimed' | 'pending' | 'refused' | 'retry-later' | 'unavailable' }
  | { state: 'hashed'; size: number; sha256: string };

/** How a claimed fetch ended. abandoned: it never ran (no free slot): the claim is dropped. */
export type SettledFetch =
  | { state: 'hashed'; size: number; sha256: string }
  | { state: 'refused' }
  | { state: 'retry-later' }
  | { state: 'abandoned' };

export interface FetchClaimsPort {
  /** Claims `segment` for a fetch, or says why not; `swarm` is told of the outcome if a fetch is on its way. */
  claim(segment: string, swarm: string): ClaimState | Promise<ClaimState>;
  /** Records how the claimed fetch ended; returns the swarms to tell (the claimer's included). */
  settle(segment: string, outcome: SettledFetch): string[] | Promise<string[]>;
}

export type FetchClaimsConfig = Pick<
  SignalServerConfig,
  'hashTtlMs' | 'hashFetchTimeoutMs' | 'hashFetchRetryMs' | 'hashFetchRefusedTtlMs' | 'hashFetchEntries'
>;

/** Swarms told of one segment's outcome (the same segment listed by several renditions or sites). */
export const MAX_SWARMS_PER_FETCH = 16;

/** How long each kind of entry lives. A claim outlives the fetch's own deadline a little, then expires (a crash). */
export function claimTtlMs(config: FetchClaimsConfig, state: ClaimState['state'] | 'pending'): number {
  switch (state) {
    case 'hashed':
      return config.hashTtlMs;
    case 'refused':
      return config.hashFetchRefusedTtlMs;
    case 'retry-later':
      return config.hashFetchRetryMs;
    default:
      return config.hashFetchTimeoutMs + 5_000;
  }
}

interface Entry {
  claim: ClaimState;
  until: number;
  swarms: Set<string>;
}

export class InMemoryFetchClaims implements FetchClaimsPort {
  /** Least recently written first (a Map iterates in insertion order), bounded by hashFetchEntries. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly config: FetchClaimsConfig,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  claim(segment: string, swarm: string): ClaimState {
    const entry = this.entries.get(segment);
    if (entry && entry.until > this.now()) {
      if (entry.claim.state !== 'pending') return entry.claim;
      if (entry.swarms.size < MAX_SWARMS_PER_FETCH) entry.swarms.add(swarm);
      return entry.claim;
    }
    this.write(segment, { state: 'pending' }, new Set([swarm]));
    return { state: 'claimed' };
  }

  settle(segment: string, outcome: SettledFetch): string[] {
    const swarms = [...(this.entries.get(segment)?.swarms ?? [])];
    if (outcome.state === 'abandoned') this.entries.delete(segment);
    else this.write(segment, outcome, new Set());
    return swarms;
  }

  private write(segment: string, claim: ClaimState, swarms: Set<string>): void {
    this.entries.delete(segment);
    this.entries.set(segment, { claim, until: this.now() + claimTtlMs(this.config, claim.state), swarms });
    // Over the bound, the oldest write goes first: a segment nobody asked about for the longest time.
    if (this.entries.size > this.config.hashFetchEntries)
      this.entries.delete(this.entries.keys().next().value as string);
  }
}
