// Segments held per swarm, with the size and hash announced for them: what this viewer holds (to announce)
// and what each peer announced (to choose holders). Bounded in swarms and in segments per swarm.

import type { HaveEntry } from '../../protocol/peers/peer-wire';
import { BoundedMap } from '../shared/bounded-map';

/** Swarms tracked (the agent stays in a few renditions' swarms; a peer announcing more is cut to its latest). */
const MAX_SWARMS = 8;
/** Segments per swarm (the newest kept): a HAVE list of this size fits in about a dozen frames. */
const MAX_ENTRIES_PER_SWARM = 2048;

/** Lookups by segment scan the swarms: there are few, and a full HAVE replaces a swarm in O(1). */
export class HaveIndex {
  private readonly swarms = new BoundedMap<string, BoundedMap<string, HaveEntry>>(MAX_SWARMS);

  add(swarm: string, entry: HaveEntry): void {
    let entries = this.swarms.get(swarm);
    if (!entries) {
      entries = new BoundedMap(MAX_ENTRIES_PER_SWARM);
      this.swarms.set(swarm, entries);
    }
    entries.set(entry.segmentId, entry);
  }

  get(segmentId: string): HaveEntry | undefined {
    for (const entries of this.swarms.values()) {
      const entry = entries.get(segmentId);
      if (entry) return entry;
    }
    return undefined;
  }

  has(segmentId: string): boolean {
    return this.get(segmentId) !== undefined;
  }

  remove(segmentId: string): void {
    for (const entries of this.swarms.values()) entries.delete(segmentId);
  }

  /** The entry added last in `swarm` (the newest segment, in a live swarm). */
  latest(swarm: string): HaveEntry | undefined {
    let last: HaveEntry | undefined;
    for (const entry of this.swarms.get(swarm)?.values() ?? []) last = entry;
    return last;
  }

  entries(swarm: string): HaveEntry[] {
    return [...(this.swarms.get(swarm)?.values() ?? [])];
  }

  /** Forgets a swarm: we left it, or a peer's full HAVE list replaces what it held there. */
  dropSwarm(swarm: string): void {
    this.swarms.delete(swarm);
  }

  clear(): void {
    this.swarms.clear();
  }
}
