//! The app's state as signals ([`AppState`], in context), and the
//! [`Workspace`](crate::app::Workspace) the application layer reads and changes.
//!
//! The replica is only ever changed by applying a change *after* storage
//! confirmed it (`app::commit`). What views read are the read models
//! (`core::read_model`), kept up to date by every committed change through
//! `Workspace::apply_committed` (`ReadModels::apply`), each with its own version signal (a [`ModelView`]):
//! a save of a target re-renders what reads the plan, not the ledger. The ledger
//! index is built in chunks once the records are read.

use super::offline;
use super::platform::{self, BrowserStores, WebPlatform};
use crate::app::{Records, SaveStatus, Session, UserError, Workspace};
use crate::core::bundle::StoredLedger;
use crate::core::fieldwork::{FieldSnapshot, LedgerIndex};
use crate::core::i18n::{t, Lang, UserMessage as _, K};
use crate::core::read_model::{ChangedSince, ReadModels, Stage, Touched};
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

/// A read model as the views read it: tracking its version (bumped only when a
/// commit touched that read model), then borrowing it from the one
/// [`ReadModels`] the app keeps. `Copy`, and read like a signal (`with`,
/// `with_untracked`), so a view depends on exactly the read model it reads.
pub struct ModelView<T: 'static> {
    version: RwSignal<u64>,
    models: StoredValue<ReadModels, LocalStorage>,
    pick: fn(&ReadModels) -> &T,
}

impl<T> Clone for ModelView<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ModelView<T> {}

impl<T> ModelView<T> {
    /// Reads the model and re-runs the caller when it changes.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.version.track();
        self.with_untracked(f)
    }

    /// Reads the model without depending on it.
    pub fn with_untracked<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let pick = self.pick;
        self.models.with_value(|m| f(pick(m)))
    }

    /// Bumped whenever the model changed.
    pub fn version(&self) -> RwSignal<u64> {
        self.version
    }
}

/// Everything the components share. All fields are arena handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct AppState {
    /// `None` while storage is loading.
    pub replica: RwSignal<Option<Replica>>,
    /// The read models (`core::read_model`), kept up to date by every committed change
    /// (`apply_committed`); each view reads one through its [`ModelView`].
    models: StoredValue<ReadModels, LocalStorage>,
    /// The plan's read model.
    pub snapshot: ModelView<Snapshot>,
    /// Checklist, visits and answers, typed.
    pub field: ModelView<FieldSnapshot>,
    /// The monthly cycle's records (requirements, reports, filings), typed.
    pub reports: ModelView<crate::core::report::ReportSnapshot>,
    /// The ledger (every problem with derived status and flags). Built in chunks
    /// when the records are read, then kept up to date by `apply_committed`. Read it
    /// after tracking `ledger_version`.
    pub ledger: ModelView<LedgerIndex>,
    /// Bumped whenever `ledger` changed.
    pub ledger_version: RwSignal<u64>,
    /// Records changed since the last export (the home view's data guardian).
    pub unexported: ModelView<ChangedSince>,
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
    /// What this device exported and received (stored as one meta value), as
    /// stored: read whole by the views that need it (`StoredLedger`).
    pub sync_ledger: RwSignal<StoredLedger>,
    pub status: RwSignal<SaveStatus>,
    pub lang: RwSignal<Lang>,
    pub route: RwSignal<Route>,
    pub load_error: RwSignal<Option<StoreError>>,
    /// The open store's use cases; `None` until it is open.
    session: StoredValue<Option<Rc<UiSession>>, LocalStorage>,
    /// Data this browser held that the store lacks (evicted, records missing).
    pub lost: RwSignal<Option<offline::LostData>>,
    /// The name of a made file waiting for the share sheet (`share::ShareBar`).
    pub share: RwSignal<Option<String>>,
    /// Bumped when an import stored photo bytes: thumbnails waiting for theirs
    /// (照片待补传) look again.
    pub photos_arrived: RwSignal<u64>,
}

impl AppState {
    pub(super) fn new() -> Self {
        let models = StoredValue::new_local(ReadModels::empty(platform::today()));
        let ledger_version = RwSignal::new(0);
        AppState {
            replica: RwSignal::new(None::<Replica>),
            models,
            snapshot: ModelView { version: RwSignal::new(0), models, pick: |m| &m.plan },
            field: ModelView { version: RwSignal::new(0), models, pick: |m| &m.field },
            reports: ModelView { version: RwSignal::new(0), models, pick: |m| &m.reports },
            ledger: ModelView { version: ledger_version, models, pick: |m| &m.ledger },
            ledger_version,
            unexported: ModelView { version: RwSignal::new(0), models, pick: |m| &m.changed },
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
            share: RwSignal::new(None),
            photos_arrived: RwSignal::new(0),
        }
    }

    /// The replica the store opened with (its head): the plan's, the monthly cycle's
    /// and the field work's read models are built from it, and every view told.
    pub(super) fn set_replica(&self, replica: Replica) {
        let mut models = ReadModels::without_ledger(&replica, platform::today());
        models.changed.rebase(&replica, self.last_export());
        self.models.set_value(models);
        self.replica.set(Some(replica));
        self.told(Touched { plan: true, field: true, reports: true, ledger: false, changes: true });
    }

    /// When this device last exported (0: never), the moment `unexported` counts from.
    fn last_export(&self) -> u64 {
        self.sync_ledger.with_untracked(StoredLedger::last_export_ms).unwrap_or(0)
    }

    /// Takes the sync ledger as stored; the count of records changed since the last
    /// export starts again from a new export (one walk of the replica, per export).
    pub(super) fn set_ledger(&self, ledger: StoredLedger) {
        self.sync_ledger.set(ledger);
        let since = self.last_export();
        let moved = self.replica.with_untracked(|r| r.as_ref().map(|r| self.models.try_update_value(|m| m.changed.rebase(r, since)).unwrap_or(false)));
        self.told(Touched { changes: moved.unwrap_or(false), ..Touched::default() });
    }

    /// Bumps the version of each read model `touched` names.
    fn told(&self, touched: Touched) {
        for (yes, v) in [
            (touched.plan, self.snapshot.version),
            (touched.field, self.field.version),
            (touched.reports, self.reports.version),
            (touched.ledger, self.ledger_version),
            (touched.changes, self.unexported.version),
        ] {
            if yes {
                v.update(|n| *n += 1);
            }
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
    pub async fn save(self, stage: impl FnOnce(&Stage) -> Result<Change, UserError>) -> Result<(), String> {
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
            // It may have been an import that stored photos this tab shows as waiting.
            self.photos_arrived.update(|n| *n += 1);
        }
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
            // Visits and answers are bulk: the field work's read model is built once
            // they are in (the ledger, in chunks, by `build_ledger`).
            self.replica.with_untracked(|r| {
                if let Some(r) = r {
                    let since = self.last_export();
                    self.models.update_value(|m| {
                        m.field = FieldSnapshot::from_docs(r.docs());
                        m.changed = ChangedSince::count_in(r, since);
                    });
                }
            });
            self.told(Touched { field: true, changes: true, ..Touched::default() });
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
    /// committed meanwhile reach the index through `apply_committed` (and the chunks read
    /// the replica as it is then), so nothing is missed: the replica only ever grows,
    /// so a chunk boundary can shift a doc into the next chunk (applied twice, which is
    /// harmless) but never past it.
    pub(super) async fn build_ledger(self, extra: Vec<crate::core::doc::Doc>) {
        let total = self.replica.with_untracked(|r| r.as_ref().map(Replica::len).unwrap_or(0));
        let mut offset = 0;
        while offset < total {
            self.replica.with_untracked(|r| {
                if let Some(r) = r {
                    self.models.update_value(|m| m.ledger.apply(r.docs().skip(offset).take(LEDGER_CHUNK)));
                }
            });
            offset += LEDGER_CHUNK;
            platform::yield_to_browser().await;
        }
        for chunk in extra.chunks(LEDGER_CHUNK) {
            self.models.update_value(|m| m.ledger.apply(chunk));
            platform::yield_to_browser().await;
        }
        // Staging reads the problems' histories from the index from now on.
        self.models.update_value(|m| m.ledger_complete = true);
        self.ledger_ready.set(true);
        self.ledger_version.update(|v| *v += 1);
        platform::mark("duzhan:ledger-ready");
    }

    /// The live photos of a problem and its events
    /// (`fieldwork::photo::photos_of_problem`), read without tracking: for an
    /// export or a print, which read once.
    pub fn problem_photos_untracked(&self, problem_id: &str) -> Vec<crate::core::fieldwork::photo::Photo> {
        self.replica.with_untracked(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                self.field.with_untracked(|f| self.ledger.with_untracked(|ix| crate::core::fieldwork::photo::photos_of_problem(r, f, ix, problem_id)))
            })
        })
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

    fn with_stage<T>(&self, today: chrono::NaiveDate, now_ms: u64, f: impl FnOnce(&Stage) -> T) -> Option<T> {
        self.replica.with_untracked(|r| r.as_ref().map(|r| self.models.with_value(|m| f(&m.stage(r, today, now_ms)))))
    }

    fn update_quietly(&self, f: impl FnOnce(&mut Replica)) {
        self.replica.update_untracked(|r| {
            if let Some(r) = r {
                f(r)
            }
        });
    }

    fn apply_committed(&self, change: Change) {
        // The replica and the read models take the change; only then are the views
        // told (those of the replica, and of each read model the change touched).
        let today = platform::today();
        let mut touched = Touched::default();
        self.replica.update_untracked(|r| {
            if let Some(r) = r {
                touched = self.models.try_update_value(|m| m.apply(r, change, today)).unwrap_or_default();
            }
        });
        self.told(touched);
        self.replica.notify();
    }

    fn sync_ledger(&self) -> StoredLedger {
        self.sync_ledger.get_untracked()
    }

    fn set_sync_ledger(&self, ledger: StoredLedger) {
        self.set_ledger(ledger);
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
