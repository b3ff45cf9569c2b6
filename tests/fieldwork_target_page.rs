//! A target's page: visits as a timeline and the checklist pass rate, with exact
//! arithmetic (不适用 out of the denominator, latest submitted answer per item).

mod fieldwork_support;

use duzhan::core::doc::Doc;
use duzhan::core::fieldwork::checklist::default_checklist;
use duzhan::core::fieldwork::target_page::{pass_rate, target_pass_rate, visit_pass_rate, visit_timeline, Rate};
use duzhan::core::fieldwork::visit::answer_id;
use duzhan::core::fieldwork::{Answer, ChecklistGroup, FieldSnapshot, Visit, VisitAnswer, VisitMode, VisitStatus};
use fieldwork_support::*;
use Answer::*;

fn visit(id: &str, target: &str, d: (u32, u32), submitted_ms: Option<u64>) -> Visit {
    let mut v = Visit::new_draft(id.into(), target.into(), date(2020, d.0, d.1), VisitMode::SquadRoutine);
    if let Some(ms) = submitted_ms {
        v.status = VisitStatus::Submitted;
        v.submitted_ms = Some(ms);
    }
    v
}

fn answers(visit: &str, list: &[(&str, Answer)], out: &mut Vec<Doc>) {
    for (item, a) in list {
        let item = format!("seed-ck-{item}");
        out.push(doc(&VisitAnswer { id: answer_id(visit, &item), visit_id: visit.into(), item_id: item, answer: *a, note: String::new() }, 5));
    }
}

fn fixture() -> FieldSnapshot {
    let mut items = default_checklist();
    for i in items.iter_mut().filter(|i| i.id == "seed-ck-industry-employment") {
        i.retired = true;
    }
    let mut docs: Vec<Doc> = items.iter().map(|i| doc(i, 1)).collect();
    docs.push(doc(&visit("v1", "t", (3, 1), Some(at(2020, 3, 1))), 2));
    docs.push(doc(&visit("v2", "t", (5, 1), Some(at(2020, 5, 1))), 2));
    docs.push(doc(&visit("v3", "t", (6, 1), None), 2));
    docs.push(doc(&visit("v4", "other", (6, 2), Some(at(2020, 6, 2))), 2));
    answers("v1", &[("water", Fail), ("housing", Pass), ("education", NotApplicable), ("responsibility", Pass), ("industry-employment", Fail)], &mut docs);
    answers("v2", &[("water", Pass), ("housing", Pass), ("medical", Fail)], &mut docs);
    answers("v3", &[("water", Fail), ("housing", Fail)], &mut docs);
    answers("v4", &[("water", Fail)], &mut docs);
    FieldSnapshot::from_docs(&docs)
}

fn rate(pass: u32, fail: u32, not_applicable: u32) -> Rate {
    Rate { pass, fail, not_applicable }
}

#[test]
fn rates_exclude_not_applicable_from_the_denominator() {
    assert_eq!(rate(3, 1, 5).ratio(), Some(0.75));
    assert_eq!(rate(3, 1, 5).checked(), 4);
    assert_eq!(rate(0, 0, 4).ratio(), None);
    assert_eq!(rate(0, 0, 0).percent_text(), "—");
    assert_eq!(rate(3, 1, 0).percent_text(), "75%");
    assert_eq!(rate(2, 1, 0).percent_text(), "66.7%");
    assert_eq!(rate(1, 0, 9).percent_text(), "100%");
    assert_eq!(rate(0, 2, 0).percent_text(), "0%");
    let items = default_checklist();
    let a = |item: &str, answer| VisitAnswer { id: item.into(), visit_id: "v".into(), item_id: item.into(), answer, note: String::new() };
    let list = [a("seed-ck-water", Pass), a("seed-ck-food", NotApplicable), a("seed-ck-clothing", Fail), a("seed-ck-unknown", Pass)];
    let r = pass_rate(&list, &items);
    // The unknown item counts overall, in no group.
    assert_eq!(r.overall, rate(2, 1, 1));
    assert_eq!(r.group(ChecklistGroup::SafeDrinkingWater), rate(1, 0, 0));
    assert_eq!(r.group(ChecklistGroup::TwoAssurancesThreeGuarantees), rate(0, 1, 1));
    assert_eq!(r.groups.len(), 5);
    assert_eq!(r.groups.iter().map(|(g, _)| *g).collect::<Vec<_>>(), ChecklistGroup::ALL);
}

#[test]
fn a_visits_own_rate_counts_everything_it_answered_even_retired_items() {
    let f = fixture();
    let r = visit_pass_rate(&f, "v1");
    assert_eq!(r.overall, rate(2, 2, 1));
    assert_eq!(r.overall.percent_text(), "50%");
    assert_eq!(r.group(ChecklistGroup::ThreeImplementations), rate(1, 0, 0));
    assert_eq!(r.group(ChecklistGroup::TwoAssurancesThreeGuarantees), rate(1, 0, 1));
    assert_eq!(r.group(ChecklistGroup::SafeDrinkingWater), rate(0, 1, 0));
    assert_eq!(r.group(ChecklistGroup::JuneKeyTasks), rate(0, 1, 0));
    assert_eq!(r.group(ChecklistGroup::ThreePrecisions), rate(0, 0, 0));
}

#[test]
fn a_targets_rate_takes_the_latest_submitted_answer_per_active_item() {
    let f = fixture();
    let r = target_pass_rate(&f, "t");
    // water: v2 pass (v3 is a draft); housing: v2 pass; education: v1 n/a;
    // responsibility: v1 pass; medical: v2 fail; industry: retired, left out.
    assert_eq!(r.overall, rate(3, 1, 1));
    assert_eq!(r.overall.percent_text(), "75%");
    assert_eq!(r.group(ChecklistGroup::ThreeImplementations), rate(1, 0, 0));
    assert_eq!(r.group(ChecklistGroup::TwoAssurancesThreeGuarantees), rate(1, 1, 1));
    assert_eq!(r.group(ChecklistGroup::SafeDrinkingWater), rate(1, 0, 0));
    assert_eq!(r.group(ChecklistGroup::ThreePrecisions).ratio(), None);
    assert_eq!(r.group(ChecklistGroup::JuneKeyTasks), rate(0, 0, 0));
    assert_eq!(target_pass_rate(&f, "other").overall, rate(0, 1, 0));
    assert_eq!(target_pass_rate(&f, "nobody").overall.ratio(), None);
}

#[test]
fn on_the_same_day_the_later_submission_is_the_current_answer() {
    let mut docs: Vec<Doc> = default_checklist().iter().map(|i| doc(i, 1)).collect();
    docs.push(doc(&visit("morning", "t", (5, 1), Some(at(2020, 5, 1))), 2));
    docs.push(doc(&visit("evening", "t", (5, 1), Some(at(2020, 5, 1) + 8 * 3_600_000)), 2));
    answers("morning", &[("medical", Pass)], &mut docs);
    answers("evening", &[("medical", Fail)], &mut docs);
    let f = FieldSnapshot::from_docs(&docs);
    assert_eq!(target_pass_rate(&f, "t").overall, rate(0, 1, 0));
}

#[test]
fn the_timeline_lists_a_targets_visits_newest_first_with_their_rates() {
    let f = fixture();
    let tl = visit_timeline(&f, "t");
    let got: Vec<(&str, VisitStatus, usize, String)> =
        tl.iter().map(|e| (e.visit.id.as_str(), e.visit.status, e.answered, e.rate.overall.percent_text())).collect();
    assert_eq!(
        got,
        [
            ("v3", VisitStatus::Draft, 2, "0%".to_owned()),
            ("v2", VisitStatus::Submitted, 3, "66.7%".to_owned()),
            ("v1", VisitStatus::Submitted, 5, "50%".to_owned())
        ]
    );
    assert!(visit_timeline(&f, "nobody").is_empty());
}
