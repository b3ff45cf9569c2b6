//! Editors of the plan's structure (方案编辑): phases and milestones (on the
//! timeline), counties (on the target list). Each form is checked and staged by
//! `core::plan_edit`; here events become those calls.

use super::widgets::{text_input, EditorActions};
use super::{use_app, AppState, FormError};
use crate::app::UserError;
use crate::core::i18n::K;
use crate::core::plan_edit::{
    parties_code, stage_delete_county, stage_delete_milestone, stage_delete_phase, stage_delete_requirement, stage_save_county, stage_save_milestone,
    stage_save_phase, stage_save_requirement, CountyForm, MilestoneForm, PhaseForm, RequirementForm, PARTIES,
};
use crate::core::read_model::Stage;
use crate::core::replica::{Change, Replica};
use crate::core::report::{Parties, Schedule};
use crate::core::validate::ValidationError;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What is being edited on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Editing {
    Phase(PhaseForm),
    Milestone(MilestoneForm),
}

/// Saves a staged edit through the one commit path: `on_done` after it is stored,
/// the user's message in `error` otherwise.
fn run_save(state: AppState, error: RwSignal<Option<String>>, on_done: Callback<()>, stage: impl FnOnce(&Stage) -> Result<Change, UserError> + 'static) {
    spawn_local(async move {
        match state.save(stage).await {
            Ok(()) => on_done.run(()),
            Err(e) => error.set(Some(e)),
        }
    });
}

/// What every editor of this module holds: the form as typed, its error, whether
/// it adds a record, and its save and delete actions (a core `stage_…` each).
struct Editor<F: Send + Sync + 'static> {
    form: RwSignal<F>,
    error: RwSignal<Option<String>>,
    is_new: bool,
    save: Callback<()>,
    delete: Callback<()>,
}

// Handles only (arena signals, callbacks): copied whatever the form type is.
impl<F: Send + Sync + 'static> Clone for Editor<F> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F: Send + Sync + 'static> Copy for Editor<F> {}

impl<F: Send + Sync + 'static> Editor<F> {
    /// The form's submit handler: saves.
    fn on_submit(self) -> impl Fn(leptos::ev::SubmitEvent) + Copy + 'static {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            self.save.run(());
        }
    }
}

type SaveFn<F> = fn(&Replica, &F, u64) -> Result<(Change, String), ValidationError>;
type DeleteFn = fn(&Replica, &str, u64) -> Result<Change, ValidationError>;

fn editor<F: Clone + Send + Sync + 'static>(form: F, id: Option<String>, on_done: Callback<()>, save: SaveFn<F>, delete: DeleteFn) -> Editor<F> {
    let state = use_app();
    let is_new = id.is_none();
    let id = StoredValue::new(id.unwrap_or_default());
    let form = RwSignal::new(form);
    let error = RwSignal::new(None::<String>);
    Editor {
        form,
        error,
        is_new,
        save: Callback::new(move |_| {
            let f = form.get_untracked();
            run_save(state, error, on_done, move |c| Ok(save(c.replica, &f, c.now_ms)?.0));
        }),
        delete: Callback::new(move |_| run_save(state, error, on_done, move |c| Ok(delete(c.replica, &id.get_value(), c.now_ms)?))),
    }
}

fn text_area<F: Clone + Send + Sync + 'static>(
    form: RwSignal<F>,
    key: K,
    testid: &'static str,
    get: fn(&F) -> &String,
    set: fn(&mut F, String),
) -> impl IntoView {
    let state = use_app();
    view! {
        <label class="wide">{move || state.t(key)}
            <textarea rows="3" data-testid=testid prop:value=move || form.with(|f| get(f).clone()) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))></textarea>
        </label>
    }
}

/// The form of a phase (new or existing); `on_done` runs after a save or delete.
#[component]
pub fn PhaseEditor(form: PhaseForm, on_done: Callback<()>) -> impl IntoView {
    let state = use_app();
    let ed = editor(form.clone(), form.id, on_done, stage_save_phase, stage_delete_phase);
    let Editor { form, error, is_new, .. } = ed;
    view! {
        <form class="form editor" data-testid="phase-form" on:submit=ed.on_submit()>
            <h3>{move || state.t(if is_new { K::AddPhase } else { K::EditPhase })}</h3>
            {text_input(form, K::FieldName, "phase-name", "text", |f| &f.name, |f, v| f.name = v)}
            {text_input(form, K::PhaseStart, "phase-start", "date", |f| &f.start, |f, v| f.start = v)}
            {text_input(form, K::PhaseEnd, "phase-end", "date", |f| &f.end, |f, v| f.end = v)}
            {text_area(form, K::PhaseDescription, "phase-description", |f| &f.description, |f, v| f.description = v)}
            <EditorActions prefix="phase" is_new=is_new delete_label=K::DeletePhase on_cancel=on_done on_delete=ed.delete/>
            <FormError error=error/>
        </form>
    }
}

/// The form of a milestone (new or existing); `on_done` runs after a save or delete.
#[component]
pub fn MilestoneEditor(form: MilestoneForm, on_done: Callback<()>) -> impl IntoView {
    let state = use_app();
    let ed = editor(form.clone(), form.id, on_done, stage_save_milestone, stage_delete_milestone);
    let Editor { form, error, is_new, .. } = ed;
    // Whom it applies to: the prefecture, a county or a target.
    let scopes = move || {
        let chosen = form.with(|f| f.scope.clone());
        let (mut opts, all) = state.snapshot.with(|s| {
            let mut o: Vec<(String, String)> = s.counties.iter().map(|c| (format!("county:{}", c.id), c.name.clone())).collect();
            o.extend(s.targets.iter().map(|t| (format!("target:{}", t.id), s.target_label(t))));
            (o, state.t(K::ScopeAll).to_owned())
        });
        opts.insert(0, (String::new(), all));
        opts.into_iter()
            .map(|(code, name)| {
                let sel = code == chosen;
                view! { <option value=code selected=sel>{name}</option> }
            })
            .collect_view()
    };
    let phases = move || {
        let chosen = form.with(|f| f.phase_id.clone());
        state
            .snapshot
            .with(|s| s.phases.iter().map(|p| (p.id.clone(), p.name.clone())).collect::<Vec<_>>())
            .into_iter()
            .map(|(id, name)| {
                let sel = id == chosen;
                view! { <option value=id selected=sel>{name}</option> }
            })
            .collect_view()
    };
    view! {
        <form class="form editor" data-testid="milestone-form" on:submit=ed.on_submit()>
            <h3>{move || state.t(if is_new { K::AddMilestone } else { K::EditMilestone })}</h3>
            <label>{move || state.t(K::NavMilestones)}
                <select data-testid="milestone-phase" on:change=move |ev| form.update(|f| f.phase_id = event_target_value(&ev))>{phases}</select>
            </label>
            {text_input(form, K::MilestoneDue, "milestone-due", "date", |f| &f.due, |f, v| f.due = v)}
            {text_input(form, K::MilestoneLabel, "milestone-label", "text", |f| &f.label, |f, v| f.label = v)}
            <label>{move || state.t(K::MilestoneScope)}
                <select data-testid="milestone-scope" on:change=move |ev| form.update(|f| f.scope = event_target_value(&ev))>{scopes}</select>
            </label>
            {text_area(form, K::MilestoneText, "milestone-text", |f| &f.text, |f, v| f.text = v)}
            {text_area(form, K::MilestoneSubItems, "milestone-sub-items", |f| &f.sub_items, |f, v| f.sub_items = v)}
            <EditorActions prefix="milestone" is_new=is_new delete_label=K::DeleteMilestone on_cancel=on_done on_delete=ed.delete/>
            <FormError error=error/>
        </form>
    }
}

/// The counties of the plan: the table's row groups, renamed, added and (when no
/// target or milestone is theirs) deleted here.
#[component]
pub fn CountiesPanel() -> impl IntoView {
    let state = use_app();
    let editing = RwSignal::new(None::<CountyForm>);
    let rows = move || {
        state.snapshot.with(|s| s.counties.clone()).into_iter().map(|c| {
            let form = CountyForm { id: Some(c.id.clone()), name: c.name.clone() };
            view! {
                <li data-testid="county-entry" data-county=c.id.clone()>
                    <span>{format!("{}. {}", c.seq, c.name)}</span>
                    <button type="button" class="secondary" data-testid="county-edit" on:click=move |_| editing.set(Some(form.clone()))>{move || state.t(K::Edit)}</button>
                </li>
            }
        }).collect_view()
    };
    view! {
        <section class="panel" data-testid="counties-panel">
            <h3>{move || state.t(K::CountiesTitle)}</h3>
            <ul class="campaign-list">{rows}</ul>
            {move || match editing.get() {
                Some(form) => view! { <CountyEditor form=form on_done=Callback::new(move |_| editing.set(None))/> }.into_any(),
                None => view! { <button type="button" data-testid="county-add" on:click=move |_| editing.set(Some(CountyForm::default()))>{move || state.t(K::AddCounty)}</button> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CountyEditor(form: CountyForm, on_done: Callback<()>) -> impl IntoView {
    let state = use_app();
    let ed = editor(form.clone(), form.id, on_done, stage_save_county, stage_delete_county);
    let Editor { form, error, is_new, .. } = ed;
    view! {
        <form class="form editor" data-testid="county-form" on:submit=ed.on_submit()>
            <h4>{move || state.t(if is_new { K::AddCounty } else { K::EditCounty })}</h4>
            {text_input(form, K::FieldName, "county-name", "text", |f| &f.name, |f, v| f.name = v)}
            <EditorActions prefix="county" is_new=is_new delete_label=K::DeleteCounty on_cancel=on_done on_delete=ed.delete/>
            <FormError error=error/>
        </form>
    }
}

/// The campaign's reporting requirements (报送要求): what is due when and from whom —
/// the monthly report and the one-off filings — added, edited and (while no
/// filing was recorded against one) deleted.
#[component]
pub fn RequirementsPanel() -> impl IntoView {
    let state = use_app();
    let editing = RwSignal::new(None::<RequirementForm>);
    let rows = move || {
        let lang = state.lang.get();
        state.reports.with(|r| r.requirements.clone()).into_iter().map(|q| {
            let when = match q.schedule {
                Schedule::Monthly { due_day, first, last } => lang.monthly_schedule(state.t(K::ReqMonthly), first, last, due_day),
                Schedule::Once { due } => format!("{} · {due}", state.t(K::ReqOnce)),
            };
            let form = RequirementForm::of(&q);
            view! {
                <li data-testid="requirement-entry" data-requirement=q.id.clone()>
                    <span class="campaign-entry-name">{q.name.clone()} <small class="muted">{when}</small></span>
                    <button type="button" class="secondary" data-testid="requirement-edit" on:click=move |_| editing.set(Some(form.clone()))>{move || state.t(K::Edit)}</button>
                </li>
            }
        }).collect_view()
    };
    let blank = move || RequirementForm { monthly: false, parties: parties_code(Parties::CountiesAndPrefectureTargets).to_owned(), ..Default::default() };
    view! {
        <section class="panel no-print" data-testid="requirements-panel">
            <h3>{move || state.t(K::RequirementsTitle)}</h3>
            <ul class="campaign-list">{rows}</ul>
            {move || match editing.get() {
                Some(form) => view! { <RequirementEditor form=form on_done=Callback::new(move |_| editing.set(None))/> }.into_any(),
                None => view! { <button type="button" data-testid="requirement-add" on:click=move |_| editing.set(Some(blank()))>{move || state.t(K::AddRequirement)}</button> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn RequirementEditor(form: RequirementForm, on_done: Callback<()>) -> impl IntoView {
    let state = use_app();
    let ed = editor(form.clone(), form.id, on_done, stage_save_requirement, stage_delete_requirement);
    let Editor { form, error, is_new, .. } = ed;
    let parties = move || {
        let chosen = form.with(|f| f.parties.clone());
        PARTIES
            .into_iter()
            .map(|p| {
                let key = match p {
                    Parties::Counties => K::PartiesCounties,
                    Parties::PrefectureTargets => K::PartiesTargets,
                    Parties::CountiesAndPrefectureTargets => K::PartiesBoth,
                };
                view! { <option value=parties_code(p) selected=parties_code(p) == chosen>{move || state.t(key)}</option> }
            })
            .collect_view()
    };
    let monthly = move || form.with(|f| f.monthly);
    view! {
        <form class="form editor" data-testid="requirement-form" on:submit=ed.on_submit()>
            <h4>{move || state.t(if is_new { K::AddRequirement } else { K::EditRequirement })}</h4>
            {text_input(form, K::FieldName, "requirement-name", "text", |f| &f.name, |f, v| f.name = v)}
            <label>{move || state.t(K::ReqSchedule)}
                <select data-testid="requirement-schedule" on:change=move |ev| form.update(|f| f.monthly = event_target_value(&ev) == "monthly")>
                    <option value="monthly" selected=monthly()>{move || state.t(K::ReqMonthly)}</option>
                    <option value="once" selected=!monthly()>{move || state.t(K::ReqOnce)}</option>
                </select>
            </label>
            <Show when=monthly fallback=move || text_input(form, K::MilestoneDue, "requirement-due", "date", |f| &f.due, |f, v| f.due = v)>
                {text_input(form, K::ReqDueDay, "requirement-due-day", "text", |f| &f.due_day, |f, v| f.due_day = v)}
                {text_input(form, K::ReqFirstMonth, "requirement-first", "text", |f| &f.first, |f, v| f.first = v)}
                {text_input(form, K::ReqLastMonth, "requirement-last", "text", |f| &f.last, |f, v| f.last = v)}
            </Show>
            <label>{move || state.t(K::ReqParties)}
                <select data-testid="requirement-parties" on:change=move |ev| form.update(|f| f.parties = event_target_value(&ev))>{parties}</select>
            </label>
            {text_input(form, K::ReqRecipient, "requirement-recipient", "text", |f| &f.recipient, |f, v| f.recipient = v)}
            {text_input(form, K::CampaignPhone, "requirement-phone", "text", |f| &f.contact_phone, |f, v| f.contact_phone = v)}
            {text_input(form, K::CampaignEmail, "requirement-email", "text", |f| &f.contact_email, |f, v| f.contact_email = v)}
            {text_area(form, K::ReqText, "requirement-text", |f| &f.text, |f, v| f.text = v)}
            <EditorActions prefix="requirement" is_new=is_new delete_label=K::DeleteRequirement on_cancel=on_done on_delete=ed.delete/>
            <FormError error=error/>
        </form>
    }
}
