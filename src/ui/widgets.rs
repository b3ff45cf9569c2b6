//! Widgets every view uses: a form's error, the note shown while field records
//! are read, a record page's "not found", a text input bound to a form's field,
//! a delete button that asks once more, and an editor's row of actions.

use super::use_app;
use crate::core::i18n::K;
use leptos::prelude::*;

/// The note shown instead of a view (or part of one) of field records while they
/// are still being read: a view of visits or problems never shows a partial list
/// as if it were the whole.
pub(super) fn records_loading() -> impl IntoView {
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

/// A delete button that asks once more before it acts.
#[component]
pub fn DeleteButton(label: K, testid: String, on_confirm: Callback<()>) -> impl IntoView {
    let state = use_app();
    let asking = RwSignal::new(false);
    let testid = StoredValue::new(testid);
    view! {
        <Show when=move || !asking.get() fallback=move || view! {
            <button type="button" class="danger" data-testid=move || format!("{}-confirm", testid.get_value()) on:click=move |_| on_confirm.run(())>{move || state.t(K::ConfirmDelete)}</button>
            <button type="button" class="secondary" on:click=move |_| asking.set(false)>{move || state.t(K::Cancel)}</button>
        }>
            <button type="button" class="danger" data-testid=move || testid.get_value() on:click=move |_| asking.set(true)>{move || state.t(label)}</button>
        </Show>
    }
}

/// Save, cancel and (for an existing record) delete, under an editor.
#[component]
pub fn EditorActions(prefix: &'static str, is_new: bool, delete_label: K, on_cancel: Callback<()>, on_delete: Callback<()>) -> impl IntoView {
    let state = use_app();
    view! {
        <div class="actions">
            <button type="submit" data-testid=format!("{prefix}-save")>{move || state.t(K::Save)}</button>
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{move || state.t(K::Cancel)}</button>
            {(!is_new).then(|| view! { <DeleteButton label=delete_label testid=format!("{prefix}-delete") on_confirm=on_delete/> })}
        </div>
    }
}

/// A text input bound to one field of a form signal.
pub fn text_input<F: Clone + Send + Sync + 'static>(
    form: RwSignal<F>,
    key: K,
    testid: &'static str,
    kind: &'static str,
    get: fn(&F) -> &String,
    set: fn(&mut F, String),
) -> impl IntoView {
    let state = use_app();
    view! {
        <label>{move || state.t(key)}
            <input type=kind data-testid=testid prop:value=move || form.with(|f| get(f).clone()) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
        </label>
    }
}
