//! Problems (问题): the problem page (facts, derived flags, photos before and after
//! rectification, the workflow with its transition dialog, the full history, the edit form), the new
//! problem form (blank, or prefilled from a 未达标 answer), and a target's open
//! problems. Status, flags and history come from the ledger index; the workflow
//! rules (which transitions exist, what a verification needs) are the core's.
//!
//! data-testid:
//! - page: `view-problem` (data-problem-id), `problem-title`, `problem-status`
//!   (data-status), `flag-overdue`, `flag-no-action`, `flag-recurrence`,
//!   `flag-recurrence-link`, `flag-conflict`, `problem-closed-by`,
//!   `transition-<to status code>`, `transition-dialog`, `transition-comment`,
//!   `transition-by`, `verifier-name`, `verification-passed`, `verification-failed`,
//!   `transition-confirm`, `transition-cancel`, `problem-history`,
//!   `problem-history-row` (data-skipped true|false, data-to), `form-error`,
//!   `problem-photos-before` (the 整改前 photo strip; a 整改后 strip on the row to
//!   已整改待核验 and a 核验 strip on each verification: `photo-strip` data-slot)
//! - form: `problem-form`, `problem-target`, `problem-item`, `problem-source`,
//!   `problem-description`, `problem-unit`, `problem-person`, `problem-deadline`,
//!   `problem-opened`, `problem-visit`, `problem-save`, `problem-prefill-error`
//! - target page: `target-problems`, `target-new-problem`, `target-open-problem`
//!   (data-problem-id)
//! - new problem page: `view-new-problem`

use super::photos::PhotoStrip;
use super::{platform, use_app, FormError};
use crate::core::calendar::format_time_ms;
use crate::core::fieldwork::form::{blank_problem, is_verification, prefill_from_answer, transition_label, ProblemForm};
use crate::core::fieldwork::photo::PhotoSlot;
use crate::core::fieldwork::problem::{next_statuses, stage_save_problem, stage_transition_after, TransitionRequest};
use crate::core::fieldwork::{ProblemSource, ProblemStatus, Verification};
use crate::core::i18n::K;
use crate::core::route::{NewProblem, Route};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `#/problems/new?…`: a new problem, blank at a target or prefilled from an answer.
#[component]
pub fn NewProblemPage(from: NewProblem) -> impl IntoView {
    let state = use_app();
    let today = platform::today();
    let from = StoredValue::new(from);
    // Prefilled from the answer as soon as the answer is in the snapshot (its autosave
    // may still be landing when the link is followed).
    let prefill = Memo::new(move |_| {
        let f = from.get_value();
        match &f.answer {
            Some((visit, item)) => state.field.with(|fs| prefill_from_answer(fs, visit, item)).map_err(|e| e.message(state.lang.get())),
            None => Ok(blank_problem(f.target.as_deref().unwrap_or_default(), today)),
        }
    });
    view! {
        <section class="view" data-testid="view-new-problem">
            <p class="crumbs no-print"><a href="#/ledger">{move || state.t(K::BackToLedger)}</a></p>
            <h2>{move || state.t(K::NewProblem)}</h2>
            {move || match prefill.get() {
                Ok(form) => view! { <ProblemEditor form=form id=None/> }.into_any(),
                Err(m) => {
                    let blank = blank_problem(from.with_value(|f| f.target.clone()).as_deref().unwrap_or_default(), today);
                    view! {
                        <p class="error" role="alert" data-testid="problem-prefill-error">{m}</p>
                        <ProblemEditor form=blank id=None/>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The problem form. `id` is `None` for a new problem (it gets an id on save and the
/// page moves to it).
#[component]
fn ProblemEditor(form: ProblemForm, id: Option<String>) -> impl IntoView {
    let state = use_app();
    let target = RwSignal::new(form.target_id.clone());
    let item = RwSignal::new(form.item_id.clone());
    let source = RwSignal::new(form.source);
    let description = RwSignal::new(form.description.clone());
    let unit = RwSignal::new(form.responsible_unit.clone());
    let person = RwSignal::new(form.responsible_person.clone());
    let deadline = RwSignal::new(form.deadline.clone());
    let opened = RwSignal::new(form.opened_on.clone());
    let visit = StoredValue::new(form.visit_id.clone());
    let pid = StoredValue::new(id);
    let error = RwSignal::new(None::<String>);
    let initial_item = form.item_id.clone();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Read the form now: the save may wait for another one to finish.
        let f = ProblemForm {
            target_id: target.get_untracked(),
            item_id: item.get_untracked(),
            source: source.get_untracked(),
            description: description.get_untracked(),
            responsible_unit: unit.get_untracked(),
            responsible_person: person.get_untracked(),
            deadline: deadline.get_untracked(),
            opened_on: opened.get_untracked(),
            visit_id: visit.get_value(),
        };
        let existing = pid.get_value();
        spawn_local(async move {
            let mut saved = String::new();
            let is_new = existing.is_none();
            let res = state
                .save(|c| {
                    let id = existing.unwrap_or_else(|| c.replica.new_id("p", c.now_ms));
                    let p = f.to_problem(id.clone())?;
                    let change = stage_save_problem(c.replica, c.plan, c.field, &p, c.today, c.now_ms)?;
                    saved = id;
                    Ok(change)
                })
                .await;
            match res {
                Ok(()) => {
                    error.set(None);
                    if is_new {
                        platform::navigate(&Route::Problem(saved).to_hash());
                    }
                }
                Err(m) => error.set(Some(m)),
            }
        });
    };

    view! {
        <form class="form" data-testid="problem-form" on:submit=submit>
            <label>{move || state.t(K::FieldTarget)}
                <select data-testid="problem-target" on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="" selected=target.get_untracked().is_empty()>{move || state.t(K::ChooseTarget)}</option>
                    {state.snapshot.with_untracked(|s| s.targets.iter().map(|t| {
                        let sel = t.id == target.get_untracked();
                        view! { <option value=t.id.clone() selected=sel>{s.target_label(t)}</option> }
                    }).collect_view())}
                </select>
            </label>
            <label>{move || state.t(K::FieldItem)}
                <select data-testid="problem-item" on:change=move |ev| item.set(event_target_value(&ev))>
                    <option value="" selected=initial_item.is_empty()>{move || state.t(K::NoItem)}</option>
                    {state.field.with_untracked(|f| f.checklist.iter().filter(|i| !i.retired || i.id == initial_item).map(|i| {
                        let sel = i.id == initial_item;
                        view! { <option value=i.id.clone() selected=sel>{format!("{} {}", i.code, i.title)}</option> }
                    }).collect_view())}
                </select>
            </label>
            <label>{move || state.t(K::FieldProblemSource)}
                <select data-testid="problem-source" on:change=move |ev| { if let Some(s) = ProblemSource::from_code(&event_target_value(&ev)) { source.set(s) } }>
                    {ProblemSource::ALL.into_iter().map(|s| view! {
                        <option value=s.code() selected=s == source.get_untracked()>{move || s.label(state.lang.get())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{move || state.t(K::FieldOpenedOn)}
                <input type="date" data-testid="problem-opened" prop:value=move || opened.get() on:input=move |ev| opened.set(event_target_value(&ev))/>
            </label>
            <label class="wide">{move || state.t(K::FieldDescription)}
                <textarea rows="3" maxlength="2000" data-testid="problem-description" prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </label>
            <label>{move || state.t(K::FieldUnit)}
                <input type="text" maxlength="100" data-testid="problem-unit" prop:value=move || unit.get() on:input=move |ev| unit.set(event_target_value(&ev))/>
            </label>
            <label>{move || state.t(K::FieldPerson)}
                <input type="text" maxlength="100" data-testid="problem-person" prop:value=move || person.get() on:input=move |ev| person.set(event_target_value(&ev))/>
            </label>
            <label>{move || state.t(K::FieldDeadline)}
                <input type="date" data-testid="problem-deadline" prop:value=move || deadline.get() on:input=move |ev| deadline.set(event_target_value(&ev))/>
            </label>
            {visit.get_value().map(|v| view! {
                <p class="wide">{move || state.t(K::FieldVisit)} {move || state.lang.get().colon()} <a data-testid="problem-visit" href=format!("#/visits/{v}")>{
                    state.field.with_untracked(|f| f.visit(&v).map(|x| format!("{} {}", x.date, x.mode.label(state.lang.get_untracked())))).unwrap_or_else(|| v.clone())
                }</a></p>
            })}
            <FormError error=error/>
            <div class="actions">
                <button type="submit" data-testid="problem-save">{move || state.t(K::SaveProblem)}</button>
            </div>
        </form>
    }
}

/// `#/problems/<id>`: one problem with its status, flags, workflow and history.
#[component]
pub fn ProblemPage(id: String) -> impl IntoView {
    let state = use_app();
    let pid = StoredValue::new(id);
    let row = Memo::new(move |_| {
        state.ledger_version.track();
        state.ledger.with_untracked(|ix| ix.get(&pid.get_value()))
    });
    let exists = move || row.with(Option::is_some);
    view! {
        <Show when=exists fallback=move || view! {
            <section class="view" data-testid=move || if state.ledger_ready.get() { "view-not-found" } else { "view-loading" }>
                <p>{move || state.t(if state.ledger_ready.get() { K::NotFound } else { K::LedgerBuilding })}</p>
                <a href="#/ledger">{move || state.t(K::BackToLedger)}</a>
            </section>
        }>
            <ProblemBody id=pid.get_value() row=row/>
        </Show>
    }
}

#[component]
fn ProblemBody(id: String, row: Memo<Option<crate::core::fieldwork::LedgerRow>>) -> impl IntoView {
    let state = use_app();
    let pid = StoredValue::new(id.clone());
    let status = Memo::new(move |_| row.with(|r| r.as_ref().map(|r| r.status).unwrap_or(ProblemStatus::Open)));
    let form = state.ledger.with_untracked(|ix| ix.problem(&id).map(ProblemForm::from_problem));
    let dialog = RwSignal::new(None::<ProblemStatus>);
    let flag = move |f: fn(&crate::core::fieldwork::LedgerRow) -> bool| row.with(|r| r.as_ref().is_some_and(f));

    let facts = move || {
        let Some(r) = row.get() else { return ().into_any() };
        let lang = state.lang.get();
        let target_link = format!("#/targets/{}", r.target_id);
        let item = if r.item_title.is_empty() { state.t(K::NoItem).to_owned() } else { format!("{} {}", r.item_code, r.item_title) };
        let deadline = r.deadline.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
        let closed = r.closed_at_ms.map(|ms| format!("{} · {}", r.closed_by.clone().unwrap_or_default(), format_time_ms(ms)));
        view! {
            <dl class="facts">
                <dt>{state.t(K::FieldTarget)}</dt><dd><a href=target_link>{r.target_label.clone()}</a></dd>
                <dt>{state.t(K::FieldCounty)}</dt><dd>{r.county_name.clone()}</dd>
                <dt>{state.t(K::FieldItem)}</dt><dd>{item}</dd>
                <dt>{state.t(K::FieldProblemSource)}</dt><dd>{r.source.label(lang)}</dd>
                <dt>{state.t(K::FieldOpenedOn)}</dt><dd>{r.opened_on.to_string()}</dd>
                <dt>{state.t(K::FieldDeadline)}</dt><dd>{deadline}</dd>
                <dt>{state.t(K::FieldUnit)}</dt><dd>{r.responsible_unit.clone()}</dd>
                <dt>{state.t(K::FieldPerson)}</dt><dd>{r.responsible_person.clone()}</dd>
                {r.visit_id.clone().map(|v| {
                    // The visit as the squad knows it: its date and mode (its id if it is not on this device).
                    let text = state.field.with_untracked(|f| f.visit(&v).map(|x| format!("{} {}", x.date, x.mode.label(lang)))).unwrap_or_else(|| v.clone());
                    view! { <dt>{state.t(K::FieldVisit)}</dt><dd><a href=format!("#/visits/{v}")>{text}</a></dd> }
                })}
                {closed.map(|c| view! { <dt>{state.t(K::ClosedBy)}</dt><dd data-testid="problem-closed-by">{c}</dd> })}
            </dl>
        }
        .into_any()
    };

    let history = move || {
        state.ledger_version.track();
        let lang = state.lang.get();
        state.ledger.with_untracked(|ix| {
            let h = ix.history_of(&pid.get_value());
            if h.is_empty() {
                return view! { <li class="muted">{state.t(K::HistoryEmpty)}</li> }.into_any();
            }
            h.into_iter()
                .map(|entry| {
                    let e = entry.event;
                    let skipped = entry.skipped.as_ref().map(|err| err.message(lang));
                    let verification = e.verification.as_ref().map(|v| {
                        format!("{} · {}", lang.labelled(state.t(K::Verifier), &v.verifier), state.t(if v.passed { K::VerificationPassed } else { K::VerificationFailed }))
                    });
                    let is_skipped = skipped.is_some();
                    view! {
                        <li class="milestone" class:skipped=is_skipped data-testid="problem-history-row" data-skipped=is_skipped.to_string() data-to=e.to.code()>
                            <div class="milestone-head">
                                <strong>{format!("{} → {}", e.from.label(lang), e.to.label(lang))}</strong>
                                <span class="muted">{format_time_ms(e.at_ms)}</span>
                                <span class="tag">{e.by.clone()}</span>
                            </div>
                            {(!e.comment.is_empty()).then(|| view! { <p>{e.comment.clone()}</p> })}
                            {verification.map(|v| view! { <p>{v}</p> })}
                            {(e.to == ProblemStatus::AwaitingVerification).then(|| view! { <PhotoStrip owner_id=e.id.clone() of=PhotoSlot::Rectified/> })}
                            {e.verification.is_some().then(|| view! { <PhotoStrip owner_id=e.id.clone() of=PhotoSlot::Verified/> })}
                            {skipped.map(|m| view! { <p class="warn"><strong>{state.t(K::HistorySkipped)}</strong> {lang.colon()} {m}</p> })}
                        </li>
                    }
                    .into_any()
                })
                .collect_view()
                .into_any()
        })
    };

    view! {
        <section class="view" data-testid="view-problem" data-problem-id=id.clone()>
            <p class="crumbs no-print"><a href="#/ledger">{move || state.t(K::BackToLedger)}</a></p>
            <div class="view-head">
                <h2 data-testid="problem-title">{move || row.with(|r| r.as_ref().map(|r| r.description.clone()).unwrap_or_default())}</h2>
                <span class=move || format!("badge status-{}", status.get().code()) data-testid="problem-status" data-status=move || status.get().code()>
                    {move || status.get().label(state.lang.get())}
                </span>
                <button type="button" class="secondary no-print" data-testid="print-problem" on:click=move |_| super::platform::print_page()>{move || state.t(K::Print)}</button>
            </div>
            <div class="flags">
                <Show when=move || flag(|r| r.overdue)>
                    <span class="badge overdue" data-testid="flag-overdue">{move || state.t(K::FlagOverdue)}</span>
                </Show>
                <Show when=move || flag(|r| r.without_owner)>
                    <span class="badge warn" data-testid="flag-no-action" title=move || state.t(K::NoActionNote)>{move || state.t(K::FlagNoAction)} {move || state.lang.get().colon()} {move || state.t(K::NoActionNote)}</span>
                </Show>
                <Show when=move || flag(|r| r.recurrence_of.is_some())>
                    <span class="badge overdue" data-testid="flag-recurrence">
                        {move || state.t(K::FlagRecurrence)} {move || state.lang.get().colon()}
                        <a data-testid="flag-recurrence-link" href=move || row.with(|r| r.as_ref().and_then(|r| r.recurrence_of.clone()).map(|p| Route::Problem(p).to_hash()).unwrap_or_default())>
                            {move || state.t(K::RecurrenceOf)}
                        </a>
                    </span>
                </Show>
                <Show when=move || flag(|r| r.history_conflicts > 0)>
                    <span class="badge warn" data-testid="flag-conflict">{move || state.t(K::FlagConflict)}</span>
                </Show>
            </div>
            {facts}
            <section class="panel" data-testid="problem-photos-before">
                <h3>{move || state.t(K::PhotosBefore)}</h3>
                <PhotoStrip owner_id=pid.get_value() of=PhotoSlot::Before/>
            </section>
            <super::photos::BeforeAfterView problem_id=pid.get_value()/>
            <div class="actions no-print" role="group">
                {move || next_statuses(status.get()).iter().map(|to| {
                    let (from, to) = (status.get_untracked(), *to);
                    view! {
                        <button type="button" class=if to == ProblemStatus::InProgress && from == ProblemStatus::AwaitingVerification { "secondary" } else { "" }
                            data-testid=format!("transition-{}", to.code()) on:click=move |_| dialog.set(Some(to))>
                            {move || transition_label(from, to, state.lang.get())}
                        </button>
                    }
                }).collect_view()}
            </div>
            {move || dialog.get().map(|to| view! { <TransitionDialog id=pid.get_value() from=status.get_untracked() to=to dialog=dialog/> })}
            <section class="panel">
                <h3>{move || state.t(K::History)}</h3>
                <ol class="timeline" data-testid="problem-history">{history}</ol>
            </section>
            <section class="panel no-print">
                <h3>{move || state.t(K::Edit)}</h3>
                {form.map(|f| view! { <ProblemEditor form=f id=Some(pid.get_value())/> })}
            </section>
        </section>
    }
}

/// The dialog of one transition: who, a comment, and for a verification the verifier
/// and the result. The core decides whether it is allowed and says why not.
#[component]
fn TransitionDialog(id: String, from: ProblemStatus, to: ProblemStatus, dialog: RwSignal<Option<ProblemStatus>>) -> impl IntoView {
    let state = use_app();
    let pid = StoredValue::new(id);
    let verifying = is_verification(from);
    let comment = RwSignal::new(String::new());
    let by = RwSignal::new(state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default()));
    let verifier = RwSignal::new(String::new());
    // The result a button implies; the user may still pick the other one (and the
    // core will say why that does not fit this transition).
    let passed = RwSignal::new(to == ProblemStatus::Closed);
    let error = RwSignal::new(None::<String>);
    let confirm = move |_| {
        let req = TransitionRequest {
            to,
            by: by.get_untracked(),
            comment: comment.get_untracked(),
            verification: verifying.then(|| Verification { verifier: verifier.get_untracked(), passed: passed.get_untracked() }),
        };
        let id = pid.get_value();
        spawn_local(async move {
            match state.save(|c| Ok(stage_transition_after(c.replica, &c.events_of(&id), &id, &req, c.now_ms)?)).await {
                Ok(()) => dialog.set(None),
                Err(m) => error.set(Some(m)),
            }
        });
    };
    view! {
        <div class="confirm" role="dialog" aria-labelledby="transition-q" data-testid="transition-dialog">
            <p id="transition-q"><strong>{move || transition_label(from, to, state.lang.get())}</strong>
                {move || { let l = state.lang.get(); l.paren(format!("{} → {}", from.label(l), to.label(l))) }}</p>
            <div class="form">
                <label>{move || state.t(K::TransitionBy)}
                    <input type="text" maxlength="100" data-testid="transition-by" prop:value=move || by.get() on:input=move |ev| by.set(event_target_value(&ev))/>
                </label>
                {verifying.then(|| view! {
                    <label>{move || state.t(K::Verifier)}
                        <input type="text" maxlength="100" data-testid="verifier-name" prop:value=move || verifier.get() on:input=move |ev| verifier.set(event_target_value(&ev))/>
                    </label>
                    <fieldset class="choices">
                        <legend>{move || state.t(K::VerificationResult)}</legend>
                        <label class="choice choice-pass">
                            <input type="radio" name="verification" data-testid="verification-passed" prop:checked=move || passed.get() on:change=move |_| passed.set(true)/>
                            <span>{move || state.t(K::VerificationPassed)}</span>
                        </label>
                        <label class="choice choice-fail">
                            <input type="radio" name="verification" data-testid="verification-failed" prop:checked=move || !passed.get() on:change=move |_| passed.set(false)/>
                            <span>{move || state.t(K::VerificationFailed)}</span>
                        </label>
                    </fieldset>
                })}
                <label class="wide">{move || state.t(K::TransitionComment)}
                    <textarea rows="2" maxlength="2000" data-testid="transition-comment" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
            </div>
            <FormError error=error/>
            <div class="actions">
                <button type="button" data-testid="transition-confirm" on:click=confirm>{move || state.t(K::Confirm)}</button>
                <button type="button" class="secondary" data-testid="transition-cancel" on:click=move |_| dialog.set(None)>{move || state.t(K::Cancel)}</button>
            </div>
        </div>
    }
}

/// A target's page: its problems not yet closed, and a button to log one.
#[component]
pub fn TargetProblems(id: String) -> impl IntoView {
    let state = use_app();
    let tid = StoredValue::new(id);
    let rows = Memo::new(move |_| {
        state.ledger_version.track();
        state.ledger.with_untracked(|ix| ix.open_problems_of(&tid.get_value()))
    });
    view! {
        <section class="panel" data-testid="target-problems">
            <div class="view-head">
                <h3>{move || state.t(K::OpenProblems)} " " <span class="muted">{move || rows.with(Vec::len)}</span></h3>
                <a class="button no-print" data-testid="target-new-problem"
                    href=move || Route::NewProblem(NewProblem { target: Some(tid.get_value()), answer: None }).to_hash()>{move || state.t(K::NewProblem)}</a>
            </div>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="muted">{move || state.t(if state.ledger_ready.get() { K::NoOpenProblems } else { K::LedgerBuilding })}</p>
            </Show>
            <ul class="plain">
                {move || rows.get().into_iter().map(|r| {
                    let lang = state.lang.get();
                    let deadline = r.deadline.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
                    view! {
                        <li data-testid="target-open-problem" data-problem-id=r.id.clone()>
                            <span class=format!("badge status-{}", r.status.code())>{r.status.label(lang)}</span>
                            " " <a href=Route::Problem(r.id.clone()).to_hash()>{r.description.clone()}</a>
                            <span class="muted">{format!(" · {} {deadline}", state.t(K::FieldDeadline))}</span>
                            {r.overdue.then(|| view! { <span class="badge overdue">{state.t(K::FlagOverdue)}</span> })}
                            {r.without_owner.then(|| view! { <span class="badge warn">{state.t(K::FlagNoAction)}</span> })}
                            {r.recurrence_of.is_some().then(|| view! { <span class="badge overdue">{state.t(K::FlagRecurrence)}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
