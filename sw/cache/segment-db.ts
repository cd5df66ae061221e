// The segment cache's IndexedDB schema and its migrations, shared by the store (segment-store.ts) and the
// release check a new worker runs on activation (adopt-release.ts).
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB, type StoreNames } from 'idb';

/** Metadata only: LRU touches rewrite this small record, never the segment bytes (kept in `blobs`). */
export interface SegmentMeta {
  id: string;
  swarm: string;
  size: number;
  sha256: string;
  contentType: string;
  storedAt: number;
  lastUsed: number;
}

export interface SegmentDb extends DBSchema {
  segments: { key: string; value: SegmentMeta; indexes: { lastUsed: number; swarm: string } };
  blobs: { key: string; value: ArrayBuffer };
  /** One record, key 'bytes': the sum of `size` over `segments`, updated in the same transactions. */
  usage: { key: 'bytes'; value: number };
  /** One record, key 'release': the Peerlane release whose worker last adopted the cache (adopt-release.ts). */
  meta: { key: 'release'; value: string };
}

export const SEGMENT_DB_NAME = 'peerlane-segments';
/**
 * Schema history (each step in `upgrade`, so a browser on any older version migrates in order):
 * 1 — `segments` (metadata, indexes lastUsed + swarm), `blobs` (bytes by id), `usage` (byte total).
 * 2 — `meta` (the release mark).
 */
const SCHEMA_VERSION = 2;
/** The stores that hold segments (every write and the clear span all three). */
export const SEGMENT_STORES = ['segments', 'blobs', 'usage'] as const;

/** Opens (creating or migrating) the segment DB; `onClosed` runs when the browser or a newer schema closes it. */
export function openSegmentDb(dbName: string, onClosed: () => void): Promise<IDBPDatabase<SegmentDb>> {
  const opening: Promise<IDBPDatabase<SegmentDb>> = openDB<SegmentDb>(dbName, SCHEMA_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        const segments = database.createObjectStore('segments', { keyPath: 'id' });
        segments.createIndex('lastUsed', 'lastUsed');
        segments.createIndex('swarm', 'swarm');
        database.createObjectStore('blobs');
        database.createObjectStore('usage');
      }
      if (oldVersion < 2) database.createObjectStore('meta');
    },
    // A newer schema (a new Peerlane version in another tab or worker) wants the DB: step aside; this
    // connection then answers misses until its page reloads, rather than blocking the upgrade forever.
    blocking() {
      onClosed();
      void opening.then((db) => db.close());
    },
    terminated: onClosed,
  });
  return opening;
}

/**
 * The requests that empty the cache (segments, bytes, byte total), inside a caller's transaction: deletes only,
 * so a cache over its quota (which Chromium refuses any write) can still be emptied.
 */
export function emptySegments(
  tx: IDBPTransaction<SegmentDb, ArrayLike<StoreNames<SegmentDb>>, 'readwrite'>,
): Promise<unknown>[] {
  return [
    tx.objectStore('segments').clear(),
    tx.objectStore('blobs').clear(),
    tx.objectStore('usage').delete('bytes'),
  ];
}
