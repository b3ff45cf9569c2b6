//! The monthly cycle (core::report): months and the 20th rule, the month's figures
//! on a fixed fixture (exact numbers), roll-ups, the reporting board, filings,
//! deadlines, staging reports, and reports travelling in bundles.

#[path = "bundle_support/mod.rs"]
mod bs;
#[path = "fieldwork_support/mod.rs"]
mod fw;

use duzhan::core::doc::{Doc, Entity};
use duzhan::core::fieldwork::problem::ProblemStatus::*;
use duzhan::core::fieldwork::{Answer, ChecklistGroup, FieldSnapshot, LedgerIndex, Visit, VisitAnswer, VisitMode, VisitStatus};
use duzhan::core::i18n::Field;
use duzhan::core::model::{Figure, Metric};
use duzhan::core::replica::Replica;
use duzhan::core::report::board::{monthly_board, upcoming, DeadlineWhat};
use duzhan::core::report::month::{next_monthly_due, Month, Timeliness};
use duzhan::core::report::ops::{stage_feedback, stage_filing, stage_save_draft, stage_submit, ReportDraft};
use duzhan::core::report::{filing_boards, print_hash, MonthRollups, Period, ReportError, ReportSnapshot, ReportStatus, Requirement, Schedule, Subject};
use fw::{at, date, doc, event, problem};

fn m(y: i32, mo: u32) -> Month {
    Month::new(y, mo).expect("month")
}

// ---- months and the 20th rule ----

#[test]
fn months_parse_print_and_step_across_the_year() {
    assert_eq!(Month::parse("2020-03"), Some(m(2020, 3)));
    assert_eq!(m(2020, 3).to_string(), "2020-03");
    for bad in ["2020-13", "2020-00", "2020-3", "20-03", "2020/03", "2020-03-01", "", "２０２０-03"] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
    assert_eq!(m(2020, 12).next(), m(2021, 1));
    assert_eq!(m(2021, 1).prev(), m(2020, 12));
    assert_eq!(m(2020, 2).days(), 29);
    assert_eq!(m(2021, 2).days(), 28);
    assert_eq!(m(2020, 4).last_day(), date(2020, 4, 30));
    assert_eq!(m(2020, 11).through(m(2021, 2)), vec![m(2020, 11), m(2020, 12), m(2021, 1), m(2021, 2)]);
    assert!(m(2021, 1).through(m(2020, 12)).is_empty());
    let json = serde_json::to_string(&m(2020, 3)).unwrap();
    assert_eq!(json, "\"2020-03\"");
    assert!(serde_json::from_str::<Month>("\"2020-13\"").is_err());
}

#[test]
fn the_due_date_is_the_due_day_or_the_last_day_of_a_short_month() {
    assert_eq!(m(2020, 3).due_date(20), date(2020, 3, 20));
    assert_eq!(m(2020, 2).due_date(31), date(2020, 2, 29));
    assert_eq!(m(2021, 2).due_date(31), date(2021, 2, 28));
    assert_eq!(m(2020, 4).due_date(31), date(2020, 4, 30));
    assert_eq!(m(2020, 1).due_date(31), date(2020, 1, 31));
    assert_eq!(m(2020, 1).due_date(0), date(2020, 1, 1));
}

#[test]
fn the_twentieth_is_on_time_the_twenty_first_is_late() {
    let due = m(2020, 3).due_date(20);
    assert_eq!(Timeliness::judge(due, Some(date(2020, 3, 20)), date(2020, 4, 1)), Timeliness::OnTime);
    assert_eq!(Timeliness::judge(due, Some(date(2020, 3, 1)), date(2020, 4, 1)), Timeliness::OnTime);
    assert_eq!(Timeliness::judge(due, Some(date(2020, 3, 21)), date(2020, 4, 1)), Timeliness::Late { days: 1 });
    assert_eq!(Timeliness::judge(due, Some(date(2020, 4, 2)), date(2020, 4, 2)), Timeliness::Late { days: 13 });
    assert_eq!(Timeliness::judge(due, None, date(2020, 3, 20)), Timeliness::NotDueYet { days_left: 0 });
    assert_eq!(Timeliness::judge(due, None, date(2020, 3, 15)), Timeliness::NotDueYet { days_left: 5 });
    assert_eq!(Timeliness::judge(due, None, date(2020, 3, 21)), Timeliness::Missing { days_over: 1 });
    // February 2020 with a due day of 31: the 29th is on time, 1 March is late.
    let feb = m(2020, 2).due_date(31);
    assert_eq!(Timeliness::judge(feb, Some(date(2020, 2, 29)), date(2020, 3, 5)), Timeliness::OnTime);
    assert_eq!(Timeliness::judge(feb, Some(date(2020, 3, 1)), date(2020, 3, 5)), Timeliness::Late { days: 1 });
}

#[test]
fn the_next_monthly_deadline_crosses_the_year_boundary() {
    assert_eq!(next_monthly_due(20, date(2020, 3, 19)), date(2020, 3, 20));
    assert_eq!(next_monthly_due(20, date(2020, 3, 20)), date(2020, 3, 20));
    assert_eq!(next_monthly_due(20, date(2020, 3, 21)), date(2020, 4, 20));
    assert_eq!(next_monthly_due(20, date(2020, 12, 21)), date(2021, 1, 20));
    assert_eq!(next_monthly_due(31, date(2021, 2, 28)), date(2021, 2, 28));
    assert_eq!(next_monthly_due(31, date(2021, 3, 1)), date(2021, 3, 31));
}

// ---- the plan's requirements are data of the embedded default ----

#[test]
fn the_plans_requirements_are_in_the_embedded_default() {
    let s = ReportSnapshot::from_docs(&duzhan::core::default_plan::docs());
    assert_eq!(s.requirements.len(), 3);
    let monthly = s.monthly().expect("monthly requirement");
    assert_eq!(monthly.schedule, Schedule::Monthly { due_day: 20, first: m(2020, 2), last: m(2020, 12) });
    assert_eq!(monthly.contact_phone, "3013497");
    assert_eq!(monthly.recipient, "州扶贫开发领导小组办公室");
    let liaison = s.requirements.iter().find(|r| r.name == "联络员名单").expect("liaison");
    assert_eq!(liaison.schedule, Schedule::Once { due: date(2020, 2, 6) });
    let plan = s.requirements.iter().find(|r| r.name == "挂牌督战实施方案").expect("plan");
    assert_eq!(plan.schedule, Schedule::Once { due: date(2020, 2, 8) });
    assert!(s.requirements.iter().all(|r| r.contact_phone == "3013497" && r.contact_email == "zcfgk304@126.com"));
}

// ---- the fixture ----

const WUDING: &str = "seed-target-wuding";
const HONGTUTIAN: &str = "seed-target-hongtutian";

fn visit(id: &str, target: &str, d: chrono::NaiveDate, mode: VisitMode, households: u32, submitted: bool) -> Visit {
    let mut v = Visit::new_draft(id.into(), target.into(), d, mode);
    v.households_visited = households;
    v.members = vec!["罗文慧".into()];
    if submitted {
        v.status = VisitStatus::Submitted;
        v.submitted_ms = Some(at(d.year_ce().1 as i32, chrono::Datelike::month(&d), chrono::Datelike::day(&d)));
    }
    v
}

use chrono::Datelike;

fn answer(visit: &str, item: &str, a: Answer) -> VisitAnswer {
    let item_id = format!("seed-ck-{item}");
    VisitAnswer { id: duzhan::core::fieldwork::visit::answer_id(visit, &item_id), visit_id: visit.into(), item_id, answer: a, note: String::new() }
}

/// March 2020 at 武定县 (see the expected numbers in the tests below).
fn fixture_docs() -> Vec<Doc> {
    let mut docs = duzhan::core::default_plan::docs();
    let w = 1_000;
    // Visits: two submitted in March, a March draft, a February one.
    docs.push(doc(&visit("v1", WUDING, date(2020, 3, 5), VisitMode::SquadRoutine, 12, true), w));
    docs.push(doc(&visit("v2", WUDING, date(2020, 3, 18), VisitMode::LeaderFixedPoint, 3, true), w));
    docs.push(doc(&visit("v3", WUDING, date(2020, 3, 20), VisitMode::Unannounced, 99, false), w));
    docs.push(doc(&visit("v4", WUDING, date(2020, 2, 27), VisitMode::Unannounced, 7, true), w));
    for a in [
        answer("v1", "responsibility", Answer::Pass),
        answer("v1", "policy", Answer::Fail),
        answer("v1", "who", Answer::NotApplicable),
        answer("v2", "responsibility", Answer::Fail),
        answer("v3", "policy", Answer::Fail),
        answer("v4", "policy", Answer::Fail),
    ] {
        docs.push(doc(&a, w));
    }
    // p1: opened and closed in February (item policy).
    docs.push(doc(&problem("p1", WUDING, Some("policy"), date(2020, 2, 10)), w));
    for e in fw::closing_history("p1", at(2020, 2, 11)) {
        docs.push(doc(&e, w));
    }
    // p2: the same item again in March: 屡改屡犯; deadline 20 March, still in progress.
    let mut p2 = problem("p2", WUDING, Some("policy"), date(2020, 3, 6));
    p2.deadline = Some(date(2020, 3, 20));
    docs.push(doc(&p2, w));
    docs.push(doc(&event("p2-e1", "p2", at(2020, 3, 7), Open, InProgress, None), w));
    // p3: no person, no deadline: 只督不战.
    let mut p3 = problem("p3", WUDING, None, date(2020, 3, 10));
    p3.responsible_person.clear();
    p3.deadline = None;
    docs.push(doc(&p3, w));
    // p4: opened 1 March, closed 27 March.
    docs.push(doc(&problem("p4", WUDING, Some("work"), date(2020, 3, 1)), w));
    for e in fw::closing_history("p4", at(2020, 3, 25)) {
        docs.push(doc(&e, w));
    }
    // p5: opened 15 March, closed in April (after the month).
    docs.push(doc(&problem("p5", WUDING, Some("who"), date(2020, 3, 15)), w));
    for e in fw::closing_history("p5", at(2020, 4, 2)) {
        docs.push(doc(&e, w));
    }
    // p6: another 武定 target, overdue since 10 March.
    let mut p6 = problem("p6", HONGTUTIAN, None, date(2020, 3, 3));
    p6.deadline = Some(date(2020, 3, 10));
    docs.push(doc(&p6, w));
    // Figures: 2,500 remaining on 15 March, 2,000 on 10 April.
    for (id, d, v) in [("f-mar", date(2020, 3, 15), 2500.0), ("f-apr", date(2020, 4, 10), 2000.0)] {
        docs.push(doc(&Figure { id: id.into(), target_id: WUDING.into(), measured_on: d, value: v, source: "县扶贫办".into() }, w));
    }
    docs
}

fn rollups(docs: &[Doc], month: Month, today: chrono::NaiveDate) -> MonthRollups {
    let snapshot = duzhan::core::snapshot::Snapshot::from_docs(docs);
    let field = FieldSnapshot::from_docs(docs);
    let ledger = LedgerIndex::build(docs, today);
    MonthRollups::compute(Period::new(month, today), &snapshot, &field, ledger.problems_with_events())
}

#[test]
fn a_finished_months_figures_for_a_target_are_exact() {
    let r = rollups(&fixture_docs(), m(2020, 3), date(2020, 5, 1));
    assert_eq!(r.period.as_of, date(2020, 3, 31));
    assert!(r.period.complete());
    let f = &r.targets[WUDING];
    assert_eq!(f.targets, 1);
    assert_eq!((f.visits.total, f.visits.leader_fixed_point, f.visits.squad_routine, f.visits.unannounced, f.visits.households), (2, 1, 1, 0, 15));
    assert_eq!((f.checks.pass, f.checks.fail, f.checks.not_applicable), (1, 2, 1));
    let ti = f.group(ChecklistGroup::ThreeImplementations);
    assert_eq!((ti.pass, ti.fail, ti.not_applicable), (1, 2, 0));
    let tp = f.group(ChecklistGroup::ThreePrecisions);
    assert_eq!((tp.pass, tp.fail, tp.not_applicable), (0, 0, 1));
    assert_eq!(f.checks.percent_text(), "33.3%");
    let p = &f.problems;
    assert_eq!((p.opened, p.closed, p.open_at_end, p.overdue, p.without_owner, p.recurrences), (4, 1, 3, 1, 1, 1));
    assert_eq!(f.population.len(), 1);
    assert_eq!((f.population[0].metric, f.population[0].then, f.population[0].now), (Metric::RemainingPoor, 3071.0, 2500.0));
    // 3月底前 (campaign-wide) is due in March and was not done by its end.
    assert_eq!(f.milestones.iter().map(|x| (x.id.as_str(), x.done, x.missed)).collect::<Vec<_>>(), vec![("seed-ms-03", false, true)]);
}

#[test]
fn the_figures_open_the_analysis_in_chinese() {
    let r = rollups(&fixture_docs(), m(2020, 3), date(2020, 5, 1));
    assert_eq!(
        r.targets[WUDING].summary_zh(),
        "2020年3月（截至2020-03-31）：督战2次（定点1次、日常1次、暗访0次），走访15户；检查达标率33.3%（达标1项、未达标2项）。\
         新发现问题4个，销号1个，月末未销号3个（其中逾期1个、只督不战1个），屡改屡犯1个。\
         剩余贫困人口由3071人变为2500人。未按期完成的节点：3月底前。"
    );
}

#[test]
fn the_figures_read_as_text_for_the_report_page() {
    use duzhan::core::i18n::Lang;
    let r = rollups(&fixture_docs(), m(2020, 3), date(2020, 5, 1));
    let f = &r.targets[WUDING];
    assert_eq!(f.population_text(Lang::Zh), "剩余贫困人口：3071人 → 2500人");
    assert_eq!(f.milestones_text(Lang::Zh), "3月底前（03-31）未按期完成");
    assert_eq!(f.pass_rate_text(Lang::Zh), "33.3%（三落实 33.3%；三精准 —）");
    let c = &r.counties["seed-county-wuding"];
    assert_eq!(c.population_text(Lang::Zh), "剩余贫困人口：3071人 → 2500人；贫困发生率：15.93% → 15.93%；安置人口：4905人 → 4905人");
    let april = rollups(&fixture_docs(), m(2020, 4), date(2020, 5, 1));
    let empty = &april.counties["seed-county-nanhua"];
    assert_eq!((empty.milestones_text(Lang::Zh).as_str(), empty.pass_rate_text(Lang::Zh).as_str()), ("—", "—"));
}

#[test]
fn a_running_months_figures_stop_at_today_and_judge_deadlines_today() {
    let r = rollups(&fixture_docs(), m(2020, 3), date(2020, 3, 20));
    assert_eq!(r.period.as_of, date(2020, 3, 20));
    assert!(!r.period.complete());
    let f = &r.targets[WUDING];
    assert_eq!((f.visits.total, f.visits.households), (2, 15));
    let p = &f.problems;
    // p4 is not closed yet; p2's deadline is today: not overdue yet.
    assert_eq!((p.opened, p.closed, p.open_at_end, p.overdue, p.without_owner, p.recurrences), (4, 0, 4, 0, 1, 1));
    assert_eq!(f.milestones.iter().map(|x| x.missed).collect::<Vec<_>>(), vec![false]);
    assert_eq!(f.population[0].now, 2500.0);
}

#[test]
fn a_past_months_figures_ignore_what_happened_later() {
    // February: p1 opened and closed; February's visit; the baseline figure only.
    let r = rollups(&fixture_docs(), m(2020, 2), date(2020, 5, 1));
    let f = &r.targets[WUDING];
    assert_eq!((f.visits.total, f.visits.unannounced, f.visits.households), (1, 1, 7));
    assert_eq!((f.checks.fail, f.checks.pass), (1, 0));
    let p = &f.problems;
    assert_eq!((p.opened, p.closed, p.open_at_end, p.overdue, p.recurrences), (1, 1, 0, 0, 0));
    assert_eq!((f.population[0].then, f.population[0].now), (3071.0, 3071.0));
    // 2月底前 applies to 武定县 (its county's milestone).
    assert_eq!(f.milestones.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), vec!["seed-ms-02"]);
}

#[test]
fn the_county_rollup_adds_its_targets_and_lists_milestones_once() {
    let r = rollups(&fixture_docs(), m(2020, 3), date(2020, 5, 1));
    let c = &r.counties["seed-county-wuding"];
    assert_eq!(c.targets, 4, "武定县 has 4 targets in the plan");
    let p = &c.problems;
    assert_eq!((p.opened, p.closed, p.open_at_end, p.overdue, p.without_owner, p.recurrences), (5, 1, 4, 2, 1, 1));
    assert_eq!(c.visits.total, 2);
    let lines: Vec<_> = c.population.iter().map(|l| (l.metric, l.targets, l.then, l.now)).collect();
    assert_eq!(lines, vec![(Metric::RemainingPoor, 1, 3071.0, 2500.0), (Metric::IncidencePct, 1, 15.93, 15.93), (Metric::PeopleResettled, 2, 4905.0, 4905.0)]);
    assert_eq!(c.milestones.len(), 1);
    // A county with nothing recorded has zeros, not missing figures.
    let nanhua = &r.counties["seed-county-nanhua"];
    assert_eq!((nanhua.targets, nanhua.problems.opened, nanhua.visits.total), (1, 0, 0));
}

fn assert_sum_of_parts(r: &MonthRollups) {
    let sum = |f: &dyn Fn(&duzhan::core::report::MonthFigures) -> u64| r.counties.values().map(f).sum::<u64>();
    let pf = &r.prefecture;
    assert_eq!(u64::from(pf.targets), sum(&|c| u64::from(c.targets)));
    assert_eq!(u64::from(pf.visits.total), sum(&|c| u64::from(c.visits.total)));
    assert_eq!(pf.visits.households, sum(&|c| c.visits.households));
    assert_eq!(u64::from(pf.checks.fail), sum(&|c| u64::from(c.checks.fail)));
    assert_eq!(u64::from(pf.checks.pass), sum(&|c| u64::from(c.checks.pass)));
    assert_eq!(u64::from(pf.problems.opened), sum(&|c| u64::from(c.problems.opened)));
    assert_eq!(u64::from(pf.problems.closed), sum(&|c| u64::from(c.problems.closed)));
    assert_eq!(u64::from(pf.problems.open_at_end), sum(&|c| u64::from(c.problems.open_at_end)));
    assert_eq!(u64::from(pf.problems.overdue), sum(&|c| u64::from(c.problems.overdue)));
    assert_eq!(u64::from(pf.problems.recurrences), sum(&|c| u64::from(c.problems.recurrences)));
    assert_eq!(u64::from(pf.problems.without_owner), sum(&|c| u64::from(c.problems.without_owner)));
    for metric in [Metric::RemainingPoor, Metric::PeopleResettled] {
        let get = |f: &duzhan::core::report::MonthFigures| f.population.iter().find(|l| l.metric == metric).map_or(0.0, |l| l.now);
        let parts: f64 = r.counties.values().map(get).sum();
        assert!((get(pf) - parts).abs() < 1e-6, "{metric:?}");
    }
    // And the prefecture is the sum of the targets.
    assert_eq!(pf.problems.opened, r.targets.values().map(|t| t.problems.opened).sum::<u32>());
    assert_eq!(pf.visits.total, r.targets.values().map(|t| t.visits.total).sum::<u32>());
}

#[test]
fn the_prefecture_rollup_is_the_sum_of_the_counties_on_the_fixture() {
    let r = rollups(&fixture_docs(), m(2020, 3), date(2020, 5, 1));
    assert_sum_of_parts(&r);
    assert_eq!(r.prefecture.targets, 13);
    assert_eq!(r.prefecture.problems.opened, 5);
}

#[test]
fn the_prefecture_rollup_is_the_sum_of_the_counties_on_a_generated_campaign() {
    let docs = duzhan::core::fieldwork::generate::generate_campaign(2020, 60, 600, 3000);
    for (month, today) in [(m(2020, 3), date(2020, 12, 31)), (m(2020, 6), date(2020, 6, 10)), (m(2020, 11), date(2021, 1, 5))] {
        let r = rollups(&docs, month, today);
        assert_sum_of_parts(&r);
    }
}

// ---- writing reports ----

fn device(dev: &str) -> Replica {
    Replica::from_parts(fixture_docs(), duzhan::core::clock::Hlc::new(duzhan::core::clock::DeviceId(dev.into())))
}

fn draft(a: &str, r: &str) -> ReportDraft {
    ReportDraft { analysis: a.into(), report: r.into(), author: "第一督战小分队".into() }
}

#[test]
fn a_report_goes_from_draft_to_submitted_to_feedback() {
    let mut rep = device("dev-a");
    let snap = rep.snapshot();
    let subject = Subject::Target(WUDING.into());
    let today = date(2020, 3, 19);
    let c = stage_save_draft(&rep, &snap, &subject, m(2020, 3), &draft("分析", ""), today, at(2020, 3, 19)).expect("draft");
    rep.apply(c);
    let s = ReportSnapshot::from_docs(rep.docs());
    assert_eq!(s.report(&subject, m(2020, 3)).map(|r| r.status()), Some(ReportStatus::Draft));
    // Submitting needs every part.
    let figures = rollups(&rep.docs().cloned().collect::<Vec<_>>(), m(2020, 3), today).targets[WUDING].clone();
    let err = stage_submit(&rep, &snap, &subject, m(2020, 3), &draft("分析", "  "), figures.clone(), today, at(2020, 3, 19)).unwrap_err();
    assert_eq!(err, ReportError::Required { field: Field::Report });
    assert!(err.message(duzhan::core::i18n::Lang::Zh).contains("报告"));
    // Feedback before submission is refused.
    assert_eq!(stage_feedback(&rep, &subject, m(2020, 3), "请整改", "州扶贫办", today, at(2020, 3, 19)).unwrap_err(), ReportError::NotSubmitted);
    let c = stage_submit(&rep, &snap, &subject, m(2020, 3), &draft("分析：问题集中在政策落实", "本月督战2次"), figures.clone(), today, at(2020, 3, 19))
        .expect("submit");
    rep.apply(c);
    let s = ReportSnapshot::from_docs(rep.docs());
    let r = s.report(&subject, m(2020, 3)).expect("report");
    assert_eq!((r.status(), r.submitted_on), (ReportStatus::Submitted, Some(today)));
    assert_eq!(r.figures.as_ref(), Some(&figures), "the figures are kept with the report");
    // A submitted report's texts no longer change.
    assert_eq!(stage_save_draft(&rep, &snap, &subject, m(2020, 3), &draft("改", "改"), today, at(2020, 3, 19)).unwrap_err(), ReportError::AlreadySubmitted);
    let c = stage_feedback(&rep, &subject, m(2020, 3), "请于4月10日前完成p2整改", "州扶贫办", date(2020, 3, 22), at(2020, 3, 22)).expect("feedback");
    rep.apply(c);
    let s = ReportSnapshot::from_docs(rep.docs());
    let r = s.report(&subject, m(2020, 3)).expect("report");
    assert_eq!((r.status(), r.feedback_on), (ReportStatus::FeedbackGiven, Some(date(2020, 3, 22))));
    assert_eq!(stage_feedback(&rep, &subject, m(2020, 3), "再次", "州扶贫办", today, at(2020, 3, 23)).unwrap_err(), ReportError::FeedbackAlreadyGiven);
}

#[test]
fn reports_are_refused_for_months_not_started_and_unknown_subjects() {
    let rep = device("dev-a");
    let snap = rep.snapshot();
    let err = stage_save_draft(&rep, &snap, &Subject::Target(WUDING.into()), m(2020, 4), &draft("a", "b"), date(2020, 3, 31), 1).unwrap_err();
    assert!(matches!(err, ReportError::MonthInFuture { .. }));
    let err = stage_save_draft(&rep, &snap, &Subject::County("no-such-county".into()), m(2020, 3), &draft("a", "b"), date(2020, 3, 31), 1).unwrap_err();
    assert_eq!(err, ReportError::UnknownSubject("no-such-county".into()));
    let long = "字".repeat(duzhan::core::report::ops::MAX_REPORT_TEXT + 1);
    let err = stage_save_draft(&rep, &snap, &Subject::Target(WUDING.into()), m(2020, 3), &draft(&long, ""), date(2020, 3, 31), 1).unwrap_err();
    assert!(matches!(err, ReportError::TooLong { field: Field::Analysis, .. }));
}

#[test]
fn two_devices_writing_the_same_months_report_write_one_record_and_keep_both_texts() {
    let a = device("dev-a");
    let b = device("dev-b");
    let snap = a.snapshot();
    let subject = Subject::County("seed-county-wuding".into());
    let ca = stage_save_draft(&a, &snap, &subject, m(2020, 3), &draft("甲的分析", ""), date(2020, 3, 10), at(2020, 3, 10)).unwrap();
    let cb = stage_save_draft(&b, &snap, &subject, m(2020, 3), &draft("乙的分析", ""), date(2020, 3, 10), at(2020, 3, 10) + 5).unwrap();
    assert_eq!(ca.docs[0].id, cb.docs[0].id);
    let mut merged = a.clone();
    merged.apply(ca);
    let change = merged.stage_merge(&cb.docs);
    merged.apply(change);
    let reports: Vec<_> = merged.docs().filter(|d| d.kind == "monthly_report").collect();
    assert_eq!(reports.len(), 1);
    let conflicts = reports[0].conflicts();
    assert!(conflicts.iter().any(|c| c.field == "analysis"), "the losing text stays visible: {conflicts:?}");
}

// ---- the board ----

fn with_reports() -> (Replica, duzhan::core::snapshot::Snapshot) {
    let mut rep = device("dev-a");
    let snap = rep.snapshot();
    let d = |s: &Subject, day: u32, rep: &Replica| {
        let today = date(2020, 3, day);
        let figs = rollups(&rep.docs().cloned().collect::<Vec<_>>(), m(2020, 3), today).of(s).cloned().unwrap();
        stage_submit(rep, &snap, s, m(2020, 3), &draft("分析", "报告"), figs, today, at(2020, 3, day)).unwrap()
    };
    let c = d(&Subject::County("seed-county-wuding".into()), 19, &rep);
    rep.apply(c);
    let c = d(&Subject::Target("seed-target-nanhua".into()), 21, &rep);
    rep.apply(c);
    let c = stage_save_draft(&rep, &snap, &Subject::Target("seed-target-yaoan".into()), m(2020, 3), &draft("草稿", ""), date(2020, 3, 21), at(2020, 3, 21))
        .unwrap();
    rep.apply(c);
    let c = stage_feedback(&rep, &Subject::County("seed-county-wuding".into()), m(2020, 3), "已阅，请继续", "州扶贫办", date(2020, 3, 24), at(2020, 3, 24))
        .unwrap();
    rep.apply(c);
    (rep, snap)
}

#[test]
fn the_board_shows_every_county_and_prefecture_target_received_on_time_or_late() {
    let (rep, snap) = with_reports();
    let s = ReportSnapshot::from_docs(rep.docs());
    let req = s.monthly().unwrap();
    let b = monthly_board(req, m(2020, 3), &snap, &s.reports, date(2020, 3, 25));
    assert_eq!(b.due, date(2020, 3, 20));
    assert_eq!(b.rows.len(), 7 + 13);
    assert_eq!(b.rows[0].party.label, "武定县");
    assert!(matches!(b.rows[0].party.subject, Subject::County(_)));
    assert!(matches!(b.rows[7].party.subject, Subject::Target(_)));
    let s2 = b.summary;
    assert_eq!((s2.expected, s2.received, s2.on_time, s2.late, s2.missing, s2.feedback_given), (20, 2, 1, 1, 18, 1));
    let row = |id: &str| b.rows.iter().find(|r| r.party.subject.id() == id).unwrap();
    assert_eq!(row("seed-county-wuding").timeliness, Timeliness::OnTime);
    assert_eq!(row("seed-county-wuding").feedback_on, Some(date(2020, 3, 24)));
    assert_eq!(row("seed-target-nanhua").timeliness, Timeliness::Late { days: 1 });
    assert_eq!(row("seed-target-yaoan").status, Some(ReportStatus::Draft));
    assert_eq!(row("seed-target-yaoan").timeliness, Timeliness::Missing { days_over: 5 });
    assert_eq!(row("seed-county-nanhua").status, None);
    // Before the 20th nothing is missing yet.
    let early = monthly_board(req, m(2020, 3), &snap, &s.reports, date(2020, 3, 20));
    assert_eq!(early.summary.missing, 0);
    // April has no reports at all.
    let april = monthly_board(req, m(2020, 4), &snap, &s.reports, date(2020, 4, 21));
    assert_eq!((april.summary.received, april.summary.missing), (0, 20));
}

#[test]
fn filings_are_tracked_per_party_against_their_dates() {
    let mut rep = device("dev-a");
    let snap = rep.snapshot();
    let t = Subject::Target(WUDING.into());
    let c = stage_filing(&rep, &snap, "seed-req-liaison", &t, Some(date(2020, 2, 5)), "张三 13800000000", "", date(2020, 2, 10), 1).unwrap();
    rep.apply(c);
    let c = stage_filing(&rep, &snap, "seed-req-plan", &Subject::County("seed-county-nanhua".into()), Some(date(2020, 2, 9)), "", "", date(2020, 2, 10), 2)
        .unwrap();
    rep.apply(c);
    assert!(matches!(
        stage_filing(&rep, &snap, "seed-req-plan", &Subject::County("seed-county-nanhua".into()), Some(date(2020, 2, 11)), "", "", date(2020, 2, 10), 3),
        Err(ReportError::DateInFuture { .. })
    ));
    assert!(matches!(stage_filing(&rep, &snap, "nope", &t, None, "", "", date(2020, 2, 10), 3), Err(ReportError::UnknownRequirement(_))));
    let s = ReportSnapshot::from_docs(rep.docs());
    let boards = filing_boards(&s.requirements, &snap, &s.filings, date(2020, 2, 10));
    assert_eq!(boards.len(), 2);
    assert_eq!((boards[0].requirement.name.as_str(), boards[0].rows.len(), boards[0].summary.on_time, boards[0].summary.missing), ("联络员名单", 13, 1, 12));
    assert_eq!((boards[1].requirement.name.as_str(), boards[1].rows.len(), boards[1].summary.late, boards[1].summary.missing), ("挂牌督战实施方案", 7, 1, 6));
    assert_eq!(boards[0].rows.iter().find(|r| r.party.subject == t).unwrap().filing.as_ref().unwrap().contact, "张三 13800000000");
}

#[test]
fn the_countdown_lists_the_next_deadlines_in_order() {
    let docs = duzhan::core::default_plan::docs();
    let snap = duzhan::core::snapshot::Snapshot::from_docs(&docs);
    let s = ReportSnapshot::from_docs(&docs);
    let d = upcoming(&s.requirements, &snap, &s.filings, date(2020, 2, 1));
    let due: Vec<_> = d.iter().map(|x| (x.due, x.days_left)).collect();
    assert_eq!(due, vec![(date(2020, 1, 31), -1), (date(2020, 2, 6), 5), (date(2020, 2, 8), 7), (date(2020, 2, 20), 19)]);
    assert!(matches!(&d[1].what, DeadlineWhat::Filing { missing: 13, .. }));
    assert!(matches!(&d[3].what, DeadlineWhat::MonthlyReports { month, .. } if *month == m(2020, 2)));
    assert_eq!(d[3].countdown(duzhan::core::i18n::Lang::Zh), "还剩19天");
    assert_eq!(d[0].countdown(duzhan::core::i18n::Lang::Zh), "已逾期1天");
    // Before the first reporting month: its first due date. After the last: none.
    let jan = upcoming(&s.requirements, &snap, &s.filings, date(2020, 1, 10));
    assert!(jan.iter().any(|x| matches!(&x.what, DeadlineWhat::MonthlyReports { month, .. } if *month == m(2020, 2)) && x.due == date(2020, 2, 20)));
    let later = upcoming(&s.requirements, &snap, &s.filings, date(2026, 11, 29));
    assert!(!later.iter().any(|x| matches!(x.what, DeadlineWhat::MonthlyReports { .. })));
    // A December-to-January campaign rolls over the year.
    let mut req: Requirement = s.monthly().unwrap().clone();
    req.schedule = Schedule::Monthly { due_day: 20, first: m(2020, 12), last: m(2021, 1) };
    let d = upcoming(std::slice::from_ref(&req), &snap, &s.filings, date(2020, 12, 21));
    assert_eq!(d.iter().find(|x| matches!(x.what, DeadlineWhat::MonthlyReports { .. })).map(|x| x.due), Some(date(2021, 1, 20)));
}

// ---- travelling and printing ----

#[test]
fn reports_and_filings_travel_in_bundles() {
    let (rep, _) = with_reports();
    let mut a = bs::Device::with_docs("dev-a", rep.docs().cloned().collect());
    let file = a.export(duzhan::core::bundle::ExportScope::Full, at(2020, 3, 25));
    assert_eq!(file.counts.get("monthly_report"), Some(&3));
    let mut b = bs::Device::fresh("dev-b");
    b.import(&file.bytes).expect("import");
    let s = ReportSnapshot::from_docs(b.replica.docs());
    assert_eq!(s.reports.len(), 3);
    assert_eq!(s.report(&Subject::County("seed-county-wuding".into()), m(2020, 3)).map(|r| r.status()), Some(ReportStatus::FeedbackGiven));
    // A county-scoped bundle carries that county's report.
    let scoped = a.export(duzhan::core::bundle::ExportScope::Scoped { county_ids: vec!["seed-county-wuding".into()], target_ids: vec![] }, at(2020, 3, 26));
    assert!(scoped.counts.get("monthly_report").copied().unwrap_or(0) >= 1);
    // Importing twice changes nothing.
    let before = b.hash();
    b.import(&file.bytes).expect("again");
    assert_eq!(b.hash(), before);
}

#[test]
fn the_print_hash_is_short_stable_and_changes_with_the_content() {
    let (rep, _) = with_reports();
    let s = ReportSnapshot::from_docs(rep.docs());
    let r = s.report(&Subject::County("seed-county-wuding".into()), m(2020, 3)).unwrap().clone();
    let h = print_hash(&r);
    assert_eq!(h.len(), 14);
    assert_eq!(h.matches('-').count(), 2);
    let mut r2 = r.clone();
    r2.report.push('。');
    assert_ne!(h, print_hash(&r2));
}

#[test]
fn the_print_fingerprint_of_a_fixed_report_is_the_same_on_every_device_and_build() {
    // A golden value: a printed page's fingerprint (内容指纹) matches a paper copy
    // to its electronic data on any device, in any browser, from any build
    // (ARCHITECTURE.md, print fingerprints), so it must be a function of the
    // content alone. Comparing `print_hash(&r)` with `print_hash(&r.clone())`
    // could not fail; this fixed value can. Computed once, by this assertion, at
    // 0c42cb7. If it changes, papers already printed no longer match: change it
    // only on purpose (e.g. a new report field), and say so in the commit.
    let subject = Subject::County("seed-county-wuding".into());
    let mut r = duzhan::core::report::MonthlyReport::blank(subject, m(2020, 3));
    r.analysis = "全县剩余贫困人口3071人，本月走访农户128户。".into();
    r.report = "一、基本情况\n二、存在问题：饮水安全保障不稳定。".into();
    r.author = "李明".into();
    r.submitted_on = Some(date(2020, 3, 19));
    r.feedback = "已阅，请继续".into();
    r.feedback_by = "州扶贫办".into();
    r.feedback_on = Some(date(2020, 3, 24));
    assert_eq!(print_hash(&r), "7ca3-0c20-d155");
}

#[test]
fn a_report_record_decodes_and_inspects_as_a_known_kind() {
    let (rep, _) = with_reports();
    for d in rep.docs().filter(|d| ["monthly_report", "requirement"].contains(&d.kind.as_str())) {
        let rules = duzhan::core::bundle::kinds::rules_for(&d.kind).expect("known kind");
        assert!((rules.inspect)(d).is_ok(), "{}", d.id);
    }
    let _ = duzhan::core::report::MonthlyReport::KIND;
}

// ---- the dashboard ----

use duzhan::core::report::dashboard::{
    failures_by_item, layout_bars, layout_lines, milestones_by_phase, problems_by_county, remaining_poor_by_county, Bars, Row,
};

#[test]
fn dashboard_series_are_computed_from_the_records() {
    let docs = fixture_docs();
    let snap = duzhan::core::snapshot::Snapshot::from_docs(&docs);
    let lines = remaining_poor_by_county(&snap, m(2020, 2), m(2020, 4));
    assert_eq!(lines.x, vec![m(2020, 2), m(2020, 3), m(2020, 4)]);
    let names: Vec<_> = lines.lines.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    assert_eq!(names, vec![("武定县", vec![Some(3071.0), Some(2500.0), Some(2000.0)]), ("南华县", vec![Some(1189.0); 3]), ("姚安县", vec![Some(1072.0); 3]),]);
    let ledger = LedgerIndex::build(&docs, date(2020, 5, 1));
    let bars = problems_by_county(&snap, ledger.problems_with_status());
    assert_eq!(bars.series, vec!["open", "closed", "overdue"]);
    assert_eq!(bars.rows[0], Row { label: "武定县".into(), values: vec![3.0, 3.0, 2.0] });
    assert!(bars.rows[1..].iter().all(|r| r.values == vec![0.0, 0.0, 0.0]));
    let ms = milestones_by_phase(&snap, date(2020, 3, 15));
    assert_eq!(
        ms.rows.iter().map(|r| r.values.clone()).collect::<Vec<_>>(),
        vec![vec![0.0, 0.0, 0.0, 1.0], vec![0.0, 0.0, 2.0, 1.0], vec![0.0, 0.0, 3.0, 0.0]]
    );
    let field = FieldSnapshot::from_docs(&docs);
    let f = failures_by_item(&field, 10);
    assert_eq!(f.rows, vec![Row { label: "1.2 政策落实".into(), values: vec![2.0] }, Row { label: "1.1 责任落实".into(), values: vec![1.0] }]);
}

#[test]
fn bar_geometry_scales_to_the_largest_value_and_labels_every_bar() {
    let b = Bars { series: vec!["open", "closed", "overdue"], rows: vec![Row { label: "武定县".into(), values: vec![10.0, 5.0, 0.0] }], stacked: false };
    let l = layout_bars(&b, 400.0);
    let widths: Vec<f64> = l.rects.iter().map(|r| r.w).collect();
    assert_eq!(widths, vec![202.0, 101.0, 0.0]);
    assert!(l.rects.iter().all(|r| r.label_x >= r.x + r.w), "labels beside the bars");
    assert!(l.rects.windows(2).all(|w| w[1].y > w[0].y), "grouped bars one under another");
    let s = Bars { series: vec!["done", "pending"], rows: vec![Row { label: "阶段".into(), values: vec![1.0, 3.0] }], stacked: true };
    let l = layout_bars(&s, 400.0);
    assert_eq!(l.rects[1].x, l.rects[0].x + l.rects[0].w, "stacked segments follow each other");
    assert!((l.rects[0].w + l.rects[1].w - 202.0).abs() < 1e-9);
    // Nothing at all still draws (a chart of zeros, not a division by zero).
    let z = Bars { series: vec!["fail"], rows: vec![Row { label: "x".into(), values: vec![0.0] }], stacked: false };
    assert!(layout_bars(&z, 400.0).rects.iter().all(|r| r.w == 0.0 && r.w.is_finite()));
    let lines = duzhan::core::report::dashboard::Lines { x: vec![m(2020, 2), m(2020, 3)], lines: vec![("武定县".into(), vec![Some(100.0), None])] };
    let ll = layout_lines(&lines, 600.0, 200.0);
    assert_eq!(ll.paths[0].points.len(), 1, "months without a figure are not drawn");
    assert_eq!(ll.paths[0].points[0].1, ll.plot.2, "the largest value touches the top");
    // Close values (1189 and 1072 people) get labels apart, in the lines' order.
    let close = duzhan::core::report::dashboard::Lines {
        x: vec![m(2020, 2)],
        lines: vec![("南华县".into(), vec![Some(1189.0)]), ("姚安县".into(), vec![Some(1072.0)]), ("武定县".into(), vec![Some(3071.0)])],
    };
    let cl = layout_lines(&close, 600.0, 200.0);
    let ys: Vec<f64> = cl.paths.iter().map(|p| p.label_y).collect();
    assert!(ys[1] - ys[0] >= duzhan::core::report::dashboard::LABEL_GAP, "{ys:?}");
    assert!(ys[2] < ys[0], "the largest value's label is on top");
}

#[test]
fn a_device_that_is_not_the_inspection_offices_leaves_unannounced_visits_and_their_problems_out_of_its_figures() {
    use duzhan::core::report::Findings;
    // February's visit v4 is 暗访督战; a problem found on it, opened 28 February.
    let mut docs = fixture_docs();
    let mut p7 = problem("p7", WUDING, Some("policy"), date(2020, 2, 28));
    p7.visit_id = Some("v4".into());
    docs.push(doc(&p7, 1_000));
    let today = date(2020, 5, 1);
    let snapshot = duzhan::core::snapshot::Snapshot::from_docs(&docs);
    let field = FieldSnapshot::from_docs(&docs);
    let ledger = LedgerIndex::build(&docs, today);
    let figures = |findings| {
        let r = MonthRollups::compute_counting(Period::new(m(2020, 2), today), &snapshot, &field, ledger.problems_with_events(), findings);
        let f = r.targets[WUDING].clone();
        (f.visits.total, f.visits.unannounced, f.visits.households, f.checks.fail, f.problems.opened)
    };
    // The 督查室's own reports count them; every other device's do not.
    assert_eq!(figures(Findings::All), (1, 1, 7, 1, 2));
    assert_eq!(figures(Findings::WithoutUnannounced), (0, 0, 0, 0, 1));
}
