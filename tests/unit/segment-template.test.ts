// DASH SegmentTemplate URLs as patterns: the URL a player computes for a segment the MPD did not list is still
// recognised as its representation's, with the number or time it carries — and nothing else matches.
import { describe, expect, it } from 'vitest';
import { compileTemplate, matchTemplate, type TemplatePattern } from '../../sw/worker/segment-template';

const BASE = 'https://cdn.example.com/live/stream/manifest.mpd?token=abc';
const VOLATILE = ['token', 'sig'];

function compiled(media: string, representation = { id: 'v1', bandwidth: 2_000_000 }): TemplatePattern {
  const pattern = compileTemplate(media, representation, BASE, VOLATILE, 2);
  if (!pattern) throw new Error(`did not compile: ${media}`);
  return pattern;
}

function matcher(media: string, representation?: { id: string; bandwidth: number }) {
  const pattern = compiled(media, representation);
  const regex = new RegExp(pattern.source);
  return (url: string) => matchTemplate(pattern, regex, url);
}

describe('SegmentTemplate patterns', () => {
  it('matches $Number$ and reads the number', () => {
    const match = matcher('chunk-$RepresentationID$-$Number$.m4s');
    expect(match('https://cdn.example.com/live/stream/chunk-v1-7.m4s')).toEqual({ number: 7 });
    expect(match('https://cdn.example.com/live/stream/chunk-v1-123456.m4s')).toEqual({ number: 123456 });
    expect(match('https://cdn.example.com/live/stream/chunk-v2-7.m4s')).toBeUndefined();
    expect(match('https://cdn.example.com/live/stream/chunk-v1-x.m4s')).toBeUndefined();
    // A player never writes leading zeros the template does not ask for.
    expect(match('https://cdn.example.com/live/stream/chunk-v1-007.m4s')).toBeUndefined();
  });

  it('honours the %0Nd width: padded to N digits, wider numbers as they are', () => {
    const match = matcher('seg-$Number%05d$.m4s');
    expect(match('https://cdn.example.com/live/stream/seg-00042.m4s')).toEqual({ number: 42 });
    expect(match('https://cdn.example.com/live/stream/seg-123456.m4s')).toEqual({ number: 123456 });
    expect(match('https://cdn.example.com/live/stream/seg-42.m4s')).toBeUndefined();
    expect(match('https://cdn.example.com/live/stream/seg-000042.m4s')).toBeUndefined();
  });

  it('matches $Time$ (large values included) and $Bandwidth$ with its width', () => {
    const match = matcher('$Bandwidth%08d$/t$Time$.m4s', { id: 'a', bandwidth: 128000 });
    expect(match('https://cdn.example.com/live/stream/00128000/t172800000000.m4s')).toEqual({
      time: 172800000000,
    });
    expect(match('https://cdn.example.com/live/stream/128000/t0.m4s')).toBeUndefined();
  });

  it('resolves against the base URL and matches canonical URLs: volatile parameters out, the rest sorted', () => {
    const match = matcher('../segments/$RepresentationID$.m4s?n=$Number$&sig=x&quality=hd');
    expect(match('https://cdn.example.com/live/segments/v1.m4s?n=3&quality=hd')).toEqual({ number: 3 });
    // Query order as written does not matter once canonical (canonicalUrl sorts), but the values do.
    expect(match('https://cdn.example.com/live/segments/v1.m4s?n=3&quality=sd')).toBeUndefined();
  });

  it('treats every other character of the template literally', () => {
    const match = matcher('(v1)+[$Number$].m4s');
    expect(match('https://cdn.example.com/live/stream/(v1)+[5].m4s')).toEqual({ number: 5 });
    expect(match('https://cdn.example.com/live/stream/v1v1[5].m4s')).toBeUndefined();
  });

  it('reads $$ as a dollar sign', () => {
    const match = matcher('price$$-$Number$.m4s');
    expect(match('https://cdn.example.com/live/stream/price$-9.m4s')).toEqual({ number: 9 });
  });

  it('refuses templates it cannot match: no number or time, an unknown identifier, a number in a volatile parameter', () => {
    const compile = (media: string) => compileTemplate(media, { id: 'v', bandwidth: 1 }, BASE, VOLATILE, 0);
    expect(compile('init-$RepresentationID$.m4s')).toBeUndefined();
    expect(compile('seg-$Number$-$SubNumber$.m4s')).toBeUndefined();
    expect(compile('seg.m4s?token=$Number$')).toBeUndefined();
  });

  it('keeps the segment duration it was given, for the refs it makes', () => {
    expect(compiled('s-$Number$.m4s').durationSec).toBe(2);
  });
});
