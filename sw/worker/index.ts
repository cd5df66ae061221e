// Peerlane's service worker (dist/peerlane-sw.js): lifecycle, the fetch and message listeners, and the wiring
// of the parts. Registered as is, or pulled into a site's own worker with importScripts('/peerlane-sw.js').

import { clientsClaim } from 'workbox-core';
import { isPageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { adoptRelease } from '../cache/adopt-release';
import { openSegmentStore, type SegmentStore } from '../cache/segment-store';
import { BoundedMap } from '../shared/bounded-map';
import { AgentBridge } from './agent-bridge';
import { answerOrNetwork } from './answer-or-network';
import { parseRangeHeader } from './byte-range';
import { defaultWorkerSettings, mergeWorkerSettings, WORKER_VERSION, workerLimits } from './config';
import { logWorkerError } from './errors';
import { manifestAdopter } from './manifest-adoption';
import { ManifestTracker } from './manifest-tracker';
import { OriginHashes } from './origin-hashes';
import { PartFetcher } from './part-fetcher';
import { progressivePlan } from './piece-plan';
import { ProgressiveProbe } from './progressive-probe';
import { RangeAssembler } from './range-assembler';
import { createUnsatisfiableResponse } from './range-response';
import { RenditionPublisher } from './rendition-publisher';
import { classifyRequest, type Route, screenRequest } from './request-classifier';
import { SegmentIndex } from './segment-index';
import { SegmentRouter } from './segment-router';
import { SegmentSources } from './segment-sources';
import { SidecarLoader } from './sidecar-loader';
import { throwIfForced } from './test-hooks';
import { withTimeout } from './with-timeout';
import { openWorkerState, type WorkerState } from './worker-state';

declare const self: ServiceWorkerGlobalScope;

const origin = self.location.origin;
let settings: WorkerSettings = defaultWorkerSettings;
let state: WorkerState | undefined;
let store: Promise<SegmentStore | undefined> = Promise.resolve(undefined);
let started = false;
/** Set by the first hello: from then on the page's settings win over ones loaded late from storage. */
let greeted = false;

const index = new SegmentIndex(workerLimits);
const originHashes = new OriginHashes(workerLimits.maxOriginHashes);
const bridge = new AgentBridge({
  limits: workerLimits,
  isClientAlive: async (clientId) => (await self.clients.get(clientId)) !== undefined,
  // The agent that relays them trusts them already; other agents ask the signal server themselves.
  originHashes: (hashes) => originHashes.add(hashes),
  loadedBeforeControl: (clientId, resources) => void adoptLoaded(clientId, resources),
});
const fetchFromNetwork = (request: Request) => fetch(request);
const now = () => performance.now();
const publisher = new RenditionPublisher({
  index,
  bridge,
  persist: async (records, evicted) => state?.saveRecords(records, evicted),
  limits: workerLimits,
  hashes: originHashes,
});
const sidecars = new SidecarLoader({
  table: originHashes,
  fetch: fetchFromNetwork,
  settings: () => settings,
  limits: workerLimits,
  origin,
  now: Date.now,
  onHashes: (ids) => publisher.rehashed(ids),
});
const tracker = new ManifestTracker({
  index,
  publisher,
  sidecars,
  fetch: fetchFromNetwork,
  settings: () => settings,
  limits: workerLimits,
  now: Date.now,
});
const sources = new SegmentSources({
  store: () => store,
  bridge,
  hashes: sidecars,
  settings: () => settings,
  limits: workerLimits,
  isIndexSegment: (id) => index.isIndexSegment(id),
  inspect: (ref, data, clientId) => tracker.inspect(ref, data, clientId),
  now,
});
const adoptLoaded = manifestAdopter({ classify, index, tracker, sources, settings: () => settings });
const router = new SegmentRouter({
  sources,
  fetch: fetchFromNetwork,
  limits: workerLimits,
  origin,
  isIndexSegment: (id) => index.isIndexSegment(id),
});
const assembler = new RangeAssembler({
  parts: new PartFetcher({ sources, fetch: fetchFromNetwork, origin, limits: workerLimits }),
  sources,
  fetch: fetchFromNetwork,
  origin,
  onResized: (url, size) => {
    logWorkerError('progressive-resized', { url, size });
    index.remove(url);
  },
});
const probe = new ProgressiveProbe({
  index,
  publisher,
  sidecars,
  fetch: fetchFromNetwork,
  settings: () => settings,
  origin,
  now: Date.now,
});

/** Loads what the previous instance of this worker saved; the fetch listener waits for it (bounded) to decide. */
const ready = start();

async function start(): Promise<void> {
  const loaded = await withTimeout(loadState(), workerLimits.stateLoadTimeoutMs, 'timeout' as const);
  if (loaded === 'timeout') {
    const reason = `no answer within ${workerLimits.stateLoadTimeoutMs} ms`;
    logWorkerError('state-unavailable', { operation: 'load', reason });
  }
  store = openStore(settings.cacheMaxBytes);
  started = true;
  // A restarted worker has no ports: ask the pages it controls to say hello again.
  const controlled = await self.clients.matchAll({ type: 'window' }).catch(() => []);
  for (const client of controlled) askForHello(client.id);
}

async function loadState(): Promise<void> {
  try {
    const opened = await openWorkerState();
    const saved = mergeWorkerSettings((await opened.loadSettings()) ?? {});
    if (!greeted) settings = saved;
    publisher.restore(await opened.loadRecords());
    state = opened;
  } catch (error) {
    logWorkerError('state-unavailable', { operation: 'load', reason: String(error) });
  }
}

function openStore(maxBytes: number): Promise<SegmentStore | undefined> {
  return openSegmentStore({ maxBytes }).catch((error) => {
    logWorkerError('cache-unavailable', { reason: String(error) });
    return undefined;
  });
}

// Lifecycle: take over at once, so `Peerlane.start()` resolves on the first visit.
self.addEventListener('install', () => {
  void self.skipWaiting();
});
clientsClaim();
// Another release's cache is emptied before this one serves anything (fetch events wait for activation): bytes an
// older release stored, its bugs included, are never shared.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    adoptRelease(WORKER_VERSION).catch((error) =>
      logWorkerError('cache-unavailable', { reason: String(error) }),
    ),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  // Cheap checks first and synchronously: most of a page's requests leave here untouched. Before a restarted
  // worker has loaded its saved settings, `mediaUrls` is the default (own origin only): never wider than allowed.
  if (screenRequest(request, origin, settings.mediaUrls) !== null) return;
  if (!started) {
    // The first event of a restarted worker: the index is not loaded yet, so decide once it is.
    const decide = async () => {
      await ready;
      return answer(event, classify(request)) ?? fetch(request);
    };
    event.respondWith(answerOrNetwork(request, decide, fetchFromNetwork));
    return;
  }
  const route = classify(request);
  if (route.kind === 'pass') return;
  event.respondWith(answerOrNetwork(request, () => answer(event, route) ?? fetch(request), fetchFromNetwork));
});

function classify(request: Request): Route {
  try {
    return classifyRequest(request, { origin, settings, index, limits: workerLimits });
  } catch (error) {
    logWorkerError('route-failed', { url: request.url, reason: String(error) });
    return { kind: 'pass', reason: 'unknown' };
  }
}

/** The response for a route the worker handles, or undefined to leave the request to the browser. */
function answer(event: FetchEvent, route: Route): Promise<Response> | undefined {
  const { request, clientId } = event;
  const waitUntil = (promise: Promise<unknown>) => keepAlive(event, promise);
  if (route.kind !== 'pass') throwIfForced(request, 'answer');
  switch (route.kind) {
    case 'manifest':
    case 'maybe-manifest':
      askForHello(clientId);
      return tracker.serve({ request, clientId, sniff: route.kind === 'maybe-manifest', waitUntil });
    case 'segment':
      askForHello(clientId);
      publisher.used(clientId, route.match.ref.swarm);
      return router.serve({ request, match: route.match, clientId, waitUntil });
    case 'assemble':
      askForHello(clientId);
      publisher.used(clientId, route.plan.parts[0]?.swarm ?? '');
      return assembler.serve({ request, plan: route.plan, clientId, waitUntil });
    case 'unsatisfiable':
      return Promise.resolve(createUnsatisfiableResponse(route.totalSize));
    case 'progressive-probe':
      askForHello(clientId);
      return learnThenServe(request, clientId, waitUntil);
    case 'pass':
      return undefined;
  }
}

/** First Range request for a file: its size makes every answer (this one included) one built from pieces. */
async function learnThenServe(
  request: Request,
  clientId: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Response> {
  const record = await probe.learn({ request, clientId, waitUntil }).catch((error) => {
    logWorkerError('route-failed', { url: request.url, reason: `size probe: ${String(error)}` });
    return undefined;
  });
  const range = parseRangeHeader(request.headers.get('Range'));
  const plan = record && progressivePlan(record, range, workerLimits.maxProgressiveResponseBytes);
  if (!record || !plan) return fetch(request);
  if (plan === 'unsatisfiable') return createUnsatisfiableResponse(record.size);
  return assembler.serve({ request, plan, clientId, waitUntil });
}

/** waitUntil is only allowed while the event is still alive; late work then just runs unguarded. */
function keepAlive(event: ExtendableEvent, promise: Promise<unknown>): void {
  try {
    event.waitUntil(promise);
  } catch {
    void promise;
  }
}

const helloAsked = new BoundedMap<string, number>(workerLimits.maxTrackedClients);

/** Asks a page without a port (worker restarted, hello lost) to say hello, at most once per interval. */
function askForHello(clientId: string): void {
  if (!clientId || bridge.has(clientId)) return;
  const now = Date.now();
  if (now - (helloAsked.get(clientId) ?? 0) < workerLimits.helloRequestIntervalMs) return;
  helloAsked.set(clientId, now);
  void self.clients.get(clientId).then((client) => client?.postMessage({ type: 'hello-request' }));
}

self.addEventListener('message', (event) => {
  const message: unknown = event.data;
  // A site's own worker (importScripts) gets its own messages here too: only ours are looked at.
  if ((message as { type?: unknown } | null)?.type !== 'hello') return;
  const source = event.source;
  const port = event.ports[0];
  if (!isPageToWorkerMessage(message) || message.type !== 'hello' || !port || !source || !('id' in source)) {
    logWorkerError('bad-message', { from: 'page', type: 'hello' });
    return;
  }
  event.waitUntil(greet(source.id, port, message.version, message.settings));
});

async function greet(clientId: string, port: MessagePort, version: string, patch: unknown): Promise<void> {
  await ready;
  if (version !== WORKER_VERSION) {
    logWorkerError('version-mismatch', { page: version, worker: WORKER_VERSION });
  }
  const next = mergeWorkerSettings(patch ?? {});
  if (next.cacheMaxBytes !== settings.cacheMaxBytes) {
    const previous = store;
    store = openStore(next.cacheMaxBytes);
    void previous.then((old) => old?.close());
  }
  settings = next;
  greeted = true;
  bridge.connect(clientId, port);
  bridge.post(clientId, { type: 'welcome', version: WORKER_VERSION, settings });
  for (const manifest of publisher.manifestsFor(clientId)) bridge.post(clientId, manifest);
  bridge.replayDeliveries(clientId);
  await Promise.all([
    bridge.prune(),
    state?.saveSettings(settings).catch((error) => {
      logWorkerError('state-unavailable', { operation: 'save settings to', reason: String(error) });
    }),
  ]);
}
