// Reads and (for integrity tests only) poisons a viewer's IndexedDB segment cache from its page: the schema is
// sw/cache/segment-store.ts's (metadata in `segments`, bytes in `blobs`, both keyed by segment id).
import { createHash } from 'node:crypto';
import type { Page } from 'puppeteer';
import { SEGMENT_DB_NAME, type SegmentEntry } from '../../sw/cache/segment-store';

/** Every POISON_STRIDE-th byte, from POISON_OFFSET on, is inverted: same length, different content. */
const POISON_STRIDE = 4096;
const POISON_OFFSET = 2048;

/** What the cache holds for `swarm` (metadata only); [] before the cache exists. */
export function cachedSegments(page: Page, swarm: string): Promise<SegmentEntry[]> {
  return page.evaluate(readEntries, SEGMENT_DB_NAME, swarm);
}

/**
 * Rewrites every segment of `swarm` in the cache: bytes poisoned (see poisonedSha256), the stored sha256 set to
 * the poisoned bytes' hash, so the cache is self-consistent and announces the lie. Run it on a page of the origin
 * without Peerlane running, then reload the player page. Returns the new hash of each segment, by id.
 */
export function poisonCache(page: Page, swarm: string): Promise<Record<string, string>> {
  return page.evaluate(rewriteSegments, SEGMENT_DB_NAME, swarm, POISON_STRIDE, POISON_OFFSET);
}

/** The hash poisonCache gives a segment with these original bytes. */
export function poisonedSha256(original: Uint8Array): string {
  const bytes = original.slice();
  for (let at = POISON_OFFSET; at < bytes.byteLength; at += POISON_STRIDE)
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs in the page (serialized by puppeteer: no closures). */
async function readEntries(dbName: string, swarm: string): Promise<SegmentEntry[]> {
  const settle = <Value>(request: IDBRequest<Value>) =>
    new Promise<Value>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const opening = indexedDB.open(dbName);
  // No DB yet: creating one here (version 1, no stores) would break the worker's own upgrade. Abort instead.
  opening.onupgradeneeded = () => opening.transaction?.abort();
  const db = await settle(opening).catch(() => null);
  if (!db) return [];
  try {
    const all = await settle<SegmentEntry[]>(
      db.transaction('segments').objectStore('segments').index('swarm').getAll(swarm),
    );
    return all.map(({ id, size, sha256 }) => ({ id, size, sha256 }));
  } finally {
    db.close();
  }
}

/** Runs in the page (serialized by puppeteer: no closures). */
async function rewriteSegments(
  dbName: string,
  swarm: string,
  stride: number,
  offset: number,
): Promise<Record<string, string>> {
  const settle = <Value>(request: IDBRequest<Value>) =>
    new Promise<Value>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const db = await settle(indexedDB.open(dbName));
  try {
    const metas = await settle<{ id: string; sha256: string }[]>(
      db.transaction('segments').objectStore('segments').index('swarm').getAll(swarm),
    );
    const rewritten: Record<string, string> = {};
    for (const meta of metas) {
      const data = await settle<ArrayBuffer>(db.transaction('blobs').objectStore('blobs').get(meta.id));
      const bytes = new Uint8Array(data.slice(0));
      for (let at = offset; at < bytes.byteLength; at += stride) bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const sha256 = [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      // Bytes and metadata in one transaction, as the store itself writes them.
      const write = db.transaction(['segments', 'blobs'], 'readwrite');
      write.objectStore('blobs').put(bytes.buffer, meta.id);
      write.objectStore('segments').put({ ...meta, sha256 });
      await new Promise<void>((resolve, reject) => {
        write.oncomplete = () => resolve();
        write.onerror = () => reject(write.error);
      });
      rewritten[meta.id] = sha256;
    }
    return rewritten;
  } finally {
    db.close();
  }
}
