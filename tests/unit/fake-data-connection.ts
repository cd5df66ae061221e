// An in-memory stand-in for a PeerJS DataConnection ('raw') and its RTCDataChannel, wired in pairs, so peer
// channels and the pool run in Node. Sends can be held (bufferedAmount grows) to exercise backpressure.

import { PEER_WIRE_VERSION } from '../../protocol/peers/peer-wire';

type Handler = (...args: never[]) => void;

export class FakeDataChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  /** Every frame sent, in order. */
  readonly sent: ArrayBuffer[] = [];
  /** When true, sends stay in the buffer until drain(). */
  hold = false;
  private held: ArrayBuffer[] = [];

  constructor(private readonly owner: FakeDataConnection) {
    super();
  }

  /** Copies what it is given before returning, as the browser's does (senders reuse their buffers). */
  send(frame: ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: channel not open');
    const data = frame instanceof ArrayBuffer ? frame.slice(0) : frame.slice().buffer;
    this.sent.push(data);
    if (this.hold) {
      this.held.push(data);
      this.bufferedAmount += data.byteLength;
      return;
    }
    this.owner.deliver(data);
  }

  /** Delivers what was held and fires 'bufferedamountlow', as the browser does once the buffer empties. */
  drain(): void {
    for (const data of this.held.splice(0)) this.owner.deliver(data);
    this.bufferedAmount = 0;
    this.dispatchEvent(new Event('bufferedamountlow'));
  }
}

export class FakeDataConnection {
  open = false;
  label = 'peerlane';
  serialization = 'raw';
  metadata: unknown = { protocol: PEER_WIRE_VERSION };
  readonly dataChannel: FakeDataChannel;
  remote: FakeDataConnection | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(readonly peer: string) {
    this.dataChannel = new FakeDataChannel(this);
  }

  on(event: string, handler: Handler): this {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)?.add(handler);
    return this;
  }

  removeAllListeners(): this {
    this.handlers.clear();
    return this;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])])
      (handler as (...values: unknown[]) => void)(...args);
  }

  /** Frames reach the other end asynchronously, in order, as on a reliable ordered channel. */
  deliver(data: ArrayBuffer): void {
    const copy = data.slice(0);
    queueMicrotask(() => this.remote?.emit('data', copy));
  }

  /** Raw bytes into this end, as if the remote peer had sent them (for hostile-peer tests). */
  inject(data: ArrayBuffer): void {
    this.emit('data', data);
  }

  openNow(): void {
    this.open = true;
    this.emit('open');
  }

  close(): void {
    if (this.dataChannel.readyState === 'closed') return;
    const wasOpen = this.open;
    this.open = false;
    this.dataChannel.readyState = 'closed';
    if (wasOpen) this.emit('close');
    this.remote?.close();
  }
}

/** Both ends of one connection between peers `idA` and `idB`: [A's end (its `peer` is idB), B's end]. */
export function connectionPair(idA: string, idB: string): [FakeDataConnection, FakeDataConnection] {
  const atA = new FakeDataConnection(idB);
  const atB = new FakeDataConnection(idA);
  atA.remote = atB;
  atB.remote = atA;
  return [atA, atB];
}
