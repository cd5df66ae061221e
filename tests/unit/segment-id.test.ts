// Segment and swarm identity: the same content gets the same name for every viewer, whatever tokens their CDN
// put in the URL; different content (other range, other rendition, other meaningful parameter) never does.
import { describe, expect, it } from 'vitest';
import { parseSegmentId, pieceId, segmentId, segmentUrlOf } from '../../protocol/segment-ids';
import { defaultWorkerSettings } from '../../sw/worker/config';
import { canonicalUrl, playlistUrl, swarmKey } from '../../sw/worker/segment-id';

const volatile = defaultWorkerSettings.volatileParams;

describe('canonicalUrl', () => {
  it('drops CDN tokens so two viewers agree on a segment', () => {
    const viewer1 =
      'https://cdn.example.com/v/seg-1.ts?token=abc&Expires=1700000000&Signature=xyz&Key-Pair-Id=K1';
    const viewer2 =
      'https://cdn.example.com/v/seg-1.ts?Key-Pair-Id=K2&Signature=qqq&Expires=1800000000&token=def';
    expect(canonicalUrl(viewer1, volatile)).toBe('https://cdn.example.com/v/seg-1.ts');
    expect(canonicalUrl(viewer2, volatile)).toBe(canonicalUrl(viewer1, volatile));
  });

  it('keeps meaningful parameters, sorted, so their order does not matter', () => {
    const a = canonicalUrl('https://cdn.example.com/seg?quality=hd&n=5&hdnts=st%3D1~exp%3D2', volatile);
    const b = canonicalUrl('https://cdn.example.com/seg?n=5&quality=hd', volatile);
    expect(a).toBe('https://cdn.example.com/seg?n=5&quality=hd');
    expect(b).toBe(a);
    expect(canonicalUrl('https://cdn.example.com/seg?n=6&quality=hd', volatile)).not.toBe(a);
  });

  it('matches names case-insensitively and supports prefix patterns', () => {
    const s3 = 'https://bucket.s3.amazonaws.com/seg.ts?X-Amz-Signature=1&X-Amz-Credential=2&X-Amz-Date=3&v=2';
    expect(canonicalUrl(s3, volatile)).toBe('https://bucket.s3.amazonaws.com/seg.ts?v=2');
    expect(canonicalUrl('https://a.example/s.ts?TOKEN=1&SiD=2', volatile)).toBe('https://a.example/s.ts');
  });

  it('uses the configured list, not the defaults, when given one', () => {
    expect(canonicalUrl('https://a.example/s.ts?token=1&viewer=9', ['viewer'])).toBe(
      'https://a.example/s.ts?token=1',
    );
  });

  it('drops the fragment and normalises host case and default port', () => {
    expect(canonicalUrl('HTTPS://CDN.Example.com:443/a/seg.ts#t=5', volatile)).toBe(
      'https://cdn.example.com/a/seg.ts',
    );
  });

  it('throws on something that is not a URL', () => {
    expect(() => canonicalUrl('not a url', volatile)).toThrow();
  });
});

describe('segmentId', () => {
  it('includes the byte range, so ranges of one file are different segments', () => {
    const url = 'https://cdn.example.com/v/all.ts';
    expect(segmentId(url, null)).toBe(url);
    expect(segmentId(url, { start: 0, end: 999 })).toBe(`${url}#bytes=0-999`);
    expect(segmentId(url, { start: 1000, end: 1999 })).not.toBe(segmentId(url, { start: 0, end: 999 }));
    expect(segmentUrlOf(segmentId(url, { start: 0, end: 999 }))).toBe(url);
    expect(segmentUrlOf(url)).toBe(url);
  });
});

describe('parseSegmentId', () => {
  it('reads back what segmentId and pieceId make: the URL and the bytes to fetch', () => {
    const url = 'https://cdn.example.com/v/media.mp4?v=2';
    expect(parseSegmentId(url)).toEqual({ url, range: null, fileSize: null });
    expect(parseSegmentId(segmentId(url, { start: 1373, end: 200977 }))).toEqual({
      url,
      range: { start: 1373, end: 200977 },
      fileSize: null,
    });
    expect(parseSegmentId(pieceId(url, { start: 1048576, end: 2097151 }, 11546265))).toEqual({
      url,
      range: { start: 1048576, end: 2097151 },
      fileSize: 11546265,
    });
  });

  it('refuses suffixes no viewer makes: other fragments, inverted ranges, a piece past the file', () => {
    for (const id of [
      'https://a.example/s.ts#t=10',
      'https://a.example/s.ts#bytes=10-5',
      'https://a.example/s.ts#bytes=0-99/50',
      'https://a.example/s.ts#bytes=-5',
      'https://a.example/s.ts#bytes=0-1#bytes=2-3',
    ])
      expect(parseSegmentId(id), id).toBeNull();
  });
});

describe('swarm keys', () => {
  it('name a rendition by its canonical media playlist URL, LL-HLS directives and tokens dropped', async () => {
    const a = playlistUrl(
      'https://cdn.example.com/live/720p.m3u8?_HLS_msn=100&_HLS_part=2&token=x',
      volatile,
    );
    const b = playlistUrl('https://cdn.example.com/live/720p.m3u8?token=y', volatile);
    expect(a).toBe('https://cdn.example.com/live/720p.m3u8');
    expect(b).toBe(a);
    expect(await swarmKey(a)).toBe(a);
    expect(await swarmKey(playlistUrl('https://cdn.example.com/live/480p.m3u8', volatile))).not.toBe(a);
  });

  it('hash a URL too long to be a swarm key into one that fits', async () => {
    const long = `https://cdn.example.com/${'x'.repeat(300)}/index.m3u8`;
    const key = await swarmKey(long);
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(key.length).toBeLessThanOrEqual(256);
    expect(await swarmKey(long)).toBe(key);
    expect(await swarmKey(`${long}?v=2`)).not.toBe(key);
  });
});
