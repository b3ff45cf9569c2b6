//! IndexedDB store (主存储): the primary place the replica is kept in the browser.
//!
//! Layout (database version [`DB_VERSION`]): object store `docs` (the head: the
//! plan and every other kind but the bulk ones) maps a doc id (out-of-line key)
//! to the doc's JSON text; object store `bulk` keeps the field-work kinds
//! ([`super::BULK_KINDS`]) in pages of a few hundred docs each (see
//! [`super::pages`]: a JSON array under its first doc's id); object store `meta`
//! maps a meta key to its value. Values are strings because a string is the
//! cheapest value to structured-clone, and the doc already knows its own id. A
//! doc's kind decides its store and never changes, so each id lives in exactly
//! one of the two. The split lets a cold start read the head (a few thousand
//! records) and show the app before it reads the bulk (hundreds of thousands);
//! the pages make reading and writing the bulk a request per few hundred docs
//! instead of one per doc.
//!
//! Invariants:
//! - `commit` writes every doc and meta value and the schema version in ONE
//!   readwrite transaction over all three stores. Inside it, each head doc is read
//!   (`get`), merged with the incoming one (core `Doc::merge`) and put back from
//!   the request's success handler, and the bulk docs' pages are read (the page
//!   holding the smallest incoming id through the largest), merged and written
//!   back the same way ([`super::pages::plan`]), so no other tab's commit can slip
//!   in between the read and the write; the last handler writes meta `doc_count` (the
//!   recorded count plus the new docs; a `count()` when none is recorded).
//!   The transaction is requested with strict durability
//!   (Chrome defaults to "relaxed" since 121, which fires `complete` before the
//!   data reaches the disk). It returns `Ok` only on the transaction's `complete`
//!   event; any failure aborts the transaction, so nothing is written.
//! - When another tab opens a newer version of the database (or deletes it), this
//!   connection closes itself on `versionchange`, so it never blocks that tab's
//!   upgrade. Later calls on this handle return [`StoreError::NewerSchema`] (or
//!   [`StoreError::Unavailable`] after a delete): this tab must reload.
//! - A connection the browser closed under the app (WebKit's "Connection to
//!   Indexed Database server lost" after an iPad slept; site data cleared) is
//!   reopened once, before the next transaction: on its `close` event, or when
//!   `transaction()` refuses with `InvalidStateError` (closed without an event).
//!   A commit whose transaction failed because its connection was lost meanwhile
//!   is retried once on the new connection (commits are idempotent merges, and the
//!   failed one wrote nothing). Only when the reopen or the retry fails is the user
//!   told ([`StoreError::ConnectionLost`]). Nothing but IndexedDB requests is ever
//!   awaited inside a transaction: WebKit (and the spec) commits a transaction as
//!   soon as control returns to the event loop with no request pending, so an
//!   `await` on anything else (a timer, a lock, a reopen) before the next request
//!   would find it finished. The reopen happens before a transaction is created.
//! - The connection is closed when the handle is dropped.

use super::{dedupe, dedupe_owned, merge_with_stored, pages, Loaded, Store, StoreError, BULK_PAGE, META_DOC_COUNT, META_SCHEMA, SCHEMA_VERSION};
use crate::core::doc::Doc;
use idb::event::VersionChangeEvent;
use idb::{Database, DatabaseEvent as _, Event as _, Factory, ObjectStoreParams, Request as _, Transaction};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Version of the IndexedDB database: the layout (object stores) and, since 2, a
/// marker of the data schema, so opening it with a newer build makes tabs still
/// running the older build close their connection (`versionchange`) before the
/// newer one migrates the data: never two versions writing at once. Data versions
/// are [`SCHEMA_VERSION`] and migrate on load.
/// - 1: stores `docs` and `meta`;
/// - 2: the same stores (data schema v2: meta `doc_count`);
/// - 3: store `bulk`, the bulk kinds' docs in pages; the upgrade moves them out of
///   `docs` in its own (versionchange) transaction (`move_to_layout_3`): all of
///   them, or the upgrade aborts and the database stays at its old version, untouched;
/// - 4: stores `photos` and `photo_sizes` (photo bytes by address, and their
///   lengths), created empty.
pub const DB_VERSION: u32 = 4;
const DOCS: &str = "docs";
const BULK: &str = "bulk";
const META: &str = "meta";
/// Photo bytes by address (a `Uint8Array` each: bytes, never a `Blob`, whose
/// storage WebKit has lost more than once), and each one's length, so the photos
/// held are listed without reading their bytes.
const PHOTOS: &str = "photos";
const PHOTO_SIZES: &str = "photo_sizes";

/// A handle on one IndexedDB database: its live connection, reopened when the
/// browser closed it (see the module docs).
pub struct IdbStore {
    name: String,
    /// The live connection. Each operation holds its own `Rc` until it ends, so a
    /// reopen never closes a connection under a running transaction.
    conn: RefCell<Rc<Conn>>,
    /// Set when another tab took the database away (see the module docs).
    gone: Rc<RefCell<Option<StoreError>>>,
    fail_next: Cell<bool>,
}

/// One open connection.
struct Conn {
    db: Database,
    /// The same connection as a plain JS value, to pass transaction options the
    /// `idb` crate does not expose (durability).
    raw: JsValue,
    /// Set by the connection's `close` event: the browser closed it.
    lost: Rc<Cell<bool>>,
    _on_close: Closure<dyn FnMut()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.db.close();
    }
}

impl IdbStore {
    /// Opens (creating on first use) the database `name`.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        let gone = Rc::new(RefCell::new(None));
        let conn = connect(name, &gone).await?;
        Ok(Self { name: name.to_owned(), conn: RefCell::new(Rc::new(conn)), gone, fail_next: Cell::new(false) })
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

    /// Closes the connection as the browser does when it loses it (for tests): with
    /// `event`, the connection's `close` event is fired too (as WebKit does after a
    /// tablet slept); without, the next transaction is refused (`InvalidStateError`).
    pub fn lose_connection(&self, event: bool) {
        let c = self.conn.borrow().clone();
        c.db.close();
        if event {
            if let Ok(ev) = web_sys::Event::new("close") {
                let _ = call(&c.raw, "dispatchEvent", &[ev.into()]);
            }
        }
    }

    fn check_open(&self) -> Result<(), StoreError> {
        match self.gone.borrow().as_ref() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Opens a new connection in place of a lost one.
    async fn reopen(&self) -> Result<Rc<Conn>, StoreError> {
        let conn = match connect(&self.name, &self.gone).await {
            Ok(c) => Rc::new(c),
            Err(e @ (StoreError::NewerSchema { .. } | StoreError::Blocked)) => return Err(e),
            Err(e) => return Err(StoreError::ConnectionLost(e.to_string())),
        };
        self.check_open()?;
        *self.conn.borrow_mut() = Rc::clone(&conn);
        Ok(conn)
    }

    /// A transaction over `stores` (`"readonly"` or `"readwrite"`, the latter with
    /// strict durability; browsers that do not know the options argument ignore it)
    /// on the live connection, reopened first if it was lost. Returns the
    /// connection too: the caller holds it until the transaction ended.
    async fn transaction(&self, stores: &[&str], mode: &str) -> Result<(Rc<Conn>, JsValue), StoreError> {
        self.check_open()?;
        let current = self.conn.borrow().clone();
        let conn = if current.lost.get() { self.reopen().await? } else { current };
        match open_transaction(&conn.raw, stores, mode) {
            Ok(tx) => Ok((conn, tx)),
            // Closed without a `close` event (or after a version change we were not told of).
            Err(e) if js_value_name(&e).as_deref() == Some("InvalidStateError") => {
                self.check_open()?;
                let conn = self.reopen().await?;
                let tx = open_transaction(&conn.raw, stores, mode)
                    .map_err(|e| StoreError::ConnectionLost(js_value_name(&e).unwrap_or_else(|| "transaction".into())))?;
                Ok((conn, tx))
            }
            Err(e) => Err(StoreError::Unavailable(js_value_name(&e).unwrap_or_else(|| "transaction".into()))),
        }
    }

    /// Whether the live connection was lost (its `close` event fired).
    fn connection_lost(&self) -> bool {
        self.conn.borrow().lost.get()
    }
}

/// Opens a connection to the database `name`; `gone` is told when another tab
/// upgrades or deletes it.
async fn connect(name: &str, gone: &Rc<RefCell<Option<StoreError>>>) -> Result<Conn, StoreError> {
    {
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
        let slot = Rc::clone(gone);
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
        let lost = Rc::new(Cell::new(false));
        let flag = Rc::clone(&lost);
        let on_close = Closure::<dyn FnMut()>::new(move || flag.set(true));
        call(&raw, "addEventListener", &[JsValue::from_str("close"), on_close.as_ref().clone()])
            .map_err(|_| StoreError::Unavailable("close listener".into()))?;
        Ok(Conn { db, raw, lost, _on_close: on_close })
    }
}

/// `db.transaction(stores, mode[, {durability: "strict"}])` on a raw connection.
fn open_transaction(raw: &JsValue, stores: &[&str], mode: &str) -> Result<JsValue, JsValue> {
    let open_tx: Function = Reflect::get(raw, &JsValue::from_str("transaction"))?.dyn_into()?;
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    if mode == "readwrite" {
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("durability"), &JsValue::from_str("strict"))?;
        open_tx.call3(raw, &names, &JsValue::from_str(mode), &options)
    } else {
        open_tx.call2(raw, &names, &JsValue::from_str(mode))
    }
}

impl IdbStore {
    /// Meta and the head, and with `bulk` every page too, in one read transaction.
    async fn read(&self, with_bulk: bool) -> Result<Loaded, StoreError> {
        self.check_open()?;
        // A database that cannot be read at all is unavailable; a read that fails
        // part-way means stored data the browser cannot give back: treat it as
        // damaged (the user is told not to clear browser data).
        let no_db = |e: idb::Error| StoreError::Unavailable(e.to_string());
        let unreadable = |e: idb::Error| StoreError::Corrupt(e.to_string());
        let stores: &[&str] = if with_bulk { &[DOCS, BULK, META] } else { &[DOCS, META] };
        let (_conn, tx) = self.transaction(stores, "readonly").await?;
        let tx = Transaction::try_from(tx).map_err(no_db)?;
        let docs = tx.object_store(DOCS).map_err(no_db)?;
        let meta = tx.object_store(META).map_err(no_db)?;
        // `into_future` attaches the success handlers now, before any of the
        // requests can finish: awaiting one must not miss another's event.
        let doc_values = docs.get_all(None, None).map_err(no_db)?.into_future();
        let bulk_values = match with_bulk {
            true => Some(tx.object_store(BULK).map_err(no_db)?.get_all(None, None).map_err(no_db)?.into_future()),
            false => None,
        };
        let meta_values = meta.get_all(None, None).map_err(no_db)?.into_future();
        let meta_keys = meta.get_all_keys(None, None).map_err(no_db)?.into_future();
        let mut docs = parse_docs(&doc_values.await.map_err(unreadable)?)?;
        if let Some(pages) = bulk_values {
            docs.extend(parse_pages(&pages.await.map_err(unreadable)?)?);
        }
        let meta_values = meta_values.await.map_err(unreadable)?;
        let meta_keys = meta_keys.await.map_err(unreadable)?;
        Ok(Loaded { docs, meta: parse_meta(&meta_keys, &meta_values)? })
    }
}

impl Store for IdbStore {
    fn kind(&self) -> &'static str {
        "indexeddb"
    }

    async fn load(&self) -> Result<Loaded, StoreError> {
        self.read(true).await
    }

    async fn load_head(&self) -> Result<Loaded, StoreError> {
        self.read(false).await
    }

    /// A batch of pages at a time (about [`BULK_PAGE`] docs, each batch its own read
    /// transaction, the next starting after the last key read), yielding to the
    /// page in between.
    async fn load_bulk(&self, progress: &dyn Fn(usize)) -> Result<Vec<Doc>, StoreError> {
        let no_db = |e: idb::Error| StoreError::Unavailable(e.to_string());
        let unreadable = |e: idb::Error| StoreError::Corrupt(e.to_string());
        let mut out = Vec::new();
        let mut after: Option<JsValue> = None;
        loop {
            let (_conn, tx) = self.transaction(&[BULK], "readonly").await?;
            let tx = Transaction::try_from(tx).map_err(no_db)?;
            let bulk = tx.object_store(BULK).map_err(no_db)?;
            let range = || -> Result<Option<idb::Query>, StoreError> {
                match &after {
                    None => Ok(None),
                    Some(k) => Ok(Some(idb::Query::KeyRange(idb::KeyRange::lower_bound(k, Some(true)).map_err(no_db)?))),
                }
            };
            let per_read = BULK_PAGE.div_ceil(pages::PAGE_TARGET as u32);
            let keys = bulk.get_all_keys(range()?, Some(per_read)).map_err(no_db)?.into_future();
            let values = bulk.get_all(range()?, Some(per_read)).map_err(no_db)?.into_future();
            let keys = keys.await.map_err(unreadable)?;
            let values = values.await.map_err(unreadable)?;
            out.extend(parse_pages(&values)?);
            progress(out.len());
            if values.len() < per_read as usize {
                return Ok(out);
            }
            after = keys.last().cloned();
            yield_now().await;
        }
    }

    /// One read transaction: a `get` per id in the head store and, for the bulk
    /// store, the page that would hold each id (`openCursor(upperBound(id), "prev")`),
    /// read once the transaction completed; each page decoded once.
    async fn load_ids(&self, ids: &[String]) -> Result<Vec<Doc>, StoreError> {
        let no_db = |e: JsValue| StoreError::Unavailable(js_value_name(&e).unwrap_or_else(|| "read".into()));
        let (_conn, raw_tx) = self.transaction(&[DOCS, BULK], "readonly").await?;
        let tx = Transaction::try_from(raw_tx.clone()).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let queued = (|| -> Result<Vec<(JsValue, JsValue)>, JsValue> {
            let head = call(&raw_tx, "objectStore", &[JsValue::from_str(DOCS)])?;
            let bulk = call(&raw_tx, "objectStore", &[JsValue::from_str(BULK)])?;
            let mut reads = Vec::with_capacity(ids.len());
            for id in ids {
                let key = JsValue::from_str(id);
                let got = call(&head, "get", &[key.clone()])?;
                let page = call(&bulk, "openCursor", &[key_range("upperBound", &[key])?, JsValue::from_str("prev")])?;
                reads.push((got, page));
            }
            Ok(reads)
        })();
        let reads = match queued {
            Ok(r) => r,
            Err(e) => {
                let _ = call(&raw_tx, "abort", &[]);
                return Err(no_db(e));
            }
        };
        // A read-only transaction completes once every request succeeded (a failed
        // one aborts it); the results are on the requests.
        finished(tx).await.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let result = |req: &JsValue| Reflect::get(req, &JsValue::from_str("result")).unwrap_or(JsValue::UNDEFINED);
        let mut pages: std::collections::HashMap<String, Vec<Doc>> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for (id, (got, page)) in ids.iter().zip(reads) {
            if let Some(t) = result(&got).as_string() {
                out.push(serde_json::from_str::<Doc>(&t).map_err(|e| StoreError::Corrupt(format!("doc: {e}")))?);
                continue;
            }
            let cursor = result(&page);
            if cursor.is_null() || cursor.is_undefined() {
                continue;
            }
            let key = Reflect::get(&cursor, &JsValue::from_str("key")).ok().and_then(|k| k.as_string()).unwrap_or_default();
            if !pages.contains_key(&key) {
                let value = Reflect::get(&cursor, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
                pages.insert(key.clone(), pages::decode(&page_bytes(&value)?)?);
            }
            out.extend(pages.get(&key).and_then(|docs| docs.iter().find(|d| &d.id == id)).cloned());
        }
        Ok(out)
    }

    /// Retried once on a new connection when the browser closed the connection
    /// while the transaction ran (it then wrote nothing).
    async fn commit(&self, docs: &[Doc], meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        match self.commit_owned(dedupe(docs), meta).await {
            Err(_) if self.connection_lost() && self.check_open().is_ok() => self.commit_owned(dedupe(docs), meta).await,
            done => done,
        }
    }

    /// Not retried after a connection lost mid-way (the docs are gone by then): the
    /// caller's error says to retry, and nothing was written.
    async fn commit_owned(&self, docs: Vec<Doc>, meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        self.check_open()?;
        let incoming = dedupe_owned(docs);
        let n = incoming.len();
        let schema = SCHEMA_VERSION.to_string();
        let meta: Vec<(&str, &str)> = meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain([(META_SCHEMA, schema.as_str())]).collect();
        // Head docs are read and written one by one; bulk docs go through their pages.
        let (mut head, mut head_at, mut bulk, mut bulk_at) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, d) in incoming.into_iter().enumerate() {
            if super::is_bulk(&d.kind) {
                bulk.push(d);
                bulk_at.push(i);
            } else {
                head.push(d);
                head_at.push(i);
            }
        }
        let bulk_range = pages::id_range(&bulk).map(|(lo, hi)| (lo.to_owned(), hi.to_owned()));

        let (_conn, raw_tx) = self.transaction(&[DOCS, BULK, META], "readwrite").await?;
        let tx = Transaction::try_from(raw_tx.clone()).map_err(|e| write_error(&e))?;
        let queued = (|| -> Result<(Stores, JsValue), JsValue> {
            let docs_store = call(&raw_tx, "objectStore", &[JsValue::from_str(DOCS)])?;
            let bulk_store = call(&raw_tx, "objectStore", &[JsValue::from_str(BULK)])?;
            let meta_store = call(&raw_tx, "objectStore", &[JsValue::from_str(META)])?;
            for (key, value) in &meta {
                call(&meta_store, "put", &[JsValue::from_str(value), JsValue::from_str(key)])?;
            }
            Ok((Stores { head: docs_store, bulk: bulk_store }, meta_store))
        })();
        let (stores, meta_store) = match queued {
            Ok(s) => s,
            Err(e) => return Err(abort_with(tx, &raw_tx, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "put".into()))).await),
        };

        // Shared by the request handlers: what got stored, how many parts are
        // outstanding (each head doc, and the bulk pages as one), and the first error.
        let parts = head.len() + usize::from(!bulk.is_empty());
        let state = Rc::new(RefCell::new(MergeState { stored: vec![None; n], left: parts, error: None, recorded: None, new: 0 }));
        let head = Rc::new(head);
        let fail = self.fail_next.replace(false);
        // The last step, after every doc was read and put: the new doc count into
        // meta — the recorded count plus the docs that were new, or (no count
        // recorded yet) a count of both stores, which runs after every put.
        let put_count = {
            let (meta_store, raw_tx, state) = (meta_store.clone(), raw_tx.clone(), Rc::clone(&state));
            move |count: u64| {
                if let Err(e) = call(&meta_store, "put", &[JsValue::from_str(&count.to_string()), JsValue::from_str(META_DOC_COUNT)]) {
                    fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "put".into())));
                    return;
                }
                if fail {
                    // Test hook: one more request that fails when it runs (its key was
                    // just written, so `add` raises ConstraintError), aborting the
                    // transaction after every write was queued, as a disk error would.
                    let _ = call(&meta_store, "add", &[JsValue::NULL, JsValue::from_str(META_SCHEMA)]);
                }
            }
        };
        let on_count = {
            let (put_count, raw_tx, state) = (put_count.clone(), raw_tx.clone(), Rc::clone(&state));
            // Runs for the bulk pages' getAll, queued after the head's count
            // (requests run in order), whose request rides along on it.
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let req = Reflect::get(&ev, &JsValue::from_str("target")).unwrap_or(JsValue::UNDEFINED);
                let head = Reflect::get(&req, &JsValue::from_str(HEAD_COUNT))
                    .and_then(|h| Reflect::get(&h, &JsValue::from_str("result")))
                    .ok()
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0);
                let pages: Vec<JsValue> = target_result(&ev).dyn_into::<Array>().map(|a| a.to_vec()).unwrap_or_default();
                let mut bulk = 0u64;
                for p in &pages {
                    match page_bytes(p).and_then(|t| pages::count(&t)) {
                        Ok(c) => bulk += c as u64,
                        Err(e) => return fail_in_handler(&raw_tx, &state, e),
                    }
                }
                put_count(head as u64 + bulk)
            })
        };
        let count = {
            let (stores, on_count, state, put_count) = (stores.clone(), on_count.as_ref().clone(), Rc::clone(&state), put_count.clone());
            move || -> Result<(), JsValue> {
                let (recorded, new) = {
                    let s = state.borrow();
                    (s.recorded, s.new)
                };
                match recorded {
                    Some(c) => put_count(c + new),
                    None => {
                        let head = call(&stores.head, "count", &[])?;
                        let req = call(&stores.bulk, "getAll", &[])?;
                        Reflect::set(&req, &JsValue::from_str(HEAD_COUNT), &head)?;
                        Reflect::set(&req, &JsValue::from_str("onsuccess"), &on_count)?;
                    }
                }
                Ok(())
            }
        };
        // One part done; the last one queues the count.
        let part_done = {
            let (state, count, raw_tx) = (Rc::clone(&state), count.clone(), raw_tx.clone());
            move || {
                let last = {
                    let mut s = state.borrow_mut();
                    s.left -= 1;
                    s.left == 0
                };
                if last {
                    if let Err(e) = count() {
                        fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "count".into())));
                    }
                }
            }
        };
        // Read first (requests run in order): the recorded count.
        let on_recorded = {
            let (state, count, raw_tx) = (Rc::clone(&state), count.clone(), raw_tx.clone());
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let recorded = target_result(&ev).as_string().and_then(|c| c.parse::<u64>().ok());
                state.borrow_mut().recorded = recorded;
                if n == 0 {
                    if let Err(e) = count() {
                        fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "count".into())));
                    }
                }
            })
        };
        let on_get = {
            let (stores, raw_tx, state, head, head_at, part_done) =
                (stores.clone(), raw_tx.clone(), Rc::clone(&state), Rc::clone(&head), head_at.clone(), part_done.clone());
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if state.borrow().error.is_some() {
                    return;
                }
                let req = Reflect::get(&ev, &JsValue::from_str("target")).unwrap_or(JsValue::UNDEFINED);
                let i = Reflect::get(&req, &JsValue::from_str(INDEX)).ok().and_then(|v| v.as_f64()).unwrap_or(-1.0);
                let Some(doc) = head.get(i as usize).filter(|_| i >= 0.0) else {
                    fail_in_handler(&raw_tx, &state, StoreError::WriteFailed("lost request index".into()));
                    return;
                };
                let result = target_result(&ev);
                let old = if result.is_undefined() {
                    state.borrow_mut().new += 1;
                    None
                } else {
                    match result.as_string().map(|t| serde_json::from_str::<Doc>(&t)) {
                        Some(Ok(d)) => Some(d),
                        Some(Err(e)) => return fail_in_handler(&raw_tx, &state, StoreError::Corrupt(format!("doc: {e}"))),
                        None => return fail_in_handler(&raw_tx, &state, StoreError::Corrupt("a stored doc is not text".into())),
                    }
                };
                let (merged, changed) = merge_with_stored(old, doc);
                if changed {
                    let json = match serde_json::to_string(&merged) {
                        Ok(j) => j,
                        Err(e) => return fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(e.to_string())),
                    };
                    if let Err(e) = call(&stores.head, "put", &[JsValue::from_str(&json), JsValue::from_str(&merged.id)]) {
                        return fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "put".into())));
                    }
                }
                state.borrow_mut().stored[head_at[i as usize]] = Some(merged);
                part_done();
            })
        };
        // The bulk docs, second to fourth requests: the keys of every page from the
        // one holding the smallest id to the largest id; then only the pages that
        // receive a doc (`pages::pages_to_read`), one `get` each; then the plan.
        // The docs are given to the plan once the pages are read (it runs once).
        let bulk = Rc::new(RefCell::new(Some(bulk)));
        let write_bulk: Rc<dyn Fn(Vec<(String, Vec<u8>)>)> = {
            let (stores, raw_tx, state, bulk, part_done) = (stores.clone(), raw_tx.clone(), Rc::clone(&state), Rc::clone(&bulk), part_done.clone());
            Rc::new(move |read: Vec<(String, Vec<u8>)>| {
                let Some(bulk) = bulk.borrow_mut().take() else { return };
                let write = match pages::plan(&read, bulk) {
                    Ok(w) => w,
                    Err(e) => return fail_in_handler(&raw_tx, &state, e),
                };
                let queued = (|| -> Result<(), JsValue> {
                    for k in &write.deletes {
                        call(&stores.bulk, "delete", &[JsValue::from_str(k)])?;
                    }
                    for (k, text) in &write.puts {
                        call(&stores.bulk, "put", &[page_value(text), JsValue::from_str(k)])?;
                    }
                    Ok(())
                })();
                if let Err(e) = queued {
                    return fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "put".into())));
                }
                {
                    let mut s = state.borrow_mut();
                    s.new += write.new;
                    for (at, d) in bulk_at.iter().zip(write.stored) {
                        s.stored[*at] = Some(d);
                    }
                }
                part_done();
            })
        };
        // The chosen pages' keys and their `get` requests, in key order. Requests run
        // in order, so when the last one succeeds every one before it has.
        let chosen: Rc<RefCell<Vec<(String, JsValue)>>> = Rc::new(RefCell::new(Vec::new()));
        let on_pages = {
            let (raw_tx, state, chosen, write_bulk) = (raw_tx.clone(), Rc::clone(&state), Rc::clone(&chosen), Rc::clone(&write_bulk));
            Closure::<dyn FnMut(JsValue)>::new(move |_ev: JsValue| {
                if state.borrow().error.is_some() {
                    return;
                }
                let chosen = std::mem::take(&mut *chosen.borrow_mut());
                let mut read = Vec::with_capacity(chosen.len());
                for (key, req) in chosen {
                    let value = Reflect::get(&req, &JsValue::from_str("result")).unwrap_or(JsValue::UNDEFINED);
                    match page_bytes(&value) {
                        Ok(v) => read.push((key, v)),
                        Err(e) => return fail_in_handler(&raw_tx, &state, e),
                    }
                }
                write_bulk(read)
            })
        };
        let on_keys = {
            let (stores, raw_tx, state, bulk, chosen, on_pages, write_bulk) =
                (stores.clone(), raw_tx.clone(), Rc::clone(&state), Rc::clone(&bulk), Rc::clone(&chosen), on_pages.as_ref().clone(), Rc::clone(&write_bulk));
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if state.borrow().error.is_some() {
                    return;
                }
                let Ok(keys) = target_result(&ev).dyn_into::<Array>() else {
                    return fail_in_handler(&raw_tx, &state, StoreError::Corrupt("the bulk page keys could not be read".into()));
                };
                let mut all = Vec::with_capacity(keys.length() as usize);
                for k in keys.iter() {
                    match k.as_string() {
                        Some(k) => all.push(k),
                        None => return fail_in_handler(&raw_tx, &state, StoreError::Corrupt("a page key is not text".into())),
                    }
                }
                let picked = match bulk.borrow().as_deref() {
                    Some(docs) => pages::pages_to_read(&all, docs),
                    None => return,
                };
                if picked.is_empty() {
                    return write_bulk(Vec::new());
                }
                let queued = (|| -> Result<(), JsValue> {
                    let mut chosen = chosen.borrow_mut();
                    for i in picked {
                        let req = call(&stores.bulk, "get", &[JsValue::from_str(&all[i])])?;
                        chosen.push((std::mem::take(&mut all[i]), req));
                    }
                    if let Some((_, last)) = chosen.last() {
                        Reflect::set(last, &JsValue::from_str("onsuccess"), &on_pages)?;
                    }
                    Ok(())
                })();
                if let Err(e) = queued {
                    fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "get".into())));
                }
            })
        };
        // First request for the bulk docs: the key of the page holding the smallest id
        // (the greatest key not above it), if any.
        let on_first_page = {
            let (stores, raw_tx, state, on_keys, bulk_range) =
                (stores.clone(), raw_tx.clone(), Rc::clone(&state), on_keys.as_ref().clone(), bulk_range.clone());
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if state.borrow().error.is_some() {
                    return;
                }
                let Some((lo, hi)) = &bulk_range else { return };
                let cursor = target_result(&ev);
                let from = if cursor.is_null() || cursor.is_undefined() {
                    JsValue::from_str(lo)
                } else {
                    Reflect::get(&cursor, &JsValue::from_str("key")).unwrap_or_else(|_| JsValue::from_str(lo))
                };
                let queued = (|| -> Result<(), JsValue> {
                    let range = key_range("bound", &[from, JsValue::from_str(hi)])?;
                    let keys = call(&stores.bulk, "getAllKeys", &[range])?;
                    Reflect::set(&keys, &JsValue::from_str("onsuccess"), &on_keys)?;
                    Ok(())
                })();
                if let Err(e) = queued {
                    fail_in_handler(&raw_tx, &state, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "get".into())));
                }
            })
        };
        // Queue every read now; each handler merges and writes its part. A request's
        // success handler runs while the transaction is active, so the puts (and the
        // final count) join this same transaction.
        let queued = (|| -> Result<(), JsValue> {
            let req = call(&meta_store, "get", &[JsValue::from_str(META_DOC_COUNT)])?;
            Reflect::set(&req, &JsValue::from_str("onsuccess"), on_recorded.as_ref())?;
            for (i, d) in head.iter().enumerate() {
                let req = call(&stores.head, "get", &[JsValue::from_str(&d.id)])?;
                Reflect::set(&req, &JsValue::from_str(INDEX), &JsValue::from_f64(i as f64))?;
                Reflect::set(&req, &JsValue::from_str("onsuccess"), on_get.as_ref())?;
            }
            if let Some((lo, _)) = &bulk_range {
                let range = key_range("upperBound", &[JsValue::from_str(lo)])?;
                let req = call(&stores.bulk, "openCursor", &[range, JsValue::from_str("prev")])?;
                Reflect::set(&req, &JsValue::from_str("onsuccess"), on_first_page.as_ref())?;
            }
            Ok(())
        })();
        if let Err(e) = queued {
            return Err(abort_with(tx, &raw_tx, StoreError::WriteFailed(js_value_name(&e).unwrap_or_else(|| "get".into()))).await);
        }
        let done = finished(tx).await;
        // The handlers lived until here; the transaction has ended.
        drop((on_get, on_count, on_recorded, on_pages, on_keys, on_first_page));
        let mut s = state.borrow_mut();
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        done?;
        std::mem::take(&mut s.stored).into_iter().map(|d| d.ok_or_else(|| StoreError::WriteFailed("a doc was not written".into()))).collect()
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let no_db = |e: idb::Error| StoreError::Unavailable(e.to_string());
        let (_conn, tx) = self.transaction(&[META], "readonly").await?;
        let tx = Transaction::try_from(tx).map_err(no_db)?;
        let store = tx.object_store(META).map_err(no_db)?;
        let value: Option<JsValue> = store.get(JsValue::from_str(key)).map_err(no_db)?.await.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        match value {
            None => Ok(None),
            Some(v) if v.is_undefined() => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| StoreError::Corrupt("a meta value is not text".into())),
        }
    }

    async fn clear(&self) -> Result<(), StoreError> {
        let (_conn, tx) = self.transaction(&[DOCS, BULK, META, PHOTOS, PHOTO_SIZES], "readwrite").await?;
        let tx = Transaction::try_from(tx).map_err(|e| write_error(&e))?;
        let queued = [DOCS, BULK, META, PHOTOS, PHOTO_SIZES].iter().try_for_each(|name| tx.object_store(name).and_then(|s| s.clear()).map(drop));
        if let Err(e) = queued {
            if let Ok(tx) = tx.abort() {
                let _ = finished(tx).await;
            }
            return Err(write_error(&e));
        }
        finished(tx).await
    }

    /// One readwrite transaction over both photo stores (strict durability), the
    /// bytes and the length of each; retried once on a new connection if the
    /// connection was lost meanwhile (a put of the same bytes is idempotent).
    async fn put_photos(&self, photos: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        super::check_photos(photos)?;
        if photos.is_empty() {
            return Ok(());
        }
        match self.put_photos_once(photos).await {
            Err(_) if self.connection_lost() => self.put_photos_once(photos).await,
            r => r,
        }
    }

    async fn photo(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let no_db = |e: idb::Error| StoreError::Unavailable(e.to_string());
        let (_conn, tx) = self.transaction(&[PHOTOS], "readonly").await?;
        let tx = Transaction::try_from(tx).map_err(no_db)?;
        let value =
            tx.object_store(PHOTOS).map_err(no_db)?.get(JsValue::from_str(hash)).map_err(no_db)?.await.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        match value {
            None => Ok(None),
            Some(v) if v.is_undefined() => Ok(None),
            Some(v) if v.is_instance_of::<js_sys::Uint8Array>() || v.is_instance_of::<js_sys::ArrayBuffer>() => Ok(Some(js_sys::Uint8Array::new(&v).to_vec())),
            Some(_) => Err(StoreError::Corrupt("a stored photo is not bytes".into())),
        }
    }

    async fn photo_index(&self) -> Result<Vec<(String, u32)>, StoreError> {
        let no_db = |e: idb::Error| StoreError::Unavailable(e.to_string());
        let unreadable = |e: idb::Error| StoreError::Corrupt(e.to_string());
        let (_conn, tx) = self.transaction(&[PHOTO_SIZES], "readonly").await?;
        let tx = Transaction::try_from(tx).map_err(no_db)?;
        let sizes = tx.object_store(PHOTO_SIZES).map_err(no_db)?;
        let keys = sizes.get_all_keys(None, None).map_err(no_db)?.into_future();
        let values = sizes.get_all(None, None).map_err(no_db)?.into_future();
        let (keys, values) = (keys.await.map_err(unreadable)?, values.await.map_err(unreadable)?);
        keys.iter()
            .zip(values.iter())
            .map(|(k, v)| match (k.as_string(), v.as_f64()) {
                (Some(k), Some(n)) if n >= 0.0 && n <= f64::from(u32::MAX) => Ok((k, n as u32)),
                _ => Err(StoreError::Corrupt("a photo's stored length is not a number".into())),
            })
            .collect()
    }

    async fn remove_photos(&self, hashes: &[String]) -> Result<(), StoreError> {
        if hashes.is_empty() {
            return Ok(());
        }
        let (_conn, tx) = self.transaction(&[PHOTOS, PHOTO_SIZES], "readwrite").await?;
        let tx = Transaction::try_from(tx).map_err(|e| write_error(&e))?;
        let queued = hashes
            .iter()
            .try_for_each(|h| [PHOTOS, PHOTO_SIZES].iter().try_for_each(|name| tx.object_store(name).and_then(|s| s.delete(JsValue::from_str(h))).map(drop)));
        if let Err(e) = queued {
            if let Ok(tx) = tx.abort() {
                let _ = finished(tx).await;
            }
            return Err(write_error(&e));
        }
        finished(tx).await
    }
}

impl IdbStore {
    async fn put_photos_once(&self, photos: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        let (_conn, tx) = self.transaction(&[PHOTOS, PHOTO_SIZES], "readwrite").await?;
        let tx = Transaction::try_from(tx).map_err(|e| write_error(&e))?;
        let queued = photos.iter().try_for_each(|(hash, bytes)| {
            let key = JsValue::from_str(hash);
            let value: JsValue = js_sys::Uint8Array::from(bytes.as_slice()).into();
            tx.object_store(PHOTOS)
                .and_then(|s| s.put(&value, Some(&key)))
                .and_then(|_| tx.object_store(PHOTO_SIZES))
                .and_then(|s| s.put(&JsValue::from_f64(bytes.len() as f64), Some(&key)))
                .map(drop)
        });
        if let Err(e) = queued {
            if let Ok(tx) = tx.abort() {
                let _ = finished(tx).await;
            }
            return Err(write_error(&e));
        }
        finished(tx).await
    }
}

/// Creates the object stores missing at this version (run in `upgradeneeded`),
/// and when `bulk` is new to a database that has docs, moves the bulk kinds' docs
/// into it (see [`DB_VERSION`], `move_to_layout_3`).
fn create_stores(event: &VersionChangeEvent) -> Result<(), idb::Error> {
    let db = event.database()?;
    let existing = db.store_names();
    let has = |name: &str| existing.iter().any(|s| s == name);
    if has(DOCS) && !has(BULK) {
        // Layout ≤ 2 → 3 (see `move_to_layout_3`): the old `docs` steps aside first.
        let raw = JsValue::from(event.clone());
        let tx = Reflect::get(&raw, &JsValue::from_str("target"))
            .and_then(|t| Reflect::get(&t, &JsValue::from_str("transaction")))
            .map_err(idb::Error::UpdateFailed)?;
        let old = call(&tx, "objectStore", &[JsValue::from_str(DOCS)]).map_err(idb::Error::UpdateFailed)?;
        Reflect::set(&old, &JsValue::from_str("name"), &JsValue::from_str(DOCS_V2)).map_err(idb::Error::UpdateFailed)?;
        db.create_object_store(DOCS, ObjectStoreParams::new())?;
        db.create_object_store(BULK, ObjectStoreParams::new())?;
        let raw_db =
            Reflect::get(&raw, &JsValue::from_str("target")).and_then(|t| Reflect::get(&t, &JsValue::from_str("result"))).map_err(idb::Error::UpdateFailed)?;
        move_to_layout_3(&tx, &raw_db).map_err(idb::Error::UpdateFailed)?;
    }
    for store in [DOCS, BULK, META, PHOTOS, PHOTO_SIZES] {
        if !db.store_names().iter().any(|s| s == store) {
            // Default parameters: no key path, so keys are given on each put.
            db.create_object_store(store, ObjectStoreParams::new())?;
        }
    }
    Ok(())
}

/// Name the layout-2 `docs` store has during the upgrade to layout 3.
const DOCS_V2: &str = "docs_v2";

/// Layout 3's upgrade step, inside the versionchange transaction `tx`: the old
/// `docs` (renamed [`DOCS_V2`]) is read whole; its head docs go into the new
/// `docs` one by one and its bulk docs into `bulk`, packed into pages (their texts
/// as they were, in key order); then the old store is deleted — a store deletion
/// instead of a delete per moved doc. A doc whose kind cannot be read stays with
/// the head (loading reports it as damaged, as before). Any failure aborts `tx`,
/// and with it the whole upgrade: the database stays at its old version, untouched.
fn move_to_layout_3(tx: &JsValue, db: &JsValue) -> Result<(), JsValue> {
    let old = call(tx, "objectStore", &[JsValue::from_str(DOCS_V2)])?;
    let docs = call(tx, "objectStore", &[JsValue::from_str(DOCS)])?;
    let bulk = call(tx, "objectStore", &[JsValue::from_str(BULK)])?;
    let keys = call(&old, "getAllKeys", &[])?;
    let values = call(&old, "getAll", &[])?;
    // Requests run in order: when the values arrive, the keys have.
    let on_values = {
        let (keys, tx, db) = (keys.clone(), tx.clone(), db.clone());
        Closure::once_into_js(move |ev: JsValue| {
            let moved = (|| -> Result<(), JsValue> {
                let keys: Array = Reflect::get(&keys, &JsValue::from_str("result"))?.dyn_into()?;
                let values: Array = target_result(&ev).dyn_into()?;
                // getAll lists the docs in key order, which pages keep.
                let mut moving = Vec::new();
                for (k, v) in keys.iter().zip(values.iter()) {
                    let bulk_doc = v.as_string().and_then(|t| kind_of(&t).filter(|kind| super::is_bulk(kind)).map(|_| t));
                    match (k.as_string(), bulk_doc) {
                        (Some(key), Some(text)) => moving.push((key, text)),
                        _ => {
                            call(&docs, "put", &[v, k])?;
                        }
                    }
                }
                for (key, text) in pages::pack(&moving) {
                    call(&bulk, "put", &[page_value(&text), JsValue::from_str(&key)])?;
                }
                call(&db, "deleteObjectStore", &[JsValue::from_str(DOCS_V2)])?;
                Ok(())
            })();
            if moved.is_err() {
                let _ = call(&tx, "abort", &[]);
            }
        })
    };
    Reflect::set(&values, &JsValue::from_str("onsuccess"), &on_values)?;
    Ok(())
}

/// The `kind` of a stored doc's JSON text, without decoding its fields.
fn kind_of(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct KindOf {
        kind: String,
    }
    serde_json::from_str::<KindOf>(text).ok().map(|k| k.kind)
}

/// The head and bulk object stores of one transaction.
#[derive(Clone)]
struct Stores {
    head: JsValue,
    bulk: JsValue,
}

/// Decodes stored doc texts.
fn parse_docs(values: &[JsValue]) -> Result<Vec<Doc>, StoreError> {
    values
        .iter()
        .map(|v| {
            let t = v.as_string().ok_or_else(|| StoreError::Corrupt("a stored doc is not text".into()))?;
            serde_json::from_str::<Doc>(&t).map_err(|e| StoreError::Corrupt(format!("doc: {e}")))
        })
        .collect()
}

/// Decodes stored pages (see [`pages`]) into their docs.
fn parse_pages(values: &[JsValue]) -> Result<Vec<Doc>, StoreError> {
    let mut docs = Vec::new();
    for v in values {
        docs.extend(pages::decode(&page_bytes(v)?)?);
    }
    Ok(docs)
}

/// A page as stored: its UTF-8 JSON text as bytes (an `ArrayBuffer` is copied, not
/// converted, on its way into IndexedDB and back into wasm memory, and takes half
/// the room of a JS string of mostly ASCII text, which Chromium keeps as UTF-16
/// once it holds one Chinese character).
fn page_value(text: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(text).buffer().into()
}

/// The bytes of a stored page.
fn page_bytes(v: &JsValue) -> Result<Vec<u8>, StoreError> {
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        Ok(js_sys::Uint8Array::new(v).to_vec())
    } else {
        Err(StoreError::Corrupt("a stored page is not bytes".into()))
    }
}

/// Meta keys and values read by getAllKeys and getAll in one transaction (which
/// list the same records in key order). Inserted one by one: collecting into a
/// BTreeMap compiles a sort of its own.
fn parse_meta(keys: &[JsValue], values: &[JsValue]) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    let text = |v: &JsValue, what: &str| v.as_string().ok_or_else(|| StoreError::Corrupt(format!("{what} is not text")));
    let mut meta = std::collections::BTreeMap::new();
    for (k, v) in keys.iter().zip(values) {
        meta.insert(text(k, "a meta key")?, text(v, "a meta value")?);
    }
    Ok(meta)
}

/// Lets the page run (a macrotask turn) before going on.
async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _| {
        let set_timeout = Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout")).ok().and_then(|f| f.dyn_into::<Function>().ok());
        match set_timeout {
            Some(f) if f.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(0.0)).is_ok() => {}
            _ => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Expando property of a commit's bulk-pages request holding the head's `count()`.
const HEAD_COUNT: &str = "duzhanHeadCount";

/// `IDBKeyRange[method](...args)`.
fn key_range(method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let class = Reflect::get(&js_sys::global(), &JsValue::from_str("IDBKeyRange"))?;
    call(&class, method, args)
}

/// Name of the expando property that tells a `get` request's handler which doc it read.
const INDEX: &str = "duzhanIndex";

/// What the handlers of one commit share.
struct MergeState {
    stored: Vec<Option<Doc>>,
    left: usize,
    error: Option<StoreError>,
    /// Meta `doc_count` before this commit (`None`: not recorded yet).
    recorded: Option<u64>,
    /// Docs this commit adds.
    new: u64,
}

/// Calls `target[method](...args)`.
fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &JsValue::from_str(method))?.dyn_into()?;
    f.apply(target, &args.iter().collect::<Array>())
}

/// `event.target.result`.
fn target_result(ev: &JsValue) -> JsValue {
    Reflect::get(ev, &JsValue::from_str("target")).and_then(|t| Reflect::get(&t, &JsValue::from_str("result"))).unwrap_or(JsValue::UNDEFINED)
}

/// Records the first error of a commit and aborts its transaction.
fn fail_in_handler(raw_tx: &JsValue, state: &Rc<RefCell<MergeState>>, e: StoreError) {
    let mut s = state.borrow_mut();
    if s.error.is_none() {
        s.error = Some(e);
    }
    drop(s);
    let _ = call(raw_tx, "abort", &[]);
}

/// Aborts a transaction, waits until it ended (so the old data is back when the
/// caller sees the error), and returns `e`.
async fn abort_with(tx: Transaction, raw_tx: &JsValue, e: StoreError) -> StoreError {
    if call(raw_tx, "abort", &[]).is_ok() {
        let _ = finished(tx).await;
    }
    e
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
