//! Algebraic promises of merge, over states that real devices can reach: devices
//! edit fields with their clocks and exchange whole docs in random orders.
//!
//! Default run: 1,000 cases per property. Long run:
//! `DUZHAN_PROPTEST_CASES=20000 cargo test --release --test merge_properties`.

use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::doc::Doc;
use proptest::prelude::*;
use serde_json::{json, Map};

fn cases() -> u32 {
    std::env::var("DUZHAN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

#[derive(Clone, Debug)]
enum Op {
    /// Device sets a field to a value at wall time `t`.
    Edit { dev: usize, field: usize, value: u8, t: u16 },
    /// Device deletes (or restores) the record.
    Delete { dev: usize, deleted: bool, t: u16 },
    /// Device `to` merges device `from`'s state.
    Sync { from: usize, to: usize },
}

const DEVICES: usize = 3;
const FIELDS: [&str; 3] = ["name", "figure", "status"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..DEVICES, 0..FIELDS.len(), 0u8..4, 0u16..50).prop_map(|(dev, field, value, t)| Op::Edit { dev, field, value, t }),
        1 => (0..DEVICES, any::<bool>(), 0u16..50).prop_map(|(dev, deleted, t)| Op::Delete { dev, deleted, t }),
        3 => (0..DEVICES, 0..DEVICES).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

/// Runs the ops; returns each device's final doc.
fn simulate(ops: &[Op]) -> Vec<Doc> {
    let mut clocks: Vec<Hlc> = (0..DEVICES).map(|i| Hlc::new(DeviceId(format!("d{i}")))).collect();
    let base = {
        let mut m = Map::new();
        for f in FIELDS {
            m.insert(f.into(), json!(0));
        }
        Doc::edit(None, "target", "t1", m, &duzhan::core::clock::Stamp::seed()).unwrap()
    };
    let mut docs: Vec<Doc> = vec![base; DEVICES];
    for op in ops {
        match *op {
            Op::Edit { dev, field, value, t } => {
                let stamp = clocks[dev].tick(t as u64);
                let mut m = docs[dev].values();
                m.remove("id");
                m.insert(FIELDS[field].into(), json!(value));
                if let Some(d) = Doc::edit(Some(&docs[dev]), "target", "t1", m, &stamp) {
                    docs[dev] = d;
                }
            }
            Op::Delete { dev, deleted, t } => {
                let stamp = clocks[dev].tick(t as u64);
                docs[dev] = docs[dev].set_deleted(deleted, &stamp);
            }
            Op::Sync { from, to } => {
                if let Some(s) = docs[from].last_change() {
                    clocks[to].observe(s);
                }
                docs[to] = Doc::merge(&docs[to], &docs[from]);
            }
        }
    }
    docs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn merge_is_commutative(ops in prop::collection::vec(op(), 0..40)) {
        let d = simulate(&ops);
        prop_assert_eq!(Doc::merge(&d[0], &d[1]), Doc::merge(&d[1], &d[0]));
    }

    #[test]
    fn merge_is_associative(ops in prop::collection::vec(op(), 0..40)) {
        let d = simulate(&ops);
        prop_assert_eq!(Doc::merge(&Doc::merge(&d[0], &d[1]), &d[2]), Doc::merge(&d[0], &Doc::merge(&d[1], &d[2])));
    }

    #[test]
    fn merging_the_same_state_twice_changes_nothing(ops in prop::collection::vec(op(), 0..40)) {
        let d = simulate(&ops);
        prop_assert_eq!(Doc::merge(&d[0], &d[0]), d[0].clone());
        let once = Doc::merge(&d[0], &d[1]);
        prop_assert_eq!(Doc::merge(&once, &d[1]), once.clone());
    }

    #[test]
    fn devices_that_saw_the_same_states_converge_whatever_the_order(ops in prop::collection::vec(op(), 0..40), order in Just(()).prop_perturb(|_, mut rng| { let mut v: Vec<usize> = (0..DEVICES).collect(); for i in (1..v.len()).rev() { let j = (rng.next_u32() as usize) % (i + 1); v.swap(i, j); } v })) {
        let d = simulate(&ops);
        let forward = d.iter().skip(1).fold(d[0].clone(), |acc, x| Doc::merge(&acc, x));
        let shuffled = order.iter().skip(1).fold(d[order[0]].clone(), |acc, &i| Doc::merge(&acc, &d[i]));
        prop_assert_eq!(forward, shuffled);
    }

    #[test]
    fn no_written_value_silently_disappears(ops in prop::collection::vec(op(), 0..40)) {
        // Every device's latest write to a field is either the merged winner, still
        // visible as a concurrent value, or was seen by a later writer of that field.
        let d = simulate(&ops);
        let all = d.iter().skip(1).fold(d[0].clone(), |acc, x| Doc::merge(&acc, x));
        for (name, f) in &all.fields {
            for dev_doc in &d {
                if let Some(mine) = dev_doc.fields.get(name) {
                    let s = &mine.s;
                    let visible = f.s == *s || f.alt.values().any(|a| a.s == *s) || f.seen.get(&s.dev).is_some_and(|seen| seen >= s) || f.s.dev == s.dev;
                    prop_assert!(visible, "lost write {:?} on {}", s, name);
                }
            }
        }
    }

    #[test]
    fn staging_owned_docs_stages_exactly_what_staging_borrowed_ones_does(ops in prop::collection::vec(op(), 0..40), have in 0..DEVICES, fresh in any::<bool>()) {
        // One replica holding a device's state (or nothing), the others' states incoming.
        let d = simulate(&ops);
        let mine = if fresh { vec![] } else { vec![d[have].clone()] };
        let replica = duzhan::core::replica::Replica::from_parts(mine, Hlc::new(DeviceId("d-r".into())));
        for incoming in &d {
            let docs = vec![incoming.clone()];
            prop_assert_eq!(replica.stage_merge_owned(docs.clone()), replica.stage_merge(&docs));
        }
    }
}
