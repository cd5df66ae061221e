// The swarms (renditions) this viewer is in: the one it plays and a few recent ABR levels, so a switch back finds
// its peers still connected. Beyond the bound the least recently seen one is left.
/** Swarms we stay in at once. */
const MAX_JOINED_SWARMS = 4;

export interface JoinedSwarmsDeps {
  /** Joined `swarm` (signal server, cached segments to announce). */
  joined: (swarm: string) => void;
  /** Left `swarm`: forget what belongs to it. */
  left: (swarm: string) => void;
}

export class JoinedSwarms implements Iterable<string> {
  /** Least recently seen first. */
  private readonly swarms = new Set<string>();

  constructor(private readonly deps: JoinedSwarmsDeps) {}

  has(swarm: string): boolean {
    return this.swarms.has(swarm);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.swarms[Symbol.iterator]();
  }

  /** Joins `swarm`, or marks it the most recently seen if already in it. */
  touch(swarm: string): void {
    const known = this.swarms.delete(swarm);
    this.swarms.add(swarm);
    if (known) return;
    for (const oldest of this.swarms) {
      if (this.swarms.size <= MAX_JOINED_SWARMS) break;
      this.swarms.delete(oldest);
      this.deps.left(oldest);
    }
    this.deps.joined(swarm);
  }
}
