// Which segment hashes this viewer trusts, and so which peers may serve a segment: only holders that announced
// exactly the trusted size and SHA-256. Trusted hashes come from the origin (its sidecar, via the worker) or from
// the swarm (accepted by the signal server once enough independent viewers reported the same hash).

import { BoundedMap } from '../shared/bounded-map';
import type { Holder } from './scheduler';

export interface TrustedHash {
  size: number;
  sha256: string;
  source: 'origin' | 'swarm';
}

/** Holders of a segment, split by what the trusted hash says of their announcement. */
export interface Verdict {
  /** Announced the trusted size and hash: may serve (their bytes are still checked on arrival). */
  usable: Holder[];
  /** Announced something else: they hold bytes that are not the segment. */
  contradicting: Holder[];
  /** No trusted hash is known yet: nobody may serve it. */
  unknown: boolean;
}

/** The claim (an announcement) names exactly the trusted size and hash. */
export function matchesTrusted(trusted: TrustedHash, claim: { size: number; sha256: string }): boolean {
  return claim.size === trusted.size && claim.sha256 === trusted.sha256;
}

/** Trusted hashes remembered (a few renditions of a long VoD, or many live windows). */
const MAX_TRUSTED = 8192;

export class SegmentTrust {
  private readonly hashes = new BoundedMap<string, TrustedHash>(MAX_TRUSTED);

  /**
   * Records a trusted hash. The origin's word is final; a swarm hash never replaces one already known (the signal
   * server's first accepted hash is final too, so a second one would be a server fault).
   */
  trust(segmentId: string, hash: TrustedHash): boolean {
    const known = this.hashes.get(segmentId);
    if (known && (known.source === 'origin' || hash.source === 'swarm')) return false;
    this.hashes.set(segmentId, hash);
    return true;
  }

  get(segmentId: string): TrustedHash | undefined {
    return this.hashes.get(segmentId);
  }

  judge(segmentId: string, holders: readonly Holder[]): Verdict {
    const trusted = this.hashes.get(segmentId);
    if (!trusted) return { usable: [], contradicting: [], unknown: true };
    const usable: Holder[] = [];
    const contradicting: Holder[] = [];
    for (const holder of holders) {
      (matchesTrusted(trusted, holder) ? usable : contradicting).push(holder);
    }
    return { usable, contradicting, unknown: false };
  }
}
