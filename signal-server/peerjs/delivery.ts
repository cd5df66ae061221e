// Getting a message to its peer: delivered here when the peer is connected to this process, sent on to the
// process that holds it (cluster mode), or held a while for a peer that is not connected yet (EXPIRE after).

import { encodeServerMessage } from '../../protocol/signaling/peerjs-messages';
import type { SignalServerConfig } from '../config';
import type { ClusterPort, RoutedMessage, SignalTelemetry } from '../signaling-ports';
import { pairLabel, tierBetween } from '../swarms/peer-traits';
import { MessageQueue, type QueuedMessage } from './message-queue';
import type { PeerDirectory } from './peer-directory';
import type { PeerSession } from './peer-session';

export interface DeliveryDeps<Socket> {
  directory: PeerDirectory<PeerSession<Socket>>;
  /** Sends to a connected peer; false when it is gone or was just closed as a slow reader. */
  send(session: PeerSession<Socket>, text: string): boolean;
  telemetry: SignalTelemetry;
  now(): number;
  cluster: ClusterPort | undefined;
}

type QueueLimits = Pick<
  SignalServerConfig,
  'maxQueuedPerPeer' | 'maxQueuedTotal' | 'maxQueuedBytes' | 'expireTimeoutMs'
>;

export class Delivery<Socket> {
  private readonly queue: MessageQueue;

  constructor(
    limits: QueueLimits,
    private readonly deps: DeliveryDeps<Socket>,
  ) {
    this.queue = new MessageQueue({
      maxPerPeer: limits.maxQueuedPerPeer,
      maxTotal: limits.maxQueuedTotal,
      maxTotalChars: limits.maxQueuedBytes,
      timeoutMs: limits.expireTimeoutMs,
    });
  }

  /** Messages waiting for peers that are not connected. */
  get queued(): number {
    return this.queue.size;
  }

  /** A client's relay message, `src` already spliced in. The local case stays synchronous: the hot path. */
  relay(message: QueuedMessage): void {
    const target = this.deps.directory.get(message.dst);
    const cluster = this.deps.cluster;
    if (target) this.deliver(message, target);
    // Behind messages already waiting for dst here, whatever route it could take: order holds.
    else if (cluster && !this.queue.has(message.dst)) cluster.forward(message, 0);
    else this.absent(message);
  }

  /** Nobody holds message.dst (or not yet): hold connection set-up messages a while; drop the rest. */
  absent(message: RoutedMessage): void {
    const { type } = message;
    if (type === 'notice') return;
    if (type === 'LEAVE' || type === 'EXPIRE') {
      // Like the reference server: only connection set-up waits for an absent peer.
      this.deps.telemetry.dropped(type, 'peer-absent');
    } else if (this.queue.enqueue(message) !== 'queued') {
      this.deps.telemetry.dropped(type, 'queue-full');
      this.tellSender(message.src, 'EXPIRE', message.dst);
    }
  }

  /** A message another process routed here (cluster mode). */
  receive(message: RoutedMessage, hops: number): void {
    const target = this.deps.directory.get(message.dst);
    if (message.type !== 'notice') message.queuedAt = this.deps.now();
    if (!target) {
      // It left, or moved on since the sender's process looked it up: look once more, then hold it here.
      if (hops === 0) this.deps.cluster?.forward(message, 1);
      else this.absent(message);
    } else if (message.type === 'notice') this.deps.send(target, message.text);
    else this.deliver(message, target);
  }

  /** `session` just registered here: what waited for it, oldest first. */
  admitted(session: PeerSession<Socket>): void {
    for (const queued of this.queue.take(session.id)) this.deliver(queued, session);
  }

  /** `id` connected to another process: what waited for it here goes there, in order. */
  arrived(id: string): void {
    for (const message of this.queue.take(id)) this.deps.cluster?.forward(message, 0);
  }

  /** Drops expired messages and tells each sender once per destination (one connection attempt). */
  expire(): void {
    const told = new Set<string>();
    for (const expired of this.queue.expire(this.deps.now())) {
      this.deps.telemetry.dropped(expired.type, 'expired');
      const pair = `${expired.src} ${expired.dst}`;
      if (told.has(pair)) continue;
      told.add(pair);
      this.tellSender(expired.src, 'EXPIRE', expired.dst);
    }
  }

  clear(): void {
    this.queue.clear();
  }

  /** A server notice for a peer wherever it is connected; dropped if it is nowhere. */
  sendTo(id: string, text: string): void {
    const session = this.deps.directory.get(id);
    if (session) this.deps.send(session, text);
    else this.deps.cluster?.forward({ type: 'notice', dst: id, text }, 0);
  }

  private deliver(message: QueuedMessage, target: PeerSession<Socket>): void {
    if (this.deps.send(target, message.text)) {
      this.deps.telemetry.relayed(message.type);
      // A pair connecting, counted by network (its src is on another process in cluster mode: unknown).
      if (message.type === 'ANSWER') {
        const tier = tierBetween(this.deps.directory.get(message.src)?.traits ?? null, target.traits);
        this.deps.telemetry.paired?.('connected', pairLabel(tier));
      }
      return;
    }
    this.deps.telemetry.dropped(message.type, 'slow-reader');
    // The target is gone or being dropped: tell the sender, as the reference server does, with LEAVE.
    if (message.type !== 'LEAVE' && message.type !== 'EXPIRE')
      this.tellSender(message.src, 'LEAVE', target.id);
  }

  private tellSender(sender: string, type: 'LEAVE' | 'EXPIRE', about: string): void {
    this.sendTo(sender, encodeServerMessage({ type, src: about, dst: sender }));
  }
}
