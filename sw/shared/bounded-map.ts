// A Map that keeps at most `maxSize` entries, dropping the least recently set: for every per-peer or per-swarm
// table the agent fills from outside input (what peers announce, what we hold), so none can grow without bound.

export class BoundedMap<Key, Value> extends Map<Key, Value> {
  constructor(private readonly maxSize: number) {
    super();
  }

  /** Inserts or refreshes `key` as the newest entry; evicts the oldest ones beyond the bound. */
  override set(key: Key, value: Value): this {
    super.delete(key);
    super.set(key, value);
    for (const oldest of this.keys()) {
      if (this.size <= this.maxSize) break;
      super.delete(oldest);
    }
    return this;
  }
}
