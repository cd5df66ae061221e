// Which requests the worker answers, and which it leaves to the browser untouched.
import { describe, expect, it } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { defaultWorkerSettings, mergeWorkerSettings } from '../../sw/worker/config';
import { inMediaScope } from '../../sw/worker/media-scope';
import { classifyRequest, type RequestFacts, screenRequest } from '../../sw/worker/request-classifier';
import { SegmentIndex } from '../../sw/worker/segment-index';

const ORIGIN = 'https://site.example';
const CDN = 'https://cdn.example.com';
const PLAYLIST = `${CDN}/vod/720p/index.m3u8`;
const MOVIE = `${CDN}/films/movie.mp4`;
const MIB = 1024 * 1024;
/** The site's settings: its media comes from the CDN (the default would be its own origin only). */
const CDN_SETTINGS = { ...defaultWorkerSettings, mediaUrls: [`${CDN}/`] };

function request(
  url: string,
  overrides: Partial<Omit<RequestFacts, 'headers'>> = {},
  headers: HeadersInit = {},
) {
  return {
    method: 'GET',
    url,
    mode: 'cors',
    credentials: 'same-origin',
    destination: '',
    headers: new Headers(headers),
    ...overrides,
  } satisfies RequestFacts;
}

function segment(url: string, range: SegmentRef['range'] = null): SegmentRef {
  return {
    id: range ? `${url}#bytes=${range.start}-${range.end}` : url,
    swarm: PLAYLIST,
    url,
    range,
    durationSec: 2,
    sequence: 0,
  };
}

function context(settings = CDN_SETTINGS) {
  const index = new SegmentIndex({ maxPlaylists: 8, maxSegmentsPerPlaylist: 100, liveRetainWindows: 1 });
  index.add({
    kind: 'master',
    url: `${CDN}/vod/master.m3u8`,
    playlistUrls: [PLAYLIST, `${CDN}/vod/audio?lang=en`],
    keyUrls: [`${CDN}/keys/k1`],
    updatedAt: 0,
  });
  index.add({
    kind: 'media',
    url: PLAYLIST,
    swarm: PLAYLIST,
    playerUrl: PLAYLIST,
    live: false,
    segments: [
      segment(`${CDN}/vod/720p/seg-000.ts`),
      segment(`${CDN}/vod/720p/init.mp4`, { start: 0, end: 719 }),
    ],
    keyUrls: [],
    passUrls: [`${CDN}/vod/720p/seg-001.part1.mp4`],
    updatedAt: 0,
  });
  index.add({
    kind: 'progressive',
    url: MOVIE,
    swarm: MOVIE,
    playerUrl: MOVIE,
    size: 10 * MIB + 5,
    pieceBytes: MIB,
    contentType: 'video/mp4',
    updatedAt: 0,
  });
  index.markUnshareable(`${CDN}/no-ranges.mp4`);
  return { origin: ORIGIN, settings, index, limits: { maxProgressiveResponseBytes: 4 * MIB } };
}

describe('classifyRequest', () => {
  it('recognises manifests by extension (HLS and DASH), or because a manifest named them', () => {
    for (const url of [
      `${CDN}/other/index.m3u8?token=1`,
      `${CDN}/dash/manifest.mpd`,
      `${CDN}/vod/audio?lang=en&token=9`,
    ]) {
      expect(classifyRequest(request(url), context())).toEqual({ kind: 'manifest' });
    }
  });

  it('recognises segments the playlists listed, tokens or not, with their Range', () => {
    const ts = classifyRequest(request(`${CDN}/vod/720p/seg-000.ts?token=abc`), context());
    expect(ts).toMatchObject({
      kind: 'segment',
      match: { exact: true, ref: { url: `${CDN}/vod/720p/seg-000.ts` } },
    });
    const init = classifyRequest(
      request(`${CDN}/vod/720p/init.mp4`, {}, { Range: 'bytes=0-719' }),
      context(),
    );
    expect(init).toMatchObject({ kind: 'segment', match: { exact: true } });
  });

  it('leaves non-GET, navigations, page resources and non-http requests alone', () => {
    const segmentUrl = `${CDN}/vod/720p/seg-000.ts`;
    expect(classifyRequest(request(segmentUrl, { method: 'POST' }), context())).toEqual({
      kind: 'pass',
      reason: 'method',
    });
    expect(classifyRequest(request(segmentUrl, { mode: 'navigate' }), context())).toMatchObject({
      reason: 'navigation',
    });
    expect(classifyRequest(request(segmentUrl, { destination: 'script' }), context())).toMatchObject({
      reason: 'destination',
    });
    expect(classifyRequest(request('blob:https://site.example/1'), context())).toMatchObject({
      reason: 'scheme',
    });
  });

  it('never touches credential-bearing requests or key URIs', () => {
    const segmentUrl = `${CDN}/vod/720p/seg-000.ts`;
    expect(classifyRequest(request(segmentUrl, {}, { Authorization: 'Bearer x' }), context())).toMatchObject({
      reason: 'authorization',
    });
    expect(classifyRequest(request(segmentUrl, { credentials: 'include' }), context())).toMatchObject({
      reason: 'credentials',
    });
    expect(classifyRequest(request(`${CDN}/keys/k1?token=2`), context())).toMatchObject({ reason: 'key' });
  });

  it('passes through a Range the index cannot place (several ranges, range of an unknown part)', () => {
    const url = `${CDN}/vod/720p/init.mp4`;
    expect(classifyRequest(request(url, {}, { Range: 'bytes=0-1,5-6' }), context())).toMatchObject({
      reason: 'range',
    });
    expect(classifyRequest(request(url, {}, { Range: 'bytes=700-800' }), context())).toMatchObject({
      reason: 'range',
    });
  });

  it("assembles a range of a byte-range file from whole segments, so ids are the segments' own", () => {
    const route = classifyRequest(
      request(`${CDN}/vod/720p/init.mp4`, {}, { Range: 'bytes=10-19' }),
      context(),
    );
    expect(route).toMatchObject({
      kind: 'assemble',
      plan: { parts: [{ range: { start: 0, end: 719 } }], range: { start: 10, end: 19 }, totalSize: null },
    });
  });

  it('passes LL-HLS parts and preload hints through untouched', () => {
    const part = `${CDN}/vod/720p/seg-001.part1.mp4`;
    expect(classifyRequest(request(part, {}, { Range: 'bytes=0-' }), context())).toEqual({
      kind: 'pass',
      reason: 'live-part',
    });
  });

  it("answers a media element's Range requests for a sized file from pieces, bounded", () => {
    const video = (range: string) =>
      request(MOVIE, { destination: 'video', mode: 'no-cors' }, { Range: range });
    // Chrome's first request: from 0 on, answered with 4 pieces; the element asks again for the rest.
    expect(classifyRequest(video('bytes=0-'), context())).toMatchObject({
      kind: 'assemble',
      plan: { range: { start: 0, end: 4 * MIB - 1 }, totalSize: 10 * MIB + 5, contentType: 'video/mp4' },
    });
    // Safari's probe.
    const probe = classifyRequest(video('bytes=0-1'), context());
    expect(probe).toMatchObject({ kind: 'assemble', plan: { range: { start: 0, end: 1 } } });
    expect(probe.kind === 'assemble' && probe.plan.parts.map((part) => part.id)).toEqual([
      `${MOVIE}#bytes=0-${MIB - 1}/${10 * MIB + 5}`,
    ]);
    expect(classifyRequest(video(`bytes=${10 * MIB + 5}-`), context())).toEqual({
      kind: 'unsatisfiable',
      totalSize: 10 * MIB + 5,
    });
  });

  it('probes a file it has not sized, and leaves alone what cannot be pieced', () => {
    const element = { destination: 'video' as const, mode: 'no-cors' as const };
    expect(classifyRequest(request(`${CDN}/new.mp4`, element, { Range: 'bytes=0-' }), context())).toEqual({
      kind: 'progressive-probe',
    });
    // Any media element request with a Range, whatever its extension (`<video src="/stream?id=3">`).
    expect(classifyRequest(request(`${CDN}/stream?id=3`, element, { Range: 'bytes=0-' }), context())).toEqual(
      {
        kind: 'progressive-probe',
      },
    );
    expect(
      classifyRequest(request(`${CDN}/no-ranges.mp4`, element, { Range: 'bytes=0-' }), context()),
    ).toEqual({
      kind: 'pass',
      reason: 'unshareable',
    });
    expect(classifyRequest(request(`${CDN}/new.mp4`, element), context())).toMatchObject({ kind: 'pass' });
    // A player's own fetch of an .mp4 (destination '') is never guessed to be a progressive file: it may be an
    // LL-HLS part or a segment of a manifest not seen yet.
    expect(classifyRequest(request(`${CDN}/new.mp4`, {}, { Range: 'bytes=0-' }), context())).toMatchObject({
      kind: 'pass',
    });
  });

  it('sniffs only extension-less script requests, and only when allowed', () => {
    expect(classifyRequest(request(`${CDN}/api/stream?id=3`), context())).toEqual({ kind: 'maybe-manifest' });
    expect(classifyRequest(request(`${CDN}/app/data.json`), context())).toMatchObject({ kind: 'pass' });
    expect(
      classifyRequest(request(`${CDN}/api/stream?id=3`, { destination: 'video' }), context()),
    ).toMatchObject({
      kind: 'pass',
    });
    const noSniff = context({ ...CDN_SETTINGS, sniffPlaylists: false });
    expect(classifyRequest(request(`${CDN}/api/stream?id=3`), noSniff)).toMatchObject({ kind: 'pass' });
  });
});

describe('media scope (settings.mediaUrls)', () => {
  const segmentUrl = `${CDN}/vod/720p/seg-000.ts`;

  it("by default handles media of the worker's own origin only: a CDN is left to the browser", () => {
    expect(classifyRequest(request(segmentUrl), context(defaultWorkerSettings))).toEqual({
      kind: 'pass',
      reason: 'scope',
    });
    expect(classifyRequest(request(`${CDN}/other/index.m3u8`), context(defaultWorkerSettings))).toEqual({
      kind: 'pass',
      reason: 'scope',
    });
    expect(
      screenRequest(request(`${ORIGIN}/media/index.m3u8`), ORIGIN, defaultWorkerSettings.mediaUrls),
    ).toBe(null);
  });

  it('handles a listed CDN, and nothing the list leaves out', () => {
    const listed = context({ ...defaultWorkerSettings, mediaUrls: [`${CDN}/vod/`, '/media/'] });
    expect(classifyRequest(request(segmentUrl), listed)).toMatchObject({ kind: 'segment' });
    expect(classifyRequest(request(`${CDN}/other/index.m3u8`), listed)).toEqual({
      kind: 'pass',
      reason: 'scope',
    });
    expect(classifyRequest(request(`${ORIGIN}/live/index.m3u8`), listed)).toEqual({
      kind: 'pass',
      reason: 'scope',
    });
    expect(classifyRequest(request(`${ORIGIN}/media/index.m3u8`), listed)).toEqual({ kind: 'manifest' });
    const nothing = context({ ...defaultWorkerSettings, mediaUrls: [] });
    expect(classifyRequest(request(segmentUrl), nothing)).toEqual({ kind: 'pass', reason: 'scope' });
  });

  it('takes absolute http(s) URLs and paths; anything else keeps the default (own origin only)', () => {
    const good = ['https://cdn.example.com/vod/', 'http://localhost:8080', '/media/', '//cdn.example.com/'];
    expect(mergeWorkerSettings({ mediaUrls: good }).mediaUrls).toEqual(good);
    expect(mergeWorkerSettings({ mediaUrls: [] }).mediaUrls).toEqual([]);
    for (const bad of [
      ['cdn.example.com/vod/'], // relative to what? a mistake, not a path
      ['ftp://cdn.example.com/'],
      ['https://cdn.example.com/vod/?token=1'],
      ['/media/#x'],
      [42],
      'https://cdn.example.com/',
      Array.from({ length: 65 }, (_, i) => `/m${i}/`),
    ]) {
      expect(mergeWorkerSettings({ mediaUrls: bad }).mediaUrls, JSON.stringify(bad)).toEqual(['/']);
    }
  });

  it('matches origins exactly and paths at a / boundary', () => {
    const scope = ['https://cdn.example.com', '/media', 'https://cdn.example.net:8443/a/b/'];
    const allowed = [
      'https://cdn.example.com/x/seg.ts?token=1',
      'https://site.example/media',
      'https://site.example/media/hls/seg.ts',
      'https://cdn.example.net:8443/a/b/seg.ts',
    ];
    const refused = [
      'http://cdn.example.com/x/seg.ts', // another scheme is another origin
      'https://cdn.example.com.evil.test/x/seg.ts',
      'https://evil.test/cdn.example.com/seg.ts',
      'https://site.example/media2/seg.ts',
      'https://site.example/other/media/seg.ts',
      'https://cdn.example.net/a/b/seg.ts', // default port, not 8443
      'https://cdn.example.net:8443/a/seg.ts',
      'https://site.example/media/../private/seg.ts', // the URL parser resolves it to /private/
      'not a url',
    ];
    for (const url of allowed) expect(inMediaScope(url, scope, ORIGIN), url).toBe(true);
    for (const url of refused) expect(inMediaScope(url, scope, ORIGIN), url).toBe(false);
  });
});
