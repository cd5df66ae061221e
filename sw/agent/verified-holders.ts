// The peers that may serve a segment: those whose announcement matches its trusted hash (segment-trust.ts). A peer
// that announces a segment with another hash holds bytes that are not that segment — it is banned, at once if the
// trusted hash is known, else as soon as it becomes known. Segments announced without a trusted hash are asked for.

import type { HaveEntry } from '../../protocol/peers/peer-wire';
import type { Holder } from './scheduler';
import { matchesTrusted, SegmentTrust, type TrustedHash } from './segment-trust';

export interface VerifiedHoldersDeps {
  /** Every open peer that announced the segment, whatever its hash. */
  announcedHolders: (segmentId: string) => Holder[];
  ban: (peerId: string, reason: string) => void;
  /** Ask the signal server for the swarm's accepted hash of this segment. */
  want: (swarm: string, segmentId: string) => void;
}

export class VerifiedHolders {
  private readonly trust = new SegmentTrust();

  constructor(private readonly deps: VerifiedHoldersDeps) {}

  /** Holders whose announcement matches the trusted hash; none while no trusted hash is known. */
  holdersOf(segmentId: string): Holder[] {
    const verdict = this.trust.judge(segmentId, this.deps.announcedHolders(segmentId));
    this.banAll(segmentId, verdict.contradicting);
    return verdict.usable;
  }

  /** A trusted hash for `segmentId` (origin sidecar or swarm agreement); false if one was known already. */
  trusted(segmentId: string, hash: TrustedHash): boolean {
    if (!this.trust.trust(segmentId, hash)) return false;
    // Holders that announced something else before the hash was known.
    this.holdersOf(segmentId);
    return true;
  }

  isTrusted(segmentId: string, source?: TrustedHash['source']): boolean {
    const known = this.trust.get(segmentId);
    return known !== undefined && (source === undefined || known.source === source);
  }

  /** Peers announced `segmentId` but no hash to check them against is known yet. */
  awaitsHash(segmentId: string): boolean {
    return !this.isTrusted(segmentId) && this.deps.announcedHolders(segmentId).length > 0;
  }

  /** `peerId` announced `entries` of `swarm`: a liar is banned now; unknown hashes are asked for. */
  announced(peerId: string, swarm: string, entries: readonly HaveEntry[]): void {
    for (const entry of entries) {
      const known = this.trust.get(entry.segmentId);
      if (!known) this.deps.want(swarm, entry.segmentId);
      else if (!matchesTrusted(known, entry)) {
        this.deps.ban(peerId, contradiction(entry.segmentId, known));
        return;
      }
    }
  }

  private banAll(segmentId: string, liars: readonly Holder[]): void {
    const known = this.trust.get(segmentId);
    if (!known) return;
    for (const liar of liars) this.deps.ban(liar.peerId, contradiction(segmentId, known));
  }
}

function contradiction(segmentId: string, known: TrustedHash): string {
  const by = known.source === 'origin' ? "the origin's" : "the swarm's accepted";
  return `announced segment ${segmentId} with a size or SHA-256 that contradicts ${by} hash`;
}
