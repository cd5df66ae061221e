// Hashes the signal server accepted, put to use: each becomes trusted (segment-trust.ts). Those of the origin's
// strength (its hash service fetched the segment from the origin) also go to the worker, which then treats them
// as a sidecar's: network bytes that contradict one are neither cached nor shared. A segment this viewer holds
// with other bytes (fetched before the hash was known) is no longer announced.
import type { PageToWorkerMessage } from '../../protocol/bridge/bridge-messages';
import type { AcceptedHash } from '../../protocol/signaling/hash-messages';
import type { HeldSegments } from './held-segments';
import type { VerifiedHolders } from './verified-holders';

export interface AcceptedHashesDeps {
  verified: Pick<VerifiedHolders, 'trusted'>;
  held: Pick<HeldSegments, 'dropContradicted'>;
  toWorker(message: PageToWorkerMessage): void;
}

export function useAcceptedHashes(
  swarm: string,
  hashes: readonly AcceptedHash[],
  deps: AcceptedHashesDeps,
): void {
  const fromOrigin: Array<{ id: string; size: number; sha256: string }> = [];
  for (const { segment, size, sha256, source } of hashes) {
    if (!deps.verified.trusted(segment, { size, sha256, source }) || source !== 'origin') continue;
    fromOrigin.push({ id: segment, size, sha256 });
    deps.held.dropContradicted(swarm, segment, { size, sha256 });
  }
  if (fromOrigin.length > 0) deps.toWorker({ type: 'origin-hashes', hashes: fromOrigin });
}
