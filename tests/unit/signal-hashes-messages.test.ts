// The trust messages' validators: what the server accepts from clients (exactly the declared fields, hostile
// input refused with a reason), what the page agent accepts from the server, and the record between processes.
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_ID_BYTES } from '../../protocol/peers/peer-wire';
import {
  MAX_QUERY_SEGMENTS,
  readHashServerMessage,
  validateHashClientMessage,
} from '../../protocol/signaling/hash-messages';
import { parseClientMessage } from '../../protocol/signaling/peerjs-messages';
import { decodeClusterMessage, encodeClusterMessage } from '../../signal-server/cluster/cluster-messages';

const SHA = '0123456789abcdef'.repeat(4);
const hash = (payload: object) => ({ type: 'SEGMENT-HASH', payload });
const valid = { swarm: 's', segment: 'https://cdn.example/seg-1.m4s#bytes=0-99', size: 100, sha256: SHA };

describe('trust message validation', () => {
  it('accepts well-formed messages and keeps only the declared fields', () => {
    expect(validateHashClientMessage(hash({ ...valid, extra: 1 }))).toEqual(hash(valid));
    expect(
      validateHashClientMessage({
        type: 'SEGMENT-HASH-QUERY',
        payload: { swarm: 's', segments: ['a', 'b', 'a'] },
      }),
    ).toEqual({ type: 'SEGMENT-HASH-QUERY', payload: { swarm: 's', segments: ['a', 'b'] } });
    expect(
      validateHashClientMessage({ type: 'PEER-REPORT', payload: { swarm: 's', peer: 'p-1', reason: '' } }),
    ).toEqual({ type: 'PEER-REPORT', payload: { swarm: 's', peer: 'p-1', reason: '' } });
  });

  it.each([
    ['no payload', { type: 'SEGMENT-HASH' }],
    ['array payload', { type: 'SEGMENT-HASH', payload: [] }],
    ['bad swarm', hash({ ...valid, swarm: '' })],
    ['control character in swarm', hash({ ...valid, swarm: 'a\nb' })],
    ['empty segment', hash({ ...valid, segment: '' })],
    ['segment not a string', hash({ ...valid, segment: 5 })],
    ['segment with a control character', hash({ ...valid, segment: 'a\u0000' })],
    ['segment over the byte limit', hash({ ...valid, segment: 'é'.repeat(MAX_SEGMENT_ID_BYTES / 2 + 1) })],
    ['size 0', hash({ ...valid, size: 0 })],
    ['negative size', hash({ ...valid, size: -1 })],
    ['fractional size', hash({ ...valid, size: 1.5 })],
    ['unsafe size', hash({ ...valid, size: 2 ** 60 })],
    ['size as text', hash({ ...valid, size: '100' })],
    ['uppercase hex', hash({ ...valid, sha256: SHA.toUpperCase() })],
    ['short hash', hash({ ...valid, sha256: SHA.slice(1) })],
    ['no segments', { type: 'SEGMENT-HASH-QUERY', payload: { swarm: 's', segments: [] } }],
    ['segments not an array', { type: 'SEGMENT-HASH-QUERY', payload: { swarm: 's', segments: 'a' } }],
    [
      'too many segments',
      {
        type: 'SEGMENT-HASH-QUERY',
        payload: { swarm: 's', segments: Array(MAX_QUERY_SEGMENTS + 1).fill('a') },
      },
    ],
    ['a bad segment among good', { type: 'SEGMENT-HASH-QUERY', payload: { swarm: 's', segments: ['a', 1] } }],
    ['bad peer id', { type: 'PEER-REPORT', payload: { swarm: 's', peer: 'a b ', reason: '' } }],
    ['reason too long', { type: 'PEER-REPORT', payload: { swarm: 's', peer: 'p', reason: 'x'.repeat(201) } }],
    ['reason missing', { type: 'PEER-REPORT', payload: { swarm: 's', peer: 'p' } }],
  ])('refuses %s with invalid-payload', (_name, message) => {
    const parsed = parseClientMessage(JSON.stringify(message));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe('invalid-payload');
      expect(parsed.error.details).toMatchObject({
        type: message.type,
        reason: expect.stringMatching(/^needs /),
      });
    }
  });

  it('leaves other types to the unknown-type answer', () => {
    const parsed = parseClientMessage(JSON.stringify({ type: 'SEGMENT-HASHES', payload: {} }));
    expect(parsed).toMatchObject({ ok: false, error: { code: 'unknown-type' } });
  });

  it('lets the agent accept only well-formed SEGMENT-HASHES', () => {
    const entry = { segment: 'a', size: 1, sha256: SHA };
    const read = (hashes: unknown[]) =>
      readHashServerMessage({ type: 'SEGMENT-HASHES', payload: { swarm: 's', hashes } });
    expect(read([{ ...entry, source: 'origin' }])).toEqual({
      swarm: 's',
      hashes: [{ ...entry, source: 'origin' }],
    });
    expect(read([])).toEqual({ swarm: 's', hashes: [] });
    for (const bad of [
      null,
      { type: 'SEGMENT-HASHES' },
      { type: 'SEGMENT-HASHES', payload: { hashes: [] } },
      { type: 'SEGMENT-HASHES', payload: { swarm: 's', hashes: [{ ...entry, sha256: 'x' }] } },
      { type: 'SEGMENT-HASHES', payload: { swarm: 's', hashes: [{ ...entry, size: 0 }] } },
      { type: 'SEGMENT-HASHES', payload: { swarm: 's', hashes: [null] } },
      { type: 'SWARM-PEERS', payload: { swarm: 's', peers: [] } },
    ])
      expect(readHashServerMessage(bad)).toBeNull();
  });

  it('reads an entry without a source (an older server) or with an unknown one as the weaker, swarm', () => {
    const entry = { segment: 'a', size: 1, sha256: SHA };
    for (const source of [undefined, 'swarm', 'oracle', 7])
      expect(
        readHashServerMessage({
          type: 'SEGMENT-HASHES',
          payload: { swarm: 's', hashes: [{ ...entry, source }] },
        })?.hashes,
      ).toEqual([{ ...entry, source: 'swarm' }]);
  });
});

describe('accepted hashes between processes (cluster messages)', () => {
  it('round-trips an accepted hash, with its source, and refuses a malformed record', () => {
    for (const source of ['swarm', 'origin'] as const) {
      const message = {
        type: 'hash',
        swarm: 'movie/720p',
        hash: { segment: 'seg-1.m4s', size: 7, sha256: SHA, source },
      } as const;
      expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual(message);
    }
    // A swarm hash is encoded as before the source existed: a process of the previous release reads it.
    expect(
      encodeClusterMessage({
        type: 'hash',
        swarm: 'm',
        hash: { segment: 's', size: 7, sha256: SHA, source: 'swarm' },
      }),
    ).toBe(`H\tm\ts\t7\t${SHA}`);
    for (const bad of [
      `H\tmovie\tseg\t7\t${SHA}\textra`,
      `H\tmovie\tseg\t7\t${SHA}\torigin\textra`,
      `H\tmovie\tseg\t07\t${SHA}`,
      `H\tmovie\tseg\t0\t${SHA}`,
      `H\tmovie\tseg\t7\t${SHA.toUpperCase()}`,
      `H\t\tseg\t7\t${SHA}`,
      `H\tmovie\t\t7\t${SHA}`,
      'H\tmovie',
    ])
      expect(decodeClusterMessage(bad)).toBeNull();
  });
});
