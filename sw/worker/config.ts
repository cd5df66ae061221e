// The worker's configuration in one place: per-site settings (sent by the page in `hello`, defaults here) and the
// fixed limits that bound every table and queue the worker keeps.
import { version } from '../../package.json';
import { validateSettingsPatch, type WorkerSettings } from '../../protocol/bridge/worker-settings';
import { MAX_SEGMENT_BYTES, MAX_SEGMENT_ID_BYTES } from '../../protocol/peers/peer-wire';
import { logWorkerError } from './errors';

/** Release of this worker; the page agent sends its own in `hello` and a mismatch is logged. */
export const WORKER_VERSION: string = version;

export const defaultWorkerSettings: WorkerSettings = {
  /**
   * CDN tokens and session ids (matched case-insensitively; a trailing `*` matches a prefix): Akamai (hdnts,
   * hdntl, hdnea, __token__), CloudFront (Expires, Signature, Policy, Key-Pair-Id), Google Cloud CDN (KeyName,
   * URLPrefix), S3 presigned URLs (X-Amz-*), Azure SAS (se, sig, st), Wowza (wmsAuthSign), common generic names.
   */
  volatileParams: [
    'token',
    '__token__',
    'expires',
    'signature',
    'policy',
    'key-pair-id',
    'keyname',
    'urlprefix',
    'hdnts',
    'hdntl',
    'hdnea',
    'st',
    'se',
    'e',
    'exp',
    'sig',
    'auth',
    'session',
    'sid',
    'wmsauthsign',
    'x-amz-*',
  ],
  /** 256 MiB: about 14 minutes of 720p at 2.5 Mbit/s. Browsers grant far more, but it is the viewer's disk. */
  cacheMaxBytes: 256 * 1024 * 1024,
  /** 2 s: the agent answers at once when the player's buffer is too low to wait (urgent → network). */
  peerMaxWaitMs: 2000,
  sniffPlaylists: true,
  /**
   * 1 MiB: a progressive file (`<video src=file.mp4>`) is shared in pieces of this size. Viewers share only with
   * viewers using the same size (it is part of each piece's id); small enough that a seek fetches little it does
   * not need, large enough that a 1-hour 720p file is ~1,000 pieces to announce.
   */
  pieceBytes: 1024 * 1024,
  /**
   * The worker's own origin only ('/' is a path on it): a site whose media comes from a CDN lists it. Also what a
   * worker applies before it knows better: a first install before the page's `hello`, or a restarted worker in
   * the moment before its saved settings are loaded (after that, the last page's settings, saved in IndexedDB).
   */
  mediaUrls: ['/'],
};

export const workerLimits = {
  /**
   * Records remembered (in memory and in IndexedDB), least recently loaded dropped first: HLS playlists, DASH MPDs
   * and their representations (one per Period × Representation), progressive files.
   */
  maxPlaylists: 64,
  /** Segments indexed per playlist (a 10-hour VoD in 2-second segments); beyond that they pass through. */
  maxSegmentsPerPlaylist: 20_000,
  /** Live: segments that slid out of the window stay recognisable for this many windows (a player behind live). */
  liveRetainWindows: 2,
  /** Largest manifest body parsed; a bigger one is passed to the player untouched. */
  maxPlaylistBytes: 8 * 1024 * 1024,
  /**
   * Live DASH: segments are listed this far back at most (`timeShiftBufferDepth` may be absent, i.e. infinite).
   * Older ones the player still asks for are recognised by their template anyway.
   */
  maxLiveWindowSec: 3600,
  /**
   * Longest answer to one Range request for a progressive file, rounded up to whole pieces: a media element asks
   * again for the rest, so no response streams for minutes (Chrome stops a worker ~5 min into one response).
   */
  maxProgressiveResponseBytes: 4 * 1024 * 1024,
  /**
   * Parts of one assembled answer asked of peers at once, in play order: the page agent downloads at most 2 at
   * a time from one peer (MAX_DOWNLOADS_PER_PEER), and would send more straight to the network.
   */
  assemblyPeerWindow: 2,
  /**
   * `peerMaxWaitMs` is what the agent may take for a part up to this size; a bigger part of known size (a progressive
   * piece, a byte-range segment) gets proportionally longer, as its transfer does. The agent still answers with a
   * miss as soon as the player's buffer needs the network.
   */
  peerWaitUnitBytes: 512 * 1024,
  /** Largest segment cached or shared (what peers may send, see peer-wire). */
  maxSegmentBytes: MAX_SEGMENT_BYTES,
  /** Canonical segment URLs longer than this are not shared (ids travel in every HAVE list). */
  maxSegmentIdLength: MAX_SEGMENT_ID_BYTES - 64,
  /** Longest a cache lookup may take before the request goes on without it (IndexedDB can stall). */
  cacheLookupTimeoutMs: 1000,
  /** Longest a starting worker waits for its saved state before deciding requests without it. */
  stateLoadTimeoutMs: 2000,
  /** Peer requests waiting on agents at once; more go straight to the network. */
  maxPendingPeerRequests: 32,
  /** Extra time given to an agent's answer past `peerMaxWaitMs` (the bytes cross a MessageChannel). */
  bridgeGraceMs: 200,
  /** A page without a port is asked to send `hello` again at most this often. */
  helloRequestIntervalMs: 10_000,
  /** Pages whose playlists are remembered for a `hello` that arrives after the playlist (replay). */
  maxTrackedClients: 64,
  /** Largest origin hash sidecar read (`Peerlane-Hashes`); a bigger one is ignored. ~50 bytes of JSON per hash. */
  maxHashSidecarBytes: 8 * 1024 * 1024,
  /**
   * Origin hashes remembered (segments and progressive pieces; one sidecar may hold no more): a 10-hour VoD in
   * 2-second segments in five renditions. Beyond it the oldest fall back to the swarm's trust.
   */
  maxOriginHashes: 100_000,
  /**
   * Longest a segment request waits for a sidecar still being fetched before going on without its hash: the
   * sidecar is fetched right after the manifest, so the player's first segments usually find it there.
   */
  hashSidecarWaitMs: 500,
  /** A sidecar is fetched again (a live manifest listing segments it lacked) at most this often. */
  hashSidecarRefetchMs: 1000,
} as const;

/** The limits' shape (numbers, not the literal defaults), so tests and callers can pass their own. */
export type WorkerLimits = { readonly [Name in keyof typeof workerLimits]: number };

/** The page's settings over the defaults, field by field: an invalid field keeps its default and is logged. */
export function mergeWorkerSettings(patch: unknown): WorkerSettings {
  const { settings, rejected } = validateSettingsPatch(patch);
  if (rejected.length > 0) logWorkerError('bad-settings', { fields: rejected });
  return { ...defaultWorkerSettings, ...settings };
}
