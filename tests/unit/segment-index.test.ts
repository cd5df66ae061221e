// The segment index: matching requests (URL + Range) to known segments, the live window, and its bounds.
import { describe, expect, it } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { parseRangeHeader } from '../../sw/worker/byte-range';
import type { RenditionRecord } from '../../sw/worker/index-records';
import { SegmentIndex } from '../../sw/worker/segment-index';
import { compileTemplate } from '../../sw/worker/segment-template';

const LIMITS = { maxPlaylists: 3, maxSegmentsPerPlaylist: 100, liveRetainWindows: 1 };
const PLAYLIST = 'https://cdn.example.com/live/720p.m3u8';

function ref(url: string, sequence: number, range: SegmentRef['range'] = null): SegmentRef {
  const id = range ? `${url}#bytes=${range.start}-${range.end}` : url;
  return { id, swarm: PLAYLIST, url, range, durationSec: 2, sequence };
}

function media(url: string, segments: SegmentRef[], live = false): RenditionRecord {
  return { kind: 'media', url, swarm: url, playerUrl: url, live, segments, keyUrls: [], updatedAt: 0 };
}

const range = parseRangeHeader;

describe('SegmentIndex', () => {
  it('matches a whole segment exactly, and a range inside it inexactly', () => {
    const index = new SegmentIndex(LIMITS);
    index.add(media(PLAYLIST, [ref('https://cdn.example.com/s1.ts', 1)]));
    const find = (header: string | null) => index.match('https://cdn.example.com/s1.ts', range(header));
    expect(find(null)).toMatchObject({ kind: 'segment', match: { exact: true } });
    expect(find('bytes=0-1')).toMatchObject({ kind: 'segment', match: { exact: false } });
    expect(find('bytes=-10')).toMatchObject({ kind: 'segment', match: { exact: false } });
    expect(find('bytes=0-1,4-5')).toEqual({ kind: 'uncovered' });
    expect(index.match('https://cdn.example.com/s2.ts', range(null))).toBeUndefined();
  });

  it('matches byte-range segments by their exact range; other ranges become spans of whole segments', () => {
    const url = 'https://cdn.example.com/all.mp4';
    const index = new SegmentIndex(LIMITS);
    const init = ref(url, -1, { start: 0, end: 719 });
    const first = ref(url, 0, { start: 720, end: 1719 });
    index.add(media(PLAYLIST, [init, first]));
    expect(index.match(url, range('bytes=720-1719'))).toMatchObject({
      match: { exact: true, ref: { sequence: 0 } },
    });
    expect(index.match(url, range('bytes=0-719'))).toMatchObject({
      match: { exact: true, ref: { sequence: -1 } },
    });
    // A slice of one segment, and a span over two (a player fetching init + first segment at once): the ids stay
    // the segments' own, whatever range the player asked for.
    expect(index.match(url, range('bytes=800-900'))).toEqual({
      kind: 'span',
      parts: [first],
      range: { start: 800, end: 900 },
    });
    expect(index.match(url, range('bytes=700-800'))).toEqual({
      kind: 'span',
      parts: [init, first],
      range: { start: 700, end: 800 },
    });
    expect(index.match(url, range('bytes=0-1719'))).toMatchObject({ kind: 'span', parts: [init, first] });
    // Beyond what is known, open-ended (the file's size is unknown), or the whole file: not ours to answer.
    expect(index.match(url, range('bytes=1700-1800'))).toEqual({ kind: 'uncovered' });
    expect(index.match(url, range(null))).toEqual({ kind: 'uncovered' });
    expect(index.match(url, range('bytes=720-'))).toEqual({ kind: 'uncovered' });
  });

  it('does not span a gap between known byte ranges', () => {
    const url = 'https://cdn.example.com/gappy.mp4';
    const index = new SegmentIndex(LIMITS);
    index.add(media(PLAYLIST, [ref(url, 0, { start: 0, end: 99 }), ref(url, 1, { start: 200, end: 299 })]));
    expect(index.match(url, range('bytes=50-250'))).toEqual({ kind: 'uncovered' });
  });

  it('recognises segments a DASH template generates beyond those listed (the live edge)', () => {
    const index = new SegmentIndex(LIMITS);
    const pattern = compileTemplate(
      'chunk-$RepresentationID$-$Number%05d$.m4s',
      { id: 'v1', bandwidth: 1 },
      'https://cdn.example.com/live/manifest.mpd',
      [],
      2,
    );
    index.add({
      ...media('https://cdn.example.com/live/manifest.mpd#period=0&representation=v1', [], true),
      templates: pattern ? [pattern] : [],
    });
    const url = 'https://cdn.example.com/live/chunk-v1-00042.m4s';
    expect(index.match(url, range(null), `${url}?token=t`)).toEqual({
      kind: 'segment',
      match: {
        exact: true,
        ref: {
          id: url,
          swarm: 'https://cdn.example.com/live/manifest.mpd#period=0&representation=v1',
          url: `${url}?token=t`,
          range: null,
          durationSec: 2,
          sequence: 42,
        },
      },
    });
    expect(index.match('https://cdn.example.com/live/chunk-v2-00042.m4s', range(null))).toBeUndefined();
  });

  it('knows playlists named by a master, and key URIs', () => {
    const index = new SegmentIndex(LIMITS);
    index.add({
      kind: 'master',
      url: 'https://cdn.example.com/master.m3u8',
      playlistUrls: ['https://cdn.example.com/rendition?id=1'],
      keyUrls: ['https://keys.example.com/k'],
      updatedAt: 0,
    });
    expect(index.isPlaylist('https://cdn.example.com/rendition?id=1')).toBe(true);
    expect(index.isPlaylist('https://cdn.example.com/master.m3u8')).toBe(true);
    expect(index.isPlaylist('https://cdn.example.com/rendition?id=2')).toBe(false);
    expect(index.isKey('https://keys.example.com/k')).toBe(true);
  });

  it('slides a live window, still recognising segments that just left it (bounded)', () => {
    const index = new SegmentIndex(LIMITS);
    const seg = (n: number) => ref(`https://cdn.example.com/live/s${n}.ts`, n);
    index.add(media(PLAYLIST, [seg(1), seg(2), seg(3)], true));
    index.add(media(PLAYLIST, [seg(3), seg(4), seg(5)], true));
    const { kept } = index.add(media(PLAYLIST, [seg(6), seg(7), seg(8)], true));
    // One window (3 segments) of the past is kept: 3..5; 1 and 2 are forgotten.
    expect(kept.kind === 'media' && kept.segments.map((segment) => segment.sequence)).toEqual([
      3, 4, 5, 6, 7, 8,
    ]);
    expect(index.match(seg(5).url, range(null))).toBeDefined();
    expect(index.match(seg(2).url, range(null))).toBeUndefined();
  });

  it('replaces a VoD playlist instead of merging it', () => {
    const index = new SegmentIndex(LIMITS);
    index.add(media(PLAYLIST, [ref('https://cdn.example.com/old.ts', 0)]));
    index.add(media(PLAYLIST, [ref('https://cdn.example.com/new.ts', 0)]));
    expect(index.match('https://cdn.example.com/old.ts', range(null))).toBeUndefined();
    expect(index.match('https://cdn.example.com/new.ts', range(null))).toBeDefined();
  });

  it('forgets the least recently loaded playlist beyond the cap, and says which', () => {
    const index = new SegmentIndex(LIMITS);
    const urls = [1, 2, 3, 4].map((n) => `https://cdn.example.com/p${n}.m3u8`);
    const results = urls.map((url, n) =>
      index.add(media(url, [ref(`https://cdn.example.com/p${n + 1}.ts`, 0)])),
    );
    expect(results[3]?.evicted).toEqual([urls[0]]);
    expect(index.match('https://cdn.example.com/p1.ts', range(null))).toBeUndefined();
    expect(index.match('https://cdn.example.com/p4.ts', range(null))).toBeDefined();
    expect(index.isPlaylist(urls[0] as string)).toBe(false);
  });

  it('keeps a segment two playlists share while either still lists it', () => {
    const index = new SegmentIndex({ ...LIMITS, maxPlaylists: 1 });
    const shared = ref('https://cdn.example.com/shared-init.mp4', -1);
    index.add(media('https://cdn.example.com/a.m3u8', [shared]));
    index.add(media('https://cdn.example.com/b.m3u8', [shared])); // evicts a
    expect(index.match(shared.url, range(null))).toBeDefined();
  });

  it('caps the segments of one playlist', () => {
    const index = new SegmentIndex({ ...LIMITS, maxSegmentsPerPlaylist: 2 });
    const segments = [0, 1, 2].map((n) => ref(`https://cdn.example.com/v${n}.ts`, n));
    const { kept } = index.add(media(PLAYLIST, segments));
    expect(kept.kind === 'media' && kept.segments.length).toBe(2);
    expect(index.match('https://cdn.example.com/v2.ts', range(null))).toBeUndefined();
  });
});
