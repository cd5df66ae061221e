// A Map that keeps at most `maxSize` entries, dropping the least recently set (insertion order is recency): for
// every table the worker and the page agent fill from outside input, so none can grow without bound.

export class BoundedMap<Key, Value> extends Map<Key, Value> {
  constructor(private readonly maxSize: number) {
    super();
  }

  /** Inserts or refreshes `key` as the newest entry; evicts the oldest ones beyond the bound. */
  override set(key: Key, value: Value): this {
    this.setAndEvict(key, value);
    return this;
  }

  /** Same as set; returns the evicted entries (for a table whose entries are registered elsewhere too). */
  setAndEvict(key: Key, value: Value): Array<[Key, Value]> {
    super.delete(key);
    super.set(key, value);
    const evicted: Array<[Key, Value]> = [];
    for (const entry of this.entries()) {
      if (this.size <= this.maxSize) break;
      super.delete(entry[0]);
      evicted.push(entry);
    }
    return evicted;
  }
}
