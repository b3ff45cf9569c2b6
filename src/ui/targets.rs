//! Targets (督战对象): the filtered list, a detail page per target with its
//! figures over time, and the add / edit / delete forms.

use super::{platform, use_app, FormError};
use crate::core::i18n::{kind_key, level_key, metric_key, Field, K};
use crate::core::model::{Figure, Level, Role, Target, TargetKind};
use crate::core::ops;
use crate::core::route::Route;
use crate::core::snapshot::{format_figure, TargetFilter};
use crate::core::validate::{self, ValidationError};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The list of targets with county / kind / level filters kept in the URL.
#[component]
pub fn TargetList(filter: TargetFilter) -> impl IntoView {
    let state = use_app();
    let f = StoredValue::new(filter);
    let set = move |apply: &dyn Fn(&mut TargetFilter)| {
        let mut nf = f.get_value();
        apply(&mut nf);
        platform::navigate(&Route::Targets(nf).to_hash());
    };
    let county_opts = move || {
        state
            .snapshot
            .with(|s| s.counties.iter().map(|c| (c.id.clone(), c.name.clone())).collect::<Vec<_>>())
            .into_iter()
            .map(|(id, name)| {
                let sel = f.with_value(|f| f.county.as_deref() == Some(id.as_str()));
                view! { <option value=id selected=sel>{name}</option> }
            })
            .collect_view()
    };
    view! {
        <section class="view" data-testid="view-targets">
            <div class="view-head">
                <h2>{move || state.t(K::NavTargets)}</h2>
                <a class="button" href="#/targets/new" data-testid="add-target">{move || state.t(K::AddTarget)}</a>
            </div>
            <div class="filters">
                <label>{move || state.t(K::FieldCounty)}
                    <select data-testid="filter-county" on:change=move |ev| { let v = event_target_value(&ev); set(&|f| f.county = (!v.is_empty()).then(|| v.clone())) }>
                        <option value="" selected=f.with_value(|f| f.county.is_none())>{move || state.t(K::AllCounties)}</option>
                        {county_opts}
                    </select>
                </label>
                <label>{move || state.t(K::FieldKind)}
                    <select data-testid="filter-kind" on:change=move |ev| { let v = event_target_value(&ev); set(&|f| f.kind = TargetKind::from_code(&v)) }>
                        <option value="" selected=f.with_value(|f| f.kind.is_none())>{move || state.t(K::AllKinds)}</option>
                        {TargetKind::ALL.into_iter().map(|k| view! {
                            <option value=k.code() selected=f.with_value(|f| f.kind == Some(k))>{move || state.t(kind_key(k))}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || state.t(K::FieldLevel)}
                    <select data-testid="filter-level" on:change=move |ev| { let v = event_target_value(&ev); set(&|f| f.level = Level::from_code(&v)) }>
                        <option value="" selected=f.with_value(|f| f.level.is_none())>{move || state.t(K::AllLevels)}</option>
                        {Level::ALL.into_iter().map(|l| view! {
                            <option value=l.code() selected=f.with_value(|f| f.level == Some(l))>{move || state.t(level_key(l))}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="table-scroll">
                <table class="list">
                    <thead><tr>
                        <th scope="col">{move || state.t(K::FieldName)}</th>
                        <th scope="col">{move || state.t(K::FieldKind)}</th>
                        <th scope="col">{move || state.t(K::FieldLevel)}</th>
                        <th scope="col">{move || state.t(K::FieldCounty)}</th>
                        <th scope="col" class="num">{move || state.t(K::FieldFigure)}</th>
                    </tr></thead>
                    <tbody>
                        {move || state.snapshot.with(|s| {
                            let filter = f.get_value();
                            s.filter_targets(&filter).into_iter().map(|t| {
                                let label = s.target_label(t);
                                let county = s.county(&t.county_id).map(|c| c.name.clone()).unwrap_or_default();
                                let fig = s.latest_figure(&t.id).map(|x| format_figure(t.kind.metric(), x.value)).unwrap_or_default();
                                let (kind, level, id) = (t.kind, t.level, t.id.clone());
                                view! {
                                    <tr data-testid="target-item" data-target-id=id.clone()>
                                        <td><a href=format!("#/targets/{id}")>{label}</a></td>
                                        <td>{move || state.t(kind_key(kind))}</td>
                                        <td>{move || state.t(level_key(level))}</td>
                                        <td>{county}</td>
                                        <td class="num">{fig}</td>
                                    </tr>
                                }
                            }).collect_view()
                        })}
                    </tbody>
                </table>
            </div>
            <super::plan_edit::CountiesPanel/>
        </section>
    }
}

/// Page for adding a target.
#[component]
pub fn NewTarget() -> impl IntoView {
    let state = use_app();
    let blank = state.snapshot.with_untracked(|s| Target {
        id: String::new(),
        kind: TargetKind::RelocationSite,
        level: Level::County,
        county_id: s.counties.first().map(|c| c.id.clone()).unwrap_or_default(),
        township: String::new(),
        name: String::new(),
        table_row: 1,
        order: 1,
    });
    view! {
        <section class="view" data-testid="view-new-target">
            <h2>{move || state.t(K::AddTarget)}</h2>
            <TargetForm target=blank on_done=Callback::new(|id: String| platform::navigate(&Route::Target(id).to_hash()))/>
        </section>
    }
}

/// The add/edit form of a target. A new target (empty id) gets an id on save.
#[component]
fn TargetForm(target: Target, on_done: Callback<String>) -> impl IntoView {
    let state = use_app();
    let is_new = target.id.is_empty();
    let name = RwSignal::new(target.name.clone());
    let township = RwSignal::new(target.township.clone());
    let county = RwSignal::new(target.county_id.clone());
    let kind = RwSignal::new(target.kind);
    let level = RwSignal::new(target.level);
    let row = RwSignal::new(target.table_row.to_string());
    let error = RwSignal::new(None::<String>);
    let base = StoredValue::new(target);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let mut saved_id = String::new();
            let res = state
                .save(|c| {
                    let mut t = base.get_value();
                    if t.id.is_empty() {
                        t.id = c.replica.new_id("t", c.now_ms);
                    }
                    t.name = validate::required_text(Field::Name, &name.get_untracked(), validate::MAX_NAME)?;
                    t.township = validate::optional_text(Field::Township, &township.get_untracked(), validate::MAX_NAME)?;
                    t.county_id = county.get_untracked();
                    t.kind = kind.get_untracked();
                    t.level = level.get_untracked();
                    t.table_row = row.get_untracked().trim().parse::<u32>().map_err(|_| ValidationError::NotANumber(row.get_untracked()))?.max(1);
                    c.plan.validate_target(&t)?;
                    saved_id = t.id.clone();
                    Ok(c.replica.stage_save(&[t], c.now_ms))
                })
                .await;
            match res {
                Ok(()) => {
                    error.set(None);
                    on_done.run(saved_id);
                }
                Err(m) => error.set(Some(m)),
            }
        });
    };
    view! {
        <form class="form" on:submit=submit data-testid="target-form">
            <label>{move || state.t(K::FieldName)}
                <input type="text" maxlength="100" data-testid="target-name-input" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>{move || state.t(K::FieldCounty)}
                <select data-testid="target-county-select" on:change=move |ev| county.set(event_target_value(&ev))>
                    {move || state.snapshot.with(|s| s.counties.iter().map(|c| {
                        let id = c.id.clone();
                        let sel = county.get_untracked() == id;
                        view! { <option value=id selected=sel>{c.name.clone()}</option> }
                    }).collect_view())}
                </select>
            </label>
            <label>{move || state.t(K::FieldKind)}
                <select data-testid="target-kind-select" on:change=move |ev| { if let Some(k) = TargetKind::from_code(&event_target_value(&ev)) { kind.set(k) } }>
                    {TargetKind::ALL.into_iter().map(|k| view! { <option value=k.code() selected=kind.get_untracked() == k>{move || state.t(kind_key(k))}</option> }).collect_view()}
                </select>
            </label>
            <label>{move || state.t(K::FieldLevel)}
                <select data-testid="target-level-select" on:change=move |ev| { if let Some(l) = Level::from_code(&event_target_value(&ev)) { level.set(l) } }>
                    {Level::ALL.into_iter().map(|l| view! { <option value=l.code() selected=level.get_untracked() == l>{move || state.t(level_key(l))}</option> }).collect_view()}
                </select>
            </label>
            <label>{move || state.t(K::FieldTownship)}
                <input type="text" maxlength="100" data-testid="target-township-input" prop:value=move || township.get() on:input=move |ev| township.set(event_target_value(&ev))/>
            </label>
            <label>{move || state.t(K::FieldTableRow)}
                <input type="number" min="1" inputmode="numeric" data-testid="target-row-input" prop:value=move || row.get() on:input=move |ev| row.set(event_target_value(&ev))/>
            </label>
            <FormError error=error/>
            <div class="actions">
                <button type="submit" data-testid="target-save">{move || state.t(if is_new { K::AddTarget } else { K::Save })}</button>
            </div>
        </form>
    }
}

/// One target: its place in the table, people, figures over time, edit and delete.
#[component]
pub fn TargetDetail(id: String) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(id);
    let exists = move || state.snapshot.with(|s| s.target(&id.get_value()).is_some());
    view! {
        <Show when=exists fallback=|| view! { <super::MissingRecord/> }>
            <TargetDetailBody id=id.get_value()/>
        </Show>
    }
}

#[component]
fn TargetDetailBody(id: String) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(id);
    let target = Memo::new(move |_| state.snapshot.with(|s| s.target(&id.get_value()).cloned()));
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);

    let info = move || {
        let Some(t) = target.get() else { return ().into_any() };
        state.snapshot.with(|s| {
            let county = s.county(&t.county_id).map(|c| c.name.clone()).unwrap_or_default();
            let deps = s.departments_of(&t.id).iter().map(|d| d.name.clone()).collect::<Vec<_>>().join(state.lang.get().list_sep());
            let (kind, level) = (t.kind, t.level);
            let last = state.replica.with(|r| r.as_ref().and_then(|r| r.last_change(&t.id).cloned()));
            let conflicts = s.conflicts.get(&t.id).map(|c| c.len()).unwrap_or(0);
            view! {
                <dl class="facts">
                    <dt>{move || state.t(K::FieldKind)}</dt><dd>{move || state.t(kind_key(kind))}</dd>
                    <dt>{move || state.t(K::FieldLevel)}</dt><dd>{move || state.t(level_key(level))}</dd>
                    <dt>{move || state.t(K::FieldCounty)}</dt><dd>{county}</dd>
                    <dt>{move || state.t(K::FieldTownship)}</dt><dd>{t.township.clone()}</dd>
                    <dt>{move || state.t(K::FieldTableRow)}</dt><dd>{t.table_row}</dd>
                    <dt>{move || state.t(K::Departments)}</dt><dd>{deps}</dd>
                    <dt>{move || state.t(K::LastChanged)}</dt>
                    <dd class="muted">{last.map(|s| format!("{} · {}", s.dev, if s.wall == 0 { state.t(K::PlanDefault).to_owned() } else { super::platform::format_ms(s.wall) }))}</dd>
                </dl>
                {(conflicts > 0).then(|| view! { <p class="warn" data-testid="target-conflict">{move || state.t(K::ConflictNote)}</p> })}
            }.into_any()
        })
    };

    let on_delete = move |_| {
        spawn_local(async move {
            let tid = id.get_value();
            match state.save(|c| Ok(c.replica.stage_delete(&[tid.as_str()], c.now_ms))).await {
                Ok(()) => platform::navigate(&Route::Targets(TargetFilter::default()).to_hash()),
                Err(m) => delete_error.set(Some(m)),
            }
        });
    };

    view! {
        <section class="view" data-testid="target-detail" data-target-id=id.get_value()>
            <p class="crumbs no-print"><a href="#/targets">{move || state.t(K::BackToTargets)}</a></p>
            <div class="view-head">
                <h2 data-testid="target-name">{move || state.snapshot.with(|s| target.get().map(|t| s.target_label(&t)).unwrap_or_default())}</h2>
                <div class="actions no-print">
                    <button type="button" class="secondary" data-testid="target-edit" on:click=move |_| editing.update(|e| *e = !*e)>{move || state.t(K::Edit)}</button>
                    <button type="button" class="danger" data-testid="target-delete" on:click=move |_| confirming.set(true)>{move || state.t(K::Delete)}</button>
                </div>
            </div>
            <Show when=move || confirming.get()>
                <div class="confirm" role="alertdialog" aria-labelledby="del-q">
                    <p id="del-q">{move || state.t(K::DeleteQuestion)}</p>
                    <button type="button" class="danger" data-testid="target-delete-confirm" on:click=on_delete>{move || state.t(K::ConfirmDelete)}</button>
                    <button type="button" class="secondary" on:click=move |_| confirming.set(false)>{move || state.t(K::Cancel)}</button>
                    <FormError error=delete_error/>
                </div>
            </Show>
            <Show when=move || editing.get()>
                {move || target.get().map(|t| view! { <TargetForm target=t on_done=Callback::new(move |_| editing.set(false))/> })}
            </Show>
            {info}
            <super::RecordsGate>
                <super::visits::TargetVisits id=id.get_value()/>
                <super::problems::TargetProblems id=id.get_value()/>
                <super::photos::TargetPhotos id=id.get_value()/>
            </super::RecordsGate>
            <PeoplePanel id=id.get_value() role=Role::Leader/>
            <PeoplePanel id=id.get_value() role=Role::SquadLead/>
            <FiguresPanel id=id.get_value()/>
        </section>
    }
}

/// The people in one role on a target (a cell of the 督战表), with add and remove.
#[component]
fn PeoplePanel(id: String, role: Role) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(id);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (title, code) = match role {
        Role::Leader => (K::Leaders, "leader"),
        Role::SquadLead => (K::SquadLeads, "squad_lead"),
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let n = name.get_untracked();
            let res = state.save(|c| Ok(ops::stage_assign(c.replica, &id.get_value(), &n, role, c.now_ms)?)).await;
            if res.is_ok() {
                name.set(String::new());
            }
            error.set(res.err());
        });
    };
    let remove = move |assignment_id: String| {
        spawn_local(async move {
            error.set(state.save(|c| Ok(ops::stage_unassign(c.replica, &assignment_id, c.now_ms))).await.err());
        });
    };
    view! {
        <section class="panel" data-testid=format!("people-{code}")>
            <h3>{move || state.t(title)}</h3>
            <ul class="chips" data-testid=format!("target-{code}-names")>
                {move || state.snapshot.with(|s| {
                    s.assignments.iter().filter(|a| a.target_id == id.get_value() && a.role == role).filter_map(|a| {
                        let p = s.person(&a.person_id)?;
                        let aid = a.id.clone();
                        let pname = p.name.clone();
                        Some(view! {
                            <li class="chip">
                                <span data-testid="person-name">{pname.clone()}</span>
                                <button type="button" class="secondary no-print" data-testid="person-remove"
                                    aria-label=move || format!("{} {pname}", state.t(K::Delete))
                                    on:click=move |_| remove(aid.clone())>"×"</button>
                            </li>
                        })
                    }).collect_view()
                })}
            </ul>
            <form class="form inline no-print" on:submit=add>
                <label>{move || state.t(K::Person)}
                    <input type="text" maxlength="100" data-testid=format!("assign-name-{code}") prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid=format!("assign-add-{code}")>{move || state.t(K::AddPerson)}</button>
                <FormError error=error/>
            </form>
        </section>
    }
}

/// A target's figures over time and the form to record a new one.
#[component]
fn FiguresPanel(id: String) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(id);
    let value = RwSignal::new(String::new());
    let date = RwSignal::new(platform::today().to_string());
    let error = RwSignal::new(None::<String>);
    let metric = move || state.snapshot.with(|s| s.target(&id.get_value()).map(|t| t.kind.metric()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let res = state
                .save(|c| {
                    let t = c.plan.target(&id.get_value()).ok_or_else(|| ValidationError::UnknownTarget(id.get_value()))?;
                    let v = validate::parse_figure(t.kind.metric(), &value.get_untracked())?;
                    let on = validate::parse_date(&date.get_untracked())?;
                    let f = Figure {
                        id: c.replica.new_id("f", c.now_ms),
                        target_id: t.id.clone(),
                        measured_on: on,
                        value: v,
                        source: state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default()),
                    };
                    c.plan.validate_figure(&f)?;
                    Ok(c.replica.stage_save(&[f], c.now_ms))
                })
                .await;
            match res {
                Ok(()) => {
                    error.set(None);
                    value.set(String::new());
                }
                Err(m) => error.set(Some(m)),
            }
        });
    };
    view! {
        <section class="panel">
            <h3>{move || state.t(K::Figures)} " · " {move || metric().map(|m| state.t(metric_key(m))).unwrap_or("")}</h3>
            <p class="big" data-testid="figure-latest">{move || state.snapshot.with(|s| {
                let t = s.target(&id.get_value());
                t.and_then(|t| s.latest_figure(&t.id).map(|f| format_figure(t.kind.metric(), f.value))).unwrap_or_else(|| "—".into())
            })}</p>
            <div class="table-scroll">
                <table class="list">
                    <thead><tr>
                        <th scope="col">{move || state.t(K::FieldMeasuredOn)}</th>
                        <th scope="col" class="num">{move || state.t(K::FieldFigure)}</th>
                        <th scope="col">{move || state.t(K::FieldSource)}</th>
                    </tr></thead>
                    <tbody>
                        {move || state.snapshot.with(|s| {
                            let Some(t) = s.target(&id.get_value()) else { return ().into_any() };
                            s.figures_of(&t.id).into_iter().rev().map(|f| view! {
                                <tr data-testid="figure-row">
                                    <td>{f.measured_on.to_string()}</td>
                                    <td class="num">{format_figure(t.kind.metric(), f.value)}</td>
                                    <td>{f.source.clone()}</td>
                                </tr>
                            }).collect_view().into_any()
                        })}
                    </tbody>
                </table>
            </div>
            <form class="form inline no-print" on:submit=submit>
                <label>{move || state.t(K::FieldFigure)}
                    <input type="text" inputmode="decimal" data-testid="figure-value" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                </label>
                <label>{move || state.t(K::FieldMeasuredOn)}
                    <input type="text" placeholder="YYYY-MM-DD" data-testid="figure-date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="figure-add">{move || state.t(K::AddFigure)}</button>
                <FormError error=error/>
            </form>
        </section>
    }
}
