// A raw signaling client that lies about segment hashes (integrity tests only): joins a swarm, votes a wrong
// SHA-256 for each segment (twice: one vote per connection must count once), declines every peer connection, and
// reads back which hashes the server accepted.
import type { SegmentHash } from '../../protocol/signaling/hash-messages';
import { TestClient } from '../unit/signal-test-client';

export interface HashLiar {
  id: string;
  /** The hashes the server accepted for `segments`: asks once, then collects the later answers until all arrived. */
  acceptedHashes(segments: readonly string[], timeoutMs?: number): Promise<SegmentHash[]>;
  close(): Promise<void>;
}

interface Message {
  type: string;
  src?: string;
  // biome-ignore lint/suspicious/noExplicitAny: read as the server sent it.
  payload?: any;
}

const ACCEPTED_WAIT_MS = 30_000;

/** Connects as `id`, joins `swarm` and votes `lies`; resolves once the votes are sent. */
export async function openHashLiar(
  port: number,
  id: string,
  swarm: string,
  lies: readonly SegmentHash[],
): Promise<HashLiar> {
  const client = await TestClient.open(port, id);
  const accepted = new Map<string, SegmentHash>();
  let onAccepted: (() => void) | null = null;
  let joined: () => void = () => {};
  const peersListed = new Promise<void>((resolve) => {
    joined = resolve;
  });
  client.socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Message;
    if (message.type === 'SWARM-PEERS' && message.payload?.swarm === swarm) joined();
    // Every dial is declined with LEAVE, as a peer that went away would. (peerjs 1.5.5 closes the pending
    // connection without a 'close' event, so the dialer still waits its connect timeout.)
    if (message.type === 'OFFER' && message.src) client.send({ type: 'LEAVE', dst: message.src });
    if (message.type === 'SEGMENT-HASHES' && message.payload?.swarm === swarm) {
      for (const hash of message.payload.hashes as SegmentHash[]) accepted.set(hash.segment, hash);
      onAccepted?.();
    }
  });

  client.send({ type: 'SWARM-JOIN', payload: { swarm } });
  await peersListed;
  for (const lie of lies) {
    for (let vote = 0; vote < 2; vote++) client.send({ type: 'SEGMENT-HASH', payload: { swarm, ...lie } });
  }

  return {
    id,
    async acceptedHashes(segments, timeoutMs = ACCEPTED_WAIT_MS) {
      client.send({ type: 'SEGMENT-HASH-QUERY', payload: { swarm, segments } });
      const complete = () => segments.every((segment) => accepted.has(segment));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          onAccepted = null;
          reject(
            new Error(`hash liar: ${accepted.size} of ${segments.length} hashes accepted in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        onAccepted = () => {
          if (!complete()) return;
          clearTimeout(timer);
          onAccepted = null;
          resolve();
        };
      });
      return segments.flatMap((segment) => accepted.get(segment) ?? []);
    },
    close: async () => {
      await client.close();
    },
  };
}
