//! Phases and milestones (督战阶段与时间节点): a timeline with due dates, status,
//! and days left or overdue relative to today.

use super::plan_edit::{Editing, MilestoneEditor, PhaseEditor};
use super::{platform, use_app, FormError};
use crate::core::i18n::{status_key, K};
use crate::core::model::{MilestoneStatus, Scope};
use crate::core::plan_edit::{MilestoneForm, PhaseForm};
use crate::core::snapshot::{milestone_timing, Timing};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MilestonesView() -> impl IntoView {
    let state = use_app();
    let today = platform::today();
    // The one editor of the view (a phase or a milestone), above the timeline, so a
    // save elsewhere re-drawing the timeline never drops what is being typed.
    let editing = RwSignal::new(None::<Editing>);
    let edit = move |e: Editing| {
        editing.set(Some(e));
        platform::scroll_to_testid("view-milestones");
    };
    let done = Callback::new(move |_| editing.set(None));
    view! {
        <section class="view" data-testid="view-milestones">
            <div class="view-head">
                <h2>{move || state.t(K::NavMilestones)}</h2>
                <button type="button" data-testid="phase-add" on:click=move |_| edit(Editing::Phase(PhaseForm::default()))>{move || state.t(K::AddPhase)}</button>
            </div>
            {move || editing.get().map(|e| match e {
                Editing::Phase(f) => view! { <PhaseEditor form=f on_done=done/> }.into_any(),
                Editing::Milestone(f) => view! { <MilestoneEditor form=f on_done=done/> }.into_any(),
            })}
            <Show when=move || state.snapshot.with(|s| s.phases.is_empty())>
                <p class="muted" data-testid="no-phases">{move || state.t(K::NoPhases)}</p>
            </Show>
            {move || state.snapshot.with(|s| s.phases.iter().map(|p| {
                let phase_form = PhaseForm::of(p);
                let new_milestone = MilestoneForm { phase_id: p.id.clone(), due: p.end.to_string(), ..Default::default() };
                let items = s.milestones.iter().filter(|m| m.phase_id == p.id).map(|m| {
                    let scope = match &m.scope {
                        Scope::All => None,
                        Scope::County(c) => s.county(c).map(|c| c.name.clone()),
                        Scope::Target(t) => s.target(t).map(|t| s.target_label(t)),
                    };
                    let form = MilestoneForm::of(m);
                    view! { <MilestoneItem id=m.id.clone() label=m.label.clone() due=m.due.to_string()
                        text=m.text.clone() sub_items=m.sub_items.clone() scope=scope timing=milestone_timing(m, today) status=m.status
                        on_edit=Callback::new(move |_| edit(Editing::Milestone(form.clone())))/> }
                }).collect_view();
                view! {
                    <section class="phase" data-testid="phase" data-phase-id=p.id.clone()>
                        <h3>{p.name.clone()} <small class="muted">{format!(" {} — {}", p.start, p.end)}</small></h3>
                        <div class="actions no-print">
                            <button type="button" class="secondary" data-testid="phase-edit" on:click=move |_| edit(Editing::Phase(phase_form.clone()))>{move || state.t(K::EditPhase)}</button>
                            <button type="button" class="secondary" data-testid="milestone-add" on:click=move |_| edit(Editing::Milestone(new_milestone.clone()))>{move || state.t(K::AddMilestone)}</button>
                        </div>
                        <p class="muted">{p.description.clone()}</p>
                        <ol class="timeline">{items}</ol>
                    </section>
                }
            }).collect_view())}
        </section>
    }
}

#[component]
fn MilestoneItem(
    id: String,
    label: String,
    due: String,
    text: String,
    sub_items: Vec<String>,
    scope: Option<String>,
    timing: Timing,
    status: MilestoneStatus,
    on_edit: Callback<()>,
) -> impl IntoView {
    let state = use_app();
    let error = RwSignal::new(None::<String>);
    let mid = StoredValue::new(id.clone());
    let on_change = move |ev: leptos::ev::Event| {
        let Some(new_status) = MilestoneStatus::from_code(&event_target_value(&ev)) else { return };
        spawn_local(async move {
            let res = state
                .save(|c| {
                    let mut m =
                        c.plan.milestone(&mid.get_value()).cloned().ok_or_else(|| crate::core::validate::ValidationError::UnknownPhase(mid.get_value()))?;
                    m.status = new_status;
                    c.plan.validate_milestone(&m)?;
                    Ok(c.replica.stage_save(&[m], c.now_ms))
                })
                .await;
            error.set(res.err());
        });
    };
    let (timing_class, timing_text) = match timing {
        Timing::Done => ("ok", Box::new(move || state.t(K::Done).to_owned()) as Box<dyn Fn() -> String + Send + Sync>),
        Timing::DueToday => ("warn", Box::new(move || state.t(K::DueToday).to_owned()) as Box<dyn Fn() -> String + Send + Sync>),
        Timing::DaysLeft(n) => ("", Box::new(move || format!("{} {n}", state.t(K::DaysLeft))) as Box<dyn Fn() -> String + Send + Sync>),
        Timing::Overdue(n) => ("overdue", Box::new(move || format!("{} {n}", state.t(K::OverdueDays))) as Box<dyn Fn() -> String + Send + Sync>),
    };
    let select_id = format!("ms-status-{id}");
    view! {
        <li class="milestone" data-testid="milestone-item" data-milestone-id=id.clone()>
            <div class="milestone-head">
                <strong>{label}</strong>
                <span class="muted">{due}</span>
                {scope.map(|s| view! { <span class="tag">{s}</span> })}
                <span class=format!("badge {timing_class}") data-testid="milestone-timing">{timing_text}</span>
                <button type="button" class="secondary no-print" data-testid="milestone-edit" on:click=move |_| on_edit.run(())>{move || state.t(K::Edit)}</button>
            </div>
            <p>{text}</p>
            {(sub_items.len() > 1).then(|| view! {
                <details>
                    <summary>{move || state.t(K::SubItems)} {let n = sub_items.len(); move || state.lang.get().paren(n)}</summary>
                    <ul>{sub_items.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul>
                </details>
            })}
            <label for=select_id.clone() class="inline-label">{move || state.t(K::FieldStatus)}</label>
            <select id=select_id data-testid="milestone-status" on:change=on_change>
                {MilestoneStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.code() selected=s == status>{move || state.t(status_key(s))}</option>
                }).collect_view()}
            </select>
            <FormError error=error/>
        </li>
    }
}
