//! Print chrome (打印): the official-form header and the footer with the content
//! hash that matches a paper copy to its data, shared by every printable view.

use super::{platform, use_app};
use crate::core::i18n::K;
use crate::core::report::Month;
use leptos::prelude::*;

/// The official-form header of a printed page: title, unit, month, print date.
#[component]
pub(super) fn PrintHeader(#[prop(into)] title: Signal<String>, #[prop(into)] unit: Signal<String>, month: Month) -> impl IntoView {
    let state = use_app();
    view! {
        <header class="form-header" data-testid="print-header">
            <p class="form-title">{move || title.get()}</p>
            <p class="form-meta">
                <span>{move || state.lang.get().labelled(state.t(K::ReportUnit), unit.get())}</span>
                <span>{move || state.lang.get().labelled(state.t(K::BoardMonth), month.label(state.lang.get()))}</span>
                <span>{move || state.lang.get().labelled(state.t(K::PrintedOn), platform::today())}</span>
            </p>
        </header>
    }
}

/// The footer with the content hash that matches a paper copy to its data.
#[component]
pub(super) fn PrintFooter(#[prop(into)] hash: Signal<String>) -> impl IntoView {
    let state = use_app();
    view! {
        <footer class="form-footer">
            <span>{move || state.t(K::PrintHash)}{move || state.lang.get().colon()}</span>
            <code data-testid="print-hash">{move || hash.get()}</code>
            <span class="muted">{move || format!(" · {} · {}", state.t(K::AppTitle), state.t(K::PrintHashHint))}</span>
        </footer>
    }
}
