// Manifests through the worker: passed to the player unchanged, read into renditions on the way (HLS playlists,
// DASH MPDs, sidx indexes), announced to the page's agent, and remembered so a restarted worker still knows them.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerToPageMessage } from '../../protocol/bridge/bridge-messages';
import { parseRangeHeader } from '../../sw/worker/byte-range';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { ManifestTracker } from '../../sw/worker/manifest-tracker';
import { RenditionPublisher } from '../../sw/worker/rendition-publisher';
import { SegmentIndex } from '../../sw/worker/segment-index';
import { openWorkerState, type WorkerState } from '../../sw/worker/worker-state';
import { sidxBox } from './sidx-fixture';
import { sidecarWiring } from './worker-fakes';

const MEDIA_URL = 'https://cdn.example.com/vod/720p/index.m3u8?token=viewer1';
const MEDIA = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:2,',
  'seg-0.m4s?token=viewer1',
  '#EXTINF:2,',
  'seg-1.m4s?token=viewer1',
  '#EXT-X-ENDLIST',
  '',
].join('\n');
const MASTER = ['#EXTM3U', '#EXT-X-STREAM-INF:BANDWIDTH=1000', 'rendition?id=720', ''].join('\n');
const HLS_TYPE = { 'Content-Type': 'application/vnd.apple.mpegurl' };
const DASH_TYPE = { 'Content-Type': 'application/dash+xml' };
const none = parseRangeHeader(null);

let dbCounter = 0;
const states: WorkerState[] = [];
afterEach(() => {
  for (const state of states.splice(0)) state.close();
  vi.restoreAllMocks();
});

function setup(options: { hasPort?: boolean; state?: WorkerState; maxSegmentIdLength?: number } = {}) {
  const index = new SegmentIndex(workerLimits);
  const posted: WorkerToPageMessage[] = [];
  const broadcast: WorkerToPageMessage[] = [];
  const fetch = vi.fn<(request: Request) => Promise<Response>>();
  const hashes = sidecarWiring(fetch);
  const publisher = new RenditionPublisher({
    index,
    bridge: {
      post: (_clientId, message) => (options.hasPort ?? true) && posted.push(message) > 0,
      broadcast: (message) => void broadcast.push(message),
    },
    persist: async (records, evicted) => options.state?.saveRecords(records, evicted),
    limits: workerLimits,
    hashes: hashes.table,
  });
  hashes.onHashes = (ids) => publisher.rehashed(ids);
  const tracker = new ManifestTracker({
    index,
    publisher,
    sidecars: hashes.loader,
    fetch,
    settings: () => defaultWorkerSettings,
    limits: {
      ...workerLimits,
      maxSegmentIdLength: options.maxSegmentIdLength ?? workerLimits.maxSegmentIdLength,
    },
    now: () => 1,
  });
  const background: Promise<unknown>[] = [];
  const serve = (url: string, sniff = false, clientId = 'page-1') =>
    tracker.serve({
      request: new Request(url),
      clientId,
      sniff,
      waitUntil: (promise) => void background.push(promise),
    });
  const manifests = () => posted.filter((message) => message.type === 'manifest');
  return {
    index,
    tracker,
    publisher,
    posted,
    manifests,
    broadcast,
    fetch,
    serve,
    hashes,
    settled: () => Promise.all(background),
  };
}

describe('ManifestTracker with HLS', () => {
  it('returns the playlist unchanged and recognises its segments before the player asks for them', async () => {
    const t = setup();
    const network = new Response(MEDIA, { headers: HLS_TYPE });
    t.fetch.mockResolvedValue(network);
    const response = await t.serve(MEDIA_URL);
    expect(response).toBe(network);
    expect(await response.text()).toBe(MEDIA);
    const segment = t.index.match('https://cdn.example.com/vod/720p/seg-1.m4s', none);
    expect(segment?.kind === 'segment' && segment.match.ref).toMatchObject({
      swarm: 'https://cdn.example.com/vod/720p/index.m3u8',
      url: 'https://cdn.example.com/vod/720p/seg-1.m4s?token=viewer1',
      sequence: 1,
    });
    const init = t.index.match('https://cdn.example.com/vod/720p/init.mp4', none);
    expect(init?.kind === 'segment' && init.match.ref.sequence).toBe(-1);
  });

  it("sends the manifest to the loading page's agent, or to every agent when that page has none", async () => {
    const own = setup();
    own.fetch.mockResolvedValue(new Response(MEDIA));
    await own.serve(MEDIA_URL);
    expect(own.posted).toHaveLength(1);
    const manifest = own.posted[0];
    if (manifest?.type !== 'manifest') throw new Error('expected a manifest');
    expect(manifest).toMatchObject({
      swarm: 'https://cdn.example.com/vod/720p/index.m3u8',
      url: MEDIA_URL,
      live: false,
    });
    expect(manifest.segments.map((segment) => segment.id)).toEqual([
      'https://cdn.example.com/vod/720p/init.mp4',
      'https://cdn.example.com/vod/720p/seg-0.m4s',
      'https://cdn.example.com/vod/720p/seg-1.m4s',
    ]);
    expect(own.publisher.manifestsFor('page-1')).toEqual([manifest]);
    expect(own.publisher.manifestsFor('page-2')).toEqual([]);

    const orphan = setup({ hasPort: false });
    orphan.fetch.mockResolvedValue(new Response(MEDIA));
    await orphan.serve(MEDIA_URL);
    expect(orphan.broadcast).toMatchObject([{ type: 'manifest' }]);
  });

  it('learns the renditions a master names, even without a .m3u8 extension', async () => {
    const t = setup();
    t.fetch.mockResolvedValue(new Response(MASTER));
    await t.serve('https://cdn.example.com/vod/master.m3u8');
    expect(t.index.isPlaylist('https://cdn.example.com/vod/rendition?id=720')).toBe(true);
    expect(t.posted).toEqual([]);
  });

  it('gives alternate audio renditions their own swarms, apart from the video they play with', async () => {
    const t = setup();
    const master = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",DEFAULT=YES,URI="audio/en/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Deutsch",LANGUAGE="de",URI="audio/de/index.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO="aac"',
      'video/360p/index.m3u8',
    ].join('\n');
    const media = (name: string) =>
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:2,',
        `${name}-0.m4s`,
        '#EXT-X-ENDLIST',
      ].join('\n');
    t.fetch.mockImplementation(async (request) => {
      if (request.url.endsWith('master.m3u8')) return new Response(master);
      return new Response(media(request.url.includes('audio') ? 'audio' : 'video'));
    });
    await t.serve('https://cdn.example.com/vod/master.m3u8');
    await t.serve('https://cdn.example.com/vod/video/360p/index.m3u8');
    await t.serve('https://cdn.example.com/vod/audio/en/index.m3u8');
    expect(t.index.isPlaylist('https://cdn.example.com/vod/audio/de/index.m3u8')).toBe(true);
    expect(t.manifests().map((message) => message.type === 'manifest' && message.swarm)).toEqual([
      'https://cdn.example.com/vod/video/360p/index.m3u8',
      'https://cdn.example.com/vod/audio/en/index.m3u8',
    ]);
    const audio = t.index.match('https://cdn.example.com/vod/audio/en/audio-0.m4s', none);
    expect(audio?.kind === 'segment' && audio.match.ref.swarm).toBe(
      'https://cdn.example.com/vod/audio/en/index.m3u8',
    );
    // Each rendition's own init section, in its own swarm.
    const init = t.index.match('https://cdn.example.com/vod/audio/en/init.mp4', none);
    expect(init?.kind === 'segment' && init.match.ref.swarm).toBe(
      'https://cdn.example.com/vod/audio/en/index.m3u8',
    );
  });

  it('passes LL-HLS through: blocking reloads are fetched as asked, parts and hints are never intercepted', async () => {
    const t = setup();
    const live = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0',
      '#EXT-X-PART-INF:PART-TARGET=0.5',
      '#EXT-X-MEDIA-SEQUENCE:100',
      '#EXTINF:4,',
      'seg100.mp4',
      '#EXT-X-PART:DURATION=0.5,URI="seg101.part0.mp4"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg101.part1.mp4"',
    ].join('\n');
    t.fetch.mockResolvedValue(new Response(live));
    const blocking = 'https://cdn.example.com/live/index.m3u8?_HLS_msn=101&_HLS_part=1';
    await t.serve(blocking);
    expect(t.fetch.mock.calls[0]?.[0].url).toBe(blocking);
    expect(t.index.isPassUrl('https://cdn.example.com/live/seg101.part0.mp4')).toBe(true);
    expect(t.index.isPassUrl('https://cdn.example.com/live/seg101.part1.mp4')).toBe(true);
    expect(t.index.match('https://cdn.example.com/live/seg101.part1.mp4', none)).toBeUndefined();
    // The swarm is the rendition's, whatever delivery directives the reload carried.
    expect(t.manifests()).toMatchObject([{ swarm: 'https://cdn.example.com/live/index.m3u8', live: true }]);
  });

  it('when sniffing, only a manifest Content-Type makes a response a manifest', async () => {
    const t = setup();
    const json = new Response(MEDIA, { headers: { 'Content-Type': 'application/json' } });
    t.fetch.mockResolvedValueOnce(json);
    expect(await t.serve('https://cdn.example.com/api/stream?id=1', true)).toBe(json);
    expect(t.posted).toEqual([]);
    t.fetch.mockResolvedValueOnce(new Response(MEDIA, { headers: HLS_TYPE }));
    await t.serve('https://cdn.example.com/api/stream?id=1', true);
    expect(t.posted).toMatchObject([{ type: 'manifest' }]);
  });

  it('passes error pages and unparsable playlists through untouched', async () => {
    const t = setup();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const missing = new Response(MEDIA, { status: 404 });
    t.fetch.mockResolvedValueOnce(missing);
    expect(await t.serve(MEDIA_URL)).toBe(missing);
    const broken = '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0x12\n#EXTINF:2,\na.ts\n';
    t.fetch.mockResolvedValueOnce(new Response(broken));
    const response = await t.serve(MEDIA_URL);
    expect(await response.text()).toBe(broken);
    expect(t.posted).toEqual([]);
    expect(warn.mock.calls[0]?.[0]).toContain('playlist-unreadable');
  });

  it('leaves out segments whose canonical URL is too long to share', async () => {
    const t = setup({ maxSegmentIdLength: 41 }); // init.mp4 fits, seg-N.m4s (42 characters) does not
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    t.fetch.mockResolvedValue(new Response(MEDIA));
    await t.serve(MEDIA_URL);
    const manifest = t.posted[0];
    expect(manifest?.type === 'manifest' && manifest.segments.map((segment) => segment.id)).toEqual([
      'https://cdn.example.com/vod/720p/init.mp4',
    ]);
  });
});

const MPD_URL = 'https://cdn.example.com/dash/manifest.mpd?token=v1';
const MPD = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT6S" minBufferTime="PT2S">
  <Period id="0">
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <SegmentTemplate timescale="1000" duration="2000" startNumber="1" initialization="init-$RepresentationID$.m4s" media="chunk-$RepresentationID$-$Number%05d$.m4s"/>
      <Representation id="0" bandwidth="800000"/>
      <Representation id="1" bandwidth="1600000"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="en">
      <Representation id="a" bandwidth="128000">
        <BaseURL>audio/en.mp4</BaseURL>
        <SegmentBase indexRange="700-755"><Initialization range="0-699"/></SegmentBase>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>`;
const SWARM_0 = 'https://cdn.example.com/dash/manifest.mpd#period=0&representation=0';
const SWARM_A = 'https://cdn.example.com/dash/manifest.mpd#period=0&representation=a';

describe('ManifestTracker with origin hashes', () => {
  it('fetches the sidecar a manifest names after indexing it, and tells the agent the hashes', async () => {
    const t = setup();
    const sha256 = 'c'.repeat(64);
    const segments = ['init.mp4', 'seg-0.m4s', 'seg-1.m4s'].map((name) => ({
      url: `720p/${name}`,
      size: 9,
      sha256,
    }));
    const sidecar = { peerlane: 'hashes/1', segments };
    t.fetch.mockImplementation(async (request) =>
      request.url.endsWith('/hashes.json')
        ? new Response(JSON.stringify(sidecar))
        : new Response(MEDIA, { headers: { ...HLS_TYPE, 'Peerlane-Hashes': '../hashes.json' } }),
    );
    const response = await t.serve(MEDIA_URL);
    expect(await response.text()).toBe(MEDIA);
    await t.settled();
    expect(t.fetch.mock.calls.map(([request]) => request.url)).toEqual([
      MEDIA_URL,
      'https://cdn.example.com/vod/hashes.json',
    ]);
    const [first, second] = t.manifests();
    const hashOf = (message: WorkerToPageMessage | undefined, id: string) =>
      message?.type === 'manifest'
        ? message.segments.find((segment) => segment.id.endsWith(id))?.originHash
        : null;
    expect(hashOf(first, 'seg-1.m4s')).toBeUndefined();
    expect(hashOf(second, 'seg-1.m4s')).toEqual({ size: 9, sha256 });
    // Reloading the playlist: every segment it lists has a hash, so the sidecar is not fetched again.
    await t.serve(MEDIA_URL);
    await t.settled();
    expect(t.fetch).toHaveBeenCalledTimes(3);
  });
});

describe('ManifestTracker with DASH', () => {
  it('indexes every representation of an MPD, and announces each when the player first uses it', async () => {
    const t = setup();
    const network = new Response(MPD, { headers: DASH_TYPE });
    t.fetch.mockResolvedValue(network);
    expect(await t.serve(MPD_URL)).toBe(network);
    expect(t.index.isPlaylist('https://cdn.example.com/dash/manifest.mpd')).toBe(true);
    const chunk = t.index.match('https://cdn.example.com/dash/chunk-1-00003.m4s', none);
    expect(chunk?.kind === 'segment' && chunk.match.ref).toMatchObject({
      swarm: 'https://cdn.example.com/dash/manifest.mpd#period=0&representation=1',
      sequence: 3,
      durationSec: 2,
    });
    // The MPD lists every rendition; the agent joins the swarms of those the player plays.
    expect(t.manifests()).toEqual([]);
    t.publisher.used('page-1', SWARM_0);
    t.publisher.used('page-1', SWARM_0);
    expect(t.manifests()).toMatchObject([{ swarm: SWARM_0, url: MPD_URL, live: false }]);
    const [manifest] = t.manifests();
    expect(
      manifest?.type === 'manifest' && manifest.segments.map((segment) => segment.id.split('/').pop()),
    ).toEqual(['init-0.m4s', 'chunk-0-00001.m4s', 'chunk-0-00002.m4s', 'chunk-0-00003.m4s']);
    expect(t.publisher.manifestsFor('page-1')).toEqual([manifest]);
  });

  it('re-announces a used representation when the MPD is reloaded (live refresh)', async () => {
    const t = setup();
    t.fetch.mockImplementation(async () => new Response(MPD, { headers: DASH_TYPE }));
    await t.serve(MPD_URL);
    t.publisher.used('page-1', SWARM_0);
    await t.serve(MPD_URL);
    expect(t.manifests().map((message) => message.type === 'manifest' && message.swarm)).toEqual([
      SWARM_0,
      SWARM_0,
    ]);
  });

  it("reads a SegmentBase file's sidx when its bytes pass by, then knows each media range by its own id", async () => {
    const t = setup();
    t.fetch.mockResolvedValue(new Response(MPD, { headers: DASH_TYPE }));
    await t.serve(MPD_URL);
    const file = 'https://cdn.example.com/dash/audio/en.mp4';
    const init = t.index.match(file, parseRangeHeader('bytes=0-699'));
    expect(init?.kind === 'segment' && init.match).toMatchObject({
      exact: true,
      ref: { swarm: SWARM_A, sequence: -1 },
    });
    const sidx = t.index.match(file, parseRangeHeader('bytes=700-755'));
    if (sidx?.kind !== 'segment') throw new Error('expected the index range to be a segment');
    expect(t.index.isIndexSegment(sidx.match.ref.id)).toBe(true);
    // Media starts right after the 56-byte sidx box: 1000 then 1200 bytes.
    const box = sidxBox({
      timescale: 48000,
      references: [
        { size: 1000, duration: 96000 },
        { size: 1200, duration: 48000 },
      ],
    });
    expect(box.byteLength).toBe(56);
    t.publisher.used('page-1', SWARM_A);
    t.tracker.inspect(sidx.match.ref, box.slice().buffer, 'page-1');
    const second = t.index.match(file, parseRangeHeader('bytes=1756-2955'));
    expect(second?.kind === 'segment' && second.match).toMatchObject({
      exact: true,
      ref: { id: `${file}#bytes=1756-2955`, swarm: SWARM_A, durationSec: 1, sequence: 1 },
    });
    // The agent learns the media segments too (its manifest is re-sent with them).
    const latest = t.manifests().at(-1);
    expect(latest?.type === 'manifest' && latest.segments.map((segment) => segment.range)).toEqual([
      { start: 0, end: 699 },
      { start: 700, end: 755 },
      { start: 756, end: 1755 },
      { start: 1756, end: 2955 },
    ]);
  });

  it('a restarted worker recognises segments of manifests loaded before (templates too), and keeps its settings', async () => {
    const dbName = `worker-state-test-${++dbCounter}`;
    const before = await openWorkerState(dbName);
    states.push(before);
    const t = setup({ state: before });
    t.fetch.mockImplementation(async (request) => new Response(request.url.includes('.mpd') ? MPD : MEDIA));
    await t.serve(MEDIA_URL);
    await t.serve(MPD_URL);
    await t.settled();
    await before.saveSettings({ ...defaultWorkerSettings, peerMaxWaitMs: 1234 });
    before.close();

    const after = await openWorkerState(dbName);
    states.push(after);
    const restarted = setup({ state: after });
    restarted.publisher.restore(await after.loadRecords());
    expect(restarted.index.match('https://cdn.example.com/vod/720p/seg-0.m4s', none)).toBeDefined();
    // Beyond the listed ones: recognised by the representation's template.
    const templated = restarted.index.match('https://cdn.example.com/dash/chunk-1-00099.m4s', none);
    expect(templated?.kind === 'segment' && templated.match.ref.sequence).toBe(99);
    expect(await after.loadSettings()).toMatchObject({ peerMaxWaitMs: 1234 });
    // And still knows, after the restart, what to tell an agent whose player uses a rendition.
    restarted.publisher.used('page-9', SWARM_A);
    expect(restarted.manifests()).toMatchObject([{ swarm: SWARM_A }]);
  });
});
