// The origin's live stream (sliding window on the wall clock, the VoD looped with discontinuities, one URL per
// sequence number) and its constrained-CDN model (per-viewer and total caps on the wire, added latency, counters).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MediaSnapshot, snapshotMedia } from '../../bench/swarm/media-snapshot';
import { openLiveStream } from '../../examples/origin/live-stream';
import { resolveOriginConfig } from '../../examples/origin/origin-config';
import { type RunningOrigin, startOrigin } from '../../examples/origin/start-origin';
import { VIEWER_HEADER } from '../../examples/origin/viewer-id';
import { mediaSegments } from '../support/stack';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const LIVE = { windowSegments: 6, programDateTime: true };
let media: MediaSnapshot;
let hlsDir: string;
let vodCount: number;

// A private copy: a regeneration of examples/media/out meanwhile cannot change the bytes under the test.
beforeAll(async () => {
  media = await snapshotMedia();
  hlsDir = join(media.dir, 'hls');
  vodCount = mediaSegments(media.dir, '360p').length;
});
afterAll(() => media?.remove());

/** Media sequence numbers and segment URIs a playlist lists. */
function listed(playlist: string) {
  const lines = playlist.trim().split('\n');
  const tag = (name: string) => lines.find((line) => line.startsWith(`#${name}:`))?.split(':')[1];
  return {
    first: Number(tag('EXT-X-MEDIA-SEQUENCE')),
    discontinuitySequence: Number(tag('EXT-X-DISCONTINUITY-SEQUENCE')),
    uris: lines.filter((line) => !line.startsWith('#')),
    lines,
  };
}

describe('live playlists', () => {
  it('start full, then slide by one segment each segment duration', () => {
    const live = openLiveStream(hlsDir, LIVE, T0);
    const start = listed(live.mediaPlaylist('360p', T0) as string);
    expect(start.first).toBe(0);
    expect(start.uris).toEqual(['seg-0.ts', 'seg-1.ts', 'seg-2.ts', 'seg-3.ts', 'seg-4.ts', 'seg-5.ts']);
    expect(start.lines).not.toContain('#EXT-X-ENDLIST');
    expect(listed(live.mediaPlaylist('360p', T0 + 1_999) as string).first).toBe(0);
    const later = listed(live.mediaPlaylist('360p', T0 + 2_000) as string);
    expect(later.first).toBe(1);
    expect(later.uris.at(-1)).toBe('seg-6.ts');
    expect(listed(live.mediaPlaylist('480p', T0 + 2_000) as string).uris).toEqual(later.uris);
  });

  it('marks each loop of the VoD with a discontinuity and counts those that slid out', () => {
    const live = openLiveStream(hlsDir, LIVE, T0);
    const segmentMs = 2_000;
    // The loop point (sequence vodCount) just published, then slid out of the window.
    const atLoop = listed(live.mediaPlaylist('360p', T0 + (vodCount - 5) * segmentMs) as string);
    expect(atLoop.uris.at(-1)).toBe(`seg-${vodCount}.ts`);
    const marker = atLoop.lines.indexOf('#EXT-X-DISCONTINUITY');
    expect(atLoop.lines.slice(marker).find((line) => !line.startsWith('#'))).toBe(`seg-${vodCount}.ts`);
    expect(atLoop.discontinuitySequence).toBe(0);
    const past = listed(live.mediaPlaylist('360p', T0 + (vodCount + 1) * segmentMs) as string);
    expect(past.first).toBeGreaterThan(vodCount);
    expect(past.discontinuitySequence).toBe(1);
    expect(past.lines).not.toContain('#EXT-X-DISCONTINUITY');
  });

  it('dates segments on the wall clock: the newest one ends now', () => {
    const live = openLiveStream(hlsDir, LIVE, T0);
    const playlist = listed(live.mediaPlaylist('360p', T0) as string);
    const dated = playlist.lines.find((line) => line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) as string;
    expect(Date.parse(dated.slice('#EXT-X-PROGRAM-DATE-TIME:'.length))).toBe(T0 - 6 * 2_000);
    const plain = openLiveStream(hlsDir, { ...LIVE, programDateTime: false }, T0);
    expect(plain.mediaPlaylist('360p', T0)).not.toContain('PROGRAM-DATE-TIME');
  });

  it('maps a sequence number to its VoD file, and has no future segments', () => {
    const live = openLiveStream(hlsDir, LIVE, T0);
    const vod = mediaSegments(join(hlsDir, '..'), '360p');
    const file = live.segmentFile('360p', `seg-${vodCount + 2}.ts`, T0 + 60_000) as string;
    expect(`/media/hls/360p/${file.split('/').at(-1)}`).toBe(vod[2]?.path);
    expect(live.segmentFile('360p', 'seg-6.ts', T0)).toBeNull();
    expect(live.segmentFile('360p', 'seg-6.ts', T0 + 2_000)).not.toBeNull();
    expect(live.segmentFile('360p', 'seg-1.mp4', T0)).toBeNull();
    expect(live.segmentFile('1080p', 'seg-1.ts', T0)).toBeNull();
    expect(live.mediaPlaylist('1080p', T0)).toBeNull();
  });
});

describe('the live stream over HTTP, through a constrained CDN', () => {
  const VIEWER_MBPS = 2;
  const TOTAL_MBPS = 3;
  const LATENCY_MS = 300;
  let origin: RunningOrigin;

  beforeAll(async () => {
    origin = await startOrigin({
      port: 0,
      mediaDir: media.dir,
      cdn: { viewerMbps: VIEWER_MBPS, totalMbps: TOTAL_MBPS, latencyMs: LATENCY_MS },
    });
  });
  afterAll(() => origin?.close());

  /** Fetches as `viewer`; times to the headers (first byte) and to the last body byte, ms. */
  async function timed(path: string, viewer: string) {
    const started = performance.now();
    const response = await fetch(`${origin.url}${path}`, { headers: { [VIEWER_HEADER]: viewer } });
    const firstByteMs = performance.now() - started;
    const body = new Uint8Array(await response.arrayBuffer());
    return { response, body, firstByteMs, totalMs: performance.now() - started };
  }

  /** Time a body of `bytes` needs at `mbps`, less the bucket's 32 KiB burst, ms. */
  const wireMs = (bytes: number, mbps: number) => ((bytes - 32 * 1024) * 8) / (mbps * 1000);

  it('serves master, media playlists and segments (the VoD bytes) with latency and the viewer cap', async () => {
    const master = await timed('/media/live/master.m3u8', 'a');
    expect(master.response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(new TextDecoder().decode(master.body)).toContain('360p/index.m3u8');
    expect(master.firstByteMs).toBeGreaterThanOrEqual(LATENCY_MS * 0.95);

    const media = await timed('/media/live/360p/index.m3u8', 'a');
    expect(media.response.headers.get('cache-control')).toBe('no-cache');
    const uri = listed(new TextDecoder().decode(media.body)).uris.at(-1) as string;
    const segment = await timed(`/media/live/360p/${uri}`, 'a');
    expect(segment.response.status).toBe(200);
    const sequence = Number(/seg-(\d+)/.exec(uri)?.[1]);
    const vod = mediaSegments(origin.config.mediaDir, '360p')[sequence % vodCount];
    const expected = readFileSync(join(origin.config.mediaDir, (vod?.path ?? '').slice('/media/'.length)));
    expect(segment.body).toEqual(new Uint8Array(expected));
    // Shaped on the wire: not faster than the viewer's cap allows (the 10 % is the test's own clock: it shares
    // the event loop with the origin, so it may see the first byte late).
    expect(segment.totalMs - segment.firstByteMs).toBeGreaterThanOrEqual(
      0.9 * wireMs(expected.byteLength, VIEWER_MBPS),
    );
    expect((await fetch(`${origin.url}/media/live/360p/seg-${sequence + 5}.ts`)).status).toBe(404);
  });

  it('shares the total cap fairly between viewers and counts each one’s bytes', async () => {
    const before = origin.traffic().viewers;
    const path = '/media/hls/480p/seg-001.ts';
    const [b, c] = await Promise.all([timed(path, 'b'), timed(path, 'c')]);
    const size = b.body.byteLength;
    // Together at most TOTAL_MBPS: each took about as long as both bodies need at that rate, not one after the other.
    for (const run of [b, c]) {
      expect(run.totalMs - run.firstByteMs).toBeGreaterThanOrEqual(wireMs(2 * size, TOTAL_MBPS) * 0.9);
    }
    expect(Math.abs(b.totalMs - c.totalMs)).toBeLessThan(wireMs(size, TOTAL_MBPS) / 2);
    const after = origin.traffic().viewers;
    expect(after.b?.segmentBytes).toBe(size + (before.b?.segmentBytes ?? 0));
    expect(after.c?.segments).toBe(1);
    expect(origin.traffic().total.segmentBytes).toBeGreaterThanOrEqual(2 * size);
  });
});

it('refuses an invalid CDN or live setting, naming the flag', () => {
  expect(() => resolveOriginConfig({ cdn: { totalMbps: Number.NaN } })).toThrow(/--cdn-total-mbps/);
  expect(() => resolveOriginConfig({ live: { windowSegments: 0 } })).toThrow(/--live-window/);
  expect(resolveOriginConfig({ cdn: { latencyMs: undefined } }).cdn.latencyMs).toBe(0);
});
