#!/usr/bin/env node
// What the Peerlane service worker adds to each media segment fetch, in headless Chromium: the same segments
// fetched without a worker (network, then the HTTP cache), and through the worker on a miss (network) and
// on a hit (its IndexedDB cache). Prints a table and writes bench/results/worker-latency.json.
// Usage: npm run bench:worker [-- --rounds 5 --rendition 360p]   (needs dist/: npm run build)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { common, node } from '../build-targets.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const { values } = parseArgs({ options: { rounds: { type: 'string' }, rendition: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 5);
const RENDITION = values.rendition ?? '360p';
/** How long a fetch's delivery may take to show in Peerlane.stats() (the worker reports it asynchronously). */
const STATS_SETTLE_MS = 2_000;

// Node 20 runs no TypeScript: bundle the browser-test support (origin, signal server, Chromium launcher). The
// bundle sits two folders below the root, like tests/support/, so its import.meta.url-relative paths hold.
async function loadTestSupport() {
  const outfile = join(RESULTS, '.test-support.mjs');
  await build({
    ...common,
    ...node,
    stdin: {
      contents:
        "export { startStack } from './tests/support/stack'; export { launchChromium } from './tests/support/browser';",
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile,
  });
  return import(outfile);
}

/** Runs in the page: fetches each URL in turn, timing request start to last body byte. */
function fetchAll(urls) {
  return urls.reduce(
    (done, url) =>
      done.then(async (samples) => {
        const started = performance.now();
        const response = await fetch(url);
        const bytes = (await response.arrayBuffer()).byteLength;
        return [...samples, { url, ms: performance.now() - started, status: response.status, bytes }];
      }),
    Promise.resolve([]),
  );
}

/** Runs in the page: segment bytes delivered so far by source, from Peerlane.stats(). */
function deliveredBySource() {
  const { httpBytes, p2pBytes, cacheBytes } = window.Peerlane.stats();
  return { http: httpBytes, p2p: p2pBytes, cache: cacheBytes };
}

/** Fetches one URL at a time through the worker, and attributes each to the source its bytes were counted under. */
async function fetchThroughWorker(page, urls) {
  const samples = [];
  for (const url of urls) {
    const before = await page.evaluate(deliveredBySource);
    const [sample] = await page.evaluate(fetchAll, [url]);
    let source = 'unreported';
    const deadline = Date.now() + STATS_SETTLE_MS;
    while (source === 'unreported' && Date.now() < deadline) {
      const after = await page.evaluate(deliveredBySource);
      source = Object.keys(after).find((key) => after[key] > before[key]) ?? 'unreported';
      if (source === 'unreported') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    samples.push({ ...sample, source });
  }
  return samples;
}

async function measureRound(browser, stack, urls) {
  const blank = `${stack.origin.url}/config.json`; // Any same-origin document will do; this one exists.
  const plain = await browser.createBrowserContext();
  const worker = await browser.createBrowserContext();
  try {
    const page = await plain.newPage();
    await page.goto(blank);
    const network = await page.evaluate(fetchAll, urls);
    const httpCache = await page.evaluate(fetchAll, urls);

    const controlled = await worker.newPage();
    await controlled.goto(blank);
    await controlled.addScriptTag({ url: '/peerlane.js' });
    await controlled.evaluate((signal) => window.Peerlane.start({ signal, iceServers: [] }), stack.signalUrl);
    // The worker learns which URLs are segments from the playlist, as it would when a player loads it.
    await controlled.evaluate(fetchAll, [urls[0].replace(/[^/]+$/, 'index.m3u8')]);
    const miss = await fetchThroughWorker(controlled, urls);
    const hit = await fetchThroughWorker(controlled, urls);
    return { network, httpCache, miss, hit };
  } finally {
    await Promise.all([plain.close(), worker.close()]);
  }
}

function summarize(samples) {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const mean = sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length;
  return { count: sorted.length, medianMs: at(0.5), p90Ms: at(0.9), meanMs: mean };
}

const { startStack, launchChromium } = await loadTestSupport();
const [stack, browser] = await Promise.all([startStack(), launchChromium()]);
try {
  const segments = stack.segments(RENDITION);
  const urls = segments.map((segment) => `${stack.origin.url}${segment.path}`);
  const all = { network: [], httpCache: [], miss: [], hit: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await measureRound(browser, stack, urls);
    for (const key of Object.keys(all)) all[key].push(...result[key]);
    console.log(`round ${round}/${ROUNDS} done`);
  }
  const missFromNetwork = all.miss.filter((sample) => sample.source === 'http');
  const hitFromCache = all.hit.filter((sample) => sample.source === 'cache');
  const rows = {
    'no worker, network': summarize(all.network),
    'no worker, HTTP cache': summarize(all.httpCache),
    'worker miss (network)': summarize(missFromNetwork),
    'worker hit (IndexedDB)': summarize(hitFromCache),
  };
  const added = {
    missVsNoWorkerMs: rows['worker miss (network)'].medianMs - rows['no worker, network'].medianMs,
    hitVsNoWorkerNetworkMs: rows['worker hit (IndexedDB)'].medianMs - rows['no worker, network'].medianMs,
    hitVsHttpCacheMs: rows['worker hit (IndexedDB)'].medianMs - rows['no worker, HTTP cache'].medianMs,
  };
  const sources = (samples) => {
    const counts = {};
    for (const sample of samples) counts[sample.source] = (counts[sample.source] ?? 0) + 1;
    return counts;
  };

  const meanBytes = Math.round(segments.reduce((sum, segment) => sum + segment.size, 0) / segments.length);
  console.log(
    `\nPer-segment fetch time, ${RENDITION} (${segments.length} segments, ~${meanBytes} bytes), ${ROUNDS} rounds`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(rows).map(([name, row]) => [
        name,
        {
          n: row.count,
          'median ms': row.medianMs.toFixed(2),
          'p90 ms': row.p90Ms.toFixed(2),
          'mean ms': row.meanMs.toFixed(2),
        },
      ]),
    ),
  );
  console.log(
    `added by the worker (medians): miss ${added.missVsNoWorkerMs.toFixed(2)} ms vs no worker; ` +
      `hit ${added.hitVsNoWorkerNetworkMs.toFixed(2)} ms vs no worker (network), ` +
      `${added.hitVsHttpCacheMs.toFixed(2)} ms vs the HTTP cache`,
  );
  console.log(
    `sources seen: miss pass ${JSON.stringify(sources(all.miss))}, hit pass ${JSON.stringify(sources(all.hit))}`,
  );

  mkdirSync(RESULTS, { recursive: true });
  const out = join(RESULTS, 'worker-latency.json');
  const report = { rendition: RENDITION, rounds: ROUNDS, segments: segments.length, meanBytes, rows, added };
  writeFileSync(out, `${JSON.stringify({ ...report, samples: all }, null, 2)}\n`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await stack.close();
}
