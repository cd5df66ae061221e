// The newest segments' bytes kept in memory for uploads: bounded by bytes, the oldest dropped first.
import { expect, it } from 'vitest';
import { RecentBytes } from '../../sw/agent/recent-bytes';

it('keeps the newest segments within its byte budget, dropping the oldest first', () => {
  const recent = new RecentBytes(1000);
  recent.set('a', new ArrayBuffer(400));
  recent.set('b', new ArrayBuffer(400));
  recent.set('c', new ArrayBuffer(400));
  expect(recent.get('a')).toBeUndefined();
  expect(recent.get('b')?.byteLength).toBe(400);
  expect(recent.get('c')?.byteLength).toBe(400);
  // Stored again: the newest now, counted once.
  recent.set('b', new ArrayBuffer(500));
  recent.set('d', new ArrayBuffer(100));
  expect(recent.get('c')?.byteLength).toBe(400);
  expect(recent.get('b')?.byteLength).toBe(500);
  recent.set('huge', new ArrayBuffer(2000));
  expect(recent.get('huge')).toBeUndefined();
  recent.clear();
  expect(recent.get('d')).toBeUndefined();
});
