// Where a lab run's P2P bytes went: inside an ISP or across ISPs, from what each page uploaded to each peer id
// ('segment-uploaded' events) and which viewer, in which ISP, had that id; and the offload of each ISP's viewers.
import type { ViewerRecord } from './run-swarm';

export interface IspTraffic {
  /** Bytes uploaded between two viewers of the same ISP, of different ISPs, and to a peer id no viewer had. */
  p2pBytesSameIsp: number;
  p2pBytesCrossIsp: number;
  p2pBytesUnknownIsp: number;
  /** Same-ISP bytes / bytes whose receiver is known; null when no P2P bytes flowed. */
  sameIspShare: number | null;
  /** Per ISP: P2P bytes / all segment bytes its viewers' players got. */
  offloadByIsp: Record<string, number>;
}

/** Null on loopback (no viewer has a network). */
export function ispTraffic(viewers: readonly ViewerRecord[]): IspTraffic | null {
  if (viewers.some((viewer) => viewer.network === null)) return null;
  const ispOf = new Map<string, string>();
  for (const viewer of viewers) {
    // Every id the viewer had (a reconnect may bring a new one), from its samples' stats.
    for (const id of viewer.peerIds) ispOf.set(id, viewer.network?.isp ?? '');
  }
  let same = 0;
  let cross = 0;
  let unknown = 0;
  for (const viewer of viewers) {
    for (const [peerId, bytes] of Object.entries(viewer.final.uploadsTo ?? {})) {
      const isp = ispOf.get(peerId);
      if (isp === undefined) unknown += bytes;
      else if (isp === viewer.network?.isp) same += bytes;
      else cross += bytes;
    }
  }
  const totals = new Map<string, { p2p: number; all: number }>();
  for (const viewer of viewers) {
    const isp = viewer.network?.isp ?? '';
    const stats = viewer.final.stats;
    const total = totals.get(isp) ?? { p2p: 0, all: 0 };
    total.p2p += stats?.p2pBytes ?? 0;
    total.all += (stats?.httpBytes ?? 0) + (stats?.p2pBytes ?? 0) + (stats?.cacheBytes ?? 0);
    totals.set(isp, total);
  }
  const offloadByIsp = Object.fromEntries(
    [...totals]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([isp, { p2p, all }]) => [isp, all > 0 ? p2p / all : 0]),
  );
  const known = same + cross;
  return {
    p2pBytesSameIsp: same,
    p2pBytesCrossIsp: cross,
    p2pBytesUnknownIsp: unknown,
    sameIspShare: known > 0 ? same / known : null,
    offloadByIsp,
  };
}
