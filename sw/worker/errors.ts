// Every problem the service worker reports, with its stable code and an actionable message, in one typed table.
// The worker never throws these into the player: it logs them and falls back to the network.

import type { RejectReason } from '../../protocol/bridge/bridge-messages';
import type { OriginHash } from '../../protocol/bridge/segment-ref';
import { echoToPages } from './test-hooks';

/** URLs (tokens and all) are cut to this in messages, so one huge URL cannot flood the console. */
const clip = (url: string) => url.slice(0, 200);

/** Details each message is built from; the table below must handle every code. */
export interface WorkerErrorDetails {
  'bad-message': { from: 'page' | 'agent'; type: string };
  'bad-settings': { fields: string[] };
  'version-mismatch': { page: string; worker: string };
  'state-unavailable': { operation: string; reason: string };
  'cache-unavailable': { reason: string };
  'playlist-unreadable': { url: string; reason: string };
  'segment-id-too-long': { url: string; limit: number };
  'peer-timeout': { id: string; waitedMs: number };
  'peer-rejected': { id: string; reason: RejectReason; expectedBytes: number | null; gotBytes: number };
  'bridge-busy': { pending: number; limit: number };
  'cors-refetch-failed': { url: string; origin: string };
  'body-unreadable': { url: string; reason: string };
  'route-failed': { url: string; reason: string };
  'representations-skipped': { url: string; keys: string[] };
  'progressive-unshareable': { url: string; reason: string };
  'progressive-resized': { url: string; size: number };
  'hash-sidecar-unreadable': { url: string; reason: string };
  'origin-hash-mismatch': { url: string; expected: OriginHash; size: number; sha256: string };
}

export type WorkerErrorCode = keyof WorkerErrorDetails;

export const workerErrorMessages: {
  [Code in WorkerErrorCode]: (details: WorkerErrorDetails[Code]) => string;
} = {
  'bad-message': ({ from, type }) =>
    `ignored a malformed '${type.slice(0, 32)}' message from the ${from}: page script and worker must come from ` +
    'the same Peerlane release (serve peerlane.js and peerlane-sw.js from one build)',
  'bad-settings': ({ fields }) =>
    `ignored invalid settings ${fields.join(', ')}: check the options given to Peerlane.start() (defaults are used)`,
  'version-mismatch': ({ page, worker }) =>
    `page script is Peerlane ${page} but the worker is ${worker}: deploy both files from one build, ` +
    'the browser picks up the new worker on the next navigation',
  'state-unavailable': ({ operation, reason }) =>
    `could not ${operation} the worker's saved state (${reason}): settings and known playlists last only ` +
    'until the browser stops this worker; check storage is allowed for this origin',
  'cache-unavailable': ({ reason }) =>
    `could not open the IndexedDB segment cache (${reason}): segments are neither cached nor shared by this ` +
    'browser; check that storage is allowed for this origin (private windows and full disks refuse it)',
  'playlist-unreadable': ({ url, reason }) =>
    `could not read playlist ${url} (${reason}): it was passed to the player unchanged, its segments are not shared`,
  'segment-id-too-long': ({ url, limit }) =>
    `segment URL ${url.slice(0, 120)}… is longer than ${limit} characters once canonical: it is not shared; ` +
    'list its per-viewer query parameters in `volatileParams`',
  'peer-timeout': ({ id, waitedMs }) =>
    `no peer delivered ${id} within ${waitedMs} ms: fetched from the network (raise \`peerMaxWaitMs\` to wait longer)`,
  'peer-rejected': ({ id, reason, expectedBytes, gotBytes }) =>
    `refused peer bytes for ${id} (${reason}: expected ${expectedBytes ?? 'hash-matching'} bytes, got ${gotBytes}); ` +
    'fetched from the network instead',
  'bridge-busy': ({ pending, limit }) =>
    `${pending} peer requests already waiting (limit ${limit}): this segment goes to the network`,
  'cors-refetch-failed': ({ url, origin }) =>
    `cannot read ${url} from ${origin}: the media server sends no Access-Control-Allow-Origin for it, so it passes ` +
    'through unshared; add CORS headers on the CDN to share it',
  'body-unreadable': ({ url, reason }) =>
    `the network body of ${url} could not be read whole (${reason}): served to the player, not cached`,
  'route-failed': ({ url, reason }) =>
    `internal error while serving ${url} (${reason}): the request went to the network; please report this`,
  'representations-skipped': ({ url, keys }) =>
    `${keys.length} representation(s) of MPD ${url} could not be read (${keys.slice(0, 3).join(', ')}): an ` +
    'addressing mode mpd-parser rejects, or more segments than the worker indexes; their segments pass through unshared',
  'progressive-unshareable': ({ url, reason }) =>
    `cannot share ${clip(url)} in pieces (${reason}): it plays straight from the network; serve it with ` +
    'byte ranges (206 + Content-Range) and, cross-origin, CORS that exposes Content-Range ' +
    '(Access-Control-Expose-Headers: Content-Range)',
  'progressive-resized': ({ url, size }) =>
    `${clip(url)} is now ${size} bytes on the server: the file changed, its size is learned again and ` +
    'pieces of the old file are never used',
  'hash-sidecar-unreadable': ({ url, reason }) =>
    `ignored the hash sidecar ${clip(url)} (${reason}): its segments are verified by the swarm's hashes ` +
    'only; publish {"peerlane": "hashes/1", ...} there (see the README, "Origin-published hashes") and, ' +
    'cross-origin, allow CORS for it and expose the header (Access-Control-Expose-Headers: Peerlane-Hashes)',
  'origin-hash-mismatch': ({ url, expected, size, sha256 }) =>
    `the network sent ${clip(url)} as ${size} bytes with SHA-256 ${sha256.slice(0, 16)}…, but the ` +
    `origin's sidecar says ${expected.size} bytes, ${expected.sha256.slice(0, 16)}…: the player got them as ` +
    'the network sent them, but they are neither cached nor shared; regenerate the sidecar when media changes',
};

/** Logs a worker problem with its code (console of the service worker: chrome://serviceworker-internals). */
export function logWorkerError<Code extends WorkerErrorCode>(
  code: Code,
  details: WorkerErrorDetails[Code],
): void {
  const line = `[peerlane-sw] ${code}: ${workerErrorMessages[code](details)}`;
  console.warn(line);
  echoToPages(line);
}
