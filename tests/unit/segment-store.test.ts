// The IndexedDB segment cache (on fake-indexeddb): whole-or-nothing writes, LRU under a size cap, quota errors,
// sharing between connections (tabs and the worker) and surviving a reopen.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptRelease } from '../../sw/cache/adopt-release';
import { openSegmentStore, type SegmentStore } from '../../sw/cache/segment-store';

let dbCounter = 0;
const opened: SegmentStore[] = [];
const failures: string[] = [];

async function open(maxBytes: number, dbName = `segments-test-${++dbCounter}`): Promise<SegmentStore> {
  const store = await openSegmentStore({
    maxBytes,
    dbName,
    onError: (operation) => failures.push(operation),
  });
  opened.push(store);
  return store;
}

/** Ids held for a swarm, from the metadata the agent announces. */
async function idsOf(store: SegmentStore, swarm: string): Promise<string[]> {
  return (await store.entries(swarm)).map((entry) => entry.id);
}

function bytes(size: number, fill = 7): ArrayBuffer {
  return new Uint8Array(size).fill(fill).buffer;
}

function segment(id: string, size: number, swarm = 'swarm-a') {
  return { id, swarm, data: bytes(size, id.length), sha256: 'ab'.repeat(32), contentType: 'video/mp2t' };
}

/**
 * The byte total the store works with, straight from the DB: the `usage` record, or — once a clear or a quota
 * relief dropped it — the sum over the metadata, which the next write counts afresh.
 */
async function usage(dbName: string): Promise<number> {
  const db = await openDB(dbName);
  const kept = (await db.get('usage', 'bytes')) as number | undefined;
  const metas = (await db.getAll('segments')) as Array<{ size: number }>;
  db.close();
  return kept ?? metas.reduce((sum, meta) => sum + meta.size, 0);
}

type RawStore = IDBObjectStore & { _rawObjectStore: { storeRecord: (...args: unknown[]) => unknown } };

/**
 * Makes the next `count` writes into the blob store fail the way a full disk does in a browser: the request
 * errors asynchronously with QuotaExceededError and the transaction aborts (fake-indexeddb runs the operation
 * bound at put() time, so the raw store's method is swapped for that one call).
 */
function failBlobWrites(count: number, errorName = 'QuotaExceededError'): () => void {
  let remaining = count;
  return failPuts((store) => store.name === 'blobs' && remaining-- > 0, errorName);
}

/**
 * Chromium past its quota (a commit may overshoot it): every put, however small, is refused until a transaction
 * that deletes segment bytes has committed.
 */
function refuseWritesUntilFreed(): () => void {
  const { delete: realDelete, clear: realClear } = IDBObjectStore.prototype;
  let full = true;
  const freeing = (store: IDBObjectStore) => {
    if (store.name === 'blobs')
      store.transaction.addEventListener('complete', () => {
        full = false;
      });
  };
  IDBObjectStore.prototype.delete = function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    freeing(this);
    return realDelete.call(this, key);
  };
  IDBObjectStore.prototype.clear = function (this: IDBObjectStore) {
    freeing(this);
    return realClear.call(this);
  };
  const restorePut = failPuts(() => full);
  return () => {
    restorePut();
    Object.assign(IDBObjectStore.prototype, { delete: realDelete, clear: realClear });
  };
}

function failPuts(
  shouldFail: (store: IDBObjectStore) => boolean,
  errorName = 'QuotaExceededError',
): () => void {
  const realPut = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (this: RawStore, value: unknown, key?: IDBValidKey) {
    if (!shouldFail(this)) return realPut.call(this, value, key);
    const raw = this._rawObjectStore;
    const storeRecord = raw.storeRecord;
    raw.storeRecord = () => {
      throw new DOMException('simulated', errorName);
    };
    try {
      return realPut.call(this, value, key);
    } finally {
      raw.storeRecord = storeRecord;
    }
  };
  return () => {
    IDBObjectStore.prototype.put = realPut;
  };
}

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  failures.length = 0;
});

describe('segment store', () => {
  it('returns what was put, with its metadata', async () => {
    const store = await open(10_000);
    expect(await store.put(segment('seg-1', 1000))).toBe(true);
    const got = await store.get('seg-1');
    expect(got).toMatchObject({ id: 'seg-1', swarm: 'swarm-a', size: 1000, contentType: 'video/mp2t' });
    expect(got?.sha256).toBe('ab'.repeat(32));
    expect(new Uint8Array(got?.data ?? new ArrayBuffer(0))).toEqual(new Uint8Array(bytes(1000, 5)));
    expect(got?.storedAt).toBeGreaterThan(0);
    expect(await store.has('seg-1')).toBe(true);
    expect(await store.has('seg-2')).toBe(false);
    expect(await store.get('seg-2')).toBeUndefined();
  });

  it('lists the ids held for a swarm', async () => {
    const store = await open(10_000);
    await store.put(segment('a1', 10, 'swarm-a'));
    await store.put(segment('b1', 10, 'swarm-b'));
    await store.put(segment('a2', 10, 'swarm-a'));
    expect((await idsOf(store, 'swarm-a')).sort()).toEqual(['a1', 'a2']);
    expect(await idsOf(store, 'swarm-c')).toEqual([]);
    const entries = await store.entries('swarm-a');
    expect(entries.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'a1', size: 10, sha256: 'ab'.repeat(32) },
      { id: 'a2', size: 10, sha256: 'ab'.repeat(32) },
    ]);
  });

  it('evicts the least recently used segments to stay under the cap', async () => {
    const dbName = 'segments-lru';
    const store = await open(3000, dbName);
    await store.put(segment('a', 1000));
    await store.put(segment('b', 1000));
    await store.put(segment('c', 1000));
    await store.get('a'); // a is now younger than b
    await store.put(segment('d', 1000));
    expect(await store.has('b')).toBe(false);
    for (const id of ['a', 'c', 'd']) expect(await store.has(id)).toBe(true);
    expect(await usage(dbName)).toBe(3000);
    // Several evictions for one big segment.
    await store.put(segment('e', 2500));
    expect(await store.has('e')).toBe(true);
    expect(await usage(dbName)).toBeLessThanOrEqual(3000);
    expect((await idsOf(store, 'swarm-a')).sort()).toEqual(['e']);
  });

  it('reads bytes for a peer without refreshing their recency', async () => {
    const store = await open(2000);
    await store.put(segment('a', 1000));
    await store.put(segment('b', 1000));
    expect(new Uint8Array((await store.readForUpload('a')) ?? new ArrayBuffer(0))).toEqual(
      new Uint8Array(bytes(1000, 1)),
    );
    expect(await store.readForUpload('missing')).toBeUndefined();
    // Uploading a did not make it younger than b: a is evicted first.
    await store.put(segment('c', 1000));
    expect(await store.has('a')).toBe(false);
    expect(await store.has('b')).toBe(true);
  });

  it('replacing a segment counts its size once', async () => {
    const dbName = 'segments-replace';
    const store = await open(3000, dbName);
    await store.put(segment('a', 1000));
    await store.put(segment('a', 1500));
    expect(await usage(dbName)).toBe(1500);
    expect((await store.get('a'))?.size).toBe(1500);
  });

  it('refuses a segment larger than the whole cap, or empty, and keeps what it had', async () => {
    const store = await open(1000);
    await store.put(segment('small', 600));
    expect(await store.put(segment('huge', 1001))).toBe(false);
    expect(await store.put(segment('empty', 0))).toBe(false);
    expect(await store.has('small')).toBe(true);
    expect(await store.has('huge')).toBe(false);
  });

  it('is shared by connections to the same database and survives a reopen', async () => {
    const dbName = 'segments-shared';
    const tabA = await open(10_000, dbName);
    const tabB = await open(10_000, dbName);
    await tabA.put(segment('shared', 300));
    expect((await tabB.get('shared'))?.size).toBe(300);
    tabA.close();
    tabB.close();
    const later = await open(10_000, dbName);
    expect((await later.get('shared'))?.size).toBe(300);
  });

  it('stores nothing when any part of a write fails (whole or nothing)', async () => {
    const dbName = 'segments-atomic';
    const store = await open(10_000, dbName);
    await store.put(segment('old', 100));
    const restore = failBlobWrites(1, 'UnknownError');
    try {
      expect(await store.put(segment('broken', 500))).toBe(false);
    } finally {
      restore();
    }
    expect(failures).toContain('put');
    expect(await store.has('broken')).toBe(false);
    expect(await store.get('broken')).toBeUndefined();
    expect(await idsOf(store, 'swarm-a')).toEqual(['old']);
    expect(await usage(dbName)).toBe(100);
  });

  it('on a quota error evicts and retries once', async () => {
    const store = await open(10_000);
    for (const id of ['s1', 's2', 's3', 's4']) await store.put(segment(id, 1000));
    const restore = failBlobWrites(1);
    try {
      expect(await store.put(segment('new', 1000))).toBe(true);
    } finally {
      restore();
    }
    expect(await store.has('new')).toBe(true);
    // The oldest made room (at least the new segment's size, at least a quarter of the cache).
    expect(await store.has('s1')).toBe(false);
    expect(await store.has('s4')).toBe(true);
    expect(failures).toEqual([]);
  });

  it('past the quota, where even a small write is refused, frees space with deletes alone', async () => {
    const dbName = 'segments-over-quota';
    const store = await open(10_000, dbName);
    for (const id of ['s1', 's2', 's3', 's4']) await store.put(segment(id, 1000));
    const restore = refuseWritesUntilFreed();
    try {
      expect(await store.put(segment('new', 1000))).toBe(true);
    } finally {
      restore();
    }
    expect((await idsOf(store, 'swarm-a')).sort()).toEqual(['new', 's2', 's3', 's4']);
    expect(await usage(dbName)).toBe(4000);
    expect(failures).toEqual([]);
  });

  it('can be emptied past the quota', async () => {
    const dbName = 'segments-clear-over-quota';
    const store = await open(10_000, dbName);
    await store.put(segment('a', 100));
    const restore = refuseWritesUntilFreed();
    try {
      await store.clear();
      expect(await adoptRelease('3.0.0', dbName)).toBe(true);
    } finally {
      restore();
    }
    expect(await store.has('a')).toBe(false);
    expect(await usage(dbName)).toBe(0);
    expect(failures).toEqual([]);
    await store.put(segment('b', 100));
    expect(await usage(dbName)).toBe(100);
  });

  it('gives up with false, not an exception, when the quota error persists', async () => {
    const dbName = 'segments-full';
    const store = await open(10_000, dbName);
    await store.put(segment('s1', 1000));
    const restore = failBlobWrites(2);
    try {
      expect(await store.put(segment('new', 1000))).toBe(false);
    } finally {
      restore();
    }
    expect(await store.has('new')).toBe(false);
    expect(failures).toEqual(['put']);
    const total = await usage(dbName);
    const held = (await idsOf(store, 'swarm-a')).length * 1000;
    expect(total).toBe(held);
  });

  it('never serves a segment whose bytes are missing', async () => {
    const dbName = 'segments-damaged';
    const store = await open(10_000, dbName);
    await store.put(segment('damaged', 100));
    const db = await openDB(dbName);
    await db.delete('blobs', 'damaged');
    db.close();
    expect(await store.get('damaged')).toBeUndefined();
  });

  it('clear empties everything and resets the byte count', async () => {
    const dbName = 'segments-clear';
    const store = await open(10_000, dbName);
    await store.put(segment('a', 100));
    await store.clear();
    expect(await store.has('a')).toBe(false);
    expect(await usage(dbName)).toBe(0);
  });

  it('a new release empties a cache another release filled; the same release keeps it', async () => {
    const dbName = 'segments-release';
    const store = await open(10_000, dbName);
    await store.put(segment('old-release', 100));
    expect(await adoptRelease('1.0.0', dbName)).toBe(true);
    expect(await store.has('old-release')).toBe(false);
    await store.put(segment('kept', 100));
    // A restart of the same release keeps the cache.
    expect(await adoptRelease('1.0.0', dbName)).toBe(false);
    expect(await store.has('kept')).toBe(true);
    // Peerlane.clear() empties the cache but the release mark stays.
    await store.clear();
    await store.put(segment('after-clear', 100));
    expect(await adoptRelease('1.0.0', dbName)).toBe(false);
    expect(await store.has('after-clear')).toBe(true);
    // Another release, older or newer, empties it; the store's open connection keeps working.
    expect(await adoptRelease('0.9.0', dbName)).toBe(true);
    expect(await store.has('after-clear')).toBe(false);
    expect(await usage(dbName)).toBe(0);
    expect(await store.put(segment('new-release', 100))).toBe(true);
    expect(await idsOf(store, 'swarm-a')).toEqual(['new-release']);
    expect(failures).toEqual([]);
  });

  it('upgrades a cache of the first schema, and counts it as another release', async () => {
    const dbName = 'segments-v1';
    const v1 = await openDB(dbName, 1, {
      upgrade(database) {
        const segments = database.createObjectStore('segments', { keyPath: 'id' });
        segments.createIndex('lastUsed', 'lastUsed');
        segments.createIndex('swarm', 'swarm');
        database.createObjectStore('blobs');
        database.createObjectStore('usage');
      },
    });
    const meta = {
      id: 'v1-seg',
      swarm: 'swarm-a',
      size: 4,
      sha256: 'ab'.repeat(32),
      contentType: 'video/mp2t',
    };
    await v1.put('segments', { ...meta, storedAt: 1, lastUsed: 1 });
    await v1.put('blobs', bytes(4), 'v1-seg');
    await v1.put('usage', 4, 'bytes');
    v1.close();
    const store = await open(10_000, dbName);
    expect(await store.get('v1-seg')).toMatchObject({ id: 'v1-seg', size: 4 });
    expect(await adoptRelease('2.0.0', dbName)).toBe(true);
    expect(await store.has('v1-seg')).toBe(false);
    expect(await usage(dbName)).toBe(0);
  });

  it('answers misses instead of throwing once closed', async () => {
    const store = await open(10_000);
    await store.put(segment('a', 100));
    store.close();
    expect(await store.get('a')).toBeUndefined();
    expect(await store.has('a')).toBe(false);
    expect(await store.put(segment('b', 100))).toBe(false);
    expect(await idsOf(store, 'swarm-a')).toEqual([]);
  });
});
