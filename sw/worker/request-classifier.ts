// Decides, synchronously, what the worker does with a request: a manifest (HLS or DASH), a known segment, a range
// assembled from whole segments or progressive pieces, or hands off. One decision path for every format.
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { extensionOf } from '../../protocol/media-type';
import type { AssemblyPlan } from './assembly-plan';
import { parseRangeHeader } from './byte-range';
import type { WorkerLimits } from './config';
import { inMediaScope } from './media-scope';
import { progressivePlan } from './piece-plan';
import { canonicalUrl, playlistUrl } from './segment-id';
import type { SegmentIndex, SegmentMatch } from './segment-index';

/** The parts of a Request the decision reads (a plain object in tests). */
export interface RequestFacts {
  method: string;
  url: string;
  mode: RequestMode;
  credentials: RequestCredentials;
  destination: RequestDestination;
  headers: { get(name: string): string | null; has(name: string): boolean };
}

/** Why a request is left to the browser (FetchEvent not answered). */
export type PassReason =
  | 'method'
  | 'scheme'
  | 'navigation'
  | 'destination'
  | 'authorization'
  | 'credentials'
  /** Not under any of the site's `mediaUrls` (settings): not ours to touch. */
  | 'scope'
  | 'key'
  /** A Range the index cannot place: several ranges, bytes of a known file no segment covers. */
  | 'range'
  /** An LL-HLS part or preload hint: answered by the server while it is being made, never shared (yet). */
  | 'live-part'
  /** A progressive file that cannot be pieced (no byte ranges, size hidden by CORS, private). */
  | 'unshareable'
  | 'unknown';

export type Route =
  | { kind: 'pass'; reason: PassReason }
  /** An HLS playlist or DASH MPD (by extension, or known as one): the format is read from the body. */
  | { kind: 'manifest' }
  /** Extension-less script request: fetched through the worker, a manifest only if its Content-Type says so. */
  | { kind: 'maybe-manifest' }
  | { kind: 'segment'; match: SegmentMatch }
  /** A range answered from whole parts: byte-range segments of one file, or a progressive file's pieces. */
  | { kind: 'assemble'; plan: AssemblyPlan }
  /** A range past the end of a progressive file of known size (416). */
  | { kind: 'unsatisfiable'; totalSize: number }
  /** A media element's first Range request for a file: learn its size, then assemble (index.ts). */
  | { kind: 'progressive-probe' };

export interface ClassifierContext {
  /** The worker's origin (`self.location.origin`). */
  origin: string;
  settings: WorkerSettings;
  index: Pick<SegmentIndex, 'isPlaylist' | 'isKey' | 'isPassUrl' | 'match' | 'progressive' | 'isUnshareable'>;
  limits: Pick<WorkerLimits, 'maxProgressiveResponseBytes'>;
}

const MANIFEST_EXTENSIONS = new Set(['m3u8', 'm3u', 'mpd']);
/** Players load media with fetch/XHR (''), or the element itself ('video', 'audio'). */
const MEDIA_DESTINATIONS = new Set<RequestDestination>(['', 'video', 'audio']);
/** A media element playing a file itself (`<video src>`): its Range requests are what progressive pieces answer. */
const ELEMENT_DESTINATIONS = new Set<RequestDestination>(['video', 'audio']);

/**
 * Requests the worker never answers, whatever the URL: non-GET, non-http, navigations, page resources, URLs
 * outside the site's `mediaUrls`, and anything carrying credentials we must not replay or share. Null when the
 * request may be media.
 */
export function screenRequest(
  request: RequestFacts,
  origin: string,
  mediaUrls: readonly string[],
): PassReason | null {
  if (request.method !== 'GET') return 'method';
  if (!request.url.startsWith('http:') && !request.url.startsWith('https:')) return 'scheme';
  if (request.mode === 'navigate') return 'navigation';
  if (!MEDIA_DESTINATIONS.has(request.destination)) return 'destination';
  if (!inMediaScope(request.url, mediaUrls, origin)) return 'scope';
  if (request.headers.has('Authorization')) return 'authorization';
  if (request.credentials === 'include' && new URL(request.url).origin !== origin) return 'credentials';
  return null;
}

export function classifyRequest(request: RequestFacts, context: ClassifierContext): Route {
  const screened = screenRequest(request, context.origin, context.settings.mediaUrls);
  if (screened) return { kind: 'pass', reason: screened };
  const { index, settings } = context;
  const url = canonicalUrl(request.url, settings.volatileParams);
  if (index.isKey(url)) return { kind: 'pass', reason: 'key' };

  const extension = extensionOf(request.url);
  if (
    MANIFEST_EXTENSIONS.has(extension) ||
    index.isPlaylist(playlistUrl(request.url, settings.volatileParams))
  ) {
    return { kind: 'manifest' };
  }
  // Before any guess by extension: fMP4 segments are often named .mp4, DASH SegmentBase files always.
  const range = parseRangeHeader(request.headers.get('Range'));
  const matched = index.match(url, range, request.url);
  switch (matched?.kind) {
    case 'segment':
      return { kind: 'segment', match: matched.match };
    case 'span': {
      const { parts, range: bytes } = matched;
      return {
        kind: 'assemble',
        plan: { parts, range: bytes, totalSize: null, contentType: null, progressiveUrl: null },
      };
    }
    case 'uncovered':
      return { kind: 'pass', reason: 'range' };
  }
  if (index.isPassUrl(url)) return { kind: 'pass', reason: 'live-part' };
  if (ELEMENT_DESTINATIONS.has(request.destination) && range.kind !== 'none') {
    return progressiveRoute(url, range, context);
  }
  if (extension === '' && request.destination === '' && settings.sniffPlaylists)
    return { kind: 'maybe-manifest' };
  return { kind: 'pass', reason: 'unknown' };
}

function progressiveRoute(
  url: string,
  range: ReturnType<typeof parseRangeHeader>,
  context: ClassifierContext,
): Route {
  if (context.index.isUnshareable(url)) return { kind: 'pass', reason: 'unshareable' };
  const record = context.index.progressive(url);
  if (!record)
    return range.kind === 'unsupported' ? { kind: 'pass', reason: 'range' } : { kind: 'progressive-probe' };
  const plan = progressivePlan(record, range, context.limits.maxProgressiveResponseBytes);
  if (plan === undefined) return { kind: 'pass', reason: 'range' };
  if (plan === 'unsatisfiable') return { kind: 'unsatisfiable', totalSize: record.size };
  return { kind: 'assemble', plan };
}
