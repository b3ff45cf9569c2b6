//! The Web Lock every tab takes to write (`navigator.locks`, 跨标签页写锁): saves,
//! imports, migrations and the first run take their turn under it.
//!
//! A lock is held only while a commit runs (never across user think-time: a
//! confirmation is asked before the turn is taken). A lock whose holder never
//! answers — Safari has been seen keeping one for a page it reloaded — must not
//! block saves for good: a writer that waited [`STEAL_AFTER_MS`] withdraws its
//! request and takes the lock (`steal`). That is safe because the lock only orders
//! the turns: each commit merges with what is stored inside its own IndexedDB
//! transaction (merge-on-write, `storage::idb`), and IndexedDB runs overlapping
//! read-write transactions one at a time, so even a holder that was still alive
//! loses nothing.
//!
//! Reached by name through `Reflect`: web-sys exposes `LockManager` only behind
//! `--cfg=web_sys_unstable_apis`.

use js_sys::{Function, Object, Promise, Reflect};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How long a writer waits for another tab's turn before it takes the lock. A
/// commit holds it for well under a second (an import of 2,000 records at 100,000
/// problems: under 0.5 s on the build machine); a whole-prefecture import on a
/// cheap tablet, for some seconds.
pub const STEAL_AFTER_MS: u32 = 20_000;

/// A held Web Lock; dropping it releases the lock.
pub struct WebLock {
    release: Option<Function>,
}

impl Drop for WebLock {
    fn drop(&mut self) {
        if let Some(f) = self.release.take() {
            let _ = f.call0(&JsValue::NULL);
        }
    }
}

/// One lock request: resolves `acquired` when granted, holds the lock until
/// `release` is called.
struct Asked {
    acquired: JsFuture,
    release: Function,
}

fn ask(locks: &JsValue, request: &Function, name: &str, options: &Object) -> Option<Asked> {
    // `request` holds the lock until the promise its callback returns settles:
    // `held`, settled by `release`. `acquired` resolves when the callback runs.
    let mut release = None;
    let held = Promise::new(&mut |resolve, _| release = Some(resolve));
    let mut on_acquired = None;
    let acquired = Promise::new(&mut |resolve, _| on_acquired = Some(resolve));
    let (on_acquired, release) = (on_acquired?, release?);
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = on_acquired.call0(&JsValue::NULL);
        held.into()
    });
    let settled: Promise = request.call3(locks, &JsValue::from_str(name), options, &callback).ok()?.dyn_into().ok()?;
    // The request's own promise settles with `held` (resolved on release) or is
    // rejected when the request is withdrawn or its lock stolen: nobody waits for it.
    // Awaiting it marks a rejection handled (and frees its callbacks either way).
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(settled).await;
    });
    Some(Asked { acquired: JsFuture::from(acquired), release })
}

/// A promise resolved after `ms` (`setTimeout` of the global scope), and the
/// timer's id for `clearTimeout`.
fn timer(ms: u32) -> Option<(JsFuture, JsValue)> {
    let set_timeout: Function = Reflect::get(&js_sys::global(), &"setTimeout".into()).ok()?.dyn_into().ok()?;
    let mut resolve = None;
    let p = Promise::new(&mut |r, _| resolve = Some(r));
    let id = set_timeout.call2(&JsValue::NULL, &resolve?.into(), &JsValue::from(ms)).ok()?;
    Some((JsFuture::from(p), id))
}

fn clear_timer(id: &JsValue) {
    if let Ok(clear) = Reflect::get(&js_sys::global(), &"clearTimeout".into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = clear.call1(&JsValue::NULL, id);
    }
}

/// Waits for the exclusive Web Lock `name`, shared by every tab of this origin;
/// after `steal_after_ms` takes it from its holder (see the module docs). `None`
/// where the browser has no Web Locks (callers then rely on the in-tab mutex alone).
pub async fn web_lock(name: &str, steal_after_ms: u32) -> Option<WebLock> {
    let nav = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = Reflect::get(&nav, &"locks".into()).ok().filter(|v| !v.is_undefined() && !v.is_null())?;
    let request: Function = Reflect::get(&locks, &"request".into()).ok()?.dyn_into().ok()?;
    // The first request can be withdrawn (an AbortSignal) when it waited too long.
    let ctor: Function = Reflect::get(&js_sys::global(), &"AbortController".into()).ok()?.dyn_into().ok()?;
    let controller = Reflect::construct(&ctor, &js_sys::Array::new()).ok()?;
    let options = Object::new();
    Reflect::set(&options, &"signal".into(), &Reflect::get(&controller, &"signal".into()).ok()?).ok()?;
    let Asked { mut acquired, release } = ask(&locks, &request, name, &options)?;
    let (mut waited, timer_id) = timer(steal_after_ms)?;
    let granted = poll_fn(|cx| {
        if let Poll::Ready(r) = Pin::new(&mut acquired).poll(cx) {
            return Poll::Ready(r.is_ok());
        }
        if Pin::new(&mut waited).poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        Poll::Pending
    })
    .await;
    if granted {
        clear_timer(&timer_id);
        return Some(WebLock { release: Some(release) });
    }
    // Withdraw the request; should it have been granted meanwhile, let that go too.
    if let Ok(abort) = Reflect::get(&controller, &"abort".into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = abort.call0(&controller);
    }
    let _ = release.call0(&JsValue::NULL);
    web_sys::console::warn_1(&JsValue::from_str(&format!("the write lock {name} was held for {steal_after_ms} ms: taken from its holder")));
    let options = Object::new();
    Reflect::set(&options, &"steal".into(), &JsValue::TRUE).ok()?;
    let Asked { acquired, release } = ask(&locks, &request, name, &options)?;
    acquired.await.ok()?;
    Some(WebLock { release: Some(release) })
}
