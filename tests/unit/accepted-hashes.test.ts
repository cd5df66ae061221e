// The page agent's use of hashes the signal server accepted: all become trusted; those of the origin's strength
// reach the worker (so it keeps no contradicting network bytes) and stop a contradicting held segment's announcement.
import { describe, expect, it } from 'vitest';
import type { PageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import type { AcceptedHash } from '../../protocol/signaling/hash-messages';
import { useAcceptedHashes } from '../../sw/agent/accepted-hashes';
import { VerifiedHolders } from '../../sw/agent/verified-holders';

const SWARM = 'https://cdn.example/720p.m3u8';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function setup() {
  const toWorker: PageToWorkerMessage[] = [];
  const dropped: string[] = [];
  const verified = new VerifiedHolders({ announcedHolders: () => [], ban: () => {}, want: () => {} });
  const deps = {
    verified,
    held: { dropContradicted: (_swarm: string, segment: string) => void dropped.push(segment) },
    toWorker: (message: PageToWorkerMessage) => void toWorker.push(message),
  };
  const use = (hashes: AcceptedHash[]) => useAcceptedHashes(SWARM, hashes, deps);
  return { use, verified, toWorker, dropped };
}

describe('hashes the signal server accepted', () => {
  it("relays the origin's to the worker once, and trusts the swarm's without relaying them", () => {
    const { use, verified, toWorker, dropped } = setup();
    use([
      { segment: 's1', size: 10, sha256: A, source: 'origin' },
      { segment: 's2', size: 20, sha256: B, source: 'swarm' },
    ]);
    expect(verified.isTrusted('s1', 'origin')).toBe(true);
    expect(verified.isTrusted('s2', 'swarm')).toBe(true);
    expect(toWorker).toEqual([{ type: 'origin-hashes', hashes: [{ id: 's1', size: 10, sha256: A }] }]);
    expect(dropped).toEqual(['s1']);
    use([{ segment: 's1', size: 10, sha256: A, source: 'origin' }]);
    expect(toWorker, 'known already: not relayed again').toHaveLength(1);
  });

  it("lets the origin's replace a swarm hash, never the other way round", () => {
    const { use, verified, toWorker } = setup();
    use([{ segment: 's1', size: 10, sha256: B, source: 'swarm' }]);
    use([{ segment: 's1', size: 10, sha256: A, source: 'origin' }]);
    use([{ segment: 's1', size: 10, sha256: B, source: 'swarm' }]);
    expect(verified.isTrusted('s1', 'origin')).toBe(true);
    expect(toWorker).toHaveLength(1);
  });
});
