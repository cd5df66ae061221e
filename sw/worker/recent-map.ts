// Bounded recency tables: a Map's insertion order is its recency, the oldest entries go first.

/** Sets `key` as the most recent entry, then drops the oldest beyond `max`; returns the dropped entries. */
export function setRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): Array<[K, V]> {
  map.delete(key);
  map.set(key, value);
  const dropped: Array<[K, V]> = [];
  for (const entry of map) {
    if (map.size <= max) break;
    map.delete(entry[0]);
    dropped.push(entry);
  }
  return dropped;
}
