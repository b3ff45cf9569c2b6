//! Storage (存储): one trait, three implementations, one contract suite.
//!
//! - [`MemoryStore`]: in memory, for native tests;
//! - `idb::IdbStore` (wasm32): IndexedDB, the primary store;
//! - `local::LocalStore` (wasm32): localStorage through gloo-storage, the fallback
//!   when IndexedDB is unavailable (private modes, old WebViews).
//!
//! Every implementation must pass [`contract`]. A `commit` is atomic and durable
//! when it returns `Ok`: all its docs and meta values are written, or none are.
//! A commit *merges* each doc with the stored one (合并写入) inside the same
//! transaction, with the core's pure [`Doc::merge`], so a commit staged from a
//! stale copy (another tab committed the same record a moment before) can never
//! overwrite what is stored: both writes survive, as merge defines.
//! Stored data carries a schema version from the first release; [`migrate`] is
//! the chain of `vN -> vN+1` steps run on load, written back by `boot::open`.

pub mod boot;
pub mod campaigns;
pub mod contract;
pub mod pages;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod idb;
#[cfg(target_arch = "wasm32")]
pub mod local;
#[cfg(target_arch = "wasm32")]
pub mod lock;

use crate::core::doc::Doc;
use crate::core::i18n::{Lang, UserMessage};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The schema version this build writes and reads.
///
/// - v1: docs and meta (device id, squad name, clock, sync ledger).
/// - v2: meta [`META_DOC_COUNT`], the number of stored docs, kept by every commit
///   in the same transaction, so a load that finds fewer docs knows records were
///   lost (see `boot::DeviceInfo::missing_records`).
pub const SCHEMA_VERSION: u32 = 2;
/// Meta key of the schema version (every store writes it on each commit).
pub const META_SCHEMA: &str = "schema_version";
/// Meta key (v2) of the number of docs the store holds, written by every commit.
pub const META_DOC_COUNT: &str = "doc_count";

/// What can go wrong in storage.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The browser offers no usable storage (disabled, private mode, blocked by policy).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The device's storage quota is full.
    #[error("storage quota exceeded")]
    QuotaExceeded,
    /// Another tab holds an older version of the database open.
    #[error("database upgrade blocked by another tab")]
    Blocked,
    /// The stored data was written by a newer version of the app.
    #[error("stored schema version {found} is newer than this app's {supported}")]
    NewerSchema { found: u32, supported: u32 },
    /// Stored bytes that do not parse.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A write failed for another reason; nothing was written.
    #[error("write failed: {0}")]
    WriteFailed(String),
    /// The browser closed the connection to the database (an iPad that slept) and
    /// reopening it, or the one retry on the new connection, failed; nothing was written.
    #[error("the database connection was lost: {0}")]
    ConnectionLost(String),
    /// This store cannot keep photos (localStorage: a few MB for everything).
    #[error("this store cannot keep photos")]
    PhotosUnsupported,
}

impl UserMessage for StoreError {
    fn message(&self, lang: Lang) -> String {
        StoreError::message(self, lang)
    }
}

impl StoreError {
    /// What the user sees: what happened, that nothing half-written remains, what to do.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Self::Unavailable(_) => {
                if zh {
                    "浏览器不允许本应用保存数据（可能处于无痕/隐私模式或存储被禁用）。请改用普通窗口打开，或在浏览器设置中允许本网站存储数据。".into()
                } else {
                    "The browser does not let this app store data (private mode or storage disabled). Open it in a normal window or allow site storage.".into()
                }
            }
            Self::QuotaExceeded => {
                if zh {
                    "设备存储空间已满，本次修改未保存。请导出数据备份后清理设备空间，再重试。".into()
                } else {
                    "Device storage is full; this change was not saved. Export a backup, free space, then retry.".into()
                }
            }
            Self::Blocked => {
                if zh {
                    "本应用在另一个标签页中以旧版本打开，数据库无法升级。请关闭其他标签页后刷新本页。".into()
                } else {
                    "Another tab runs an older version; close other tabs and reload.".into()
                }
            }
            Self::NewerSchema { .. } => {
                if zh {
                    "本机数据由更新版本的应用写入，当前版本无法读取。请刷新页面以加载最新版本，数据不会丢失。".into()
                } else {
                    "Local data was written by a newer app version. Reload to get the latest version; no data is lost.".into()
                }
            }
            Self::Corrupt(_) => {
                if zh {
                    "本机数据已损坏，无法读取。请不要清除浏览器数据，并联系州扶贫办技术人员协助恢复。".into()
                } else {
                    "Local data is damaged and cannot be read. Do not clear browser data; contact support to recover it.".into()
                }
            }
            Self::WriteFailed(_) => {
                if zh {
                    "保存失败，本次修改未写入（已有数据不受影响）。请重试；如多次失败，请导出数据备份。".into()
                } else {
                    "Saving failed; this change was not written (existing data is intact). Retry; if it keeps failing, export a backup.".into()
                }
            }
            Self::ConnectionLost(_) => {
                if zh {
                    "与本机数据库的连接已断开（平板休眠后常见），自动重连未成功，本次修改未写入（已有数据不受影响）。请刷新页面后重试。".into()
                } else {
                    "The connection to the local database was lost (common after the tablet slept) and could not be restored; this change was not written (existing data is intact). Reload the page and retry.".into()
                }
            }
            Self::PhotosUnsupported => {
                if zh {
                    "此浏览器只能用localStorage保存数据，放不下照片；照片未保存，记录照常保存。请改用支持IndexedDB的浏览器（如新版Chrome或Safari）附加照片。"
                        .into()
                } else {
                    "This browser stores data in localStorage only, which cannot hold photos; the photo was not stored (records are). Attach photos in a browser with IndexedDB (a current Chrome or Safari).".into()
                }
            }
        }
    }
}

/// Everything a store holds. Serialises as `{"meta": {...}, "docs": [...]}`, the
/// form of the stored-data fixtures (`tests/fixtures/storage_v1.json`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Loaded {
    pub docs: Vec<Doc>,
    pub meta: BTreeMap<String, String>,
}

impl Loaded {
    /// The schema version recorded in meta; `None` for a store never written.
    pub fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        match self.meta.get(META_SCHEMA) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("schema version {v:?}"))),
        }
    }
}

/// The bulk kinds and the test for them live with the record ([`crate::core::doc::BULK_KINDS`]).
pub use crate::core::doc::{is_bulk, BULK_KINDS};

/// Bulk docs a paging store (IndexedDB) reads per request in `load_bulk`, letting
/// the page run in between, so the app stays responsive while they are read.
pub const BULK_PAGE: u32 = 8_000;

/// A place the replica is kept. Futures are not `Send`: browsers are single-threaded.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Short name shown in settings ("indexeddb", "localstorage", "memory").
    fn kind(&self) -> &'static str;
    /// Reads every doc and meta value.
    async fn load(&self) -> Result<Loaded, StoreError>;
    /// Reads every meta value and the docs of every kind except the bulk kinds
    /// ([`BULK_KINDS`]): what a cold start needs before its first view. Stores
    /// that keep the two apart (IndexedDB) read only the head.
    async fn load_head(&self) -> Result<Loaded, StoreError> {
        let mut l = self.load().await?;
        l.docs.retain(|d| !is_bulk(&d.kind));
        Ok(l)
    }
    /// Reads the docs of the bulk kinds. Together with [`load_head`](Self::load_head)
    /// (run first) it reads at least every doc stored before the head was read.
    /// `progress` hears how many docs are read so far (stores that read in batches
    /// tell it after each).
    async fn load_bulk(&self, progress: &dyn Fn(usize)) -> Result<Vec<Doc>, StoreError> {
        let mut docs = self.load().await?.docs;
        docs.retain(|d| is_bulk(&d.kind));
        progress(docs.len());
        Ok(docs)
    }
    /// Writes docs and meta values atomically, and records [`SCHEMA_VERSION`] and
    /// [`META_DOC_COUNT`]. Each doc is merged with the stored doc of its id (in the
    /// same transaction) and the merge is what is written. Returns, once the write
    /// is durable, the docs as stored: one per distinct id, in first-seen order.
    async fn commit(&self, docs: &[Doc], meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError>;
    /// Reads the stored docs of `ids` (ids not stored are skipped): what another
    /// tab just committed, without reading everything. Stores that can look docs
    /// up (IndexedDB) read only those.
    async fn load_ids(&self, ids: &[String]) -> Result<Vec<Doc>, StoreError> {
        let want: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut docs = self.load().await?.docs;
        docs.retain(|d| want.contains(d.id.as_str()));
        Ok(docs)
    }
    /// [`commit`](Self::commit) of docs the caller gives away (a save's or an
    /// import's change): the same write, without copying them first.
    async fn commit_owned(&self, docs: Vec<Doc>, meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        self.commit(&docs, meta).await
    }
    /// Reads one meta value (cheap: not the docs).
    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Removes everything, photos included.
    async fn clear(&self) -> Result<(), StoreError>;

    /// Puts photo bytes (照片) under their addresses (SHA-256 of the bytes,
    /// `core::fieldwork::photo::photo_hash`), apart from the docs, in one durable
    /// write: all or none. A photo already held stays as it is (same address, same
    /// bytes). Bytes that do not hash to their address refuse the whole batch
    /// ([`check_photos`]). Stores that cannot keep photos say so.
    async fn put_photos(&self, photos: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        let _ = photos;
        Err(StoreError::PhotosUnsupported)
    }
    /// One photo's bytes, if held.
    async fn photo(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let _ = hash;
        Ok(None)
    }
    /// Every photo held, as (address, length), in address order: what settings
    /// counts and what this device can say it holds, without reading the bytes.
    async fn photo_index(&self) -> Result<Vec<(String, u32)>, StoreError> {
        Ok(Vec::new())
    }
    /// Removes the photos at `hashes` (those no record refers to any more); an
    /// address not held is skipped.
    async fn remove_photos(&self, hashes: &[String]) -> Result<(), StoreError> {
        let _ = hashes;
        Ok(())
    }
}

/// Refuses a batch of photos any of whose bytes do not hash to their address (or
/// whose address is not one), or that are above the stored-photo cap.
pub fn check_photos(photos: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
    use crate::core::fieldwork::photo::{is_hash, photo_hash, MAX_STORED_BYTES};
    for (hash, bytes) in photos {
        if !is_hash(hash) || bytes.len() > MAX_STORED_BYTES as usize || photo_hash(bytes) != *hash {
            return Err(StoreError::WriteFailed(format!("photo {} does not match its address", hash.get(..12).unwrap_or(hash))));
        }
    }
    Ok(())
}

/// Merges docs of the same id within one batch (a commit writes each id once).
/// Keeps the order in which ids first appear.
pub fn dedupe(docs: &[Doc]) -> Vec<Doc> {
    let mut out: Vec<Doc> = Vec::with_capacity(docs.len());
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::with_capacity(docs.len());
    for d in docs {
        match at.get(d.id.as_str()) {
            Some(&i) => out[i] = Doc::merge(&out[i], d),
            None => {
                at.insert(&d.id, out.len());
                out.push(d.clone());
            }
        }
    }
    out
}

/// [`dedupe`] of docs the caller gives away: returned as they are when no id
/// repeats (an import's change, a save), without copying them.
pub fn dedupe_owned(docs: Vec<Doc>) -> Vec<Doc> {
    let mut seen = std::collections::HashSet::with_capacity(docs.len());
    if docs.iter().all(|d| seen.insert(d.id.as_str())) {
        return docs;
    }
    dedupe(&docs)
}

/// What a commit writes for `incoming` given the stored doc of its id: the merge,
/// and whether it differs from what is stored (an unchanged doc is not rewritten).
pub fn merge_with_stored(stored: Option<Doc>, incoming: &Doc) -> (Doc, bool) {
    match stored {
        None => (incoming.clone(), true),
        Some(s) => {
            let merged = Doc::merge(&s, incoming);
            let changed = merged != s;
            (merged, changed)
        }
    }
}

/// One migration step: turns data at version N into version N+1.
pub type Step = fn(Loaded) -> Result<Loaded, StoreError>;
/// `MIGRATIONS[i]` upgrades version `i + 1` to `i + 2`.
pub const MIGRATIONS: &[Step] = &[v1_to_v2];

/// v1 -> v2: records how many docs the store holds ([`META_DOC_COUNT`]). Stores
/// keep it from then on with every commit.
fn v1_to_v2(mut loaded: Loaded) -> Result<Loaded, StoreError> {
    loaded.meta.insert(META_DOC_COUNT.into(), loaded.docs.len().to_string());
    Ok(loaded)
}

/// Brings loaded data to [`SCHEMA_VERSION`], or refuses data from a newer app.
pub fn migrate(loaded: Loaded) -> Result<Loaded, StoreError> {
    migrate_with(loaded, MIGRATIONS)
}

/// [`migrate`] with a given chain (tests inject a failing step).
pub fn migrate_with(mut loaded: Loaded, steps: &[Step]) -> Result<Loaded, StoreError> {
    let Some(mut v) = loaded.schema_version()? else {
        return Ok(loaded);
    };
    if v > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: v, supported: SCHEMA_VERSION });
    }
    if v == 0 {
        return Err(StoreError::Corrupt("schema version 0".into()));
    }
    while v < SCHEMA_VERSION {
        let step = steps.get((v - 1) as usize).ok_or_else(|| StoreError::Corrupt(format!("no migration from v{v}")))?;
        loaded = step(loaded)?;
        v += 1;
        loaded.meta.insert(META_SCHEMA.into(), v.to_string());
    }
    Ok(loaded)
}

#[derive(Default)]
struct MemoryInner {
    docs: BTreeMap<String, String>,
    meta: BTreeMap<String, String>,
    photos: BTreeMap<String, Vec<u8>>,
    fail_next: Option<StoreError>,
}

/// An in-memory store. Clones share the same data, like two handles on one database.
/// Docs are kept as JSON text so it catches anything that would not serialise.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Rc<RefCell<MemoryInner>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding exactly `dump` (docs and meta as given, schema version
    /// included): how tests set up data written by an older version.
    pub fn from_dump(dump: &Loaded) -> Self {
        let s = Self::new();
        {
            let mut inner = s.inner.borrow_mut();
            for d in &dump.docs {
                inner.docs.insert(d.id.clone(), serde_json::to_string(d).unwrap_or_default());
            }
            inner.meta = dump.meta.clone();
        }
        s
    }

    /// Makes the next commit fail with `err`, writing nothing (for tests of failure handling).
    pub fn fail_next_commit(&self, err: StoreError) {
        self.inner.borrow_mut().fail_next = Some(err);
    }
}

impl Store for MemoryStore {
    fn kind(&self) -> &'static str {
        "memory"
    }

    async fn load(&self) -> Result<Loaded, StoreError> {
        let inner = self.inner.borrow();
        let docs = inner.docs.values().map(|s| serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))).collect::<Result<Vec<Doc>, _>>()?;
        Ok(Loaded { docs, meta: inner.meta.clone() })
    }

    async fn commit(&self, docs: &[Doc], meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        let mut inner = self.inner.borrow_mut();
        if let Some(e) = inner.fail_next.take() {
            return Err(e);
        }
        // Merge and serialise everything first so a failure writes nothing.
        let mut stored = Vec::new();
        let mut encoded = Vec::new();
        for d in dedupe(docs) {
            let old = match inner.docs.get(&d.id) {
                Some(s) => Some(serde_json::from_str::<Doc>(s).map_err(|e| StoreError::Corrupt(e.to_string()))?),
                None => None,
            };
            let (merged, changed) = merge_with_stored(old, &d);
            if changed {
                encoded.push((merged.id.clone(), serde_json::to_string(&merged).map_err(|e| StoreError::WriteFailed(e.to_string()))?));
            }
            stored.push(merged);
        }
        inner.docs.extend(encoded);
        for (k, v) in meta {
            inner.meta.insert(k.clone(), v.clone());
        }
        inner.meta.insert(META_SCHEMA.into(), SCHEMA_VERSION.to_string());
        let count = inner.docs.len().to_string();
        inner.meta.insert(META_DOC_COUNT.into(), count);
        Ok(stored)
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.inner.borrow().meta.get(key).cloned())
    }

    async fn clear(&self) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        inner.docs.clear();
        inner.meta.clear();
        inner.photos.clear();
        Ok(())
    }

    async fn put_photos(&self, photos: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        check_photos(photos)?;
        let mut inner = self.inner.borrow_mut();
        if let Some(e) = inner.fail_next.take() {
            return Err(e);
        }
        for (hash, bytes) in photos {
            inner.photos.entry(hash.clone()).or_insert_with(|| bytes.clone());
        }
        Ok(())
    }

    async fn photo(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.inner.borrow().photos.get(hash).cloned())
    }

    async fn photo_index(&self) -> Result<Vec<(String, u32)>, StoreError> {
        Ok(self.inner.borrow().photos.iter().map(|(h, b)| (h.clone(), b.len() as u32)).collect())
    }

    async fn remove_photos(&self, hashes: &[String]) -> Result<(), StoreError> {
        let mut inner = self.inner.borrow_mut();
        for h in hashes {
            inner.photos.remove(h);
        }
        Ok(())
    }
}
