//! The xlsx web worker (Excel导出组件): writes .xlsx files off the page's thread,
//! in a wasm file of its own that the page fetches on the first Excel export.
//!
//! Why a worker binary: `rust_xlsxwriter` adds about 300 KB of gzipped wasm,
//! which the first load should not carry for a button used now and then. Built
//! as its own binary (feature `xlsx-worker`, Trunk `data-type="worker"` in
//! index.html), it costs nothing until someone exports to Excel; running in a
//! worker also keeps the page responsive while a large ledger is written.
//!
//! Protocol (`duzhan::core::export::sheet::reply` names the kinds):
//! - on start, once `onmessage` is set: `{ kind: "ready", version }`. Messages
//!   posted before that are lost, so the page waits for it;
//! - page → worker: an [`XlsxRequest`] as a JSON string;
//! - worker → page: `{ kind: "done", id, bytes: Uint8Array }` with the bytes'
//!   buffer transferred (not copied), or `{ kind: "error", id, zh, en }`: the
//!   [`SheetError`]'s message in both languages (`id` is null when the request
//!   was unreadable).
//!
//! Files: Trunk names a worker after its binary, without a content hash
//! (`xlsx_worker_loader.js`, `xlsx_worker.js`, `xlsx_worker_bg.wasm`). An offline
//! cache must version them itself; the request's version check turns a stale
//! cached worker into a clear "reload the page" error instead of a wrong file.

#[cfg(target_arch = "wasm32")]
mod render;

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("xlsx_worker runs in the browser as a web worker: build the app with `trunk build --release` (see README.md).");
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use super::render::write_xlsx;
    use duzhan::core::export::sheet::reply;
    use duzhan::core::export::{SheetError, XlsxRequest, XLSX_WIRE_VERSION};
    use duzhan::core::i18n::Lang;
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// Sets `onmessage`, then says "ready".
    pub fn start() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let on_message = {
            let scope = scope.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| handle(&scope, &ev))
        };
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        on_message.forget();
        let ready = message(reply::READY, None);
        set(&ready, "version", &JsValue::from(XLSX_WIRE_VERSION));
        // If even this fails the page times out waiting and says so.
        let _ = scope.post_message(&ready);
    }

    fn handle(scope: &DedicatedWorkerGlobalScope, ev: &MessageEvent) {
        let Some(text) = ev.data().as_string() else {
            return post_error(scope, None, SheetError::BadRequest("the request is not a JSON string".to_owned()));
        };
        let req = match XlsxRequest::from_json(&text) {
            Ok(r) => r,
            Err((id, e)) => return post_error(scope, id, e),
        };
        // The request's text can be large (a whole ledger): free it before writing.
        drop(text);
        match write_xlsx(&req.workbook) {
            Ok(bytes) => {
                let array = Uint8Array::from(bytes.as_slice());
                drop(bytes);
                let done = message(reply::DONE, Some(req.id));
                set(&done, "bytes", &array);
                // Transfer the buffer: no copy of a possibly large file.
                if let Err(e) = scope.post_message_with_transfer(&done, &Array::of1(&array.buffer())) {
                    post_error(scope, Some(req.id), SheetError::Write(js_text(&e)));
                }
            }
            Err(e) => post_error(scope, Some(req.id), e),
        }
    }

    fn post_error(scope: &DedicatedWorkerGlobalScope, id: Option<u32>, e: SheetError) {
        let m = message(reply::ERROR, id);
        set(&m, "zh", &JsValue::from_str(&e.message(Lang::Zh)));
        set(&m, "en", &JsValue::from_str(&e.message(Lang::En)));
        let _ = scope.post_message(&m);
    }

    fn message(kind: &str, id: Option<u32>) -> Object {
        let m = Object::new();
        set(&m, "kind", &JsValue::from_str(kind));
        set(&m, "id", &id.map_or(JsValue::NULL, JsValue::from));
        m
    }

    fn set(o: &Object, key: &str, v: &JsValue) {
        // Setting a property on a fresh plain object does not fail.
        let _ = Reflect::set(o, &JsValue::from_str(key), v);
    }

    fn js_text(v: &JsValue) -> String {
        v.as_string().or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))).unwrap_or_else(|| format!("{v:?}"))
    }
}
