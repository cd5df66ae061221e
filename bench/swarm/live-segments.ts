// Checks the bytes every player received against the origin's files, live segments included (a live URL
// `/media/live/<rendition>/seg-<sequence>.ts` carries VoD segment `sequence mod count` of that rendition).
import { segmentMismatches } from '../../tests/support/segment-check';
import { type MediaSegment, mediaSegments } from '../../tests/support/stack';
import type { ReceivedSegment } from '../../tests/support/viewer';

const LIVE_SEGMENT = /^\/media\/live\/([^/]+)\/seg-(\d+)\.[a-z0-9]+$/;
const VOD_SEGMENT = /^\/media\/hls\/([^/]+)\//;

/** One line per received segment whose bytes are not the origin's (see segmentMismatches). */
export function wrongSegments(received: readonly ReceivedSegment[], mediaDir: string): string[] {
  const renditions = new Map<string, MediaSegment[]>();
  const segmentsOf = (rendition: string) => {
    let segments = renditions.get(rendition);
    if (!segments) {
      segments = mediaSegments(mediaDir, rendition);
      renditions.set(rendition, segments);
    }
    return segments;
  };
  return received.flatMap((segment) => {
    const url = new URL(segment.url);
    const live = LIVE_SEGMENT.exec(url.pathname);
    if (live) {
      const [, rendition = '', sequence = ''] = live;
      const vod = segmentsOf(rendition);
      const source = vod[Number(sequence) % vod.length];
      // Named as its VoD file, so the comparison below finds it.
      const asVod = source ? { ...segment, url: new URL(source.path, url).href } : segment;
      return segmentMismatches([asVod], vod);
    }
    const rendition = VOD_SEGMENT.exec(url.pathname)?.[1];
    return rendition
      ? segmentMismatches([segment], segmentsOf(rendition))
      : [`${url.pathname}: not a media segment`];
  });
}
