// The hashes origins published for segments and progressive pieces (from their sidecars), keyed by segment id:
// bounded, most recently published kept. The strongest trust there is: peer bytes must match them.
import type { OriginHash, SegmentRef } from '../../protocol/bridge/segment-ref';
import { BoundedMap } from '../shared/bounded-map';

export class OriginHashes {
  private readonly hashes: BoundedMap<string, OriginHash>;

  /** `maxEntries`: oldest hashes are forgotten beyond it (their segments fall back to the swarm's trust). */
  constructor(maxEntries: number) {
    this.hashes = new BoundedMap(maxEntries);
  }

  /** Adds what a sidecar published; returns the ids whose hash is new or changed. */
  add(hashes: Map<string, OriginHash>): string[] {
    const changed: string[] = [];
    for (const [id, hash] of hashes) {
      const known = this.hashes.get(id);
      if (known?.size !== hash.size || known.sha256 !== hash.sha256) changed.push(id);
      this.hashes.set(id, hash);
    }
    return changed;
  }

  get(id: string): OriginHash | undefined {
    return this.hashes.get(id);
  }

  has(id: string): boolean {
    return this.hashes.has(id);
  }

  /** `ref` with the origin's hash when one is known (a copy), else `ref` itself. */
  attach(ref: SegmentRef): SegmentRef {
    const originHash = this.hashes.get(ref.id);
    if (!originHash) return ref;
    return ref.originHash === originHash ? ref : { ...ref, originHash };
  }
}
