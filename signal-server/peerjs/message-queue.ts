// Messages for peers that are not connected (yet): held briefly, bounded per destination and in total,
// handed over when the peer connects, or returned as expired so the sender can be told (EXPIRE).
import type { RelayType } from '../../protocol/signaling/peerjs-messages';

export interface QueuedMessage {
  src: string;
  dst: string;
  type: RelayType;
  /** The message exactly as the destination will receive it (src already spliced in). */
  text: string;
  queuedAt: number;
}

export interface MessageQueueLimits {
  maxPerPeer: number;
  maxTotal: number;
  /** Text held in all, in UTF-16 code units (≈ bytes for the ASCII of SDP): 20,000 × 32 KiB would be 640 MiB. */
  maxTotalChars: number;
  timeoutMs: number;
}

export type EnqueueResult = 'queued' | 'peer-full' | 'total-full';

export class MessageQueue {
  /** Per destination, oldest first. Emptied queues are deleted so absent peers cost nothing. */
  private readonly byDestination = new Map<string, QueuedMessage[]>();
  private total = 0;
  private chars = 0;

  constructor(private readonly limits: MessageQueueLimits) {}

  get size(): number {
    return this.total;
  }

  /** Messages wait for `dst`: a later one must queue behind them, whatever route it could take. */
  has(dst: string): boolean {
    return this.byDestination.has(dst);
  }

  enqueue(message: QueuedMessage): EnqueueResult {
    if (this.total >= this.limits.maxTotal || this.chars + message.text.length > this.limits.maxTotalChars)
      return 'total-full';
    const queue = this.byDestination.get(message.dst);
    if (!queue) {
      this.byDestination.set(message.dst, [message]);
    } else {
      if (queue.length >= this.limits.maxPerPeer) return 'peer-full';
      queue.push(message);
    }
    this.total++;
    this.chars += message.text.length;
    return 'queued';
  }

  /** Removes and returns everything waiting for `dst`, oldest first. */
  take(dst: string): QueuedMessage[] {
    const queue = this.byDestination.get(dst);
    if (!queue) return [];
    this.byDestination.delete(dst);
    this.total -= queue.length;
    this.chars -= textLength(queue);
    return queue;
  }

  /**
   * Removes and returns the expired messages. All messages from one sender to one destination expire
   * together, when the oldest of them times out: they are one connection attempt, answered by one EXPIRE
   * (expiring them one by one could split an attempt across sweeps). Cost is bounded by maxTotal.
   */
  expire(now: number): QueuedMessage[] {
    const expired: QueuedMessage[] = [];
    const cutoff = now - this.limits.timeoutMs;
    for (const [dst, queue] of this.byDestination) {
      const senders = new Set<string>();
      for (const message of queue) {
        if (message.queuedAt > cutoff) break;
        senders.add(message.src);
      }
      if (senders.size === 0) continue;
      const kept = queue.filter((message) => !senders.has(message.src));
      for (const message of queue) if (senders.has(message.src)) expired.push(message);
      if (kept.length === 0) this.byDestination.delete(dst);
      else this.byDestination.set(dst, kept);
    }
    this.total -= expired.length;
    this.chars -= textLength(expired);
    return expired;
  }

  clear(): void {
    this.byDestination.clear();
    this.total = 0;
    this.chars = 0;
  }
}

function textLength(messages: readonly QueuedMessage[]): number {
  let length = 0;
  for (const message of messages) length += message.text.length;
  return length;
}
