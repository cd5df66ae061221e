// The live stream: the VoD renditions looped endlessly on the wall clock, as sliding-window HLS media
// playlists with one URL per media sequence number (so every new segment is a new segment to the swarm).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveConfig } from './origin-config';

/** One segment of the looped VoD source. */
interface SourceSegment {
  /** File name in the rendition's VoD folder, e.g. 'seg-003.ts'. */
  file: string;
  durationSec: number;
  /** Where it starts within one loop, seconds. */
  startSec: number;
}

/** Live segment URIs: `seg-<media sequence>` + the source file's extension, e.g. 'seg-1234.ts'. */
const LIVE_SEGMENT = /^seg-(\d{1,15})(\.[a-z0-9]+)$/;

export interface LiveStream {
  /** The VoD master playlist's file: its relative URIs name the live renditions just as well. */
  masterFile: string;
  renditions: string[];
  /** The media playlist of `rendition` at `nowMs` (Date.now()), or null for an unknown rendition. */
  mediaPlaylist(rendition: string, nowMs: number): string | null;
  /** The VoD file holding live segment `name` of `rendition`, or null if it does not exist (yet). */
  segmentFile(rendition: string, name: string, nowMs: number): string | null;
  /**
   * Every rendition's segments in its playlist at `nowMs` and in the `windowsBefore` windows before it (for a
   * player behind live), as `<rendition>/<name>` paths with the VoD file holding each.
   */
  recentSegments(nowMs: number, windowsBefore: number): Array<{ path: string; file: string }>;
}

/**
 * Reads the VoD renditions under `hlsDir` (as make-media.mjs writes them: master.m3u8, <rendition>/index.m3u8).
 * The stream starts `windowSegments` segments before `startedAtMs`, so the very first playlist is full.
 */
export function openLiveStream(hlsDir: string, config: LiveConfig, startedAtMs: number): LiveStream {
  const masterFile = join(hlsDir, 'master.m3u8');
  const renditions = readFileSync(masterFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((uri) => uri.trim().split('/')[0] as string);
  const sources = new Map(renditions.map((name) => [name, readSource(join(hlsDir, name, 'index.m3u8'))]));
  // All renditions cut segments at the same times (make-media: one keyframe per segment), so one clock serves all.
  const timeline = sources.get(renditions[0] ?? '') ?? [];
  if (timeline.length === 0) throw new Error(`live: no segments in ${hlsDir}`);
  const loopSec = timeline.reduce((sum, segment) => sum + segment.durationSec, 0);
  const count = timeline.length;

  const segmentAt = (sequence: number) => timeline[sequence % count] as SourceSegment;
  const startOf = (sequence: number) => Math.floor(sequence / count) * loopSec + segmentAt(sequence).startSec;
  const endOf = (sequence: number) => startOf(sequence) + segmentAt(sequence).durationSec;
  const prerollSec = endOf(config.windowSegments - 1);
  /** Stream time (seconds since sequence 0 began) at wall-clock `nowMs`. */
  const streamSec = (nowMs: number) => (nowMs - startedAtMs) / 1000 + prerollSec;
  /** The newest sequence number complete at `nowMs`. */
  const lastSequence = (nowMs: number) => {
    const time = streamSec(nowMs);
    const loops = Math.floor(time / loopSec);
    const within = time - loops * loopSec;
    const complete = timeline.filter((segment) => segment.startSec + segment.durationSec <= within + 1e-9);
    return loops * count + complete.length - 1;
  };
  const targetDuration = Math.ceil(Math.max(...timeline.map((segment) => segment.durationSec)));

  return {
    masterFile,
    renditions,
    mediaPlaylist(rendition, nowMs) {
      const source = sources.get(rendition);
      if (!source) return null;
      const last = lastSequence(nowMs);
      const first = Math.max(0, last - config.windowSegments + 1);
      // Each loop restarts the timestamps: a discontinuity. Its sequence counts those that slid out of the window.
      const discontinuities = first === 0 ? 0 : Math.floor((first - 1) / count);
      const lines = [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        `#EXT-X-TARGETDURATION:${targetDuration}`,
        `#EXT-X-MEDIA-SEQUENCE:${first}`,
        `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuities}`,
      ];
      for (let sequence = first; sequence <= last; sequence++) {
        const segment = source[sequence % count] as SourceSegment;
        const loopStart = sequence % count === 0;
        if (loopStart && sequence > 0) lines.push('#EXT-X-DISCONTINUITY');
        if (config.programDateTime && (sequence === first || loopStart)) {
          const wallMs = startedAtMs + (startOf(sequence) - prerollSec) * 1000;
          lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(wallMs).toISOString()}`);
        }
        lines.push(`#EXTINF:${segment.durationSec.toFixed(6)},`, liveName(sequence, segment.file));
      }
      return `${lines.join('\n')}\n`;
    },
    segmentFile(rendition, name, nowMs) {
      const source = sources.get(rendition);
      const match = LIVE_SEGMENT.exec(name);
      if (!source || !match) return null;
      const sequence = Number(match[1]);
      const segment = source[sequence % count] as SourceSegment;
      // Not yet published: a CDN answers 404 for the future too.
      if (sequence > lastSequence(nowMs) || match[2] !== extension(segment.file)) return null;
      return join(hlsDir, rendition, segment.file);
    },
    recentSegments(nowMs, windowsBefore) {
      const last = lastSequence(nowMs);
      const first = Math.max(0, last - config.windowSegments * (1 + windowsBefore) + 1);
      return renditions.flatMap((rendition) => {
        const source = sources.get(rendition) ?? [];
        const listed: Array<{ path: string; file: string }> = [];
        for (let sequence = first; sequence <= last; sequence++) {
          const segment = source[sequence % count] as SourceSegment;
          const path = `${rendition}/${liveName(sequence, segment.file)}`;
          listed.push({ path, file: join(hlsDir, rendition, segment.file) });
        }
        return listed;
      });
    },
  };
}

function liveName(sequence: number, file: string): string {
  return `seg-${sequence}${extension(file)}`;
}

function extension(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot === -1 ? '' : file.slice(dot);
}

/** Our own VoD media playlists (make-media.mjs): `#EXTINF:<seconds>,` then the segment's relative URI. */
function readSource(playlistFile: string): SourceSegment[] {
  const segments: SourceSegment[] = [];
  let durationSec: number | null = null;
  let startSec = 0;
  for (const raw of readFileSync(playlistFile, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) durationSec = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#') && durationSec !== null) {
      segments.push({ file: line, durationSec, startSec });
      startSec += durationSec;
      durationSec = null;
    }
  }
  return segments;
}
