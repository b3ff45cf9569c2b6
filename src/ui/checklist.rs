//! The checklist editor (督战检查清单, `#/checklist`, linked from settings): add an
//! item to a group, rename it, retire it and reinstate it. Items are never deleted:
//! a retired item leaves new visit forms and stays readable on the visits that
//! answered it (the core's rule, `checklist::items_for_visit`).
//!
//! data-testid: `view-checklist`, `checklist-version`, `checklist-editor-group-<group code>`,
//! `checklist-item` (data-item-id, data-retired), `checklist-title-<item_id>`,
//! `checklist-rename-<item_id>`, `checklist-rename-input-<item_id>`,
//! `checklist-rename-save-<item_id>`, `checklist-retire-<item_id>`,
//! `checklist-reinstate-<item_id>`, `checklist-add-group`, `checklist-add-title`,
//! `checklist-add-guidance`, `checklist-add-save`, `form-error`.

use super::{use_app, FormError};
use crate::core::fieldwork::checklist::{checklist_version, stage_add_item, stage_reinstate_item, stage_rename_item, stage_retire_item};
use crate::core::fieldwork::{ChecklistGroup, ChecklistItem};
use crate::core::i18n::K;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ChecklistEditor() -> impl IntoView {
    let state = use_app();
    let group = RwSignal::new(ChecklistGroup::ThreeImplementations);
    let title = RwSignal::new(String::new());
    let guidance = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let (g, t, gd) = (group.get_untracked(), title.get_untracked(), guidance.get_untracked());
            let res = state.save(|c| Ok(stage_add_item(c.replica, g, &t, &gd, c.now_ms).map(|(change, _)| change)?)).await;
            if res.is_ok() {
                title.set(String::new());
                guidance.set(String::new());
            }
            error.set(res.err());
        });
    };
    let groups = ChecklistGroup::ALL.into_iter().map(|g| view! { <GroupItems group=g/> }).collect_view();
    view! {
        <section class="view" data-testid="view-checklist">
            <p class="crumbs no-print"><a href="#/settings">{move || state.t(K::NavSettings)}</a></p>
            <div class="view-head">
                <h2>{move || state.t(K::ChecklistTitle)}</h2>
                <span class="badge">{move || state.t(K::ChecklistVersion)} " "
                    <span data-testid="checklist-version">{move || state.field.with(|f| checklist_version(&f.checklist))}</span>
                </span>
            </div>
            <p class="muted">{move || state.t(K::ChecklistHint)}</p>
            {groups}
            <section class="panel">
                <h3>{move || state.t(K::AddItem)}</h3>
                <form class="form" on:submit=add>
                    <label>{move || state.t(K::FieldGroup)}
                        <select data-testid="checklist-add-group" on:change=move |ev| { if let Some(g) = ChecklistGroup::from_code(&event_target_value(&ev)) { group.set(g) } }>
                            {ChecklistGroup::ALL.into_iter().map(|g| view! {
                                <option value=g.code() selected=g == group.get_untracked()>{move || g.label(state.lang.get())}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>{move || state.t(K::FieldName)}
                        <input type="text" maxlength="100" data-testid="checklist-add-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                    </label>
                    <label class="wide">{move || state.t(K::FieldGuidance)}
                        <input type="text" maxlength="500" data-testid="checklist-add-guidance" prop:value=move || guidance.get() on:input=move |ev| guidance.set(event_target_value(&ev))/>
                    </label>
                    <FormError error=error/>
                    <div class="actions"><button type="submit" data-testid="checklist-add-save">{move || state.t(K::AddItem)}</button></div>
                </form>
            </section>
        </section>
    }
}

/// One group's items, retired ones included (marked).
#[component]
fn GroupItems(group: ChecklistGroup) -> impl IntoView {
    let state = use_app();
    let items = Memo::new(move |_| state.field.with(|f| f.checklist.iter().filter(|i| i.group == group).map(|i| i.id.clone()).collect::<Vec<_>>()));
    view! {
        <section class="panel" data-testid=format!("checklist-editor-group-{}", group.code())>
            <h3>{move || group.label(state.lang.get())}</h3>
            <ul class="plain">
                <For each=move || items.get() key=|id| id.clone() let:id>
                    <ItemRow id=id/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn ItemRow(id: String) -> impl IntoView {
    let state = use_app();
    let iid = StoredValue::new(id.clone());
    let item = Memo::new(move |_| state.field.with(|f| f.item(&iid.get_value()).cloned()));
    let retired = move || item.with(|i| i.as_ref().is_some_and(|i| i.retired));
    let editing = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let run = move |op: fn(&crate::core::replica::Replica, &str, &str, u64) -> Result<crate::core::replica::Change, crate::core::fieldwork::FieldworkError>| {
        let (id, t) = (iid.get_value(), title.get_untracked());
        spawn_local(async move {
            let res = state.save(|c| Ok(op(c.replica, &id, &t, c.now_ms)?)).await;
            if res.is_ok() {
                editing.set(false);
            }
            error.set(res.err());
        });
    };
    let field = |item: &Option<ChecklistItem>, f: fn(&ChecklistItem) -> String| item.as_ref().map(f).unwrap_or_default();
    view! {
        <li class="check-item" data-testid="checklist-item" data-item-id=id.clone() data-retired=move || retired().to_string()>
            <div class="answer-head">
                <span class="code">{move || item.with(|i| field(i, |i| i.code.clone()))}</span>
                <strong data-testid=format!("checklist-title-{id}")>{move || item.with(|i| field(i, |i| i.title.clone()))}</strong>
                <Show when=retired><span class="badge warn">{move || state.t(K::Retired)}</span></Show>
                <span class="muted">{move || state.t(K::VersionAdded)} " " {move || item.with(|i| field(i, |i| i.version_added.to_string()))}</span>
                <p class="muted guidance">{move || item.with(|i| field(i, |i| i.guidance.clone()))}</p>
            </div>
            <div class="actions">
                <button type="button" class="secondary" data-testid=format!("checklist-rename-{id}") on:click=move |_| {
                    title.set(item.with_untracked(|i| field(i, |i| i.title.clone())));
                    editing.update(|e| *e = !*e);
                }>{move || state.t(K::Rename)}</button>
                <Show when=move || !retired() fallback=move || view! {
                    <button type="button" class="secondary" data-testid=format!("checklist-reinstate-{}", iid.get_value())
                        on:click=move |_| run(|r, id, _, now| stage_reinstate_item(r, id, now))>{move || state.t(K::Reinstate)}</button>
                }>
                    <button type="button" class="danger" data-testid=format!("checklist-retire-{}", iid.get_value())
                        on:click=move |_| run(|r, id, _, now| stage_retire_item(r, id, now))>{move || state.t(K::Retire)}</button>
                </Show>
            </div>
            <Show when=move || editing.get()>
                <form class="form inline" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); run(|r, id, t, now| stage_rename_item(r, id, t, None, now)) }>
                    <label>{move || state.t(K::FieldName)}
                        <input type="text" maxlength="100" data-testid=format!("checklist-rename-input-{}", iid.get_value())
                            prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" data-testid=format!("checklist-rename-save-{}", iid.get_value())>{move || state.t(K::Save)}</button>
                </form>
            </Show>
            <FormError error=error/>
        </li>
    }
}
