//! The storage contract on the in-memory store (the browser stores run the same
//! suite under wasm-bindgen-test; see tests/browser.rs).

use duzhan::core::clock::DeviceId;
use duzhan::storage::{boot, contract, MemoryStore, Store, StoreError};

#[test]
fn the_memory_store_meets_the_storage_contract() {
    let shared = MemoryStore::new();
    pollster::block_on(contract::run_all(|| {
        let s = shared.clone();
        async move { s }
    }));
}

#[test]
fn a_failed_commit_writes_nothing_and_the_replica_is_not_changed() {
    pollster::block_on(async {
        let store = MemoryStore::new();
        let (mut r, _) = boot::open(&store, || DeviceId("d-a".into())).await.unwrap();
        let before = store.load().await.unwrap();
        let change = r.stage_delete(&["seed-target-wuding"], 5);
        store.fail_next_commit(StoreError::QuotaExceeded);
        let res = boot::commit_change(&store, &change).await;
        assert_eq!(res, Err(StoreError::QuotaExceeded));
        assert_eq!(store.load().await.unwrap(), before);
        // The caller applies only on success; the replica still shows the target.
        assert!(r.snapshot().target("seed-target-wuding").is_some());
        boot::commit_change(&store, &change).await.unwrap();
        r.apply(change);
        assert!(r.snapshot().target("seed-target-wuding").is_none());
    });
}

#[test]
fn data_from_a_newer_app_version_is_refused_not_overwritten() {
    pollster::block_on(async {
        let store = MemoryStore::new();
        boot::open(&store, || DeviceId("d-a".into())).await.unwrap();
        store.commit(&[], &[]).await.unwrap();
        // Simulate a newer build having written schema 99.
        let newer = MemoryStore::new();
        newer.commit(&[], &[("device_id".into(), "d-a".into())]).await.unwrap();
        let mut loaded = newer.load().await.unwrap();
        loaded.meta.insert("schema_version".into(), "99".into());
        assert_eq!(duzhan::storage::migrate(loaded), Err(StoreError::NewerSchema { found: 99, supported: 1 }));
    });
}
