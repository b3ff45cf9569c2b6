//! A randomized fuzz loop over the bundle importer that runs on the stable
//! toolchain (cargo-fuzz needs nightly; `fuzz/` holds the libFuzzer target).
//!
//! It mutates valid bundles — bit flips, interesting bytes, deleted, inserted and
//! duplicated ranges, truncations, splices of two bundles, and JSON-aware edits of
//! single values (edge numbers, odd strings, removed or added members, changed
//! kinds) — and imports each input as it is and with its checksum recomputed, so
//! the mutations reach validation and merge. It asserts: no panic, and a bundle
//! accepted once changes nothing the second time. Ignored by default:
//!
//! `DUZHAN_FUZZ_SECS=300 cargo test --release --test bundle_fuzz -- --ignored --nocapture`
//!
//! (`DUZHAN_FUZZ_SEED` picks the random seed; findings are written to
//! `target/bundle-fuzz-findings/`.)

mod bundle_support;
mod corpus_support;

use bundle_support::Device;
use corpus_support::seeds;
use duzhan::core::bundle::import::{preview, read_bundle};
use duzhan::core::bundle::receipt::read_receipt;
use duzhan::core::bundle::wire::reseal;
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::SyncLedger;
use duzhan::core::replica::Replica;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

fn limits() -> Limits {
    Limits { max_bytes: 1 << 20, max_records: 2_000, min_kdf_iterations: 1, ..Limits::default() }
}

/// Seeds: small and full bundles, concurrent edits (alt and seen), tombstones,
/// scoped and delta scopes, a receipt and an encrypted bundle.
const TOKENS: &[&str] = &[
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-1",
    "1e999",
    "0.5",
    "18446744073709551616",
    "\"_deleted\"",
    "\"alt\"",
    "\"seen\"",
    "\"kind\"",
    "\"figure\"",
    "\"target\"",
    "\"county\"",
    "\"id\"",
    "\"v\"",
    "\"s\"",
    "\"wall\"",
    "\"dev\"",
    "\\u0000",
    "\\ud800",
    "中",
    "<script>",
];

fn odd_value(r: &mut Rng) -> Value {
    match r.below(16) {
        0 => json!(null),
        1 => json!(true),
        2 => json!(-1),
        3 => json!(u64::MAX),
        4 => json!(1e308),
        5 => json!(-0.0),
        6 => json!(""),
        7 => json!("x".repeat(r.below(70_000))),
        8 => json!("<script>alert(1)</script>"),
        9 => json!("2020-02-30"),
        10 => json!([]),
        11 => json!({}),
        12 => json!("seed-county-wuding"),
        13 => json!({"type": "target", "id": "seed-target-xiaohe"}),
        14 => json!({"dev": "d-z", "n": 0, "wall": 5}),
        _ => json!(r.next() % 10_000),
    }
}

/// Collects JSON pointers of every node (bounded, to keep big seeds cheap).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    if out.len() > 20_000 {
        return;
    }
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn mutate_json(v: &mut Value, r: &mut Rng) {
    let mut ps = Vec::new();
    pointers(v, String::new(), &mut ps);
    let p = ps[r.below(ps.len())].clone();
    let (parent, last) = match p.rfind('/') {
        Some(i) => (p[..i].to_owned(), p[i + 1..].to_owned()),
        None => (String::new(), String::new()),
    };
    match r.below(6) {
        0 | 1 => {
            if let Some(n) = v.pointer_mut(&p) {
                *n = odd_value(r);
            }
        }
        2 => {
            if let Some(par) = v.pointer_mut(&parent) {
                match par {
                    Value::Object(m) => {
                        m.remove(&last);
                    }
                    Value::Array(a) => {
                        if let Ok(i) = last.parse::<usize>() {
                            if i < a.len() {
                                a.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        3 => {
            if let Some(Value::Array(a)) = v.pointer_mut(&parent) {
                if !a.is_empty() {
                    let x = a[r.below(a.len())].clone();
                    a.push(x);
                }
            } else if let Some(Value::Object(m)) = v.pointer_mut(&parent) {
                m.insert(["_deleted", "alt", "seen", "extra", "v", "s"][r.below(6)].to_owned(), odd_value(r));
            }
        }
        4 => {
            // Swap two values of the same document anywhere: ids, stamps, kinds.
            let q = ps[r.below(ps.len())].clone();
            if !p.starts_with(&q) && !q.starts_with(&p) {
                let a = v.pointer(&p).cloned();
                let b = v.pointer(&q).cloned();
                if let (Some(a), Some(b)) = (a, b) {
                    if let Some(x) = v.pointer_mut(&p) {
                        *x = b;
                    }
                    if let Some(x) = v.pointer_mut(&q) {
                        *x = a;
                    }
                }
            }
        }
        _ => {
            if let Some(Value::Number(n)) = v.pointer(&p).cloned() {
                let x = n.as_u64().unwrap_or(0);
                if let Some(slot) = v.pointer_mut(&p) {
                    *slot = json!(x.wrapping_add(r.next() % 3).wrapping_sub(1));
                }
            } else if let Some(Value::String(s)) = v.pointer_mut(&p) {
                s.push_str(["", "x", "-", " ", "中", "\u{0}", "../"][r.below(7)]);
            }
        }
    }
}

fn mutate(seed: &[u8], other: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    let rounds = 1 + r.below(3);
    for _ in 0..rounds {
        if b.is_empty() {
            b.push(b'{');
        }
        match r.below(9) {
            0 => {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
            1 => {
                let i = r.below(b.len());
                b[i] = [b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'e', b'.', 0, 0xff, 0xc3, b' '][r.below(16)];
            }
            2 => {
                let i = r.below(b.len());
                let n = (1 + r.below(16)).min(b.len() - i);
                b.drain(i..i + n);
            }
            3 => {
                let i = r.below(b.len() + 1);
                let t = TOKENS[r.below(TOKENS.len())].as_bytes();
                b.splice(i..i, t.iter().copied());
            }
            4 => {
                let i = r.below(b.len());
                let n = (1 + r.below(64)).min(b.len() - i);
                let dup: Vec<u8> = b[i..i + n].to_vec();
                b.splice(i..i, dup);
            }
            5 => {
                let n = r.below(b.len());
                b.truncate(n);
            }
            6 => {
                let i = r.below(b.len());
                let j = r.below(other.len().max(1));
                b.truncate(i);
                b.extend_from_slice(other.get(j..).unwrap_or_default());
            }
            _ => {
                if let Ok(mut v) = serde_json::from_slice::<Value>(&b) {
                    mutate_json(&mut v, r);
                    b = if r.chance(8) { serde_json::to_vec_pretty(&v).unwrap() } else { serde_json::to_vec(&v).unwrap() };
                }
            }
        }
    }
    b
}

/// Imports an input; returns the outcome code. Panics on a broken invariant.
fn exercise(bytes: &[u8], replica: &Replica, l: &Limits) -> &'static str {
    let ledger = SyncLedger::default();
    let b = match read_bundle(bytes, Some("pw"), l) {
        Ok(b) => b,
        Err(e) => return e.code(),
    };
    let p = match preview(b, replica, &ledger, 0) {
        Ok(p) => p,
        Err(e) => return e.code(),
    };
    let mut after = replica.clone();
    after.apply(p.change);
    let again = preview(read_bundle(bytes, Some("pw"), l).expect("accepted once, read again"), &after, &ledger, 0).expect("accepted once, accepted again");
    assert!(again.change.is_empty(), "importing twice changed {} docs", again.change.docs.len());
    "ok"
}

#[test]
#[ignore]
fn fuzz_the_importer_with_mutated_bundles() {
    let secs: u64 = std::env::var("DUZHAN_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let seed: u64 = std::env::var("DUZHAN_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_d0c5);
    let mut r = Rng(seed | 1);
    let seeds = seeds();
    let office = Device::fresh("d-office").replica;
    let l = limits();
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut findings = Vec::new();
    let start = Instant::now();
    let mut execs = 0u64;
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bundle-fuzz-findings");
    std::panic::set_hook(Box::new(|_| {}));
    while start.elapsed() < Duration::from_secs(secs) {
        let s = &seeds[r.below(seeds.len())];
        let o = &seeds[r.below(seeds.len())];
        let input = mutate(s, o, &mut r);
        let mut variants = vec![("raw", input.clone())];
        if let Some(sealed) = std::str::from_utf8(&input).ok().and_then(reseal) {
            variants.push(("resealed", sealed));
        }
        for (how, bytes) in variants {
            execs += 1;
            let res = catch_unwind(AssertUnwindSafe(|| {
                let _ = read_receipt(&bytes, &l);
                exercise(&bytes, &office, &l)
            }));
            match res {
                Ok(code) => *outcomes.entry(format!("{how}:{code}")).or_default() += 1,
                Err(p) => {
                    let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
                    std::fs::create_dir_all(&dir).ok();
                    let path = dir.join(format!("finding-{}.json", findings.len()));
                    std::fs::write(&path, &bytes).ok();
                    findings.push(format!("{}: {msg}", path.display()));
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    let took = start.elapsed().as_secs_f64();
    println!("bundle fuzz: {execs} executions in {took:.0} s ({:.0}/s), seed {seed}", execs as f64 / took);
    for (k, n) in &outcomes {
        println!("  {k:<32} {n}");
    }
    assert!(findings.is_empty(), "{} findings:\n{}", findings.len(), findings.join("\n"));
}
