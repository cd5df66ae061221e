// Test doubles for the worker's edges: an in-memory segment cache, an agent bridge that records what the worker
// says and answers peer requests from a script, origin hashes a test publishes, and the SegmentSources built on them.
import { vi } from 'vitest';
import type { WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import type { OriginHash, SegmentRef } from '../../protocol/bridge/segment-ref';
import type { SegmentStore, StoredSegment } from '../../sw/cache/segment-store';
import type { AgentDelivery } from '../../sw/worker/agent-bridge';
import { defaultWorkerSettings, type WorkerLimits, workerLimits } from '../../sw/worker/config';
import { OriginHashes } from '../../sw/worker/origin-hashes';
import { SegmentSources } from '../../sw/worker/segment-sources';
import { SidecarLoader } from '../../sw/worker/sidecar-loader';

/** An in-memory SegmentStore (the IndexedDB one has its own tests). */
export function memoryStore(): SegmentStore & { items: Map<string, StoredSegment> } {
  const items = new Map<string, StoredSegment>();
  return {
    items,
    get: async (id) => items.get(id),
    readForUpload: async (id) => items.get(id)?.data,
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
  /** The wait each peer request was given (maxWaitMs), in order. */
  peerWaitsMs: number[];
  inspected: Array<{ ref: SegmentRef; data: ArrayBuffer }>;
  fetch: ReturnType<typeof vi.fn<(request: Request) => Promise<Response>>>;
  /** Origin-published hashes the sources see (add to it to publish one). */
  originHashes: OriginHashes;
}

export interface FakeEdgeOptions {
  peer?: (segment: SegmentRef) => AgentDelivery | null | Promise<AgentDelivery | null>;
  /** null: no cache at all (IndexedDB unavailable); default: an empty memoryStore(). */
  store?: SegmentStore | null;
  indexSegments?: string[];
  maxSegmentBytes?: number;
  /** Origin hashes known from the start, by segment id. */
  originHashes?: Record<string, OriginHash>;
}

export function fakeEdges(options: FakeEdgeOptions = {}): FakeEdges {
  const store = options.store === undefined ? memoryStore() : options.store;
  const edges: Omit<FakeEdges, 'sources'> = {
    store: store as FakeEdges['store'],
    posted: [],
    broadcast: [],
    rejected: [],
    peerRequests: [],
    peerWaitsMs: [],
    inspected: [],
    fetch: vi.fn<(request: Request) => Promise<Response>>(),
    originHashes: new OriginHashes(1000),
  };
  const { originHashes } = edges;
  originHashes.add(new Map(Object.entries(options.originHashes ?? {})));
  const sources = new SegmentSources({
    store: async () => store ?? undefined,
    hashes: { hashed: async (ref) => originHashes.attach(ref), attach: (ref) => originHashes.attach(ref) },
    bridge: {
      requestSegment: async (_clientId, segment, maxWaitMs) => {
        edges.peerRequests.push(segment);
        edges.peerWaitsMs.push(maxWaitMs);
        return (await options.peer?.(segment)) ?? null;
      },
      reject: (_delivery, _segment, reason) => void edges.rejected.push(reason),
      post: (_clientId, message) => edges.posted.push(message) > 0,
      broadcast: (message) => void edges.broadcast.push(message),
    },
    settings: () => defaultWorkerSettings,
    limits: {
      maxSegmentBytes: options.maxSegmentBytes ?? 1024 * 1024,
      cacheLookupTimeoutMs: 50,
      peerWaitUnitBytes: workerLimits.peerWaitUnitBytes,
    },
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

/**
 * The origin-hash table and a real SidecarLoader fetching through `fetch` (a test's mock), telling `onHashes`
 * (set later: the publisher is built with the table) what arrived. Sidecar fetches are collected for `settled`.
 */
export function sidecarWiring(
  fetch: (request: Request) => Promise<Response>,
  origin = 'https://site.example',
  limits: Partial<WorkerLimits> = {},
) {
  const table = new OriginHashes(workerLimits.maxOriginHashes);
  let onHashes: (ids: string[]) => void = () => undefined;
  const loader = new SidecarLoader({
    table,
    fetch,
    settings: () => defaultWorkerSettings,
    limits: { ...workerLimits, ...limits },
    origin,
    now: Date.now,
    onHashes: (ids) => onHashes(ids),
  });
  return {
    table,
    loader,
    set onHashes(listener: (ids: string[]) => void) {
      onHashes = listener;
    },
  };
}
