//! The application layer (应用层): the use cases between a click and the store.
//!
//! A use case is what a user asks for in one gesture — save a form, import a
//! file, apply a receipt, export a bundle, start or open a campaign — carried out
//! against the store and the app's state in the one right order. The core decides
//! *what* (pure functions that stage a [`Change`]); storage makes it durable; this
//! layer says *when*, under which lock, and what the app shows after.
//!
//! Invariant: nothing here knows the browser or the UI framework (no Leptos, no
//! `web_sys`, no `js_sys`; `tests/core_is_pure.rs` checks this folder too). It is
//! generic over three ports and tested natively on the memory store:
//!
//! - [`Store`](crate::storage::Store): where records are kept;
//! - [`Platform`]: the device facts a use case needs (the time, today's date,
//!   randomness, the cross-tab lock, telling other tabs, the data marker);
//! - [`Workspace`]: the app's state as the UI keeps it (the replica, the sync
//!   ledger, the save status), which a use case reads and, after a commit, changes.
//!
//! Errors stay typed until a view shows them ([`CommitError`], `ImportError`, …,
//! each a [`UserMessage`]).

pub mod batch;
pub mod campaigns;
pub mod commit;
pub mod exchange;
pub mod open;
pub mod photos;

pub use batch::{BatchIntake, Files, Progress};
pub use commit::{CommitError, LedgerChange, Session, UserError};
pub use exchange::{preview_roster, Imported, Intake, Previewed, Read};

use crate::core::bundle::StoredLedger;
use crate::core::clock::DeviceId;
use crate::core::read_model::Stage;
use crate::core::replica::{Change, Replica};
use crate::storage::boot::DeviceInfo;
use crate::storage::StoreError;
use chrono::NaiveDate;

/// The device facts a use case needs. The browser's implementation lives in the
/// UI (`ui/platform.rs`); tests use a fake with a settable clock.
#[allow(async_fn_in_trait)]
pub trait Platform {
    /// Held while one writer has its turn across every tab (a Web Lock); dropped
    /// when the turn ends.
    type Lock;
    /// Milliseconds since the Unix epoch, from the device's clock.
    fn now_ms(&self) -> u64;
    /// Today's date where the device is.
    fn today(&self) -> NaiveDate;
    /// Fills `buf` from a cryptographic random source.
    fn fill_random(&self, buf: &mut [u8]);
    /// Waits for the exclusive cross-tab lock of the data (`None` semantics are
    /// the implementation's: a browser without Web Locks has the in-tab mutex only).
    async fn lock(&self) -> Self::Lock;
    /// Waits about `ms` milliseconds, letting the page run meanwhile.
    async fn sleep_ms(&self, ms: u32);
    /// Tells the app's other tabs which records a commit wrote.
    fn announce(&self, ids: &[&str]);
    /// Records beside the store that data exists (see [`DataMarker`]).
    fn write_marker(&self, marker: &DataMarker);
    /// A commit reached storage. The browser asks once per session to keep the
    /// site's data (it may prompt), so it is not evicted under storage pressure.
    fn saved(&self) {}
    /// Marks a step of a commit (`commit-turn`, `commit-staged`, `commit-stored`,
    /// `commit-applied`) where the platform can time it (User Timing in the browser:
    /// the save benchmark reports each step). Nothing by default.
    fn mark(&self, _step: &str) {}

    /// `N` fresh random bytes.
    fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut buf = [0u8; N];
        self.fill_random(&mut buf);
        buf
    }

    /// A new random device id.
    fn random_device(&self) -> DeviceId {
        DeviceId::from_random(self.random_bytes::<8>())
    }
}

/// What this browser last knew about its stored data, kept beside (not inside)
/// the store: if the browser evicts the store, this survives only when the small
/// settings were spared, and then tells that data existed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataMarker {
    pub device_id: String,
    pub records: usize,
    pub last_commit_ms: u64,
}

/// Whether the bulk records (现场记录) are in the replica yet (see
/// `storage::boot::open_head`): a save waits for them, so a change is always staged
/// against every stored record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Records {
    /// Still being read.
    Reading,
    /// Every stored record is in the replica.
    Ready,
    /// Reading them failed; the app shows why, and nothing can be saved.
    Failed,
}

/// Whether the last save reached storage ("已保存" only after the commit completed).
#[derive(Clone, Debug, PartialEq)]
pub enum SaveStatus {
    Idle,
    Saving,
    Saved,
    Failed(StoreError),
}

impl SaveStatus {
    /// A stable code for the page (`data-state`), read by the end-to-end tests.
    pub fn code(&self) -> &'static str {
        match self {
            SaveStatus::Idle => "idle",
            SaveStatus::Saving => "saving",
            SaveStatus::Saved => "saved",
            SaveStatus::Failed(_) => "error",
        }
    }
}

/// The app's state as the UI keeps it (signals, in the browser; plain cells in
/// tests). Use cases read it to stage and change it only with what storage
/// confirmed.
pub trait Workspace {
    /// Reads the replica; `None` while the store is still opening.
    fn with_replica<T>(&self, f: impl FnOnce(&Replica) -> T) -> Option<T>;
    /// What a staging function reads: the replica and its read models, with today
    /// and the commit's time; `None` while the store is still opening.
    fn with_stage<T>(&self, today: NaiveDate, now_ms: u64, f: impl FnOnce(&Stage) -> T) -> Option<T>;
    /// Changes the replica without telling the views (moving its clock only).
    fn update_quietly(&self, f: impl FnOnce(&mut Replica));
    /// A change storage has committed, as stored: into the replica and every read
    /// model derived from it, and the views told. Never for a change that did not
    /// commit.
    fn apply_committed(&self, change: Change);
    /// The sync ledger as stored (read whole on first use: `StoredLedger`).
    fn sync_ledger(&self) -> StoredLedger;
    fn set_sync_ledger(&self, ledger: StoredLedger);
    fn records(&self) -> Records;
    fn status(&self) -> SaveStatus;
    fn set_status(&self, status: SaveStatus);
    /// The device's identity and name; `None` while the store is still opening.
    fn device(&self) -> Option<DeviceInfo>;
    fn set_squad_name(&self, name: &str);
    /// True while lost data is being reported: the data marker must then keep
    /// describing what was lost until the user restores or dismisses.
    fn reporting_loss(&self) -> bool {
        false
    }
}

/// Messages of the app layer's own refusals.
fn not_loaded_message(lang: crate::core::i18n::Lang) -> String {
    crate::core::i18n::t(lang, crate::core::i18n::K::Loading).to_owned()
}
