//! The UI edge (界面): Leptos components that turn user events into core
//! operations and show their results. Nothing here computes what the core could.
//!
//! State lives in one [`AppState`] in context: the replica (only ever changed by
//! applying a change *after* storage confirmed it), the derived snapshot, the
//! save status, the language and the current route.

mod milestones;
mod platform;
mod settings;
mod table;
mod targets;

use crate::core::i18n::{t, Lang, K};
use crate::core::replica::{Change, Replica};
use crate::core::route::Route;
use crate::core::snapshot::Snapshot;
use crate::core::validate::ValidationError;
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

/// Everything the components share. All fields are arena handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct AppState {
    /// `None` while storage is loading.
    pub replica: RwSignal<Option<Replica>>,
    pub snapshot: Memo<Snapshot>,
    pub device: RwSignal<Option<DeviceInfo>>,
    pub status: RwSignal<SaveStatus>,
    pub lang: RwSignal<Lang>,
    pub route: RwSignal<Route>,
    pub load_error: RwSignal<Option<StoreError>>,
    store: StoredValue<Option<Rc<BrowserStore>>, LocalStorage>,
    /// Saves run one at a time, each staged from the replica the previous one left.
    lock: StoredValue<Rc<futures::lock::Mutex<()>>, LocalStorage>,
}

impl AppState {
    fn new() -> Self {
        let replica = RwSignal::new(None::<Replica>);
        AppState {
            replica,
            snapshot: Memo::new(move |_| replica.with(|r| r.as_ref().map(Replica::snapshot).unwrap_or_default())),
            device: RwSignal::new(None),
            status: RwSignal::new(SaveStatus::Idle),
            lang: RwSignal::new(platform::stored_lang()),
            route: RwSignal::new(Route::parse(&platform::current_hash())),
            load_error: RwSignal::new(None),
            store: StoredValue::new_local(None),
            lock: StoredValue::new_local(Rc::new(futures::lock::Mutex::new(()))),
        }
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
    /// leaves storage and the replica exactly as they were.
    pub async fn save(self, stage: impl FnOnce(&Replica, u64) -> Result<Change, ValidationError>) -> Result<(), String> {
        let lang = self.lang.get_untracked();
        let Some(store) = self.store.get_value() else {
            return Err(t(lang, K::Loading).to_owned());
        };
        let lock = self.lock.get_value();
        let _turn = lock.lock().await;
        let staged = self.replica.with_untracked(|r| r.as_ref().map(|r| stage(r, platform::now_ms())));
        let change = match staged {
            None => return Err(t(lang, K::Loading).to_owned()),
            Some(Err(e)) => return Err(e.message(lang)),
            Some(Ok(c)) => c,
        };
        self.status.set(SaveStatus::Saving);
        match boot::commit_change(&*store, &change).await {
            Ok(()) => {
                self.replica.update(|r| {
                    if let Some(r) = r {
                        r.apply(change);
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

    /// Stores the squad/user name (a device setting that travels with exports).
    pub async fn save_squad_name(self, name: String) -> Result<(), String> {
        let lang = self.lang.get_untracked();
        let name = crate::core::validate::required_text("squad_name", &name, crate::core::validate::MAX_NAME).map_err(|e| e.message(lang))?;
        let Some(store) = self.store.get_value() else {
            return Err(t(lang, K::Loading).to_owned());
        };
        let lock = self.lock.get_value();
        let _turn = lock.lock().await;
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
    });
    on_cleanup(move || hash_listener.remove());

    spawn_local(async move {
        let opened = async {
            let store = BrowserStore::open().await?;
            let (replica, info) = boot::open(&store, platform::random_device).await?;
            Ok::<_, StoreError>((store, replica, info))
        };
        match opened.await {
            Ok((store, replica, info)) => {
                state.store.set_value(Some(Rc::new(store)));
                state.device.set(Some(info));
                state.replica.set(Some(replica));
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

    view! {
        <header class="topbar">
            <h1 class="brand">{move || state.t(K::AppTitle)}</h1>
            <nav class="nav">
                {nav(Route::Table, K::NavTable, "nav-table")}
                {nav(Route::Targets(Default::default()), K::NavTargets, "nav-targets")}
                {nav(Route::Milestones, K::NavMilestones, "nav-milestones")}
                {nav(Route::Settings, K::NavSettings, "nav-settings")}
            </nav>
            <SaveIndicator/>
        </header>
        {move || match (state.load_error.get(), state.replica.with(Option::is_some)) {
            (Some(e), _) => view! {
                <main class="view"><p class="error" role="alert" data-testid="load-error">{e.message(state.lang.get())}</p></main>
            }.into_any(),
            (None, false) => view! { <main class="view"><p class="muted">{state.t(K::Loading)}</p></main> }.into_any(),
            (None, true) => view! {
                <FirstRunBanner/>
                <main data-testid="app-ready">{move || current_view(state.route.get())}</main>
            }.into_any(),
        }}
    }
}

fn current_view(route: Route) -> AnyView {
    match route {
        Route::Table => view! { <table::TableView/> }.into_any(),
        Route::Targets(filter) => view! { <targets::TargetList filter=filter/> }.into_any(),
        Route::NewTarget => view! { <targets::NewTarget/> }.into_any(),
        Route::Target(id) => view! { <targets::TargetDetail id=id/> }.into_any(),
        Route::Milestones => view! { <milestones::MilestonesView/> }.into_any(),
        Route::Settings => view! { <settings::SettingsView/> }.into_any(),
        Route::NotFound(_) => view! { <NotFound/> }.into_any(),
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
