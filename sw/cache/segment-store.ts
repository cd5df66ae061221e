// The IndexedDB segment cache shared by the service worker and every tab's page agent (same origin, same DB):
// whole-or-nothing writes, a size cap with LRU eviction, quota errors absorbed. Knows nothing of HTTP or peers.
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import {
  emptySegments,
  openSegmentDb,
  SEGMENT_DB_NAME,
  SEGMENT_STORES,
  type SegmentDb,
  type SegmentMeta,
} from './segment-db';

export { SEGMENT_DB_NAME };

export interface StoredSegment {
  id: string;
  swarm: string;
  data: ArrayBuffer;
  size: number;
  sha256: string;
  contentType: string;
  storedAt: number;
}

export interface SegmentStore {
  /** The segment with its bytes, or undefined (also when the DB failed). Refreshes its LRU recency. */
  get(id: string): Promise<StoredSegment | undefined>;
  /**
   * The segment's bytes for a peer, or undefined: one read-only transaction, no LRU refresh (a write per upload
   * would cost the uploader's page; what peers ask for is what this viewer just played anyway).
   */
  readForUpload(id: string): Promise<ArrayBuffer | undefined>;
  has(id: string): Promise<boolean>;
  /** Whole or nothing; false when it could not be stored (too big, DB closed, quota after evict + retry once). */
  put(segment: {
    id: string;
    swarm: string;
    data: ArrayBuffer;
    sha256: string;
    contentType: string;
  }): Promise<boolean>;
  /** What a HAVE announcement needs about each segment held for a swarm, without reading any bytes or touching LRU. */
  entries(swarm: string): Promise<SegmentEntry[]>;
  /** Empties the cache (the release mark of adopt-release.ts stays). */
  clear(): Promise<void>;
  close(): void;
}

export interface SegmentEntry {
  id: string;
  size: number;
  sha256: string;
}

export interface SegmentStoreOptions {
  /** Total segment bytes kept; least recently used segments are evicted beyond it. */
  maxBytes: number;
  /** Default 'peerlane-segments'. */
  dbName?: string;
  /** Told about every storage failure the API turns into a miss or `false` (default: console.warn). */
  onError?: (operation: 'get' | 'has' | 'put' | 'entries' | 'clear' | 'touch', error: unknown) => void;
}

/** On a quota error, free at least this share of what we hold (besides the new segment's size) before retrying. */
const QUOTA_RELIEF_SHARE = 0.25;

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  // Older Firefox releases used their own name for the same condition.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

export async function openSegmentStore(options: SegmentStoreOptions): Promise<SegmentStore> {
  const maxBytes = Math.max(0, options.maxBytes);
  const report =
    options.onError ?? ((operation, error) => console.warn(`peerlane cache: ${operation} failed`, error));
  let closed = false;
  const db: IDBPDatabase<SegmentDb> = await openSegmentDb(options.dbName ?? SEGMENT_DB_NAME, () => {
    closed = true;
  });

  // Strictly increasing within this connection, so two touches in one millisecond still order correctly.
  let clock = 0;
  const tick = (): number => {
    clock = Math.max(Date.now(), clock + 1);
    return clock;
  };

  async function guarded<T>(
    operation: Parameters<typeof report>[0],
    fallback: T,
    run: () => Promise<T>,
  ): Promise<T> {
    if (closed) return fallback;
    try {
      return await run();
    } catch (error) {
      report(operation, error);
      return fallback;
    }
  }

  /** Evicts least recently used segments (never `keep`) until `total` ≤ `target`; returns the new total. */
  async function evict(
    tx: ReturnType<typeof writeTransaction>,
    total: number,
    target: number,
    keep: string,
    writes: Promise<unknown>[],
  ): Promise<number> {
    let cursor = await tx.objectStore('segments').index('lastUsed').openCursor();
    while (cursor && total > target) {
      const { id, size } = cursor.value;
      if (id !== keep) {
        total -= size;
        writes.push(cursor.delete(), tx.objectStore('blobs').delete(id));
      }
      cursor = await cursor.continue();
    }
    return total;
  }

  function writeTransaction() {
    return db.transaction(SEGMENT_STORES, 'readwrite');
  }

  /** One transaction: evict down to the cap, then metadata, bytes and usage together — or none of them. */
  async function write(segment: Parameters<SegmentStore['put']>[0]): Promise<void> {
    const tx = writeTransaction();
    const writes: Promise<unknown>[] = [];
    try {
      const [used, previous] = await Promise.all([usedBytes(tx), tx.objectStore('segments').get(segment.id)]);
      const size = segment.data.byteLength;
      const total = await evict(tx, used - (previous?.size ?? 0), maxBytes - size, segment.id, writes);
      const now = tick();
      const meta: SegmentMeta = {
        id: segment.id,
        swarm: segment.swarm,
        size,
        sha256: segment.sha256,
        contentType: segment.contentType,
        storedAt: now,
        lastUsed: now,
      };
      writes.push(
        tx.objectStore('segments').put(meta),
        tx.objectStore('blobs').put(segment.data, segment.id),
        tx.objectStore('usage').put(total + size, 'bytes'),
      );
      await Promise.all([...writes, tx.done]);
    } catch (error) {
      abortQuietly(tx);
      await tx.done.catch(() => undefined);
      throw error;
    }
  }

  /**
   * After a quota error: commit an eviction on its own, so the retry starts with the space really freed. Deletes
   * only: Chromium lets a commit overshoot the quota, then refuses every transaction that writes anything, however
   * small — so the byte total is dropped, not updated, and the next write counts it afresh (usedBytes).
   */
  async function relieve(need: number): Promise<void> {
    const tx = writeTransaction();
    const writes: Promise<unknown>[] = [];
    const used = await usedBytes(tx);
    const free = Math.max(need, used * QUOTA_RELIEF_SHARE);
    await evict(tx, used, used - free, '', writes);
    writes.push(tx.objectStore('usage').delete('bytes'));
    await Promise.all([...writes, tx.done]);
  }

  /** A segment's record and bytes in one read-only transaction (no LRU write). */
  async function read(id: string) {
    const tx = db.transaction(['segments', 'blobs'], 'readonly');
    const [meta, data] = await Promise.all([
      tx.objectStore('segments').get(id),
      tx.objectStore('blobs').get(id),
    ]);
    // Transactions keep the two stores consistent; a mismatch would mean a damaged DB: never serve it.
    return meta && data?.byteLength === meta.size ? { meta, data } : undefined;
  }

  return {
    get: (id) =>
      guarded('get', undefined, async () => {
        const record = await read(id);
        if (!record) return undefined;
        touch(id);
        const { lastUsed: _lastUsed, ...segment } = record.meta;
        return { ...segment, data: record.data };
      }),

    readForUpload: (id) => guarded('get', undefined, async () => (await read(id))?.data),

    has: (id) => guarded('has', false, async () => (await db.count('segments', id)) > 0),

    put: (segment) =>
      guarded('put', false, async () => {
        const size = segment.data.byteLength;
        if (size === 0 || size > maxBytes) return false;
        try {
          await write(segment);
        } catch (error) {
          if (!isQuotaError(error)) throw error;
          await relieve(size);
          await write(segment);
        }
        return true;
      }),

    entries: (swarm) =>
      guarded('entries', [], async () =>
        (await db.getAllFromIndex('segments', 'swarm', swarm)).map(({ id, size, sha256 }) => ({
          id,
          size,
          sha256,
        })),
      ),

    clear: () =>
      guarded('clear', undefined, async () => {
        const tx = writeTransaction();
        await Promise.all([...emptySegments(tx), tx.done]);
      }),

    close: () => {
      closed = true;
      db.close();
    },
  };

  /**
   * Moves a segment to the young end of the LRU. Not awaited by `get` (a cache hit should not wait on a write),
   * but the transaction is created before `get` returns, so later operations see it.
   */
  function touch(id: string): void {
    if (closed) return;
    const tx = db.transaction('segments', 'readwrite');
    const lastUsed = tick();
    // Re-read inside the write: another tab may have evicted the segment since our read.
    const done = tx.store
      .get(id)
      .then((current) => (current ? tx.store.put({ ...current, lastUsed }) : undefined));
    // A full quota refuses even this small write: recency is best effort, the next put makes room.
    Promise.all([done, tx.done]).catch((error) => isQuotaError(error) || report('touch', error));
  }
}

/**
 * The byte total kept in `usage`, or, when it was dropped (a quota relief, a clear, a new DB), the sum over the
 * metadata — counted inside the caller's transaction, so no other connection's write slips in between.
 */
async function usedBytes(
  tx: IDBPTransaction<SegmentDb, typeof SEGMENT_STORES, 'readwrite'>,
): Promise<number> {
  const kept = await tx.objectStore('usage').get('bytes');
  if (kept !== undefined) return kept;
  let total = 0;
  let cursor = await tx.objectStore('segments').openCursor();
  while (cursor) {
    total += cursor.value.size;
    cursor = await cursor.continue();
  }
  return total;
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted by the browser (a quota error aborts it for us).
  }
}
