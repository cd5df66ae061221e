// Manifests (HLS playlists, DASH MPDs) pass through the worker untouched (never cached); on the way the tracker
// reads a copy into renditions for the index and the page's agent. It also reads DASH index (sidx) segments,
// which list the media segments of SegmentBase files.
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { segmentId } from '../../protocol/segment-ids';
import type { WorkerLimits } from './config';
import { isDashContentType, looksLikeDashManifest, parseDashManifest } from './dash-manifest';
import { logWorkerError } from './errors';
import { isHlsContentType, looksLikeHlsPlaylist, parseHlsPlaylist } from './hls-playlist';
import type { IndexRecord, RenditionRecord } from './index-records';
import { readBodyCapped } from './read-body';
import type { MediaEntry, ParsedRendition } from './rendition';
import type { PublishOptions, RenditionPublisher } from './rendition-publisher';
import { canonicalUrl, playlistUrl, swarmKey } from './segment-id';
import type { SegmentIndex } from './segment-index';
import type { SidecarLoader } from './sidecar-loader';
import { parseSidx } from './sidx-box';

export interface ManifestTrackerDeps {
  index: Pick<SegmentIndex, 'renditions'>;
  publisher: Pick<RenditionPublisher, 'publish'>;
  /** Fetches the hash sidecar a manifest response names (`Peerlane-Hashes`), after the manifest is indexed. */
  sidecars: Pick<SidecarLoader, 'discover'>;
  fetch(request: Request): Promise<Response>;
  settings(): WorkerSettings;
  limits: Pick<
    WorkerLimits,
    'maxPlaylistBytes' | 'maxSegmentIdLength' | 'maxSegmentsPerPlaylist' | 'maxLiveWindowSec'
  >;
  now(): number;
}

export interface ManifestJob {
  request: Request;
  clientId: string;
  /** True for an extension-less URL: only a manifest Content-Type makes it one. */
  sniff: boolean;
  waitUntil(promise: Promise<unknown>): void;
}

export class ManifestTracker {
  constructor(private readonly deps: ManifestTrackerDeps) {}

  /** Fetches the manifest as the player asked and returns the network's response unchanged. */
  async serve(job: ManifestJob): Promise<Response> {
    const response = await this.deps.fetch(job.request);
    const type = response.headers.get('Content-Type');
    if (job.sniff && !isHlsContentType(type) && !isDashContentType(type)) return response;
    // Opaque bodies are unreadable; error pages are not manifests.
    if (!response.ok || response.type === 'opaque') return response;
    const url = job.request.url;
    try {
      const body = await readBodyCapped(response.clone(), this.deps.limits.maxPlaylistBytes);
      if (body === 'too-large') throw new Error(`over ${this.deps.limits.maxPlaylistBytes} bytes`);
      const text = new TextDecoder().decode(body);
      // Indexed before the player gets the manifest, so its first segment request is already recognised.
      const listed = await this.observe(text, url, response.url || url, job);
      // Not awaited: the player's segment requests wait (briefly) for it instead of the manifest.
      this.deps.sidecars.discover(response, response.url || url, listed, job.waitUntil);
    } catch (error) {
      logWorkerError('playlist-unreadable', { url, reason: String(error) });
    }
    return response;
  }

  /**
   * Bytes of a DASH index segment (sidx), from wherever they came: its rendition gains the media segments it
   * lists, before the player (which reads the same sidx) asks for them.
   */
  inspect(ref: SegmentRef, data: ArrayBuffer, clientId: string): void {
    if (!ref.range) return;
    const record = this.deps.index.renditions().find((rendition) => rendition.indexIds?.includes(ref.id));
    const listed = record && parseSidx(data, ref.range.start);
    if (!record || !listed) return;
    const { volatileParams } = this.deps.settings();
    const known = new Set(record.segments.map((segment) => segment.id));
    const added = listed.flatMap(({ range, durationSec }, position) =>
      this.segmentRef(
        { url: ref.url, range, durationSec, sequence: position },
        record.swarm,
        volatileParams,
      ).filter((segment) => !known.has(segment.id)),
    );
    if (added.length === 0) return;
    const updated: RenditionRecord = {
      ...record,
      segments: [...record.segments, ...added],
      updatedAt: this.deps.now(),
    };
    this.deps.publisher.publish([updated], {
      clientId,
      announce: 'when-used',
      waitUntil: (promise) => void promise,
    });
  }

  /** Indexes and announces the manifest; returns the ids of the segments it lists. */
  private async observe(
    text: string,
    playerUrl: string,
    finalUrl: string,
    job: ManifestJob,
  ): Promise<string[]> {
    const { volatileParams } = this.deps.settings();
    const url = playlistUrl(playerUrl, volatileParams);
    const updatedAt = this.deps.now();
    const options: PublishOptions = { clientId: job.clientId, announce: 'now', waitUntil: job.waitUntil };
    if (looksLikeDashManifest(text)) {
      const { renditions, skipped } = parseDashManifest(text, finalUrl, url, {
        now: Date.now(),
        volatileParams,
        maxSegments: this.deps.limits.maxSegmentsPerPlaylist,
        maxLiveWindowSec: this.deps.limits.maxLiveWindowSec,
      });
      if (skipped.length > 0) logWorkerError('representations-skipped', { url: playerUrl, keys: skipped });
      const records: IndexRecord[] = [{ kind: 'master', url, playlistUrls: [], keyUrls: [], updatedAt }];
      for (const rendition of renditions)
        records.push(await this.record(rendition, playerUrl, [], updatedAt));
      this.deps.publisher.publish(records, { ...options, announce: 'when-used' });
      return records.flatMap((record) =>
        record.kind === 'media' ? record.segments.map(({ id }) => id) : [],
      );
    }
    const playlist = looksLikeHlsPlaylist(text) ? parseHlsPlaylist(text, finalUrl) : undefined;
    if (!playlist) throw new Error('neither an HLS playlist (#EXTM3U) nor a DASH MPD (<MPD>)');
    const keyUrls = playlist.keyUrls.map((key) => canonicalUrl(key, volatileParams));
    if (playlist.type === 'master') {
      const playlistUrls = playlist.playlistUrls.map((named) => playlistUrl(named, volatileParams));
      this.deps.publisher.publish([{ kind: 'master', url, playlistUrls, keyUrls, updatedAt }], options);
      return [];
    }
    const rendition: ParsedRendition = {
      key: url,
      live: playlist.live,
      entries: playlist.entries,
      templates: [],
      indexes: [],
      passUrls: playlist.partUrls,
    };
    const record = await this.record(rendition, playerUrl, keyUrls, updatedAt);
    this.deps.publisher.publish([record], options);
    return record.segments.map(({ id }) => id);
  }

  private async record(
    rendition: ParsedRendition,
    playerUrl: string,
    keyUrls: string[],
    updatedAt: number,
  ): Promise<RenditionRecord> {
    const { volatileParams } = this.deps.settings();
    const swarm = await swarmKey(rendition.key);
    return {
      kind: 'media',
      url: rendition.key,
      swarm,
      playerUrl,
      live: rendition.live,
      segments: rendition.entries.flatMap((entry) => this.segmentRef(entry, swarm, volatileParams)),
      keyUrls,
      templates: rendition.templates,
      indexIds: rendition.indexes.map(({ url, range }) =>
        segmentId(canonicalUrl(url, volatileParams), range),
      ),
      passUrls: rendition.passUrls.map((part) => canonicalUrl(part, volatileParams)),
      updatedAt,
    };
  }

  private segmentRef(entry: MediaEntry, swarm: string, volatileParams: readonly string[]): SegmentRef[] {
    const id = segmentId(canonicalUrl(entry.url, volatileParams), entry.range);
    if (id.length > this.deps.limits.maxSegmentIdLength) {
      logWorkerError('segment-id-too-long', { url: entry.url, limit: this.deps.limits.maxSegmentIdLength });
      return [];
    }
    const { url, range, durationSec, sequence } = entry;
    return [{ id, swarm, url, range, durationSec, sequence }];
  }
}
