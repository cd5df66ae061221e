// What a DASH MPD lists, for its sidecar, read by the worker's own parser so both agree: every Representation's
// segments (SegmentTemplate with $Number$ or $Time$ and SegmentTimeline, SegmentList, init sections) and, for
// SegmentBase, the index (sidx) range plus the media ranges the sidx lists. Broken XML is named with its line,
// an unreadable Representation by its id.
import { DOMParser } from '@xmldom/xmldom';
import { workerLimits } from '../sw/worker/config';
import { parseDashManifest } from '../sw/worker/dash-manifest';
import { parseSidx } from '../sw/worker/sidx-box';
import type { SegmentSpan } from './segment-span';
import { SidecarError } from './sidecar-error';

export interface DashDescription {
  kind: 'media';
  live: boolean;
  entries: SegmentSpan[];
}

/**
 * `file` names the MPD in errors; `url` is where it sits (BaseURLs resolve against it); `now` places a dynamic
 * MPD's window; `readRange` reads the bytes a span names (throwing a SidecarError when it cannot).
 */
export function describeDashManifest(
  text: string,
  url: string,
  file: string,
  now: number,
  readRange: (span: SegmentSpan) => ArrayBuffer,
): DashDescription {
  checkXml(text, file);
  let manifest: ReturnType<typeof parseDashManifest>;
  try {
    manifest = parseDashManifest(text, url, url, {
      now,
      volatileParams: [],
      maxSegments: workerLimits.maxSegmentsPerPlaylist,
      maxLiveWindowSec: workerLimits.maxLiveWindowSec,
    });
  } catch (error) {
    throw new SidecarError('invalid-mpd', file, null, { reason: String((error as Error).message ?? error) });
  }
  const [skipped] = manifest.skipped;
  if (skipped)
    throw new SidecarError('unreadable-representation', file, elementOf(skipped), {
      reason: `more than ${workerLimits.maxSegmentsPerPlaylist} segments, or attributes the parser refuses`,
    });
  if (manifest.renditions.length === 0)
    throw new SidecarError('invalid-mpd', file, null, { reason: 'no Representation with segments' });
  const entries: SegmentSpan[] = [];
  let live = false;
  for (const rendition of manifest.renditions) {
    const where = elementOf(rendition.key);
    live ||= rendition.live;
    entries.push(...rendition.entries.map(({ url: entryUrl, range }) => ({ url: entryUrl, range, where })));
    for (const index of rendition.indexes) {
      const span = { ...index, where };
      const media = parseSidx(readRange(span), index.range.start);
      if (!media) throw new SidecarError('no-sidx', file, where, { uri: index.url });
      entries.push(...media.map(({ range }) => ({ url: index.url, range, where })));
    }
  }
  return { kind: 'media', live, entries };
}

/** Well-formed XML with an MPD root, or an error with the line xmldom reports. */
function checkXml(text: string, file: string): void {
  const problems: string[] = [];
  let document: Document | undefined;
  try {
    document = new DOMParser({
      locator: {},
      errorHandler: (_level: string, message: string) => problems.push(message),
    }).parseFromString(text, 'application/xml') as unknown as Document;
  } catch (error) {
    problems.push(String((error as Error).message ?? error));
  }
  const [problem] = problems;
  if (problem) {
    const line = /line:(\d+)/.exec(problem)?.[1];
    const reason = problem.replace(/^\[xmldom \w+\]\s*/, '').replace(/\s*@#\[.*$/s, '');
    throw new SidecarError('invalid-mpd', file, line ? `line ${line}` : null, { reason });
  }
  const root = document?.documentElement?.localName;
  if (root !== 'MPD')
    throw new SidecarError('invalid-mpd', file, null, {
      reason: `the root element is ${root ?? 'missing'}, not MPD`,
    });
}

/** `Period start=… Representation id="…"` from a rendition key (`…#period=<start>&representation=<id>`). */
function elementOf(key: string): string {
  const params = new URLSearchParams(key.slice(key.lastIndexOf('#') + 1));
  const period = params.get('period');
  const id = params.get('representation') ?? '?';
  return `${period && period !== 'early' ? `Period start=${period}s, ` : ''}Representation id="${id}"`;
}
