// Swarm membership: which peer ids are in which swarm, with bounded random sampling for SWARM-PEERS and
// SWARM-JOINED. In-memory here; the Redis scale-out (issue 6) implements the same interface.

export interface SwarmRegistry {
  /** Adds `peer` to `swarm`; false when it was already a member. */
  join(swarm: string, peer: string): boolean;
  leave(swarm: string, peer: string): void;
  /** Up to `count` distinct random members of `swarm`, never `exclude`. Cost O(count), not O(members). */
  sample(swarm: string, count: number, exclude: string): string[];
  readonly swarmCount: number;
  readonly memberCount: number;
  /** Every swarm with its members (cluster mode refreshes them in Redis in one batch). */
  entries(): IterableIterator<[swarm: string, members: readonly string[]]>;
}

/** Members in an array (random access for sampling) plus their positions (O(1) swap-remove). */
interface Swarm {
  members: string[];
  position: Map<string, number>;
}

export class InMemorySwarmRegistry implements SwarmRegistry {
  private readonly swarms = new Map<string, Swarm>();
  private members = 0;

  constructor(private readonly random: () => number = Math.random) {}

  get swarmCount(): number {
    return this.swarms.size;
  }

  get memberCount(): number {
    return this.members;
  }

  join(swarm: string, peer: string): boolean {
    let entry = this.swarms.get(swarm);
    if (!entry) {
      entry = { members: [], position: new Map() };
      this.swarms.set(swarm, entry);
    }
    if (entry.position.has(peer)) return false;
    entry.position.set(peer, entry.members.length);
    entry.members.push(peer);
    this.members++;
    return true;
  }

  leave(swarm: string, peer: string): void {
    const entry = this.swarms.get(swarm);
    const index = entry?.position.get(peer);
    if (!entry || index === undefined) return;
    const last = entry.members.pop() as string;
    if (last !== peer) {
      entry.members[index] = last;
      entry.position.set(last, index);
    }
    entry.position.delete(peer);
    this.members--;
    if (entry.members.length === 0) this.swarms.delete(swarm);
  }

  *entries(): IterableIterator<[string, readonly string[]]> {
    for (const [swarm, entry] of this.swarms) yield [swarm, entry.members];
  }

  sample(swarm: string, count: number, exclude: string): string[] {
    const members = this.swarms.get(swarm)?.members;
    if (!members) return [];
    const picked: string[] = [];
    // Partial Fisher-Yates over a virtual copy: only the swapped slots are stored.
    const swapped = new Map<number, number>();
    for (let i = 0; i < members.length && picked.length < count; i++) {
      const j = i + Math.floor(this.random() * (members.length - i));
      const chosen = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      const member = members[chosen] as string;
      if (member !== exclude) picked.push(member);
    }
    return picked;
  }
}
