// Where each connected peer id lives. The in-memory directory covers one process; the Redis scale-out
// (issue 6) implements the same interface with remote locations and cross-process id uniqueness.

export interface PeerDirectory<Peer> {
  get(id: string): Peer | undefined;
  set(id: string, peer: Peer): void;
  /** Removes `id` only while it still maps to `peer` (a replaced connection must not evict its successor). */
  delete(id: string, peer: Peer): void;
  readonly size: number;
  ids(): IterableIterator<string>;
  peers(): IterableIterator<Peer>;
}

export class InMemoryPeerDirectory<Peer> implements PeerDirectory<Peer> {
  private readonly byId = new Map<string, Peer>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Peer | undefined {
    return this.byId.get(id);
  }

  set(id: string, peer: Peer): void {
    this.byId.set(id, peer);
  }

  delete(id: string, peer: Peer): void {
    if (this.byId.get(id) === peer) this.byId.delete(id);
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  peers(): IterableIterator<Peer> {
    return this.byId.values();
  }
}
