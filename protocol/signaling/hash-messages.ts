// Peerlane's segment-trust messages on the signaling socket: viewers vote for the SHA-256 of segments they
// fetched from the network, ask for accepted hashes, and report lying peers. Shared with the page agent.
import { MAX_SEGMENT_ID_BYTES } from '../peers/peer-wire';
import { isSha256Hex } from '../sha256-hex';
import { isValidPeerId } from './peer-id';
import { isValidSwarmKey, MAX_SWARM_KEY_LENGTH } from './swarm-messages';

/** A segment's identity (as the worker's segment-id.ts computes it) with its size and lowercase-hex SHA-256. */
export interface SegmentHash {
  segment: string;
  size: number;
  sha256: string;
}

/** Client → server. */
export type HashClientMessage =
  /** "I fetched this segment from the network and it hashed to this": one vote per connection per segment. */
  | { type: 'SEGMENT-HASH'; payload: { swarm: string } & SegmentHash }
  /** Which of these segments have an accepted hash? Answered at once; the rest later, once each. */
  | { type: 'SEGMENT-HASH-QUERY'; payload: { swarm: string; segments: string[] } }
  /** `peer` served bytes or announced a hash that contradicts a trusted one. */
  | { type: 'PEER-REPORT'; payload: { swarm: string; peer: string; reason: string } };

/**
 * Where an accepted hash comes from. 'origin': the signal server fetched the segment from its origin and hashed
 * it (`--hash-origins`): as strong as an origin's sidecar, final, network bytes that contradict it are not kept.
 * 'swarm': `hashQuorum` independent viewers reported it.
 */
export type HashSource = 'origin' | 'swarm';

/** A hash the server accepted, and on whose word. */
export interface AcceptedHash extends SegmentHash {
  source: HashSource;
}

/**
 * Server → client: accepted hashes only, for one swarm. Servers before `source` existed sent entries without it:
 * clients read a missing (or unknown) source as 'swarm', the weaker one.
 */
export type HashServerMessage = {
  type: 'SEGMENT-HASHES';
  payload: { swarm: string; hashes: AcceptedHash[] };
};

export const HASH_CLIENT_TYPES = ['SEGMENT-HASH', 'SEGMENT-HASH-QUERY', 'PEER-REPORT'] as const;
export const MAX_QUERY_SEGMENTS = 64;
export const MAX_REPORT_REASON_LENGTH = 200;

const CONTROL_CHARACTER = /\p{Cc}/u;
const utf8 = new TextEncoder();

export function isValidSegmentSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 0;
}

/** 1..MAX_SEGMENT_ID_BYTES UTF-8 bytes (the peer wire's bound), no control characters. */
export function isValidSegmentId(segment: unknown): segment is string {
  if (typeof segment !== 'string' || segment.length === 0 || segment.length > MAX_SEGMENT_ID_BYTES)
    return false;
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long ids need counting.
  if (segment.length * 3 > MAX_SEGMENT_ID_BYTES && utf8.encode(segment).length > MAX_SEGMENT_ID_BYTES)
    return false;
  return !CONTROL_CHARACTER.test(segment);
}

const SWARM_RULE = `payload.swarm: a string of 1-${MAX_SWARM_KEY_LENGTH} characters without control characters`;
const SEGMENT_RULE = `a string of 1-${MAX_SEGMENT_ID_BYTES} UTF-8 bytes without control characters`;

/**
 * Validates a parsed client message of one of HASH_CLIENT_TYPES. Returns the typed message (only the known
 * fields, copied), 'unknown-type' for another type, otherwise what is wrong with the payload (human-readable).
 */
export function validateHashClientMessage(message: {
  type: string;
  payload?: unknown;
}): HashClientMessage | 'unknown-type' | string {
  const type = HASH_CLIENT_TYPES.find((known) => known === message.type);
  if (!type) return 'unknown-type';
  const payload = message.payload as Record<string, unknown> | null | undefined;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return 'needs a payload object';
  const { swarm } = payload;
  if (!isValidSwarmKey(swarm)) return `needs ${SWARM_RULE}`;
  switch (type) {
    case 'SEGMENT-HASH': {
      const { segment, size, sha256 } = payload;
      if (!isValidSegmentId(segment)) return `needs payload.segment: ${SEGMENT_RULE}`;
      if (!isValidSegmentSize(size)) return 'needs payload.size: a positive integer (bytes)';
      if (!isSha256Hex(sha256)) return 'needs payload.sha256: 64 lowercase hex digits';
      return { type, payload: { swarm, segment, size, sha256 } };
    }
    case 'SEGMENT-HASH-QUERY': {
      const { segments } = payload;
      if (
        !Array.isArray(segments) ||
        segments.length === 0 ||
        segments.length > MAX_QUERY_SEGMENTS ||
        !segments.every(isValidSegmentId)
      )
        return `needs payload.segments: 1-${MAX_QUERY_SEGMENTS} segment ids, each ${SEGMENT_RULE}`;
      return { type, payload: { swarm, segments: [...new Set(segments as string[])] } };
    }
    case 'PEER-REPORT': {
      const { peer, reason } = payload;
      if (!isValidPeerId(peer)) return 'needs payload.peer: a valid peer id';
      if (typeof reason !== 'string' || reason.length > MAX_REPORT_REASON_LENGTH)
        return `needs payload.reason: a string of at most ${MAX_REPORT_REASON_LENGTH} characters`;
      return { type, payload: { swarm, peer, reason } };
    }
  }
}

/**
 * For the page agent: a message received on the peerjs socket read as SEGMENT-HASHES, every entry checked and
 * copied with its source (missing or unknown: 'swarm'); null for anything else.
 */
export function readHashServerMessage(message: unknown): HashServerMessage['payload'] | null {
  const { type, payload } = (message ?? {}) as { type?: unknown; payload?: Record<string, unknown> };
  if (type !== 'SEGMENT-HASHES' || typeof payload !== 'object' || payload === null) return null;
  const { swarm, hashes } = payload;
  if (typeof swarm !== 'string' || !Array.isArray(hashes) || !hashes.every(isSegmentHash)) return null;
  return {
    swarm,
    hashes: hashes.map(({ segment, size, sha256, source }) => ({
      segment,
      size,
      sha256,
      source: source === 'origin' ? 'origin' : 'swarm',
    })),
  };
}

function isSegmentHash(entry: unknown): entry is SegmentHash & { source?: unknown } {
  const { segment, size, sha256 } = (entry ?? {}) as Partial<Record<keyof SegmentHash, unknown>>;
  return isValidSegmentId(segment) && isValidSegmentSize(size) && isSha256Hex(sha256);
}

export function encodeHashServerMessage(message: HashServerMessage): string {
  return JSON.stringify(message);
}
