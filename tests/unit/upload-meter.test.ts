// The upload meter: the uplink's rate is measured only while the send buffers stay full (the link, not demand,
// is the limit), and uploads at once follow it: a slow uplink serves one segment at a time, in time.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UploadMeter } from '../../sw/agent/upload-meter';
import { UploadSlots } from '../../sw/agent/upload-slots';

afterEach(() => {
  vi.useRealTimers();
});

describe('UploadMeter', () => {
  it('measures a saturated uplink and lets it upload one segment at a time', () => {
    vi.useFakeTimers();
    let buffered = 0;
    const slots = new UploadSlots(3);
    const meter = new UploadMeter(3, {
      now: () => Date.now(),
      buffered: () => buffered,
      limitUploads: (count) => slots.setLimit(count),
    });
    expect(meter.uplinkKbps).toBeNull();
    // Demand below the link's pace: the buffers drain, nothing is measured.
    meter.sent(20_000);
    vi.advanceTimersByTime(1000);
    expect(meter.uplinkKbps).toBeNull();
    // 500 kbit/s: 62.5 kB leave a send buffer that never runs dry, each second.
    meter.segment(300_000);
    buffered = 600_000;
    meter.sent(600_000);
    vi.advanceTimersByTime(1000);
    for (let second = 0; second < 5; second++) {
      meter.sent(62_500);
      vi.advanceTimersByTime(1000);
    }
    expect(meter.uplinkKbps).toBe(500);
    expect(slots.tryAcquire(false)).toBe(true);
    expect(slots.tryAcquire(true)).toBe(false);
    meter.destroy();
  });

  it('keeps every slot for a fast uplink', () => {
    vi.useFakeTimers();
    let buffered = 100_000;
    const slots = new UploadSlots(3);
    const meter = new UploadMeter(3, {
      now: () => Date.now(),
      buffered: () => buffered,
      limitUploads: (n) => slots.setLimit(n),
    });
    meter.segment(300_000);
    for (let second = 0; second < 3; second++) {
      meter.sent(2_500_000);
      buffered = 100_000;
      vi.advanceTimersByTime(1000);
    }
    expect(meter.uplinkKbps).toBe(20_000);
    expect([1, 2, 3, 4].map(() => slots.tryAcquire(true))).toEqual([true, true, true, true]);
    meter.destroy();
  });
});
