// Names segments and swarms the same way for every viewer: per-viewer query parameters (CDN tokens, sessions)
// are dropped and the rest sorted, so two viewers of one stream agree on ids whatever URLs their CDN signed. The
// id format itself (byte-range suffixes) is protocol/segment-ids.ts.

import { sha256Hex } from '../../protocol/sha256-hex';
import { MAX_SWARM_KEY_LENGTH } from '../../protocol/signaling/swarm-messages';

/** LL-HLS delivery directives (`_HLS_msn`, `_HLS_part`, `_HLS_skip`) ask for a playlist version, not another stream. */
const HLS_DIRECTIVE_PREFIX = '_hls_';

type ParamFilter = (name: string) => boolean;
const filters = new WeakMap<readonly string[], ParamFilter>();

/** Compiled once per settings array: exact names in a Set, `prefix*` entries as prefixes; all lower case. */
function volatileFilter(volatileParams: readonly string[]): ParamFilter {
  let filter = filters.get(volatileParams);
  if (!filter) {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const raw of volatileParams) {
      const name = raw.toLowerCase();
      if (name.endsWith('*')) prefixes.push(name.slice(0, -1));
      else exact.add(name);
    }
    filter = (name) => {
      const lower = name.toLowerCase();
      return exact.has(lower) || prefixes.some((prefix) => lower.startsWith(prefix));
    };
    filters.set(volatileParams, filter);
  }
  return filter;
}

function canonicalize(url: string, drop: ParamFilter): string {
  const parsed = new URL(url);
  parsed.hash = '';
  // forEach, not spread: the worker's TypeScript lib (WebWorker) has no iterable URLSearchParams.
  const kept: Array<[string, string]> = [];
  parsed.searchParams.forEach((value, name) => {
    if (!drop(name)) kept.push([name, value]);
  });
  // Sort by name then value: the order a CDN or player happened to write them in is not part of identity.
  kept.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA === nameB ? compare(valueA, valueB) : compare(nameA, nameB),
  );
  parsed.search = kept.length > 0 ? new URLSearchParams(kept).toString() : '';
  return parsed.href;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The URL without fragment and volatile parameters, remaining parameters sorted. Throws on an invalid URL. */
export function canonicalUrl(url: string, volatileParams: readonly string[]): string {
  return canonicalize(url, volatileFilter(volatileParams));
}

/** A playlist's canonical URL: as `canonicalUrl`, LL-HLS delivery directives dropped too. */
export function playlistUrl(url: string, volatileParams: readonly string[]): string {
  const drop = volatileFilter(volatileParams);
  return canonicalize(url, (name) => drop(name) || name.toLowerCase().startsWith(HLS_DIRECTIVE_PREFIX));
}

/**
 * The swarm of a rendition: its media playlist's canonical URL (see `playlistUrl`), or, when that is longer than
 * a swarm key may be, `sha256:` + its hash.
 */
export async function swarmKey(canonicalPlaylistUrl: string): Promise<string> {
  if (canonicalPlaylistUrl.length <= MAX_SWARM_KEY_LENGTH) return canonicalPlaylistUrl;
  return `sha256:${await sha256Hex(new TextEncoder().encode(canonicalPlaylistUrl))}`;
}
