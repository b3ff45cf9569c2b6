//! The few browser facts the UI needs: time, randomness, the URL fragment and
//! small settings. Kept here so components stay free of `web_sys` calls.

use crate::core::i18n::Lang;
use crate::storage::lock::{web_lock, WebLock, STEAL_AFTER_MS};
use chrono::NaiveDate;

const LANG_KEY: &str = "duzhan.lang";

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Today's local date.
pub fn today() -> NaiveDate {
    let d = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date()).unwrap_or_default()
}

pub fn current_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

pub fn navigate(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

/// Reloads the page (the app's files are fetched again; saved data is untouched).
/// Scrolls the page so the element with `data-testid=testid` is in view (an
/// editor opened at the top of a long view).
pub fn scroll_to_testid(testid: &str) {
    let el = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&format!("[data-testid=\"{testid}\"]")).ok().flatten());
    if let Some(el) = el {
        el.scroll_into_view();
    }
}

pub fn reload_page() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Reloads the page when the server now has another build than this page's
/// (`duzhanReloadIfStale` in assets/register-sw.js, once per new build); otherwise
/// does nothing.
pub fn reload_if_stale() {
    use wasm_bindgen::JsCast;
    let f = js_sys::Reflect::get(&js_sys::global(), &"duzhanReloadIfStale".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(f) = f {
        let _ = f.call0(&wasm_bindgen::JsValue::NULL);
    }
}

/// Frees an object URL made for this page.
pub fn revoke_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Resolves once every image matching `selector` is decoded (or failed to): a
/// print laid out before then would leave them blank.
pub async fn images_decoded(selector: &str) {
    let Some(list) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector_all(selector).ok()) else { return };
    for i in 0..list.length() {
        if let Some(img) = list.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlImageElement>(n).ok()) {
            let _ = wasm_bindgen_futures::JsFuture::from(img.decode()).await;
        }
    }
}

pub fn print_page() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// This page's localStorage, or `None` where the browser forbids it (site data
/// blocked by the user or a policy: reading `window.localStorage` throws). The
/// small settings below are then simply not kept, and nothing throws, so the app
/// gets as far as telling the user why it cannot store data (gloo-storage's
/// accessors throw instead; `storage::local` checks before it uses them).
fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A small setting (JSON) from localStorage.
fn get_setting<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&local()?.get_item(key).ok()??).ok()
}

/// Stores a small setting (JSON); `false` when localStorage is forbidden or full.
fn set_setting<T: serde::Serialize + ?Sized>(key: &str, value: &T) -> bool {
    let (Some(ls), Ok(text)) = (local(), serde_json::to_string(value)) else { return false };
    ls.set_item(key, &text).is_ok()
}

/// The UI language is a small per-browser setting, kept in localStorage.
pub fn stored_lang() -> Lang {
    get_setting::<String>(LANG_KEY).map(|s| Lang::from_code(&s)).unwrap_or_default()
}

pub fn store_lang(lang: Lang) {
    set_setting(LANG_KEY, lang.code());
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = el.set_attribute("lang", lang.html_lang());
    }
}

const PHOTO_SETTINGS_KEY: &str = "duzhan.photo-settings";

/// How this device prepares photos (long edge, stamp on camera shots): a small
/// per-browser setting like the language; the default when none is kept or the
/// kept one is not ours.
pub fn stored_photo_settings() -> crate::core::fieldwork::photo::PhotoSettings {
    get_setting::<crate::core::fieldwork::photo::PhotoSettings>(PHOTO_SETTINGS_KEY).unwrap_or_default().checked()
}

/// Keeps the photo settings; `false` when the browser does not let them be kept.
pub fn store_photo_settings(s: crate::core::fieldwork::photo::PhotoSettings) -> bool {
    set_setting(PHOTO_SETTINGS_KEY, &s.checked())
}

/// Changes the address to `hash` without a navigation: no `hashchange`, no new history
/// entry. For state a view keeps in its address (the ledger's filters, a new visit's id
/// once autosaved), so a reload lands on the same state while the view stays mounted.
pub fn replace_hash(hash: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
    }
}

/// The `bench` flag of the page's query (`?bench=ledger100k`), for the ledger benchmark.
pub fn bench_flag() -> Option<String> {
    query_param("bench")
}

/// The value of `name` in the page address's query (`?name=value`), as written.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok())?;
    let prefix = format!("{name}=");
    search.trim_start_matches('?').split('&').find_map(|p| p.strip_prefix(prefix.as_str()).map(str::to_owned))
}

/// Resolves on a later macrotask, so the browser can paint and handle input between
/// chunks of long work (a resolved promise alone would not: microtasks run before paint).
pub async fn yield_to_browser() {
    sleep_ms(0).await
}

/// Resolves after about `ms` milliseconds (a timer).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            if w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).is_ok() {
                return;
            }
        }
        let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Whether the page is hidden (tab switched away or being closed).
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Asks the browser for the device's position once. GPS is optional: every failure
/// comes back as a [`GpsError`] to show, never as a blocked form.
pub fn locate(done: impl FnOnce(Result<crate::core::fieldwork::GpsFix, crate::core::fieldwork::form::GpsError>) + 'static) {
    use crate::core::fieldwork::form::GpsError;
    use crate::core::fieldwork::GpsFix;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let geo = web_sys::window().and_then(|w| w.navigator().geolocation().ok());
    let Some(geo) = geo else {
        done(Err(GpsError::Unsupported));
        return;
    };
    // Exactly one of the callbacks runs; the shared slot makes sure `done` runs once.
    type Done = Box<dyn FnOnce(Result<GpsFix, GpsError>)>;
    let slot: Rc<RefCell<Option<Done>>> = Rc::new(RefCell::new(Some(Box::new(done))));
    let finish = move |slot: &Rc<RefCell<Option<Done>>>, r: Result<GpsFix, GpsError>| {
        let f = slot.borrow_mut().take();
        if let Some(f) = f {
            f(r);
        }
    };
    let ok_slot = slot.clone();
    let ok = Closure::once_into_js(move |pos: web_sys::Position| {
        let c = pos.coords();
        finish(&ok_slot, Ok(GpsFix { lat: c.latitude(), lon: c.longitude(), accuracy_m: c.accuracy() }));
    });
    let err_slot = slot.clone();
    let err = Closure::once_into_js(move |e: web_sys::PositionError| {
        finish(&err_slot, Err(GpsError::from_code(e.code())));
    });
    let opts = web_sys::PositionOptions::new();
    opts.set_enable_high_accuracy(true);
    opts.set_timeout(30_000);
    opts.set_maximum_age(60_000);
    if geo.get_current_position_with_error_callback_and_options(ok.unchecked_ref(), Some(err.unchecked_ref()), &opts).is_err() {
        finish(&slot, Err(GpsError::Unavailable));
    }
}

/// Fresh random bytes from the browser's cryptographic generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    fill_random(&mut buf);
    buf
}

fn fill_random(buf: &mut [u8]) {
    let filled = web_sys::window().and_then(|w| w.crypto().ok()).and_then(|c| c.get_random_values_with_u8_array(buf).ok()).is_some();
    if !filled {
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

/// A time in milliseconds as local date and time text.
pub fn format_ms(ms: u64) -> String {
    js_sys::Date::new(&(ms as f64).into()).to_locale_string("zh-CN", &Default::default()).as_string().unwrap_or_default()
}

/// Offers bytes as a file download, offline (a Blob and a temporary link).
pub fn download(file_name: &str, parts: &js_sys::Array, mime: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &opts).map_err(|e| js_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a = doc.create_element("a").map_err(|e| js_text(&e))?.dyn_into::<web_sys::HtmlAnchorElement>().map_err(|_| "not an anchor")?;
    a.set_href(&url);
    a.set_download(file_name);
    // `hidden`, not an inline style: the Content-Security-Policy allows no inline styles.
    a.set_hidden(true);
    let body = doc.body().ok_or("no body")?;
    body.append_child(&a).map_err(|e| js_text(&e))?;
    a.click();
    let _ = body.remove_child(&a);
    // Revoke later: revoking at once can cancel the download in some browsers; a
    // minute later the browser has long taken the file.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// The text of a JS error, event or string. (Not `{:?}`: JsValue's Debug pulls
/// float formatting into the first-load wasm for a message nobody needs.)
pub fn js_text(v: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    v.as_string()
        .or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .or_else(|| v.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Where the page runs on iOS/iPadOS, from `navigator.standalone` (only Safari on
/// iOS has it): Safari keeps a Home Screen app's storage apart from its tabs', and
/// in a Home Screen app `<a download>` opens a preview with no way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IosMode {
    NotIos,
    SafariTab,
    HomeScreenApp,
}

pub fn ios_mode() -> IosMode {
    let standalone = web_sys::window().and_then(|w| js_sys::Reflect::get(&w.navigator(), &"standalone".into()).ok()).and_then(|v| v.as_bool());
    match standalone {
        Some(true) => IosMode::HomeScreenApp,
        Some(false) => IosMode::SafariTab,
        None => IosMode::NotIos,
    }
}

/// The file for the share sheet (`navigator.share({files})`) where a download
/// would not work: in a Home Screen app on iOS, when the browser can share it.
pub fn shareable_file(file_name: &str, parts: &js_sys::Array, mime: &str) -> Option<web_sys::File> {
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::JsCast;
    if ios_mode() != IosMode::HomeScreenApp {
        return None;
    }
    let nav = web_sys::window()?.navigator();
    let can_share: Function = Reflect::get(&nav, &"canShare".into()).ok()?.dyn_into().ok()?;
    let opts = web_sys::FilePropertyBag::new();
    opts.set_type(mime);
    let file = web_sys::File::new_with_u8_array_sequence_and_options(parts, file_name, &opts).ok()?;
    let data = Object::new();
    Reflect::set(&data, &"files".into(), &Array::of1(&file)).ok()?;
    (can_share.call1(&nav, &data).ok()?.as_bool() == Some(true)).then_some(file)
}

/// Opens the share sheet with `file` (from a tap: the browser asks for one).
/// `Ok(false)` when the user closed the sheet without choosing.
pub async fn share_file(file: &web_sys::File) -> Result<bool, String> {
    use js_sys::{Array, Function, Object, Promise, Reflect};
    use wasm_bindgen::JsCast;
    let nav = web_sys::window().ok_or("no window")?.navigator();
    let share: Function = Reflect::get(&nav, &"share".into()).ok().and_then(|f| f.dyn_into().ok()).ok_or("no navigator.share")?;
    let data = Object::new();
    let _ = Reflect::set(&data, &"files".into(), &Array::of1(file));
    let p: Promise = share.call1(&nav, &data).map_err(|e| js_text(&e))?.dyn_into().map_err(|_| "not a promise")?;
    match wasm_bindgen_futures::JsFuture::from(p).await {
        Ok(_) => Ok(true),
        Err(e) if e.dyn_ref::<web_sys::DomException>().is_some_and(|d| d.name() == "AbortError") => Ok(false),
        Err(e) => Err(js_text(&e)),
    }
}

const INSTALL_HINT_KEY: &str = "duzhan.install-hint-dismissed";

pub fn install_hint_dismissed() -> bool {
    get_setting::<bool>(INSTALL_HINT_KEY).unwrap_or(false)
}

pub fn dismiss_install_hint() {
    set_setting(INSTALL_HINT_KEY, &true);
}

/// Reads a chosen file's bytes.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

pub use crate::web::file_parts::WebFile;

/// `navigator.storage`, when the browser has it (reached by name: no web-sys
/// features needed for three calls).
fn storage_manager() -> Option<js_sys::Object> {
    let nav = web_sys::window()?.navigator();
    let sm = js_sys::Reflect::get(&nav, &"storage".into()).ok()?;
    (!sm.is_undefined() && !sm.is_null()).then(|| sm.into())
}

async fn call_storage(method: &str) -> Option<wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let sm = storage_manager()?;
    let f: js_sys::Function = js_sys::Reflect::get(&sm, &method.into()).ok()?.dyn_into().ok()?;
    let p: js_sys::Promise = f.call0(&sm).ok()?.dyn_into().ok()?;
    wasm_bindgen_futures::JsFuture::from(p).await.ok()
}

/// Asks the browser not to evict this site's data; returns whether it agreed.
pub async fn request_persistence() -> Option<bool> {
    call_storage("persist").await.and_then(|v| v.as_bool())
}

/// Whether the site's data is already marked persistent.
pub async fn is_persisted() -> Option<bool> {
    call_storage("persisted").await.and_then(|v| v.as_bool())
}

/// The names of this site's IndexedDB databases (`indexedDB.databases()`); empty
/// where the browser cannot list them.
pub async fn indexeddb_names() -> Vec<String> {
    use js_sys::Reflect;
    use wasm_bindgen::JsCast;
    let listed = async {
        let factory = Reflect::get(&js_sys::global(), &"indexedDB".into()).ok().filter(|f| !f.is_undefined() && !f.is_null())?;
        let databases: js_sys::Function = Reflect::get(&factory, &"databases".into()).ok()?.dyn_into().ok()?;
        let promise: js_sys::Promise = databases.call0(&factory).ok()?.dyn_into().ok()?;
        let list = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
        Some(js_sys::Array::from(&list).iter().filter_map(|d| Reflect::get(&d, &"name".into()).ok()?.as_string()).collect::<Vec<_>>())
    };
    listed.await.unwrap_or_default()
}

/// The names of the stores kept in localStorage (the fallback store keeps each
/// in one key, `<name>/data`: see `storage::local`).
pub fn local_store_names() -> Vec<String> {
    let Some(raw) = local() else { return Vec::new() };
    let n = raw.length().unwrap_or(0);
    (0..n).filter_map(|i| raw.key(i).ok().flatten()).filter_map(|k| k.strip_suffix("/data").map(str::to_owned)).collect()
}

/// (bytes used, bytes allowed) for this site.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let e = call_storage("estimate").await?;
    let usage = js_sys::Reflect::get(&e, &"usage".into()).ok()?.as_f64()?;
    let quota = js_sys::Reflect::get(&e, &"quota".into()).ok()?.as_f64()?;
    Some((usage, quota))
}

/// The channel on which tabs of the app announce committed changes. `on_change`
/// runs in the *other* tabs (a channel does not hear its own messages).
pub fn open_tab_channel(on_change: impl Fn(Option<Vec<String>>) + 'static) -> Option<web_sys::BroadcastChannel> {
    use wasm_bindgen::JsCast;
    // One channel per store: tabs on another campaign never hear these ids.
    let ch = web_sys::BroadcastChannel::new(&crate::core::campaigns::key_for(&open_db(), "duzhan-changes")).ok()?;
    let cb = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        // A list of the ids committed, or anything else (an older build's "changed",
        // a large import): read everything.
        let ids = ev.data().as_string().and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok());
        on_change(ids)
    });
    ch.set_onmessage(Some(cb.as_ref().unchecked_ref()));
    // The channel lives as long as the page.
    cb.forget();
    Some(ch)
}

/// Most ids a change announcement lists; a larger change (an import) is announced
/// as "changed", and the other tabs read everything.
const ANNOUNCE_MAX_IDS: usize = 2_000;

/// Tells the other tabs that storage changed, and which records.
pub fn announce_change(ch: &web_sys::BroadcastChannel, ids: &[&str]) {
    let message = if ids.len() <= ANNOUNCE_MAX_IDS { serde_json::to_string(ids).unwrap_or_else(|_| "changed".into()) } else { "changed".into() };
    let _ = ch.post_message(&wasm_bindgen::JsValue::from_str(&message));
}

const MARKER_KEY: &str = "duzhan.marker";
const CATALOG_KEY: &str = "duzhan.campaigns";

/// The campaigns on this device (see `core::campaigns`), as stored; an unreadable
/// list is logged and read as the first store alone (the stores are untouched).
pub fn read_catalog() -> crate::core::campaigns::Catalog {
    let text = local().and_then(|ls| ls.get_item(CATALOG_KEY).ok().flatten());
    crate::core::campaigns::Catalog::from_json(text.as_deref()).unwrap_or_else(|e| {
        leptos::logging::warn!("campaign list unreadable, opening the first store: {e}");
        Default::default()
    })
}

/// Stores the campaign list; `Err` when localStorage refuses (full, disabled).
pub fn write_catalog(c: &crate::core::campaigns::Catalog) -> Result<(), crate::storage::StoreError> {
    match local() {
        Some(ls) => ls.set_item(CATALOG_KEY, &c.to_json()).map_err(|_| crate::storage::StoreError::QuotaExceeded),
        None => Err(crate::storage::StoreError::Unavailable("localStorage forbidden".into())),
    }
}

thread_local! {
    static OPEN_DB: std::cell::OnceCell<String> = const { std::cell::OnceCell::new() };
}

/// The store this page opened: chosen once per page from the campaign list, and
/// kept for the page's life (another tab switching campaigns changes what this
/// tab opens on its next load, never the store it is writing to).
pub fn open_db() -> String {
    OPEN_DB.with(|o| o.get_or_init(|| read_catalog().active_db().to_owned()).clone())
}

pub use crate::app::DataMarker;

/// The marker of the store this page opened.
pub fn read_marker() -> Option<DataMarker> {
    get_setting::<DataMarker>(&crate::core::campaigns::key_for(&open_db(), MARKER_KEY))
}

pub fn write_marker(m: &DataMarker) {
    set_setting(&crate::core::campaigns::key_for(&open_db(), MARKER_KEY), m);
}

/// A User Timing mark (`performance.mark`), read by the cold-start benchmark and
/// visible in the browser's performance panel.
pub fn mark(name: &str) {
    use wasm_bindgen::JsCast;
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    let mark = perf.as_ref().and_then(|p| js_sys::Reflect::get(p, &"mark".into()).ok()).and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let (Some(p), Some(f)) = (perf, mark) {
        let _ = f.call1(&p, &name.into());
    }
}

/// The browser as the application layer's [`Platform`](crate::app::Platform):
/// the clock, `crypto.getRandomValues`, Web Locks, the tab channel and the data
/// marker in localStorage.
pub struct WebPlatform {
    /// The channel to the app's other tabs (None where BroadcastChannel is missing).
    pub tabs: Option<web_sys::BroadcastChannel>,
}

/// The Web Lock every tab takes to write: saves, imports, migrations, first run.
pub const DATA_LOCK: &str = "duzhan-data";

impl crate::app::Platform for WebPlatform {
    type Lock = Option<WebLock>;
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    fn today(&self) -> NaiveDate {
        today()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        fill_random(buf)
    }
    async fn lock(&self) -> Option<WebLock> {
        web_lock(DATA_LOCK, STEAL_AFTER_MS).await
    }
    async fn sleep_ms(&self, ms: u32) {
        sleep_ms(i32::try_from(ms).unwrap_or(i32::MAX)).await
    }
    fn announce(&self, ids: &[&str]) {
        if let Some(ch) = &self.tabs {
            announce_change(ch, ids);
        }
    }
    fn write_marker(&self, marker: &DataMarker) {
        write_marker(marker)
    }
    fn saved(&self) {
        // For the save benchmark (tests/e2e/bench/save.bench.mjs): when a commit was confirmed.
        mark("duzhan:saved");
        ask_persistence_once()
    }
    fn mark(&self, step: &str) {
        mark(&format!("duzhan:{step}"))
    }
}

/// After the first real save of a session, asks the browser to keep this site's
/// data (it then survives storage pressure). Asked once: browsers may prompt.
fn ask_persistence_once() {
    thread_local! { static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) }; }
    if ASKED.with(|a| a.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        if is_persisted().await == Some(false) {
            let _ = request_persistence().await;
        }
    });
}

/// This browser's campaign stores and the campaign list in localStorage, as the
/// application layer's [`Stores`](crate::app::campaigns::Stores). Stores are
/// opened through `BrowserStore` only.
pub struct BrowserStores;

impl crate::app::campaigns::Stores for BrowserStores {
    type Store = crate::storage::browser::BrowserStore;
    async fn open(&self, name: &str) -> Result<Self::Store, crate::storage::StoreError> {
        crate::storage::browser::BrowserStore::open_named(name).await
    }
    async fn existing(&self, catalog: &crate::core::campaigns::Catalog) -> Vec<(String, Self::Store)> {
        use crate::storage::browser::BrowserStore;
        let mut out = Vec::new();
        for name in catalog.unlisted(indexeddb_names().await) {
            if let Ok(s) = BrowserStore::open_indexeddb(&name).await {
                out.push((name, s));
            }
        }
        for name in catalog.unlisted(local_store_names()) {
            if let Ok(s) = BrowserStore::open_local(&name) {
                out.push((name, s));
            }
        }
        out
    }
    fn read_catalog(&self) -> crate::core::campaigns::Catalog {
        read_catalog()
    }
    fn write_catalog(&self, catalog: &crate::core::campaigns::Catalog) -> Result<(), crate::storage::StoreError> {
        write_catalog(catalog)
    }
    fn open_db(&self) -> String {
        open_db()
    }
}
