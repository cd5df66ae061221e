// When a draining process closes each of its peers: at its own random moment within the spread, so that
// thousands of peers reconnecting to the other processes arrive spread out rather than all at once.

export class DrainSchedule<Item> {
  /** Ascending by `at`; `next` is the first not yet taken. */
  private readonly entries: { item: Item; at: number }[];
  private next = 0;

  constructor(items: Iterable<Item>, now: number, spreadMs: number, random: () => number = Math.random) {
    this.entries = [...items]
      .map((item) => ({ item, at: now + Math.floor(random() * spreadMs) }))
      .sort((a, b) => a.at - b.at);
  }

  /** Each item with its delay from `now`, in the order they fall due. */
  *delays(now: number): IterableIterator<[item: Item, afterMs: number]> {
    for (let i = this.next; i < this.entries.length; i++) {
      const entry = this.entries[i] as { item: Item; at: number };
      yield [entry.item, Math.max(0, entry.at - now)];
    }
  }

  /** Removes and returns the items due at `now`. */
  takeDue(now: number): Item[] {
    const due: Item[] = [];
    for (let entry = this.entries[this.next]; entry && entry.at <= now; entry = this.entries[++this.next]) {
      due.push(entry.item);
    }
    return due;
  }

  /** Milliseconds until the next item is due, or null when none is left. */
  nextIn(now: number): number | null {
    const entry = this.entries[this.next];
    return entry ? Math.max(0, entry.at - now) : null;
  }
}
