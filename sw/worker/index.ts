// Peerlane's service worker (dist/peerlane-sw.js): lifecycle, the fetch and message listeners, and the wiring
// of the parts. Registered as is, or pulled into a site's own worker with importScripts('/peerlane-sw.js').

import { clientsClaim } from 'workbox-core';
import { isPageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import { adoptRelease } from '../cache/adopt-release';
import { openSegmentStore, type SegmentStore } from '../cache/segment-store';
import { AgentBridge } from './agent-bridge';
import { answerOrNetwork } from './answer-or-network';
import { parseRangeHeader } from './byte-range';
import { defaultWorkerSettings, mergeWorkerSettings, WORKER_VERSION, workerLimits } from './config';
import { logWorkerError } from './errors';
import { HelloRequests } from './hello-requests';
import { keepAlive } from './keep-alive';
import { adoptLoads } from './load-adoption';
import { type ManifestJob, ManifestTracker } from './manifest-tracker';
import { OriginHashes } from './origin-hashes';
import { PartFetcher } from './part-fetcher';
import { progressivePlan } from './piece-plan';
import { ProgressiveProbe } from './progressive-probe';
import { RangeAssembler } from './range-assembler';
import { createUnsatisfiableResponse } from './range-response';
import { RenditionPublisher } from './rendition-publisher';
import { classifyRequest, mayBeMedia, type Route, screenRequest } from './request-classifier';
import { SegmentIndex } from './segment-index';
import { SegmentRouter } from './segment-router';
import { SegmentSources } from './segment-sources';
import { SettingsGate } from './settings-gate';
import { SidecarLoader } from './sidecar-loader';
import { throwIfForced } from './test-hooks';
import { withTimeout } from './with-timeout';
import { openWorkerState, type WorkerState } from './worker-state';

declare const self: ServiceWorkerGlobalScope;

const origin = self.location.origin;
const gate = new SettingsGate(defaultWorkerSettings, workerLimits.firstHelloWaitMs, (waitedMs) =>
  logWorkerError('settings-unknown', { waitedMs }),
);
const settings = () => gate.settings;
let state: WorkerState | undefined;
let store: Promise<SegmentStore | undefined> = Promise.resolve(undefined);
/** The size cap `store` was opened with. */
let storeMaxBytes = 0;
let started = false;

const index = new SegmentIndex(workerLimits);
const originHashes = new OriginHashes(workerLimits.maxOriginHashes);
const bridge = new AgentBridge({
  limits: workerLimits,
  isClientAlive: async (clientId) => (await self.clients.get(clientId)) !== undefined,
  // The agent that relays them trusts them already; other agents ask the signal server themselves.
  originHashes: (hashes) => originHashes.add(hashes),
  adoptLoads: (clientId, urls) => {
    const serveManifest = (job: ManifestJob) => tracker.serve(job);
    void adoptLoads({ classify, serveManifest, adoptSegment: (job) => router.adopt(job) }, clientId, urls);
  },
});
const hellos = new HelloRequests({
  connected: (clientId) => bridge.has(clientId),
  ask: (clientId) =>
    void self.clients.get(clientId).then((client) => client?.postMessage({ type: 'hello-request' })),
  limits: workerLimits,
});
const askForHello = (clientId: string) => hellos.askFor(clientId);
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
  settings,
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
  settings,
  limits: workerLimits,
  now: Date.now,
});
const sources = new SegmentSources({
  store: () => store,
  bridge,
  hashes: sidecars,
  settings,
  limits: workerLimits,
  isIndexSegment: (id) => index.isIndexSegment(id),
  inspect: (ref, data, clientId) => tracker.inspect(ref, data, clientId),
  now,
});
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
  settings,
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
    gate.restored(undefined);
  }
  storeMaxBytes = settings().cacheMaxBytes;
  store = openStore(storeMaxBytes);
  started = true;
  // A restarted worker has no ports: ask the pages it controls to say hello again.
  const controlled = await self.clients.matchAll({ type: 'window' }).catch(() => []);
  for (const client of controlled) askForHello(client.id);
}

async function loadState(): Promise<void> {
  try {
    const opened = await openWorkerState();
    const saved = await opened.loadSettings();
    gate.restored(saved === undefined ? undefined : mergeWorkerSettings(saved));
    publisher.restore(await opened.loadRecords());
    state = opened;
  } catch (error) {
    logWorkerError('state-unavailable', { operation: 'load', reason: String(error) });
  } finally {
    // Nothing saved, or the load failed: the first hello decides (see SettingsGate).
    gate.restored(undefined);
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
  if (gate.isKnown && started) {
    // Cheap checks first and synchronously (classify screens): most of a page's requests leave here untouched.
    const route = classify(request);
    if (route.kind === 'pass') return;
    event.respondWith(
      answerOrNetwork(request, () => answer(event, route) ?? fetch(request), fetchFromNetwork),
    );
    return;
  }
  // No settings yet (a first install before its page's hello, a restarted worker loading them) or no index yet:
  // what may be media waits for both, then is decided as usual — or fetched just as the browser would have.
  const screened = gate.isKnown
    ? screenRequest(request, origin, settings().mediaUrls) !== null
    : !mayBeMedia(request, origin);
  if (screened) return;
  const decide = async () => {
    await gate.whenKnown();
    await ready;
    return answer(event, classify(request)) ?? fetch(request);
  };
  event.respondWith(answerOrNetwork(request, decide, fetchFromNetwork));
});

function classify(request: Request): Route {
  try {
    return classifyRequest(request, { origin, settings: settings(), index, limits: workerLimits });
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
  if (version !== WORKER_VERSION) {
    logWorkerError('version-mismatch', { page: version, worker: WORKER_VERSION });
  }
  // At once, before the state is loaded: requests held for the settings go on with these.
  gate.greeted(mergeWorkerSettings(patch ?? {}));
  await ready;
  const current = settings();
  if (current.cacheMaxBytes !== storeMaxBytes) {
    const previous = store;
    storeMaxBytes = current.cacheMaxBytes;
    store = openStore(storeMaxBytes);
    void previous.then((old) => old?.close());
  }
  bridge.connect(clientId, port);
  bridge.post(clientId, { type: 'welcome', version: WORKER_VERSION, settings: current });
  for (const manifest of publisher.manifestsFor(clientId)) bridge.post(clientId, manifest);
  await Promise.all([
    bridge.prune(),
    state?.saveSettings(current).catch((error) => {
      logWorkerError('state-unavailable', { operation: 'save settings to', reason: String(error) });
    }),
  ]);
}
