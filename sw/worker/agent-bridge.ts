// The worker's end of the page bridge: one MessagePort per page agent (by client id), segment requests to agents
// with a deadline, and validation of everything agents send. A dead or silent agent costs at most the deadline.
import {
  isPageToWorkerMessage,
  type LoadedResource,
  type RejectReason,
  type WorkerToPageMessage,
} from '../../protocol/bridge/bridge-messages';
import type { OriginHash, SegmentRef } from '../../protocol/bridge/segment-ref';
import { BoundedMap } from '../shared/bounded-map';
import type { WorkerLimits } from './config';
import { logWorkerError } from './errors';

/** Bytes an agent delivered for a request, not yet verified. */
export interface AgentDelivery {
  requestId: number;
  /** The page whose agent answered. */
  clientId: string;
  data: ArrayBuffer;
  /** The hash the agent vouches for (the one the serving peer announced): the worker recomputes and compares. */
  sha256: string;
}

export interface AgentBridgeOptions {
  limits: Pick<WorkerLimits, 'maxPendingPeerRequests' | 'bridgeGraceMs' | 'maxTrackedClients'>;
  /** Whether the page is still open (`clients.get`): a navigated-away page's port silently drops messages. */
  isClientAlive(clientId: string): Promise<boolean>;
  /** Hashes the signal server's hash service fetched from the origin, relayed by an agent (`origin-hashes`). */
  originHashes(hashes: Map<string, OriginHash>): void;
  /** What the page loaded before this worker controlled it (`loaded-before-control`). */
  loadedBeforeControl(clientId: string, resources: LoadedResource[]): void;
}

interface PendingRequest {
  clientId: string;
  settle(delivery: AgentDelivery | null): void;
}

const MAX_REQUEST_ID = 0xffffffff;
/** Deliveries kept per page for its agent's hello: a player's first seconds of segments, with room to spare. */
const MAX_KEPT_DELIVERIES = 256;

export class AgentBridge {
  private readonly ports = new Map<string, MessagePort>();
  private readonly pending = new Map<number, PendingRequest>();
  private lastRequestId = 0;
  /**
   * What the worker handed to pages whose agent has not said hello yet (it starts once the player plays, or the
   * worker was restarted): told at hello (replayDeliveries), so the page's stats count every byte it got from us.
   */
  private readonly kept: BoundedMap<string, WorkerToPageMessage[]>;

  constructor(private readonly options: AgentBridgeOptions) {
    this.kept = new BoundedMap(options.limits.maxTrackedClients);
  }

  /** Adopts the port a page sent with `hello`; a page that says hello again replaces its old port. */
  connect(clientId: string, port: MessagePort): void {
    this.disconnect(clientId);
    this.ports.set(clientId, port);
    port.onmessage = (event: MessageEvent) => this.receive(clientId, event.data);
    port.onmessageerror = () => logWorkerError('bad-message', { from: 'agent', type: 'undeserializable' });
  }

  disconnect(clientId: string): void {
    const port = this.ports.get(clientId);
    if (!port) return;
    this.ports.delete(clientId);
    port.onmessage = null;
    port.close();
    for (const [requestId, request] of this.pending) {
      if (request.clientId === clientId) {
        this.pending.delete(requestId);
        request.settle(null);
      }
    }
  }

  has(clientId: string): boolean {
    return this.ports.has(clientId);
  }

  post(clientId: string, message: WorkerToPageMessage): boolean {
    const port = this.ports.get(clientId);
    if (port) {
      port.postMessage(message);
      return true;
    }
    if (message.type === 'delivered') {
      const kept = this.kept.get(clientId) ?? [];
      if (kept.length < MAX_KEPT_DELIVERIES) kept.push(message);
      this.kept.set(clientId, kept);
    }
    return false;
  }

  /** Tells a page that just said hello what it was handed before (see `kept`). */
  replayDeliveries(clientId: string): void {
    const kept = this.kept.get(clientId);
    this.kept.delete(clientId);
    for (const message of kept ?? []) this.post(clientId, message);
  }

  broadcast(message: WorkerToPageMessage): void {
    for (const port of this.ports.values()) port.postMessage(message);
  }

  /**
   * Asks the page's own agent (else any live one) for a segment from peers. Resolves null on a miss, on no agent,
   * or after `maxWaitMs` (+ grace) or when `signal` aborts (the player gave up), telling the agent to cancel.
   * Never rejects.
   */
  async requestSegment(
    clientId: string,
    segment: SegmentRef,
    maxWaitMs: number,
    signal?: AbortSignal,
  ): Promise<AgentDelivery | null> {
    const { maxPendingPeerRequests, bridgeGraceMs } = this.options.limits;
    const agent = await this.liveAgent(clientId);
    if (agent === undefined || signal?.aborted) return null;
    if (this.pending.size >= maxPendingPeerRequests) {
      logWorkerError('bridge-busy', { pending: this.pending.size, limit: maxPendingPeerRequests });
      return null;
    }
    const requestId = this.nextRequestId();
    return new Promise((resolve) => {
      const settle = (delivery: AgentDelivery | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(delivery);
      };
      const giveUp = (timedOut: boolean) => {
        if (!this.pending.delete(requestId)) return;
        settle(null);
        this.post(agent, { type: 'segment-cancel', requestId });
        if (timedOut) logWorkerError('peer-timeout', { id: segment.id, waitedMs: maxWaitMs });
      };
      const onAbort = () => giveUp(false);
      const timer = setTimeout(() => giveUp(true), maxWaitMs + bridgeGraceMs);
      signal?.addEventListener('abort', onAbort);
      this.pending.set(requestId, { clientId: agent, settle });
      this.post(agent, { type: 'segment-request', requestId, segment, maxWaitMs });
    });
  }

  /** Tells the agent that delivered `delivery` its bytes failed verification (it blames the peer). */
  reject(delivery: AgentDelivery, segment: SegmentRef, reason: RejectReason): void {
    this.post(delivery.clientId, {
      type: 'segment-rejected',
      requestId: delivery.requestId,
      segment,
      reason,
    });
  }

  /** Forgets the ports of pages that are gone. */
  async prune(): Promise<void> {
    for (const clientId of [...this.ports.keys()]) {
      if (!(await this.options.isClientAlive(clientId))) this.disconnect(clientId);
    }
  }

  destroy(): void {
    for (const clientId of [...this.ports.keys()]) this.disconnect(clientId);
  }

  private async liveAgent(preferred: string): Promise<string | undefined> {
    const candidates = this.ports.has(preferred)
      ? [preferred, ...[...this.ports.keys()].filter((id) => id !== preferred)]
      : [...this.ports.keys()];
    for (const clientId of candidates) {
      if (await this.options.isClientAlive(clientId)) return clientId;
      this.disconnect(clientId);
    }
    return undefined;
  }

  private nextRequestId(): number {
    this.lastRequestId = this.lastRequestId >= MAX_REQUEST_ID ? 1 : this.lastRequestId + 1;
    return this.lastRequestId;
  }

  /** The edge: only well-formed messages, and answers to this port's own pending requests, are trusted. */
  private receive(clientId: string, message: unknown): void {
    if (!isPageToWorkerMessage(message) || message.type === 'hello') {
      const type = (message as { type?: unknown } | null)?.type;
      logWorkerError('bad-message', {
        from: 'agent',
        type: typeof type === 'string' ? type : typeof message,
      });
      return;
    }
    if (message.type === 'origin-hashes') {
      this.options.originHashes(
        new Map(message.hashes.map(({ id, size, sha256 }) => [id, { size, sha256 }])),
      );
      return;
    }
    if (message.type === 'loaded-before-control') {
      this.options.loadedBeforeControl(clientId, message.resources);
      return;
    }
    const request = this.pending.get(message.requestId);
    // Late (already timed out) or addressed to another agent's request: dropped.
    if (!request || request.clientId !== clientId) return;
    this.pending.delete(message.requestId);
    request.settle(
      message.status === 'ok'
        ? { requestId: message.requestId, clientId, data: message.data, sha256: message.sha256 }
        : null,
    );
  }
}
