//! IndexedDB store (主存储): the primary place the replica is kept in the browser.
//!
//! Layout (database version [`DB_VERSION`]): object store `docs` maps a doc id
//! (out-of-line key) to the doc's JSON text; object store `meta` maps a meta key
//! to its value. Docs are stored as JSON strings because a string is the
//! cheapest value to structured-clone, and the doc already knows its own id.
//!
//! Invariants:
//! - `commit` writes every doc and meta value and the schema version in ONE
//!   readwrite transaction over both stores, requested with strict durability
//!   (Chrome defaults to "relaxed" since 121, which fires `complete` before the
//!   data reaches the disk). It returns `Ok` only on the transaction's `complete`
//!   event; any failure aborts the transaction, so nothing is written.
//! - When another tab opens a newer version of the database (or deletes it), this
//!   connection closes itself on `versionchange`, so it never blocks that tab's
//!   upgrade. Later calls on this handle return [`StoreError::NewerSchema`] (or
//!   [`StoreError::Unavailable`] after a delete): this tab must reload.
//! - The connection is closed when the handle is dropped.

use super::{Loaded, Store, StoreError, META_SCHEMA, SCHEMA_VERSION};
use crate::core::doc::Doc;
use idb::event::VersionChangeEvent;
use idb::{Database, DatabaseEvent as _, Event as _, Factory, ObjectStoreParams, Request as _, Transaction, TransactionMode};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Version of the IndexedDB layout (object stores), not of the data inside: data
/// versions are [`SCHEMA_VERSION`] and migrate on load.
pub const DB_VERSION: u32 = 1;
const DOCS: &str = "docs";
const META: &str = "meta";

/// A connection to one IndexedDB database.
pub struct IdbStore {
    db: Database,
    /// The same connection as a plain JS value, to pass transaction options the
    /// `idb` crate does not expose (durability).
    raw: JsValue,
    /// Set when another tab took the database away (see the module docs).
    gone: Rc<RefCell<Option<StoreError>>>,
    fail_next: Cell<bool>,
}

impl IdbStore {
    /// Opens (creating on first use) the database `name`.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut request = factory.open(name, Some(DB_VERSION)).map_err(|e| open_error(&e))?;
        request.on_upgrade_needed(|event| {
            if create_stores(&event).is_err() {
                // Aborting the upgrade fails the open (AbortError) instead of
                // leaving a database without its stores.
                if let Some(tx) = event.target().ok().and_then(|r| r.transaction()) {
                    let _ = tx.abort();
                }
            }
        });
        // `blocked` fires when a tab holding an older version does not close; the
        // open request then waits, possibly forever, so it is raced against it.
        let blocked = Promise::new(&mut |resolve, _| {
            request.on_blocked(move |_| {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            })
        });
        let mut opening = request.into_future();
        let mut blocked = JsFuture::from(blocked);
        let first = poll_fn(|cx| {
            if let Poll::Ready(r) = Pin::new(&mut opening).poll(cx) {
                return Poll::Ready(Some(r));
            }
            if Pin::new(&mut blocked).poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        let db = match first {
            Some(Ok(db)) => db,
            Some(Err(e)) if js_name(&e).as_deref() == Some("VersionError") => {
                // A newer build upgraded the database: refuse rather than touch it.
                return Err(match current_version(&factory, name).await {
                    Some(found) => StoreError::NewerSchema { found, supported: DB_VERSION },
                    None => open_error(&e),
                });
            }
            Some(Err(e)) => return Err(open_error(&e)),
            None => {
                // The request stays queued until the other tab closes; close the
                // connection it eventually yields so it blocks nobody in turn.
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(db) = opening.await {
                        db.close();
                    }
                });
                return Err(StoreError::Blocked);
            }
        };
        let raw = JsValue::from(db);
        let mut db = Database::try_from(raw.clone()).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let gone = Rc::new(RefCell::new(None));
        let slot = Rc::clone(&gone);
        db.on_version_change(move |event| {
            let new_version = Reflect::get(&event, &JsValue::from_str("newVersion")).ok().and_then(|v| v.as_f64());
            *slot.borrow_mut() = Some(match new_version {
                Some(v) => StoreError::NewerSchema { found: v as u32, supported: DB_VERSION },
                None => StoreError::Unavailable("the database was deleted in another tab".into()),
            });
            if let Some(Ok(db)) = event.target().map(Database::try_from) {
                db.close();
            }
        });
        Ok(Self { db, raw, gone, fail_next: Cell::new(false) })
    }

    /// Deletes the database `name` (tests start from a clean slate with it).
    /// Open handles on it close themselves, so this is not blocked by them.
    pub async fn delete_database(name: &str) -> Result<(), StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let request = factory.delete(name).map_err(|e| write_error(&e))?;
        request.await.map_err(|e| write_error(&e))
    }

    /// Makes the next commit fail inside IndexedDB after all its writes are queued
    /// (for tests of atomicity: nothing of that commit may remain).
    pub fn fail_next_commit(&self) {
        self.fail_next.set(true);
    }

    fn check_open(&self) -> Result<(), StoreError> {
        match self.gone.borrow().as_ref() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// A readwrite transaction over both stores with strict durability. Browsers
    /// that do not know the options argument ignore it.
    fn write_transaction(&self) -> Result<Transaction, StoreError> {
        let js = |e: JsValue| StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "transaction".into()));
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("durability"), &JsValue::from_str("strict")).map_err(js)?;
        let open_tx: Function = Reflect::get(&self.raw, &JsValue::from_str("transaction")).map_err(js)?.dyn_into().map_err(js)?;
        let stores = Array::of2(&JsValue::from_str(DOCS), &JsValue::from_str(META));
        let tx = open_tx.call3(&self.raw, &stores, &JsValue::from_str("readwrite"), &options).map_err(js)?;
        Transaction::try_from(tx).map_err(|e| write_error(&e))
    }
}

impl Drop for IdbStore {
    fn drop(&mut self) {
        self.db.close();
    }
}

impl Store for IdbStore {
    fn kind(&self) -> &'static str {
        "indexeddb"
    }

    async fn load(&self) -> Result<Loaded, StoreError> {
        self.check_open()?;
        // A database that cannot be read at all is unavailable; a read that fails
        // part-way means stored data the browser cannot give back: treat it as
        // damaged (the user is told not to clear browser data).
        let no_db = |e: idb::Error| StoreError::Unavailable(e.to_string());
        let unreadable = |e: idb::Error| StoreError::Corrupt(e.to_string());
        let tx = self.db.transaction(&[DOCS, META], TransactionMode::ReadOnly).map_err(no_db)?;
        let docs = tx.object_store(DOCS).map_err(no_db)?;
        let meta = tx.object_store(META).map_err(no_db)?;
        // `into_future` attaches the success handlers now, before any of the three
        // requests can finish: awaiting one must not miss another's event.
        let doc_values = docs.get_all(None, None).map_err(no_db)?.into_future();
        let meta_values = meta.get_all(None, None).map_err(no_db)?.into_future();
        let meta_keys = meta.get_all_keys(None, None).map_err(no_db)?.into_future();
        let doc_values = doc_values.await.map_err(unreadable)?;
        let meta_values = meta_values.await.map_err(unreadable)?;
        let meta_keys = meta_keys.await.map_err(unreadable)?;

        let text = |v: &JsValue, what: &str| v.as_string().ok_or_else(|| StoreError::Corrupt(format!("{what} is not text")));
        let docs = doc_values
            .iter()
            .map(|v| serde_json::from_str::<Doc>(&text(v, "a stored doc")?).map_err(|e| StoreError::Corrupt(format!("doc: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        // getAll and getAllKeys in one transaction list the same records in key order.
        let meta = meta_keys
            .iter()
            .zip(&meta_values)
            .map(|(k, v)| Ok((text(k, "a meta key")?, text(v, "a meta value")?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Loaded { docs, meta })
    }

    async fn commit(&self, docs: &[Doc], meta: &[(String, String)]) -> Result<(), StoreError> {
        self.check_open()?;
        // Serialise first: a doc that fails to serialise fails the commit before
        // anything is queued.
        let encoded = docs
            .iter()
            .map(|d| serde_json::to_string(d).map(|json| (d.id.as_str(), json)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::WriteFailed(e.to_string()))?;
        let schema = SCHEMA_VERSION.to_string();
        let meta = meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain([(META_SCHEMA, schema.as_str())]);

        let tx = self.write_transaction()?;
        if let Err(e) = queue_puts(&tx, &encoded, meta) {
            // Abort and wait for it, so the old data is back when the caller sees the error.
            if let Ok(tx) = tx.abort() {
                let _ = finished(tx).await;
            }
            return Err(write_error(&e));
        }
        if self.fail_next.replace(false) {
            // Test hook: one more request that fails when it runs (its key was
            // just written, so `add` raises ConstraintError), aborting the
            // transaction after every write was queued, as a disk error would.
            let _ = tx.object_store(META).and_then(|s| s.add(&JsValue::NULL, Some(&JsValue::from_str(META_SCHEMA))));
        }
        finished(tx).await
    }

    async fn clear(&self) -> Result<(), StoreError> {
        self.check_open()?;
        let tx = self.write_transaction()?;
        let queued = tx.object_store(DOCS).and_then(|s| s.clear()).and_then(|_| tx.object_store(META)).and_then(|s| s.clear());
        if let Err(e) = queued {
            if let Ok(tx) = tx.abort() {
                let _ = finished(tx).await;
            }
            return Err(write_error(&e));
        }
        finished(tx).await
    }
}

/// Creates the object stores missing at this version (run in `upgradeneeded`).
fn create_stores(event: &VersionChangeEvent) -> Result<(), idb::Error> {
    let db = event.database()?;
    let existing = db.store_names();
    for store in [DOCS, META] {
        if !existing.iter().any(|s| s == store) {
            // Default parameters: no key path, so keys are given on each put.
            db.create_object_store(store, ObjectStoreParams::new())?;
        }
    }
    Ok(())
}

/// Queues every put without waiting: the transaction commits by itself once the
/// queue drains, and waiting in between would only add round trips.
fn queue_puts<'a>(tx: &Transaction, docs: &[(&str, String)], meta: impl Iterator<Item = (&'a str, &'a str)>) -> Result<(), idb::Error> {
    let store = tx.object_store(DOCS)?;
    for (id, json) in docs {
        store.put(&JsValue::from_str(json), Some(&JsValue::from_str(id)))?;
    }
    let store = tx.object_store(META)?;
    for (key, value) in meta {
        store.put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))?;
    }
    Ok(())
}

/// Waits for a transaction to end: `Ok` on `complete`, its error on `abort`.
/// (A failed request aborts the transaction unless handled, so `abort` covers it.)
async fn finished(mut tx: Transaction) -> Result<(), StoreError> {
    let done = Promise::new(&mut |resolve, reject| {
        tx.on_complete(move |_| {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        tx.on_abort(move |_| {
            let _ = reject.call0(&JsValue::UNDEFINED);
        });
    });
    // `tx` owns the handlers and lives until the promise settles.
    match JsFuture::from(done).await {
        Ok(_) => Ok(()),
        Err(_) => Err(match tx.error() {
            Some(e) => match js_value_name(&e).as_deref() {
                Some("QuotaExceededError") => StoreError::QuotaExceeded,
                name => StoreError::WriteFailed(format!("transaction aborted: {}", name.unwrap_or("unknown error"))),
            },
            None => StoreError::WriteFailed("transaction aborted".into()),
        }),
    }
}

/// The current version of database `name` (opened without a version, which never upgrades).
async fn current_version(factory: &Factory, name: &str) -> Option<u32> {
    let db = factory.open(name, None).ok()?.await.ok()?;
    let version = db.version().ok();
    db.close();
    version
}

/// Maps a failure to open: disabled storage, private modes and security policy
/// make IndexedDB unavailable (the app then falls back to localStorage).
fn open_error(e: &idb::Error) -> StoreError {
    match js_name(e).as_deref() {
        Some("QuotaExceededError") => StoreError::QuotaExceeded,
        _ => StoreError::Unavailable(e.to_string()),
    }
}

fn write_error(e: &idb::Error) -> StoreError {
    match js_name(e).as_deref() {
        Some("QuotaExceededError") => StoreError::QuotaExceeded,
        _ => StoreError::WriteFailed(e.to_string()),
    }
}

/// The DOMException name inside an `idb` error, for the variants this module can meet.
fn js_name(e: &idb::Error) -> Option<String> {
    use idb::Error as E;
    match e {
        E::DomException(d) => js_value_name(d),
        E::IndexedDbOpenFailed(v) | E::IndexedDbDeleteFailed(v) | E::TransactionOpenFailed(v) | E::UpdateFailed(v) | E::ClearFailed(v) => js_value_name(v),
        _ => None,
    }
}

/// The `name` of a thrown JS value (DOMException or Error), read without assuming its type.
fn js_value_name(v: &JsValue) -> Option<String> {
    Reflect::get(v, &JsValue::from_str("name")).ok()?.as_string()
}
