// What the worker must remember across restarts (browsers stop idle workers at will): the page's settings and
// the index records (manifests, renditions, sized progressive files), so a restarted worker still recognises the
// segments of a stream already playing.
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { isSegmentRef } from '../../protocol/bridge/segment-ref';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import type { IndexRecord } from './index-records';
import type { TemplatePattern } from './segment-template';

export interface WorkerState {
  /** The settings last saved, unvalidated (they may come from an older release): merge them with care. */
  loadSettings(): Promise<unknown>;
  saveSettings(settings: WorkerSettings): Promise<void>;
  /** Saved records, least recently updated first; records that no longer fit the current shape are dropped. */
  loadRecords(): Promise<IndexRecord[]>;
  /** Saves records and deletes the ones the index evicted, in one transaction. */
  saveRecords(records: IndexRecord[], evicted: string[]): Promise<void>;
  close(): void;
}

interface StateDb extends DBSchema {
  meta: { key: 'settings'; value: unknown };
  playlists: { key: string; value: IndexRecord; indexes: { updatedAt: number } };
}

export const WORKER_STATE_DB_NAME = 'peerlane-worker';
/**
 * Schema history: 1 — `meta` (settings), `playlists` (index records by key, index updatedAt). Record kinds added
 * later ('progressive', DASH fields) need no migration: records a release cannot read are dropped on load.
 */
const SCHEMA_VERSION = 1;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isTemplate(value: unknown): value is TemplatePattern {
  const pattern = value as Partial<Record<keyof TemplatePattern, unknown>> | null;
  if (typeof pattern?.source !== 'string' || typeof pattern.durationSec !== 'number') return false;
  if (!Array.isArray(pattern.fields)) return false;
  try {
    new RegExp(pattern.source);
  } catch {
    return false;
  }
  return pattern.fields.every(
    (field: { name?: unknown; width?: unknown }) =>
      (field?.name === 'Number' || field?.name === 'Time') && Number.isSafeInteger(field.width),
  );
}

function isOptional<T>(value: unknown, check: (item: unknown) => item is T): boolean {
  return value === undefined || (Array.isArray(value) && value.every(check));
}

const isText = (value: unknown): value is string => typeof value === 'string';

function isIndexRecord(value: unknown): value is IndexRecord {
  const record = value as Partial<Record<string, unknown>> | null;
  if (typeof record !== 'object' || record === null) return false;
  if (typeof record.url !== 'string' || typeof record.updatedAt !== 'number') return false;
  switch (record.kind) {
    case 'master':
      return isStringArray(record.keyUrls) && isStringArray(record.playlistUrls);
    case 'progressive':
      return (
        typeof record.swarm === 'string' &&
        typeof record.playerUrl === 'string' &&
        typeof record.contentType === 'string' &&
        Number.isSafeInteger(record.size) &&
        (record.size as number) > 0 &&
        Number.isSafeInteger(record.pieceBytes) &&
        (record.pieceBytes as number) > 0
      );
    case 'media':
      return (
        isStringArray(record.keyUrls) &&
        typeof record.swarm === 'string' &&
        typeof record.playerUrl === 'string' &&
        typeof record.live === 'boolean' &&
        Array.isArray(record.segments) &&
        record.segments.every(isSegmentRef) &&
        isOptional(record.templates, isTemplate) &&
        isOptional(record.indexIds, isText) &&
        isOptional(record.passUrls, isText)
      );
    default:
      return false;
  }
}

export async function openWorkerState(dbName = WORKER_STATE_DB_NAME): Promise<WorkerState> {
  let closed = false;
  const db: IDBPDatabase<StateDb> = await openDB<StateDb>(dbName, SCHEMA_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('meta');
        database.createObjectStore('playlists', { keyPath: 'url' }).createIndex('updatedAt', 'updatedAt');
      }
    },
    // A newer worker release upgrades the schema: this (older) worker is on its way out, let it.
    blocking() {
      closed = true;
      db.close();
    },
  });

  function open(): IDBPDatabase<StateDb> {
    if (closed) throw new Error('worker state database was closed for a newer version');
    return db;
  }

  return {
    loadSettings: async () => open().get('meta', 'settings'),
    saveSettings: async (settings) => {
      await open().put('meta', settings, 'settings');
    },
    loadRecords: async () => (await open().getAllFromIndex('playlists', 'updatedAt')).filter(isIndexRecord),
    saveRecords: async (records, evicted) => {
      const tx = open().transaction('playlists', 'readwrite');
      await Promise.all([
        ...evicted.map((url) => tx.store.delete(url)),
        ...records.map((record) => tx.store.put(record)),
        tx.done,
      ]);
    },
    close: () => {
      closed = true;
      db.close();
    },
  };
}
