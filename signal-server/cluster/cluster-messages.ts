// What signal processes tell each other over Redis pub/sub (cluster mode), declared once with its encoder and
// validator. Tab-separated fields with the relayed text last and untouched: no JSON escaping on the hot path.
// Messages for one process within one event-loop turn travel together, as one batch: one SPUBLISH for all.

import { isSha256Hex } from '../../protocol/sha256-hex';
import {
  type AcceptedHash,
  isValidSegmentId,
  isValidSegmentSize,
} from '../../protocol/signaling/hash-messages';
import { isValidPeerId } from '../../protocol/signaling/peer-id';
import { RELAY_TYPES, type RelayType } from '../../protocol/signaling/peerjs-messages';
import { isValidSwarmKey } from '../../protocol/signaling/swarm-messages';
import type { RoutedMessage } from '../signaling-ports';

export type ClusterMessage =
  /** A message for a peer this process should hold. `hops` 1: the process it first reached did not. */
  | { type: 'deliver'; hops: number; message: RoutedMessage }
  /** `id`, which the receiving process holds messages for, just connected to process `node`. */
  | { type: 'arrived'; id: string; node: string }
  /** Process that received this: `id` is now held elsewhere (claimed with `token`); end yours. */
  | { type: 'evict'; id: string; token: string }
  /** A segment hash was accepted in `swarm`: the receiving process registered queries waiting for it. */
  | { type: 'hash'; swarm: string; hash: AcceptedHash };

const TAG = { deliver: 'D', arrived: 'A', evict: 'E', hash: 'H' } as const;
const SEPARATOR = '\t';
const RELAY_TYPE_SET: ReadonlySet<string> = new Set(RELAY_TYPES);
/** A process id as this server makes them (start-cluster.ts): no tab, no braces, bounded. */
const NODE_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function isValidNodeId(node: string): boolean {
  return NODE_ID.test(node);
}

export function encodeClusterMessage(message: ClusterMessage): string {
  switch (message.type) {
    case 'deliver': {
      const routed = message.message;
      const src = routed.type === 'notice' ? '' : routed.src;
      return [TAG.deliver, message.hops, routed.type, src, routed.dst, routed.text].join(SEPARATOR);
    }
    case 'arrived':
      return [TAG.arrived, message.id, message.node].join(SEPARATOR);
    case 'evict':
      return [TAG.evict, message.id, message.token].join(SEPARATOR);
    case 'hash': {
      // Swarm keys and segment ids have no control characters: a tab never occurs inside a field. A swarm hash
      // has no sixth field, as before the hash service existed.
      const { swarm, hash } = message;
      const fields = [TAG.hash, swarm, hash.segment, hash.size, hash.sha256];
      return (hash.source === 'origin' ? [...fields, 'origin'] : fields).join(SEPARATOR);
    }
  }
}

/** Validates a message from the channel; null for anything malformed (another version, a stray publisher). */
export function decodeClusterMessage(text: string): ClusterMessage | null {
  const tag = text.slice(0, 2);
  if (tag === `${TAG.deliver}${SEPARATOR}`) return decodeDeliver(text);
  if (tag === `${TAG.hash}${SEPARATOR}`) return decodeHash(text);
  const [, first = '', second = '', ...rest] = text.split(SEPARATOR);
  if (rest.length > 0 || !isValidPeerId(first)) return null;
  if (tag === `${TAG.arrived}${SEPARATOR}`)
    return isValidNodeId(second) ? { type: 'arrived', id: first, node: second } : null;
  if (tag === `${TAG.evict}${SEPARATOR}`)
    return second.length > 0 ? { type: 'evict', id: first, token: second } : null;
  return null;
}

function decodeHash(text: string): ClusterMessage | null {
  const [, swarm, segment, sizeField = '', sha256, source, ...rest] = text.split(SEPARATOR);
  const size = /^[1-9][0-9]*$/.test(sizeField) ? Number(sizeField) : 0;
  if (rest.length > 0 || !isValidSwarmKey(swarm) || !isValidSegmentId(segment)) return null;
  if (!isValidSegmentSize(size) || !isSha256Hex(sha256)) return null;
  if (source !== undefined && source !== 'origin') return null;
  return { type: 'hash', swarm, hash: { segment, size, sha256, source: source ?? 'swarm' } };
}

function decodeDeliver(text: string): ClusterMessage | null {
  // D, hops, type, src, dst: five fields, then the text, which may itself contain tabs.
  let start = 0;
  const fields: string[] = [];
  for (let n = 0; n < 5; n++) {
    const end = text.indexOf(SEPARATOR, start);
    if (end === -1) return null;
    fields.push(text.slice(start, end));
    start = end + 1;
  }
  const [, hopsField, type = '', src = '', dst = ''] = fields;
  const hops = hopsField === '0' ? 0 : hopsField === '1' ? 1 : -1;
  const body = text.slice(start);
  if (hops === -1 || !isValidPeerId(dst) || body.length === 0) return null;
  if (type === 'notice') return { type: 'deliver', hops, message: { type, dst, text: body } };
  if (!RELAY_TYPE_SET.has(type) || !isValidPeerId(src)) return null;
  const message = { src, dst, type: type as RelayType, text: body, queuedAt: 0 };
  return { type: 'deliver', hops, message };
}

/** A batch: each message's encoding prefixed by its length and ':' (netstring-like; lengths in UTF-16 units). */
export function encodeClusterBatch(messages: readonly ClusterMessage[]): string {
  let text = '';
  for (const message of messages) {
    const record = encodeClusterMessage(message);
    text += `${record.length}:${record}`;
  }
  return text;
}

/** The messages of a batch, each null when malformed; null for the whole when the framing is broken. */
export function decodeClusterBatch(text: string): (ClusterMessage | null)[] | null {
  const messages: (ClusterMessage | null)[] = [];
  let start = 0;
  while (start < text.length) {
    const colon = text.indexOf(':', start);
    const length = colon === -1 || colon - start > 9 ? Number.NaN : Number(text.slice(start, colon));
    if (!Number.isInteger(length) || length <= 0 || colon + 1 + length > text.length) return null;
    messages.push(decodeClusterMessage(text.slice(colon + 1, colon + 1 + length)));
    start = colon + 1 + length;
  }
  return messages.length > 0 ? messages : null;
}
