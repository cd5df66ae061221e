// `npx peerlane-hashes` on the generated test media (every output: HLS TS, fMP4 and byte ranges, DASH template
// and list, a progressive MP4): the worker's parser accepts every sidecar it writes and each hash is that of the
// real bytes; served by the origin as files (no hash service; no quorum on loopback), they alone let a second
// viewer play a VoD almost entirely from the first.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveOriginConfig } from '../../examples/origin/origin-config';
import { parseSegmentId } from '../../protocol/segment-ids';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { parseHashSidecar } from '../../sw/worker/hash-sidecar';
import { useBrowserStack } from '../support/browser-stack';
import { expectCleanPlayback } from '../support/clean-playback';
import { playWhenConnected } from '../support/play-when-connected';
import { PLAY_TIMEOUT_MS } from '../support/player-swarm';
import { ensureMedia, type StackOptions } from '../support/stack';
import { type Probe, playedToEnd, segmentBytes } from '../support/viewer';

const BIN = fileURLToPath(new URL('../../sidecars/bin/peerlane-hashes.mjs', import.meta.url));
const SIDECAR = 'peerlane-hashes.json';
const BASE = 'http://origin.example/media/';
const MIN_SECOND_VIEWER_SHARE = 0.9;

const origin: NonNullable<StackOptions['origin']> = { publishHashes: 'files' };
let mediaDir = '';
let output = '';

// Before the stack starts (hooks run in the order registered): a copy of the media with the command's sidecars.
beforeAll(async () => {
  await ensureMedia();
  mediaDir = mkdtempSync(join(tmpdir(), 'peerlane-hashes-media-'));
  cpSync(resolveOriginConfig().mediaDir, mediaDir, { recursive: true });
  const run = spawnSync(process.execPath, [BIN, mediaDir], { encoding: 'utf8' });
  output = `${run.stdout}${run.stderr}`;
  expect(run.status, output).toBe(0);
  origin.mediaDir = mediaDir;
});
afterAll(() => rmSync(mediaDir, { recursive: true, force: true }));

const suite = useBrowserStack({ origin, closeViewers: 'test' });

it('writes sidecars the worker accepts, each hash that of the bytes it names', () => {
  const sidecars = readdirSync(mediaDir, { recursive: true, encoding: 'utf8' }).filter((path) =>
    path.endsWith(SIDECAR),
  );
  let hashes = 0;
  for (const path of sidecars) {
    const url = new URL(path, BASE).href;
    const parsed = parseHashSidecar(readFileSync(join(mediaDir, path), 'utf8'), url, {
      volatileParams: [],
      pieceBytes: defaultWorkerSettings.pieceBytes,
      maxEntries: workerLimits.maxOriginHashes,
    });
    if (!parsed.ok) throw new Error(`${path}: ${parsed.reason}`);
    for (const [id, hash] of parsed.hashes) {
      const parts = parseSegmentId(id);
      const file = new Uint8Array(readFileSync(join(mediaDir, new URL(parts?.url ?? id).pathname.slice(7))));
      const data = parts?.range ? file.subarray(parts.range.start, parts.range.end + 1) : file;
      expect({ size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') }, id).toEqual(
        hash,
      );
      hashes++;
    }
  }
  console.log(`peerlane-hashes on the test media: ${sidecars.length} sidecars, ${hashes} hashes checked`);
  // Every output folder has one (masters' folders too, empty), and the media playlists' and MPDs' are full.
  for (const folder of [
    'hls',
    'hls/360p',
    'hls-fmp4/360p',
    'hls-byterange/360p',
    'dash',
    'dash-list',
    'progressive',
  ])
    expect(sidecars, folder).toContain(`${folder}/${SIDECAR}`);
  // 3 × 15 TS segments, 2 × 3 × 16 fMP4 ones (init included), 2 × 64 DASH ones, 12 pieces of the progressive MP4.
  expect(hashes).toBeGreaterThanOrEqual(45 + 96 + 128 + 12);
});

it('serves a second viewer from the first with only the sidecars it wrote to trust', async () => {
  const segments = suite.stack.segments('360p');
  const url = suite.stack.pageUrl({ level: 1 });
  const first = await suite.open(url, { name: 'viewer 1' });
  const held = await first.waitFor(
    'holding the whole stream',
    (probe) => probe.segments.length >= segments.length && Boolean(probe.stats?.peerId),
    PLAY_TIMEOUT_MS,
  );
  const second = await suite.open(url, {
    name: 'viewer 2',
    setup: (page) => playWhenConnected(page, [held.stats?.peerId as string], 500, /\.ts(\?|$)/),
  });
  const [end1, end2] = (await playedToEnd([first, second], PLAY_TIMEOUT_MS)) as [Probe, Probe];
  const share = (end2.stats?.p2pBytes ?? 0) / segmentBytes(end2.stats);
  console.log(
    `sidecars from peerlane-hashes: viewer 2 got ${(100 * share).toFixed(1)} % of its bytes from peers`,
  );
  expect(share, [...first.log(), ...second.log()].join('\n')).toBeGreaterThanOrEqual(MIN_SECOND_VIEWER_SHARE);
  expectCleanPlayback(first, end1, segments, [first, second]);
  expectCleanPlayback(second, end2, segments, [first, second]);
});
