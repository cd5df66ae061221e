// A multiset of strings: the same key URI or playlist URL can be named by several index records at once.

export class CountedSet {
  private readonly counts = new Map<string, number>();

  add(value: string): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }

  remove(value: string): void {
    const count = this.counts.get(value) ?? 0;
    if (count <= 1) this.counts.delete(value);
    else this.counts.set(value, count - 1);
  }

  has(value: string): boolean {
    return this.counts.has(value);
  }
}
