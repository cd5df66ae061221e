// Two viewers of one VoD through the hls.js example page report their QoE to a running signal server (real
// Chromium, hls.js, workers, WebRTC): the second plays mostly from the first, both play to the end and leave
// the page — a last report on pagehide — and the server's /metrics then holds exactly what the
// pages measured: two sessions, two startups, their bytes by source (p2p included) and uploads.
import { expect, it } from 'vitest';
import type { PeerlaneStats } from '../../sw/agent/index';
import { useBrowserStack } from '../support/browser-stack';
import { fetchMetrics, type Sample, total } from '../support/prom-text';
import { segmentBytes } from '../support/viewer';
import { waitUntil } from '../support/wait-until';

const LEVEL = 1;
const RENDITION = '360p';

const suite = useBrowserStack();

it('exports both viewers’ sessions, startups and bytes by source once they leave', async () => {
  const segments = suite.stack.segments(RENDITION);
  const streamBytes = segments.reduce((sum, segment) => sum + segment.size, 0);
  const url = suite.stack.pageUrl({ level: LEVEL });
  const metrics = () => fetchMetrics(suite.stack.signal.port);

  const first = await suite.open(url, { name: 'viewer 1' });
  await first.waitFor('holding the whole stream', (probe) => segmentBytes(probe.stats) >= streamBytes);
  const second = await suite.open(url, { name: 'viewer 2' });
  await Promise.all(
    [first, second].map((viewer) => viewer.waitFor('played to the end', (probe) => probe.ended, 90_000)),
  );
  // Both ended: nothing moves any more (viewer 1 may have uploaded after its own end).
  const stats = (await Promise.all([first.probe(), second.probe()])).map((end) => end.stats as PeerlaneStats);
  for (const [n, { qoe }] of stats.entries()) {
    expect(qoe?.startupSec, `viewer ${n + 1}: startup measured`).toBeGreaterThan(0);
    expect(qoe?.reportsSent, `viewer ${n + 1}: reports sent while playing`).toBeGreaterThanOrEqual(1);
  }
  // Sessions and startups were reported at the first frame, over the socket.
  const playing = await metrics();
  expect(total(playing, 'peerlane_qoe_sessions_total')).toBe(2);
  expect(total(playing, 'peerlane_qoe_startup_seconds_count')).toBe(2);

  // Leaving the page: pagehide sends a last report (over the socket, still open then).
  const reported = stats.reduce((all, viewer) => all + (viewer.qoe?.reportsSent ?? 0), 0);
  await Promise.all([first, second].map((viewer) => viewer.page.goto('about:blank')));
  const accepted = (samples: Sample[]) =>
    total(samples, 'peerlane_qoe_reports_total', { result: 'accepted' });
  const final = await waitUntil(
    'both last reports counted',
    metrics,
    (samples) => accepted(samples) >= reported + 2,
    {
      timeoutMs: 10_000,
    },
  );
  const sum = (field: 'httpBytes' | 'p2pBytes' | 'cacheBytes' | 'uploadedBytes') =>
    stats.reduce((all, viewer) => all + viewer[field], 0);
  const p2p = total(final, 'peerlane_qoe_media_bytes_total', { source: 'p2p' });
  console.log(
    `QoE at the server: sessions ${total(final, 'peerlane_qoe_sessions_total')}, p2p ${p2p} B, http ` +
      `${total(final, 'peerlane_qoe_media_bytes_total', { source: 'http' })} B, startup sum ` +
      `${total(final, 'peerlane_qoe_startup_seconds_sum').toFixed(2)} s, watch ` +
      `${total(final, 'peerlane_qoe_watch_seconds_total').toFixed(1)} s; pages: ` +
      stats.map(({ qoe }) => JSON.stringify(qoe)).join(' '),
  );
  expect(total(final, 'peerlane_qoe_sessions_total')).toBe(2);
  expect(total(final, 'peerlane_qoe_startup_seconds_count')).toBe(2);
  expect(p2p).toBeGreaterThan(0);
  expect(p2p).toBe(sum('p2pBytes'));
  expect(total(final, 'peerlane_qoe_media_bytes_total', { source: 'http' })).toBe(sum('httpBytes'));
  expect(total(final, 'peerlane_qoe_media_bytes_total', { source: 'cache' })).toBe(sum('cacheBytes'));
  expect(total(final, 'peerlane_qoe_uploaded_bytes_total')).toBe(sum('uploadedBytes'));
  // The 30 s stream, played twice: the pages' own playing time, every second of it reported once.
  const watched = stats.reduce((all, viewer) => all + (viewer.qoe?.playingSec ?? 0), 0);
  expect(watched).toBeGreaterThan(2 * 29);
  expect(total(final, 'peerlane_qoe_watch_seconds_total')).toBeCloseTo(watched, 1);
  expect(accepted(final)).toBe(reported + 2);
  const refused = final.filter(
    (sample) => sample.name === 'peerlane_qoe_reports_total' && sample.labels.result !== 'accepted',
  );
  expect(refused.filter((sample) => sample.value > 0)).toEqual([]);
});
