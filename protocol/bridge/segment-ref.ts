// A segment as the worker and the page agent both name it on the bridge, with its validator.
import { MAX_SEGMENT_ID_BYTES } from '../peers/peer-wire';
import { isSha256Hex } from '../sha256-hex';
import { isValidSwarmKey } from '../signaling/swarm-messages';
import { isCount, isDuration, isRecord, isText, MAX_URL } from './value-checks';

/** One media segment (or byte range of one) as both sides name it. */
export interface SegmentRef {
  /** Canonical identity: volatile query params stripped, byte range included (see sw/worker/segment-id.ts). */
  id: string;
  /** Swarm key: the stream + rendition this segment belongs to (peers sharing it join this swarm). */
  swarm: string;
  /** The URL the player asked for (tokens included), for a network fetch. */
  url: string;
  /** Inclusive byte range within `url`, or null for the whole resource. */
  range: { start: number; end: number } | null;
  /** Media duration in seconds, 0 when unknown (init sections, progressive pieces). */
  durationSec: number;
  /** Position in the rendition (media sequence number), -1 when it has none. */
  sequence: number;
  /**
   * Size and lowercase-hex SHA-256 the origin's hash sidecar (`Peerlane-Hashes` header) publishes for exactly
   * this segment or piece: the strongest trusted hash. Absent when the origin publishes none for it.
   */
  originHash?: OriginHash;
}

/** What an origin's sidecar says one segment (or progressive piece) is. */
export interface OriginHash {
  size: number;
  sha256: string;
}

export function isOriginHash(value: unknown): value is OriginHash {
  return isRecord(value) && isCount(value.size) && value.size > 0 && isSha256Hex(value.sha256);
}

export function isSegmentRef(value: unknown): value is SegmentRef {
  if (!isRecord(value)) return false;
  const { id, swarm, url, range, durationSec, sequence, originHash } = value;
  const rangeOk =
    range === null ||
    (isRecord(range) && isCount(range.start) && isCount(range.end) && range.end >= range.start);
  return (
    isText(id, MAX_SEGMENT_ID_BYTES) &&
    id.length > 0 &&
    isValidSwarmKey(swarm) &&
    isText(url, MAX_URL) &&
    rangeOk &&
    isDuration(durationSec) &&
    typeof sequence === 'number' &&
    Number.isSafeInteger(sequence) &&
    sequence >= -1 &&
    (originHash === undefined || isOriginHash(originHash))
  );
}
