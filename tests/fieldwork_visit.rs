//! Visits: drafts autosave with only bounds checked, submission is explicit and
//! validated, answers are separate records that merge cleanly across squad
//! members, and a 未达标 answer prefills a problem.

mod fieldwork_support;

use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::doc::Entity;
use duzhan::core::fieldwork::problem::{stage_save_problem, validate_problem};
use duzhan::core::fieldwork::visit::*;
use duzhan::core::fieldwork::{FieldSnapshot, FieldworkError, ProblemSource};
use duzhan::core::i18n::Field;
use duzhan::core::replica::Replica;
use duzhan::core::snapshot::Snapshot;
use fieldwork_support::*;

const TARGET: &str = "seed-target-gantang";

fn draft(id: &str) -> Visit {
    let mut v = Visit::new_draft(id.into(), TARGET.into(), date(2020, 6, 3), VisitMode::SquadRoutine);
    v.members = vec!["黎明俊".into(), " 马炳尧 ".into(), "".into()];
    v.households_visited = 12;
    v.findings = "走访12户，安置点配套仍需完善。 ".into();
    v.gps = Some(GpsFix { lat: 25.70, lon: 101.87, accuracy_m: 15.0 });
    v
}

fn snap() -> Snapshot {
    replica("d-x").snapshot()
}

#[test]
fn a_draft_saves_half_typed_and_keeps_its_status() {
    let mut r = replica("d-a");
    let mut v = Visit::new_draft("visit-1".into(), TARGET.into(), date(2020, 6, 3), VisitMode::Unannounced);
    assert_eq!(v.validate_draft(), Ok(()));
    let c = stage_save_visit(&r, &v, 1).expect("empty draft saves");
    commit(&mut r, c);
    // A form that claims "submitted" cannot submit by saving.
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(5);
    v.findings = "正在输入".into();
    let c = stage_save_visit(&r, &v, 2).expect("saves");
    commit(&mut r, c);
    let stored = FieldSnapshot::from_docs(r.docs()).visit("visit-1").cloned().expect("stored");
    assert_eq!((stored.status, stored.submitted_ms, stored.findings.as_str()), (VisitStatus::Draft, None, "正在输入"));
    assert_eq!(FieldSnapshot::from_docs(r.docs()).drafts().len(), 1);
}

#[test]
fn draft_bounds_are_checked_with_typed_errors() {
    let base = draft("v");
    let check = |f: &dyn Fn(&mut Visit)| {
        let mut v = base.clone();
        f(&mut v);
        v.validate_draft()
    };
    assert_eq!(check(&|_| {}), Ok(()));
    assert_eq!(check(&|v| v.households_visited = MAX_HOUSEHOLDS_PER_VISIT), Ok(()));
    assert_eq!(check(&|v| v.households_visited = MAX_HOUSEHOLDS_PER_VISIT + 1), Err(FieldworkError::TooManyHouseholds { given: 2001, max: 2000 }));
    assert_eq!(check(&|v| v.members = vec!["人".into(); MAX_MEMBERS + 1]), Err(FieldworkError::TooManyMembers { max: MAX_MEMBERS }));
    assert_eq!(check(&|v| v.members = vec!["长".repeat(101)]), Err(FieldworkError::TooLong { field: Field::Member, max: 100 }));
    assert_eq!(check(&|v| v.findings = "字".repeat(MAX_FINDINGS + 1)), Err(FieldworkError::TooLong { field: Field::Findings, max: MAX_FINDINGS }));
    assert_eq!(check(&|v| v.findings = "字".repeat(MAX_FINDINGS)), Ok(()));
    let gps = |lat: f64, lon: f64, acc: f64| check(&move |v: &mut Visit| v.gps = Some(GpsFix { lat, lon, accuracy_m: acc }));
    assert_eq!(gps(90.0, -180.0, 0.0), Ok(()));
    assert_eq!(gps(90.5, 101.0, 10.0), Err(FieldworkError::LatitudeOutOfRange(90.5)));
    assert!(matches!(gps(f64::NAN, 101.0, 10.0), Err(FieldworkError::LatitudeOutOfRange(_))));
    assert_eq!(gps(25.0, 180.5, 10.0), Err(FieldworkError::LongitudeOutOfRange(180.5)));
    assert_eq!(gps(25.0, -181.0, 10.0), Err(FieldworkError::LongitudeOutOfRange(-181.0)));
    assert_eq!(gps(25.0, 101.0, -1.0), Err(FieldworkError::AccuracyOutOfRange(-1.0)));
    assert!(matches!(gps(25.0, 101.0, f64::INFINITY), Err(FieldworkError::AccuracyOutOfRange(_))));
    assert_eq!(gps(25.0, 101.0, 200_000.0), Err(FieldworkError::AccuracyOutOfRange(200_000.0)));
    assert_eq!(check(&|v| v.gps = None), Ok(()));
    let mut r = replica("d-a");
    let bad = Visit { households_visited: 99_999, ..base.clone() };
    assert!(stage_save_visit(&r, &bad, 1).is_err());
    let c = stage_save_visit(&r, &base, 1).expect("ok");
    commit(&mut r, c);
}

#[test]
fn submitting_validates_trims_and_stamps_once() {
    let s = snap();
    let today = date(2020, 6, 3);
    let v = draft("v");
    let sub = v.submitted(&s, today, 1234).expect("valid");
    assert_eq!(sub.status, VisitStatus::Submitted);
    assert_eq!(sub.submitted_ms, Some(1234));
    assert_eq!(sub.members, ["黎明俊", "马炳尧"]);
    assert_eq!(sub.findings, "走访12户，安置点配套仍需完善。");
    assert_eq!(sub.submitted(&s, today, 2000), Err(FieldworkError::AlreadySubmitted));
    let with = |f: &dyn Fn(&mut Visit)| {
        let mut x = v.clone();
        f(&mut x);
        x.submitted(&s, today, 1)
    };
    assert_eq!(with(&|x| x.target_id = "gone".into()).err(), Some(FieldworkError::UnknownTarget("gone".into())));
    assert_eq!(with(&|x| x.date = date(2020, 6, 4)).err(), Some(FieldworkError::DateInFuture { field: Field::VisitDate, date: date(2020, 6, 4), today }));
    assert_eq!(with(&|x| x.members = vec![" ".into()]).err(), Some(FieldworkError::NoMembers));
    assert_eq!(with(&|x| x.members.clear()).err(), Some(FieldworkError::NoMembers));
    assert_eq!(with(&|x| x.households_visited = 5000).err(), Some(FieldworkError::TooManyHouseholds { given: 5000, max: 2000 }));
    assert_eq!(parse_date_or_err("2020-02-30"), Err(FieldworkError::InvalidDate("2020-02-30".into())));
    assert_eq!(parse_date_or_err(" 2020-02-29 "), Ok(date(2020, 2, 29)));
}

fn parse_date_or_err(s: &str) -> Result<chrono::NaiveDate, FieldworkError> {
    duzhan::core::fieldwork::error::parse_date(s)
}

#[test]
fn staging_a_submit_changes_a_stored_draft_into_a_submitted_visit() {
    let mut r = replica("d-a");
    let c = stage_save_visit(&r, &draft("visit-1"), 1).expect("draft");
    commit(&mut r, c);
    let s = r.snapshot();
    let c = stage_submit_visit(&r, &s, "visit-1", date(2020, 6, 3), 99).expect("submit");
    commit(&mut r, c);
    let v = FieldSnapshot::from_docs(r.docs()).visit("visit-1").cloned().expect("v");
    assert_eq!((v.status, v.submitted_ms), (VisitStatus::Submitted, Some(99)));
    assert_eq!(stage_submit_visit(&r, &s, "visit-1", date(2020, 6, 3), 100).err(), Some(FieldworkError::AlreadySubmitted));
    assert_eq!(stage_submit_visit(&r, &s, "nope", date(2020, 6, 3), 100).err(), Some(FieldworkError::UnknownVisit("nope".into())));
    // Correcting a submitted visit keeps it submitted.
    let mut fix = v.clone();
    fix.households_visited = 13;
    let c = stage_save_visit(&r, &fix, 101).expect("fix");
    commit(&mut r, c);
    assert_eq!(FieldSnapshot::from_docs(r.docs()).visit("visit-1").map(|v| (v.status, v.households_visited)), Some((VisitStatus::Submitted, 13)));
}

#[test]
fn answers_have_deterministic_ids_and_validate_their_references() {
    // A golden value: two devices answering the same item of the same visit must
    // write the same record (so the answers merge instead of doubling), on every
    // build. Comparing the function with itself could not fail. If the id scheme
    // ever changes, answers already stored keep their old ids: add a migration
    // rather than editing this line.
    assert_eq!(answer_id("visit-1", "seed-ck-water"), "ans~visit-1~seed-ck-water");
    assert_ne!(answer_id("visit-1", "seed-ck-water"), answer_id("visit-2", "seed-ck-water"));
    let mut r = replica("d-a");
    let c = stage_save_visit(&r, &draft("visit-1"), 1).expect("draft");
    commit(&mut r, c);
    assert_eq!(stage_answer(&r, "nope", "seed-ck-water", Answer::Pass, "", 2).err(), Some(FieldworkError::UnknownVisit("nope".into())));
    assert_eq!(stage_answer(&r, "visit-1", "seed-ck-nope", Answer::Pass, "", 2).err(), Some(FieldworkError::UnknownChecklistItem("seed-ck-nope".into())));
    assert_eq!(
        stage_answer(&r, "visit-1", "seed-ck-water", Answer::Fail, &"字".repeat(2001), 2).err(),
        Some(FieldworkError::TooLong { field: Field::AnswerNote, max: 2000 })
    );
    let c = stage_answer(&r, "visit-1", "seed-ck-water", Answer::Fail, " 旱季断水 ", 2).expect("ok");
    assert_eq!(c.docs[0].id, answer_id("visit-1", "seed-ck-water"));
    assert_eq!(c.docs[0].kind, VisitAnswer::KIND);
    commit(&mut r, c);
    let f = FieldSnapshot::from_docs(r.docs());
    assert_eq!(f.answers_of("visit-1")[0].note, "旱季断水");
}

#[test]
fn two_squad_members_answering_different_items_both_keep_their_answers() {
    let mut base = replica("d-0");
    let c = stage_save_visit(&base, &draft("visit-1"), 1).expect("draft");
    commit(&mut base, c);
    let docs: Vec<_> = base.docs().cloned().collect();
    let mut a = Replica::from_parts(docs.clone(), Hlc::new(DeviceId("d-a".into())));
    let mut b = Replica::from_parts(docs, Hlc::new(DeviceId("d-b".into())));
    for (item, ans) in [("seed-ck-water", Answer::Pass), ("seed-ck-housing", Answer::Fail)] {
        let c = stage_answer(&a, "visit-1", item, ans, "", 10).expect("a");
        commit(&mut a, c);
    }
    for (item, ans) in [("seed-ck-education", Answer::NotApplicable), ("seed-ck-medical", Answer::Pass)] {
        let c = stage_answer(&b, "visit-1", item, ans, "", 11).expect("b");
        commit(&mut b, c);
    }
    let (da, db): (Vec<_>, Vec<_>) = (a.docs().cloned().collect(), b.docs().cloned().collect());
    let c = a.stage_merge(&db);
    commit(&mut a, c);
    let c = b.stage_merge(&da);
    commit(&mut b, c);
    let fa = FieldSnapshot::from_docs(a.docs());
    let fb = FieldSnapshot::from_docs(b.docs());
    let got: Vec<(&str, Answer)> = fa.answers_of("visit-1").iter().map(|x| (x.item_id.as_str(), x.answer)).collect();
    assert_eq!(
        got,
        [("seed-ck-education", Answer::NotApplicable), ("seed-ck-housing", Answer::Fail), ("seed-ck-medical", Answer::Pass), ("seed-ck-water", Answer::Pass)]
    );
    assert_eq!(fa, fb);
    assert!(a.snapshot().conflicts.is_empty());
}

#[test]
fn two_answers_to_the_same_item_land_on_one_record_with_the_loser_visible() {
    let mut base = replica("d-0");
    let c = stage_save_visit(&base, &draft("visit-1"), 1).expect("draft");
    commit(&mut base, c);
    let docs: Vec<_> = base.docs().cloned().collect();
    let mut a = Replica::from_parts(docs.clone(), Hlc::new(DeviceId("d-a".into())));
    let mut b = Replica::from_parts(docs, Hlc::new(DeviceId("d-b".into())));
    let c = stage_answer(&a, "visit-1", "seed-ck-water", Answer::Pass, "", 10).expect("a");
    commit(&mut a, c);
    let c = stage_answer(&b, "visit-1", "seed-ck-water", Answer::Fail, "断水", 20).expect("b");
    commit(&mut b, c);
    let db: Vec<_> = b.docs().cloned().collect();
    let c = a.stage_merge(&db);
    commit(&mut a, c);
    let f = FieldSnapshot::from_docs(a.docs());
    assert_eq!(f.answers_of("visit-1").len(), 1);
    assert_eq!(f.answers_of("visit-1")[0].answer, Answer::Fail);
    let id = answer_id("visit-1", "seed-ck-water");
    // The record keeps the loser (the plan's snapshot lists only the plan's conflicts).
    assert!(!a.doc(&id).expect("stored").conflicts().is_empty(), "the concurrent 达标 stays visible");
}

#[test]
fn clearing_an_answer_tombstones_it_and_answering_again_restores_it() {
    let mut r = replica("d-a");
    let c = stage_save_visit(&r, &draft("visit-1"), 1).expect("draft");
    commit(&mut r, c);
    let c = stage_answer(&r, "visit-1", "seed-ck-water", Answer::Fail, "x", 2).expect("answer");
    commit(&mut r, c);
    let c = stage_clear_answer(&r, "visit-1", "seed-ck-water", 3);
    commit(&mut r, c);
    assert!(FieldSnapshot::from_docs(r.docs()).answers_of("visit-1").is_empty());
    assert!(stage_clear_answer(&r, "visit-1", "seed-ck-water", 4).is_empty());
    let c = stage_answer(&r, "visit-1", "seed-ck-water", Answer::Fail, "x", 5).expect("again");
    commit(&mut r, c);
    let f = FieldSnapshot::from_docs(r.docs());
    assert_eq!(f.answers_of("visit-1").len(), 1);
    assert_eq!(f.answers_of("visit-1")[0].answer, Answer::Fail);
}

#[test]
fn a_failed_answer_prefills_a_problem_that_saves_once_it_has_an_owner() {
    let mut r = replica("d-a");
    let v = draft("visit-1");
    let c = stage_save_visit(&r, &v, 1).expect("draft");
    commit(&mut r, c);
    let c = stage_answer(&r, "visit-1", "seed-ck-water", Answer::Fail, "旱季断水", 2).expect("answer");
    commit(&mut r, c);
    let field = FieldSnapshot::from_docs(r.docs());
    let ans = field.answers_of("visit-1")[0].clone();
    let p = problem_draft_from_answer(&v, &ans, field.item("seed-ck-water"), "problem-1".into()).expect("from fail");
    assert_eq!(p.target_id, TARGET);
    assert_eq!(p.item_id.as_deref(), Some("seed-ck-water"));
    assert_eq!(p.visit_id.as_deref(), Some("visit-1"));
    assert_eq!(p.source, ProblemSource::Supervision);
    assert_eq!(p.description, "饮水安全：旱季断水");
    assert_eq!(p.opened_on, date(2020, 6, 3));
    assert_eq!((p.responsible_unit.as_str(), p.deadline), ("", None));
    let blank = VisitAnswer { note: String::new(), ..ans.clone() };
    assert_eq!(problem_draft_from_answer(&v, &blank, field.item("seed-ck-water"), "p".into()).map(|p| p.description), Ok("饮水安全未达标".into()));
    let pass = VisitAnswer { answer: Answer::Pass, ..ans.clone() };
    assert_eq!(problem_draft_from_answer(&v, &pass, None, "p".into()).err(), Some(FieldworkError::NotAFailAnswer));
    let other = VisitAnswer { visit_id: "visit-9".into(), ..ans.clone() };
    assert_eq!(problem_draft_from_answer(&v, &other, None, "p".into()).err(), Some(FieldworkError::UnknownVisit("visit-9".into())));
    // The prefilled problem is valid as is (flagged 只督不战 until owner and deadline are set).
    let s = r.snapshot();
    assert_eq!(validate_problem(&p, &s, &field, date(2020, 6, 3)), Ok(()));
    let c = stage_save_problem(&r, &s, &field, &p, date(2020, 6, 3), 3).expect("saves");
    commit(&mut r, c);
}

#[test]
fn problems_are_validated_before_they_are_saved() {
    let r = replica("d-a");
    let s = r.snapshot();
    let f = FieldSnapshot::from_docs(r.docs());
    let today = date(2020, 6, 1);
    let ok = problem("p", TARGET, Some("water"), date(2020, 5, 1));
    assert_eq!(validate_problem(&ok, &s, &f, today), Ok(()));
    let with = |g: &dyn Fn(&mut duzhan::core::fieldwork::Problem)| {
        let mut p = ok.clone();
        g(&mut p);
        validate_problem(&p, &s, &f, today)
    };
    assert_eq!(with(&|p| p.target_id = "x".into()), Err(FieldworkError::UnknownTarget("x".into())));
    assert_eq!(with(&|p| p.item_id = Some("x".into())), Err(FieldworkError::UnknownChecklistItem("x".into())));
    assert_eq!(with(&|p| p.visit_id = Some("x".into())), Err(FieldworkError::UnknownVisit("x".into())));
    assert_eq!(with(&|p| p.description = " ".into()), Err(FieldworkError::Required { field: Field::Description }));
    assert_eq!(with(&|p| p.responsible_unit = "单".repeat(101)), Err(FieldworkError::TooLong { field: Field::ResponsibleUnit, max: 100 }));
    assert_eq!(with(&|p| p.responsible_person = "人".repeat(101)), Err(FieldworkError::TooLong { field: Field::ResponsiblePerson, max: 100 }));
    assert_eq!(with(&|p| p.opened_on = date(2020, 6, 2)), Err(FieldworkError::DateInFuture { field: Field::OpenedOn, date: date(2020, 6, 2), today }));
    assert_eq!(
        with(&|p| p.deadline = Some(date(2020, 4, 30))),
        Err(FieldworkError::DeadlineBeforeOpened { deadline: date(2020, 4, 30), opened_on: date(2020, 5, 1) })
    );
    assert_eq!(with(&|p| p.deadline = Some(date(2020, 5, 1))), Ok(()));
    assert_eq!(with(&|p| p.item_id = None), Ok(()));
}

#[test]
fn record_kinds_are_the_documented_strings() {
    use duzhan::core::fieldwork::{Problem, ProblemEvent};
    assert_eq!([Visit::KIND, VisitAnswer::KIND, Problem::KIND, ProblemEvent::KIND], ["visit", "visit_answer", "problem", "problem_event"]);
    for m in VisitMode::ALL {
        assert_eq!(VisitMode::from_code(m.code()), Some(m));
    }
    for a in Answer::ALL {
        assert_eq!(Answer::from_code(a.code()), Some(a));
    }
}
