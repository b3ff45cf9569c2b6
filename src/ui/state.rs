//! The app's state as signals ([`AppState`], in context), and the
//! [`Workspace`](crate::app::Workspace) the application layer reads and changes.
//!
//! The replica is only ever changed by applying a change *after* storage
//! confirmed it (`app::commit`). Field work adds the ledger index (one per app,
//! built in chunks when the replica loads and updated by every committed change
//! through [`AppState::after_commit`]) and the field snapshot.

use super::offline;
use super::platform::{self, BrowserStores, WebPlatform};
use crate::app::{Records, SaveStatus, Session, UserError, Workspace};
use crate::core::bundle::SyncLedger;
use crate::core::fieldwork::{FieldSnapshot, LedgerIndex};
use crate::core::i18n::{t, Lang, UserMessage as _, K};
use crate::core::replica::{Change, Replica};
use crate::core::route::Route;
use crate::core::snapshot::Snapshot;
use crate::storage::boot::DeviceInfo;
use crate::storage::browser::BrowserStore;
use crate::storage::StoreError;
use leptos::prelude::*;
use std::rc::Rc;

/// The open store and the browser: every use case that writes.
pub type UiSession = Session<BrowserStore, WebPlatform>;

/// Docs fed to the ledger index per step while it is built, between which the
/// browser paints and handles input.
const LEDGER_CHUNK: usize = 10_000;

/// Everything the components share. All fields are arena handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct AppState {
    /// `None` while storage is loading.
    pub replica: RwSignal<Option<Replica>>,
    pub snapshot: Memo<Snapshot>,
    /// Checklist, visits and answers, typed.
    pub field: Memo<FieldSnapshot>,
    /// The monthly cycle's records (requirements, reports, filings), typed; one memo
    /// for every view that needs them, computed only while one is shown.
    pub reports: Memo<crate::core::report::ReportSnapshot>,
    /// The ledger (every problem with derived status and flags). One per app, never
    /// rebuilt per view: built when the replica loads, then updated by `after_commit`.
    /// Read it after tracking `ledger_version`.
    pub ledger: StoredValue<LedgerIndex, LocalStorage>,
    /// Bumped whenever `ledger` changed.
    pub ledger_version: RwSignal<u64>,
    /// False until the ledger index holds every stored doc.
    pub ledger_ready: RwSignal<bool>,
    /// False while the bulk records (现场记录: visits, answers, problems, events) are
    /// still being read after the first view (see `storage::boot::open_head`). Views
    /// that show them wait (at the router, `Route::needs_records`, or behind
    /// `RecordsGate`); every save waits for it before it stages (`app::commit`).
    pub records_ready: RwSignal<bool>,
    /// While they are read: how many so far, and how many the store expects.
    pub records_progress: RwSignal<(usize, Option<usize>)>,
    /// True in the benchmark mode (`?bench=ledger100k`): generated problems in memory.
    pub bench: RwSignal<bool>,
    /// Bumped by every navigation; the current view is mounted afresh when it changes.
    pub(super) nav: RwSignal<u64>,
    pub device: RwSignal<Option<DeviceInfo>>,
    /// What this device exported and received (stored as one meta value).
    pub sync_ledger: RwSignal<SyncLedger>,
    pub status: RwSignal<SaveStatus>,
    pub lang: RwSignal<Lang>,
    pub route: RwSignal<Route>,
    pub load_error: RwSignal<Option<StoreError>>,
    /// The open store's use cases; `None` until it is open.
    session: StoredValue<Option<Rc<UiSession>>, LocalStorage>,
    /// Data this browser held that the store lacks (evicted, records missing).
    pub lost: RwSignal<Option<offline::LostData>>,
}

impl AppState {
    pub(super) fn new() -> Self {
        let replica = RwSignal::new(None::<Replica>);
        AppState {
            replica,
            snapshot: Memo::new(move |_| replica.with(|r| r.as_ref().map(Replica::snapshot).unwrap_or_default())),
            field: Memo::new(move |_| replica.with(|r| r.as_ref().map(|r| FieldSnapshot::from_docs(r.docs())).unwrap_or_default())),
            reports: Memo::new(move |_| replica.with(|r| r.as_ref().map(|r| crate::core::report::ReportSnapshot::from_docs(r.docs())).unwrap_or_default())),
            ledger: StoredValue::new_local(LedgerIndex::new(platform::today())),
            ledger_version: RwSignal::new(0),
            ledger_ready: RwSignal::new(false),
            records_ready: RwSignal::new(false),
            records_progress: RwSignal::new((0, None)),
            bench: RwSignal::new(false),
            nav: RwSignal::new(0),
            device: RwSignal::new(None),
            sync_ledger: RwSignal::new(Default::default()),
            status: RwSignal::new(SaveStatus::Idle),
            lang: RwSignal::new(platform::stored_lang()),
            route: RwSignal::new(Route::parse(&platform::current_hash())),
            load_error: RwSignal::new(None),
            session: StoredValue::new_local(None),
            lost: RwSignal::new(None),
        }
    }

    /// The open store's use cases; `None` until it is open.
    pub fn session(&self) -> Option<Rc<UiSession>> {
        self.session.get_value()
    }

    pub(super) fn set_session(&self, s: UiSession) {
        self.session.set_value(Some(Rc::new(s)));
    }

    /// The text of a UI string in the current language (reactive).
    pub fn t(&self, k: K) -> &'static str {
        t(self.lang.get(), k)
    }

    pub fn store_kind(&self) -> &'static str {
        self.session.with_value(|s| s.as_ref().map(|s| crate::storage::Store::kind(s.store())).unwrap_or("-"))
    }

    /// A plain save through the commit pipeline (`app::commit`): stages against the
    /// current replica, commits durably, and only then applies. The refusal or
    /// failure comes back as the message the form shows, in the user's language.
    pub async fn save(self, stage: impl FnOnce(&Replica, u64) -> Result<Change, UserError>) -> Result<(), String> {
        let lang = self.lang.get_untracked();
        let Some(s) = self.session() else { return Err(t(lang, K::Loading).to_owned()) };
        s.save(&self, stage).await.map_err(|e| e.message(lang))
    }

    /// Stores the squad/user name (a device setting that travels with exports).
    pub async fn save_squad_name(self, name: String) -> Result<(), String> {
        let lang = self.lang.get_untracked();
        let Some(s) = self.session() else { return Err(t(lang, K::Loading).to_owned()) };
        s.save_squad_name(&self, &name).await.map_err(|e| e.message(lang))
    }

    /// Another tab committed (see `app::Session::refresh`).
    pub(super) async fn refresh_from_store(self, ids: Option<Vec<String>>) {
        if let Some(s) = self.session() {
            if let Err(e) = s.refresh(&self, ids).await {
                leptos::logging::warn!("another tab's change not read: {e}");
            }
        }
    }

    /// Updates the incrementally maintained read models with a committed change's
    /// docs: the ledger index (only the rows they touch), then tells the views.
    pub fn after_commit(&self, change: &Change) {
        if change.docs.is_empty() {
            return;
        }
        self.ledger.update_value(|ix| {
            ix.set_today(platform::today());
            ix.apply(&change.docs);
        });
        self.ledger_version.update(|v| *v += 1);
    }

    /// Records in the campaign list what this page's store holds.
    pub fn note_campaign(&self) {
        if let Err(e) = crate::app::campaigns::note_campaign(&BrowserStores, self) {
            leptos::logging::warn!("campaign list not stored: {e}");
        }
    }

    /// Changes the address to `route` without remounting the view (see the module doc).
    pub fn replace_route(&self, route: Route) {
        platform::replace_hash(&route.to_hash());
        self.route.set(route);
    }

    /// Reads the bulk records a fast open left (see `storage::boot::load_rest`) and
    /// merges them into the replica, in one update (one recomputation of what is
    /// derived from it). Commits made meanwhile are already in the replica; the
    /// merge keeps them (it is idempotent and order-independent).
    pub(super) async fn load_rest(self, rest: crate::storage::boot::Rest) -> Result<(), StoreError> {
        let Some(session) = self.session() else { return Ok(()) };
        self.records_progress.set((0, rest.expected()));
        let progress = self.records_progress;
        let (bulk, missing) = crate::app::open::read_rest(session.store(), &rest, &|n| progress.update(|p| p.0 = n)).await?;
        platform::mark("duzhan:bulk-read");
        if !bulk.is_empty() {
            self.replica.update(|r| {
                if let Some(r) = r {
                    crate::storage::boot::absorb(r, bulk);
                }
            });
        }
        if let Some(missing) = missing {
            self.device.update(|d| {
                if let Some(d) = d {
                    d.missing_records = Some(missing);
                }
            });
            if let Some(info) = self.device.get_untracked() {
                self.lost.set(offline::check_lost(&info));
            }
        }
        self.records_ready.set(true);
        platform::mark("duzhan:records-ready");
        Ok(())
    }

    /// Builds the ledger index from the loaded replica, `LEDGER_CHUNK` docs at a time,
    /// yielding to the browser between chunks so the app stays responsive. Changes
    /// committed meanwhile reach the index through `after_commit` (and the chunks read
    /// the replica as it is then), so nothing is missed: the replica only ever grows,
    /// so a chunk boundary can shift a doc into the next chunk (applied twice, which is
    /// harmless) but never past it.
    pub(super) async fn build_ledger(self, extra: Vec<crate::core::doc::Doc>) {
        let total = self.replica.with_untracked(|r| r.as_ref().map(Replica::len).unwrap_or(0));
        let mut offset = 0;
        while offset < total {
            self.replica.with_untracked(|r| {
                if let Some(r) = r {
                    self.ledger.update_value(|ix| ix.apply(r.docs().skip(offset).take(LEDGER_CHUNK)));
                }
            });
            offset += LEDGER_CHUNK;
            platform::yield_to_browser().await;
        }
        for chunk in extra.chunks(LEDGER_CHUNK) {
            self.ledger.update_value(|ix| ix.apply(chunk));
            platform::yield_to_browser().await;
        }
        self.ledger_ready.set(true);
        self.ledger_version.update(|v| *v += 1);
        platform::mark("duzhan:ledger-ready");
    }

    pub fn set_lang(&self, lang: Lang) {
        platform::store_lang(lang);
        self.lang.set(lang);
    }
}

impl Workspace for AppState {
    fn with_replica<T>(&self, f: impl FnOnce(&Replica) -> T) -> Option<T> {
        self.replica.with_untracked(|r| r.as_ref().map(f))
    }

    fn update_quietly(&self, f: impl FnOnce(&mut Replica)) {
        self.replica.update_untracked(|r| {
            if let Some(r) = r {
                f(r)
            }
        });
    }

    fn apply_committed(&self, change: Change) {
        self.after_commit(&change);
        self.replica.update(|r| {
            if let Some(r) = r {
                r.apply(change);
            }
        });
    }

    fn sync_ledger(&self) -> SyncLedger {
        self.sync_ledger.get_untracked()
    }

    fn set_sync_ledger(&self, ledger: SyncLedger) {
        self.sync_ledger.set(ledger);
    }

    fn records(&self) -> Records {
        if self.records_ready.get_untracked() {
            Records::Ready
        } else if self.load_error.with_untracked(Option::is_some) {
            Records::Failed
        } else {
            Records::Reading
        }
    }

    fn status(&self) -> SaveStatus {
        self.status.get_untracked()
    }

    fn set_status(&self, status: SaveStatus) {
        self.status.set(status);
    }

    fn device(&self) -> Option<DeviceInfo> {
        self.device.get_untracked()
    }

    fn set_squad_name(&self, name: &str) {
        self.device.update(|d| {
            if let Some(d) = d {
                d.squad_name = name.to_owned();
            }
        });
    }

    fn reporting_loss(&self) -> bool {
        self.lost.with_untracked(Option::is_some)
    }
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
