// The settings a page sends the worker for its site's media (in `hello`; echoed in `welcome`), with the per-field
// checks the worker runs before merging them over its defaults.
import { isCount, isDuration, isRecord, isText, MAX_TEXT } from './value-checks';

const MAX_VOLATILE_PARAMS = 256;
const MAX_MEDIA_URLS = 64;
const MAX_WAIT_MS = 60_000;
/** Piece sizes from 64 KiB (smaller: more ids than bytes worth announcing) to 16 MiB (a seek's worth at most). */
const MIN_PIECE_BYTES = 64 * 1024;
const MAX_PIECE_BYTES = 16 * 1024 * 1024;

/** What the page tells the worker about how to treat this site's media (defaults: sw/worker/config.ts). */
export interface WorkerSettings {
  /** Query parameters that differ between viewers of the same content (CDN tokens, sessions): not part of a segment's id. */
  volatileParams: string[];
  /** Largest total size of the IndexedDB segment cache, in bytes (LRU eviction beyond it). */
  cacheMaxBytes: number;
  /** Longest the worker waits for the page agent to deliver a segment from peers before going to the network, ms. */
  peerMaxWaitMs: number;
  /**
   * Fetch extension-less script requests (`/live/playlist?id=1`) through the worker to recognise HLS playlists by
   * their response Content-Type. Off: only `.m3u8`/`.m3u` URLs and playlists named by a master are recognised.
   */
  sniffPlaylists: boolean;
  /**
   * Bytes per piece of a progressive file (`<video src=file.mp4>`), which viewers share piece by piece. Viewers
   * with different values share nothing of such files (the size is part of a piece's id), so set it per site.
   */
  pieceBytes: number;
  /**
   * Where the worker may handle media: URL prefixes, absolute ('https://cdn.example.com/vod/') or paths on the
   * site's own origin ('/media/'), matched at a `/` boundary. Requests elsewhere never reach Peerlane.
   */
  mediaUrls: string[];
}

/** Per-field checks of a settings patch: what is valid is kept, the names of the rest are reported. */
export function validateSettingsPatch(value: unknown): {
  settings: Partial<WorkerSettings>;
  rejected: string[];
} {
  const settings: Partial<WorkerSettings> = {};
  const rejected: string[] = [];
  if (!isRecord(value)) return { settings, rejected: value === undefined ? [] : ['settings'] };
  const { volatileParams, cacheMaxBytes, peerMaxWaitMs, sniffPlaylists, pieceBytes, mediaUrls } = value;
  if (volatileParams !== undefined) {
    const ok =
      Array.isArray(volatileParams) &&
      volatileParams.length <= MAX_VOLATILE_PARAMS &&
      volatileParams.every((name) => isText(name, 128) && name.length > 0);
    if (ok) settings.volatileParams = [...(volatileParams as string[])];
    else rejected.push('volatileParams');
  }
  if (cacheMaxBytes !== undefined) {
    if (isCount(cacheMaxBytes)) settings.cacheMaxBytes = cacheMaxBytes;
    else rejected.push('cacheMaxBytes');
  }
  if (peerMaxWaitMs !== undefined) {
    if (isDuration(peerMaxWaitMs) && peerMaxWaitMs <= MAX_WAIT_MS) settings.peerMaxWaitMs = peerMaxWaitMs;
    else rejected.push('peerMaxWaitMs');
  }
  if (sniffPlaylists !== undefined) {
    if (typeof sniffPlaylists === 'boolean') settings.sniffPlaylists = sniffPlaylists;
    else rejected.push('sniffPlaylists');
  }
  if (pieceBytes !== undefined) {
    const ok = isCount(pieceBytes) && pieceBytes >= MIN_PIECE_BYTES && pieceBytes <= MAX_PIECE_BYTES;
    if (ok) settings.pieceBytes = pieceBytes;
    else rejected.push('pieceBytes');
  }
  if (mediaUrls !== undefined) {
    const ok = Array.isArray(mediaUrls) && mediaUrls.length <= MAX_MEDIA_URLS && mediaUrls.every(isMediaUrl);
    if (ok) settings.mediaUrls = [...(mediaUrls as string[])];
    else rejected.push('mediaUrls');
  }
  return { settings, rejected };
}

/** An http(s) URL or a path starting with '/', without query or fragment (a prefix never matches those). */
function isMediaUrl(value: unknown): boolean {
  if (!isText(value, MAX_TEXT) || /[?#\s]/.test(value)) return false;
  if (value.startsWith('/')) return true;
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A complete settings object (as in `welcome`): every field present and valid. */
export function isWorkerSettings(value: unknown): value is WorkerSettings {
  if (!isRecord(value)) return false;
  const { settings, rejected } = validateSettingsPatch(value);
  return rejected.length === 0 && Object.keys(settings).length === 6;
}
