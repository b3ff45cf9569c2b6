//! Saving a made file (导出文件的保存): a download, or in a Home Screen app on
//! iOS the share sheet.
//!
//! In an installed (standalone) app on iOS, `<a download>` opens a preview of the
//! file with no way back to the app. There the file is offered to the share sheet
//! (`navigator.share({files})`: 存储到"文件", AirDrop, a messaging app) instead.
//! The sheet opens only from a tap, and an export takes longer than the browser
//! keeps the export button's tap, so [`ShareBar`] shows the ready file with a
//! button that opens the sheet. Everywhere else the file downloads as before.

use super::{platform, use_app, AppState};
use crate::core::i18n::K;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;

thread_local! {
    /// The file waiting for the share sheet (one at a time: a newer export replaces it).
    static WAITING: RefCell<Option<web_sys::File>> = const { RefCell::new(None) };
}

/// Saves `bytes` as the file `name`: downloaded, or in a Home Screen app on iOS
/// handed to [`ShareBar`].
pub fn save_file(state: AppState, name: &str, bytes: &js_sys::Uint8Array, mime: &str) -> Result<(), String> {
    save_parts(state, name, &js_sys::Array::of1(bytes), mime)
}

/// [`save_file`] of a file made of parts (`Uint8Array`s, in order): a bundle with
/// photos is put together by the browser, never copied into one buffer.
pub fn save_parts(state: AppState, name: &str, parts: &js_sys::Array, mime: &str) -> Result<(), String> {
    if let Some(file) = platform::shareable_file(name, parts, mime) {
        WAITING.with(|w| *w.borrow_mut() = Some(file));
        state.share.set(Some(name.to_owned()));
        return Ok(());
    }
    platform::download(name, parts, mime)
}

/// The ready file and the button that opens the share sheet; gone once shared
/// or closed.
#[component]
pub fn ShareBar() -> impl IntoView {
    let state = use_app();
    let error = RwSignal::new(None::<String>);
    let close = move || {
        WAITING.with(|w| w.borrow_mut().take());
        state.share.set(None);
        error.set(None);
    };
    let share = move |_| {
        let Some(file) = WAITING.with(|w| w.borrow().clone()) else { return close() };
        spawn_local(async move {
            match platform::share_file(&file).await {
                Ok(true) => close(),
                Ok(false) => {}
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <Show when=move || state.share.with(Option::is_some)>
            <div class="update-bar share-bar no-print" role="status" data-testid="share-ready">
                <span>{move || state.lang.get().labelled(state.t(K::ShareReady), state.share.get().unwrap_or_default())}</span>
                {move || error.get().map(|e| view! { <span class="error" data-testid="share-error">{state.t(K::ShareFailed)} {e}</span> })}
                <button type="button" data-testid="share-open" on:click=share>{move || state.t(K::ShareOpen)}</button>
                <button type="button" data-testid="share-close" on:click=move |_| close()>{move || state.t(K::ShareClose)}</button>
            </div>
        </Show>
    }
}
