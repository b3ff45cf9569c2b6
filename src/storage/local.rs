//! localStorage store (备用存储): the fallback when IndexedDB is unavailable.
//!
//! Everything lives in ONE localStorage item, `{prefix}/data`, holding
//! `{"meta": {key: value}, "docs": {id: doc}}`. Why one item: `setItem` either
//! replaces the value completely or throws (quota) leaving the old value intact,
//! so a commit is a single read-modify-`setItem` and is atomic. Two items (docs,
//! meta) would be two writes that can fail half-way.
//!
//! Invariants and limits:
//! - A stored value that does not parse is reported as [`StoreError::Corrupt`]
//!   and never overwritten: `commit` reads before it writes.
//! - `commit` returns once `setItem` returned: the value is visible to every later
//!   read (this tab or any other); the browser flushes it to disk by itself soon
//!   after, there is no way to wait for that.
//! - localStorage holds a few megabytes per site; past that, commits fail with
//!   [`StoreError::QuotaExceeded`] and the stored data stays as it was.
//! - `commit` merges each doc with the stored one read in the same call
//!   (read-merge-write). localStorage has no cross-tab transaction, so two tabs
//!   committing in the very same moment could still lose one write; the app
//!   serialises saves across tabs with a Web Lock, which closes that gap.

use super::{dedupe, merge_with_stored, Loaded, Store, StoreError, META_DOC_COUNT, META_SCHEMA, SCHEMA_VERSION};
use crate::core::doc::Doc;
use gloo_storage::errors::StorageError;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The one stored value. Docs are kept as JSON values so a commit rewrites them
/// without decoding each into a [`Doc`].
#[derive(Default, Serialize, Deserialize)]
struct Data {
    #[serde(default)]
    meta: BTreeMap<String, String>,
    #[serde(default)]
    docs: BTreeMap<String, Value>,
}

/// Data kept in localStorage under one key prefix.
pub struct LocalStore {
    key: String,
}

impl LocalStore {
    /// Opens the store kept under `{prefix}/data`, failing with
    /// [`StoreError::Unavailable`] when the browser gives no localStorage.
    pub fn open(prefix: &str) -> Result<Self, StoreError> {
        // Checked here with web-sys, because gloo-storage throws (it does not
        // return an error) when localStorage is missing or forbidden. Once this
        // succeeds, gloo's accessors find it.
        let window = web_sys::window().ok_or_else(|| StoreError::Unavailable("no window".into()))?;
        match window.local_storage() {
            Ok(Some(_)) => Ok(Self { key: format!("{prefix}/data") }),
            Ok(None) => Err(StoreError::Unavailable("no localStorage".into())),
            Err(e) => Err(StoreError::Unavailable(format!("localStorage refused: {e:?}"))),
        }
    }

    /// The key of the single stored item (tests inspect it).
    pub fn data_key(&self) -> &str {
        &self.key
    }

    fn read(&self) -> Result<Data, StoreError> {
        match LocalStorage::get::<Data>(&self.key) {
            Ok(data) => Ok(data),
            Err(StorageError::KeyNotFound(_)) => Ok(Data::default()),
            Err(StorageError::SerdeError(e)) => Err(StoreError::Corrupt(e.to_string())),
            Err(StorageError::JsError(e)) => Err(StoreError::Unavailable(e.to_string())),
        }
    }
}

impl Store for LocalStore {
    fn kind(&self) -> &'static str {
        "localstorage"
    }

    async fn load(&self) -> Result<Loaded, StoreError> {
        let data = self.read()?;
        let docs = data
            .docs
            .into_values()
            .map(|v| serde_json::from_value::<Doc>(v).map_err(|e| StoreError::Corrupt(format!("doc: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Loaded { docs, meta: data.meta })
    }

    async fn commit(&self, docs: &[Doc], meta: &[(String, String)]) -> Result<Vec<Doc>, StoreError> {
        // Built in memory first; storage changes only in the final `set`.
        let mut data = self.read()?;
        let mut stored = Vec::new();
        for d in dedupe(docs) {
            let old = match data.docs.get(&d.id) {
                Some(v) => Some(serde_json::from_value::<Doc>(v.clone()).map_err(|e| StoreError::Corrupt(format!("doc: {e}")))?),
                None => None,
            };
            let (merged, changed) = merge_with_stored(old, &d);
            if changed {
                let v = serde_json::to_value(&merged).map_err(|e| StoreError::WriteFailed(e.to_string()))?;
                data.docs.insert(merged.id.clone(), v);
            }
            stored.push(merged);
        }
        for (k, v) in meta {
            data.meta.insert(k.clone(), v.clone());
        }
        data.meta.insert(META_SCHEMA.into(), SCHEMA_VERSION.to_string());
        data.meta.insert(META_DOC_COUNT.into(), data.docs.len().to_string());
        LocalStorage::set(&self.key, &data).map_err(|e| match e {
            // Chromium and WebKit say QuotaExceededError; old Firefox its own name.
            StorageError::JsError(js) if js.name == "QuotaExceededError" || js.name == "NS_ERROR_DOM_QUOTA_REACHED" => StoreError::QuotaExceeded,
            other => StoreError::WriteFailed(other.to_string()),
        })?;
        Ok(stored)
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.read()?.meta.remove(key))
    }

    async fn clear(&self) -> Result<(), StoreError> {
        LocalStorage::delete(&self.key);
        Ok(())
    }
}
