//! The monthly cycle's views (月度报送): who has reported ([`ReportBoard`]), one
//! report ([`ReportPage`]: analysis, report, feedback), a month's roll-up
//! ([`RollupPage`]) and the deadline countdown on the home view ([`Countdown`]).
//! Every figure comes from `core::report`; these components only show it and turn
//! clicks into staged changes.

use super::print::{PrintFooter, PrintHeader};
use super::state::ModelView;
use super::{platform, use_app, AppState, ExportMenu, ExportWhat, FormError, MissingRecord};
use crate::core::export::{reporting_status_sheet, rollup_sheet, ExportKind};
use crate::core::i18n::K;
use crate::core::model::Metric;
use crate::core::report::board::{default_month, filing_boards, monthly_board, upcoming};
use crate::core::report::ops::{stage_feedback, stage_filing, stage_save_draft, stage_submit, ReportDraft};
use crate::core::report::{print_hash, Findings, Month, MonthFigures, MonthRollups, Period, ReportError, ReportSnapshot, ReportStatus, Subject};
use crate::core::route::Route;
use crate::core::snapshot::format_figure;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The reporting records, typed (the app's one read model of them).
fn report_data(state: AppState) -> ModelView<ReportSnapshot> {
    state.reports
}

/// A month's figures for every target, county and the prefecture, kept current.
fn rollups(state: AppState, month: Month) -> Memo<MonthRollups> {
    Memo::new(move |_| {
        state.ledger_version.track();
        let period = Period::new(month, platform::today());
        // 暗访督战 counts in the 督查室's reports only (src/core/bundle/restricted.rs).
        let findings = match state.sync_ledger.with(|l| l.own_role) {
            Some(crate::core::bundle::ledger::DeviceRole::Inspection) => Findings::All,
            _ => Findings::WithoutUnannounced,
        };
        state
            .snapshot
            .with(|s| state.field.with(|f| state.ledger.with_untracked(|ix| MonthRollups::compute_counting(period, s, f, ix.problems_with_events(), findings))))
    })
}

fn subject_label(state: AppState, subject: &Subject) -> Option<String> {
    state.snapshot.with_untracked(|s| match subject {
        Subject::County(id) => s.county(id).map(|c| c.name.clone()),
        Subject::Target(id) => s.target(id).map(|t| s.target_label(t)),
    })
}

fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())
}

/// The month's figures as a compact table (what the analysis starts from).
#[component]
pub fn FiguresTable(#[prop(into)] figures: Signal<Option<MonthFigures>>) -> impl IntoView {
    let state = use_app();
    let row = move |k: K, testid: &'static str, v: String| {
        view! { <tr><th scope="row">{move || state.t(k)}</th><td data-testid=testid>{v}</td></tr> }
    };
    move || {
        let lang = state.lang.get();
        figures.get().map(|f| {
            let (pop, ms) = (f.population_text(lang), f.milestones_text(lang));
            view! {
                <table class="figures" data-testid="month-figures">
                    <tbody>
                        {row(K::FigAsOf, "fig-as-of", f.as_of.to_string())}
                        {(f.targets > 1).then(|| row(K::FigTargets, "fig-targets", f.targets.to_string()))}
                        {row(K::FigVisits, "fig-visits", f.visits.total.to_string())}
                        {row(K::FigVisitModes, "fig-visit-modes", format!("{} / {} / {}", f.visits.leader_fixed_point, f.visits.squad_routine, f.visits.unannounced))}
                        {row(K::FigHouseholds, "fig-households", f.visits.households.to_string())}
                        {row(K::FigPassRate, "fig-pass-rate", f.pass_rate_text(lang))}
                        {row(K::FigChecks, "fig-checks", format!("{} / {} / {}", f.checks.pass, f.checks.fail, f.checks.not_applicable))}
                        {row(K::FigOpened, "fig-opened", f.problems.opened.to_string())}
                        {row(K::FigClosed, "fig-closed", f.problems.closed.to_string())}
                        {row(K::FigOpenAtEnd, "fig-open-at-end", f.problems.open_at_end.to_string())}
                        {row(K::FigOverdue, "fig-overdue", f.problems.overdue.to_string())}
                        {row(K::FigNoAction, "fig-no-action", f.problems.without_owner.to_string())}
                        {row(K::FigRecurrence, "fig-recurrence", f.problems.recurrences.to_string())}
                        {row(K::FigPopulation, "fig-population", pop)}
                        {row(K::FigMilestones, "fig-milestones", ms)}
                    </tbody>
                </table>
            }
        })
    }
}

/// Who has reported for a month, and the one-off filings.
#[component]
pub fn ReportBoard(month: Option<Month>) -> impl IntoView {
    let state = use_app();
    let today = platform::today();
    let data = report_data(state);
    let month = month.unwrap_or_else(|| data.with_untracked(|d| d.monthly().map(|r| default_month(r, today))).unwrap_or(Month::of(today)));
    let board = Memo::new(move |_| data.with(|d| state.snapshot.with(|s| d.monthly().map(|req| monthly_board(req, month, s, &d.reports, today)))));
    let goto = move |m: Month| platform::navigate(&Route::Reports(Some(m)).to_hash());
    let on_month = move |ev: leptos::ev::Event| {
        if let Some(m) = Month::parse(&event_target_value(&ev)) {
            goto(m);
        }
    };
    let export = ExportWhat::sheet("reporting", ExportKind::ReportingStatus, move || {
        let empty = || crate::core::report::Board { month, due: month.due_date(20), rows: Vec::new(), summary: Default::default() };
        board.with_untracked(|b| reporting_status_sheet(&b.clone().unwrap_or_else(empty), today))
    });
    let hash = Signal::derive(move || {
        board.with(|b| {
            b.as_ref().map(|b| print_hash(&b.rows.iter().map(|r| (&r.report_id, r.submitted_on, r.feedback_on)).collect::<Vec<_>>())).unwrap_or_default()
        })
    });
    view! {
        <section class="view print-landscape" data-testid="view-reports">
            <div class="view-head">
                <h2>{move || state.t(K::BoardTitle)}</h2>
                <div class="actions no-print">
                    <a class="button secondary" data-testid="board-prev" href=Route::Reports(Some(month.prev())).to_hash()>{move || state.t(K::PrevMonth)}</a>
                    <label class="inline-label" for="board-month">{move || state.t(K::BoardMonth)}</label>
                    <input id="board-month" type="month" data-testid="board-month" value=month.to_string() on:change=on_month/>
                    <a class="button secondary" data-testid="board-next" href=Route::Reports(Some(month.next())).to_hash()>{move || state.t(K::NextMonth)}</a>
                    <button type="button" class="secondary" data-testid="print-board" on:click=move |_| platform::print_page()>{move || state.t(K::Print)}</button>
                    <a class="button secondary" data-testid="open-rollup" href=Route::Rollup { month, county: None }.to_hash()>{move || state.t(K::RollupPrefecture)}</a>
                    <ExportMenu what=export/>
                </div>
            </div>
            <PrintHeader title=Signal::derive(move || format!("{}{}", month.label(state.lang.get()), state.t(K::BoardTitle))) unit=Signal::derive(move || data.with(|d| d.monthly().map(|r| r.recipient.clone()).unwrap_or_default())) month=month/>
            {move || board.get().map(|b| {
                let lang = state.lang.get();
                let s = b.summary;
                let rows = b.rows.iter().map(|r| {
                    let status = r.status.map_or_else(|| state.t(K::NoReport).to_owned(), |st| st.label(lang).to_owned());
                    let href = Route::Report { subject: r.party.subject.clone(), month }.to_hash();
                    let kind = match r.party.subject { Subject::County(_) => state.t(K::PartyCounty), Subject::Target(_) => state.t(K::PartyTarget) };
                    view! {
                        <tr data-testid="board-row" data-subject=r.party.subject.id().to_owned() data-timeliness=r.timeliness.code() data-status=r.status.map_or("none", ReportStatus::code)>
                            <td><a href=href.clone()>{r.party.label.clone()}</a></td>
                            <td>{r.party.county_name.clone()}</td>
                            <td>{kind}</td>
                            <td>{status}</td>
                            <td>{date_text(r.submitted_on)}</td>
                            <td><span class=format!("badge timeliness-{}", r.timeliness.code())>{r.timeliness.label(lang)}</span></td>
                            <td data-testid="board-feedback">{date_text(r.feedback_on)}</td>
                            <td class="no-print"><a href=href>{state.t(K::OpenReport)}</a></td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <p data-testid="board-summary" class="summary">
                        {format!("{}{}  ", lang.labelled(state.t(K::DueOn), b.due), lang.paren(b.month.label(lang)))}
                        <span>{state.t(K::BoardSummaryExpected)}" "<b data-testid="board-expected">{s.expected}</b></span>" · "
                        <span>{state.t(K::BoardSummaryReceived)}" "<b data-testid="board-received">{s.received}</b></span>" · "
                        <span>{state.t(K::BoardSummaryOnTime)}" "<b data-testid="board-on-time">{s.on_time}</b></span>" · "
                        <span>{state.t(K::BoardSummaryLate)}" "<b data-testid="board-late">{s.late}</b></span>" · "
                        <span>{state.t(K::BoardSummaryMissing)}" "<b data-testid="board-missing">{s.missing}</b></span>" · "
                        <span>{state.t(K::BoardSummaryFeedback)}" "<b data-testid="board-feedback-given">{s.feedback_given}</b></span>
                    </p>
                    <div class="table-scroll">
                        <table class="data" data-testid="board-table">
                            <thead><tr>
                                <th scope="col">{state.t(K::ColParty)}</th><th scope="col">{state.t(K::ColCounty)}</th><th scope="col"></th>
                                <th scope="col">{state.t(K::ColReportStatus)}</th><th scope="col">{state.t(K::ColSubmittedOn)}</th>
                                <th scope="col">{state.t(K::ColTimeliness)}</th><th scope="col">{state.t(K::ColFeedbackOn)}</th><th scope="col" class="no-print"></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <p class="no-print">
                        {state.snapshot.with(|sn| sn.counties.iter().map(|c| view! {
                            <a class="chip pad" data-testid="open-county-rollup" href=Route::Rollup { month, county: Some(c.id.clone()) }.to_hash()>{format!("{}{}", c.name, state.t(K::RollupCounty))}</a>
                        }).collect_view())}
                    </p>
                }
            })}
            <PrintFooter hash=hash/>
            <Filings/>
            <super::plan_edit::RequirementsPanel/>
        </section>
    }
}

/// The one-off filings (联络员名单, 实施方案): who has filed, on time or not.
#[component]
fn Filings() -> impl IntoView {
    let state = use_app();
    let today = platform::today();
    let data = report_data(state);
    let boards = Memo::new(move |_| data.with(|d| state.snapshot.with(|s| filing_boards(&d.requirements, s, &d.filings, today))));
    view! {
        <section class="no-print" data-testid="filings">
            <h3>{move || state.t(K::Filings)}</h3>
            {move || boards.get().into_iter().map(|b| {
                let lang = state.lang.get();
                let req_id = StoredValue::new(b.requirement.id.clone());
                let rows = b.rows.into_iter().map(|r| {
                    let subject = StoredValue::new(r.party.subject.clone());
                    let filed = r.filing.as_ref().and_then(|f| f.filed_on);
                    let contact = RwSignal::new(r.filing.as_ref().map(|f| f.contact.clone()).unwrap_or_default());
                    let day = RwSignal::new(filed.unwrap_or(today).to_string());
                    let error = RwSignal::new(None::<String>);
                    let record = move |_| {
                        spawn_local(async move {
                            let res = state.save(move |c| {
                                let d = crate::core::validate::parse_date(&day.get_untracked()).map_err(|_| ReportError::InvalidDate(day.get_untracked()))?;
                                Ok(stage_filing(c.replica, c.plan, &req_id.get_value(), &subject.get_value(), Some(d), &contact.get_untracked(), "", c.today, c.now_ms)?)
                            }).await;
                            error.set(res.err());
                        });
                    };
                    view! {
                        <li data-testid="filing-row" data-subject=r.party.subject.id().to_owned() data-timeliness=r.timeliness.code()>
                            <span class="grow">{r.party.label.clone()}</span>
                            <span class=format!("badge timeliness-{}", r.timeliness.code())>{r.timeliness.label(lang)}</span>
                            <span>{date_text(filed)}</span>
                            <input type="date" aria-label=state.t(K::ColFiledOn) data-testid="filing-date" prop:value=move || day.get() on:input=move |ev| day.set(event_target_value(&ev))/>
                            <input type="text" maxlength="100" aria-label=state.t(K::ColContact) placeholder=state.t(K::ColContact) data-testid="filing-contact" prop:value=move || contact.get() on:input=move |ev| contact.set(event_target_value(&ev))/>
                            <button type="button" class="secondary" data-testid="filing-record" on:click=record>{state.t(K::RecordFiling)}</button>
                            <FormError error=error/>
                        </li>
                    }
                }).collect_view();
                view! {
                    <section class="filing" data-testid="filing-board" data-requirement=b.requirement.id.clone()>
                        <h4>{b.requirement.name.clone()}</h4>
                        <p class="muted">{format!("{} · {} · {} {}/{}", lang.labelled(state.t(K::DueOn), b.due), lang.labelled(state.t(K::OfficeContact), &b.requirement.contact_phone), b.requirement.contact_email, b.summary.received, b.summary.expected)}</p>
                        <p class="muted">{b.requirement.text.clone()}</p>
                        <ul class="plain">{rows}</ul>
                    </section>
                }
            }).collect_view()}
        </section>
    }
}

/// One subject's report for a month: figures, analysis, report, submission, feedback, print.
#[component]
pub fn ReportPage(subject: Subject, month: Month) -> impl IntoView {
    let state = use_app();
    let Some(unit) = subject_label(state, &subject) else {
        return view! { <MissingRecord/> }.into_any();
    };
    let data = report_data(state);
    let figures_now = rollups(state, month);
    let subj = StoredValue::new(subject.clone());
    let report = Memo::new(move |_| data.with(|d| d.report(&subj.get_value(), month).cloned()));
    let stored = report.get_untracked();
    let default_author = state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default());
    // A new report's analysis opens with the month's figures in words; the author goes on.
    let opening = figures_now.with_untracked(|f| f.of(&subject).map(MonthFigures::summary_zh)).unwrap_or_default();
    let analysis = RwSignal::new(stored.as_ref().map(|r| r.analysis.clone()).filter(|a| !a.is_empty()).unwrap_or(opening));
    let text = RwSignal::new(stored.as_ref().map(|r| r.report.clone()).unwrap_or_default());
    let author = RwSignal::new(stored.as_ref().map(|r| r.author.clone()).filter(|a| !a.is_empty()).unwrap_or(default_author.clone()));
    let feedback = RwSignal::new(String::new());
    let feedback_by = RwSignal::new(default_author);
    let error = RwSignal::new(None::<String>);
    let status = Memo::new(move |_| report.with(|r| r.as_ref().map_or(ReportStatus::Draft, |r| r.status())));
    // Submitted reports show the figures they were submitted with.
    let figures =
        Signal::derive(move || report.with(|r| r.as_ref().and_then(|r| r.figures.clone())).or_else(|| figures_now.with(|f| f.of(&subj.get_value()).cloned())));
    let hash = Signal::derive(move || report.with(|r| figures.with(|f| print_hash(&(subj.get_value(), month, r, f)))));
    let draft = move || ReportDraft { analysis: analysis.get_untracked(), report: text.get_untracked(), author: author.get_untracked() };

    let save_draft = move |_| {
        spawn_local(async move {
            let d = draft();
            let res = state.save(move |c| Ok(stage_save_draft(c.replica, c.plan, &subj.get_value(), month, &d, c.today, c.now_ms)?)).await;
            error.set(res.err());
        });
    };
    let submit = move |_| {
        spawn_local(async move {
            let d = draft();
            let figs = figures_now.with_untracked(|f| f.of(&subj.get_value()).cloned());
            let res = state
                .save(move |c| {
                    let figs = figs.ok_or_else(|| ReportError::UnknownSubject(subj.get_value().id().to_owned()))?;
                    Ok(stage_submit(c.replica, c.plan, &subj.get_value(), month, &d, figs, c.today, c.now_ms)?)
                })
                .await;
            error.set(res.err());
        });
    };
    let give_feedback = move |_| {
        spawn_local(async move {
            let (f, by) = (feedback.get_untracked(), feedback_by.get_untracked());
            let res = state.save(move |c| Ok(stage_feedback(c.replica, &subj.get_value(), month, &f, &by, c.today, c.now_ms)?)).await;
            error.set(res.err());
        });
    };
    let due = data.with_untracked(|d| d.monthly().and_then(|r| r.monthly()).map(|(day, _, _)| month.due_date(day)));
    let unit_s = StoredValue::new(unit.clone());
    let lang = move || state.lang.get();

    view! {
        <section class="view report-page" data-testid="view-report" data-status=move || status.get().code()>
            <div class="view-head no-print">
                <h2>{move || format!("{} · {}", unit_s.get_value(), month.label(lang()))}</h2>
                <div class="actions">
                    <a class="button secondary" href=Route::Reports(Some(month)).to_hash()>{move || state.t(K::BoardTitle)}</a>
                    <button type="button" class="secondary" data-testid="print-report" on:click=move |_| platform::print_page()>{move || state.t(K::Print)}</button>
                </div>
            </div>
            <PrintHeader title=Signal::derive(move || format!("{}{}", month.label(lang()), state.t(K::ReportTitle))) unit=Signal::derive(move || unit_s.get_value()) month=month/>
            <p class="meta">
                <span class=move || format!("badge report-{}", status.get().code()) data-testid="report-status">{move || status.get().label(lang())}</span>
                {due.map(|d| view! { <span class="muted">{move || format!(" {}", lang().labelled(state.t(K::DueOn), d))}</span> })}
                {move || report.get().and_then(|r| r.submitted_on.map(|d| {
                    let t = due.map(|due| crate::core::report::Timeliness::judge(due, Some(d), platform::today()).label(lang())).unwrap_or_default();
                    view! { <span data-testid="report-submitted-on">{format!(" {} {}{}", state.t(K::SubmittedOn), d, lang().paren(t))}</span> }
                }))}
            </p>
            <h3>{move || if status.get() == ReportStatus::Draft { state.t(K::ReportFigures) } else { state.t(K::ReportFiguresFrozen) }}</h3>
            <FiguresTable figures=figures/>
            {move || if status.get() == ReportStatus::Draft {
                view! {
                    // A printed draft shows what is typed (the text boxes do not print).
                    <ReportTexts class="print-only report-text" analysis=analysis report=text author=author/>
                    <div class="form no-print" data-testid="report-form">
                        <label class="wide">{state.t(K::FieldAnalysis)}
                            <textarea data-testid="report-analysis" rows="6" prop:value=move || analysis.get() on:input=move |ev| analysis.set(event_target_value(&ev))></textarea>
                        </label>
                        <label class="wide">{state.t(K::FieldReport)}
                            <textarea data-testid="report-text" rows="6" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        </label>
                        <label>{state.t(K::FieldAuthor)}
                            <input type="text" maxlength="100" data-testid="report-author" prop:value=move || author.get() on:input=move |ev| author.set(event_target_value(&ev))/>
                        </label>
                        <div class="actions wide">
                            <button type="button" class="secondary" data-testid="report-save" on:click=save_draft>{state.t(K::SaveDraft)}</button>
                            <button type="button" data-testid="report-submit" on:click=submit>{state.t(K::SubmitReport)}</button>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! {
                    <ReportTexts class="report-text"
                        analysis=Signal::derive(move || report.with(|r| r.as_ref().map(|r| r.analysis.clone()).unwrap_or_default()))
                        report=Signal::derive(move || report.with(|r| r.as_ref().map(|r| r.report.clone()).unwrap_or_default()))
                        author=Signal::derive(move || report.with(|r| r.as_ref().map(|r| r.author.clone()).unwrap_or_default()))/>
                }.into_any()
            }}
            {move || match status.get() {
                ReportStatus::Draft => ().into_any(),
                ReportStatus::Submitted => view! {
                    <div class="form no-print" data-testid="feedback-form">
                        <label class="wide">{state.t(K::FieldFeedback)}
                            <textarea data-testid="feedback-text" rows="4" prop:value=move || feedback.get() on:input=move |ev| feedback.set(event_target_value(&ev))></textarea>
                        </label>
                        <label>{state.t(K::FieldFeedbackBy)}
                            <input type="text" maxlength="100" data-testid="feedback-by" prop:value=move || feedback_by.get() on:input=move |ev| feedback_by.set(event_target_value(&ev))/>
                        </label>
                        <div class="actions wide"><button type="button" data-testid="feedback-submit" on:click=give_feedback>{state.t(K::GiveFeedback)}</button></div>
                    </div>
                }.into_any(),
                ReportStatus::FeedbackGiven => view! {
                    <div class="report-text" data-testid="feedback-given">
                        <h3>{state.t(K::FieldFeedback)}</h3>
                        <p class="pre" data-testid="feedback-text-text">{move || report.get().map(|r| r.feedback).unwrap_or_default()}</p>
                        <p class="muted">{move || report.get().map(|r| format!("{} · {} {}", state.lang.get().labelled(state.t(K::FieldFeedbackBy), &r.feedback_by), state.t(K::FeedbackOn), date_text(r.feedback_on))).unwrap_or_default()}</p>
                    </div>
                }.into_any(),
            }}
            <FormError error=error/>
            <PrintFooter hash=hash/>
        </section>
    }
    .into_any()
}

/// A report's analysis, report and author as read-only text (a submitted report, or a
/// draft on paper).
#[component]
fn ReportTexts(
    class: &'static str,
    #[prop(into)] analysis: Signal<String>,
    #[prop(into)] report: Signal<String>,
    #[prop(into)] author: Signal<String>,
) -> impl IntoView {
    let state = use_app();
    view! {
        <div class=class>
            <h3>{move || state.t(K::FieldAnalysis)}</h3>
            <p class="pre" data-testid="report-analysis-text">{move || analysis.get()}</p>
            <h3>{move || state.t(K::FieldReport)}</h3>
            <p class="pre" data-testid="report-text-text">{move || report.get()}</p>
            <p class="muted">{move || state.lang.get().labelled(state.t(K::FieldAuthor), author.get())}</p>
        </div>
    }
}

/// A month's roll-up: the prefecture by county, or a county by target, with totals.
#[component]
pub fn RollupPage(month: Month, county: Option<String>) -> impl IntoView {
    let state = use_app();
    let figs = rollups(state, month);
    let county = StoredValue::new(county);
    let scope_name = move || match county.get_value() {
        Some(c) => state.snapshot.with(|s| s.county(&c).map(|c| c.name.clone())).unwrap_or_default(),
        None => state.t(K::WholePrefecture).to_owned(),
    };
    if let Some(c) = county.get_value() {
        if state.snapshot.with_untracked(|s| s.county(&c).is_none()) {
            return view! { <MissingRecord/> }.into_any();
        }
    }
    // Each line: label, link (to a county's roll-up or a target's report), figures.
    let lines = Memo::new(move |_| {
        figs.with(|r| {
            state.snapshot.with(|s| match county.get_value() {
                Some(c) => s
                    .targets
                    .iter()
                    .filter(|t| t.county_id == c)
                    .filter_map(|t| {
                        r.targets.get(&t.id).map(|f| (s.target_label(t), Route::Report { subject: Subject::Target(t.id.clone()), month }.to_hash(), f.clone()))
                    })
                    .collect::<Vec<_>>(),
                None => s
                    .counties
                    .iter()
                    .filter_map(|c| r.counties.get(&c.id).map(|f| (c.name.clone(), Route::Rollup { month, county: Some(c.id.clone()) }.to_hash(), f.clone())))
                    .collect(),
            })
        })
    });
    let total = Signal::derive(move || {
        figs.with(|r| match county.get_value() {
            Some(c) => r.counties.get(&c).cloned(),
            None => Some(r.prefecture.clone()),
        })
    });
    let export = ExportWhat::sheet("rollup", ExportKind::Rollup, move || {
        figs.with_untracked(|r| state.snapshot.with_untracked(|s| rollup_sheet(r, s, county.get_value().as_deref())))
    });
    let hash = Signal::derive(move || lines.with(|l| print_hash(&(month, l.iter().map(|(n, _, f)| (n, f)).collect::<Vec<_>>()))));
    let cells = |f: &MonthFigures| {
        let remaining = f
            .population
            .iter()
            .find(|l| l.metric == Metric::RemainingPoor)
            .map(|l| format!("{} → {}", format_figure(l.metric, l.then), format_figure(l.metric, l.now)))
            .unwrap_or_else(|| "—".to_owned());
        view! {
            <td>{f.visits.total}</td><td>{f.visits.households}</td><td>{f.checks.percent_text()}</td>
            <td>{f.problems.opened}</td><td>{f.problems.closed}</td><td>{f.problems.open_at_end}</td><td>{f.problems.overdue}</td>
            <td>{f.problems.without_owner}</td><td>{f.problems.recurrences}</td><td>{remaining}</td><td>{f.milestones_missed()}</td>
        }
    };
    view! {
        <section class="view print-landscape" data-testid="view-rollup">
            <div class="view-head no-print">
                <h2>{move || format!("{}{}{}", scope_name(), month.label(state.lang.get()), state.t(K::RollupTitle))}</h2>
                <div class="actions">
                    <a class="button secondary" href=Route::Reports(Some(month)).to_hash()>{move || state.t(K::BoardTitle)}</a>
                    <button type="button" class="secondary" data-testid="print-rollup" on:click=move |_| platform::print_page()>{move || state.t(K::Print)}</button>
                    <ExportMenu what=export/>
                </div>
            </div>
            <PrintHeader title=Signal::derive(move || format!("{}{}{}", scope_name(), month.label(state.lang.get()), state.t(K::RollupTitle))) unit=Signal::derive(move || state.t(K::RollupUnit).to_owned()) month=month/>
            <div class="table-scroll">
                <table class="data rollup" data-testid="rollup-table">
                    <thead><tr>
                        <th scope="col">{move || state.t(K::ReportUnit)}</th>
                        <th scope="col">{move || state.t(K::FigVisits)}</th><th scope="col">{move || state.t(K::FigHouseholds)}</th><th scope="col">{move || state.t(K::FigPassRate)}</th>
                        <th scope="col">{move || state.t(K::FigOpened)}</th><th scope="col">{move || state.t(K::FigClosed)}</th><th scope="col">{move || state.t(K::FigOpenAtEnd)}</th>
                        <th scope="col">{move || state.t(K::FigOverdue)}</th><th scope="col">{move || state.t(K::FigNoAction)}</th><th scope="col">{move || state.t(K::FigRecurrence)}</th>
                        <th scope="col">{move || state.t(K::MetricRemaining)}</th><th scope="col">{move || state.t(K::FigMilestoneMissed)}</th>
                    </tr></thead>
                    <tbody>
                        {move || lines.get().into_iter().map(|(name, href, f)| view! {
                            <tr data-testid="rollup-row"><th scope="row"><a href=href>{name}</a></th>{cells(&f)}</tr>
                        }).collect_view()}
                        {move || total.get().map(|f| view! {
                            <tr class="total" data-testid="rollup-total"><th scope="row">{state.t(K::RollupTotal)}</th>{cells(&f)}</tr>
                        })}
                    </tbody>
                </table>
            </div>
            <h3>{move || state.t(K::RollupTotal)}</h3>
            <FiguresTable figures=total/>
            <PrintFooter hash=hash/>
        </section>
    }
    .into_any()
}

/// The coming deadlines on the home view (the 20th, filings, the next milestone).
#[component]
pub fn Countdown() -> impl IntoView {
    let state = use_app();
    let today = platform::today();
    let data = report_data(state);
    let list = Memo::new(move |_| data.with(|d| state.snapshot.with(|s| upcoming(&d.requirements, s, &d.filings, today))));
    view! {
        <section class="countdown no-print" data-testid="countdown" aria-label=move || state.t(K::Countdown)>
            <strong>{move || state.t(K::Countdown)}</strong>
            {move || {
                let lang = state.lang.get();
                let items = list.get();
                if items.is_empty() {
                    return view! { <span class="muted">{state.t(K::NoDeadlines)}</span> }.into_any();
                }
                view! {
                    <ul class="plain">
                        {items.into_iter().map(|d| {
                            let class = if d.days_left < 0 { "badge overdue" } else if d.days_left <= 3 { "badge warn" } else { "badge" };
                            let href = match &d.what {
                                crate::core::report::board::DeadlineWhat::MonthlyReports { month, .. } => Route::Reports(Some(*month)).to_hash(),
                                crate::core::report::board::DeadlineWhat::Filing { .. } => Route::Reports(None).to_hash(),
                                crate::core::report::board::DeadlineWhat::Milestone { .. } => Route::Milestones.to_hash(),
                            };
                            view! {
                                <li data-testid="deadline" data-days=d.days_left.to_string()>
                                    <a href=href>{d.title(lang)}</a>
                                    <span class="muted">{d.due.to_string()}</span>
                                    <span class=class data-testid="deadline-countdown">{d.countdown(lang)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
