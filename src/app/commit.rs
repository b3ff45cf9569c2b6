//! The one commit pipeline (提交): every change a user makes reaches storage here.
//!
//! In order: wait until every stored record is read (a change is staged against
//! all of them); take this tab's turn, then every tab's (the cross-tab lock); move
//! the clock past the one another tab stored ([`boot::stored_clock`]), so no stamp
//! is handed out twice; stage against the replica of *this* moment; write the
//! change (with the sync ledger, when the use case keeps one) in one atomic commit;
//! and only then apply what storage returned — the docs *as stored*, merged with
//! whatever another tab committed to the same records — to the app's state.
//!
//! A refusal or a failed write leaves storage, the replica and the save status as
//! they were (a failed write shows as [`SaveStatus::Failed`]).
//!
//! Two entry points say which case is which: [`Session::save`] for a plain change,
//! [`Session::save_with_ledger`] for exports, imports and receipts, which also
//! record what this device sent and received.

use super::{not_loaded_message, DataMarker, Platform, Records, SaveStatus, Workspace};
use crate::core::bundle::ledger::META_SYNC_LEDGER;
use crate::core::bundle::{StoredLedger, SyncLedger};
use crate::core::i18n::{Lang, UserMessage};
use crate::core::read_model::Stage;
use crate::core::replica::{Change, Replica};
use crate::storage::boot;
use crate::storage::{Loaded, Store, StoreError};
use futures::lock::{Mutex, OwnedMutexGuard};
use std::sync::Arc;

/// How often a save that waits for the records looks again.
const RECORDS_POLL_MS: u32 = 25;

/// Why a change was not committed. Nothing was written in any case.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitError<E> {
    /// The store is not open yet, or its records could not be read.
    NotLoaded,
    /// The use case refused the change (a form error, a bad file).
    Refused(E),
    /// Storage refused the write.
    Store(StoreError),
}

impl<E> From<StoreError> for CommitError<E> {
    fn from(e: StoreError) -> Self {
        CommitError::Store(e)
    }
}

impl<E> CommitError<E> {
    /// The refusal, when the use case refused.
    pub fn refused(&self) -> Option<&E> {
        match self {
            CommitError::Refused(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: UserMessage> UserMessage for CommitError<E> {
    fn message(&self, lang: Lang) -> String {
        match self {
            CommitError::NotLoaded => not_loaded_message(lang),
            CommitError::Refused(e) => e.message(lang),
            CommitError::Store(e) => e.message(lang),
        }
    }
}

/// Any core refusal with a message for the user, so a staging closure can `?`
/// validation, field-work and report errors alike. Shown, never matched on.
pub struct UserError(Box<dyn UserMessage>);

impl<E: UserMessage + 'static> From<E> for UserError {
    fn from(e: E) -> Self {
        UserError(Box::new(e))
    }
}

impl UserError {
    pub fn message(&self, lang: Lang) -> String {
        self.0.message(lang)
    }
}

// `UserError` is not itself a `UserMessage` (the blanket `From` above would then
// convert it into itself), so its commit error says its message here.
impl UserMessage for CommitError<UserError> {
    fn message(&self, lang: Lang) -> String {
        match self {
            CommitError::Refused(e) => e.message(lang),
            CommitError::NotLoaded => not_loaded_message(lang),
            CommitError::Store(e) => e.message(lang),
        }
    }
}

impl std::fmt::Debug for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message(Lang::En))
    }
}

/// What a staging step of [`Session::save_with_ledger`] returns: the change, the
/// sync ledger to store with it, and what the use case hands back to the caller.
pub struct LedgerChange<T> {
    pub change: Change,
    pub ledger: SyncLedger,
    pub out: T,
}

impl<T> LedgerChange<T> {
    /// A commit that writes no record, only the ledger (an export, a receipt).
    pub fn ledger_only(replica: &Replica, ledger: SyncLedger, out: T) -> Self {
        LedgerChange { change: Change { docs: Vec::new(), clock: replica.clock().clone() }, ledger, out }
    }
}

/// A save under way: its turn, and the status to put back if it is refused.
pub struct Began<L> {
    _turn: Option<Turn<L>>,
    before: SaveStatus,
    waited: bool,
}

impl<L> Began<L> {
    /// A refused save that showed "正在保存…" while it waited puts the status back.
    pub(crate) fn restore<W: Workspace>(&self, ws: &W) {
        if self.waited {
            ws.set_status(self.before.clone());
        }
    }
}

/// One writer's turn: this tab's mutex, then every tab's lock. Dropped in reverse.
pub struct Turn<L> {
    _all_tabs: L,
    _tab: OwnedMutexGuard<()>,
}

/// An open store and the device it runs on: the use cases that write.
pub struct Session<S, P> {
    store: S,
    platform: P,
    /// Saves run one at a time in a tab, each staged from the replica the previous
    /// one left.
    tab: Arc<Mutex<()>>,
}

impl<S: Store, P: Platform> Session<S, P> {
    pub fn new(store: S, platform: P) -> Self {
        Session { store, platform, tab: Arc::new(Mutex::new(())) }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// Waits for this tab's and then every tab's turn to write.
    pub async fn turn(&self) -> Turn<P::Lock> {
        let tab = self.tab.clone().lock_owned().await;
        Turn { _all_tabs: self.platform.lock().await, _tab: tab }
    }

    /// A plain save: stages a change against the current replica and its read
    /// models ([`Stage`]: with today and the commit's time), commits it durably,
    /// and only then applies it.
    pub async fn save<W: Workspace, E>(&self, ws: &W, stage: impl FnOnce(&Stage) -> Result<Change, E>) -> Result<(), CommitError<E>> {
        self.run(ws, |c, _| stage(c).map(|c| (c, None, ()))).await
    }

    /// A save that records the sync ledger too (an export, an import, a receipt):
    /// the change and the ledger are written in one atomic commit, so the data and
    /// the record of where it came from never disagree.
    pub async fn save_with_ledger<W: Workspace, T, E>(
        &self,
        ws: &W,
        stage: impl FnOnce(&Stage, &SyncLedger) -> Result<LedgerChange<T>, E>,
    ) -> Result<T, CommitError<E>> {
        // Written out here, in code that loads with data exchange: the first load
        // never writes (nor reads) the whole ledger (`StoredLedger`).
        self.run(ws, |c, l| stage(c, l).map(|s| (s.change, Some(StoredLedger::new(s.ledger)), s.out))).await
    }

    async fn run<W: Workspace, T, E>(
        &self,
        ws: &W,
        stage: impl FnOnce(&Stage, &StoredLedger) -> Result<(Change, Option<StoredLedger>, T), E>,
    ) -> Result<T, CommitError<E>> {
        let began = self.begin(ws).await?;
        self.commit_staged(ws, &began, Vec::new(), stage).await
    }

    /// The first half of a save: waits for the records, takes the turn and catches
    /// the clock up with the store's.
    pub(crate) async fn begin<W: Workspace, E>(&self, ws: &W) -> Result<Began<P::Lock>, CommitError<E>> {
        let before = ws.status();
        // Whether this save showed "正在保存…" while it waited: a refusal then puts
        // the status back (it never sticks).
        let waited = ws.records() != Records::Ready;
        let mut began = Began { _turn: None, before, waited };
        if waited {
            // Typed input is kept; the save goes on once every record is read.
            ws.set_status(SaveStatus::Saving);
            loop {
                match ws.records() {
                    Records::Ready => break,
                    Records::Failed => {
                        began.restore(ws);
                        return Err(CommitError::NotLoaded);
                    }
                    Records::Reading => self.platform.sleep_ms(RECORDS_POLL_MS).await,
                }
            }
        }
        began._turn = Some(self.turn().await);
        self.platform.mark("commit-turn");
        // Another tab of this device may have committed since this replica last
        // heard: move the clock past the stored one. A stored clock that does not
        // parse is replaced by this commit's (there is nothing in it to catch up
        // with); a store that cannot be read cannot be written either.
        match boot::stored_clock(&self.store).await {
            Ok(Some(clock)) => ws.update_quietly(|r| boot::observe_clock(r, &clock)),
            Ok(None) | Err(StoreError::Corrupt(_)) => {}
            Err(e) => {
                ws.set_status(SaveStatus::Failed(e.clone()));
                return Err(CommitError::Store(e));
            }
        }
        Ok(began)
    }

    /// The second half: stages against the replica of this moment, commits the
    /// change with the ledger (and `meta`, written in the same commit), and applies
    /// what was stored.
    pub(crate) async fn commit_staged<W: Workspace, T, E, L>(
        &self,
        ws: &W,
        began: &Began<L>,
        meta: Vec<(String, String)>,
        stage: impl FnOnce(&Stage, &StoredLedger) -> Result<(Change, Option<StoredLedger>, T), E>,
    ) -> Result<T, CommitError<E>> {
        let ledger = ws.sync_ledger();
        let now = self.platform.now_ms();
        let staged = match ws.with_stage(self.platform.today(), now, |c| stage(c, &ledger)) {
            None => {
                began.restore(ws);
                return Err(CommitError::NotLoaded);
            }
            Some(Err(e)) => {
                began.restore(ws);
                return Err(CommitError::Refused(e));
            }
            Some(Ok(s)) => s,
        };
        let (change, new_ledger, out) = staged;
        self.platform.mark("commit-staged");
        ws.set_status(SaveStatus::Saving);
        let written = match new_ledger.as_ref().map(StoredLedger::text).transpose().map(Option::flatten) {
            Err(e) => Err(StoreError::WriteFailed(e.to_string())),
            Ok(None) if meta.is_empty() => boot::commit_change(&self.store, change).await,
            Ok(None) => boot::commit_change_with_meta(&self.store, change, meta).await,
            Ok(Some(m)) => {
                let mut meta = meta;
                meta.push((META_SYNC_LEDGER.to_owned(), m.to_owned()));
                boot::commit_change_with_meta(&self.store, change, meta).await
            }
        };
        match written {
            Ok(stored) => {
                self.platform.mark("commit-stored");
                self.platform.announce(&stored.docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>());
                ws.apply_committed(stored);
                self.platform.mark("commit-applied");
                if let Some(l) = new_ledger {
                    ws.set_sync_ledger(l);
                }
                self.note_commit(ws);
                ws.set_status(SaveStatus::Saved);
                self.platform.saved();
                Ok(out)
            }
            Err(e) => {
                ws.set_status(SaveStatus::Failed(e.clone()));
                Err(CommitError::Store(e))
            }
        }
    }

    /// After a commit: the data marker now describes this store — unless lost data
    /// is being reported, whose marker must stay until the user restores or dismisses.
    fn note_commit<W: Workspace>(&self, ws: &W) {
        if !ws.reporting_loss() {
            self.write_marker(ws);
        }
    }

    /// Writes the data marker from the workspace as it is now.
    pub fn write_marker<W: Workspace>(&self, ws: &W) {
        let records = ws.with_replica(Replica::len).unwrap_or(0);
        if let Some(d) = ws.device() {
            self.platform.write_marker(&DataMarker { device_id: d.device_id.0, records, last_commit_ms: self.platform.now_ms() });
        }
    }

    /// Stores the squad/user name (a device setting that travels with exports).
    pub async fn save_squad_name<W: Workspace>(&self, ws: &W, name: &str) -> Result<(), CommitError<crate::core::validate::ValidationError>> {
        let name =
            crate::core::validate::required_text(crate::core::i18n::Field::SquadName, name, crate::core::validate::MAX_NAME).map_err(CommitError::Refused)?;
        let _turn = self.turn().await;
        ws.set_status(SaveStatus::Saving);
        match boot::set_squad_name(&self.store, &name).await {
            Ok(()) => {
                ws.set_squad_name(&name);
                ws.set_status(SaveStatus::Saved);
                Ok(())
            }
            Err(e) => {
                ws.set_status(SaveStatus::Failed(e.clone()));
                Err(CommitError::Store(e))
            }
        }
    }

    /// Another tab committed: merges what storage holds into this tab's replica
    /// (merge is idempotent, so re-merging what is already here changes nothing)
    /// and takes over its settings (sync ledger, squad name). `ids`: the records
    /// it committed, when it said (then only those are read: with 100,000 problems
    /// stored, reading everything after every save in another tab would take
    /// seconds); `None`: everything. Under this tab's turn, so it never interleaves
    /// with this tab's own staging and commit. A read that fails changes nothing
    /// (the next announcement or reload catches up).
    pub async fn refresh<W: Workspace>(&self, ws: &W, ids: Option<Vec<String>>) -> Result<(), StoreError> {
        let _tab = self.tab.clone().lock_owned().await;
        let loaded = match ids {
            None => self.store.load().await?,
            Some(ids) => {
                let docs = self.store.load_ids(&ids).await?;
                let mut meta = std::collections::BTreeMap::new();
                for key in [META_SYNC_LEDGER, boot::META_SQUAD] {
                    if let Some(v) = self.store.meta(key).await? {
                        meta.insert(key.to_owned(), v);
                    }
                }
                Loaded { docs, meta }
            }
        };
        if let Some(change) = ws.with_replica(|r| r.stage_merge(&loaded.docs)).filter(|c| !c.is_empty()) {
            ws.apply_committed(change);
        }
        if let Ok(l) = StoredLedger::from_text(loaded.meta.get(META_SYNC_LEDGER).map(String::as_str)) {
            ws.set_sync_ledger(l);
        }
        if let Some(name) = loaded.meta.get(boot::META_SQUAD) {
            if ws.device().is_some_and(|d| &d.squad_name != name) {
                ws.set_squad_name(name);
            }
        }
        Ok(())
    }
}
