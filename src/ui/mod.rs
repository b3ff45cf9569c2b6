//! The UI edge (界面): Leptos components that turn user events into core
//! operations and show their results. Nothing here computes what the core could.
//!
//! State lives in one [`AppState`] in context: the replica (only ever changed by
//! applying a change *after* storage confirmed it), the derived snapshot, the
//! save status, the language and the current route.
//!
//! Field work adds the ledger index (one per app, built in chunks when the replica
//! loads and updated by every committed change through [`AppState::after_commit`])
//! and the field snapshot (checklist, visits, answers).
//!
//! Views are mounted afresh on every navigation (`hashchange`); a view that keeps
//! its own state in the address (the ledger's filters) changes the address with
//! [`AppState::replace_route`] and stays mounted.

mod campaigns;
mod checklist;
mod dashboard;
mod export;
mod ledger;
mod milestones;
mod offline;
mod plan_edit;
mod platform;
mod problems;
mod reports;
mod settings;
mod split;
mod sync;
mod table;
mod targets;
mod visits;

/// Export buttons (导出Excel / 导出CSV) for any view; see `export.rs` for how to use them.
pub use export::{ExportMenu, ExportWhat};

use crate::core::fieldwork::{FieldSnapshot, LedgerIndex};
use crate::core::i18n::{t, Lang, UserMessage, K};
use crate::core::replica::{Change, Replica};
use crate::core::route::Route;
use crate::core::snapshot::Snapshot;
use crate::storage::boot::{self, DeviceInfo};
use crate::storage::browser::BrowserStore;
use crate::storage::{Store, StoreError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// Whether the last save reached storage.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveStatus {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

impl SaveStatus {
    fn code(&self) -> &'static str {
        match self {
            SaveStatus::Idle => "idle",
            SaveStatus::Saving => "saving",
            SaveStatus::Saved => "saved",
            SaveStatus::Failed(_) => "error",
        }
    }
}

/// Why a staged change was refused: any core error with a message for the user
/// ([`UserMessage`]), so `?` works on validation and field-work errors alike.
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
    /// [`RecordsGate`]); every save waits for it before it stages, so a change is
    /// always staged against every stored record.
    pub records_ready: RwSignal<bool>,
    /// While they are read: how many so far, and how many the store expects.
    pub records_progress: RwSignal<(usize, Option<usize>)>,
    /// True in the benchmark mode (`?bench=ledger100k`): generated problems in memory.
    pub bench: RwSignal<bool>,
    /// Bumped by every navigation; the current view is mounted afresh when it changes.
    nav: RwSignal<u64>,
    pub device: RwSignal<Option<DeviceInfo>>,
    /// The channel to the app's other tabs (None where BroadcastChannel is missing).
    tabs: StoredValue<Option<web_sys::BroadcastChannel>, LocalStorage>,
    /// What this device exported and received (stored as one meta value).
    pub sync_ledger: RwSignal<crate::core::bundle::SyncLedger>,
    pub status: RwSignal<SaveStatus>,
    pub lang: RwSignal<Lang>,
    pub route: RwSignal<Route>,
    pub load_error: RwSignal<Option<StoreError>>,
    store: StoredValue<Option<Rc<BrowserStore>>, LocalStorage>,
    /// Saves run one at a time, each staged from the replica the previous one left;
    /// across tabs too (see [`turn`](Self::turn)).
    lock: StoredValue<std::sync::Arc<futures::lock::Mutex<()>>, LocalStorage>,
    /// Data this browser held that the store lacks (evicted, records missing).
    pub lost: RwSignal<Option<offline::LostData>>,
}

/// The Web Lock every tab takes to write: saves, imports, migrations, first run.
pub(crate) const DATA_LOCK: &str = "duzhan-data";

/// One writer's turn: the in-tab mutex, then the cross-tab Web Lock (absent where
/// the browser has no Web Locks). Dropped in reverse order.
pub(crate) struct Turn {
    _web: Option<platform::WebLock>,
    _tab: futures::lock::OwnedMutexGuard<()>,
}

impl AppState {
    fn new() -> Self {
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
            tabs: StoredValue::new_local(None),
            status: RwSignal::new(SaveStatus::Idle),
            lang: RwSignal::new(platform::stored_lang()),
            route: RwSignal::new(Route::parse(&platform::current_hash())),
            load_error: RwSignal::new(None),
            store: StoredValue::new_local(None),
            lock: StoredValue::new_local(std::sync::Arc::new(futures::lock::Mutex::new(()))),
            lost: RwSignal::new(None),
        }
    }

    /// Waits for this tab's and then every tab's turn to write.
    pub(crate) async fn turn(&self) -> Turn {
        let tab = self.lock.get_value().lock_owned().await;
        Turn { _web: platform::web_lock(DATA_LOCK).await, _tab: tab }
    }

    /// The text of a UI string in the current language (reactive).
    pub fn t(&self, k: K) -> &'static str {
        t(self.lang.get(), k)
    }

    pub fn store_kind(&self) -> &'static str {
        self.store.with_value(|s| s.as_ref().map(|s| s.kind()).unwrap_or("-"))
    }

    /// Stages a change against the current replica, commits it durably, and only
    /// then applies it. Returns the user-facing message on failure; a failure
    /// leaves storage and the replica exactly as they were. The staging step may
    /// fail with any error that has a message for the user (`?` converts it).
    pub async fn save(self, stage: impl FnOnce(&Replica, u64) -> Result<Change, UserError>) -> Result<(), String> {
        let lang = self.lang.get_untracked();
        self.commit_staged(|r, _, now| stage(r, now).map(|c| (c, None, ())).map_err(|e| e.message(lang))).await
    }

    /// The one commit path (saves, imports, exports, receipts): under the save lock,
    /// stages against the current replica (and sync ledger), writes the change and,
    /// when given, the new sync ledger in one atomic commit, and only then applies
    /// them. A failure leaves storage and the replica as they were.
    pub(crate) async fn commit_staged<T>(
        self,
        stage: impl FnOnce(&Replica, &crate::core::bundle::SyncLedger, u64) -> Result<(Change, Option<crate::core::bundle::SyncLedger>, T), String>,
    ) -> Result<T, String> {
        let lang = self.lang.get_untracked();
        let Some(store) = self.store.get_value() else {
            return Err(t(lang, K::Loading).to_owned());
        };
        if !self.records_ready.get_untracked() {
            // Typed input is kept; the save goes on once every record is read.
            self.status.set(SaveStatus::Saving);
            while !self.records_ready.get_untracked() {
                if self.load_error.with_untracked(Option::is_some) {
                    return Err(t(lang, K::Loading).to_owned());
                }
                platform::sleep_ms(25).await;
            }
        }
        let _turn = self.turn().await;
        // Another tab of this device may have committed since this replica last
        // heard: move the clock past the stored one so no stamp is handed out twice.
        if let Ok(Some(c)) = store.meta(boot::META_CLOCK).await {
            self.replica.update_untracked(|r| {
                if let Some(r) = r {
                    let _ = boot::observe_stored_clock(r, &c);
                }
            });
        }
        let ledger = self.sync_ledger.get_untracked();
        let staged = self.replica.with_untracked(|r| r.as_ref().map(|r| stage(r, &ledger, platform::now_ms())));
        let (change, new_ledger, out) = match staged {
            None => return Err(t(lang, K::Loading).to_owned()),
            Some(r) => r?,
        };
        let meta = match &new_ledger {
            Some(l) => vec![(crate::core::bundle::ledger::META_SYNC_LEDGER.to_owned(), l.to_meta().map_err(|e| e.to_string())?)],
            None => Vec::new(),
        };
        self.status.set(SaveStatus::Saving);
        let written = if meta.is_empty() { boot::commit_change(&*store, change).await } else { boot::commit_change_with_meta(&*store, change, meta).await };
        match written {
            // `stored` holds the docs as the store merged them (with whatever another
            // tab committed to the same records), which is what this tab now shows.
            Ok(stored) => {
                self.apply_committed(stored);
                if let Some(l) = new_ledger {
                    self.sync_ledger.set(l);
                }
                offline::note_commit(&self);
                self.status.set(SaveStatus::Saved);
                self.ask_persistence_once();
                Ok(out)
            }
            Err(e) => {
                let msg = e.message(lang);
                self.status.set(SaveStatus::Failed(msg.clone()));
                Err(msg)
            }
        }
    }

    /// After the first real save of a session, asks the browser to keep this site's
    /// data (it then survives storage pressure). Asked once: browsers may prompt.
    fn ask_persistence_once(self) {
        thread_local! { static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) }; }
        if ASKED.with(|a| a.replace(true)) {
            return;
        }
        spawn_local(async move {
            if platform::is_persisted().await == Some(false) {
                let _ = platform::request_persistence().await;
            }
        });
    }

    /// Stores the squad/user name (a device setting that travels with exports).
    pub async fn save_squad_name(self, name: String) -> Result<(), String> {
        let lang = self.lang.get_untracked();
        let name = crate::core::validate::required_text("squad_name", &name, crate::core::validate::MAX_NAME).map_err(|e| e.message(lang))?;
        let Some(store) = self.store.get_value() else {
            return Err(t(lang, K::Loading).to_owned());
        };
        let _turn = self.turn().await;
        self.status.set(SaveStatus::Saving);
        match boot::set_squad_name(&*store, &name).await {
            Ok(()) => {
                self.device.update(|d| {
                    if let Some(d) = d {
                        d.squad_name = name;
                    }
                });
                self.status.set(SaveStatus::Saved);
                Ok(())
            }
            Err(e) => {
                let msg = e.message(lang);
                self.status.set(SaveStatus::Failed(msg.clone()));
                Err(msg)
            }
        }
    }

    /// Applies a change that storage has committed: to the replica, then to what is
    /// derived from it incrementally ([`after_commit`](Self::after_commit)). Every
    /// path that commits (a save, a bundle import) ends here.
    pub fn apply_committed(&self, change: Change) {
        self.after_commit(&change);
        self.tabs.with_value(|ch| {
            if let Some(ch) = ch {
                platform::announce_change(ch, &change.docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>());
            }
        });
        self.replica.update(|r| {
            if let Some(r) = r {
                r.apply(change);
            }
        });
    }

    /// Another tab committed: merge what storage holds into this tab's replica
    /// (merge is idempotent, so re-merging what is already here changes nothing),
    /// and take over its settings. `ids`: the records it committed, when it said
    /// (then only those are read — with 100,000 problems stored, reading everything
    /// after every save in another tab would take seconds); `None`: everything.
    /// Runs under the save lock, so it never interleaves with this tab's own
    /// staging and commit.
    async fn refresh_from_store(self, ids: Option<Vec<String>>) {
        let Some(store) = self.store.get_value() else { return };
        let lock = self.lock.get_value();
        let _turn = lock.lock().await;
        let loaded = match ids {
            None => store.load().await,
            Some(ids) => {
                let docs = store.load_ids(&ids).await;
                let mut meta = std::collections::BTreeMap::new();
                for key in [crate::core::bundle::ledger::META_SYNC_LEDGER, boot::META_SQUAD] {
                    if let Ok(Some(v)) = store.meta(key).await {
                        meta.insert(key.to_owned(), v);
                    }
                }
                docs.map(|docs| crate::storage::Loaded { docs, meta })
            }
        };
        let Ok(loaded) = loaded else { return };
        let change = self.replica.with_untracked(|r| r.as_ref().map(|r| r.stage_merge(&loaded.docs)));
        if let Some(change) = change.filter(|c| !c.is_empty()) {
            self.after_commit(&change);
            self.replica.update(|r| {
                if let Some(r) = r {
                    r.apply(change);
                }
            });
        }
        if let Ok(l) = crate::core::bundle::SyncLedger::from_meta(loaded.meta.get(crate::core::bundle::ledger::META_SYNC_LEDGER).map(String::as_str)) {
            self.sync_ledger.set(l);
        }
        if let Some(name) = loaded.meta.get(boot::META_SQUAD) {
            self.device.update(|d| {
                if let Some(d) = d {
                    if &d.squad_name != name {
                        d.squad_name = name.clone();
                    }
                }
            });
        }
    }

    /// Updates the incrementally maintained read models with a committed change's
    /// docs: the ledger index (only the rows they touch), then tells the views.
    /// Call it for every committed change, after or instead of `apply_committed`'s
    /// replica step — never for a change that did not commit.
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

    /// Changes the address to `route` without remounting the view (see the module doc).
    pub fn replace_route(&self, route: Route) {
        platform::replace_hash(&route.to_hash());
        self.route.set(route);
    }

    /// Reads the bulk records a fast open left (see `storage::boot::load_rest`) and
    /// merges them into the replica, in one update (one recomputation of what is
    /// derived from it). Commits made meanwhile are already in the replica; the
    /// merge keeps them (it is idempotent and order-independent).
    async fn load_rest(self, rest: boot::Rest) -> Result<(), StoreError> {
        let Some(store) = self.store.get_value() else { return Ok(()) };
        self.records_progress.set((0, rest.expected()));
        let progress = self.records_progress;
        let (bulk, missing) = boot::load_rest(&*store, &rest, &|n| progress.update(|p| p.0 = n)).await?;
        platform::mark("duzhan:bulk-read");
        if !bulk.is_empty() {
            self.replica.update(|r| {
                if let Some(r) = r {
                    boot::absorb(r, bulk);
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
    async fn build_ledger(self, extra: Vec<crate::core::doc::Doc>) {
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

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

/// Mounts the app on the page.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The app shell: header with navigation and save status, first-run banner, the current view.
#[component]
fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    platform::store_lang(state.lang.get_untracked());

    let hash_listener = window_event_listener(leptos::ev::hashchange, move |_| {
        state.route.set(Route::parse(&platform::current_hash()));
        state.nav.update(|n| *n += 1);
    });
    on_cleanup(move || hash_listener.remove());

    spawn_local(async move {
        let opened = async {
            // Opening migrates stored data and the first run writes the default:
            // both under the cross-tab lock, so two tabs never do either at once.
            let _lock = platform::web_lock(DATA_LOCK).await;
            platform::mark("duzhan:locked");
            let store = BrowserStore::open_named(&platform::open_db()).await?;
            platform::mark("duzhan:store-open");
            // The head only (the plan, reports, settings): the first view shows
            // before the bulk records are read, which `load_rest` does below.
            let (replica, info, rest) = boot::open_head(&store, platform::random_device).await?;
            Ok::<_, StoreError>((store, replica, info, rest))
        };
        match opened.await {
            Ok((store, replica, info, rest)) => {
                state.store.set_value(Some(Rc::new(store)));
                // An unreadable ledger must not keep the data from opening: start a
                // fresh one (the records themselves are untouched) and say so.
                match crate::core::bundle::SyncLedger::from_meta(info.sync_ledger.as_deref()) {
                    Ok(l) => state.sync_ledger.set(l),
                    Err(e) => leptos::logging::warn!("sync ledger unreadable, starting a new one: {e}"),
                }
                state.lost.set(offline::check_lost(&info));
                state.device.set(Some(info));
                // The campaign list names this store's campaign (the first store's too).
                platform::note_campaign(&replica);
                state.replica.set(Some(replica));
                state.tabs.set_value(platform::open_tab_channel(move |ids| spawn_local(state.refresh_from_store(ids))));
                platform::mark("duzhan:head-ready");
                // Let the first view render before reading the rest.
                platform::yield_to_browser().await;
                if let Err(e) = state.load_rest(rest).await {
                    state.load_error.set(Some(e));
                    return;
                }
                // Benchmark mode: 100,000 generated problems, in the ledger index only
                // (never in the replica or storage). See README "Benchmarks".
                let bench = platform::bench_flag();
                let extra = if bench.as_deref() == Some("ledger100k") {
                    state.bench.set(true);
                    platform::yield_to_browser().await;
                    split::bench_campaign(100_000).await.unwrap_or_default()
                } else {
                    Vec::new()
                };
                // Cold-start benchmark setup (`?bench=store100k`): the same 100,000
                // generated problems (or `&problems=N`, up to 100,000: the end-to-end
                // test of loading uses fewer), merged and committed to storage through
                // the one commit path, once per profile; the benchmark then reloads the app.
                // Only into a fresh profile holding nothing but the embedded default
                // (every record still carries the seed stamp): generated records must
                // never enter a device's real data, from where they would travel to the
                // office in bundles.
                if bench.as_deref() == Some("store100k") {
                    let fresh = state.replica.with_untracked(|r| {
                        r.as_ref().is_some_and(|r| r.docs().all(|d| d.fields.values().all(|f| f.s.dev == crate::core::clock::DeviceId::seed())))
                    });
                    if fresh {
                        platform::yield_to_browser().await;
                        let n = platform::query_param("problems").and_then(|v| v.parse::<usize>().ok()).filter(|n| (1..=100_000).contains(n)).unwrap_or(100_000);
                        let docs = split::bench_campaign(n).await.unwrap_or_default();
                        let _ = state.commit_staged(|r, _, _| Ok((r.stage_merge(&docs), None, ()))).await;
                    } else if state.replica.with_untracked(|r| r.as_ref().is_some_and(|r| r.doc("gen-problem-000000").is_none())) {
                        leptos::logging::warn!("?bench=store100k ignored: this profile holds real data; use a fresh browser profile");
                    }
                }
                state.build_ledger(extra).await;
                // Every view's code, in the background, now that the data is in:
                // a first navigation then does not wait for it (`split`).
                split::preload_all().await;
            }
            Err(e) => state.load_error.set(Some(e)),
        }
    });

    let nav = move |route: Route, key: K, testid: &'static str| {
        let href = route.to_hash();
        let route = StoredValue::new(route);
        let active = move || route.with_value(|r| r.same_section(&state.route.get()));
        view! {
            <a href=href data-testid=testid class:active=active aria-current=move || active().then_some("page")>
                {move || state.t(key)}
            </a>
        }
    };

    // Only whether data is loaded — not every change to it — may re-mount the page:
    // re-mounting would drop what views hold (form input, messages) after each save.
    let loaded = Memo::new(move |_| state.replica.with(Option::is_some));

    view! {
        <header class="topbar">
            <h1 class="brand">{move || state.t(K::AppTitle)}</h1>
            // Which campaign this page works on (工作方案): a device may hold several.
            <span class="campaign-label" data-testid="campaign-label">{move || state.snapshot.with(|s| s.campaign.as_ref().map(|c| format!("{} · {}", c.year, c.name)).unwrap_or_default())}</span>
            <nav class="nav">
                {nav(Route::Table, K::NavTable, "nav-table")}
                {nav(Route::Targets(Default::default()), K::NavTargets, "nav-targets")}
                {nav(Route::Ledger(Default::default()), K::NavLedger, "nav-ledger")}
                {nav(Route::Reports(None), K::NavReports, "nav-reports")}
                {nav(Route::Dashboard, K::NavDashboard, "nav-dashboard")}
                {nav(Route::Milestones, K::NavMilestones, "nav-milestones")}
                {nav(Route::Sync, K::NavSync, "nav-sync")}
                {nav(Route::Settings, K::NavSettings, "nav-settings")}
            </nav>
            <SaveIndicator/>
        </header>
        {move || match (state.load_error.get(), loaded.get()) {
            (Some(e), _) => view! {
                <main class="view"><p class="error" role="alert" data-testid="load-error">{e.message(state.lang.get())}</p></main>
            }.into_any(),
            (None, false) => view! { <main class="view"><p class="muted">{state.t(K::Loading)}</p></main> }.into_any(),
            (None, true) => view! {
                <FirstRunBanner/>
                <main data-testid="app-ready">{move || {
                    state.nav.track();
                    let route = state.route.get_untracked();
                    // Views of field records wait for them (tracked only for those
                    // views, so the others are not mounted again when they arrive).
                    if route.needs_records() && !state.records_ready.get() {
                        split::prefetch(&route);
                        return records_loading().into_any();
                    }
                    current_view(route)
                }}</main>
            }.into_any(),
        }}
    }
}

fn current_view(route: Route) -> AnyView {
    match route.code_group() {
        Some(group) => split::view_of(group, route),
        None => match route {
            Route::NotFound(_) => view! { <NotFound/> }.into_any(),
            _ => view! { <offline::DataLossBanner/> <offline::StorageWarning/> <sync::GuardianBar/> <reports::Countdown/> <RecordsGate quiet=true><visits::DraftList/></RecordsGate> <table::TableView/> }.into_any(),
        },
    }
}

/// The note shown instead of a view (or part of one) of field records while they
/// are still being read: a view of visits or problems never shows a partial list
/// as if it were the whole.
fn records_loading() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="view" data-testid="records-loading" aria-busy="true">
            <p class="muted">{move || state.t(K::RecordsLoading)}</p>
            <p class="muted" data-testid="records-progress">
                {move || state.t(K::RecordsRead)} " "
                {move || state.records_progress.with(|&(n, of)| match of {
                    Some(of) => format!("{n} / {of}"),
                    None => n.to_string(),
                })}
            </p>
        </section>
    }
}

/// Shows its children once every stored record is read (`records_ready`), and
/// until then [`records_loading`] (nothing, when `quiet`). Whole views of field
/// records wait at the router instead (`Route::needs_records`).
#[component]
pub fn RecordsGate(children: ChildrenFn, #[prop(optional)] quiet: bool) -> impl IntoView {
    let state = use_app();
    view! {
        <Show when=move || state.records_ready.get() fallback=move || (!quiet).then(records_loading)>
            {children()}
        </Show>
    }
}

/// Shows whether the last change is durable ("已保存" only after the commit completed).
#[component]
fn SaveIndicator() -> impl IntoView {
    let state = use_app();
    view! {
        <div class="save-status" data-testid="save-status" data-state=move || state.status.with(SaveStatus::code) role="status" aria-live="polite">
            {move || match state.status.get() {
                SaveStatus::Idle => String::new(),
                SaveStatus::Saving => state.t(K::Saving).to_owned(),
                SaveStatus::Saved => format!("✓ {}", state.t(K::Saved)),
                SaveStatus::Failed(m) => format!("{}：{m}", state.t(K::SaveFailed)),
            }}
        </div>
    }
}

/// First run: ask for the squad/user name without hiding the data.
#[component]
fn FirstRunBanner() -> impl IntoView {
    let state = use_app();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let needs_name = move || state.device.with(|d| d.as_ref().is_some_and(|d| d.squad_name.is_empty()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            error.set(state.save_squad_name(name.get_untracked()).await.err());
        });
    };
    view! {
        <Show when=needs_name>
            <form class="banner" data-testid="first-run-banner" on:submit=submit>
                <label for="first-run-name">{move || state.t(K::WelcomeAsk)}</label>
                <div class="row">
                    <input id="first-run-name" data-testid="first-run-name" type="text" maxlength="100"
                        placeholder=move || state.t(K::SquadName)
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <button type="submit" data-testid="first-run-save">{move || state.t(K::Save)}</button>
                </div>
                <FormError error=error/>
            </form>
        </Show>
    }
}

/// A form's error message, in the user's language, announced to screen readers.
#[component]
pub fn FormError(error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <p class="error" role="alert" data-testid="form-error">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// A record's page whose record does not exist (any more): deleted here or by an import.
#[component]
pub fn MissingRecord() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="view" data-testid="view-not-found">
            <p>{move || state.t(K::NotFound)}</p>
            <a href="#/targets">{move || state.t(K::BackToTargets)}</a>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="view" data-testid="view-not-found">
            <p>{move || state.t(K::NotFound)}</p>
            <a href="#/table">{move || state.t(K::NavTable)}</a>
        </section>
    }
}
