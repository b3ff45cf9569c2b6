//! The UI edge (界面): Leptos components that turn user events into application
//! calls (`crate::app`) and show their results. Nothing here computes what the
//! core could, and nothing here writes to storage but through the app's session.
//!
//! This file is the shell: the module list, start-up, the header with navigation
//! and save status, and the router glue. The state every component shares is
//! [`AppState`] (`state.rs`); shared widgets are in `widgets.rs`.
//!
//! Views are mounted afresh on every navigation (`hashchange`); a view that keeps
//! its own state in the address (the ledger's filters) changes the address with
//! [`AppState::replace_route`] and stays mounted.

mod batch;
mod campaigns;
mod checklist;
mod dashboard;
mod export;
mod ledger;
mod milestones;
mod offline;
mod photos;
mod plan_edit;
mod platform;
mod print;
mod problems;
mod reports;
mod roster;
mod settings;
mod share;
mod split;
mod state;
mod sync;
mod sync_board;
mod table;
mod targets;
mod visits;
mod widgets;

/// Export buttons (导出Excel / 导出CSV) for any view; see `export.rs` for how to use them.
pub use export::{ExportMenu, ExportWhat};
pub use state::{use_app, AppState};
pub use widgets::{FormError, MissingRecord, RecordsGate};

use crate::app::{SaveStatus, Session, Workspace as _};
use crate::core::i18n::K;
use crate::core::route::Route;
use crate::storage::browser::BrowserStore;
use leptos::prelude::*;
use leptos::task::spawn_local;
use platform::WebPlatform;

/// Mounts the app on the page.
pub fn start() {
    console_error_panic_hook::set_once();
    // assets/engine-check.js found a WebAssembly feature missing and shows its page:
    // an engine that got this far anyway must not run the app beside it.
    let too_old = web_sys::window().and_then(|w| js_sys::Reflect::get(&w, &"duzhanTooOld".into()).ok()).is_some_and(|v| v.is_truthy());
    if too_old {
        return;
    }
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
        // The head only (the plan, reports, settings): the first view shows before
        // the bulk records are read, which `load_rest` does below.
        let opened = crate::app::open::open_head(&WebPlatform { tabs: None }, async {
            platform::mark("duzhan:locked");
            let store = BrowserStore::open_named(&platform::open_db()).await;
            platform::mark("duzhan:store-open");
            store
        });
        match opened.await {
            Ok((store, opened)) => {
                let tabs = platform::open_tab_channel(move |ids| spawn_local(state.refresh_from_store(ids)));
                state.set_session(Session::new(store, WebPlatform { tabs }));
                // An unreadable ledger must not keep the data from opening: a fresh
                // one was started (the records themselves are untouched).
                if let Some(e) = &opened.ledger_unreadable {
                    leptos::logging::warn!("sync ledger unreadable, starting a new one: {e}");
                }
                state.set_ledger(opened.sync_ledger);
                state.lost.set(offline::check_lost(&opened.info));
                state.device.set(Some(opened.info));
                state.set_replica(opened.replica);
                // The campaign list names this store's campaign (the first store's too).
                state.note_campaign();
                platform::mark("duzhan:head-ready");
                // Let the first view render before reading the rest.
                platform::yield_to_browser().await;
                if let Err(e) = state.load_rest(opened.rest).await {
                    state.load_error.set(Some(e));
                    return;
                }
                let extra = bench_setup(state).await;
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
        <share::ShareBar/>
        {move || match (state.load_error.get(), loaded.get()) {
            (Some(e), _) => view! {
                <main class="view"><p class="error" role="alert" data-testid="load-error">{e.message(state.lang.get())}</p></main>
            }.into_any(),
            (None, false) => view! { <main class="view"><p class="muted">{state.t(K::Loading)}</p></main> }.into_any(),
            (None, true) => view! {
                <FirstRunBanner/>
                <ClockWarning/>
                <main data-testid="app-ready">{move || {
                    state.nav.track();
                    let route = state.route.get_untracked();
                    // Views of field records wait for them (tracked only for those
                    // views, so the others are not mounted again when they arrive).
                    if route.needs_records() && !state.records_ready.get() {
                        split::prefetch(&route);
                        return widgets::records_loading().into_any();
                    }
                    current_view(route)
                }}</main>
            }.into_any(),
        }}
    }
}

/// The benchmark modes (README "Benchmarks"). `?bench=ledger100k`: 100,000
/// generated problems in the ledger index only (never in the replica or storage),
/// returned to be indexed. `?bench=store100k` (or `&problems=N`, up to 100,000: the
/// end-to-end test of loading uses fewer): the same problems merged and committed
/// to storage through the one commit path, once per profile; the benchmark then
/// reloads the app. Only into a fresh profile holding nothing but the embedded
/// default (every record still carries the seed stamp): generated records must
/// never enter a device's real data, from where they would travel to the office.
async fn bench_setup(state: AppState) -> Vec<crate::core::doc::Doc> {
    let bench = platform::bench_flag();
    if bench.as_deref() == Some("ledger100k") {
        state.bench.set(true);
        platform::yield_to_browser().await;
        return split::bench_campaign(100_000).await.unwrap_or_default();
    }
    if bench.as_deref() == Some("store100k") {
        let fresh = state.with_replica(|r| r.docs().all(|d| d.fields.values().all(|f| f.s.dev == crate::core::clock::DeviceId::seed()))).unwrap_or(false);
        if fresh {
            platform::yield_to_browser().await;
            let n = platform::query_param("problems").and_then(|v| v.parse::<usize>().ok()).filter(|n| (1..=100_000).contains(n)).unwrap_or(100_000);
            let docs = split::bench_campaign(n).await.unwrap_or_default();
            if let Some(s) = state.session() {
                let _ = s.save(&state, |c| Ok::<_, std::convert::Infallible>(c.replica.stage_merge(&docs))).await;
            }
        } else if state.with_replica(|r| r.doc("gen-problem-000000").is_none()).unwrap_or(false) {
            leptos::logging::warn!("?bench=store100k ignored: this profile holds real data; use a fresh browser profile");
        }
    }
    Vec::new()
}

fn current_view(route: Route) -> AnyView {
    match route.code_group() {
        Some(group) => split::view_of(group, route),
        None => match route {
            Route::NotFound(_) => view! { <NotFound/> }.into_any(),
            _ => view! { <offline::DataLossBanner/> <offline::InstallHint/> <offline::StorageWarning/> <sync::GuardianBar/> <reports::Countdown/> <RecordsGate quiet=true><visits::DraftList/></RecordsGate> <table::TableView/> }.into_any(),
        },
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
                SaveStatus::Failed(e) => state.lang.get().labelled(state.t(K::SaveFailed), e.message(state.lang.get())),
            }}
        </div>
    }
}

/// 本机时间可能不准: this device's clock is more than a day behind the newest change
/// it holds (`clock::behind_by`, the clock guard in ARCHITECTURE.md). On every view,
/// so the user sees it before saving.
#[component]
fn ClockWarning() -> impl IntoView {
    let state = use_app();
    let behind = move || state.replica.with(|r| r.as_ref().and_then(|r| crate::core::clock::behind_by(r.clock(), platform::now_ms())));
    move || {
        behind().map(|ms| {
            let days = ms.div_ceil(86_400_000);
            view! { <p class="banner warn no-print" role="alert" data-testid="clock-warning">{move || state.t(K::ClockBehind)} {days} {move || state.t(K::ClockBehindDays)}</p> }
        })
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
