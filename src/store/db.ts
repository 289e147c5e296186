import { openDB, type IDBPDatabase } from 'idb';
import { DB_NAME, DB_VERSION, type RecorderDB } from './schema.js';

export type RecorderDatabase = IDBPDatabase<RecorderDB>;

/** Opens (and creates or upgrades) the recordings database. Works in windows and workers. */
export function openRecorderDB(name = DB_NAME): Promise<RecorderDatabase> {
  return openDB<RecorderDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
        sessions.createIndex('by-created', 'createdAt');
        db.createObjectStore('chunks', { keyPath: ['sessionId', 'seq'] });
      }
      // Version 2 adds exports kept next to their recording; sessions and chunks stay as they are.
      if (oldVersion < 2) {
        const exports = db.createObjectStore('exports', { keyPath: 'id' });
        exports.createIndex('by-recording', 'recordingId');
      }
    },
  });
}

export const chunkRange = (sessionId: string) => IDBKeyRange.bound([sessionId, 0], [sessionId, Infinity]);
