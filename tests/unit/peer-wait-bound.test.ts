// The worker's bound on a peer request grows with the part's size: a 1 MiB progressive piece takes longer to cross a
// data channel than a 2-second segment, and the agent still answers early when the player's buffer needs it.
import { describe, expect, it } from 'vitest';
import type { SegmentRef } from '../../protocol/bridge/segment-ref';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { fakeEdges } from './worker-fakes';

function ref(range: { start: number; end: number } | null): SegmentRef {
  return {
    id: 'https://cdn.example/movie.mp4#piece',
    swarm: 'swarm',
    url: 'https://cdn.example/movie.mp4',
    range,
    durationSec: 0,
    sequence: 0,
  };
}

describe('peer request bound', () => {
  it('is peerMaxWaitMs for a whole segment or a part up to peerWaitUnitBytes', async () => {
    const edges = fakeEdges();
    await edges.sources.fromPeers(ref(null), 'client');
    await edges.sources.fromPeers(ref({ start: 0, end: workerLimits.peerWaitUnitBytes - 1 }), 'client');
    expect(edges.peerWaitsMs).toEqual([
      defaultWorkerSettings.peerMaxWaitMs,
      defaultWorkerSettings.peerMaxWaitMs,
    ]);
  });

  it('grows in proportion for a bigger part of known size (a progressive piece)', async () => {
    const edges = fakeEdges();
    await edges.sources.fromPeers(ref({ start: 0, end: 4 * workerLimits.peerWaitUnitBytes - 1 }), 'client');
    expect(edges.peerWaitsMs).toEqual([4 * defaultWorkerSettings.peerMaxWaitMs]);
  });
});
