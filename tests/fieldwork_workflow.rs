//! The rectification workflow (整改流程): every legal and illegal transition, the
//! append-only history, and the replay rule that makes a merged history give the
//! same status on every device, whatever order its events arrived in.
//!
//! Property runs: 1,000 cases by default; `DUZHAN_PROPTEST_CASES=20000` for a long run.

mod fieldwork_support;

use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::fieldwork::ledger::LedgerIndex;
use duzhan::core::fieldwork::problem::{
    check_transition, events_in, history, next_statuses, propose_event, replay, stage_save_problem, stage_transition, TransitionRequest,
};
use duzhan::core::fieldwork::{FieldSnapshot, FieldworkError, ProblemEvent, ProblemStatus, Verification};
use duzhan::core::i18n::{Field, Lang};
use duzhan::core::replica::Replica;
use fieldwork_support::*;
use proptest::prelude::*;
use ProblemStatus::*;

fn cases() -> u32 {
    std::env::var("DUZHAN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

fn verification(v: Option<bool>) -> Option<Verification> {
    v.map(|passed| Verification { verifier: "张积昆".to_owned(), passed })
}

/// The complete table: (from, to, verification) → allowed?  Exactly four entries pass.
#[test]
fn exactly_the_four_workflow_transitions_are_legal() {
    let legal = [
        (Open, InProgress, None),
        (InProgress, AwaitingVerification, None),
        (AwaitingVerification, Closed, Some(true)),
        (AwaitingVerification, InProgress, Some(false)),
    ];
    let mut checked = 0;
    for from in ProblemStatus::ALL {
        for to in ProblemStatus::ALL {
            for v in [None, Some(true), Some(false)] {
                let r = check_transition(from, from, to, verification(v).as_ref());
                let expected = legal.contains(&(from, to, v));
                assert_eq!(r.is_ok(), expected, "{from:?} -> {to:?} with {v:?}: {r:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 48);
}

#[test]
fn each_illegal_transition_is_rejected_with_the_error_that_says_why() {
    let cases: Vec<(ProblemStatus, ProblemStatus, Option<bool>, FieldworkError)> = vec![
        // Skipping steps or going backwards.
        (Open, AwaitingVerification, None, FieldworkError::IllegalTransition { from: Open, to: AwaitingVerification }),
        (Open, Closed, None, FieldworkError::IllegalTransition { from: Open, to: Closed }),
        (Open, Closed, Some(true), FieldworkError::IllegalTransition { from: Open, to: Closed }),
        (Open, Open, None, FieldworkError::IllegalTransition { from: Open, to: Open }),
        (InProgress, Open, None, FieldworkError::IllegalTransition { from: InProgress, to: Open }),
        (InProgress, Closed, Some(true), FieldworkError::IllegalTransition { from: InProgress, to: Closed }),
        (InProgress, InProgress, None, FieldworkError::IllegalTransition { from: InProgress, to: InProgress }),
        (AwaitingVerification, Open, Some(false), FieldworkError::IllegalTransition { from: AwaitingVerification, to: Open }),
        (AwaitingVerification, AwaitingVerification, None, FieldworkError::IllegalTransition { from: AwaitingVerification, to: AwaitingVerification }),
        (Closed, InProgress, Some(false), FieldworkError::IllegalTransition { from: Closed, to: InProgress }),
        (Closed, Open, None, FieldworkError::IllegalTransition { from: Closed, to: Open }),
        (Closed, AwaitingVerification, None, FieldworkError::IllegalTransition { from: Closed, to: AwaitingVerification }),
        (Closed, Closed, Some(true), FieldworkError::IllegalTransition { from: Closed, to: Closed }),
        // Verification rules.
        (AwaitingVerification, Closed, None, FieldworkError::VerificationRequired { to: Closed }),
        (AwaitingVerification, InProgress, None, FieldworkError::VerificationRequired { to: InProgress }),
        (AwaitingVerification, Closed, Some(false), FieldworkError::VerificationFailedCannotClose),
        (AwaitingVerification, InProgress, Some(true), FieldworkError::VerificationPassedCannotReopen),
        (Open, InProgress, Some(true), FieldworkError::VerificationNotExpected { to: InProgress }),
        (InProgress, AwaitingVerification, Some(false), FieldworkError::VerificationNotExpected { to: AwaitingVerification }),
    ];
    for (from, to, v, want) in cases {
        assert_eq!(check_transition(from, from, to, verification(v).as_ref()), Err(want.clone()), "{from:?} -> {to:?}");
        assert!(want.message(Lang::Zh).contains('请'), "{}", want.message(Lang::Zh));
    }
    // A closure needs to say who verified.
    let blank = Verification { verifier: "  ".to_owned(), passed: true };
    assert_eq!(check_transition(AwaitingVerification, AwaitingVerification, Closed, Some(&blank)), Err(FieldworkError::Required { field: Field::Verifier }));
    // An event made from a status the problem is no longer in is stale.
    assert_eq!(check_transition(InProgress, Open, InProgress, None), Err(FieldworkError::StaleTransition { recorded: Open, current: InProgress }));
}

#[test]
fn next_statuses_lists_exactly_the_legal_targets() {
    for from in ProblemStatus::ALL {
        let legal: Vec<ProblemStatus> = ProblemStatus::ALL
            .into_iter()
            .filter(|to| [None, Some(true), Some(false)].iter().any(|v| check_transition(from, from, *to, verification(*v).as_ref()).is_ok()))
            .collect();
        let mut listed = next_statuses(from).to_vec();
        listed.sort();
        assert_eq!(listed, legal, "{from:?}");
    }
}

#[test]
fn a_full_rectification_closes_only_through_a_passed_verification() {
    let evs = closing_history("p", at(2020, 3, 1));
    let r = replay(&evs);
    assert_eq!(r.status, Closed);
    assert_eq!(r.closed_at_ms, Some(at(2020, 3, 3)));
    assert_eq!(r.closed_by.as_deref(), Some("核验人"));
    assert!(r.skipped.is_empty());
    // Without the last event it waits for verification.
    assert_eq!(replay(&evs[..2]).status, AwaitingVerification);
    assert_eq!(replay(&[]).status, Open);
}

#[test]
fn a_failed_verification_sends_the_problem_back_and_it_can_close_later() {
    let d = 86_400_000;
    let t = at(2020, 4, 1);
    let evs = vec![
        event("e1", "p", t, Open, InProgress, None),
        event("e2", "p", t + d, InProgress, AwaitingVerification, None),
        event("e3", "p", t + 2 * d, AwaitingVerification, InProgress, Some(false)),
        event("e4", "p", t + 3 * d, InProgress, AwaitingVerification, None),
        event("e5", "p", t + 4 * d, AwaitingVerification, Closed, Some(true)),
    ];
    assert_eq!(replay(&evs[..3]).status, InProgress);
    assert_eq!(replay(&evs).status, Closed);
    assert_eq!(replay(&evs).closed_at_ms, Some(t + 4 * d));
}

#[test]
fn history_is_ordered_by_time_then_id_and_illegal_events_are_skipped_and_flagged() {
    let t = at(2020, 5, 1);
    // Two squads both started the rectification: same time, ids decide; the second is stale.
    let evs = vec![
        event("b", "p", t, Open, InProgress, None),
        event("a", "p", t, Open, InProgress, None),
        event("c", "p", t + 5, Open, Closed, Some(true)),
        event("d", "p", t + 9, InProgress, AwaitingVerification, None),
    ];
    let r = replay(&evs);
    assert_eq!(r.status, AwaitingVerification);
    let skipped: Vec<&str> = r.skipped.iter().map(|s| s.event_id.as_str()).collect();
    assert_eq!(skipped, ["b", "c"]);
    assert_eq!(r.skipped[0].reason, FieldworkError::StaleTransition { recorded: Open, current: InProgress });
    assert_eq!(r.skipped[1].reason, FieldworkError::StaleTransition { recorded: Open, current: InProgress });
    let h = history(&evs);
    let order: Vec<(&str, bool)> = h.iter().map(|e| (e.event.id.as_str(), e.skipped.is_none())).collect();
    assert_eq!(order, [("a", true), ("b", false), ("c", false), ("d", true)]);
}

#[test]
fn a_verification_racing_another_verification_the_earlier_one_wins_everywhere() {
    let t = at(2020, 6, 1);
    let mut evs = vec![event("e1", "p", t, Open, InProgress, None), event("e2", "p", t + 1, InProgress, AwaitingVerification, None)];
    // Device A closes at t+10, device B (offline) fails the verification at t+20.
    evs.push(event("a-close", "p", t + 10, AwaitingVerification, Closed, Some(true)));
    evs.push(event("b-fail", "p", t + 20, AwaitingVerification, InProgress, Some(false)));
    let r = replay(&evs);
    assert_eq!(r.status, Closed);
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].event_id, "b-fail");
    evs.reverse();
    assert_eq!(replay(&evs).status, Closed);
}

#[test]
fn proposing_a_transition_uses_the_replayed_status_and_appends_after_the_known_history() {
    let hist = closing_history("p", at(2020, 3, 1))[..2].to_vec();
    let req = TransitionRequest {
        to: Closed, by: "州扶贫办督战小分队".to_owned(), comment: " 核验通过 ".to_owned(), verification: verification(Some(true))
    };
    // The device's clock is behind the history it acts on: the event still goes last.
    let e = propose_event("p", &hist, &req, "new".to_owned(), at(2020, 1, 1)).expect("legal");
    assert_eq!(e.from, AwaitingVerification);
    assert_eq!(e.at_ms, hist[1].at_ms + 1);
    assert_eq!(e.comment, "核验通过");
    let mut all = hist.clone();
    all.push(e);
    assert_eq!(replay(&all).status, Closed);
    // With a clock ahead, it is now.
    let e2 = propose_event("p", &hist, &req, "new2".to_owned(), at(2020, 9, 1)).expect("legal");
    assert_eq!(e2.at_ms, at(2020, 9, 1));
}

#[test]
fn proposing_rejects_illegal_moves_and_incomplete_requests() {
    let hist = closing_history("p", at(2020, 3, 1));
    let req = |to, by: &str, comment: &str, v| TransitionRequest { to, by: by.to_owned(), comment: comment.to_owned(), verification: verification(v) };
    // Closed is final.
    assert_eq!(
        propose_event("p", &hist, &req(InProgress, "甲", "再改", Some(false)), "x".into(), 0),
        Err(FieldworkError::IllegalTransition { from: Closed, to: InProgress })
    );
    let open: Vec<ProblemEvent> = Vec::new();
    assert_eq!(propose_event("p", &open, &req(Closed, "甲", "", Some(true)), "x".into(), 0), Err(FieldworkError::IllegalTransition { from: Open, to: Closed }));
    assert_eq!(propose_event("p", &open, &req(InProgress, " ", "", None), "x".into(), 0), Err(FieldworkError::Required { field: Field::HandledBy }));
    // A failed verification must say what is still wrong.
    let awaiting = hist[..2].to_vec();
    assert_eq!(propose_event("p", &awaiting, &req(InProgress, "甲", "", Some(false)), "x".into(), 0), Err(FieldworkError::Required { field: Field::Comment }));
    assert!(propose_event("p", &awaiting, &req(InProgress, "甲", "台账仍缺2户资料", Some(false)), "x".into(), 0).is_ok());
    // Events of other problems in the slice do not count.
    let mut mixed = closing_history("other", at(2020, 2, 1));
    mixed.extend(awaiting.clone());
    assert_eq!(propose_event("p", &mixed, &req(Closed, "甲", "", Some(true)), "x".into(), 0).map(|e| e.from), Ok(AwaitingVerification));
}

#[test]
fn staging_transitions_on_a_replica_appends_one_event_each_and_nothing_else() {
    let mut r = replica("d-a");
    let snap = r.snapshot();
    let field = FieldSnapshot::from_docs(r.docs());
    let p = problem("problem-1", "seed-target-gantang", Some("water"), date(2020, 5, 1));
    let c = stage_save_problem(&r, &snap, &field, &p, date(2020, 6, 1), at(2020, 5, 1)).expect("valid");
    commit(&mut r, c);
    let go = |to, v: Option<bool>| TransitionRequest { to, by: "黎明俊".to_owned(), comment: "已复核".to_owned(), verification: verification(v) };
    for (i, (to, v)) in [(InProgress, None), (AwaitingVerification, None), (InProgress, Some(false)), (AwaitingVerification, None), (Closed, Some(true))]
        .into_iter()
        .enumerate()
    {
        let c = stage_transition(&r, "problem-1", &go(to, v), at(2020, 5, 2 + i as u32)).expect("legal step");
        assert_eq!(c.docs.len(), 1);
        assert_eq!(c.docs[0].kind, "problem_event");
        commit(&mut r, c);
        assert_eq!(replay(&events_in(&r, "problem-1")).status, to);
    }
    assert_eq!(events_in(&r, "problem-1").len(), 5);
    assert_eq!(
        stage_transition(&r, "problem-1", &go(InProgress, Some(false)), at(2020, 6, 1)),
        Err(FieldworkError::IllegalTransition { from: Closed, to: InProgress })
    );
    assert_eq!(stage_transition(&r, "nope", &go(InProgress, None), 0), Err(FieldworkError::UnknownProblem("nope".into())));
}

// ---- merge as a set ----

#[derive(Clone, Debug)]
enum Op {
    /// Device acts on its local view: picks the k-th legal next status (at 已整改待核验,
    /// k chooses between closing and sending back).
    Act { dev: usize, k: usize, t: u16 },
    /// Device `to` merges everything device `from` holds.
    Sync { from: usize, to: usize },
}

const DEVICES: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..DEVICES, 0usize..2, 0u16..400).prop_map(|(dev, k, t)| Op::Act { dev, k, t }),
        2 => (0..DEVICES, 0..DEVICES).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

/// Three offline replicas working one problem, through the real staging and merge path.
fn simulate(ops: &[Op]) -> Vec<Replica> {
    // Only the problem record: staging a transition needs nothing else, and small
    // replicas keep a thousand cases fast.
    let p = problem("problem-x", "seed-target-xihe", Some("housing"), date(2020, 3, 1));
    let docs = vec![doc(&p, 1)];
    let mut reps: Vec<Replica> = (0..DEVICES).map(|i| Replica::from_parts(docs.clone(), Hlc::new(DeviceId(format!("d-{i}"))))).collect();
    for op in ops {
        match *op {
            Op::Act { dev, k, t } => {
                let status = replay(&events_in(&reps[dev], "problem-x")).status;
                let next = next_statuses(status);
                if next.is_empty() {
                    continue;
                }
                let to = next[k % next.len()];
                let v = (status == AwaitingVerification).then(|| Verification { verifier: format!("核验{dev}"), passed: to == Closed });
                let req = TransitionRequest { to, by: format!("小分队{dev}"), comment: "意见".to_owned(), verification: v };
                let c = stage_transition(&reps[dev], "problem-x", &req, 1_000_000 + t as u64).expect("a locally legal move is accepted");
                reps[dev].apply(c);
            }
            Op::Sync { from, to } => {
                if from != to {
                    let incoming: Vec<_> = reps[from].docs().cloned().collect();
                    let c = reps[to].stage_merge(&incoming);
                    reps[to].apply(c);
                }
            }
        }
    }
    reps
}

fn full_sync(reps: &mut [Replica]) {
    for _ in 0..2 {
        for from in 0..reps.len() {
            for to in 0..reps.len() {
                if from != to {
                    let incoming: Vec<_> = reps[from].docs().cloned().collect();
                    let c = reps[to].stage_merge(&incoming);
                    reps[to].apply(c);
                }
            }
        }
    }
}

#[test]
fn two_devices_moving_the_same_problem_offline_converge_with_the_conflict_flagged() {
    // Both squads start the rectification offline; device 1 also reports it done.
    let ops = [
        Op::Act { dev: 0, k: 0, t: 10 },
        Op::Act { dev: 1, k: 0, t: 20 },
        Op::Act { dev: 1, k: 0, t: 30 },
        Op::Sync { from: 0, to: 1 },
        Op::Sync { from: 1, to: 0 },
    ];
    let reps = simulate(&ops);
    let h0 = events_in(&reps[0], "problem-x");
    assert_eq!(h0, events_in(&reps[1], "problem-x"));
    assert_eq!(h0.len(), 3, "nothing is lost");
    let r = replay(&h0);
    // Device 0's start (t=10) applies; device 1's start (t=20) is stale; device 1's
    // report (from 整改中, t=30) still applies on top of device 0's start.
    assert_eq!(r.status, AwaitingVerification);
    assert_eq!(r.skipped.len(), 1);
    assert!(matches!(r.skipped[0].reason, FieldworkError::StaleTransition { recorded: Open, current: InProgress }));
    let row = LedgerIndex::build(reps[0].docs(), date(2020, 6, 1)).get("problem-x").expect("row");
    assert_eq!((row.status, row.history_conflicts), (AwaitingVerification, 1));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    /// Any set of events (legal or not) replays to the same result in any order.
    #[test]
    fn replay_depends_only_on_the_set_of_events(
        raw in prop::collection::vec((0usize..4, 0usize..4, prop::option::of(any::<bool>()), 0u64..50), 0..12),
        perm_seed in any::<u64>(),
    ) {
        let evs: Vec<ProblemEvent> = raw.iter().enumerate().map(|(i, (f, t, v, ms))| {
            event(&format!("e{i:02}"), "p", *ms, ProblemStatus::ALL[*f], ProblemStatus::ALL[*t], *v)
        }).collect();
        let want = replay(&evs);
        // A deterministic shuffle, plus the reverse, plus duplicates (a doc merged twice).
        let mut shuffled = evs.clone();
        let mut s = perm_seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(&replay(&shuffled), &want);
        let mut rev = evs.clone();
        rev.reverse();
        prop_assert_eq!(&replay(&rev), &want);
        let mut dup = evs.clone();
        dup.extend(evs.iter().cloned());
        prop_assert_eq!(&replay(&dup), &want);
    }

    /// Devices working offline and merging in any order end with the same history,
    /// the same derived status and the same ledger rows.
    #[test]
    fn devices_that_merged_the_same_events_derive_the_same_status(ops in prop::collection::vec(op(), 0..40)) {
        let mut reps = simulate(&ops);
        full_sync(&mut reps);
        let evs0 = events_in(&reps[0], "problem-x");
        let r0 = replay(&evs0);
        let rows0 = LedgerIndex::build(reps[0].docs(), date(2020, 6, 1)).rows_by_id();
        for r in &reps[1..] {
            let evs = events_in(r, "problem-x");
            prop_assert_eq!(&evs, &evs0);
            prop_assert_eq!(&replay(&evs), &r0);
            prop_assert_eq!(&LedgerIndex::build(r.docs(), date(2020, 6, 1)).rows_by_id(), &rows0);
        }
        // History is append-only: every event any device made is kept.
        let acts = ops.iter().filter(|o| matches!(o, Op::Act { .. })).count();
        prop_assert!(evs0.len() <= acts);
    }

    /// One device alone never produces a skipped event: its own moves always apply.
    #[test]
    fn a_single_device_history_has_no_conflicts(ops in prop::collection::vec(op(), 0..30)) {
        let solo: Vec<Op> = ops.into_iter().map(|o| match o { Op::Act { k, t, .. } => Op::Act { dev: 0, k, t }, o => o }).filter(|o| matches!(o, Op::Act { .. })).collect();
        let reps = simulate(&solo);
        let r = replay(&events_in(&reps[0], "problem-x"));
        prop_assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    }
}
