//! The read models' promise (`core::read_model`): kept up to date over any sequence
//! of commits, each read model equals the one built from scratch from the replica
//! those commits leave. The commits are kind-agnostic: edits of any record's field
//! (to another record's value of that field, so that most still decode), copies under
//! a new id, deletes, restores, values that no longer decode, and concurrent edits
//! merged in from a second device (conflicts kept visible), fed to the read models in
//! batches of any size.

use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::doc::{is_bulk, Doc, Entity, BULK_KINDS};
use duzhan::core::fieldwork::generate::generate_campaign;
use duzhan::core::fieldwork::{FieldSnapshot, Problem, ProblemEvent, Visit, VisitAnswer};
use duzhan::core::read_model::{last_changed, ChangedSince, ReadModel, ReadModels};
use duzhan::core::replica::{Change, Replica};
use duzhan::core::report::ReportSnapshot;
use duzhan::core::snapshot::Snapshot;
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2020, 6, 1).unwrap()
}

fn start(seed: u64) -> Replica {
    let mut docs = duzhan::core::default_plan::docs();
    docs.extend(generate_campaign(seed, 6, 6, 24));
    Replica::from_parts(docs, Hlc::new(DeviceId("d-main".into())))
}

#[derive(Clone, Debug)]
enum Op {
    /// A field of a record set to the value that field has in another record of its kind.
    Edit {
        doc: usize,
        field: usize,
        from: usize,
    },
    /// A record copied under a new id (a new record of its kind).
    Copy {
        doc: usize,
    },
    Delete {
        doc: usize,
    },
    Restore {
        doc: usize,
    },
    /// A field set to a value of the wrong shape (the record no longer decodes).
    Corrupt {
        doc: usize,
        field: usize,
    },
    /// Another device edits the same field at the same time; its doc is merged in.
    Concurrent {
        doc: usize,
        field: usize,
        from: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let i = || any::<usize>();
    prop_oneof![
        4 => (i(), i(), i()).prop_map(|(doc, field, from)| Op::Edit { doc, field, from }),
        2 => i().prop_map(|doc| Op::Copy { doc }),
        2 => i().prop_map(|doc| Op::Delete { doc }),
        1 => i().prop_map(|doc| Op::Restore { doc }),
        1 => (i(), i()).prop_map(|(doc, field)| Op::Corrupt { doc, field }),
        2 => (i(), i(), i()).prop_map(|(doc, field, from)| Op::Concurrent { doc, field, from }),
    ]
}

/// The record's values without its id (which is the doc's, never a stored field).
fn values(d: &Doc) -> serde_json::Map<String, Value> {
    let mut v = d.values();
    v.remove("id");
    v
}

/// The record's user fields.
fn fields(d: &Doc) -> Vec<String> {
    values(d).keys().cloned().collect()
}

/// The change an op stages on `r` (empty when it does not apply), its clock at `now`.
fn stage(r: &Replica, other: &mut Hlc, op: &Op, n: usize, now: u64) -> Change {
    let ids: Vec<&Doc> = r.docs().collect();
    let pick = |i: usize| ids[i % ids.len()];
    let empty = || Change { docs: Vec::new(), clock: r.clock().clone() };
    let set = |d: &Doc, field: usize, value: Option<Value>, clock: &mut Hlc| -> Option<Doc> {
        let names = fields(d);
        let name = names.get(field % names.len().max(1))?.clone();
        let mut values = values(d);
        values.insert(name, value?);
        Doc::edit(Some(d), &d.kind, &d.id, values, &clock.tick(now))
    };
    let value_from = |d: &Doc, field: usize, from: usize| -> Option<Value> {
        let names = fields(d);
        let name = names.get(field % names.len().max(1))?;
        let same: Vec<&Doc> = ids.iter().copied().filter(|x| x.kind == d.kind).collect();
        values(same[from % same.len()]).get(name).cloned()
    };
    let mut clock = r.clock().clone();
    let doc = match op {
        Op::Edit { doc, field, from } => {
            let d = pick(*doc);
            set(d, *field, value_from(d, *field, *from), &mut clock)
        }
        Op::Copy { doc } => {
            let d = pick(*doc);
            Doc::edit(None, &d.kind, &format!("copy-{n}-{}", d.id), values(d), &clock.tick(now))
        }
        Op::Delete { doc } => Some(pick(*doc).tombstone(&clock.tick(now))),
        Op::Restore { doc } => Some(pick(*doc).set_deleted(false, &clock.tick(now))),
        Op::Corrupt { doc, field } => set(pick(*doc), *field, Some(serde_json::json!({ "not": ["this", "shape"] })), &mut clock),
        Op::Concurrent { doc, field, from } => {
            let d = pick(*doc);
            // The other device stamps its edit with its own clock at the same moment.
            return match set(d, *field, value_from(d, *field, *from), other) {
                Some(theirs) => r.stage_merge(&[theirs]),
                None => empty(),
            };
        }
    };
    match doc {
        Some(d) => Change { docs: vec![d], clock },
        None => empty(),
    }
}

fn assert_same(kept: &ReadModels, r: &Replica) -> Result<(), TestCaseError> {
    let fresh = ReadModels::build(r, today());
    prop_assert_eq!(&kept.plan, &fresh.plan, "the plan's read model");
    prop_assert_eq!(&kept.field, &fresh.field, "the field work's read model");
    prop_assert_eq!(&kept.reports, &fresh.reports, "the monthly cycle's read model");
    prop_assert_eq!(kept.ledger.rows_by_id(), fresh.ledger.rows_by_id(), "the ledger index");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    /// Every read model kept up to date, commit by commit (in batches), equals the
    /// one built from scratch — checked after every batch. Between batches the device
    /// may export (the moment the changes are counted from moves, to now or earlier).
    #[test]
    fn kept_up_to_date_equals_built_from_scratch(
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..40),
        batch in 1usize..5,
        exports in prop::collection::vec(prop::option::of(0u64..5), 1..8),
    ) {
        let mut r = start(seed);
        let mut other = Hlc::new(DeviceId("d-other".into()));
        let mut models = ReadModels::build(&r, today());
        // Each written doc's last change before the batch's first write of it.
        let mut pending: std::collections::BTreeMap<String, Option<u64>> = Default::default();
        for (n, o) in ops.iter().enumerate() {
            let now = 1_590_000_000_000 + n as u64 * 1_000;
            let change = stage(&r, &mut other, o, n, now);
            for d in &change.docs {
                pending.entry(d.id.clone()).or_insert_with(|| r.doc(&d.id).and_then(last_changed));
            }
            r.apply(change);
            if (n + 1) % batch == 0 || n + 1 == ops.len() {
                let changed: Vec<&Doc> = pending.keys().filter_map(|id| r.doc(id)).collect();
                let before: Vec<Option<u64>> = pending.values().copied().collect();
                let count = models.changed.count();
                let touched = models.update(&r, &changed, &before, today());
                prop_assert!(touched.changes || models.changed.count() == count, "the count changed but the update said not");
                pending.clear();
                assert_same(&models, &r)?;
                if let Some(back) = exports[n % exports.len()] {
                    models.changed.rebase(&r, now.saturating_sub(back * 1_000));
                }
                prop_assert_eq!(&models.changed, &ChangedSince::count_in(&r, models.changed.since()), "the records changed since the last export");
            }
        }
    }

    /// What the home view's data guardian shows from the kept count is what it shows
    /// counted from the replica.
    #[test]
    fn the_guardian_reads_the_kept_count(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..20), exported_at in prop::option::of(0u64..25)) {
        use duzhan::core::bundle::SyncLedger;
        use duzhan::core::guardian::{guardian, last_export_ms, Guardian};
        let mut r = start(seed);
        let mut other = Hlc::new(DeviceId("d-other".into()));
        let mut models = ReadModels::build(&r, today());
        let mut ledger = SyncLedger::default();
        if let Some(k) = exported_at {
            let record = duzhan::core::bundle::ledger::ExportRecord {
                bundle_id: "b".into(),
                created_ms: 1_590_000_000_000 + k * 1_000,
                scope: duzhan::core::bundle::wire::ScopeKind::Full,
                recipient: None,
                covers: None,
                records: 1,
                acked_by: Default::default(),
                withheld: 0,
            };
            ledger.exports.insert(1, record);
        }
        models.changed.rebase(&r, last_export_ms(&ledger).unwrap_or(0));
        for (n, o) in ops.iter().enumerate() {
            let change = stage(&r, &mut other, o, n, 1_590_000_000_000 + n as u64 * 1_000);
            models.apply(&mut r, change, today());
        }
        let now = 1_590_000_000_000 + 9 * 86_400_000;
        // The app's way: the last export from the stored ledger, not read whole.
        let stored = duzhan::core::bundle::StoredLedger::from_text(Some(&ledger.to_meta().unwrap())).unwrap();
        prop_assert_eq!(Guardian::of(&models.changed, stored.last_export_ms(), now), guardian(&r, &ledger, now));
    }

    /// Each read model on its own, too: a model's update with docs of other kinds
    /// changes nothing and says so.
    #[test]
    fn an_update_says_whether_it_changed_the_model(seed in any::<u64>(), o in op()) {
        let mut r = start(seed);
        let mut other = Hlc::new(DeviceId("d-other".into()));
        let mut plan = r.snapshot();
        let mut field = FieldSnapshot::from_docs(r.docs());
        let mut reports = ReportSnapshot::from_docs(r.head_docs());
        let change = stage(&r, &mut other, &o, 0, 1_590_000_000_000);
        let ids: Vec<String> = change.docs.iter().map(|d| d.id.clone()).collect();
        r.apply(change);
        let changed: Vec<&Doc> = ids.iter().filter_map(|id| r.doc(id)).collect();
        let (p0, f0, q0) = (plan.clone(), field.clone(), reports.clone());
        let (p, f, q) = (plan.update(&r, &changed), field.update(&r, &changed), reports.update(&r, &changed));
        prop_assert!(p || plan == p0, "the plan changed but its update said not");
        prop_assert!(f || field == f0, "the field work changed but its update said not");
        prop_assert!(q || reports == q0, "the monthly cycle changed but its update said not");
    }

    /// The head is every doc but the bulk ones, in id order; what the head-built
    /// read models hold is what they would hold built from every doc.
    #[test]
    fn the_head_is_the_replica_without_the_bulk(seed in any::<u64>(), ops in prop::collection::vec(op(), 0..20)) {
        let mut r = start(seed);
        let mut other = Hlc::new(DeviceId("d-other".into()));
        for (n, o) in ops.iter().enumerate() {
            let c = stage(&r, &mut other, o, n, 1_590_000_000_000 + n as u64);
            r.apply(c);
        }
        let head: Vec<&str> = r.head_docs().map(|d| d.id.as_str()).collect();
        let want: Vec<&str> = r.docs().filter(|d| !is_bulk(&d.kind)).map(|d| d.id.as_str()).collect();
        prop_assert_eq!(head, want);
        prop_assert_eq!(Snapshot::from_docs(r.docs()), r.snapshot());
        prop_assert_eq!(ReportSnapshot::from_docs(r.docs()), ReportSnapshot::from_docs(r.head_docs()));
        let rebuilt = Replica::from_parts(r.docs().cloned().collect(), r.clock().clone());
        prop_assert_eq!(rebuilt.head_docs().count(), r.head_docs().count());
    }
}

#[test]
fn the_bulk_kinds_are_the_field_records() {
    assert_eq!(BULK_KINDS, [Visit::KIND, VisitAnswer::KIND, Problem::KIND, ProblemEvent::KIND, duzhan::core::fieldwork::photo::Photo::KIND]);
}

/// The same problem history the ledger index holds, for a status change to read.
#[test]
fn a_status_change_reads_the_problems_history_from_the_index() {
    let r = start(7);
    let models = ReadModels::build(&r, today());
    let ctx = models.stage(&r, today(), 1_590_000_000_000);
    let with_events: Vec<&Problem> = models.ledger.problems_with_events().filter(|(_, e)| !e.is_empty()).map(|(p, _)| p).collect();
    assert!(!with_events.is_empty(), "the generated campaign has problems with histories");
    for p in with_events {
        assert_eq!(&*ctx.events_of(&p.id), duzhan::core::fieldwork::problem::events_in(&r, &p.id).as_slice(), "{}", p.id);
    }
    // While the ledger is still being built, the replica is read.
    let building = ReadModels::without_ledger(&r, today());
    let ctx = building.stage(&r, today(), 1_590_000_000_000);
    assert!(ctx.ledger.is_none());
    let p = models.ledger.problems_with_events().find(|(_, e)| !e.is_empty()).map(|(p, _)| p.id.clone()).unwrap();
    assert_eq!(&*ctx.events_of(&p), duzhan::core::fieldwork::problem::events_in(&r, &p).as_slice());
}
