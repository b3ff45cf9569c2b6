//! Shared fixtures of the field-work tests (not a test target itself).
#![allow(dead_code)]

use chrono::NaiveDate;
use duzhan::core::calendar::day_start_ms;
use duzhan::core::clock::{DeviceId, Hlc, Stamp};
use duzhan::core::default_plan;
use duzhan::core::doc::{Doc, Entity};
use duzhan::core::fieldwork::checklist::default_checklist_docs;
use duzhan::core::fieldwork::problem::{ProblemEvent, ProblemStatus, Verification};
use duzhan::core::fieldwork::{Problem, ProblemSource};
use duzhan::core::replica::{Change, Replica};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

/// 10:00 China time on a day.
pub fn at(y: i32, m: u32, d: u32) -> u64 {
    day_start_ms(date(y, m, d)) + 10 * 3_600_000
}

/// A device's replica holding the plan's seed and the default checklist.
pub fn replica(dev: &str) -> Replica {
    let mut docs = default_plan::docs();
    docs.extend(default_checklist_docs());
    Replica::from_parts(docs, Hlc::new(DeviceId(dev.to_owned())))
}

/// Stages, then applies (as if the store committed), returning the change.
pub fn commit(r: &mut Replica, c: Change) -> Change {
    r.apply(c.clone());
    c
}

/// A record as a doc written by a test device at `wall`.
pub fn doc<E: Entity>(e: &E, wall: u64) -> Doc {
    let st = Stamp { wall, n: 0, dev: DeviceId("test".to_owned()) };
    Doc::edit(None, E::KIND, e.id(), e.to_values(), &st).expect("new doc")
}

pub fn problem(id: &str, target: &str, item: Option<&str>, opened: NaiveDate) -> Problem {
    Problem {
        id: id.to_owned(),
        target_id: target.to_owned(),
        item_id: item.map(|i| format!("seed-ck-{i}")),
        source: ProblemSource::Supervision,
        description: format!("问题{id}"),
        responsible_unit: "州扶贫办".to_owned(),
        responsible_person: "罗文慧".to_owned(),
        deadline: Some(opened + chrono::Days::new(30)),
        visit_id: None,
        opened_on: opened,
    }
}

/// An event; `verified` is `Some(passed)` for a verification by 核验人.
pub fn event(id: &str, problem: &str, at_ms: u64, from: ProblemStatus, to: ProblemStatus, verified: Option<bool>) -> ProblemEvent {
    ProblemEvent {
        id: id.to_owned(),
        problem_id: problem.to_owned(),
        at_ms,
        by: "督战小分队".to_owned(),
        from,
        to,
        comment: String::new(),
        verification: verified.map(|passed| Verification { verifier: "核验人".to_owned(), passed }),
    }
}

/// The events of a full legal walk to 已销号, starting at `t0`, one day apart.
pub fn closing_history(problem: &str, t0: u64) -> Vec<ProblemEvent> {
    use ProblemStatus::*;
    let day = 86_400_000;
    vec![
        event(&format!("{problem}-e1"), problem, t0, Open, InProgress, None),
        event(&format!("{problem}-e2"), problem, t0 + day, InProgress, AwaitingVerification, None),
        event(&format!("{problem}-e3"), problem, t0 + 2 * day, AwaitingVerification, Closed, Some(true)),
    ]
}
