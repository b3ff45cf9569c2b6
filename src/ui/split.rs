//! Views whose code loads on first use (分包载入, code splitting).
//!
//! The first load carries the shell, the storage and the first view (督战表, the
//! supervision table); every other view is compiled into one of four split
//! functions below (so are the export, `export::run_export`, and the benchmark
//! generator, [`bench_campaign`]). `scripts/split.mjs` (run by the Trunk post-build hook) cuts
//! the built wasm at these functions with `wasm-split`: each group's code goes
//! into its own wasm file, fetched and linked into the running module the first
//! time one of its views is opened; code that several groups share goes into
//! shared chunks. The service worker precaches every file, so offline use is
//! unchanged; after the field records are read, [`preload_all`] fetches the groups
//! in the background so that a first navigation does not wait either.
//!
//! A group whose file cannot be fetched (the server was updated while this page
//! was open, or storage was cleared) does not abort the app: the view says so and
//! asks for a reload ([`ChunkError`]).
//!
//! On a native target the macro calls the functions directly (nothing to load).

use super::{checklist, dashboard, ledger, milestones, problems, reports, settings, sync, targets, use_app, visits};
use crate::core::i18n::K;
use crate::core::route::{CodeGroup, Route};
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};

/// A view group's code could not be loaded.
#[derive(Debug)]
pub struct ChunkError;

impl From<SplitLoaderError> for ChunkError {
    fn from(_: SplitLoaderError) -> Self {
        ChunkError
    }
}

/// The view of a route in a split group: a short note while its code is fetched
/// (only on a first visit before the background preload got to it; once loaded,
/// the view is built at once), then the view — or, if the code cannot be fetched,
/// a message saying so with a reload button.
pub fn view_of(group: CodeGroup, route: Route) -> AnyView {
    let state = use_app();
    let view = Suspend::new(async move {
        let loaded = match group {
            CodeGroup::Field => field_views(route).await,
            CodeGroup::Reports => report_views(route).await,
            CodeGroup::Exchange => exchange_views(route).await,
            CodeGroup::Plan => plan_views(route).await,
        };
        loaded.unwrap_or_else(|_| chunk_failed().into_any())
    });
    view! {
        <Suspense fallback=move || view! {
            <section class="view" data-testid="view-loading" aria-busy="true"><p class="muted">{move || state.t(K::ViewLoading)}</p></section>
        }>{view}</Suspense>
    }
    .into_any()
}

/// Fetches a group's code (once; a later call returns at once, a failed one tries again).
async fn preload(group: CodeGroup) -> Result<(), SplitLoaderError> {
    match group {
        CodeGroup::Field => preload_field().await,
        CodeGroup::Reports => preload_reports().await,
        CodeGroup::Exchange => preload_exchange().await,
        CodeGroup::Plan => preload_plan().await,
    }
}

/// Starts fetching a route's code without waiting for it: a view of field records
/// opened while they are still being read gets its code in the meantime.
pub fn prefetch(route: &Route) {
    if let Some(group) = route.code_group() {
        // A failure shows when the view itself asks (`view_of`).
        leptos::task::spawn_local(async move { _ = preload(group).await });
    }
}

/// Fetches every group's code in turn, then the export's.
pub async fn preload_all() {
    let mut all_loaded = true;
    for group in CodeGroup::ALL {
        all_loaded &= preload(group).await.is_ok();
    }
    all_loaded &= super::export::preload().await;
    if all_loaded {
        super::platform::mark("duzhan:views-loaded");
    } else {
        leptos::logging::warn!("a view group could not be preloaded; it will be fetched when opened");
    }
}

fn chunk_failed() -> impl IntoView {
    let state = use_app();
    // The parts may be gone because a new build was deployed while this page ran
    // (and no service worker holds the old one): then the page reloads into the new
    // build, once no save is under way. Offline, or the same build: the message stays.
    leptos::task::spawn_local(async move {
        while state.status.with_untracked(|s| matches!(s, crate::app::SaveStatus::Saving)) {
            super::platform::sleep_ms(100).await;
        }
        super::platform::reload_if_stale();
    });
    view! {
        <section class="view" data-testid="chunk-error">
            <p class="error" role="alert">{move || state.t(K::ChunkFailed)}</p>
            <button type="button" data-testid="chunk-reload" on:click=|_| super::platform::reload_page()>{move || state.t(K::ReloadPage)}</button>
        </section>
    }
}

#[wasm_split(views_field, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_field))]
fn field_views(route: Route) -> Result<AnyView, ChunkError> {
    Ok(match route {
        Route::Targets(filter) => view! { <targets::TargetList filter=filter/> }.into_any(),
        Route::NewTarget => view! { <targets::NewTarget/> }.into_any(),
        Route::Target(id) => view! { <targets::TargetDetail id=id/> }.into_any(),
        Route::Ledger(_) => view! { <ledger::LedgerView/> }.into_any(),
        Route::Problem(id) => view! { <problems::ProblemPage id=id/> }.into_any(),
        Route::NewProblem(from) => view! { <problems::NewProblemPage from=from/> }.into_any(),
        Route::Visit(id) => view! { <visits::VisitPage id=id/> }.into_any(),
        Route::NewVisit { target } => view! { <visits::NewVisitPage target=target/> }.into_any(),
        // Not reached: `Route::code_group` sends only this group's routes here.
        _ => view! { <super::NotFound/> }.into_any(),
    })
}

#[wasm_split(views_reports, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_reports))]
fn report_views(route: Route) -> Result<AnyView, ChunkError> {
    Ok(match route {
        Route::Reports(month) => view! { <reports::ReportBoard month=month/> }.into_any(),
        Route::Report { subject, month } => view! { <reports::ReportPage subject=subject month=month/> }.into_any(),
        Route::Rollup { month, county } => view! { <reports::RollupPage month=month county=county/> }.into_any(),
        Route::Dashboard => view! { <dashboard::Dashboard/> }.into_any(),
        // Not reached: `Route::code_group` sends only this group's routes here.
        _ => view! { <super::NotFound/> }.into_any(),
    })
}

#[wasm_split(views_exchange, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_exchange))]
fn exchange_views(route: Route) -> Result<AnyView, ChunkError> {
    Ok(match route {
        Route::Sync => view! { <sync::SyncView/> }.into_any(),
        // Not reached: `Route::code_group` sends only this group's routes here.
        _ => view! { <super::NotFound/> }.into_any(),
    })
}

#[wasm_split(views_plan, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_plan))]
fn plan_views(route: Route) -> Result<AnyView, ChunkError> {
    Ok(match route {
        Route::Milestones => view! { <milestones::MilestonesView/> }.into_any(),
        Route::Checklist => view! { <checklist::ChecklistEditor/> }.into_any(),
        Route::Settings => view! { <settings::SettingsView/> }.into_any(),
        // Not reached: `Route::code_group` sends only this group's routes here.
        _ => view! { <super::NotFound/> }.into_any(),
    })
}

/// Benchmark mode only (`?bench=…`, README "Benchmarks"): the generated campaign
/// (500 targets, `problems` problems), kept out of every user's first load.
#[wasm_split(bench, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn bench_campaign(problems: usize) -> Result<Vec<crate::core::doc::Doc>, ChunkError> {
    Ok(crate::core::fieldwork::generate::generate_campaign(2020, 500, 0, problems))
}
