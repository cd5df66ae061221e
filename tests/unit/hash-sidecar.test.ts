// The origin's hash sidecar as the worker reads it (strict: one bad entry refuses it whole, limits hold), and the
// bounded table of origin hashes keyed by segment id.
import { describe, expect, it } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { defaultWorkerSettings } from '../../sw/worker/config';
import { parseHashSidecar, type SidecarParseOptions } from '../../sw/worker/hash-sidecar';
import { OriginHashes } from '../../sw/worker/origin-hashes';

const SIDECAR = 'https://cdn.example.com/vod/peerlane-hashes.json?token=abc';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const OPTIONS: SidecarParseOptions = {
  volatileParams: defaultWorkerSettings.volatileParams,
  pieceBytes: 1024 * 1024,
  maxEntries: 100,
};

function parse(json: unknown, options: Partial<SidecarParseOptions> = {}) {
  return parseHashSidecar(JSON.stringify(json), SIDECAR, { ...OPTIONS, ...options });
}

function reasonOf(json: unknown, options: Partial<SidecarParseOptions> = {}): string {
  const parsed = parse(json, options);
  if (parsed.ok) throw new Error('expected the sidecar to be refused');
  return parsed.reason;
}

describe('parseHashSidecar', () => {
  it('keys segments by the id the worker computes: relative to the sidecar, tokens dropped, range included', () => {
    const parsed = parse({
      peerlane: 'hashes/1',
      segments: [
        { url: '720p/seg-001.ts?token=viewer', size: 1000, sha256: A },
        { url: 'https://other.example/all.mp4', range: [100, 199], size: 100, sha256: B },
      ],
    });
    expect(parsed).toEqual({
      ok: true,
      skippedFiles: 0,
      hashes: new Map([
        ['https://cdn.example.com/vod/720p/seg-001.ts', { size: 1000, sha256: A }],
        ['https://other.example/all.mp4#bytes=100-199', { size: 100, sha256: B }],
      ]),
    });
  });

  it("gives each piece of a progressive file its hash, for the worker's piece size only", () => {
    const size = 2.5 * 1024 * 1024;
    const file = { url: 'movie.mp4', size, pieceBytes: 1024 * 1024, pieces: [A, B, A] };
    const parsed = parse({ peerlane: 'hashes/1', files: [file] });
    expect(parsed.ok && [...parsed.hashes]).toEqual([
      [`https://cdn.example.com/vod/movie.mp4#bytes=0-1048575/${size}`, { size: 1048576, sha256: A }],
      [`https://cdn.example.com/vod/movie.mp4#bytes=1048576-2097151/${size}`, { size: 1048576, sha256: B }],
      [`https://cdn.example.com/vod/movie.mp4#bytes=2097152-2621439/${size}`, { size: 524288, sha256: A }],
    ]);
    const other = parse({ peerlane: 'hashes/1', files: [file] }, { pieceBytes: 2 * 1024 * 1024 });
    expect(other).toEqual({ ok: true, hashes: new Map(), skippedFiles: 1 });
  });

  it('accepts an empty sidecar', () => {
    expect(parse({ peerlane: 'hashes/1' })).toEqual({ ok: true, hashes: new Map(), skippedFiles: 0 });
  });

  it.each([
    ['not JSON', '{"peerlane": "hashes/1", '],
    ['an array', '[]'],
    ['null', 'null'],
  ])('refuses a sidecar that is %s', (_name, text) => {
    expect(parseHashSidecar(text, SIDECAR, OPTIONS).ok).toBe(false);
  });

  it('refuses another format version, naming the one it reads', () => {
    expect(reasonOf({ peerlane: 'hashes/2', segments: [] })).toContain('"hashes/1"');
    expect(reasonOf({ segments: [] })).toContain('"hashes/1"');
  });

  it.each([
    ['uppercase hex', { url: 's.ts', size: 1, sha256: A.toUpperCase() }, 'sha256'],
    ['short hex', { url: 's.ts', size: 1, sha256: 'abc' }, 'sha256'],
    ['non-hex', { url: 's.ts', size: 1, sha256: 'g'.repeat(64) }, 'sha256'],
    ['a zero size', { url: 's.ts', size: 0, sha256: A }, 'size'],
    ['a fractional size', { url: 's.ts', size: 1.5, sha256: A }, 'size'],
    ['no url', { size: 1, sha256: A }, 'url'],
    ['a non-http url', { url: 'data:text/plain,x', size: 1, sha256: A }, 'http'],
    ['a reversed range', { url: 's.ts', range: [10, 5], size: 1, sha256: A }, 'range'],
    ['a negative range', { url: 's.ts', range: [-1, 5], size: 7, sha256: A }, 'range'],
    ['a three-number range', { url: 's.ts', range: [0, 1, 2], size: 2, sha256: A }, 'range'],
    ['a size that is not the range', { url: 's.ts', range: [0, 99], size: 99, sha256: A }, 'length'],
  ])('refuses the whole sidecar for one segment with %s', (_name, entry, hint) => {
    const good = { url: 'ok.ts', size: 1, sha256: A };
    expect(reasonOf({ peerlane: 'hashes/1', segments: [good, entry] })).toMatch(
      new RegExp(`segments\\[1\\].*${hint}`),
    );
  });

  it('refuses files whose piece list does not fit their size, or holds bad hex', () => {
    const file = { url: 'movie.mp4', size: 3 * 1024 * 1024, pieceBytes: 1024 * 1024 };
    expect(reasonOf({ peerlane: 'hashes/1', files: [{ ...file, pieces: [A, B] }] })).toContain('3 hashes');
    expect(reasonOf({ peerlane: 'hashes/1', files: [{ ...file, pieces: [A, B, 'x'] }] })).toContain('hex');
    expect(reasonOf({ peerlane: 'hashes/1', files: [{ ...file, pieceBytes: 0, pieces: [] }] })).toContain(
      'pieceBytes',
    );
    expect(reasonOf({ peerlane: 'hashes/1', files: {} })).toContain('"files" is not an array');
  });

  it('refuses a sidecar with more hashes than the limit', () => {
    const segments = Array.from({ length: 11 }, (_, index) => ({ url: `s${index}.ts`, size: 1, sha256: A }));
    expect(parse({ peerlane: 'hashes/1', segments: segments.slice(0, 10) }, { maxEntries: 10 }).ok).toBe(
      true,
    );
    expect(reasonOf({ peerlane: 'hashes/1', segments }, { maxEntries: 10 })).toContain('more than 10');
    const pieces = Array.from({ length: 11 }, () => A);
    const file = { url: 'm.mp4', size: 11 * 1024 * 1024, pieceBytes: 1024 * 1024, pieces };
    expect(reasonOf({ peerlane: 'hashes/1', files: [file] }, { maxEntries: 10 })).toContain('more than 10');
  });
});

describe('OriginHashes', () => {
  const ref: SegmentRef = {
    id: 'https://cdn.example.com/vod/seg-1.ts',
    swarm: 'https://cdn.example.com/vod/index.m3u8',
    url: 'https://cdn.example.com/vod/seg-1.ts?token=1',
    range: null,
    durationSec: 2,
    sequence: 1,
  };

  it('attaches a known hash to a copy of the ref, and leaves refs without one as they are', () => {
    const table = new OriginHashes(10);
    expect(table.attach(ref)).toBe(ref);
    table.add(new Map([[ref.id, { size: 5, sha256: A }]]));
    expect(table.attach(ref)).toEqual({ ...ref, originHash: { size: 5, sha256: A } });
    expect(ref.originHash).toBeUndefined();
  });

  it('reports which hashes are new or changed', () => {
    const table = new OriginHashes(10);
    expect(table.add(new Map([['a', { size: 1, sha256: A }]]))).toEqual(['a']);
    expect(
      table.add(
        new Map([
          ['a', { size: 1, sha256: A }],
          ['b', { size: 1, sha256: B }],
        ]),
      ),
    ).toEqual(['b']);
    expect(table.add(new Map([['a', { size: 1, sha256: B }]]))).toEqual(['a']);
  });

  it('forgets the least recently published hashes beyond its bound', () => {
    const table = new OriginHashes(2);
    table.add(new Map([['a', { size: 1, sha256: A }]]));
    table.add(new Map([['b', { size: 1, sha256: A }]]));
    table.add(new Map([['a', { size: 1, sha256: A }]])); // published again: recent
    table.add(new Map([['c', { size: 1, sha256: A }]]));
    expect(['a', 'b', 'c'].map((id) => table.has(id))).toEqual([true, false, true]);
  });
});
