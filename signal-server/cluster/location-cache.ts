// Which process holds a peer, remembered briefly (cluster mode): a connection set-up is an OFFER, an ANSWER
// and a burst of CANDIDATEs to the same peer within a second, so one Redis look-up serves them all.
// Bounded in size and age; a stale entry costs one extra hop (the process it names forwards it on).

export class LocationCache {
  /** Insertion order = age order: the first key is the oldest. */
  private readonly entries = new Map<string, { node: string; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): string | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.node;
    this.entries.delete(id);
    return undefined;
  }

  set(id: string, node: string): void {
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { node, until: this.now() + this.ttlMs });
  }

  /** Forgets `id` if it still points at `node` (a newer answer must survive an older failure). */
  forget(id: string, node: string): void {
    if (this.entries.get(id)?.node === node) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
