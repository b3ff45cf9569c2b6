//! The storage contract (存储契约): the behaviour every [`Store`] must have.
//!
//! Each check takes a factory that opens a handle on the *same* underlying
//! database, so "reopen" means what it means in a browser after a reload. The
//! native tests run it on [`MemoryStore`](super::MemoryStore); the browser tests
//! (wasm-bindgen-test, headless Chromium) run the same checks on IndexedDB and
//! localStorage. Checks panic on failure, which every test harness reports.

use super::boot::{self, META_CLOCK, META_DEVICE};
use super::{Store, SCHEMA_VERSION};
use crate::core::clock::{DeviceId, Stamp};
use crate::core::doc::Doc;
use crate::core::model::{Figure, MilestoneStatus};
use crate::core::seed;
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
    assert_eq!(r1.len(), seed::seed_docs().len());
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
    boot::commit_change(&s, &change).await.expect("commit");
    r.apply(change);
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
