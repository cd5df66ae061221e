// Upload slots shared by every peer's upload queue: a full house answers busy (prefetches first), and each
// finished, cancelled or dropped upload gives its slot back.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../sw/agent/token-bucket';
import { UploadQueue } from '../../sw/agent/upload-queue';
import { UploadSlots } from '../../sw/agent/upload-slots';

function queue(slots: UploadSlots, read: () => Promise<ArrayBuffer | undefined>) {
  const sent: ArrayBuffer[] = [];
  const uploads = new UploadQueue({
    read,
    bucket: new TokenBucket(Number.POSITIVE_INFINITY, 1),
    slots,
    writable: () => true,
    // Copied, as a data channel does: the queue reuses its frame buffer.
    send: (frame) => sent.push(frame instanceof ArrayBuffer ? frame : frame.slice().buffer) > 0,
    uploaded: () => {},
  });
  return { uploads, sent };
}

describe('UploadSlots', () => {
  it('answers busy beyond the slots across peers, keeping one more for a player that waits', () => {
    const slots = new UploadSlots(2);
    const never = () => new Promise<ArrayBuffer | undefined>(() => {});
    const [a, b, c] = [queue(slots, never), queue(slots, never), queue(slots, never)];
    expect(a.uploads.add({ requestId: 1, segmentId: 's1', priority: 'prefetch' })).toBe(true);
    expect(b.uploads.add({ requestId: 1, segmentId: 's1', priority: 'prefetch' })).toBe(true);
    expect(c.uploads.add({ requestId: 1, segmentId: 's1', priority: 'prefetch' })).toBe(false);
    expect(c.uploads.add({ requestId: 2, segmentId: 's1', priority: 'urgent' })).toBe(true);
    expect(c.uploads.add({ requestId: 3, segmentId: 's1', priority: 'urgent' })).toBe(false);
    expect(slots.inUse).toBe(3);
  });

  it('gives slots back when an upload ends, is cancelled while queued, or its peer goes', async () => {
    const slots = new UploadSlots(3);
    const a = queue(slots, async () => new Uint8Array(10).buffer);
    const never = () => new Promise<ArrayBuffer | undefined>(() => {});
    const b = queue(slots, never);
    a.uploads.add({ requestId: 1, segmentId: 's1', priority: 'prefetch' });
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(a.sent.length).toBeGreaterThan(0);
    expect(slots.inUse).toBe(0);
    b.uploads.add({ requestId: 1, segmentId: 's1', priority: 'prefetch' });
    b.uploads.add({ requestId: 2, segmentId: 's2', priority: 'prefetch' });
    b.uploads.add({ requestId: 3, segmentId: 's3', priority: 'prefetch' });
    expect(slots.inUse).toBe(3);
    b.uploads.cancel(3);
    expect(slots.inUse).toBe(2);
    b.uploads.clear();
    // The one being read is released when its read settles; the queued one at once.
    expect(slots.inUse).toBe(1);
  });
});
