/**
 * One saved copy of the demo's weights (the bytes of a weights file, ./weights.ts) in the
 * browser's IndexedDB, with the time it was saved.
 */
const DB = 'cortado-browser-mnist';
const STORE = 'weights';
const KEY = 'lenet';

interface Request<T> { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null }
interface Db {
  transaction(store: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): { put(v: unknown, k: string): Request<unknown>; get(k: string): Request<unknown> } };
  close(): void;
}
declare const indexedDB: { open(name: string, version: number): Request<Db> & { onupgradeneeded: (() => void) | null; result: Db & { createObjectStore(n: string): unknown; objectStoreNames: { contains(n: string): boolean } } } };

function done<T>(r: Request<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new Error(`IndexedDB: ${String(r.error)}`));
  });
}

async function open(): Promise<Db> {
  const r = indexedDB.open(DB, 1);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE);
  };
  return done(r);
}

/** Saves the bytes of a weights file in IndexedDB (replacing the copy saved before), with the time. */
export async function saveToIndexedDB(bytes: Uint8Array): Promise<void> {
  const db = await open();
  try {
    await done(db.transaction(STORE, 'readwrite').objectStore(STORE).put({ bytes, saved: new Date().toISOString() }, KEY));
  } finally {
    db.close();
  }
}

/** The weights saved in IndexedDB, or null. */
export async function loadFromIndexedDB(): Promise<{ bytes: Uint8Array; saved: string } | null> {
  const db = await open();
  try {
    return ((await done(db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY))) as { bytes: Uint8Array; saved: string } | undefined) ?? null;
  } finally {
    db.close();
  }
}
