//! Algebraic promises of sync by files, over datasets that real devices reach:
//! three devices start from the embedded default (its campaign, phases,
//! milestones, departments, counties, targets and figures: people, assignments and
//! the checklist only add bytes to every bundle here, and `bundle_roundtrip` covers
//! how they travel), make random entity edits
//! (rename, new figures, figure edits, deletes, restores) through the replica's
//! staging API, and exchange full, delta and scoped bundles and receipts.
//!
//! - every bundle imports wherever it goes, in any order (bundles carry what their
//!   records refer to);
//! - devices and an observer that have seen the same bundles hold the same data,
//!   whatever the order (identical canonical state hash);
//! - importing a bundle twice changes nothing;
//! - export, then import into an empty device, gives the identical state hash,
//!   for any figure value (every double from 0 to `validate::MAX_FIGURE`) and any text;
//! - with full and delta bundles only, a delta against what the recipient is known
//!   to hold brings it up to date with the sender.
//!
//! Default run: 1,000 cases per property. Long run:
//! `DUZHAN_PROPTEST_CASES=10000 cargo test --release --test bundle_properties`.

mod bundle_support;

use bundle_support::Device;
use duzhan::core::bundle::receipt::{apply_receipt, make_receipt_signed, read_receipt, ReceiptRequest};
use duzhan::core::bundle::ExportScope;
use duzhan::core::clock::DeviceId;
use duzhan::core::doc::Entity;
use duzhan::core::model::{Figure, Target};
use duzhan::core::replica::Change;
use duzhan::core::validate::MAX_FIGURE;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("DUZHAN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

const DEVICES: usize = 3;
const TARGETS: [&str; 4] = ["seed-target-xiaohe", "seed-target-gantang", "seed-target-wuding", "seed-target-qixian"];
const COUNTIES: [&str; 2] = ["seed-county-wuding", "seed-county-yuanmou"];

#[derive(Clone, Debug)]
enum Op {
    Rename { dev: usize, target: usize, name: u8, t: u16 },
    AddFigure { dev: usize, target: usize, value: u16, t: u16 },
    EditFigure { dev: usize, nth: usize, value: u16, t: u16 },
    Delete { dev: usize, nth: usize, t: u16 },
    Restore { dev: usize, nth: usize, t: u16 },
    Send { from: usize, to: usize, how: How, t: u16 },
    Ack { of: usize, by: usize },
}

#[derive(Clone, Copy, Debug)]
enum How {
    Full,
    /// Delta against what the recipient is known to hold (acknowledged).
    DeltaKnown,
    /// Delta against what was sent to it (optimistic).
    DeltaSent,
    DeltaSince(u16),
    ScopedCounty(usize),
    ScopedTarget(usize),
}

fn how(all: bool) -> BoxedStrategy<How> {
    if all {
        prop_oneof![
            Just(How::Full),
            Just(How::DeltaKnown),
            Just(How::DeltaSent),
            (0u16..200).prop_map(How::DeltaSince),
            (0..COUNTIES.len()).prop_map(How::ScopedCounty),
            (0..TARGETS.len()).prop_map(How::ScopedTarget),
        ]
        .boxed()
    } else {
        prop_oneof![Just(How::Full), Just(How::DeltaKnown), Just(How::DeltaSent)].boxed()
    }
}

fn op(all: bool) -> impl Strategy<Value = Op> {
    let d = 0..DEVICES;
    prop_oneof![
        3 => (d.clone(), 0..TARGETS.len(), any::<u8>(), 0u16..200).prop_map(|(dev, target, name, t)| Op::Rename { dev, target, name: name % 4, t }),
        2 => (d.clone(), 0..TARGETS.len(), 0u16..5000, 0u16..200).prop_map(|(dev, target, value, t)| Op::AddFigure { dev, target, value, t }),
        2 => (d.clone(), any::<usize>(), 0u16..5000, 0u16..200).prop_map(|(dev, nth, value, t)| Op::EditFigure { dev, nth, value, t }),
        1 => (d.clone(), any::<usize>(), 0u16..200).prop_map(|(dev, nth, t)| Op::Delete { dev, nth, t }),
        1 => (d.clone(), any::<usize>(), 0u16..200).prop_map(|(dev, nth, t)| Op::Restore { dev, nth, t }),
        4 => (d.clone(), d.clone(), how(all), 0u16..200).prop_map(|(from, to, how, t)| Op::Send { from, to, how, t }),
        1 => (d.clone(), d).prop_map(|(of, by)| Op::Ack { of, by }),
    ]
}

/// The part of the embedded default the simulated devices start from.
fn base() -> Vec<duzhan::core::doc::Doc> {
    static BASE: std::sync::OnceLock<Vec<duzhan::core::doc::Doc>> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let keep = ["campaign", "phase", "milestone", "department", "county", "target", "figure"];
        duzhan::core::default_plan::docs().into_iter().filter(|d| keep.contains(&d.kind.as_str())).collect()
    })
    .clone()
}

fn fresh(id: &str) -> Device {
    Device::with_docs(id, base()).signed()
}

fn dev_id(i: usize) -> DeviceId {
    DeviceId(format!("d-{i}"))
}

/// The nth doc (cyclically) among those passing a filter.
fn nth_id(d: &Device, nth: usize, keep: impl Fn(&duzhan::core::doc::Doc) -> bool) -> Option<String> {
    let ids: Vec<&str> = d.replica.docs().filter(|x| keep(x)).map(|x| x.id.as_str()).collect();
    (!ids.is_empty()).then(|| ids[nth % ids.len()].to_owned())
}

/// Runs the ops; returns the devices and every bundle made, in order.
fn simulate(ops: &[Op]) -> (Vec<Device>, Vec<Vec<u8>>) {
    let mut devs: Vec<Device> = (0..DEVICES).map(|i| fresh(&dev_id(i).0)).collect();
    let mut bundles = Vec::new();
    for op in ops {
        match *op {
            Op::Rename { dev, target, name, t } => {
                let r = &devs[dev].replica;
                let Some(doc) = r.doc(TARGETS[target]) else { continue };
                let Ok(mut e) = Target::from_doc(doc) else { continue };
                e.name = format!("名称{name}");
                let c = r.stage_save(&[e], t as u64);
                devs[dev].replica.apply(c);
            }
            Op::AddFigure { dev, target, value, t } => {
                let r = &devs[dev].replica;
                let id = r.new_id("fig", t as u64);
                let f = Figure { id, target_id: TARGETS[target].into(), measured_on: bundle_support::date(), value: value as f64, source: "核查".into() };
                let c = r.stage_save(&[f], t as u64);
                devs[dev].replica.apply(c);
            }
            Op::EditFigure { dev, nth, value, t } => {
                let Some(id) = nth_id(&devs[dev], nth, |x| x.kind == Figure::KIND) else { continue };
                let r = &devs[dev].replica;
                let Some(Ok(mut f)) = r.doc(&id).map(Figure::from_doc) else { continue };
                f.value = value as f64;
                let c = r.stage_save(&[f], t as u64);
                devs[dev].replica.apply(c);
            }
            Op::Delete { dev, nth, t } => {
                // Everything but the campaign, whose record says whose data this is.
                let Some(id) = nth_id(&devs[dev], nth, |x| x.kind != "campaign" && !x.is_deleted()) else { continue };
                let c = devs[dev].replica.stage_delete(&[id.as_str()], t as u64);
                devs[dev].replica.apply(c);
            }
            Op::Restore { dev, nth, t } => {
                let Some(id) = nth_id(&devs[dev], nth, |x| x.is_deleted()) else { continue };
                let r = &devs[dev].replica;
                let mut clock = r.clock().clone();
                let stamp = clock.tick(t as u64);
                let Some(doc) = r.doc(&id) else { continue };
                let c = Change { docs: vec![doc.set_deleted(false, &stamp)], clock };
                devs[dev].replica.apply(c);
            }
            Op::Send { from, to, how, t } => {
                if from == to {
                    continue;
                }
                let to_id = dev_id(to);
                let scope = match how {
                    How::Full => ExportScope::Full,
                    How::DeltaKnown => ExportScope::Delta { known: devs[from].ledger.known_by(&to_id) },
                    How::DeltaSent => ExportScope::Delta { known: devs[from].ledger.sent_to(&to_id) },
                    How::DeltaSince(s) => ExportScope::DeltaSinceMs(s as u64),
                    How::ScopedCounty(c) => ExportScope::Scoped { county_ids: vec![COUNTIES[c].into()], target_ids: vec![] },
                    How::ScopedTarget(x) => ExportScope::Scoped { county_ids: vec![], target_ids: vec![TARGETS[x].into()] },
                };
                let file = devs[from].export(scope, 1000 + t as u64);
                if let Err(e) = devs[to].import(&file.bytes) {
                    panic!("a bundle ({how:?}) was refused: {e:?}");
                }
                bundles.push(file.bytes);
            }
            Op::Ack { of, by } => {
                if of == by {
                    continue;
                }
                let req = ReceiptRequest {
                    for_device: Some(dev_id(of)),
                    squad_name: "州扶贫办".into(),
                    created_ms: 5,
                    date: bundle_support::date(),
                    receipt_id: [by as u8; 16],
                };
                let Ok(r) = make_receipt_signed(&devs[by].replica, &devs[by].ledger, &req, devs[by].key.as_ref()) else { continue };
                let receipt = read_receipt(&r.bytes, &bundle_support::test_limits()).expect("own receipt reads");
                let out = apply_receipt(&receipt, &devs[of].replica, &devs[of].ledger).expect("receipt applies");
                devs[of].ledger = out.ledger;
            }
        }
    }
    (devs, bundles)
}

/// Deterministic shuffle from a seed (Fisher–Yates over xorshift).
fn shuffled<T: Clone>(v: &[T], mut seed: u64) -> Vec<T> {
    let mut v = v.to_vec();
    seed |= 1;
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn devices_and_an_observer_that_saw_the_same_bundles_hold_the_same_data_in_any_order(ops in prop::collection::vec(op(true), 0..24), order: u64) {
        let (mut devs, mut bundles) = simulate(&ops);
        // Full bundles along a random chain p0 → p1 → p2, then p2 (now holding
        // everything) → p0 and p1: each device merges in its own order.
        let p = shuffled(&(0..DEVICES).collect::<Vec<_>>(), order);
        let mut fulls = Vec::new();
        for (from, to) in [(p[0], p[1]), (p[1], p[2]), (p[2], p[0]), (p[2], p[1])] {
            let f = devs[from].export(ExportScope::Full, 9000).bytes;
            devs[to].import(&f).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            fulls.push(f);
        }
        let h = devs[0].hash();
        for d in &devs {
            prop_assert_eq!(&d.hash(), &h);
        }
        // An observer takes every bundle ever made, in yet another order, and ends
        // where the devices ended by their own paths.
        bundles.extend(fulls);
        let mut o = fresh("d-observer");
        for b in shuffled(&bundles, order.rotate_left(17)) {
            o.import(&b).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        }
        prop_assert_eq!(o.hash(), h);
    }

    #[test]
    fn a_batch_of_every_bundle_in_any_order_is_importing_them_one_by_one(ops in prop::collection::vec(op(true), 0..24), order: u64, again in 0..3usize) {
        let (_, bundles) = simulate(&ops);
        let mut one_by_one = fresh("d-observer");
        for b in &bundles {
            one_by_one.import(b).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        }
        // The same files in another order, some chosen twice, as one batch.
        let shuffled_bundles = shuffled(&bundles, order);
        let mut chosen: Vec<&[u8]> = shuffled_bundles.iter().map(|b| b.as_slice()).collect();
        if let Some(first) = chosen.first().copied() {
            for _ in 0..again {
                chosen.push(first);
            }
        }
        let mut batch = fresh("d-observer");
        let (files, done) = batch.import_batch(&chosen).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(files.iter().all(|f| f.outcome.code() == "bundle"), "{files:?}");
        prop_assert_eq!(done.bundles, bundles.len());
        prop_assert_eq!(batch.hash(), one_by_one.hash());
        prop_assert_eq!(&batch.ledger, &one_by_one.ledger);
        prop_assert_eq!(batch.replica.clock(), one_by_one.replica.clock());
        // And the batch again changes nothing.
        let (files, again) = batch.import_batch(&chosen).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(again.records_written, 0);
        prop_assert!(files.iter().all(|f| matches!(&f.outcome, duzhan::core::bundle::batch::Outcome::Bundle(s) if s.already_imported.is_some())));
    }

    #[test]
    fn with_the_clock_guard_devices_that_saw_the_same_bundles_still_hold_the_same_data(ops in prop::collection::vec(op(true), 0..16), ahead_days in 0u64..4, order: u64) {
        const DAY: u64 = duzhan::core::clock::CLOCK_SLACK_MS;
        let (_, mut bundles) = simulate(&ops);
        // A tablet whose clock runs some days ahead edits and exports; so does one
        // whose clock is right but which received the fast tablet's edit.
        let mut fast = fresh("d-fast");
        let wall = ahead_days * DAY + 500;
        let Some(doc) = fast.replica.doc(TARGETS[0]) else { return Err(TestCaseError::fail("target")) };
        let mut t = Target::from_doc(doc).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        t.name = "快钟".into();
        let c = fast.replica.stage_save(&[t], wall);
        fast.replica.apply(c);
        bundles.push(fast.export(ExportScope::Full, wall).bytes);
        let now = 10_000; // the observers' clock: after every other stamp here
        let refused = wall > now + DAY;
        let mut observers = [fresh("d-o1"), fresh("d-o2")];
        let mut outcomes = Vec::new();
        for (i, o) in observers.iter_mut().enumerate() {
            let mut out = std::collections::BTreeMap::new();
            for b in shuffled(&bundles, order.rotate_left(i as u32 * 13)) {
                let r = o.import_at(&b, now).map(|_| ()).map_err(|e| e.code());
                out.insert(b.clone(), r);
            }
            outcomes.push(out);
        }
        prop_assert_eq!(&outcomes[0], &outcomes[1], "each file's outcome is its own, in any order");
        let fast_file = bundles.last().cloned().unwrap_or_default();
        prop_assert_eq!(outcomes[0][&fast_file].clone(), if refused { Err("clock_ahead") } else { Ok(()) });
        prop_assert!(outcomes[0].iter().filter(|(f, _)| **f != fast_file).all(|(_, r)| r.is_ok()));
        prop_assert_eq!(observers[0].hash(), observers[1].hash());
        prop_assert!(observers[0].replica.clock().wall <= now + DAY, "no observer's clock was dragged ahead");
    }

    #[test]
    fn importing_any_bundle_a_second_time_changes_nothing(ops in prop::collection::vec(op(true), 0..24)) {
        let (_, bundles) = simulate(&ops);
        let mut o = fresh("d-observer");
        for b in &bundles {
            o.import(b).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let again = o.preview(b).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert!(again.change.is_empty());
            prop_assert_eq!(again.already_imported, Some(duzhan::core::bundle::import::AlreadyImported::SameBundle));
        }
    }

    #[test]
    fn export_then_import_into_an_empty_device_gives_the_identical_state(ops in prop::collection::vec(op(true), 0..24), who in 0..DEVICES) {
        let (mut devs, _) = simulate(&ops);
        let file = devs[who].export(ExportScope::Full, 9000);
        let mut e = Device::empty("d-empty");
        e.import(&file.bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(e.hash(), devs[who].hash());
    }

    #[test]
    fn any_figure_value_and_text_survive_export_and_import_bit_for_bit(value in 0.0f64..=MAX_FIGURE, tiny in any::<f64>().prop_filter("a figure (0 to the bound)", |v| v.is_finite() && *v >= 0.0 && *v <= MAX_FIGURE), text in "\\PC{0,40}") {
        let mut a = fresh("d-a");
        let figs: Vec<Figure> = [value, tiny].iter().enumerate().map(|(i, v)| Figure { id: format!("fig-{i}"), target_id: TARGETS[0].into(), measured_on: bundle_support::date(), value: *v, source: text.clone() }).collect();
        let c = a.replica.stage_save(&figs, 7);
        a.replica.apply(c);
        let file = a.export(ExportScope::Full, 8);
        let mut e = Device::empty("d-e");
        e.import(&file.bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(e.hash(), a.hash());
        for f in &figs {
            let got = Figure::from_doc(e.replica.doc(&f.id).expect("imported")).expect("decodes");
            prop_assert_eq!(got.value.to_bits(), f.value.to_bits());
            prop_assert_eq!(&got.source, &text);
        }
    }

    #[test]
    fn a_delta_against_what_the_recipient_holds_brings_it_up_to_date(ops in prop::collection::vec(op(false), 0..24), from in 0..DEVICES, step in 1..DEVICES) {
        let to = (from + step) % DEVICES;
        let (mut devs, _) = simulate(&ops);
        let known = devs[from].ledger.known_by(&dev_id(to));
        let file = devs[from].export(ExportScope::Delta { known }, 9000);
        devs[to].import(&file.bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        // Everything the sender holds is now at the recipient: a full bundle adds nothing.
        let full = devs[from].export(ExportScope::Full, 9001);
        let p = devs[to].preview(&full.bytes).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(p.change.docs.is_empty(), "the delta missed {:?}", p.change.docs.iter().map(|d| &d.id).collect::<Vec<_>>());
    }
}
