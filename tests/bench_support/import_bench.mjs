// The JavaScript side of the browser import benchmark (tests/bundle_browser_bench.rs):
// the baselines it is measured against, in the same page. Not loaded as is:
// `scripts/bench.sh` bundles it with PouchDB (npm `pouchdb-browser`) through esbuild
// into `import_bench.gen.js` (git-ignored), which the Rust test imports.
import PouchDB from 'pouchdb-browser';

export function now() {
  return performance.now();
}

/** Waits `ms` (lets the browser's IndexedDB backend finish background work between runs). */
export function settle(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `JSON.parse` of the bundle's text: the ms it took (the result is checked, then dropped). */
export function jsonParseMs(text) {
  const t0 = performance.now();
  const v = JSON.parse(text);
  const t1 = performance.now();
  if (!v || typeof v !== 'object' || !Array.isArray(v.payload?.docs)) throw new Error('not a bundle');
  return t1 - t0;
}

const req = (r) =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

async function freshDb(name) {
  await req(indexedDB.deleteDatabase(name));
  const r = indexedDB.open(name, 1);
  // The same layout as src/storage/idb.rs: out-of-line keys, two stores.
  r.onupgradeneeded = () => {
    r.result.createObjectStore('docs');
    r.result.createObjectStore('meta');
  };
  return req(r);
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('aborted'));
  });
}

/**
 * The plain-JS baseline: a batched put loop — every put queued in ONE readwrite
 * transaction with strict durability (the same guarantees as our store: atomic, on
 * disk at `complete`), no await between puts. `values[i]` is stored under `ids[i]`.
 * Returns the ms from opening the transaction to `complete`.
 */
export async function plainPutMs(name, ids, values) {
  const db = await freshDb(name);
  try {
    const t0 = performance.now();
    const tx = db.transaction(['docs', 'meta'], 'readwrite', { durability: 'strict' });
    const docs = tx.objectStore('docs');
    for (let i = 0; i < ids.length; i++) docs.put(values[i], ids[i]);
    tx.objectStore('meta').put('1', 'schema_version');
    await done(tx);
    return performance.now() - t0;
  } finally {
    db.close();
    await req(indexedDB.deleteDatabase(name));
  }
}

/**
 * Diagnostics (not goals): what the same put loop costs with another layout, to show
 * what limits the persist figure. `packed`: one IndexedDB record per `per` docs (their
 * JSON texts joined into one array text), still one transaction; `chunkedTx`: one
 * record per doc, but a transaction (strict durability) per `per` docs.
 */
export async function plainPutLayoutMs(name, ids, values, layout, per) {
  const db = await freshDb(name);
  try {
    const t0 = performance.now();
    if (layout === 'packed') {
      const tx = db.transaction(['docs', 'meta'], 'readwrite', { durability: 'strict' });
      const docs = tx.objectStore('docs');
      for (let i = 0; i < ids.length; i += per) docs.put(`[${values.slice(i, i + per).join(',')}]`, ids[i]);
      await done(tx);
    } else {
      for (let i = 0; i < ids.length; i += per) {
        const tx = db.transaction(['docs'], 'readwrite', { durability: 'strict' });
        const docs = tx.objectStore('docs');
        for (let j = i; j < Math.min(ids.length, i + per); j++) docs.put(values[j], ids[j]);
        await done(tx);
      }
    }
    return performance.now() - t0;
  } finally {
    db.close();
    await req(indexedDB.deleteDatabase(name));
  }
}

/** The records of a bundle text as plain objects (what a JS app would store). */
export function bundleRecords(text) {
  return JSON.parse(text).payload.docs;
}

/**
 * PouchDB (IndexedDB adapter): the whole import of the same bundle text — parse,
 * turn each record into a PouchDB document, `bulkDocs` — into a fresh database.
 * Returns { totalMs, bulkDocsMs, adapter, written }.
 */
export async function pouchImport(name, text) {
  await new PouchDB(name).destroy();
  const db = new PouchDB(name);
  try {
    const t0 = performance.now();
    const docs = JSON.parse(text).payload.docs.map((d) => ({ _id: d.id, kind: d.kind, fields: d.fields }));
    const t1 = performance.now();
    const res = await db.bulkDocs(docs);
    const t2 = performance.now();
    const failed = res.filter((r) => r.error).length;
    if (failed) throw new Error(`PouchDB refused ${failed} documents`);
    const info = await db.info();
    return { totalMs: t2 - t0, bulkDocsMs: t2 - t1, adapter: db.adapter, written: info.doc_count };
  } finally {
    await db.destroy();
  }
}
