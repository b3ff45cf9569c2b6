//! The storage contract on the in-memory store (the browser stores run the same
//! suite under wasm-bindgen-test; see tests/browser.rs).

use duzhan::core::clock::DeviceId;
use duzhan::core::model::MilestoneStatus;
use duzhan::core::replica::Replica;
use duzhan::storage::{boot, contract, Loaded, MemoryStore, Store, StoreError, META_DOC_COUNT, META_SCHEMA, SCHEMA_VERSION};

/// A v1 store as the v1 code wrote it (commit 6124409): the default plan, an added
/// figure, a finished milestone, a deleted target, a squad name.
fn v1_fixture() -> Loaded {
    serde_json::from_str(include_str!("fixtures/storage_v1.json")).expect("fixture parses")
}

fn sorted(mut l: Loaded) -> Loaded {
    l.docs.sort_by(|a, b| a.id.cmp(&b.id));
    l
}

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
        let res = boot::commit_change(&store, change.clone()).await;
        assert_eq!(res, Err(StoreError::QuotaExceeded));
        assert_eq!(store.load().await.unwrap(), before);
        // The caller applies only on success; the replica still shows the target.
        assert!(r.snapshot().target("seed-target-wuding").is_some());
        let stored = boot::commit_change(&store, change.clone()).await.unwrap();
        r.apply(stored);
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
        assert_eq!(duzhan::storage::migrate(loaded), Err(StoreError::NewerSchema { found: 99, supported: SCHEMA_VERSION }));
    });
}

#[test]
fn a_v1_store_migrates_to_v2_keeping_every_record() {
    pollster::block_on(async {
        let v1 = v1_fixture();
        assert_eq!(v1.schema_version(), Ok(Some(1)));
        let store = MemoryStore::from_dump(&v1);
        let (r, info) = boot::open(&store, || DeviceId("d-never".into())).await.expect("open v1");
        // Every record, field for field, and the device's identity and settings; plus
        // the default records added since v1 (the plan's reporting requirements).
        let mut docs: Vec<_> = r.docs().cloned().collect();
        docs.sort_by(|a, b| a.id.cmp(&b.id));
        let added: Vec<_> = docs.iter().filter(|d| !v1.docs.iter().any(|o| o.id == d.id)).map(|d| d.id.clone()).collect();
        assert_eq!(added, vec!["seed-req-liaison", "seed-req-monthly", "seed-req-plan"]);
        docs.retain(|d| v1.docs.iter().any(|o| o.id == d.id));
        assert_eq!(docs, sorted(v1.clone()).docs);
        assert_eq!(info.device_id.as_str(), "d-00v1f1x7e0000001");
        assert_eq!(info.squad_name, "武定县督战小分队");
        assert_eq!(info.missing_records, None);
        assert_eq!(boot::clock_json(r.clock()), v1.meta["clock"]);
        let snap = r.snapshot();
        assert_eq!(snap.latest_figure("seed-target-wuding").map(|f| f.value), Some(2000.0));
        assert_eq!(snap.milestone("seed-ms-02").map(|m| m.status), Some(MilestoneStatus::Done));
        assert!(snap.target("seed-target-xihe").is_none());
        // Written back: v2 with the count, the docs untouched.
        let stored = sorted(store.load().await.expect("load"));
        assert_eq!(stored.schema_version(), Ok(Some(2)));
        assert_eq!(stored.meta.get(META_DOC_COUNT), Some(&(v1.docs.len() + 3).to_string()));
        assert_eq!(stored.docs.iter().filter(|d| d.kind != "requirement").cloned().collect::<Vec<_>>(), sorted(v1.clone()).docs);
        for (k, v) in &v1.meta {
            if k != META_SCHEMA {
                assert_eq!(stored.meta.get(k), Some(v), "meta {k}");
            }
        }
        // A second open has nothing to migrate.
        let (r2, _) = boot::open(&store, || DeviceId("d-never".into())).await.expect("reopen");
        assert_eq!(r2.snapshot(), snap);
    });
}

#[test]
fn a_failed_migration_step_leaves_the_v1_data_intact_and_readable() {
    fn broken(_: Loaded) -> Result<Loaded, StoreError> {
        Err(StoreError::WriteFailed("injected migration failure".into()))
    }
    pollster::block_on(async {
        let v1 = v1_fixture();
        let store = MemoryStore::from_dump(&v1);
        let res = boot::open_with(&store, || DeviceId("d-never".into()), &[broken]).await.map(|_| ());
        assert_eq!(res, Err(StoreError::WriteFailed("injected migration failure".into())));
        assert_eq!(sorted(store.load().await.expect("load")), sorted(v1.clone()), "v1 data changed");
        // Still readable: the real chain opens it afterwards.
        let (r, _) = boot::open(&store, || DeviceId("d-never".into())).await.expect("open");
        assert_eq!(r.len(), v1.docs.len() + 3, "every v1 record and the three default requirements");
    });
}

#[test]
fn a_failed_migration_write_leaves_the_v1_data_intact_and_readable() {
    pollster::block_on(async {
        let v1 = v1_fixture();
        let store = MemoryStore::from_dump(&v1);
        store.fail_next_commit(StoreError::QuotaExceeded);
        let res = boot::open(&store, || DeviceId("d-never".into())).await.map(|_| ());
        assert_eq!(res, Err(StoreError::QuotaExceeded));
        assert_eq!(sorted(store.load().await.expect("load")), sorted(v1.clone()));
        assert!(boot::open(&store, || DeviceId("d-never".into())).await.is_ok());
    });
}

#[test]
fn default_records_of_a_new_kind_reach_old_devices_but_never_a_deleted_or_other_campaign() {
    pollster::block_on(async {
        let store = MemoryStore::new();
        boot::open(&store, || DeviceId("d-a".into())).await.expect("first run");
        let mut dump = store.load().await.expect("load");
        // As an older version left it: no requirement records at all.
        dump.docs.retain(|d| d.kind != "requirement");
        let old = MemoryStore::from_dump(&dump);
        let (r, _) = boot::open(&old, || DeviceId("d-b".into())).await.expect("open");
        assert_eq!(r.docs().filter(|d| d.kind == "requirement").count(), 3);
        assert_eq!(old.load().await.expect("load").docs.iter().filter(|d| d.kind == "requirement").count(), 3, "written to storage");
        // One requirement deleted by the user stays deleted (its tombstone is a record of the kind).
        let mut r = r;
        let c = r.stage_delete(&["seed-req-liaison"], 10_000);
        boot::commit_change(&old, c.clone()).await.expect("delete");
        r.apply(c);
        let (r2, _) = boot::open(&old, || DeviceId("d-b".into())).await.expect("reopen");
        assert!(r2.doc("seed-req-liaison").is_some_and(|d| d.is_deleted()));
        // A device whose plan campaign is deleted runs another campaign: nothing is added.
        let mut other = dump.clone();
        other.docs.retain(|d| d.kind != "requirement");
        let c = Replica::from_parts(other.docs.clone(), duzhan::core::clock::Hlc::new(DeviceId("d-c".into())))
            .stage_delete(&[duzhan::core::seed::CAMPAIGN_ID], 20_000);
        let other_store = MemoryStore::from_dump(&other);
        other_store.commit(&c.docs, &[]).await.expect("delete campaign");
        let (r3, _) = boot::open(&other_store, || DeviceId("d-c".into())).await.expect("open");
        assert_eq!(r3.docs().filter(|d| d.kind == "requirement").count(), 0);
    });
}

#[test]
fn records_lost_outside_the_app_are_reported_on_open() {
    pollster::block_on(async {
        let store = MemoryStore::new();
        boot::open(&store, || DeviceId("d-a".into())).await.expect("first run");
        let mut dump = store.load().await.expect("load");
        let total = dump.docs.len();
        dump.docs.retain(|d| d.id != "seed-target-wuding");
        let damaged = MemoryStore::from_dump(&dump);
        let (_, info) = boot::open(&damaged, || DeviceId("d-b".into())).await.expect("open");
        assert_eq!(info.missing_records, Some((total, total - 1)));
        let (_, info) = boot::open(&store, || DeviceId("d-b".into())).await.expect("open");
        assert_eq!(info.missing_records, None);
    });
}

/// Two tabs of one device: tab B stages from a stale replica after tab A committed
/// an edit of the same record. B's commit returns the merged record, so B's
/// replica shows both edits; and B, having caught up with the stored clock, hands
/// out a stamp later than A's even when both clocks ran ahead of the wall clock.
#[test]
fn a_stale_tab_commits_without_overwriting_and_then_shows_the_merged_record() {
    pollster::block_on(async {
        let store = MemoryStore::new();
        let (mut tab_a, _) = boot::open(&store, || DeviceId("d-one".into())).await.expect("open a");
        let (mut tab_b, _) = boot::open(&store, || DeviceId("d-never".into())).await.expect("open b");
        let mut t = tab_a.snapshot().target("seed-target-wuding").cloned().expect("target");
        t.name = "甲标签页的名称".into();
        let a = tab_a.stage_save(&[t], 2_000);
        let a = boot::commit_change(&store, a.clone()).await.expect("commit a");
        tab_a.apply(a.clone());

        // Tab B has not heard of A's commit. Without catching up, its clock would
        // issue A's stamp again (both started from the same stored clock, 2_000 is
        // the same wall time).
        boot::catch_up_clock(&store, &mut tab_b).await.expect("catch up");
        let mut t = tab_b.snapshot().target("seed-target-wuding").cloned().expect("target");
        t.township = "乙标签页的乡镇".into();
        let b = tab_b.stage_save(&[t], 2_000);
        let b_stamp = b.docs[0].last_change().cloned().expect("stamp");
        assert!(b_stamp > a.docs[0].last_change().cloned().expect("stamp"), "tab B reused a stamp");
        let b = boot::commit_change(&store, b.clone()).await.expect("commit b");
        tab_b.apply(b);
        let shown = tab_b.snapshot().target("seed-target-wuding").cloned().expect("target");
        assert_eq!(shown.name, "甲标签页的名称", "tab A's edit was lost or not shown");
        assert_eq!(shown.township, "乙标签页的乡镇");
        let stored = store.load().await.expect("load");
        let doc = stored.docs.iter().find(|d| d.id == "seed-target-wuding").expect("stored");
        assert_eq!(Some(doc), tab_b.doc("seed-target-wuding"));
    });
}
