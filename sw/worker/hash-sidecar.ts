// Reads the origin's hash sidecar (announced by the `Peerlane-Hashes` response header; its format is
// protocol/hash-sidecar-format.ts) with a strict parser that turns it into hashes keyed by segment id.
import type { OriginHash } from '../../protocol/bridge/segment-ref';
import { SIDECAR_VERSION } from '../../protocol/hash-sidecar-format';
import { pieceId, segmentId } from '../../protocol/segment-ids';
import { isSha256Hex } from '../../protocol/sha256-hex';
import { rangeLength } from './byte-range';
import { pieceCount, pieceRange } from './piece-plan';
import { canonicalUrl } from './segment-id';

export interface SidecarParseOptions {
  /** Per-viewer query parameters, dropped from ids exactly as the worker does (segment-id.ts). */
  volatileParams: readonly string[];
  /** The worker's piece size: files hashed with another are skipped (their pieces are not the worker's). */
  pieceBytes: number;
  /** Most hashes taken from one sidecar; a longer one is refused whole. */
  maxEntries: number;
}

export type SidecarParse =
  | { ok: true; hashes: Map<string, OriginHash>; skippedFiles: number }
  | { ok: false; reason: string };

const MAX_URL = 16 * 1024;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Raised inside the parser for the first problem found; the whole sidecar is then ignored. */
class Malformed extends Error {}

function fail(reason: string): never {
  throw new Malformed(reason);
}

/**
 * Reads a sidecar fetched from `sidecarUrl` into hashes keyed by segment id (as segment-id.ts names them). Strict:
 * one malformed entry refuses the whole sidecar, since a broken one cannot be trusted in part.
 */
export function parseHashSidecar(
  text: string,
  sidecarUrl: string,
  options: SidecarParseOptions,
): SidecarParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  try {
    return { ok: true, ...readSidecar(json, sidecarUrl, options) };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, reason: error.message };
    throw error;
  }
}

function readSidecar(json: unknown, sidecarUrl: string, options: SidecarParseOptions) {
  if (!isRecord(json)) fail('not a JSON object');
  if (json.peerlane !== SIDECAR_VERSION)
    fail(
      `"peerlane" is ${JSON.stringify(json.peerlane)?.slice(0, 40)}, this worker reads "${SIDECAR_VERSION}"`,
    );
  const segments = listOf(json.segments, 'segments');
  const files = listOf(json.files, 'files');
  const hashes = new Map<string, OriginHash>();
  const add = (id: string, hash: OriginHash) => {
    if (hashes.set(id, hash).size > options.maxEntries) fail(`more than ${options.maxEntries} hashes`);
  };
  segments.forEach((entry, position) => {
    const where = `segments[${position}]`;
    if (!isRecord(entry)) fail(`${where} is not an object`);
    const url = resolve(entry.url, sidecarUrl, where);
    const { size, sha256 } = entry;
    if (!isSize(size)) fail(`${where}.size is not a positive integer`);
    if (!isSha256Hex(sha256)) fail(`${where}.sha256 is not 64 lowercase hex digits`);
    const range = entry.range === undefined ? null : rangeOf(entry.range, where);
    if (range && rangeLength(range) !== size) fail(`${where}.size differs from its range's length`);
    add(segmentId(canonicalUrl(url, options.volatileParams), range), { size, sha256 });
  });
  let skippedFiles = 0;
  files.forEach((entry, position) => {
    const where = `files[${position}]`;
    if (!isRecord(entry)) fail(`${where} is not an object`);
    const url = canonicalUrl(resolve(entry.url, sidecarUrl, where), options.volatileParams);
    const { size, pieceBytes, pieces } = entry;
    if (!isSize(size) || !isSize(pieceBytes)) fail(`${where}: size and pieceBytes must be positive integers`);
    const layout = { size, pieceBytes };
    if (!Array.isArray(pieces) || pieces.length !== pieceCount(layout))
      fail(`${where}.pieces must list ${pieceCount(layout)} hashes`);
    if (!pieces.every(isSha256Hex)) fail(`${where}.pieces holds a value that is not 64 lowercase hex digits`);
    // Another piece size names other pieces: valid, but nothing this worker asks for.
    if (pieceBytes !== options.pieceBytes) {
      skippedFiles++;
      return;
    }
    pieces.forEach((sha256, index) => {
      const range = pieceRange(layout, index);
      add(pieceId(url, range, size), { size: rangeLength(range), sha256 });
    });
  });
  return { hashes, skippedFiles };
}

function listOf(value: unknown, name: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`"${name}" is not an array`);
  return value;
}

function resolve(value: unknown, base: string, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL)
    fail(`${where}.url is not a URL`);
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    fail(`${where}.url is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${where}.url is not http(s)`);
  return url.href;
}

function rangeOf(value: unknown, where: string): { start: number; end: number } {
  if (!Array.isArray(value) || value.length !== 2) fail(`${where}.range is not [start, end]`);
  const [start, end] = value;
  if (!isOffset(start) || !isOffset(end) || end < start)
    fail(`${where}.range is not [start, end] with 0 ≤ start ≤ end`);
  return { start, end };
}
