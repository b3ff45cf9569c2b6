//! The bulk pages' write plan (`storage::pages`) against a model: random commit
//! batches (ids from an alphabet that orders differently in UTF-8 and UTF-16, new
//! and existing ids, edits from several devices) go through `plan` into a
//! simulated IndexedDB object store (keys ordered by UTF-16 code units, reads by
//! the same ranges the browser store uses), and after every batch:
//! - the pages hold exactly the model's docs (every doc merged, none lost or doubled);
//! - each page is stored under its first doc's id, its docs in key order, inside
//!   its key range (the pages partition the key space), none over `PAGE_MAX`;
//! - `plan` returned each incoming doc as stored and counted the new ones;
//! - `plan` given only the pages `pages_to_read` picks wrote what it writes given
//!   every page in range (the commit reads the picked ones).
//!
//! Default run: 64 cases. Long run: `DUZHAN_PROPTEST_CASES=2000 cargo test --release --test bulk_pages`.

use duzhan::core::clock::{DeviceId, Stamp};
use duzhan::core::doc::Doc;
use duzhan::storage::dedupe;
use duzhan::storage::pages::{decode, id_range, key_cmp, pack, pages_to_read, plan, PAGE_MAX, PAGE_TARGET};
use proptest::prelude::*;
use serde_json::{json, Map};
use std::cmp::Ordering;
use std::collections::BTreeMap;

fn cases() -> u32 {
    std::env::var("DUZHAN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64)
}

/// Characters whose UTF-8 and UTF-16 orders disagree (U+FFFD vs U+1F600).
const ALPHABET: [&str; 6] = ["a", "m", "z", "é", "\u{FFFD}", "😀"];

fn id(prefix: usize, n: u32) -> String {
    format!("{}{n:04}", ALPHABET[prefix])
}

fn doc(id: &str, dev: u8, wall: u16, value: u8) -> Doc {
    let mut m = Map::new();
    m.insert(format!("f{}", value % 3), json!(value));
    let s = Stamp { wall: 1_600_000_000_000 + u64::from(wall), n: 0, dev: DeviceId(format!("d{dev}")) };
    Doc::edit(None, "problem", id, m, &s).expect("a new doc")
}

/// A simulated object store: UTF-16 key -> (key, page text).
type Idb = BTreeMap<Vec<u16>, (String, Vec<u8>)>;

fn k16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// The keys `IdbStore::commit` lists: from the page holding the smallest id (the
/// greatest key not above it) to the largest id.
fn keys_in_range(db: &Idb, incoming: &[Doc]) -> Vec<String> {
    let Some((lo, hi)) = id_range(incoming) else { return Vec::new() };
    let start = db.range(..=k16(lo)).next_back().map(|(k, _)| k.clone()).unwrap_or_else(|| k16(lo));
    db.range(start..=k16(hi)).map(|(_, (k, _))| k.clone()).collect()
}

/// What `IdbStore::commit` reads: of the keys in range, only the pages
/// `pages_to_read` picks.
fn read_pages(db: &Idb, incoming: &[Doc]) -> Vec<(String, Vec<u8>)> {
    let keys = keys_in_range(db, incoming);
    pages_to_read(&keys, incoming).into_iter().map(|i| db[&k16(&keys[i])].clone()).collect()
}

/// Every page in range, as the commit read before it picked (the plan must not differ).
fn read_range(db: &Idb, incoming: &[Doc]) -> Vec<(String, Vec<u8>)> {
    keys_in_range(db, incoming).iter().map(|k| db[&k16(k)].clone()).collect()
}

fn check(db: &Idb, model: &BTreeMap<String, Doc>) -> Result<(), TestCaseError> {
    let keys: Vec<&String> = db.values().map(|(k, _)| k).collect();
    let mut all = BTreeMap::new();
    for (i, (key, text)) in db.values().enumerate() {
        let docs = decode(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!docs.is_empty() && docs.len() <= PAGE_MAX, "page {key} holds {}", docs.len());
        prop_assert_eq!(&docs[0].id, key);
        for w in docs.windows(2) {
            prop_assert_eq!(key_cmp(&w[0].id, &w[1].id), Ordering::Less);
        }
        if let Some(next) = keys.get(i + 1) {
            prop_assert_eq!(key_cmp(&docs[docs.len() - 1].id, next), Ordering::Less, "page {} reaches into {}", key, next);
        }
        for d in docs {
            prop_assert!(all.insert(d.id.clone(), d).is_none(), "an id in two pages");
        }
    }
    prop_assert_eq!(&all, model);
    Ok(())
}

#[derive(Clone, Debug)]
struct Edit {
    prefix: usize,
    n: u32,
    dev: u8,
    wall: u16,
    value: u8,
}

fn batch() -> impl Strategy<Value = Vec<Edit>> {
    // Mostly small batches (saves), sometimes large ones (imports) that split pages.
    let edit = (0..ALPHABET.len(), 0u32..600, 0u8..3, 0u16..1000, any::<u8>()).prop_map(|(prefix, n, dev, wall, value)| Edit { prefix, n, dev, wall, value });
    prop_oneof![3 => prop::collection::vec(edit.clone(), 1..6), 1 => prop::collection::vec(edit, 100..900)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn keys_compare_as_indexeddb_compares_them(a in "[a-z0-9é\u{E000}\u{FFFD}😀-]{0,6}", b in "[a-z0-9é\u{E000}\u{FFFD}😀-]{0,6}") {
        prop_assert_eq!(key_cmp(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        let c = format!("{a}{b}");
        prop_assert_eq!(key_cmp(&a, &c), a.encode_utf16().cmp(c.encode_utf16()));
    }

    #[test]
    fn pages_keep_every_doc_merged_in_order_and_in_range(batches in prop::collection::vec(batch(), 1..12)) {
        let mut db = Idb::new();
        let mut model: BTreeMap<String, Doc> = BTreeMap::new();
        for b in batches {
            let docs: Vec<Doc> = b.iter().map(|e| doc(&id(e.prefix, e.n), e.dev, e.wall, e.value)).collect();
            let incoming = dedupe(&docs);
            let pages = read_pages(&db, &incoming);
            let w = plan(&pages, incoming.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let whole = plan(&read_range(&db, &incoming), incoming.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!((&w.puts, &w.deletes, w.new, &w.stored), (&whole.puts, &whole.deletes, whole.new, &whole.stored), "the picked pages plan another write than the whole range");
            let mut new = 0;
            for d in &incoming {
                let merged = match model.get(&d.id) {
                    Some(m) => Doc::merge(m, d),
                    None => {
                        new += 1;
                        d.clone()
                    }
                };
                model.insert(d.id.clone(), merged);
            }
            prop_assert_eq!(w.new, new);
            prop_assert_eq!(w.stored.len(), incoming.len());
            for (s, d) in w.stored.iter().zip(&incoming) {
                prop_assert_eq!(Some(s), model.get(&d.id));
            }
            for k in &w.deletes {
                db.remove(&k16(k));
            }
            for (k, t) in w.puts {
                db.insert(k16(&k), (k, t));
            }
            check(&db, &model)?;
        }
    }
}

#[test]
fn a_commit_that_changes_nothing_writes_nothing() {
    let docs: Vec<Doc> = (0..500).map(|i| doc(&id(0, i), 0, 1, 1)).collect();
    let first = plan::<String>(&[], docs.clone()).expect("plan");
    assert_eq!(first.new, 500);
    assert_eq!(first.puts.len(), 500usize.div_ceil(PAGE_TARGET));
    let again = plan(&first.puts, docs.clone()).expect("plan");
    assert_eq!((again.new, again.puts.len(), again.deletes.len()), (0, 0, 0));
    assert_eq!(again.stored, docs);
}

#[test]
fn packed_texts_decode_to_the_docs_in_pages_of_the_target_size() {
    let docs: Vec<Doc> = (0..450).map(|i| doc(&id(1, i), 1, 2, 3)).collect();
    let texts: Vec<(String, String)> = docs.iter().map(|d| (d.id.clone(), serde_json::to_string(d).expect("json"))).collect();
    let pages = pack(&texts);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), vec![docs[0].id.as_str(), docs[200].id.as_str(), docs[400].id.as_str()]);
    let back: Vec<Doc> = pages.iter().flat_map(|(_, t)| decode(t).expect("decode")).collect();
    assert_eq!(back, docs);
}

#[test]
fn a_damaged_page_fails_the_commit_that_touches_it() {
    let d = doc(&id(0, 1), 0, 1, 1);
    let res = plan::<String>(&[(d.id.clone(), "[{not json".into())], vec![d]);
    assert!(matches!(res, Err(duzhan::storage::StoreError::Corrupt(_))), "{res:?}");
}

#[test]
fn a_clustered_import_reads_only_the_pages_it_lands_in() {
    // 100,000 stored docs (500 pages), then a squad's 2,000 docs: 1,000 edits of
    // one device's cluster at the start and 1,000 new ones past the end.
    let stored: Vec<Doc> = (0..100_000u32).map(|i| doc(&format!("p{i:06}"), 0, 1, 1)).collect();
    let texts: Vec<(String, String)> = stored.iter().map(|d| (d.id.clone(), serde_json::to_string(d).expect("json"))).collect();
    let mut db = Idb::new();
    for (k, t) in pack(&texts) {
        db.insert(k16(&k), (k, t));
    }
    assert_eq!(db.len(), 100_000 / PAGE_TARGET);
    let mut incoming: Vec<Doc> = (0..1_000u32).map(|i| doc(&format!("p{i:06}"), 1, 2, 2)).collect();
    incoming.extend((0..1_000u32).map(|i| doc(&format!("q{i:06}"), 1, 2, 2)));
    let keys = keys_in_range(&db, &incoming);
    assert_eq!(keys.len(), db.len(), "the range spans the whole store");
    let picked = pages_to_read(&keys, &incoming);
    assert_eq!(picked.len(), 1_000 / PAGE_TARGET + 1, "the edited pages and the last one: {picked:?}");
    let w = plan(&read_pages(&db, &incoming), incoming.clone()).expect("plan");
    assert_eq!(w.new, 1_000);
}

#[test]
fn an_id_below_every_key_reads_the_first_page() {
    let keys = ["b0001", "c0001", "d0001"];
    let below = [doc("a0001", 0, 1, 1)];
    assert_eq!(pages_to_read(&keys, &below), vec![0]);
    let mixed = [doc("a0001", 0, 1, 1), doc("c0002", 0, 1, 1), doc("c0003", 0, 1, 1), doc("z", 0, 1, 1)];
    assert_eq!(pages_to_read(&keys, &mixed), vec![0, 1, 2]);
    assert!(pages_to_read::<&str>(&[], &mixed).is_empty());
}
