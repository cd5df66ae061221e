// The bytes of the segments this viewer got last, kept in memory for the peers that ask for them next (a live
// swarm asks for the newest): such an upload costs no IndexedDB read, which past 64 KiB is a blob file on disk
// read through the browser process. Bounded by bytes; the oldest go first.

export class RecentBytes {
  private readonly items = new Map<string, ArrayBuffer>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get(segmentId: string): ArrayBuffer | undefined {
    return this.items.get(segmentId);
  }

  /** Keeps `data` (the caller must not transfer it away afterwards). */
  set(segmentId: string, data: ArrayBuffer): void {
    this.delete(segmentId);
    if (data.byteLength > this.maxBytes) return;
    this.items.set(segmentId, data);
    this.total += data.byteLength;
    for (const [oldest, bytes] of this.items) {
      if (this.total <= this.maxBytes) break;
      this.items.delete(oldest);
      this.total -= bytes.byteLength;
    }
  }

  delete(segmentId: string): void {
    const bytes = this.items.get(segmentId);
    if (!bytes) return;
    this.items.delete(segmentId);
    this.total -= bytes.byteLength;
  }

  clear(): void {
    this.items.clear();
    this.total = 0;
  }
}
