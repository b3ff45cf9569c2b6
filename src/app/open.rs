//! Opening the app (启动): the store's head first, so the first view shows the plan
//! before the field records are read; then the rest.

use super::Platform;
use crate::core::bundle::ledger::LedgerError;
use crate::core::bundle::StoredLedger;
use crate::core::doc::Doc;
use crate::core::replica::Replica;
use crate::storage::boot::{self, DeviceInfo, Rest};
use crate::storage::{Store, StoreError};

/// What the head of a store gave.
pub struct Opened {
    pub replica: Replica,
    pub info: DeviceInfo,
    /// What is left to read ([`read_rest`]).
    pub rest: Rest,
    /// As stored: read whole only by the code that needs it (`StoredLedger`).
    pub sync_ledger: StoredLedger,
    /// The stored sync ledger did not parse: the app starts a fresh one (the
    /// records themselves are untouched) and says so.
    pub ledger_unreadable: Option<LedgerError>,
}

/// Opens a store for a first view: opening migrates stored data (the database
/// layout, then the schema) and a first run writes the embedded default — all
/// under the cross-tab lock, so two tabs never do any of it at once. `open` opens
/// the store itself (by name, in the browser).
pub async fn open_head<S: Store, P: Platform>(platform: &P, open: impl std::future::Future<Output = Result<S, StoreError>>) -> Result<(S, Opened), StoreError> {
    let _lock = platform.lock().await;
    let store = open.await?;
    let (replica, info, rest) = boot::open_head(&store, || platform.random_device()).await?;
    let (sync_ledger, ledger_unreadable) = match StoredLedger::from_text(info.sync_ledger.as_deref()) {
        Ok(l) => (l, None),
        Err(e) => (StoredLedger::default(), Some(e)),
    };
    Ok((store, Opened { replica, info, rest, sync_ledger, ledger_unreadable }))
}

/// Reads what [`open_head`] left: the bulk records, and `(recorded, found)` when
/// the store holds fewer than it recorded. No lock: commits made meanwhile only
/// add to what it finds, and merging what it read keeps them.
pub async fn read_rest<S: Store>(store: &S, rest: &Rest, progress: &dyn Fn(usize)) -> Result<(Vec<Doc>, Option<(usize, usize)>), StoreError> {
    boot::load_rest(store, rest, progress).await
}
