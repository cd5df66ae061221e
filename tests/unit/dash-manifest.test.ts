// DASH MPDs as the worker reads them (mpd-parser underneath): every addressing mode into segment URLs and byte
// ranges, one rendition per Period × Representation, live windows from the wall clock, and guards on size.
import { describe, expect, it } from 'vitest';
import {
  type DashParseOptions,
  isDashContentType,
  looksLikeDashManifest,
  parseDashManifest,
} from '../../sw/worker/dash-manifest';
import type { ParsedRendition } from '../../sw/worker/rendition';

const MPD_URL = 'https://cdn.example.com/dash/stream/manifest.mpd?token=abc';
const KEY = 'https://cdn.example.com/dash/stream/manifest.mpd';
const BASE = 'https://cdn.example.com/dash/stream/';
const OPTIONS: DashParseOptions = {
  now: Date.parse('2024-01-01T00:16:40Z'),
  volatileParams: ['token'],
  maxSegments: 20_000,
  maxLiveWindowSec: 3600,
};

function mpd(body: string, attributes = 'type="static" mediaPresentationDuration="PT8S"'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by a packager -->
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" minBufferTime="PT2S" ${attributes}>
${body}
</MPD>`;
}

function parse(text: string, options: Partial<DashParseOptions> = {}) {
  return parseDashManifest(text, MPD_URL, KEY, { ...OPTIONS, ...options });
}

/** Entries as `name range sequence duration`, for short assertions. */
function listed(rendition: ParsedRendition | undefined): string[] {
  return (rendition?.entries ?? []).map(({ url, range, sequence, durationSec }) => {
    const name = url.slice(BASE.length);
    return `${name}${range ? ` ${range.start}-${range.end}` : ''} #${sequence} ${durationSec}s`;
  });
}

describe('parseDashManifest', () => {
  it('SegmentTemplate with $Number$: formatted numbers, $RepresentationID$ and $Bandwidth$, init once', () => {
    const { renditions, skipped } = parse(
      mpd(`<Period id="p0">
  <AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="1000" duration="2000" startNumber="1"
      initialization="$RepresentationID$/init.m4s" media="$RepresentationID$/$Bandwidth$/seg-$Number%05d$.m4s"/>
    <Representation id="v360" bandwidth="800000"/>
    <Representation id="v720" bandwidth="2400000"/>
  </AdaptationSet>
</Period>`),
    );
    expect(skipped).toEqual([]);
    expect(renditions.map((rendition) => rendition.key)).toEqual([
      `${KEY}#period=0&representation=v360`,
      `${KEY}#period=0&representation=v720`,
    ]);
    expect(listed(renditions[0])).toEqual([
      'v360/init.m4s #-1 0s',
      'v360/800000/seg-00001.m4s #1 2s',
      'v360/800000/seg-00002.m4s #2 2s',
      'v360/800000/seg-00003.m4s #3 2s',
      'v360/800000/seg-00004.m4s #4 2s',
    ]);
    expect(renditions[0]?.live).toBe(false);
    expect(renditions[0]?.templates).toHaveLength(1);
  });

  it('SegmentTemplate with $Time$ and a SegmentTimeline (repeats, and r="-1" up to the next S)', () => {
    const { renditions } = parse(
      mpd(`<Period>
  <AdaptationSet mimeType="audio/mp4" lang="en">
    <SegmentTemplate timescale="48000" initialization="audio/init.mp4" media="audio/t$Time$.m4s">
      <SegmentTimeline>
        <S t="0" d="96000" r="1"/>
        <S d="48000" r="-1"/>
        <S t="288000" d="96000"/>
      </SegmentTimeline>
    </SegmentTemplate>
    <Representation id="a" bandwidth="128000"/>
  </AdaptationSet>
</Period>`),
    );
    expect(listed(renditions[0])).toEqual([
      'audio/init.mp4 #-1 0s',
      'audio/t0.m4s #1 2s',
      'audio/t96000.m4s #2 2s',
      'audio/t192000.m4s #3 1s',
      'audio/t240000.m4s #4 1s',
      'audio/t288000.m4s #5 2s',
    ]);
  });

  it('SegmentList with media ranges in one file', () => {
    const { renditions } = parse(
      mpd(`<Period>
  <AdaptationSet mimeType="video/mp4">
    <Representation id="list" bandwidth="500000">
      <SegmentList timescale="1" duration="4">
        <Initialization sourceURL="list/init.mp4"/>
        <SegmentURL media="list/all.mp4" mediaRange="0-999"/>
        <SegmentURL media="list/all.mp4" mediaRange="1000-2499"/>
      </SegmentList>
    </Representation>
  </AdaptationSet>
</Period>`),
    );
    expect(listed(renditions[0])).toEqual([
      'list/init.mp4 #-1 0s',
      'list/all.mp4 0-999 #1 4s',
      'list/all.mp4 1000-2499 #2 4s',
    ]);
    expect(renditions[0]?.templates).toEqual([]);
  });

  it('SegmentBase: the init range and the index range, to be read later for the media ranges', () => {
    const { renditions } = parse(
      mpd(`<Period>
  <AdaptationSet mimeType="video/mp4">
    <Representation id="with-init" bandwidth="500000">
      <BaseURL>on-demand/video.mp4</BaseURL>
      <SegmentBase indexRange="862-1033" timescale="90000"><Initialization range="0-861"/></SegmentBase>
    </Representation>
    <Representation id="implicit-init" bandwidth="300000">
      <BaseURL>on-demand/low.mp4</BaseURL>
      <SegmentBase indexRange="700-755"/>
    </Representation>
  </AdaptationSet>
</Period>`),
    );
    expect(listed(renditions[0])).toEqual([
      'on-demand/video.mp4 0-861 #-1 0s',
      'on-demand/video.mp4 862-1033 #-1 0s',
    ]);
    expect(renditions[0]?.indexes).toEqual([
      { url: `${BASE}on-demand/video.mp4`, range: { start: 862, end: 1033 } },
    ]);
    // No Initialization@range: the init section is all that precedes the index (ftyp + moov).
    expect(listed(renditions[1])).toEqual([
      'on-demand/low.mp4 0-699 #-1 0s',
      'on-demand/low.mp4 700-755 #-1 0s',
    ]);
  });

  it('multi-period: a rendition per period, keyed by its start, even with the same representation ids', () => {
    const period = (start: string, name: string) => `<Period start="${start}" duration="PT4S">
  <AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="1" duration="2" initialization="${name}/init.mp4" media="${name}/$Number$.m4s"/>
    <Representation id="v" bandwidth="1000"/>
  </AdaptationSet>
</Period>`;
    const { renditions } = parse(mpd(period('PT0S', 'ad') + period('PT4S', 'show')));
    expect(renditions.map((rendition) => rendition.key)).toEqual([
      `${KEY}#period=0&representation=v`,
      `${KEY}#period=4&representation=v`,
    ]);
    expect(listed(renditions[1])).toEqual(['show/init.mp4 #-1 0s', 'show/1.m4s #1 2s', 'show/2.m4s #2 2s']);
  });

  it('dynamic MPD: lists the live window from availabilityStartTime and the clock; the template covers the rest', () => {
    // 1000 s after availabilityStartTime, 2 s segments, a 10 s time-shift buffer.
    const { renditions } = parse(
      mpd(
        `<Period start="PT0S">
  <AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="1" duration="2" startNumber="1" initialization="live/init.mp4" media="live/$Number$.m4s"/>
    <Representation id="v" bandwidth="1000"/>
  </AdaptationSet>
</Period>`,
        'type="dynamic" availabilityStartTime="2024-01-01T00:00:00Z" timeShiftBufferDepth="PT10S" minimumUpdatePeriod="PT2S"',
      ),
    );
    const rendition = renditions[0];
    expect(rendition?.live).toBe(true);
    const numbers =
      rendition?.entries.filter((entry) => entry.sequence >= 0).map((entry) => entry.sequence) ?? [];
    expect(numbers.length).toBeGreaterThanOrEqual(4);
    expect(numbers.length).toBeLessThanOrEqual(6);
    expect(Math.max(...numbers)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...numbers)).toBeLessThanOrEqual(502);
  });

  it('dynamic MPD without timeShiftBufferDepth: the listed window is bounded, not every segment since the start', () => {
    const { renditions } = parse(
      mpd(
        `<Period start="PT0S">
  <AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="1" duration="1" media="live/$Number$.m4s"/>
    <Representation id="v" bandwidth="1000"/>
  </AdaptationSet>
</Period>`,
        'type="dynamic" availabilityStartTime="2020-01-01T00:00:00Z" minimumUpdatePeriod="PT2S"',
      ),
      { maxLiveWindowSec: 60 },
    );
    const count = renditions[0]?.entries.length ?? 0;
    expect(count).toBeGreaterThan(50);
    expect(count).toBeLessThan(70);
  });

  it('skips a representation that would list more segments than allowed, and keeps the others', () => {
    const { renditions, skipped } = parse(
      mpd(`<Period duration="PT10H">
  <AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="1000" duration="1" media="$RepresentationID$/$Number$.m4s"/>
    <Representation id="absurd" bandwidth="1000"/>
  </AdaptationSet>
  <AdaptationSet mimeType="audio/mp4">
    <SegmentTemplate timescale="1" duration="2" media="$RepresentationID$/$Number$.m4s"/>
    <Representation id="fine" bandwidth="1000"/>
  </AdaptationSet>
</Period>`),
    );
    expect(skipped).toEqual([`${KEY}#period=0&representation=absurd`]);
    expect(renditions.map((rendition) => rendition.key)).toEqual([`${KEY}#period=0&representation=fine`]);
  });

  it('one rendition for a representation offered on several BaseURLs (CDN alternatives)', () => {
    const { renditions } = parse(
      mpd(`<BaseURL>https://cdn-a.example.com/s/</BaseURL>
<BaseURL>https://cdn-b.example.com/s/</BaseURL>
<Period>
  <AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="1" duration="4" media="$Number$.m4s"/>
    <Representation id="v" bandwidth="1000"/>
  </AdaptationSet>
</Period>`),
    );
    expect(renditions).toHaveLength(1);
    expect(renditions[0]?.entries.map((entry) => entry.url)).toEqual([
      'https://cdn-a.example.com/s/1.m4s',
      'https://cdn-a.example.com/s/2.m4s',
      'https://cdn-b.example.com/s/1.m4s',
      'https://cdn-b.example.com/s/2.m4s',
    ]);
    expect(renditions[0]?.templates).toHaveLength(2);
  });

  it('throws on what is not an MPD', () => {
    expect(() => parse('<html><body>not found</body></html>')).toThrow();
    expect(() => parse('')).toThrow();
  });
});

describe('recognising MPDs', () => {
  it('by content type and by body', () => {
    expect(isDashContentType('application/dash+xml; charset=utf-8')).toBe(true);
    expect(isDashContentType('application/xml')).toBe(false);
    expect(looksLikeDashManifest(mpd(''))).toBe(true);
    expect(looksLikeDashManifest('\uFEFF<MPD type="static">')).toBe(true);
    expect(looksLikeDashManifest('<html><p>the MPD format</p></html>')).toBe(false);
    expect(looksLikeDashManifest('#EXTM3U\n')).toBe(false);
  });
});
