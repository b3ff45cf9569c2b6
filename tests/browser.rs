//! The browser stores in headless Chromium (wasm-bindgen-test): the shared
//! storage contract on IndexedDB and on localStorage, plus the failures only a
//! real browser can produce — an aborted transaction, a full localStorage, a
//! newer database version, damaged stored data.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --no-default-features --test browser`
#![cfg(target_arch = "wasm32")]

use duzhan::core::clock::{DeviceId, Stamp};
use duzhan::core::doc::Doc;
use duzhan::storage::contract;
use duzhan::storage::idb::IdbStore;
use duzhan::storage::local::LocalStore;
use duzhan::storage::{Loaded, Store, StoreError};
use idb::{Factory, TransactionMode};
use js_sys::Promise;
use serde_json::{json, Map};
use std::future::{poll_fn, Future, IntoFuture};
use std::pin::Pin;
use std::task::Poll;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A name no earlier run used (the browser profile may be reused).
fn unique(what: &str) -> String {
    format!("duzhan-test-{what}-{}", js_sys::Date::now())
}

fn doc(id: &str, n: i64, text: &str) -> Doc {
    let mut m = Map::new();
    m.insert("n".into(), json!(n));
    m.insert("text".into(), json!(text));
    let s = Stamp { wall: 1_600_000_000_000 + n as u64, n: 0, dev: DeviceId("d-browser".into()) };
    Doc::edit(None, "test", id, m, &s).expect("a new doc")
}

fn sorted(mut l: Loaded) -> Loaded {
    l.docs.sort_by(|a, b| a.id.cmp(&b.id));
    l
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().expect("window").local_storage().expect("access").expect("localStorage")
}

#[wasm_bindgen_test]
async fn indexeddb_meets_the_storage_contract() {
    let name = unique("contract");
    IdbStore::delete_database(&name).await.expect("delete");
    let name = name.as_str();
    contract::run_all(|| async move { IdbStore::open(name).await.expect("open") }).await;
    IdbStore::delete_database(name).await.expect("delete");
}

#[wasm_bindgen_test]
async fn localstorage_meets_the_storage_contract() {
    let prefix = unique("contract");
    let prefix = prefix.as_str();
    contract::run_all(|| async move { LocalStore::open(prefix).expect("open") }).await;
    LocalStore::open(prefix).expect("open").clear().await.expect("clear");
}

#[wasm_bindgen_test]
async fn an_aborted_indexeddb_commit_leaves_the_store_as_before() {
    let name = unique("abort");
    let s = IdbStore::open(&name).await.expect("open");
    let first: Vec<Doc> = (0..1000).map(|i| doc(&format!("r{i:04}"), i, "旧")).collect();
    s.commit(&first, &[("k".into(), "1".into())]).await.expect("commit");
    let before = sorted(s.load().await.expect("load"));

    // 1000 replaced docs, 1000 new ones and a meta value, all queued, then a
    // request in the same transaction fails.
    let second: Vec<Doc> = (0..2000).map(|i| doc(&format!("r{i:04}"), i + 5000, "新")).collect();
    s.fail_next_commit();
    let res = s.commit(&second, &[("k".into(), "2".into())]).await;
    assert!(matches!(&res, Err(StoreError::WriteFailed(m)) if m.contains("ConstraintError")), "{res:?}");
    assert_eq!(sorted(IdbStore::open(&name).await.expect("reopen").load().await.expect("load")), before);

    // The same commit, not aborted, lands whole.
    s.commit(&second, &[("k".into(), "2".into())]).await.expect("commit");
    let after = sorted(IdbStore::open(&name).await.expect("reopen").load().await.expect("load"));
    assert_eq!(after.docs, second);
    assert_eq!(after.meta.get("k").map(String::as_str), Some("2"));
    drop(s);
    IdbStore::delete_database(&name).await.expect("delete");
}

#[wasm_bindgen_test]
async fn a_database_upgraded_by_a_newer_build_is_refused_and_left_alone() {
    let name = unique("newer");
    let db = Factory::new().expect("factory").open(&name, Some(2)).expect("open v2").await.expect("v2");
    db.close();
    let res = IdbStore::open(&name).await.map(|_| ());
    assert_eq!(res, Err(StoreError::NewerSchema { found: 2, supported: 1 }));
    let db = Factory::new().expect("factory").open(&name, None).expect("open").await.expect("current");
    assert_eq!(db.version(), Ok(2));
    db.close();
    IdbStore::delete_database(&name).await.expect("delete");
}

#[wasm_bindgen_test]
async fn an_open_store_steps_aside_when_another_tab_upgrades() {
    let name = unique("versionchange");
    let s = IdbStore::open(&name).await.expect("open");
    s.commit(&[doc("a", 1, "x")], &[]).await.expect("commit");

    // What a newer build in another tab does. An open connection that ignored
    // `versionchange` would make this request `blocked` (and wait forever).
    let mut request = Factory::new().expect("factory").open(&name, Some(2)).expect("open v2");
    let blocked = Promise::new(&mut |resolve, _| {
        request.on_blocked(move |_| {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        })
    });
    let mut upgrading = request.into_future();
    let mut blocked = JsFuture::from(blocked);
    let upgraded = poll_fn(|cx| {
        if let Poll::Ready(r) = Pin::new(&mut upgrading).poll(cx) {
            return Poll::Ready(Some(r));
        }
        if Pin::new(&mut blocked).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await;
    let db = upgraded.expect("the open store blocked the other tab's upgrade").expect("upgrade");

    // This tab's handle now refuses work and says why.
    let stale = StoreError::NewerSchema { found: 2, supported: 1 };
    assert_eq!(s.commit(&[doc("b", 2, "y")], &[]).await, Err(stale.clone()));
    assert_eq!(s.load().await, Err(stale));
    db.close();
    drop(s);
    IdbStore::delete_database(&name).await.expect("delete");
}

#[wasm_bindgen_test]
async fn a_damaged_indexeddb_record_is_reported_as_corrupt() {
    let name = unique("damaged");
    let s = IdbStore::open(&name).await.expect("open");
    s.commit(&[doc("a", 1, "x")], &[]).await.expect("commit");
    {
        let db = Factory::new().expect("factory").open(&name, None).expect("open").await.expect("db");
        let tx = db.transaction(&["docs"], TransactionMode::ReadWrite).expect("tx");
        let store = tx.object_store("docs").expect("docs");
        store.put(&JsValue::from_str("{not json"), Some(&JsValue::from_str("b"))).expect("put");
        assert!(tx.await.expect("tx").is_committed());
        db.close();
    }
    let res = s.load().await.map(|_| ());
    assert!(matches!(res, Err(StoreError::Corrupt(_))), "{res:?}");
    drop(s);
    IdbStore::delete_database(&name).await.expect("delete");
}

#[wasm_bindgen_test]
async fn a_full_localstorage_fails_the_commit_and_keeps_the_previous_data() {
    let prefix = unique("quota");
    let s = LocalStore::open(&prefix).expect("open");
    s.commit(&[doc("a", 1, "x")], &[("k".into(), "1".into())]).await.expect("commit");
    let before = s.load().await.expect("load");

    // Fill localStorage to within a few characters of its quota.
    let raw = local_storage();
    let mut fillers = Vec::new();
    let mut size = 1 << 20;
    while size >= 16 {
        let key = format!("{prefix}/filler-{}", fillers.len());
        if raw.set_item(&key, &"x".repeat(size)).is_ok() {
            fillers.push(key);
        } else {
            size /= 4;
        }
    }
    assert!(!fillers.is_empty(), "localStorage accepted nothing");

    let res = s.commit(&[doc("b", 2, &"长".repeat(1000))], &[("k".into(), "2".into())]).await;
    let after = s.load().await;
    for key in &fillers {
        raw.remove_item(key).expect("remove filler");
    }
    assert_eq!(res, Err(StoreError::QuotaExceeded));
    assert_eq!(after, Ok(before));
    // With room again, the same commit succeeds.
    s.commit(&[doc("b", 2, &"长".repeat(1000))], &[]).await.expect("commit after freeing space");
    s.clear().await.expect("clear");
}

#[wasm_bindgen_test]
async fn a_damaged_localstorage_value_is_reported_and_never_overwritten() {
    let prefix = unique("damaged");
    let s = LocalStore::open(&prefix).expect("open");
    let raw = local_storage();
    raw.set_item(s.data_key(), "{not json").expect("set");
    assert!(matches!(s.load().await, Err(StoreError::Corrupt(_))));
    assert!(matches!(s.commit(&[doc("a", 1, "x")], &[]).await, Err(StoreError::Corrupt(_))));
    assert_eq!(raw.get_item(s.data_key()).expect("get").as_deref(), Some("{not json"));
    s.clear().await.expect("clear");
}
