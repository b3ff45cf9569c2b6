//! The storage contract (存储契约): the behaviour every [`Store`] must have.
//!
//! Each check takes a factory that opens a handle on the *same* underlying
//! database, so "reopen" means what it means in a browser after a reload. The
//! native tests run it on [`MemoryStore`](super::MemoryStore); the browser tests
//! (wasm-bindgen-test, headless Chromium) run the same checks on IndexedDB and
//! localStorage. Checks panic on failure, which every test harness reports.

use super::boot::{self, META_CLOCK, META_DEVICE};
use super::{Store, BULK_KINDS, BULK_PAGE, META_DOC_COUNT, SCHEMA_VERSION};
use crate::core::clock::{DeviceId, Stamp};
use crate::core::default_plan;
use crate::core::doc::Doc;
use crate::core::model::{Figure, MilestoneStatus};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use std::future::Future;

fn doc(id: &str, n: i64, text: &str) -> Doc {
    let mut m = Map::new();
    m.insert("n".into(), json!(n));
    m.insert("text".into(), Value::String(text.into()));
    let s = Stamp { wall: 1_600_000_000_000 + n as u64, n: 0, dev: DeviceId("d-test".into()) };
    Doc::edit(None, "test", id, m, &s).unwrap_or_else(|| unreachable!("a new doc always changes"))
}

fn sorted(mut d: Vec<Doc>) -> Vec<Doc> {
    d.sort_by(|a, b| a.id.cmp(&b.id));
    d
}

/// Runs every check. `open` must return a handle on one fresh, empty database.
pub async fn run_all<S: Store, F: Future<Output = S>>(open: impl Fn() -> F) {
    a_fresh_store_is_empty_and_unversioned(&open).await;
    committed_docs_and_meta_survive_a_reopen(&open).await;
    a_commit_replaces_docs_by_id_and_keeps_others(&open).await;
    text_of_any_script_and_size_round_trips(&open).await;
    a_large_batch_commits_in_one_piece(&open).await;
    first_boot_writes_the_default_and_a_device_id_once(&open).await;
    an_edit_committed_through_boot_survives_a_reopen(&open).await;
    clear_removes_everything(&open).await;
    two_handles_committing_conflicting_versions_both_survive(&open).await;
    a_commit_never_takes_back_what_is_stored(&open).await;
    the_doc_count_is_kept_by_every_commit(&open).await;
    one_meta_value_reads_back(&open).await;
    the_head_and_the_bulk_together_are_everything(&open).await;
    a_fast_open_then_the_rest_is_a_full_open(&open).await;
    docs_read_by_id_are_the_stored_ones(&open).await;
    photos_are_kept_by_their_address_apart_from_the_docs(&open).await;
}

/// A photo of `n` bytes, different for each `seed` (a JPEG's opening and ending
/// around filler: the store does not look inside).
fn photo_bytes(seed: u8, n: usize) -> (String, Vec<u8>) {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..n.saturating_sub(6)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b.extend([0xFF, 0xD9]);
    (crate::core::fieldwork::photo::photo_hash(&b), b)
}

/// Photo bytes (照片): kept under their address across a reopen, listed with
/// their lengths without the bytes, stored once however often put, refused in a
/// batch with any whose bytes do not match their address (nothing of it written),
/// removed one by one, cleared with everything; the docs never see them. A store
/// that cannot keep photos says so ([`StoreError::PhotosUnsupported`]) and keeps
/// nothing.
pub async fn photos_are_kept_by_their_address_apart_from_the_docs<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    use super::StoreError;
    let s = open().await;
    s.clear().await.expect("clear");
    let (a, b, c) = (photo_bytes(1, 1_000), photo_bytes(2, 1_048_576), photo_bytes(3, 7));
    if s.kind() == "localstorage" {
        assert_eq!(s.put_photos(std::slice::from_ref(&a)).await, Err(StoreError::PhotosUnsupported));
        assert_eq!(s.photo(&a.0).await.expect("read"), None);
        assert!(s.photo_index().await.expect("index").is_empty());
        return;
    }
    s.commit(&[doc("p-doc", 1, "a record")], &[]).await.expect("commit");
    s.put_photos(&[a.clone(), b.clone()]).await.expect("put");
    s.put_photos(std::slice::from_ref(&a)).await.expect("the same photo again");
    drop(s);
    let s = open().await;
    assert_eq!(s.photo(&a.0).await.expect("read").as_deref(), Some(a.1.as_slice()), "kept across a reopen");
    assert_eq!(s.photo(&b.0).await.expect("read").map(|x| x.len()), Some(1_048_576), "a photo at the cap");
    assert_eq!(s.photo(&c.0).await.expect("read"), None);
    let mut want = vec![(a.0.clone(), 1_000), (b.0.clone(), 1_048_576)];
    want.sort();
    assert_eq!(s.photo_index().await.expect("index"), want, "once each, with its length");
    let docs = s.load().await.expect("load").docs;
    assert_eq!(docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["p-doc"], "photos are not docs");
    // One photo whose bytes are not those of its address refuses the batch.
    let forged = (a.0.clone(), c.1.clone());
    assert!(matches!(s.put_photos(&[c.clone(), forged]).await, Err(StoreError::WriteFailed(_))));
    let over = photo_bytes(4, 1_048_577);
    assert!(matches!(s.put_photos(&[over.clone()]).await, Err(StoreError::WriteFailed(_))), "above the cap");
    assert_eq!(s.photo(&c.0).await.expect("read"), None, "nothing of a refused batch is written");
    assert_eq!(s.photo(&a.0).await.expect("read").as_deref(), Some(a.1.as_slice()), "the held photo is untouched");
    s.remove_photos(&[a.0.clone(), c.0.clone()]).await.expect("remove");
    assert_eq!(s.photo(&a.0).await.expect("read"), None);
    assert_eq!(s.photo_index().await.expect("index"), vec![(b.0.clone(), 1_048_576)]);
    s.clear().await.expect("clear");
    assert!(s.photo_index().await.expect("index").is_empty(), "clear removes photos");
    assert_eq!(s.photo(&b.0).await.expect("read"), None);
}

/// `load_ids` gives the stored state of each id asked for, head or bulk, wherever
/// its page is, and skips ids not stored.
pub async fn docs_read_by_id_are_the_stored_ones<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let mut docs: Vec<Doc> = (0..900).map(|i| doc_of(BULK_KINDS[i % BULK_KINDS.len()], &format!("b-{i:04}"), i as i64)).collect();
    docs.push(doc_of("target", "t-1", 1));
    s.commit(&docs, &[]).await.expect("commit");
    let edited_one = edited(&docs[450], "status", json!("已整改"), &stamp("d-b", 1_700_000_000_000));
    s.commit(std::slice::from_ref(&edited_one), &[]).await.expect("edit");
    let ids: Vec<String> = ["b-0000", "b-0450", "b-0899", "t-1", "b-9999", "a-none", "zz"].iter().map(|s| s.to_string()).collect();
    let got = sorted(open().await.load_ids(&ids).await.expect("load_ids"));
    assert_eq!(got, sorted(vec![docs[0].clone(), edited_one, docs[899].clone(), docs[900].clone()]), "{}", s.kind());
    assert_eq!(open().await.load_ids(&[]).await.expect("none"), Vec::<Doc>::new());
}

/// A doc of `kind` (for the head/bulk split).
fn doc_of(kind: &str, id: &str, n: i64) -> Doc {
    let d = doc(id, n, "内容");
    Doc { kind: kind.into(), ..d }
}

/// `load_head` reads meta and every doc but the bulk kinds, `load_bulk` the bulk
/// kinds — page by page where the store pages, so more than one page here — and
/// together they are what `load` reads. Counting, merging on write and returning
/// what is stored work the same for bulk docs.
pub async fn the_head_and_the_bulk_together_are_everything<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let head = vec![doc_of("target", "h-1", 1), doc_of("monthly_report", "h-2", 2)];
    let mut bulk: Vec<Doc> = (0..BULK_PAGE as i64 + 7).map(|i| doc_of(BULK_KINDS[i as usize % BULK_KINDS.len()], &format!("b-{i:06}"), i)).collect();
    let mut all = head.clone();
    all.extend(bulk.iter().cloned());
    // A fresh store has no recorded count: the first commit counts both sides.
    s.commit(&all, &[("k".into(), "v".into())]).await.expect("commit");
    let l = open().await.load().await.expect("load");
    assert_eq!(l.meta.get(META_DOC_COUNT).map(String::as_str), Some(all.len().to_string().as_str()), "{}", s.kind());
    assert_eq!(sorted(l.docs), sorted(all.clone()));
    let h = open().await.load_head().await.expect("load_head");
    assert_eq!(sorted(h.docs), head, "{}", s.kind());
    assert_eq!(h.meta, l.meta);
    let heard = std::cell::RefCell::new(Vec::new());
    assert_eq!(sorted(open().await.load_bulk(&|n| heard.borrow_mut().push(n)).await.expect("load_bulk")), sorted(bulk.clone()));
    let heard = heard.into_inner();
    assert!(heard.windows(2).all(|w| w[0] <= w[1]) && heard.last() == Some(&bulk.len()), "{}: progress {heard:?}", s.kind());
    // A stale copy of a bulk doc committed after an edit: both edits survive.
    let first = bulk[3].clone();
    let newer = edited(&first, "status", json!("已整改"), &stamp("d-a", 1_700_000_000_000));
    let other = edited(&first, "note", json!("另一台设备"), &stamp("d-b", 1_700_000_000_001));
    s.commit(std::slice::from_ref(&newer), &[]).await.expect("commit newer");
    let back = open().await.commit(std::slice::from_ref(&other), &[]).await.expect("commit other");
    assert_eq!(back, vec![Doc::merge(&newer, &other)]);
    bulk[3] = Doc::merge(&newer, &other);
    assert_eq!(sorted(open().await.load_bulk(&|_| {}).await.expect("load_bulk")), sorted(bulk.clone()));
    assert!(open().await.load_head().await.expect("load_head").docs.iter().all(|d| !super::is_bulk(&d.kind)));
    let l = open().await.load().await.expect("load");
    assert_eq!(l.meta.get(META_DOC_COUNT).map(String::as_str), Some(all.len().to_string().as_str()));
}

/// Opening from the head and then reading the rest gives the replica a full open
/// gives, and the rest is only bulk records.
pub async fn a_fast_open_then_the_rest_is_a_full_open<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let (r, _) = boot::open(&s, || DeviceId("d-fast".into())).await.expect("first open");
    let problems: Vec<Doc> = (0..30).map(|i| doc_of("problem", &format!("p-{i:03}"), i)).collect();
    let change = r.stage_merge(&problems);
    boot::commit_change(&s, change.clone()).await.expect("commit");
    let (full, full_info) = boot::open(&open().await, || unreachable!("the device exists")).await.expect("open");
    let again = open().await;
    let (mut head, info, rest) = boot::open_head(&again, || unreachable!("the device exists")).await.expect("open head");
    assert_eq!(rest, boot::Rest::Bulk { recorded: Some(full.len()), head: full.len() - 30 });
    assert_eq!(head.len(), full.len() - 30);
    assert!(head.docs().all(|d| !super::is_bulk(&d.kind)));
    assert_eq!(rest.expected(), Some(30));
    let heard = std::cell::Cell::new(0);
    let (bulk, missing) = boot::load_rest(&again, &rest, &|n| heard.set(n)).await.expect("rest");
    assert_eq!((bulk.len(), missing, heard.get()), (30, None, 30));
    boot::absorb(&mut head, bulk);
    assert_eq!(head.docs().collect::<Vec<_>>(), full.docs().collect::<Vec<_>>());
    assert_eq!(info, full_info);
}

fn stamp(dev: &str, wall: u64) -> Stamp {
    Stamp { wall, n: 0, dev: DeviceId(dev.into()) }
}

fn edited(prev: &Doc, field: &str, v: Value, s: &Stamp) -> Doc {
    let mut values = prev.values();
    values.insert(field.into(), v);
    Doc::edit(Some(prev), &prev.kind, &prev.id, values, s).unwrap_or_else(|| unreachable!("the value changed"))
}

/// Two tabs (two handles on one database) each stage an edit of the same record
/// from the same stale copy and commit one after the other: the second commit
/// must not overwrite the first. Both edits survive as merge defines: the later
/// value wins the field both wrote, the other stays visible as a concurrent value
/// (`alt`), and the field only the second tab wrote keeps its edit. The second
/// commit returns the merged doc, which is what its tab then shows.
pub async fn two_handles_committing_conflicting_versions_both_survive<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let tab_a = open().await;
    let tab_b = open().await;
    tab_a.clear().await.expect("clear");
    let base = doc("rec", 1, "原值");
    tab_a.commit(std::slice::from_ref(&base), &[]).await.expect("commit base");

    // Both tabs hold `base`. Tab A writes `text` later than tab B, tab B writes
    // `text` and `n`; B commits second, from its stale copy.
    let a = edited(&base, "text", json!("甲的修改"), &stamp("d-tab-a", 1_700_000_000_200));
    let b = edited(&edited(&base, "text", json!("乙的修改"), &stamp("d-tab-b", 1_700_000_000_100)), "n", json!(99), &stamp("d-tab-b", 1_700_000_000_101));
    let after_a = tab_a.commit(std::slice::from_ref(&a), &[]).await.expect("commit a");
    assert_eq!(after_a, vec![a.clone()], "{}: nothing else was stored", tab_a.kind());
    let after_b = tab_b.commit(std::slice::from_ref(&b), &[]).await.expect("commit b");

    let merged = Doc::merge(&a, &b);
    assert_eq!(after_b, vec![merged.clone()], "{}: the commit returns the stored merge", tab_b.kind());
    let l = open().await.load().await.expect("load");
    assert_eq!(l.docs, vec![merged.clone()], "{}: the later commit overwrote the earlier one", tab_b.kind());
    let values = merged.values();
    assert_eq!(values.get("text"), Some(&json!("甲的修改")), "the later write wins the field");
    assert_eq!(values.get("n"), Some(&json!(99)), "tab B's edit of another field survives");
    let conflicts = merged.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].field, "text");
    assert_eq!(conflicts[0].others.iter().map(|o| &o.v).collect::<Vec<_>>(), vec![&json!("乙的修改")], "the concurrent value is visible");
    // Committing either version again changes nothing (merge is idempotent).
    assert_eq!(tab_a.commit(std::slice::from_ref(&a), &[]).await.expect("again"), vec![merged.clone()]);
    assert_eq!(open().await.load().await.expect("load").docs, vec![merged]);
}

/// An older version of a doc (a stale tab's copy) committed after a newer one
/// leaves the newer one stored.
pub async fn a_commit_never_takes_back_what_is_stored<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let old = doc("x", 1, "旧");
    let new = edited(&old, "text", json!("新"), &stamp("d-test", 1_700_000_000_000));
    s.commit(std::slice::from_ref(&new), &[]).await.expect("commit new");
    let back = s.commit(std::slice::from_ref(&old), &[]).await.expect("commit old");
    assert_eq!(back, vec![new.clone()]);
    assert_eq!(open().await.load().await.expect("load").docs, vec![new]);
}

/// Schema v2: every commit records how many docs the store holds; a doc listed
/// twice in one commit is written (and returned, and counted) once.
pub async fn the_doc_count_is_kept_by_every_commit<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let count = |l: &super::Loaded| l.meta.get(META_DOC_COUNT).cloned();
    s.commit(&[doc("a", 1, "x"), doc("b", 2, "y"), doc("c", 3, "z")], &[]).await.expect("commit");
    assert_eq!(count(&open().await.load().await.expect("load")).as_deref(), Some("3"), "{}", s.kind());
    let twice = s.commit(&[doc("c", 4, "z2"), doc("d", 5, "w"), doc("d", 6, "w2")], &[]).await.expect("commit");
    assert_eq!(twice.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), vec!["c", "d"]);
    assert_eq!(twice[1], Doc::merge(&doc("d", 5, "w"), &doc("d", 6, "w2")));
    let l = open().await.load().await.expect("load");
    assert_eq!(count(&l).as_deref(), Some("4"));
    assert_eq!(l.docs.len(), 4);
    s.commit(&[], &[("k".into(), "v".into())]).await.expect("meta only");
    assert_eq!(count(&open().await.load().await.expect("load")).as_deref(), Some("4"));
}

pub async fn one_meta_value_reads_back<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    assert_eq!(s.meta("k").await, Ok(None));
    s.commit(&[doc("a", 1, "x")], &[("k".into(), "值".into())]).await.expect("commit");
    assert_eq!(open().await.meta("k").await, Ok(Some("值".into())));
    assert_eq!(open().await.meta("missing").await, Ok(None));
}

pub async fn a_fresh_store_is_empty_and_unversioned<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let l = s.load().await.expect("load");
    assert!(l.docs.is_empty(), "{} store not empty", s.kind());
    assert_eq!(l.schema_version(), Ok(None));
}

pub async fn committed_docs_and_meta_survive_a_reopen<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let docs = vec![doc("a", 1, "甲"), doc("b", 2, "乙")];
    s.commit(&docs, &[("k".into(), "值".into())]).await.expect("commit");
    let again = open().await;
    let l = again.load().await.expect("load");
    assert_eq!(l.meta.get("k").map(String::as_str), Some("值"));
    assert_eq!(l.schema_version(), Ok(Some(SCHEMA_VERSION)));
    assert_eq!(sorted(l.docs), sorted(docs));
}

pub async fn a_commit_replaces_docs_by_id_and_keeps_others<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    s.commit(&[doc("a", 1, "x"), doc("b", 2, "y")], &[("k".into(), "1".into())]).await.expect("commit");
    s.commit(&[doc("a", 3, "z")], &[("k".into(), "2".into())]).await.expect("commit");
    let l = open().await.load().await.expect("load");
    assert_eq!(sorted(l.docs), vec![doc("a", 3, "z"), doc("b", 2, "y")]);
    assert_eq!(l.meta.get("k").map(String::as_str), Some("2"));
}

pub async fn text_of_any_script_and_size_round_trips<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let long: String = "督战𠀀\u{0}\"\\'<>\n".repeat(2000);
    let d = doc("长-文本", 7, &long);
    s.commit(std::slice::from_ref(&d), &[]).await.expect("commit");
    let l = open().await.load().await.expect("load");
    assert_eq!(l.docs, vec![d]);
}

pub async fn a_large_batch_commits_in_one_piece<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let docs: Vec<Doc> = (0..1000).map(|i| doc(&format!("r{i:04}"), i, "问题描述")).collect();
    s.commit(&docs, &[]).await.expect("commit");
    let l = open().await.load().await.expect("load");
    assert_eq!(sorted(l.docs), docs);
}

pub async fn first_boot_writes_the_default_and_a_device_id_once<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let (r1, info1) = boot::open(&s, || DeviceId("d-first".into())).await.expect("boot");
    assert_eq!(r1.len(), default_plan::docs().len());
    assert_eq!(info1.device_id.as_str(), "d-first");
    let l = open().await.load().await.expect("load");
    assert_eq!(l.meta.get(META_DEVICE).map(String::as_str), Some("d-first"));
    assert!(l.meta.contains_key(META_CLOCK));
    // A second boot keeps the id and does not write the default again.
    let (r2, info2) = boot::open(&open().await, || DeviceId("d-second".into())).await.expect("boot");
    assert_eq!(info2.device_id.as_str(), "d-first");
    assert_eq!(r2.snapshot(), r1.snapshot());
}

pub async fn an_edit_committed_through_boot_survives_a_reopen<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.clear().await.expect("clear");
    let (mut r, _) = boot::open(&s, || DeviceId("d-edit".into())).await.expect("boot");
    let snap = r.snapshot();
    let mut fig: Figure = snap.latest_figure("seed-target-wuding").cloned().expect("seed figure");
    fig.id = "fig-new".into();
    fig.value = 2000.0;
    fig.measured_on = NaiveDate::from_ymd_opt(2020, 3, 1).expect("date");
    let mut ms = snap.milestone("seed-ms-02").cloned().expect("seed milestone");
    ms.status = MilestoneStatus::Done;
    let mut change = r.stage_save(&[fig], 1_700_000_000_000);
    change.docs.extend(r.stage_save(&[ms], 1_700_000_000_001).docs);
    let del = r.stage_delete(&["seed-target-xihe"], 1_700_000_000_002);
    change.docs.extend(del.docs);
    change.clock = del.clock;
    let stored = boot::commit_change(&s, change.clone()).await.expect("commit");
    assert_eq!(stored, change, "nothing else was stored, so the change is stored as staged");
    r.apply(stored);
    boot::set_squad_name(&s, "武定县督战小分队").await.expect("name");

    let (r2, info) = boot::open(&open().await, || DeviceId("d-other".into())).await.expect("reboot");
    let snap2 = r2.snapshot();
    assert_eq!(snap2.latest_figure("seed-target-wuding").map(|f| f.value), Some(2000.0));
    assert_eq!(snap2.milestone("seed-ms-02").map(|m| m.status), Some(MilestoneStatus::Done));
    assert!(snap2.target("seed-target-xihe").is_none(), "deleted target came back");
    assert!(r2.doc("seed-target-xihe").is_some_and(|d| d.is_deleted()), "tombstone was erased");
    assert_eq!(info.squad_name, "武定县督战小分队");
    assert_eq!(r2.clock(), r.clock());
}

pub async fn clear_removes_everything<S: Store, F: Future<Output = S>>(open: &impl Fn() -> F) {
    let s = open().await;
    s.commit(&[doc("a", 1, "x")], &[("k".into(), "v".into())]).await.expect("commit");
    s.clear().await.expect("clear");
    let l = open().await.load().await.expect("load");
    assert!(l.docs.is_empty());
    assert!(l.meta.is_empty());
}
