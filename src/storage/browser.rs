//! The browser's store (浏览器存储): IndexedDB when the browser offers it,
//! localStorage otherwise. One enum so the UI holds one concrete [`Store`].

use super::idb::IdbStore;
use super::local::LocalStore;
use super::{Loaded, Store, StoreError};
use crate::core::doc::Doc;

pub enum BrowserStore {
    Idb(IdbStore),
    Local(LocalStore),
}

impl BrowserStore {
    /// Opens the store `name` (the device's first store is
    /// `core::campaigns::DEFAULT_DB`; other campaigns' are named by
    /// `core::campaigns::db_name`): IndexedDB,
    /// falling back to localStorage when IndexedDB is unavailable. A blocked
    /// upgrade is not a reason to fall back (the data is in IndexedDB).
    pub async fn open_named(name: &str) -> Result<BrowserStore, StoreError> {
        match IdbStore::open(name).await {
            Ok(s) => Ok(BrowserStore::Idb(s)),
            Err(StoreError::Unavailable(why)) => LocalStore::open(name).map(BrowserStore::Local).map_err(|_| StoreError::Unavailable(why)),
            Err(e) => Err(e),
        }
    }

    /// Opens the IndexedDB store `name` (one the browser lists), never the fallback.
    pub async fn open_indexeddb(name: &str) -> Result<BrowserStore, StoreError> {
        IdbStore::open(name).await.map(BrowserStore::Idb)
    }

    /// Opens the localStorage fallback's store `name`.
    pub fn open_local(name: &str) -> Result<BrowserStore, StoreError> {
        LocalStore::open(name).map(BrowserStore::Local)
    }
}

impl Store for BrowserStore {
    fn kind(&self) -> &'static str {
        match self {
            BrowserStore::Idb(s) => s.kind(),
            BrowserStore::Local(s) => s.kind(),
        }
    }

    async fn load(&self) -> Result<Loaded, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.load().await,
            BrowserStore::Local(s) => s.load().await,
        }
    }

    async fn load_head(&self) -> Result<Loaded, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.load_head().await,
            BrowserStore::Local(s) => s.load_head().await,
        }
    }

    async fn load_bulk(&self, progress: &dyn Fn(usize)) -> Result<Vec<Doc>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.load_bulk(progress).await,
            BrowserStore::Local(s) => s.load_bulk(progress).await,
        }
    }

    async fn commit(&self, docs: &[Doc], meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.commit(docs, meta).await,
            BrowserStore::Local(s) => s.commit(docs, meta).await,
        }
    }

    async fn load_ids(&self, ids: &[String]) -> Result<Vec<Doc>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.load_ids(ids).await,
            BrowserStore::Local(s) => s.load_ids(ids).await,
        }
    }

    async fn commit_owned(&self, docs: Vec<Doc>, meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.commit_owned(docs, meta).await,
            BrowserStore::Local(s) => s.commit_owned(docs, meta).await,
        }
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.meta(key).await,
            BrowserStore::Local(s) => s.meta(key).await,
        }
    }

    async fn clear(&self) -> Result<(), StoreError> {
        match self {
            BrowserStore::Idb(s) => s.clear().await,
            BrowserStore::Local(s) => s.clear().await,
        }
    }

    async fn put_photos(&self, photos: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        match self {
            BrowserStore::Idb(s) => s.put_photos(photos).await,
            BrowserStore::Local(s) => s.put_photos(photos).await,
        }
    }

    async fn photo(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.photo(hash).await,
            BrowserStore::Local(s) => s.photo(hash).await,
        }
    }

    async fn photo_index(&self) -> Result<Vec<(String, u32)>, StoreError> {
        match self {
            BrowserStore::Idb(s) => s.photo_index().await,
            BrowserStore::Local(s) => s.photo_index().await,
        }
    }

    async fn remove_photos(&self, hashes: &[String]) -> Result<(), StoreError> {
        match self {
            BrowserStore::Idb(s) => s.remove_photos(hashes).await,
            BrowserStore::Local(s) => s.remove_photos(hashes).await,
        }
    }
}
