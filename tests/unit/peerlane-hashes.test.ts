// peerlane-hashes on small hand-made outputs of every kind it describes (HLS with EXT-X-MAP and byte ranges, a
// master; DASH SegmentTemplate $Number$ and $Time$, SegmentList, SegmentBase with a sidx; a progressive MP4): the
// worker's own parser accepts every sidecar it writes, each hash is that of the bytes its id names, every segment
// the worker would name is covered; broken inputs are named with their line or element, and the rest is written.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseSegmentId, segmentId } from '../../protocol/segment-ids';
import { FileDigests } from '../../sidecars/file-digests';
import { assembleSidecars, describeTree, SIDECAR_NAME } from '../../sidecars/plan-sidecars';
import { watchSidecars } from '../../sidecars/watch-sidecars';
import { writeSidecar } from '../../sidecars/write-sidecar';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { parseDashManifest } from '../../sw/worker/dash-manifest';
import { parseHashSidecar } from '../../sw/worker/hash-sidecar';
import { parseHlsPlaylist } from '../../sw/worker/hls-playlist';
import { sidxBox } from './sidx-fixture';

const BIN = fileURLToPath(new URL('../../sidecars/bin/peerlane-hashes.mjs', import.meta.url));
const BASE = 'http://origin.example/media/';
const PIECE = defaultWorkerSettings.pieceBytes;
/** How long --watch may take to notice a change on a loaded machine (it looks every 20 ms here). */
const WAIT = { timeout: 10_000, interval: 20 };
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

let seed = 1;
/** Deterministic bytes that differ per call. */
function bytes(length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[index] = seed >>> 24;
  }
  return data;
}

function tree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'peerlane-hashes-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const mpd = (representation: string) => `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT6S" minBufferTime="PT2S"
     profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0" start="PT0S">
    <AdaptationSet mimeType="video/mp4" codecs="avc1.64001e">
      ${representation}
    </AdaptationSet>
  </Period>
</MPD>
`;

/** A DASH SegmentBase file's index: two media segments after it. */
const SIDX = sidxBox({
  timescale: 1000,
  references: [
    { size: 300, duration: 2000 },
    { size: 200, duration: 2000 },
  ],
});

function outputs(): string {
  const sidx = SIDX;
  const base = new Uint8Array(100 + sidx.byteLength + 500);
  base.set(bytes(100));
  base.set(sidx, 100);
  base.set(bytes(500), 100 + sidx.byteLength);
  const vod = (lines: string[]) =>
    ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:2', ...lines, '#EXT-X-ENDLIST', ''].join('\n');
  return tree({
    'hls/master.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\nv1/index.m3u8\n',
    'hls/v1/index.m3u8': vod([
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:2.0,',
      'seg-1.m4s',
      '#EXTINF:2.0,',
      'seg-2.m4s?v=2',
    ]),
    'hls/v1/init.mp4': bytes(120),
    'hls/v1/seg-1.m4s': bytes(3_000),
    'hls/v1/seg-2.m4s': bytes(2_000),
    'single/index.m3u8': vod([
      '#EXT-X-MAP:URI="media.mp4",BYTERANGE="100@0"',
      '#EXTINF:2.0,',
      '#EXT-X-BYTERANGE:300@100',
      'media.mp4',
      '#EXTINF:2.0,',
      '#EXT-X-BYTERANGE:200',
      'media.mp4',
    ]),
    'single/media.mp4': bytes(600),
    'dash/template.mpd': mpd(`<Representation id="v1" bandwidth="100000">
        <SegmentTemplate timescale="1000" duration="2000" startNumber="1"
          initialization="init-$RepresentationID$.m4s" media="chunk-$RepresentationID$-$Number%05d$.m4s"/>
      </Representation>`),
    'dash/init-v1.m4s': bytes(80),
    'dash/chunk-v1-00001.m4s': bytes(1_000),
    'dash/chunk-v1-00002.m4s': bytes(1_100),
    'dash/chunk-v1-00003.m4s': bytes(1_200),
    'dash/timeline.mpd': mpd(`<Representation id="t1" bandwidth="100000">
        <SegmentTemplate timescale="1000" initialization="time/init.m4s" media="time/$Time$.m4s">
          <SegmentTimeline><S t="0" d="2000" r="2"/></SegmentTimeline>
        </SegmentTemplate>
      </Representation>`),
    'dash/time/init.m4s': bytes(90),
    'dash/time/0.m4s': bytes(700),
    'dash/time/2000.m4s': bytes(710),
    'dash/time/4000.m4s': bytes(720),
    'dash/list.mpd': mpd(`<Representation id="l1" bandwidth="100000"><BaseURL>list.mp4</BaseURL>
        <SegmentList timescale="1000" duration="2000">
          <Initialization range="0-99"/><SegmentURL mediaRange="100-399"/><SegmentURL mediaRange="400-599"/>
        </SegmentList>
      </Representation>`),
    'dash/list.mp4': bytes(600),
    'dash/base.mpd': mpd(`<Representation id="b1" bandwidth="100000"><BaseURL>base.mp4</BaseURL>
        <SegmentBase indexRange="100-${99 + sidx.byteLength}"><Initialization range="0-99"/></SegmentBase>
      </Representation>`),
    'dash/base.mp4': base,
    'video/movie.mp4': bytes(2 * PIECE + 12_345),
  });
}

/** Every sidecar under `root`, read by the worker's parser as if served at BASE; checked against the files. */
function checkSidecars(root: string, dirs: string[]) {
  const covered = new Set<string>();
  for (const dir of dirs) {
    const url = new URL(`${dir ? `${dir}/` : ''}${SIDECAR_NAME}`, BASE).href;
    const parsed = parseHashSidecar(readFileSync(join(root, dir, SIDECAR_NAME), 'utf8'), url, {
      volatileParams: [],
      pieceBytes: PIECE,
      maxEntries: workerLimits.maxOriginHashes,
    });
    if (!parsed.ok) throw new Error(`${dir}: ${parsed.reason}`);
    for (const [id, hash] of parsed.hashes) {
      const parts = parseSegmentId(id);
      const path = decodeURIComponent(
        new URL(parts?.url ?? id).pathname.slice(new URL(BASE).pathname.length),
      );
      const file = new Uint8Array(readFileSync(join(root, path)));
      const data = parts?.range ? file.subarray(parts.range.start, parts.range.end + 1) : file;
      expect({ size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') }, id).toEqual(
        hash,
      );
      covered.add(id);
    }
  }
  return covered;
}

/** The ids the worker gives the segments of a manifest (its own parsers, canonical URLs). */
function workerIds(root: string, manifest: string): string[] {
  const url = new URL(manifest, BASE).href;
  const text = readFileSync(join(root, manifest), 'utf8');
  const options = { now: Date.now(), volatileParams: [], maxSegments: 10_000, maxLiveWindowSec: 3_600 };
  const entries = manifest.endsWith('.mpd')
    ? parseDashManifest(text, url, url, options).renditions.flatMap((rendition) => rendition.entries)
    : parseHlsPlaylist(text, url)?.type === 'media'
      ? (parseHlsPlaylist(text, url) as { entries: Array<{ url: string; range: null }> }).entries
      : [];
  return entries.map((entry) => segmentId(new URL(entry.url).href, entry.range));
}

describe('peerlane-hashes', () => {
  it('writes sidecars the worker reads, with the true hash of every segment, range and piece', () => {
    const root = outputs();
    const tree = describeTree(root, { pieceBytes: PIECE, now: Date.now() }, new FileDigests());
    expect(tree.errors.map(String)).toEqual([]);
    const { sidecars } = assembleSidecars(root, tree);
    for (const sidecar of sidecars) writeSidecar(root, sidecar);
    expect(sidecars.map((sidecar) => [sidecar.dir, sidecar.hashes])).toEqual([
      ['dash', 4 + 4 + 3 + 4],
      ['hls', 0],
      ['hls/v1', 3],
      ['single', 3],
      ['video', 3],
    ]);
    const covered = checkSidecars(
      root,
      sidecars.map((sidecar) => sidecar.dir),
    );
    for (const manifest of [
      'hls/v1/index.m3u8',
      'single/index.m3u8',
      'dash/template.mpd',
      'dash/timeline.mpd',
      'dash/list.mpd',
    ])
      for (const id of workerIds(root, manifest)) expect(covered, `${manifest}: ${id}`).toContain(id);
    // SegmentBase: the index range and the two media ranges its sidx lists.
    expect(covered).toContain(`${BASE}dash/base.mp4#bytes=100-${99 + SIDX.byteLength}`);
    expect([...covered].filter((id) => id.startsWith(`${BASE}dash/base.mp4#`))).toHaveLength(4);
    // The progressive file's pieces, in the worker's piece size; a manifest's MP4 is not one.
    expect([...covered].filter((id) => id.startsWith(`${BASE}video/movie.mp4#`))).toHaveLength(3);
    expect([...covered].some((id) => id === `${BASE}single/media.mp4#bytes=0-${PIECE - 1}/600`)).toBe(false);
  });

  it('names a broken input with its line or element, exits 1, and still writes the other folders', () => {
    const root = tree({
      'ok/index.m3u8': '#EXTM3U\n#EXTINF:2,\nseg.ts\n#EXT-X-ENDLIST\n',
      'ok/seg.ts': bytes(10),
      'no-extinf/index.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\nb.ts\n',
      'no-extinf/a.ts': bytes(10),
      'bad-range/index.m3u8': '#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@50\nm.mp4\n',
      'bad-range/m.mp4': bytes(120),
      'bad-tag/index.m3u8': '#EXTM3U\n#EXTINF:two,\nseg.ts\n',
      'missing/index.m3u8': '#EXTM3U\n#EXTINF:2,\n#EXTINF:2,\ngone.ts\n',
      'not-hls/index.m3u8': '<html>\n',
      'xml/broken.mpd': '<?xml version="1.0"?>\n<MPD>\n<Period><AdaptationSet>\n</MPD',
      'xml/no-sidx.mpd': mpd(`<Representation id="b1" bandwidth="1"><BaseURL>b.mp4</BaseURL>
        <SegmentBase indexRange="10-59"/></Representation>`),
      'xml/b.mp4': bytes(200),
    });
    const run = spawnSync(process.execPath, [BIN, root], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    const lines = run.stderr.split('\n');
    const expectError = (file: string, where: string, code: string) =>
      expect(
        lines.some(
          (line) => line.includes(join(root, file)) && line.includes(where) && line.includes(`[${code}]`),
        ),
        `${file} ${where} ${code}\n${run.stderr}`,
      ).toBe(true);
    expectError('no-extinf/index.m3u8', '(line 5)', 'uri-without-extinf');
    expectError('bad-range/index.m3u8', '(line 4)', 'range-outside-file');
    expectError('bad-tag/index.m3u8', '(line 2)', 'malformed-tag');
    expectError('missing/index.m3u8', '(line 4)', 'missing-file');
    expectError('not-hls/index.m3u8', '(line 1)', 'not-a-playlist');
    expectError('xml/broken.mpd', '(line ', 'invalid-mpd');
    expectError('xml/no-sidx.mpd', 'Representation id="b1"', 'no-sidx');
    expect(run.stdout).toContain(join(root, 'ok', SIDECAR_NAME));
    expect(checkSidecars(root, ['ok']).size).toBe(1);
  });

  it('exits 2 with the usage on a bad command line', () => {
    for (const args of [[], ['/nonexistent/dir'], ['--piece-bytes', 'x', '.']]) {
      const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('Usage: peerlane-hashes');
    }
  });

  it("--watch keeps a live playlist's sidecar current: its window and the one before it", async () => {
    const live = (first: number) =>
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:2',
        `#EXT-X-MEDIA-SEQUENCE:${first}`,
        ...[first, first + 1, first + 2].flatMap((n) => ['#EXTINF:2,', `seg-${n}.ts`]),
        '',
      ].join('\n');
    const files: Record<string, string | Uint8Array> = { 'live/index.m3u8': live(0) };
    for (let n = 0; n < 10; n++) files[`live/seg-${n}.ts`] = bytes(100 + n);
    const root = tree(files);
    const errors: string[] = [];
    const watcher = watchSidecars(
      root,
      { pieceBytes: PIECE, intervalMs: 20 },
      {
        wrote: () => {},
        error: (error) => errors.push(error.message),
        warning: () => {},
      },
    );
    const listed = () =>
      (JSON.parse(readFileSync(join(root, 'live', SIDECAR_NAME), 'utf8')).segments as Array<{ url: string }>)
        .map((entry) => entry.url)
        .join(' ');
    try {
      expect(listed()).toBe('seg-0.ts seg-1.ts seg-2.ts');
      // Written as packagers do: a new file renamed over the playlist (a new modification time).
      const slide = (first: number) => {
        writeFileSync(join(root, 'live', 'next.m3u8.tmp'), live(first));
        renameSync(join(root, 'live', 'next.m3u8.tmp'), join(root, 'live', 'index.m3u8'));
      };
      slide(2);
      await vi.waitFor(() => expect(listed()).toBe('seg-0.ts seg-1.ts seg-2.ts seg-3.ts seg-4.ts'), WAIT);
      slide(6);
      await vi.waitFor(
        () => expect(listed()).toBe('seg-2.ts seg-3.ts seg-4.ts seg-6.ts seg-7.ts seg-8.ts'),
        WAIT,
      );
      writeFileSync(join(root, 'live', 'index.m3u8'), '#EXTM3U\n#EXTINF:2,\nseg-9.ts\nseg-10.ts\n');
      await vi.waitFor(() => expect(errors.join()).toContain('uri-without-extinf'), WAIT);
      expect(listed(), 'a broken playlist leaves the last good sidecar').toBe(
        'seg-2.ts seg-3.ts seg-4.ts seg-6.ts seg-7.ts seg-8.ts',
      );
    } finally {
      watcher.close();
    }
  });
});
