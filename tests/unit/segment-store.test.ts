// The IndexedDB segment cache (on fake-indexeddb): whole-or-nothing writes, LRU under a size cap, quota errors,
// sharing between connections (tabs and the worker) and surviving a reopen.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
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

/** Reads the byte total the store keeps, straight from the DB. */
async function usage(dbName: string): Promise<number | undefined> {
  const db = await openDB(dbName);
  const total = (await db.get('usage', 'bytes')) as number | undefined;
  db.close();
  return total;
}

type RawStore = IDBObjectStore & { _rawObjectStore: { storeRecord: (...args: unknown[]) => unknown } };

/**
 * Makes the next `count` writes into the blob store fail the way a full disk does in a browser: the request
 * errors asynchronously with QuotaExceededError and the transaction aborts (fake-indexeddb runs the operation
 * bound at put() time, so the raw store's method is swapped for that one call).
 */
function failBlobWrites(count: number, errorName = 'QuotaExceededError'): () => void {
  const realPut = IDBObjectStore.prototype.put;
  let remaining = count;
  IDBObjectStore.prototype.put = function (this: RawStore, value: unknown, key?: IDBValidKey) {
    if (this.name !== 'blobs' || remaining === 0) return realPut.call(this, value, key);
    remaining--;
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
