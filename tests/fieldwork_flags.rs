//! The derived flags, rule by rule, at their boundaries: overdue (逾期), 只督不战
//! (no owner or deadline) and 屡改屡犯 (recurs after a closure, with a link).

mod fieldwork_support;

use duzhan::core::calendar::{date_of_ms, day_start_ms};
use duzhan::core::fieldwork::problem::{is_overdue, recurrence_of, supervises_without_fighting};
use duzhan::core::fieldwork::{Problem, ProblemStatus};
use fieldwork_support::*;
use ProblemStatus::*;

fn with_deadline(d: Option<chrono::NaiveDate>) -> Problem {
    let mut p = problem("p", "t", Some("water"), date(2020, 5, 1));
    p.deadline = d;
    p
}

#[test]
fn overdue_means_the_deadline_day_has_passed_and_the_problem_is_not_closed() {
    let p = with_deadline(Some(date(2020, 6, 30)));
    for s in [Open, InProgress, AwaitingVerification] {
        assert!(!is_overdue(&p, s, date(2020, 6, 29)), "before");
        assert!(!is_overdue(&p, s, date(2020, 6, 30)), "on the deadline day itself");
        assert!(is_overdue(&p, s, date(2020, 7, 1)), "the day after");
    }
    assert!(!is_overdue(&p, Closed, date(2020, 12, 31)));
    assert!(!is_overdue(&with_deadline(None), Open, date(2030, 1, 1)), "no deadline is 只督不战, not overdue");
}

#[test]
fn supervising_without_fighting_is_a_missing_unit_person_or_deadline_on_an_unclosed_problem() {
    let full = with_deadline(Some(date(2020, 6, 30)));
    assert!(!supervises_without_fighting(&full, Open));
    type Case = (&'static str, fn(&mut Problem));
    let cases: [Case; 4] = [
        ("no unit", |p| p.responsible_unit = " ".into()),
        ("no person", |p| p.responsible_person = String::new()),
        ("no deadline", |p| p.deadline = None),
        ("nothing", |p| {
            p.responsible_unit.clear();
            p.responsible_person.clear();
            p.deadline = None;
        }),
    ];
    for (what, f) in cases {
        let mut p = full.clone();
        f(&mut p);
        for s in [Open, InProgress, AwaitingVerification] {
            assert!(supervises_without_fighting(&p, s), "{what} {s:?}");
        }
        assert!(!supervises_without_fighting(&p, Closed), "{what}: a closed problem was fought");
    }
}

#[test]
fn days_are_counted_in_china_standard_time() {
    let d = date(2020, 4, 10);
    assert_eq!(date_of_ms(day_start_ms(d)), d);
    assert_eq!(date_of_ms(day_start_ms(d) - 1), date(2020, 4, 9));
    assert_eq!(date_of_ms(day_start_ms(d) + 86_400_000 - 1), d);
    // 2020-04-09 16:00 UTC is already 4/10 in Chuxiong.
    assert_eq!(date_of_ms(1_586_448_000_000), d);
    assert_eq!(date_of_ms(0), date(1970, 1, 1));
}

fn closed_at(p: &Problem, ms: u64) -> (&Problem, Option<u64>) {
    (p, Some(ms))
}

#[test]
fn a_problem_recurs_when_the_same_item_at_the_same_target_was_already_closed() {
    let earlier = problem("earlier", "t1", Some("housing"), date(2020, 3, 1));
    let later = problem("later", "t1", Some("housing"), date(2020, 5, 1));
    let closed_on = |d| day_start_ms(d) + 3_600_000;
    // Closed before the new one was opened.
    assert_eq!(recurrence_of(&later, [closed_at(&earlier, closed_on(date(2020, 4, 1)))]), Some(&"earlier".to_owned()));
    // Closed the same day it was opened still counts; a day later does not.
    assert_eq!(recurrence_of(&later, [closed_at(&earlier, closed_on(date(2020, 5, 1)))]), Some(&"earlier".to_owned()));
    assert_eq!(recurrence_of(&later, [closed_at(&earlier, closed_on(date(2020, 5, 2)))]), None);
    // Not closed: no recurrence, whatever else.
    assert_eq!(recurrence_of(&later, [(&earlier, None)]), None);
    // Another target, another item, or no item: not the same problem.
    let elsewhere = problem("elsewhere", "t2", Some("housing"), date(2020, 3, 1));
    let other_item = problem("other", "t1", Some("water"), date(2020, 3, 1));
    let no_item = problem("noitem", "t1", None, date(2020, 3, 1));
    let cands = [
        closed_at(&elsewhere, closed_on(date(2020, 4, 1))),
        closed_at(&other_item, closed_on(date(2020, 4, 1))),
        closed_at(&no_item, closed_on(date(2020, 4, 1))),
    ];
    assert_eq!(recurrence_of(&later, cands), None);
    let later_no_item = problem("later-noitem", "t1", None, date(2020, 5, 1));
    assert_eq!(recurrence_of(&later_no_item, [closed_at(&no_item, closed_on(date(2020, 4, 1)))]), None);
    // Itself never counts.
    assert_eq!(recurrence_of(&later, [closed_at(&later, closed_on(date(2020, 4, 1)))]), None);
}

#[test]
fn the_link_goes_to_the_latest_closure_before_the_new_problem() {
    let a = problem("a", "t1", Some("housing"), date(2020, 2, 1));
    let b = problem("b", "t1", Some("housing"), date(2020, 3, 1));
    let c = problem("c", "t1", Some("housing"), date(2020, 3, 5));
    let new = problem("new", "t1", Some("housing"), date(2020, 5, 1));
    let cands = [
        closed_at(&a, day_start_ms(date(2020, 4, 20))),
        closed_at(&b, day_start_ms(date(2020, 3, 15))),
        // Closed after the new problem was opened: not a recurrence source.
        closed_at(&c, day_start_ms(date(2020, 5, 10))),
    ];
    assert_eq!(recurrence_of(&new, cands), Some(&"a".to_owned()));
    // Equal closing times: the greater id decides, so every device links the same one.
    let t = day_start_ms(date(2020, 4, 1));
    assert_eq!(recurrence_of(&new, [closed_at(&b, t), closed_at(&a, t)]), Some(&"b".to_owned()));
    assert_eq!(recurrence_of(&new, [closed_at(&a, t), closed_at(&b, t)]), Some(&"b".to_owned()));
}
