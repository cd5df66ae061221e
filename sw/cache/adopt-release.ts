// Run by a worker of a new Peerlane release on activation: the segment cache an older (or newer) release filled is
// emptied, so no byte that release stored (its bugs included) is ever served or shared by this one.
import { emptySegments, openSegmentDb, SEGMENT_DB_NAME, SEGMENT_STORES } from './segment-db';

/**
 * Makes the cache `release`'s: empties it unless its mark names that same release (a cache from before marks
 * existed counts as another release), then marks it. Resolves true when it emptied the cache.
 */
export async function adoptRelease(release: string, dbName = SEGMENT_DB_NAME): Promise<boolean> {
  const db = await openSegmentDb(dbName, () => undefined);
  try {
    // The check and the clear in one transaction: no write of the old release lands between them. The mark is
    // written after, on its own: a cache over its quota refuses writes (see relieve in segment-store.ts) until
    // emptied. Stopped between the two, the next activation just empties an empty cache.
    const tx = db.transaction([...SEGMENT_STORES, 'meta'], 'readwrite');
    if ((await tx.objectStore('meta').get('release')) === release) {
      await tx.done;
      return false;
    }
    await Promise.all([...emptySegments(tx), tx.done]);
    await db.put('meta', release, 'release');
    return true;
  } finally {
    db.close();
  }
}
