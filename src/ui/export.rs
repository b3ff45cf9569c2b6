//! Export buttons (导出Excel / 导出CSV) for the 督战表 and the ledger, working offline.
//!
//! # Using it in a view
//!
//! ```ignore
//! use super::{ExportMenu, ExportWhat};
//!
//! // The 督战表 (built from the current snapshot):
//! view! { <ExportMenu what=ExportWhat::Table/> }
//!
//! // The ledger: a closure returning the rows of the view as the user sees it
//! // (filters, search and sort applied), in its order. It is called on click,
//! // not on render, so it may materialise every row of the view:
//! let rows = move || view.with_untracked(|v| state.ledger.with_untracked(|ix| ix.page(v, 0, v.total())));
//! view! { <ExportMenu what=ExportWhat::ledger(rows)/> }
//! ```
//!
//! The buttons carry `data-testid="export-xlsx-<what>"` and `"export-csv-<what>"`,
//! the status line `"export-status-<what>"` with `data-state` = `idle` | `loading`
//! | `writing` | `done` | `error`, where `<what>` is `table` or `ledger`.
//!
//! # How a file is made
//!
//! The sheet is built in the core (`core::export`), so a component computes nothing.
//! CSV is rendered in the core and downloaded at once. Excel goes to the xlsx web
//! worker (`src/bin/xlsx_worker`), started on the **first** Excel export only, so
//! its ~300 KB (gzipped) never weigh on the first load; it is then kept for the
//! page's lifetime. The page waits for the worker's "ready" message before posting
//! (messages posted earlier are lost), and gives up with a typed error if the
//! worker fails to load (offline before it was ever cached), breaks, or is silent
//! too long; the next attempt starts a fresh worker.
//!
//! The file is saved through a Blob, an object URL and a temporary `<a download>`:
//! no server, so it works offline.

use super::split::ChunkError;
use super::{platform, use_app, AppState};
use crate::core::export::sheet::reply;
use crate::core::export::{ledger_sheet, supervision_table_sheet, to_csv, DeliveryError, ExportKind, FileFormat, Sheet, Workbook, XlsxRequest};
use crate::core::fieldwork::LedgerRow;
use crate::core::i18n::K;
use chrono::NaiveDate;
use futures::channel::oneshot;
use js_sys::{Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::wasm_split;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The worker's loader script, next to index.html. Trunk gives worker files no
/// content hash (`xlsx_worker_loader.js`, `xlsx_worker.js`, `xlsx_worker_bg.wasm`):
/// **an offline cache (service worker) must version these three itself** and serve
/// them together, or a stale worker meets a newer page (the request's version
/// check then says "reload the page").
const WORKER_LOADER: &str = "./xlsx_worker_loader.js";
/// How long the worker may take to load and say "ready" (its wasm is ~1 MB).
const START_TIMEOUT_MS: i32 = 60_000;
/// How long one file may take to write (a 100,000-row ledger takes seconds).
const WRITE_TIMEOUT_MS: i32 = 300_000;

/// What an [`ExportMenu`] exports.
#[derive(Clone, Copy)]
pub enum ExportWhat {
    /// The 督战表, from the current snapshot.
    Table,
    /// The ledger: the rows of the current view, asked for on click.
    Ledger(UnsyncCallback<(), Vec<LedgerRow>>),
    /// Any sheet the core builds (reporting status, roll-ups), asked for on click;
    /// `code` names the test ids.
    Sheet { code: &'static str, kind: ExportKind, build: UnsyncCallback<(), Sheet> },
}

impl ExportWhat {
    /// The ledger, with a closure giving the rows of the current view.
    pub fn ledger(rows: impl Fn() -> Vec<LedgerRow> + 'static) -> Self {
        ExportWhat::Ledger(UnsyncCallback::new(move |()| rows()))
    }

    /// A sheet built by `build` on click, exported as `kind`, with test ids `export-*-<code>`.
    pub fn sheet(code: &'static str, kind: ExportKind, build: impl Fn() -> Sheet + 'static) -> Self {
        ExportWhat::Sheet { code, kind, build: UnsyncCallback::new(move |()| build()) }
    }

    /// The `<what>` of the test ids.
    fn code(self) -> &'static str {
        match self {
            ExportWhat::Table => "table",
            ExportWhat::Ledger(_) => "ledger",
            ExportWhat::Sheet { code, .. } => code,
        }
    }

    fn kind(self) -> ExportKind {
        match self {
            ExportWhat::Table => ExportKind::SupervisionTable,
            ExportWhat::Ledger(_) => ExportKind::Ledger,
            ExportWhat::Sheet { kind, .. } => kind,
        }
    }
}

/// Where an export stands.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    /// Fetching and starting the xlsx worker (first Excel export only).
    Loading,
    Writing,
    /// The file handed to the browser, by name.
    Done(String),
    Failed(DeliveryError),
}

impl Status {
    fn code(&self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Loading => "loading",
            Status::Writing => "writing",
            Status::Done(_) => "done",
            Status::Failed(_) => "error",
        }
    }

    fn busy(&self) -> bool {
        matches!(self, Status::Loading | Status::Writing)
    }
}

/// The two export buttons and a status line (progress, the file name, or why it failed).
#[component]
pub fn ExportMenu(
    /// The 督战表 or the ledger (see the module doc).
    what: ExportWhat,
) -> impl IntoView {
    let state = use_app();
    let status = RwSignal::new(Status::Idle);
    let code = what.code();

    let busy = move || status.with(Status::busy);
    view! {
        <div class="export-menu actions no-print" data-testid=format!("export-{code}")>
            <button type="button" class="secondary" data-testid=format!("export-xlsx-{code}") disabled=busy on:click=move |_| start_export(state, what, FileFormat::Xlsx, status)>
                {move || state.t(K::ExportXlsx)}
            </button>
            <button type="button" class="secondary" data-testid=format!("export-csv-{code}") disabled=busy on:click=move |_| start_export(state, what, FileFormat::Csv, status)>
                {move || state.t(K::ExportCsv)}
            </button>
            <span data-testid=format!("export-status-{code}") data-state=move || status.with(Status::code) role="status" aria-live="polite"
                class=move || if status.with(|s| matches!(s, Status::Failed(_))) { "export-status error" } else { "export-status muted" }>
                {move || match status.get() {
                    Status::Idle => String::new(),
                    Status::Loading => state.t(K::ExportLoading).to_owned(),
                    Status::Writing => state.t(K::ExportWriting).to_owned(),
                    Status::Done(name) => state.lang.get().labelled(state.t(K::ExportDone), name),
                    Status::Failed(e) => state.lang.get().labelled(state.t(K::ExportFailed), e.message(state.lang.get())),
                }}
            </span>
        </div>
    }
}

/// Fetches the export code ahead of the first export; false when it could not be.
pub(super) async fn preload() -> bool {
    preload_export().await.is_ok()
}

/// Builds the file's sheet in the core, as of `today`.
fn build_sheet(state: AppState, what: ExportWhat, today: NaiveDate) -> Sheet {
    match what {
        ExportWhat::Table => state.snapshot.with_untracked(|s| supervision_table_sheet(s, today)),
        ExportWhat::Ledger(rows) => {
            let count = |r: &LedgerRow| state.problem_photos_untracked(&r.id).len();
            ledger_sheet(&rows.run(()), today, count)
        }
        ExportWhat::Sheet { build, .. } => build.run(()),
    }
}

/// Starts one export on a click. The code that builds and writes the file is not
/// in the first load: it comes with the first export (`run_export`, a split point).
fn start_export(state: AppState, what: ExportWhat, format: FileFormat, status: RwSignal<Status>) {
    if status.with_untracked(Status::busy) {
        return;
    }
    status.set(Status::Writing);
    spawn_local(async move {
        if run_export(state, what, format, status).await.is_err() {
            status.set(Status::Failed(DeliveryError::CodeUnavailable));
        }
    });
}

/// Runs one export to its end, reporting progress in `status`. (Plain functions
/// rather than closures in the component: one copy of this code in the wasm.)
#[wasm_split(export, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_export))]
fn run_export(state: AppState, what: ExportWhat, format: FileFormat, status: RwSignal<Status>) -> Result<(), ChunkError> {
    let today = platform::today();
    let name = what.kind().file_name(today, format);
    let sheet = build_sheet(state, what, today);
    match format {
        FileFormat::Csv => {
            let bytes = Uint8Array::from(to_csv(&sheet).as_bytes());
            status.set(outcome(download(state, &bytes, format.mime(), &name), name));
        }
        FileFormat::Xlsx => {
            status.set(if worker_ready() { Status::Writing } else { Status::Loading });
            let author = state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default());
            let book = Workbook::single(sheet, &author, platform::now_ms());
            spawn_local(export_xlsx(state, book, name, status));
        }
    }
    Ok(())
}

async fn export_xlsx(state: AppState, book: Workbook, name: String, status: RwSignal<Status>) {
    let result = async {
        let worker = XlsxWorker::get().await?;
        status.set(Status::Writing);
        let bytes = worker.write(book).await?;
        download(state, &bytes, FileFormat::Xlsx.mime(), &name)
    };
    status.set(outcome(result.await, name));
}

fn outcome(r: Result<(), DeliveryError>, name: String) -> Status {
    match r {
        Ok(()) => Status::Done(name),
        Err(e) => Status::Failed(e),
    }
}

// ---- saving a file -------------------------------------------------------------

/// Hands bytes to the browser as the file `name` (`share::save_file`: a download,
/// or the share sheet in a Home Screen app on iOS).
fn download(state: AppState, bytes: &Uint8Array, mime: &str, name: &str) -> Result<(), DeliveryError> {
    super::share::save_file(state, name, bytes, mime).map_err(DeliveryError::Download)
}

// ---- the xlsx worker ------------------------------------------------------------

type Reply = Result<Uint8Array, DeliveryError>;

/// The running worker and what waits on it.
struct Inner {
    worker: web_sys::Worker,
    ready: bool,
    /// Callers waiting for "ready".
    waiting: Vec<oneshot::Sender<Result<(), DeliveryError>>>,
    /// Requests sent, with their ids (a few at most: a plain list).
    pending: Vec<(u32, oneshot::Sender<Reply>)>,
    next_id: u32,
    /// Kept so the handlers live as long as the worker.
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

/// A handle on the page's one xlsx worker (cheap to clone).
#[derive(Clone)]
struct XlsxWorker(Rc<RefCell<Inner>>);

thread_local! {
    /// The worker once started; cleared when it fails, so the next export starts afresh.
    static WORKER: RefCell<Option<XlsxWorker>> = const { RefCell::new(None) };
}

fn worker_ready() -> bool {
    WORKER.with(|w| w.borrow().as_ref().is_some_and(|w| w.0.borrow().ready))
}

impl XlsxWorker {
    /// The worker, started if needed, once it has said "ready".
    async fn get() -> Result<XlsxWorker, DeliveryError> {
        let w = match WORKER.with(|w| w.borrow().clone()) {
            Some(w) => w,
            None => {
                let w = XlsxWorker::start()?;
                WORKER.with(|slot| *slot.borrow_mut() = Some(w.clone()));
                w
            }
        };
        if w.0.borrow().ready {
            return Ok(w);
        }
        let (tx, rx) = oneshot::channel();
        w.0.borrow_mut().waiting.push(tx);
        match with_timeout(rx, START_TIMEOUT_MS).await {
            Some(Ok(r)) => r.map(|()| w),
            // The sender was dropped: the worker was torn down meanwhile.
            Some(Err(_)) => Err(DeliveryError::WorkerUnavailable("stopped".into())),
            None => {
                let e = DeliveryError::WorkerTimeout { seconds: (START_TIMEOUT_MS / 1000) as u32 };
                w.fail(e.clone());
                Err(e)
            }
        }
    }

    fn start() -> Result<XlsxWorker, DeliveryError> {
        let worker = web_sys::Worker::new(WORKER_LOADER).map_err(|e| DeliveryError::WorkerUnavailable(platform::js_text(&e)))?;
        let me = XlsxWorker(Rc::new(RefCell::new(Inner {
            worker: worker.clone(),
            ready: false,
            waiting: Vec::new(),
            pending: Vec::new(),
            next_id: 1,
            _handlers: Vec::new(),
        })));
        // Weak references: the handlers are owned by `Inner`, so a strong one would be a cycle.
        let weak = Rc::downgrade(&me.0);
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            if let Some(inner) = weak.upgrade() {
                XlsxWorker(inner).on_message(&ev);
            }
        });
        let weak = Rc::downgrade(&me.0);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            // Handled here: keep the browser from also reporting it as uncaught.
            if let Some(ev) = ev.dyn_ref::<web_sys::Event>() {
                ev.prevent_default();
            }
            if let Some(inner) = weak.upgrade() {
                let w = XlsxWorker(inner);
                // A script that fails to load gives a bare Event: name the file instead.
                let text = match ev.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty()) {
                    Some(m) => m,
                    None => WORKER_LOADER.trim_start_matches("./").to_owned(),
                };
                let e = if w.0.borrow().ready { DeliveryError::WorkerFailed(text) } else { DeliveryError::WorkerUnavailable(text) };
                w.fail(e);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        me.0.borrow_mut()._handlers = vec![on_message, on_error];
        Ok(me)
    }

    fn on_message(&self, ev: &JsValue) {
        let data = Reflect::get(ev, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let id = get("id").as_f64().map(|v| v as u32);
        match get("kind").as_string().as_deref() {
            Some(reply::READY) => {
                let waiting = {
                    let mut inner = self.0.borrow_mut();
                    inner.ready = true;
                    std::mem::take(&mut inner.waiting)
                };
                for tx in waiting {
                    let _ = tx.send(Ok(()));
                }
            }
            Some(reply::DONE) => {
                let tx = id.and_then(|id| self.take_pending(id));
                if let Some(tx) = tx {
                    let reply = get("bytes").dyn_into::<Uint8Array>().map_err(|_| DeliveryError::WorkerFailed("no file in the reply".into()));
                    let _ = tx.send(reply);
                }
            }
            Some(reply::ERROR) => {
                let e = DeliveryError::Reported { zh: get("zh").as_string().unwrap_or_default(), en: get("en").as_string().unwrap_or_default() };
                match id {
                    Some(id) => {
                        let tx = self.take_pending(id);
                        if let Some(tx) = tx {
                            let _ = tx.send(Err(e));
                        }
                    }
                    // No id: the worker could not even read which request it was.
                    None => self.fail(e),
                }
            }
            _ => {}
        }
    }

    fn take_pending(&self, id: u32) -> Option<oneshot::Sender<Reply>> {
        let mut inner = self.0.borrow_mut();
        let at = inner.pending.iter().position(|(i, _)| *i == id)?;
        Some(inner.pending.swap_remove(at).1)
    }

    /// Writes one workbook; resolves with the file's bytes.
    async fn write(&self, book: Workbook) -> Result<Uint8Array, DeliveryError> {
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut inner = self.0.borrow_mut();
            let id = inner.next_id;
            inner.next_id = inner.next_id.wrapping_add(1).max(1);
            inner.pending.push((id, tx));
            id
        };
        let json = XlsxRequest::new(id, book).to_json();
        let posted = self.0.borrow().worker.post_message(&JsValue::from_str(&json));
        drop(json);
        if let Err(e) = posted {
            self.take_pending(id);
            return Err(DeliveryError::WorkerFailed(platform::js_text(&e)));
        }
        match with_timeout(rx, WRITE_TIMEOUT_MS).await {
            Some(Ok(reply)) => reply,
            Some(Err(_)) => Err(DeliveryError::WorkerFailed("stopped".into())),
            None => {
                let e = DeliveryError::WorkerTimeout { seconds: (WRITE_TIMEOUT_MS / 1000) as u32 };
                self.fail(e.clone());
                Err(e)
            }
        }
    }

    /// Fails everything waiting on this worker, stops it, and forgets it so the
    /// next export starts a fresh one.
    fn fail(&self, e: DeliveryError) {
        let (waiting, pending) = {
            let mut inner = self.0.borrow_mut();
            inner.worker.terminate();
            (std::mem::take(&mut inner.waiting), std::mem::take(&mut inner.pending))
        };
        WORKER.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.as_ref().is_some_and(|w| Rc::ptr_eq(&w.0, &self.0)) {
                *slot = None;
            }
        });
        for tx in waiting {
            let _ = tx.send(Err(e.clone()));
        }
        for (_, tx) in pending {
            let _ = tx.send(Err(e.clone()));
        }
    }
}

/// `Some(value)` if `fut` finishes within `ms`, else `None`.
async fn with_timeout<T>(fut: impl std::future::Future<Output = T>, ms: i32) -> Option<T> {
    use futures::future::{select, Either};
    let timer = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    }));
    let fut = std::pin::pin!(fut);
    match select(fut, timer).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}
