//! Visits (督战记录): the visit form with its checklist, autosaved as a draft while
//! the squad types and submitted explicitly; the home page's list of unsubmitted
//! drafts; a target's visit timeline and checklist pass rate.
//!
//! Autosave: every edit goes into a [`Draft`] (plain shared data, not reactive
//! state, so it outlives the component) and is written through `AppState::save` —
//! durably — 500 ms after the last keystroke, at once for a radio choice, and on
//! leaving the view or hiding the page. A new visit gets its address
//! (`#/visits/<id>`) with its first save, so a reload lands on the draft.
//!
//! data-testid:
//! - home: `drafts-list`, `draft-item` (data-visit-id), `draft-resume`
//! - form: `view-visit` (data-visit-id), `visit-status` (data-status draft|submitted),
//!   `visit-autosave` (data-state idle|pending|saving|saved|error), `visit-target`,
//!   `visit-date`, `visit-mode`, `visit-members`, `visit-households`, `visit-findings`,
//!   `visit-gps`, `visit-gps-clear`, `visit-gps-text`, `visit-gps-error`,
//!   `checklist-group-<group code>`, `answer-row` (data-item-id, data-retired),
//!   `answer-title-<item_id>`, `answer-<item_id>-pass|fail|na`, `answer-note-<item_id>`,
//!   `answer-clear-<item_id>`, `answer-retired-<item_id>`, `open-problem-<item_id>`,
//!   `visit-submit`, `form-error`
//! - target page: `target-visits`, `target-new-visit`, `timeline-visit` (data-visit-id,
//!   data-status), `pass-rate-overall`, `pass-rate-<group code>`

use super::photos::PhotoStrip;
use super::{platform, use_app, AppState, FormError};
use crate::core::calendar::format_time_ms;
use crate::core::fieldwork::checklist::items_for_visit;
use crate::core::fieldwork::form::{gps_text, GpsError, VisitForm};
use crate::core::fieldwork::photo::{Geo, PhotoSlot};
use crate::core::fieldwork::target_page::{target_pass_rate, visit_timeline};
use crate::core::fieldwork::visit::{stage_answer, stage_clear_answer, stage_save_visit, stage_submit_visit};
use crate::core::fieldwork::{Answer, ChecklistGroup, ChecklistItem, VisitMode, VisitStatus};
use crate::core::i18n::K;
use crate::core::route::{NewProblem, Route};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long after the last keystroke a draft is saved.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(500);

/// What the autosave indicator shows.
#[derive(Clone, Debug, PartialEq)]
enum Autosave {
    Idle,
    /// Edited, waiting for the typing to pause.
    Pending,
    Saving,
    /// Saved at this time (ms).
    Saved(u64),
    Failed(String),
}

impl Autosave {
    fn code(&self) -> &'static str {
        match self {
            Autosave::Idle => "idle",
            Autosave::Pending => "pending",
            Autosave::Saving => "saving",
            Autosave::Saved(_) => "saved",
            Autosave::Failed(_) => "error",
        }
    }
}

/// A pending change to one answer.
#[derive(Clone, Debug)]
enum AnswerEdit {
    Set(Answer, String),
    Clear,
}

/// The form's unsaved state and the way to save it. Shared (`Arc`) and not
/// reactive, so a timer or a page-hide handler that fires after the view is gone
/// still saves what was typed.
#[derive(Clone)]
struct Draft {
    state: AppState,
    form: Arc<Mutex<VisitForm>>,
    visit_dirty: Arc<AtomicBool>,
    answers: Arc<Mutex<BTreeMap<String, AnswerEdit>>>,
    /// Whether the visit record exists in storage.
    stored: Arc<AtomicBool>,
    /// Bumped by every edit; a timer saves only if no edit came after it.
    generation: Arc<AtomicU64>,
    /// The generation last saved.
    saved_generation: Arc<AtomicU64>,
    status: RwSignal<Autosave>,
}

impl Draft {
    fn new(state: AppState, form: VisitForm, stored: bool) -> Self {
        Draft {
            state,
            form: Arc::new(Mutex::new(form)),
            visit_dirty: Arc::new(AtomicBool::new(false)),
            answers: Arc::new(Mutex::new(BTreeMap::new())),
            stored: Arc::new(AtomicBool::new(stored)),
            generation: Arc::new(AtomicU64::new(0)),
            saved_generation: Arc::new(AtomicU64::new(0)),
            status: RwSignal::new(Autosave::Idle),
        }
    }

    fn id(&self) -> String {
        self.form.lock().map(|f| f.id.clone()).unwrap_or_default()
    }

    fn form(&self) -> Option<VisitForm> {
        self.form.lock().ok().map(|f| f.clone())
    }

    /// Changes the visit's fields and saves after the typing pauses.
    fn edit(&self, change: impl FnOnce(&mut VisitForm)) {
        if let Ok(mut f) = self.form.lock() {
            change(&mut f);
        }
        self.visit_dirty.store(true, Ordering::SeqCst);
        self.schedule();
    }

    /// Changes the visit's fields and saves at once (a choice, not typing).
    fn edit_now(&self, change: impl FnOnce(&mut VisitForm)) {
        if let Ok(mut f) = self.form.lock() {
            change(&mut f);
        }
        self.visit_dirty.store(true, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.save_now();
    }

    /// Records an answer edit; a choice saves at once, a note after the typing pauses.
    fn answer(&self, item_id: &str, edit: AnswerEdit, now: bool) {
        if let Ok(mut a) = self.answers.lock() {
            a.insert(item_id.to_owned(), edit);
        }
        if now {
            self.generation.fetch_add(1, Ordering::SeqCst);
            self.save_now();
        } else {
            self.schedule();
        }
    }

    fn schedule(&self) {
        let my = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.status.set(Autosave::Pending);
        let this = self.clone();
        set_timeout(
            move || {
                if this.generation.load(Ordering::SeqCst) == my {
                    this.save_now();
                }
            },
            AUTOSAVE_DELAY,
        );
    }

    fn has_unsaved(&self) -> bool {
        self.generation.load(Ordering::SeqCst) != self.saved_generation.load(Ordering::SeqCst)
    }

    fn save_now(&self) {
        let this = self.clone();
        spawn_local(async move {
            let _ = this.flush().await;
        });
    }

    /// Saves everything edited so far: the visit record first (answers need it), then
    /// each changed answer. Returns the first failure's message.
    async fn flush(&self) -> Result<(), String> {
        let my = self.generation.load(Ordering::SeqCst);
        self.status.set(Autosave::Saving);
        let res = self.persist().await;
        match &res {
            Ok(()) => {
                self.saved_generation.fetch_max(my, Ordering::SeqCst);
                let newer = self.generation.load(Ordering::SeqCst) != my;
                self.status.set(if newer { Autosave::Pending } else { Autosave::Saved(platform::now_ms()) });
            }
            Err(m) => self.status.set(Autosave::Failed(m.clone())),
        }
        res
    }

    async fn persist(&self) -> Result<(), String> {
        let first = !self.stored.load(Ordering::SeqCst);
        if self.visit_dirty.swap(false, Ordering::SeqCst) || first {
            let Some(form) = self.form() else { return Ok(()) };
            let res = self
                .state
                .save(|c| {
                    let v = form.to_visit()?;
                    Ok(stage_save_visit(c.replica, &v, c.now_ms)?)
                })
                .await;
            if let Err(m) = res {
                self.visit_dirty.store(true, Ordering::SeqCst);
                return Err(m);
            }
            if first {
                self.stored.store(true, Ordering::SeqCst);
                // The draft now has its own address — unless the user has already left.
                if !self.status.is_disposed() && matches!(Route::parse(&platform::current_hash()), Route::NewVisit { .. }) {
                    self.state.replace_route(Route::Visit(form.id.clone()));
                }
            }
        }
        let edits = self.answers.lock().map(|mut a| std::mem::take(&mut *a)).unwrap_or_default();
        let visit_id = self.id();
        let mut first_error = None;
        for (item, edit) in edits {
            let res = self
                .state
                .save(|c| match &edit {
                    AnswerEdit::Set(a, note) => Ok(stage_answer(c.replica, &visit_id, &item, *a, note, c.now_ms)?),
                    AnswerEdit::Clear => Ok(stage_clear_answer(c.replica, &visit_id, &item, c.now_ms)),
                })
                .await;
            if let Err(m) = res {
                first_error.get_or_insert(m);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// `#/visits/new?target=…`: a new visit's form. Nothing is stored until the first edit.
#[component]
pub fn NewVisitPage(target: Option<String>) -> impl IntoView {
    let state = use_app();
    let now = platform::now_ms();
    let id = state.replica.with_untracked(|r| r.as_ref().map(|r| r.new_id("v", now))).unwrap_or_default();
    let squad = state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default());
    let target = target.filter(|t| state.snapshot.with_untracked(|s| s.target(t).is_some())).unwrap_or_default();
    let form = VisitForm::new(id, target, platform::today(), &squad);
    view! { <VisitEditor form=form stored=false/> }
}

/// `#/visits/<id>`: a stored visit, draft or submitted.
#[component]
pub fn VisitPage(id: String) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(id);
    let exists = move || state.field.with(|f| f.visit(&id.get_value()).is_some());
    view! {
        <Show when=exists fallback=|| view! { <super::MissingRecord/> }>
            {move || {
                let form = state.field.with_untracked(|f| f.visit(&id.get_value()).map(VisitForm::from_visit));
                form.map(|form| view! { <VisitEditor form=form stored=true/> })
            }}
        </Show>
    }
}

/// The visit form: facts, GPS, the checklist, autosave and submit.
#[component]
fn VisitEditor(form: VisitForm, stored: bool) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(form.id.clone());
    let target = RwSignal::new(form.target_id.clone());
    let gps = RwSignal::new(form.gps.clone());
    let gps_busy = RwSignal::new(false);
    let gps_error = RwSignal::new(None::<GpsError>);
    let submit_error = RwSignal::new(None::<String>);
    let initial = form.clone();
    let draft = Draft::new(state, form, stored);
    let status = draft.status;

    // Leaving the view or hiding the page saves what is pending, at once.
    let on_leave = draft.clone();
    on_cleanup(move || {
        if on_leave.has_unsaved() {
            on_leave.save_now();
        }
    });
    let on_hide = draft.clone();
    let hide_listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if platform::page_hidden() && on_hide.has_unsaved() {
            on_hide.save_now();
        }
    });
    let on_pagehide = draft.clone();
    let pagehide_listener = window_event_listener(leptos::ev::pagehide, move |_| {
        if on_pagehide.has_unsaved() {
            on_pagehide.save_now();
        }
    });
    on_cleanup(move || {
        hide_listener.remove();
        pagehide_listener.remove();
    });

    let visit_status = move || state.field.with(|f| f.visit(&id.get_value()).map(|v| v.status));
    let d = draft.clone();
    let locate = move |_| {
        gps_busy.set(true);
        gps_error.set(None);
        let d = d.clone();
        platform::locate(move |res| {
            gps_busy.set(false);
            match res.and_then(|fix| fix.validate().map(|()| fix).map_err(|_| GpsError::Unavailable)) {
                Ok(fix) => {
                    gps.set(Some(fix.clone()));
                    d.edit_now(|f| f.gps = Some(fix));
                }
                Err(e) => gps_error.set(Some(e)),
            }
        });
    };
    let d = draft.clone();
    let clear_gps = move |_| {
        gps.set(None);
        d.edit_now(|f| f.gps = None);
    };
    let d = draft.clone();
    let submit = move |_| {
        let d = d.clone();
        spawn_local(async move {
            if let Err(m) = d.flush().await {
                submit_error.set(Some(m));
                return;
            }
            let vid = d.id();
            let res = state.save(|c| Ok(stage_submit_visit(c.replica, c.plan, &vid, c.today, c.now_ms)?)).await;
            submit_error.set(res.err());
        });
    };

    // Photos back a stored visit (a new one is saved by its first edit), placed by its fix.
    let photo_geo = Signal::derive(move || gps.get().map(|f| Geo { lat: f.lat, lon: f.lon, accuracy_m: Some(f.accuracy_m) }));
    let d_target = draft.clone();
    let d_date = draft.clone();
    let d_mode = draft.clone();
    // 暗访督战 is restricted (督查室专阅): said on the page, and how it travels.
    let mode = RwSignal::new(initial.mode);
    let unannounced = move || mode.get() == VisitMode::Unannounced;
    let d_members = draft.clone();
    let d_households = draft.clone();
    let d_findings = draft.clone();
    let groups = ChecklistGroup::ALL
        .into_iter()
        .map(|g| view! { <ChecklistGroupSection group=g visit_id=id.get_value() target=target draft=draft.clone() geo=photo_geo/> })
        .collect_view();

    view! {
        <section class="view" data-testid="view-visit" data-visit-id=id.get_value()>
            <p class="crumbs no-print">
                {move || {
                    let t = target.get();
                    (!t.is_empty()).then(|| view! { <a href=format!("#/targets/{t}")>{move || state.snapshot.with(|s| s.target(&target.get()).map(|x| s.target_label(x)).unwrap_or_default())}</a> })
                }}
            </p>
            <div class="view-head">
                <h2>{move || state.t(K::VisitTitle)}</h2>
                <span class="badge" data-testid="visit-status" data-status=move || if visit_status() == Some(VisitStatus::Submitted) { "submitted" } else { "draft" }>
                    {move || visit_status().unwrap_or(VisitStatus::Draft).label(state.lang.get())}
                </span>
                <Show when=unannounced>
                    <span class="badge restricted" data-testid="visit-restricted">{move || state.t(K::RestrictedBadge)}</span>
                </Show>
                <button type="button" class="secondary no-print" data-testid="print-visit" on:click=move |_| platform::print_page()>{move || state.t(K::Print)}</button>
                <span class="autosave" data-testid="visit-autosave" data-state=move || status.with(Autosave::code) role="status" aria-live="polite">
                    {move || match status.get() {
                        Autosave::Idle => String::new(),
                        Autosave::Pending => state.t(K::AutosavePending).to_owned(),
                        Autosave::Saving => state.t(K::AutosaveSaving).to_owned(),
                        Autosave::Saved(ms) => format!("✓ {} {}", state.t(K::AutosaveSaved), format_time_ms(ms).get(11..).unwrap_or_default()),
                        Autosave::Failed(m) => state.lang.get().labelled(state.t(K::AutosaveFailed), m),
                    }}
                </span>
            </div>
            <Show when=move || visit_status() == Some(VisitStatus::Submitted)>
                <p class="muted">{move || state.t(K::VisitSubmittedNote)}</p>
            </Show>
            <div class="form">
                <label>{move || state.t(K::FieldTarget)}
                    <select data-testid="visit-target" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        target.set(v.clone());
                        d_target.edit_now(|f| f.target_id = v);
                    }>
                        <option value="" selected=initial.target_id.is_empty()>{move || state.t(K::ChooseTarget)}</option>
                        {state.snapshot.with_untracked(|s| s.targets.iter().map(|t| {
                            let sel = t.id == initial.target_id;
                            view! { <option value=t.id.clone() selected=sel>{s.target_label(t)}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <label>{move || state.t(K::FieldVisitDate)}
                    <input type="date" data-testid="visit-date" prop:value=initial.date.clone()
                        on:input=move |ev| { let v = event_target_value(&ev); d_date.edit(|f| f.date = v) }/>
                </label>
                <label>{move || state.t(K::FieldMode)}
                    <select data-testid="visit-mode" on:change=move |ev| {
                        if let Some(m) = VisitMode::from_code(&event_target_value(&ev)) { mode.set(m); d_mode.edit_now(|f| f.mode = m) }
                    }>
                        {VisitMode::ALL.into_iter().map(|m| view! {
                            <option value=m.code() selected=m == initial.mode>{move || m.label(state.lang.get())}</option>
                        }).collect_view()}
                    </select>
                    <Show when=unannounced>
                        <small class="muted" data-testid="visit-restricted-hint">{move || state.t(K::UnannouncedHint)}</small>
                    </Show>
                </label>
                <label>{move || state.t(K::FieldMembers)}
                    <input type="text" maxlength="2000" data-testid="visit-members" prop:value=initial.members.clone()
                        on:input=move |ev| { let v = event_target_value(&ev); d_members.edit(|f| f.members = v) }/>
                </label>
                <label>{move || state.t(K::FieldHouseholds)}
                    <input type="text" inputmode="numeric" maxlength="6" data-testid="visit-households" prop:value=initial.households.clone()
                        on:input=move |ev| { let v = event_target_value(&ev); d_households.edit(|f| f.households = v) }/>
                </label>
                <label class="wide">{move || state.t(K::FieldFindings)}
                    <textarea rows="4" maxlength="10000" data-testid="visit-findings" prop:value=initial.findings.clone()
                        on:input=move |ev| { let v = event_target_value(&ev); d_findings.edit(|f| f.findings = v) }></textarea>
                </label>
                <div class="wide gps">
                    <span class="label">{move || state.t(K::Gps)}</span>
                    <span data-testid="visit-gps-text">{move || match gps.get() {
                        Some(fix) => gps_text(&fix, state.lang.get()),
                        None => state.t(K::GpsNone).to_owned(),
                    }}</span>
                    <button type="button" class="secondary" data-testid="visit-gps" disabled=move || gps_busy.get() on:click=locate>
                        {move || state.t(if gps_busy.get() { K::GpsLocating } else { K::GpsLocate })}
                    </button>
                    <Show when=move || gps.with(Option::is_some)>
                        <button type="button" class="secondary" data-testid="visit-gps-clear" on:click=clear_gps.clone()>{move || state.t(K::GpsClear)}</button>
                    </Show>
                    <Show when=move || gps_error.with(Option::is_some)>
                        <p class="error" role="alert" data-testid="visit-gps-error">{move || gps_error.get().map(|e| e.message(state.lang.get())).unwrap_or_default()}</p>
                    </Show>
                </div>
                <Show when=move || visit_status().is_some()>
                    <PhotoStrip owner_id=id.get_value() of=PhotoSlot::Visit geo=photo_geo/>
                </Show>
            </div>
            <h3>{move || state.t(K::Checklist)}</h3>
            {groups}
            <FormError error=submit_error/>
            <div class="actions">
                <Show when=move || visit_status() != Some(VisitStatus::Submitted)>
                    <button type="button" data-testid="visit-submit" on:click=submit.clone()>{move || state.t(K::SubmitVisit)}</button>
                </Show>
            </div>
        </section>
    }
}

/// One checklist group of the visit form.
#[component]
fn ChecklistGroupSection(group: ChecklistGroup, visit_id: String, target: RwSignal<String>, draft: Draft, geo: Signal<Option<Geo>>) -> impl IntoView {
    let state = use_app();
    let vid = StoredValue::new(visit_id.clone());
    // The items shown: active ones, plus retired ones this visit answered. A memo, so
    // autosaves (which change the snapshot) do not re-render the rows being typed in.
    let items = Memo::new(move |_| {
        state.field.with(|f| {
            let answered: Vec<&str> = f.answers_of(&vid.get_value()).iter().map(|a| a.item_id.as_str()).collect();
            items_for_visit(&f.checklist, &answered).into_iter().filter(|i| i.group == group).cloned().collect::<Vec<ChecklistItem>>()
        })
    });
    view! {
        <Show when=move || items.with(|i| !i.is_empty())>
            <fieldset class="check-group" data-testid=format!("checklist-group-{}", group.code())>
                <legend>{move || group.label(state.lang.get())}</legend>
                <For each=move || items.get() key=|i| i.id.clone() children={
                    let draft = draft.clone();
                    move |item| view! { <AnswerRow item_id=item.id visit_id=vid.get_value() target=target draft=draft.clone() geo=geo/> }
                }/>
            </fieldset>
        </Show>
    }
}

/// One checklist item: 达标 / 未达标 / 不适用, a note, photos of what was checked,
/// and for 未达标 the link to log a problem.
#[component]
fn AnswerRow(item_id: String, visit_id: String, target: RwSignal<String>, draft: Draft, geo: Signal<Option<Geo>>) -> impl IntoView {
    let state = use_app();
    let iid = StoredValue::new(item_id.clone());
    let stored = state.field.with_untracked(|f| f.answers_of(&visit_id).iter().find(|a| a.item_id == item_id).cloned());
    let answer = RwSignal::new(stored.as_ref().map(|a| a.answer));
    let note = RwSignal::new(stored.map(|a| a.note).unwrap_or_default());
    let item = move || state.field.with(|f| f.item(&iid.get_value()).cloned());
    let retired = move || item().is_some_and(|i| i.retired);
    let problem_href = {
        let visit_id = visit_id.clone();
        Memo::new(move |_| {
            let t = target.get();
            Route::NewProblem(NewProblem { target: (!t.is_empty()).then_some(t), answer: Some((visit_id.clone(), iid.get_value())) }).to_hash()
        })
    };
    let choices = [(Answer::Pass, "pass"), (Answer::Fail, "fail"), (Answer::NotApplicable, "na")]
        .into_iter()
        .map(|(a, suffix)| {
            let d = draft.clone();
            let name = format!("ans-{item_id}");
            view! {
                <label class=format!("choice choice-{suffix}")>
                    <input type="radio" name=name value=a.code() data-testid=format!("answer-{item_id}-{suffix}")
                        prop:checked=move || answer.get() == Some(a)
                        on:change=move |_| {
                            answer.set(Some(a));
                            d.answer(&iid.get_value(), AnswerEdit::Set(a, note.get_untracked()), true);
                        }/>
                    <span>{move || a.label(state.lang.get())}</span>
                </label>
            }
        })
        .collect_view();
    let d_note = draft.clone();
    let d_clear = draft;
    let answer_photo_owner = crate::core::fieldwork::visit::answer_id(&visit_id, &item_id);
    view! {
        <div class="answer-row" data-testid="answer-row" data-item-id=item_id.clone() data-retired=move || retired().to_string()>
            <div class="answer-head">
                <span class="code">{move || item().map(|i| i.code).unwrap_or_default()}</span>
                <strong data-testid=format!("answer-title-{item_id}")>{move || item().map(|i| i.title).unwrap_or_default()}</strong>
                <Show when=retired>
                    <span class="badge warn" data-testid=format!("answer-retired-{}", iid.get_value())>{move || state.t(K::Retired)}</span>
                </Show>
                <p class="muted guidance">{move || item().map(|i| i.guidance).unwrap_or_default()}</p>
            </div>
            <div class="choices" role="radiogroup" aria-label=move || item().map(|i| i.title).unwrap_or_default()>
                {choices}
            </div>
            <Show when=move || answer.with(Option::is_some)>
                <div class="answer-extra">
                    <label class="note">{move || state.t(K::AnswerNote)}
                        <input type="text" maxlength="2000" data-testid=format!("answer-note-{}", iid.get_value()) prop:value=note.get_untracked()
                            on:input={
                                let d = d_note.clone();
                                move |ev| {
                                    let v = event_target_value(&ev);
                                    note.set(v.clone());
                                    if let Some(a) = answer.get_untracked() {
                                        d.answer(&iid.get_value(), AnswerEdit::Set(a, v), false);
                                    }
                                }
                            }/>
                    </label>
                    <button type="button" class="secondary" data-testid=format!("answer-clear-{}", iid.get_value()) on:click={
                        let d = d_clear.clone();
                        move |_| {
                            answer.set(None);
                            note.set(String::new());
                            d.answer(&iid.get_value(), AnswerEdit::Clear, true);
                        }
                    }>{move || state.t(K::ClearAnswer)}</button>
                    <Show when=move || answer.get() == Some(Answer::Fail)>
                        <a class="button" data-testid=format!("open-problem-{}", iid.get_value()) href=move || problem_href.get()>{move || state.t(K::NewProblem)}</a>
                    </Show>
                    <PhotoStrip owner_id=answer_photo_owner.clone() of=PhotoSlot::Answer geo=geo/>
                </div>
            </Show>
        </div>
    }
}

/// Home: the visits not yet submitted, each with a link to continue.
#[component]
pub fn DraftList() -> impl IntoView {
    let state = use_app();
    let drafts = Memo::new(move |_| {
        state.field.with(|f| {
            state.snapshot.with(|s| {
                f.drafts()
                    .into_iter()
                    .map(|v| (v.id.clone(), v.date.to_string(), s.target(&v.target_id).map(|t| s.target_label(t)).unwrap_or_default()))
                    .collect::<Vec<_>>()
            })
        })
    });
    view! {
        <Show when=move || drafts.with(|d| !d.is_empty())>
            <section class="banner no-print" data-testid="drafts-list">
                <h2>{move || state.t(K::Drafts)}</h2>
                <p class="muted">{move || state.t(K::DraftHint)}</p>
                <ul class="plain">
                    {move || drafts.get().into_iter().map(|(id, date, label)| view! {
                        <li data-testid="draft-item" data-visit-id=id.clone()>
                            <span>{date} " · " {label}</span>
                            <a class="button" data-testid="draft-resume" data-visit-id=id.clone() href=format!("#/visits/{id}")>{move || state.t(K::ContinueDraft)}</a>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}

/// A target's page: the new-visit button, its checklist pass rate, and its visits as a timeline.
#[component]
pub fn TargetVisits(id: String) -> impl IntoView {
    let state = use_app();
    let tid = StoredValue::new(id);
    let rate = Memo::new(move |_| state.field.with(|f| target_pass_rate(f, &tid.get_value())));
    let timeline = move || {
        state.field.with(|f| {
            let lang = state.lang.get();
            visit_timeline(f, &tid.get_value())
                .into_iter()
                .map(|e| {
                    let v = e.visit;
                    let draft = v.status == VisitStatus::Draft;
                    let id = v.id.clone();
                    let restricted = (v.mode == VisitMode::Unannounced).then(|| format!(" · {}", state.t(K::RestrictedBadge)));
                    let text = format!("{} · {} · {}{}", v.date, v.mode.label(lang), v.status.label(lang), restricted.unwrap_or_default());
                    let detail = format!("{} {} · {} {}", state.t(K::Answered), e.answered, state.t(K::PassRate), e.rate.overall.percent_text());
                    view! {
                        <li class="milestone" data-testid="timeline-visit" data-visit-id=id.clone() data-status=if draft { "draft" } else { "submitted" }>
                            <a href=format!("#/visits/{id}")>{text}</a>
                            <span class="muted">" " {detail}</span>
                            {draft.then(|| view! { <a class="button" data-testid="draft-resume" data-visit-id=id.clone() href=format!("#/visits/{id}")>{move || state.t(K::ContinueDraft)}</a> })}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel" data-testid="target-visits">
            <div class="view-head">
                <h3>{move || state.t(K::VisitTimeline)}</h3>
                <a class="button no-print" data-testid="target-new-visit" href=move || Route::NewVisit { target: Some(tid.get_value()) }.to_hash()>{move || state.t(K::NewVisit)}</a>
            </div>
            <h4>{move || state.t(K::PassRate)} " " <span class="big" data-testid="pass-rate-overall">{move || rate.with(|r| r.overall.percent_text())}</span></h4>
            <p class="muted">{move || state.t(K::PassRateHint)}</p>
            <ul class="chips">
                {move || rate.with(|r| r.groups.iter().map(|(g, x)| {
                    let (g, text) = (*g, x.percent_text());
                    view! { <li class="chip pad" data-testid=format!("pass-rate-{}", g.code())>{move || g.label(state.lang.get())} " " <strong>{text}</strong></li> }
                }).collect_view())}
            </ul>
            <Show when=move || state.field.with(|f| f.visits_of(&tid.get_value()).next().is_none())>
                <p class="muted">{move || state.t(K::NoVisits)}</p>
            </Show>
            <ol class="timeline">{timeline}</ol>
        </section>
    }
}
