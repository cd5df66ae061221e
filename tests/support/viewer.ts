// One viewer of a swarm test: a page in its own browser context (own service worker, own IndexedDB, own HTTP
// cache) with a probe that records playback (stalls, errors) and a digest of every segment the player received.
import type { Browser, BrowserContext, Page } from 'puppeteer';
import type { PeerlaneStats } from '../../sw/agent/index';
import { waitUntil } from './wait-until';

/** What the player got: one entry per media segment response handed to it (hls.js loads them over XHR). */
export interface ReceivedSegment {
  url: string;
  status: number;
  bytes: number;
  sha256: string;
  /** performance.now() when the player had the whole response. */
  receivedAt: number;
}

/** A stall: from a `waiting` after playback started to the next `playing` (end null while it lasts). */
export interface StallSpan {
  start: number;
  end: number | null;
}

/** The picture's height changed (a rendition switch shown on screen), at performance.now() `at`. */
export interface HeightChange {
  at: number;
  height: number;
}

/** Recorded in the page from before its first script runs. */
interface ProbeRecord {
  /** performance.now() of the first `playing` event, null before playback started. */
  firstPlayAt: number | null;
  /** `waiting` events after the first `playing`: the player ran out of data mid-playback (a stall). */
  stalls: number;
  /** The stalls as time spans (the most recent MAX_RECORDED, a `waiting` during one does not open another). */
  stallSpans: StallSpan[];
  /** Video heights shown, from the first frame on (the most recent MAX_RECORDED). */
  heights: HeightChange[];
  ended: boolean;
  mediaErrors: string[];
  /** `controllerchange` events: a new service worker took control of the page. */
  controllerChanges: number;
  segments: ReceivedSegment[];
  /** Segment digests still being computed. */
  pendingDigests: number;
  /** Bytes this page uploaded to each peer id (Peerlane's 'segment-uploaded' events). */
  uploadsTo: Record<string, number>;
  /**
   * Peerlane's segment events, for diagnostics (the most recent MAX_RECORDED): [performance.now(), 'up' or the
   * source it was loaded from, segment id, receiving peer id ('' for loads), bytes].
   */
  deliveries: Array<[number, string, string, string, number]>;
  /** performance.now() when the player had its first manifest (HLS playlist or DASH MPD), null before. */
  firstManifestAt: number | null;
}

export interface Probe extends ProbeRecord {
  /** performance.timeOrigin of the page: page times + this = Date.now() times. */
  timeOrigin: number;
  /** performance.now() when this probe was read. */
  now: number;
  currentTime: number;
  duration: number;
  /** End of the buffered range that holds the playhead (0 when nothing is buffered there). */
  bufferedEnd: number;
  /** Peerlane.stats(); null when the page has no window.Peerlane (its script did not load). */
  stats: PeerlaneStats | null;
  /** getVideoPlaybackQuality(): frames the element dropped (decoder or machine too slow) and all it showed. */
  droppedFrames: number;
  totalFrames: number;
  /** Peerlane's start-up phases (its `peerlane:*` User Timing marks): phase → performance.now() of the first. */
  phases: Record<string, number>;
}

export interface Viewer {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and hls.js errors (media element errors: Probe.mediaErrors). A healthy viewer has none. */
  problems(): string[];
  /** Every console line and page error so far, for diagnostics when a test fails. */
  log(): string[];
  probe(): Promise<Probe>;
  /** Polls the page until `check` holds (see waitUntil); fails with the last probe after `timeoutMs`. */
  waitFor(description: string, check: (probe: Probe) => boolean, timeoutMs?: number): Promise<Probe>;
  close(): Promise<void>;
}

export interface ViewerOptions {
  name: string;
  /** Runs on the new page before it loads `url`, e.g. page.evaluateOnNewDocument() with a fault injector. */
  setup?: (page: Page) => Promise<void>;
}

const MAX_LOG_LINES = 500;
/** Stall spans and height changes kept per page. */
const MAX_RECORDED = 1000;
/** Player errors as the example pages log them (examples/<player>/main.js). */
const PLAYER_ERROR = /^(hls\.js|dash\.js|shaka|video\.js|video) .*error/;
const SEGMENT_URL = '\\.(ts|m4s|mp4|m4a|aac)(\\?|$)';

/** Waits until every viewer played to the end and has every delivered segment's digest: their last probes. */
export function playedToEnd(viewers: readonly Viewer[], timeoutMs: number): Promise<Probe[]> {
  return Promise.all(
    viewers.map((viewer) =>
      viewer.waitFor('played to the end', (probe) => probe.ended && probe.pendingDigests === 0, timeoutMs),
    ),
  );
}

/** Segment bytes the player got through Peerlane, all sources together (0 without Peerlane). */
export function segmentBytes(stats: PeerlaneStats | null): number {
  return stats ? stats.httpBytes + stats.p2pBytes + stats.cacheBytes : 0;
}

export async function openViewer(browser: Browser, url: string, options: ViewerOptions): Promise<Viewer> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const log: string[] = [];
  const problems: string[] = [];
  const record = (line: string) => {
    log.push(line);
    if (log.length > MAX_LOG_LINES) log.shift();
  };
  page.on('console', (message) => {
    const line = `${options.name} console.${message.type()}: ${message.text()}`;
    record(line);
    // The example pages log every player error event, fatal or not, as "<player> error…".
    if (PLAYER_ERROR.test(message.text())) problems.push(line);
  });
  page.on('pageerror', (error) => {
    const line = `${options.name} page error: ${error instanceof Error ? error.message : String(error)}`;
    record(line);
    problems.push(line);
  });
  await page.evaluateOnNewDocument(installProbe, SEGMENT_URL, MAX_RECORDED);
  await options.setup?.(page);
  await page.goto(url);

  const probe = () => page.evaluate(readProbe);
  return {
    name: options.name,
    context,
    page,
    problems: () => [...problems],
    log: () => [...log],
    probe,
    waitFor: (description, check, timeoutMs = 60_000) =>
      waitUntil(`${options.name} ${description}`, probe, check, {
        timeoutMs,
        context: () => log.slice(-30).join('\n'),
      }),
    close: () => context.close(),
  };
}

/** Runs in the page before any of its scripts (serialized by puppeteer: no closures). */
function installProbe(segmentPattern: string, maxRecorded: number): void {
  const record: ProbeRecord = {
    firstPlayAt: null,
    stalls: 0,
    stallSpans: [],
    heights: [],
    ended: false,
    mediaErrors: [],
    controllerChanges: 0,
    segments: [],
    pendingDigests: 0,
    uploadsTo: {},
    deliveries: [],
    firstManifestAt: null,
  };
  (window as unknown as { __probe: ProbeRecord }).__probe = record;
  // Counted from the moment window.Peerlane exists (its script tag); readProbe hooks it too, whichever is first.
  type Uploads = {
    on(
      name: 'segment-uploaded',
      fn: (event: { segmentId: string; peerId: string; bytes: number }) => void,
    ): void;
    on(
      name: 'segment-loaded',
      fn: (event: { segment: { id: string }; source: string; bytes: number }) => void,
    ): void;
  };
  const hook = () => {
    const state = window as unknown as { Peerlane?: Uploads; __uploadsHooked?: boolean };
    if (!state.Peerlane?.on || state.__uploadsHooked) return;
    state.__uploadsHooked = true;
    state.Peerlane.on('segment-uploaded', ({ segmentId, peerId, bytes }) => {
      record.uploadsTo[peerId] = (record.uploadsTo[peerId] ?? 0) + bytes;
      keep(record.deliveries, [performance.now(), 'up', segmentId, peerId, bytes]);
    });
    state.Peerlane.on('segment-loaded', ({ segment, source, bytes }) => {
      keep(record.deliveries, [performance.now(), source, segment.id, '', bytes]);
    });
  };
  (window as unknown as { __hookUploads: () => void }).__hookUploads = hook;
  addEventListener('DOMContentLoaded', hook);
  // Media events do not bubble, but a capturing listener on window sees them for every <video>.
  const keep = <Item>(list: Item[], item: Item) => {
    list.push(item);
    if (list.length > maxRecorded) list.shift();
  };
  addEventListener(
    'playing',
    () => {
      record.firstPlayAt ??= performance.now();
      const open = record.stallSpans.at(-1);
      if (open && open.end === null) open.end = performance.now();
    },
    true,
  );
  addEventListener(
    'waiting',
    () => {
      if (record.firstPlayAt === null) return;
      record.stalls++;
      if (record.stallSpans.at(-1)?.end !== null)
        keep(record.stallSpans, { start: performance.now(), end: null });
    },
    true,
  );
  addEventListener(
    'resize',
    (event) => {
      const target = event.target;
      if (!(target instanceof HTMLVideoElement) || target.videoHeight === record.heights.at(-1)?.height)
        return;
      keep(record.heights, { at: performance.now(), height: target.videoHeight });
    },
    true,
  );
  addEventListener(
    'ended',
    () => {
      record.ended = true;
    },
    true,
  );
  addEventListener(
    'error',
    (event) => {
      const target = event.target as HTMLMediaElement | null;
      if (target instanceof HTMLMediaElement)
        record.mediaErrors.push(`${target.error?.code}: ${target.error?.message}`);
    },
    true,
  );
  // Resource Timing sees every manifest the player loaded, through the worker or not (its end: the bytes were in).
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as PerformanceResourceTiming[])
      if (/\.(m3u8|mpd)(\?|$)/.test(entry.name))
        record.firstManifestAt = Math.min(record.firstManifestAt ?? entry.responseEnd, entry.responseEnd);
  }).observe({ type: 'resource', buffered: true });
  navigator.serviceWorker?.addEventListener('controllerchange', () => {
    record.controllerChanges++;
  });

  // The player's view of each segment: copied before the player can transfer the buffer to its own worker.
  const pattern = new RegExp(segmentPattern);
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: Parameters<typeof open>) {
    const url = String(args[1]);
    if (pattern.test(url)) {
      // Registered before the player's own handler (hls.js sets onreadystatechange after open()). A load the
      // player aborted (a seek) delivered nothing to it: Firefox still shows it as done with status 0 and a buffer,
      // so it is dropped at loadend, which comes after `abort` (a network error, `error`, is kept and counted).
      let aborted = false;
      this.addEventListener('abort', () => {
        aborted = true;
      });
      this.addEventListener('readystatechange', () => {
        if (this.readyState !== 4 || !(this.response instanceof ArrayBuffer)) return;
        const copy = this.response.slice(0);
        const status = this.status;
        const receivedAt = performance.now();
        const recordCopy = () => {
          if (aborted) return;
          record.pendingDigests++;
          void crypto.subtle.digest('SHA-256', copy).then((digest) => {
            const sha256 = [...new Uint8Array(digest)]
              .map((byte) => byte.toString(16).padStart(2, '0'))
              .join('');
            record.segments.push({
              url: this.responseURL || url,
              status,
              bytes: copy.byteLength,
              sha256,
              receivedAt,
            });
            record.pendingDigests--;
          });
        };
        this.addEventListener('loadend', recordCopy, { once: true });
      });
    }
    return open.apply(this, args);
  } as typeof open;
}

/** Runs in the page. */
function readProbe(): Probe {
  const record = (window as unknown as { __probe: ProbeRecord }).__probe;
  (window as unknown as { __hookUploads?: () => void }).__hookUploads?.();
  const peerlane = (window as unknown as { Peerlane?: { stats(): PeerlaneStats } }).Peerlane;
  const video = document.querySelector('video');
  let bufferedEnd = 0;
  if (video) {
    for (let i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= video.currentTime + 0.1) bufferedEnd = video.buffered.end(i);
    }
  }
  let stats: PeerlaneStats | null = null;
  try {
    stats = peerlane ? { ...peerlane.stats() } : null;
  } catch {
    // Not started (p2p=off, or start failed): no stats.
  }
  const quality = video?.getVideoPlaybackQuality();
  const phases: Record<string, number> = {};
  for (const mark of performance.getEntriesByType('mark'))
    if (mark.name.startsWith('peerlane:')) phases[mark.name.slice('peerlane:'.length)] ??= mark.startTime;
  return {
    ...record,
    segments: [...record.segments],
    stallSpans: record.stallSpans.map((span) => ({ ...span })),
    heights: [...record.heights],
    uploadsTo: { ...record.uploadsTo },
    deliveries: [...record.deliveries],
    timeOrigin: performance.timeOrigin,
    now: performance.now(),
    droppedFrames: quality?.droppedVideoFrames ?? 0,
    totalFrames: quality?.totalVideoFrames ?? 0,
    currentTime: video?.currentTime ?? 0,
    duration: video?.duration ?? Number.NaN,
    bufferedEnd,
    stats,
    phases,
  };
}
