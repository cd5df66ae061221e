// Validators of the worker ↔ page messages: every well-formed message passes, malformed ones never do.
import { describe, expect, it } from 'vitest';
import {
  isPageToWorkerMessage,
  isWorkerToPageMessage,
  type PageToWorkerMessage,
  type WorkerToPageMessage,
} from '../../protocol/bridge/bridge-messages';
import { isSegmentRef, type SegmentRef } from '../../protocol/bridge/segment-ref';
import { validateSettingsPatch } from '../../protocol/bridge/worker-settings';
import { defaultWorkerSettings } from '../../sw/worker/config';

const SHA = 'ab'.repeat(32);
const SEGMENT: SegmentRef = {
  id: 'https://cdn.example.com/all.mp4#bytes=0-99',
  swarm: 'https://cdn.example.com/720p.m3u8',
  url: 'https://cdn.example.com/all.mp4?token=1',
  range: { start: 0, end: 99 },
  durationSec: 2,
  sequence: 3,
};

describe('isSegmentRef', () => {
  it('accepts whole and ranged segments and refuses broken ones', () => {
    expect(isSegmentRef(SEGMENT)).toBe(true);
    expect(isSegmentRef({ ...SEGMENT, range: null, sequence: -1, durationSec: 0 })).toBe(true);
    expect(isSegmentRef({ ...SEGMENT, originHash: { size: 100, sha256: SHA } })).toBe(true);
    for (const broken of [
      { ...SEGMENT, id: '' },
      { ...SEGMENT, swarm: 'x'.repeat(257) },
      { ...SEGMENT, range: { start: 10, end: 5 } },
      { ...SEGMENT, range: { start: -1, end: 5 } },
      { ...SEGMENT, durationSec: Number.NaN },
      { ...SEGMENT, sequence: -2 },
      { ...SEGMENT, url: 42 },
      { ...SEGMENT, originHash: { size: 100, sha256: 'AB'.repeat(32) } },
      { ...SEGMENT, originHash: { size: 0, sha256: SHA } },
      { ...SEGMENT, originHash: { size: 100 } },
      { ...SEGMENT, originHash: null },
      null,
      [],
    ]) {
      expect(isSegmentRef(broken)).toBe(false);
    }
  });
});

describe('isPageToWorkerMessage', () => {
  it('accepts what the agent sends', () => {
    const valid: PageToWorkerMessage[] = [
      { type: 'hello', version: '0.1.0', settings: { peerMaxWaitMs: 500 } },
      {
        type: 'loaded-before-control',
        resources: [{ url: 'https://cdn.example/live/master.m3u8', bytes: 0, ms: 12.5 }],
      },
      { type: 'segment-response', requestId: 1, status: 'ok', data: new ArrayBuffer(4), sha256: SHA },
      { type: 'segment-response', requestId: 2, status: 'miss', reason: 'no peer has it' },
    ];
    for (const message of valid) expect(isPageToWorkerMessage(message)).toBe(true);
  });

  it('refuses malformed or unknown messages', () => {
    for (const message of [
      { type: 'segment-response', requestId: 0, status: 'miss', reason: '' },
      { type: 'segment-response', requestId: 1, status: 'ok', data: new Uint8Array(4), sha256: SHA },
      {
        type: 'segment-response',
        requestId: 1,
        status: 'ok',
        data: new ArrayBuffer(4),
        sha256: 'AB'.repeat(32),
      },
      { type: 'segment-response', requestId: 1, status: 'maybe' },
      { type: 'hello', version: 1, settings: {} },
      { type: 'hello', version: '0.1.0', settings: 'fast' },
      { type: 'loaded-before-control', resources: 'https://cdn.example/a.m3u8' },
      { type: 'loaded-before-control', resources: ['https://cdn.example/a.m3u8'] },
      { type: 'loaded-before-control', resources: [{ url: 42, bytes: 0, ms: 0 }] },
      { type: 'loaded-before-control', resources: [{ url: 'https://cdn.example/a.ts', bytes: 1.5, ms: 0 }] },
      { type: 'loaded-before-control', resources: [{ url: 'https://cdn.example/a.ts', bytes: 9, ms: -1 }] },
      {
        type: 'loaded-before-control',
        resources: Array.from({ length: 65 }, (_, n) => ({
          url: `https://cdn.example/${n}.m3u8`,
          bytes: 0,
          ms: 0,
        })),
      },
      { type: 'goodbye' },
      'hello',
      undefined,
    ]) {
      expect(isPageToWorkerMessage(message)).toBe(false);
    }
  });
});

describe('isWorkerToPageMessage', () => {
  it('accepts every message the worker sends', () => {
    const valid: WorkerToPageMessage[] = [
      { type: 'manifest', swarm: SEGMENT.swarm, url: SEGMENT.url, live: true, segments: [SEGMENT] },
      { type: 'segment-request', requestId: 1, segment: SEGMENT, maxWaitMs: 2000 },
      { type: 'segment-cancel', requestId: 1 },
      { type: 'segment-stored', segment: SEGMENT, size: 100, sha256: SHA, source: 'http' },
      {
        type: 'segment-stored',
        segment: { ...SEGMENT, originHash: { size: 100, sha256: SHA } },
        size: 100,
        sha256: SHA,
        source: 'p2p',
      },
      { type: 'delivered', segment: SEGMENT, source: 'p2p', bytes: 100, ms: 3.5, overheadMs: 1.2 },
      { type: 'delivered', segment: SEGMENT, source: 'http', bytes: 100, ms: 3.5 },
      { type: 'welcome', version: '0.1.0', settings: defaultWorkerSettings },
      { type: 'segment-rejected', requestId: 1, segment: SEGMENT, reason: 'hash-mismatch' },
      { type: 'hello-request' },
    ];
    for (const message of valid) expect(isWorkerToPageMessage(message)).toBe(true);
  });

  it('refuses malformed ones', () => {
    for (const message of [
      { type: 'manifest', swarm: '', url: SEGMENT.url, live: true, segments: [] },
      { type: 'manifest', swarm: SEGMENT.swarm, url: SEGMENT.url, live: true, segments: [{}] },
      { type: 'delivered', segment: SEGMENT, source: 'carrier-pigeon', bytes: 1, ms: 1 },
      { type: 'segment-stored', segment: SEGMENT, size: 100, sha256: SHA },
      { type: 'segment-stored', segment: SEGMENT, size: 100, sha256: SHA, source: 'cache' },
      { type: 'segment-rejected', requestId: 1, segment: SEGMENT, reason: 'bored' },
      { type: 'welcome', version: '0.1.0', settings: { cacheMaxBytes: 5 } },
    ]) {
      expect(isWorkerToPageMessage(message)).toBe(false);
    }
  });
});

describe('validateSettingsPatch', () => {
  it('keeps valid fields and names the invalid ones', () => {
    expect(
      validateSettingsPatch({
        peerMaxWaitMs: 800,
        cacheMaxBytes: -1,
        volatileParams: ['token', 7],
        sniffPlaylists: false,
      }),
    ).toEqual({
      settings: { peerMaxWaitMs: 800, sniffPlaylists: false },
      rejected: ['volatileParams', 'cacheMaxBytes'],
    });
    expect(validateSettingsPatch({ pieceBytes: 2 * 1024 * 1024 })).toEqual({
      settings: { pieceBytes: 2 * 1024 * 1024 },
      rejected: [],
    });
    for (const pieceBytes of [1024, 64 * 1024 * 1024, 1.5 * 1024 * 1024 + 0.5, '1MiB']) {
      expect(validateSettingsPatch({ pieceBytes }).rejected).toEqual(['pieceBytes']);
    }
    expect(validateSettingsPatch(undefined)).toEqual({ settings: {}, rejected: [] });
    expect(validateSettingsPatch('fast')).toEqual({ settings: {}, rejected: ['settings'] });
  });
});
