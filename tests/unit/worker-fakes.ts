// Test doubles for the worker's edges: an in-memory segment cache, an agent bridge that records what the worker
// says and answers peer requests from a script, and the SegmentSources built on them.
import { vi } from 'vitest';
import type { SegmentStore, StoredSegment } from '../../sw/cache/segment-store';
import type { SegmentRef, WorkerToPageMessage } from '../../sw/protocol/bridge-messages';
import type { AgentDelivery } from '../../sw/worker/agent-bridge';
import { defaultWorkerSettings } from '../../sw/worker/config';
import { SegmentSources } from '../../sw/worker/segment-sources';

/** An in-memory SegmentStore (the IndexedDB one has its own tests). */
export function memoryStore(): SegmentStore & { items: Map<string, StoredSegment> } {
  const items = new Map<string, StoredSegment>();
  return {
    items,
    get: async (id) => items.get(id),
    has: async (id) => items.has(id),
    put: async (segment) => {
      items.set(segment.id, { ...segment, size: segment.data.byteLength, storedAt: 1 });
      return true;
    },
    entries: async () => [],
    clear: async () => items.clear(),
    close: () => undefined,
  };
}

export interface FakeEdges {
  store: (SegmentStore & { items: Map<string, StoredSegment> }) | null;
  sources: SegmentSources;
  /** Messages posted to the requesting page's agent, and broadcast to all. */
  posted: WorkerToPageMessage[];
  broadcast: WorkerToPageMessage[];
  rejected: string[];
  peerRequests: SegmentRef[];
  inspected: Array<{ ref: SegmentRef; data: ArrayBuffer }>;
  fetch: ReturnType<typeof vi.fn<(request: Request) => Promise<Response>>>;
}

export interface FakeEdgeOptions {
  peer?: (segment: SegmentRef) => AgentDelivery | null | Promise<AgentDelivery | null>;
  /** null: no cache at all (IndexedDB unavailable); default: an empty memoryStore(). */
  store?: SegmentStore | null;
  indexSegments?: string[];
  maxSegmentBytes?: number;
}

export function fakeEdges(options: FakeEdgeOptions = {}): FakeEdges {
  const store = options.store === undefined ? memoryStore() : options.store;
  const edges: Omit<FakeEdges, 'sources'> = {
    store: store as FakeEdges['store'],
    posted: [],
    broadcast: [],
    rejected: [],
    peerRequests: [],
    inspected: [],
    fetch: vi.fn<(request: Request) => Promise<Response>>(),
  };
  const sources = new SegmentSources({
    store: async () => store ?? undefined,
    bridge: {
      requestSegment: async (_clientId, segment) => {
        edges.peerRequests.push(segment);
        return (await options.peer?.(segment)) ?? null;
      },
      reject: (_delivery, _segment, reason) => void edges.rejected.push(reason),
      post: (_clientId, message) => edges.posted.push(message) > 0,
      broadcast: (message) => void edges.broadcast.push(message),
    },
    settings: () => defaultWorkerSettings,
    limits: { maxSegmentBytes: options.maxSegmentBytes ?? 1024 * 1024, cacheLookupTimeoutMs: 50 },
    isIndexSegment: (id) => options.indexSegments?.includes(id) ?? false,
    inspect: (ref, data) => void edges.inspected.push({ ref, data }),
    now: () => performance.now(),
  });
  return { ...edges, sources };
}

/** Collects FakeEdges-style background work (FetchEvent.waitUntil) so a test can await it. */
export function backgroundWork() {
  const background: Promise<unknown>[] = [];
  return {
    waitUntil: (promise: Promise<unknown>) => void background.push(promise),
    settled: () => Promise.all(background),
  };
}
