//! Opening the device's data (启动): shared by every store and by the UI, and pure
//! apart from the store calls, so it is tested natively on the memory store.
//!
//! On first run the device gets a random persistent id, and the embedded default
//! is written in the same atomic commit as that id, so a half-initialised store
//! cannot exist.

use super::{migrate, Store, StoreError};
use crate::core::clock::{DeviceId, Hlc};
use crate::core::replica::{Change, Replica};
use crate::core::seed;

pub const META_DEVICE: &str = "device_id";
pub const META_SQUAD: &str = "squad_name";
pub const META_CLOCK: &str = "clock";

/// The device's identity and the user's chosen name.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    /// Empty until the user names the squad on first run.
    pub squad_name: String,
    /// The stored sync ledger (what this device exported and received), raw.
    pub sync_ledger: Option<String>,
}

/// Loads (and on first run initialises) the replica from a store.
pub async fn open<S: Store>(store: &S, random_device: impl FnOnce() -> DeviceId) -> Result<(Replica, DeviceInfo), StoreError> {
    let loaded = migrate(store.load().await?)?;
    let stored_device = loaded.meta.get(META_DEVICE).filter(|d| !d.is_empty()).cloned();
    let squad_name = loaded.meta.get(META_SQUAD).cloned().unwrap_or_default();
    let sync_ledger = loaded.meta.get(crate::core::bundle::ledger::META_SYNC_LEDGER).cloned();
    match stored_device {
        Some(dev) => {
            let device = DeviceId(dev);
            let clock = match loaded.meta.get(META_CLOCK) {
                Some(c) => serde_json::from_str::<Hlc>(c).map_err(|e| StoreError::Corrupt(format!("clock: {e}")))?,
                None => Hlc::new(device.clone()),
            };
            let clock = Hlc { device: device.clone(), ..clock };
            let replica = Replica::from_parts(loaded.docs, clock);
            Ok((replica, DeviceInfo { device_id: device, squad_name, sync_ledger }))
        }
        None => {
            let device = random_device();
            let clock = Hlc::new(device.clone());
            // Keep anything already stored (e.g. meta written by a crashed older build).
            let mut docs = loaded.docs;
            if docs.is_empty() {
                docs = seed::seed_docs();
            }
            let meta = vec![(META_DEVICE.to_owned(), device.0.clone()), (META_CLOCK.to_owned(), clock_json(&clock))];
            store.commit(&docs, &meta).await?;
            let replica = Replica::from_parts(docs, clock);
            Ok((replica, DeviceInfo { device_id: device, squad_name, sync_ledger }))
        }
    }
}

pub fn clock_json(c: &Hlc) -> String {
    serde_json::to_string(c).unwrap_or_default()
}

/// Commits a staged change (docs and the advanced clock) atomically; the caller
/// applies it to the replica only when this returns `Ok`.
pub async fn commit_change<S: Store>(store: &S, change: &Change) -> Result<(), StoreError> {
    if change.is_empty() {
        return Ok(());
    }
    store.commit(&change.docs, &[(META_CLOCK.to_owned(), clock_json(&change.clock))]).await
}

/// Commits a staged change together with meta values (e.g. the sync ledger of an
/// import) in one atomic write, so the data and the record of where it came from
/// can never disagree.
pub async fn commit_change_with_meta<S: Store>(store: &S, change: &Change, meta: Vec<(String, String)>) -> Result<(), StoreError> {
    let mut meta = meta;
    meta.push((META_CLOCK.to_owned(), clock_json(&change.clock)));
    store.commit(&change.docs, &meta).await
}

/// Stores the squad/user name.
pub async fn set_squad_name<S: Store>(store: &S, name: &str) -> Result<(), StoreError> {
    store.commit(&[], &[(META_SQUAD.to_owned(), name.to_owned())]).await
}
