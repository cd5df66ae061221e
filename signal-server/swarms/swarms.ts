// Swarm membership: which peer ids are in which swarm, with bounded random sampling for SWARM-PEERS and
// SWARM-JOINED — of the whole swarm, or of one group in it (the members of one ASN or one country), so a
// joiner's same-network candidates are found without walking the swarm. Redis implements the same in cluster mode.

export interface SwarmRegistry {
  /** Adds `peer` to `swarm` and to its `groups` there (e.g. 'asn:64496', 'cc:DE'); false when already a member. */
  join(swarm: string, peer: string, groups?: readonly string[]): boolean;
  /** `groups`: those it joined with. */
  leave(swarm: string, peer: string, groups?: readonly string[]): void;
  /**
   * Up to `count` distinct random members of `swarm` (of its `group` only, when given), never `exclude`.
   * Cost O(count), not O(members).
   */
  sample(swarm: string, count: number, exclude: string, group?: string): string[];
  readonly swarmCount: number;
  readonly memberCount: number;
  /** Every swarm with its members (cluster mode refreshes them in Redis in one batch). */
  entries(): IterableIterator<[swarm: string, members: readonly string[]]>;
}

/** Members in an array (random access for sampling) plus their positions (O(1) swap-remove). */
class MemberSet {
  readonly members: string[] = [];
  private readonly position = new Map<string, number>();

  add(peer: string): boolean {
    if (this.position.has(peer)) return false;
    this.position.set(peer, this.members.length);
    this.members.push(peer);
    return true;
  }

  remove(peer: string): boolean {
    const index = this.position.get(peer);
    if (index === undefined) return false;
    const last = this.members.pop() as string;
    if (last !== peer) {
      this.members[index] = last;
      this.position.set(last, index);
    }
    this.position.delete(peer);
    return true;
  }

  sample(count: number, exclude: string, random: () => number): string[] {
    const { members } = this;
    const picked: string[] = [];
    // Partial Fisher-Yates over a virtual copy: only the swapped slots are stored.
    const swapped = new Map<number, number>();
    for (let i = 0; i < members.length && picked.length < count; i++) {
      const j = i + Math.floor(random() * (members.length - i));
      const chosen = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      const member = members[chosen] as string;
      if (member !== exclude) picked.push(member);
    }
    return picked;
  }
}

interface Swarm {
  all: MemberSet;
  groups: Map<string, MemberSet>;
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

  join(swarm: string, peer: string, groups: readonly string[] = []): boolean {
    let entry = this.swarms.get(swarm);
    if (!entry) {
      entry = { all: new MemberSet(), groups: new Map() };
      this.swarms.set(swarm, entry);
    }
    if (!entry.all.add(peer)) return false;
    this.members++;
    for (const group of groups) {
      let set = entry.groups.get(group);
      if (!set) {
        set = new MemberSet();
        entry.groups.set(group, set);
      }
      set.add(peer);
    }
    return true;
  }

  leave(swarm: string, peer: string, groups: readonly string[] = []): void {
    const entry = this.swarms.get(swarm);
    if (!entry?.all.remove(peer)) return;
    this.members--;
    for (const group of groups) {
      const set = entry.groups.get(group);
      if (set?.remove(peer) && set.members.length === 0) entry.groups.delete(group);
    }
    if (entry.all.members.length === 0) this.swarms.delete(swarm);
  }

  *entries(): IterableIterator<[string, readonly string[]]> {
    for (const [swarm, entry] of this.swarms) yield [swarm, entry.all.members];
  }

  sample(swarm: string, count: number, exclude: string, group?: string): string[] {
    const entry = this.swarms.get(swarm);
    const set = group === undefined ? entry?.all : entry?.groups.get(group);
    return set ? set.sample(count, exclude, this.random) : [];
  }
}
