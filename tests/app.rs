//! The application layer's use cases (`src/app/`), natively on the memory store:
//! the commit pipeline (wait, lock, clock, stage, commit, apply) and its failure
//! states, two tabs of one device, import intake (bundle, encrypted, receipt,
//! another campaign), export, and the campaign use cases.

#[path = "app_support/mod.rs"]
mod app_support;
#[path = "bundle_support/mod.rs"]
mod bundle_support;

use app_support::{yield_once, CellWorkspace, FakePlatform, FakeStores};
use duzhan::app::campaigns;
use duzhan::app::exchange::PhotoExport;
use duzhan::app::{BatchIntake, CommitError, Files, Intake, Platform, Previewed, Progress, Read, Records, SaveStatus, Session, UserError, Workspace};
use duzhan::core::bundle::batch::Outcome;
use duzhan::core::bundle::crypto::{self, EncryptParams};
use duzhan::core::bundle::ledger::DeviceRole;
use duzhan::core::bundle::receipt::{make_receipt, ReceiptRequest};
use duzhan::core::bundle::status::status_rows;
use duzhan::core::bundle::{state_hash, ExportRequest, ExportScope, ImportError, Limits};
use duzhan::core::campaigns::{db_name, stage_new_campaign, NewCampaignForm, DEFAULT_DB};
use duzhan::core::clock::DeviceId;
use duzhan::core::i18n::{Field, Lang, UserMessage};
use duzhan::core::replica::{Change, Replica};
use duzhan::core::validate::ValidationError;
use duzhan::storage::{MemoryStore, Store, StoreError};
use futures::future::join;

const T0: u64 = 1_593_561_600_000; // 2020-07-01 08:00 +08:00

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

fn session(store: &MemoryStore) -> Session<MemoryStore, FakePlatform> {
    Session::new(store.clone(), FakePlatform::at(T0))
}

/// A plain save of a target's name, as the target page stages one.
fn rename(r: &Replica, now: u64, name: &str) -> Result<Change, UserError> {
    let mut t = r.snapshot().target("seed-target-wuding").cloned().expect("target");
    t.name = name.to_owned();
    Ok(r.stage_save(&[t], now))
}

fn stored_target(store: &MemoryStore) -> duzhan::core::model::Target {
    let loaded = block_on(store.load()).expect("load");
    let d = loaded.docs.iter().find(|d| d.id == "seed-target-wuding").expect("stored");
    duzhan::core::doc::Entity::from_doc(d).expect("decodes")
}

// ------------------------------------------------------------------ saving

#[test]
fn a_save_is_durable_before_it_is_applied_and_then_says_saved() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-a").await;
        let s = session(&store);
        s.save(&ws, |c| rename(c.replica, c.now_ms, "武定县新名")).await.expect("saved");
        assert_eq!(stored_target(&store).name, "武定县新名");
        assert_eq!(ws.replica().snapshot().target("seed-target-wuding").map(|t| t.name.clone()).as_deref(), Some("武定县新名"));
        assert_eq!(*ws.statuses.borrow(), vec![SaveStatus::Saving, SaveStatus::Saved]);
        assert_eq!(s.platform().announced.borrow().as_slice(), &[vec!["seed-target-wuding".to_owned()]]);
        let marker = s.platform().marker.borrow().clone().expect("marker written");
        assert_eq!((marker.device_id.as_str(), marker.records), ("d-a", ws.replica().len()));
        assert_eq!(s.platform().saved.get(), 1);
    });
}

#[test]
fn a_save_that_waited_for_the_records_and_is_then_refused_leaves_the_status_idle() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-a").await;
        ws.records.set(Records::Reading);
        let s = session(&store);
        let before = block_on(store.load()).unwrap();
        let save = s.save(&ws, |_| Err::<Change, _>(UserError::from(ValidationError::Required { field: Field::Name })));
        let records_arrive = async {
            yield_once().await;
            yield_once().await;
            ws.records.set(Records::Ready);
        };
        let (res, ()) = join(save, records_arrive).await;
        assert!(matches!(res, Err(CommitError::Refused(_))), "the refusal reaches the form");
        assert!(s.platform().sleeps.get() > 0, "the save waited for the records");
        assert_eq!(*ws.statuses.borrow(), vec![SaveStatus::Saving, SaveStatus::Idle], "the status went back, it does not stick at 正在保存");
        assert_eq!(ws.status(), SaveStatus::Idle);
        assert_eq!(block_on(store.load()).unwrap(), before, "nothing written");
        assert!(ws.applied.borrow().is_empty());
    });
}

#[test]
fn a_save_waiting_for_records_that_fail_to_load_writes_nothing_and_restores_the_status() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-a").await;
        ws.set_status(SaveStatus::Saved);
        ws.records.set(Records::Reading);
        let s = session(&store);
        let save = s.save(&ws, |c| rename(c.replica, c.now_ms, "不应保存"));
        let fail = async {
            yield_once().await;
            ws.records.set(Records::Failed);
        };
        let (res, ()) = join(save, fail).await;
        assert!(matches!(res, Err(CommitError::NotLoaded)));
        assert_eq!(ws.status(), SaveStatus::Saved, "the last real save's status stays");
        assert_ne!(stored_target(&store).name, "不应保存");
    });
}

#[test]
fn a_refused_change_changes_nothing_and_says_why_in_chinese() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-a").await;
        let s = session(&store);
        let before = block_on(store.load()).unwrap();
        let res = s.save(&ws, |_| Err::<Change, _>(UserError::from(ValidationError::Required { field: Field::Name }))).await;
        let e = res.expect_err("refused");
        assert!(e.message(Lang::Zh).contains('请'), "{}", e.message(Lang::Zh));
        assert_eq!(block_on(store.load()).unwrap(), before);
        assert!(ws.statuses.borrow().is_empty(), "a refusal before any wait never shows 正在保存");
        assert!(s.platform().announced.borrow().is_empty());
    });
}

#[test]
fn a_failed_write_shows_the_storage_error_and_leaves_the_replica_as_it_was() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-a").await;
        let s = session(&store);
        let hash = state_hash(ws.replica().docs());
        store.fail_next_commit(StoreError::QuotaExceeded);
        let res = s.save(&ws, |c| rename(c.replica, c.now_ms, "存储已满")).await;
        assert_eq!(res.unwrap_err().message(Lang::Zh), StoreError::QuotaExceeded.message(Lang::Zh));
        assert_eq!(ws.status(), SaveStatus::Failed(StoreError::QuotaExceeded));
        assert_eq!(state_hash(ws.replica().docs()), hash, "the replica is not changed by a failed write");
        assert!(ws.applied.borrow().is_empty());
        assert!(s.platform().marker.borrow().is_none());
        // The next save goes through.
        s.save(&ws, |c| rename(c.replica, c.now_ms, "再试一次")).await.expect("saved");
        assert_eq!(stored_target(&store).name, "再试一次");
    });
}

#[test]
fn a_stale_tabs_save_keeps_the_other_tabs_field_and_never_reuses_its_stamp() {
    block_on(async {
        let store = MemoryStore::new();
        let tab_a = CellWorkspace::open(&store, "d-one").await;
        let tab_b = CellWorkspace::open(&store, "d-never-used").await;
        let (sa, sb) = (session(&store), session(&store));
        // Both tabs' clocks read the same wall time.
        sa.save(&tab_a, |c| rename(c.replica, c.now_ms, "甲标签页的名称")).await.expect("a");
        let a_stamp = stored_doc_stamp(&store);
        // Tab B has not heard of A's commit.
        sb.save(&tab_b, |c| {
            let (r, now) = (c.replica, c.now_ms);
            let mut t = r.snapshot().target("seed-target-wuding").cloned().expect("target");
            t.township = "乙标签页的乡镇".into();
            Ok::<_, UserError>(r.stage_save(&[t], now))
        })
        .await
        .expect("b");
        assert!(stored_doc_stamp(&store) > a_stamp, "tab B reused tab A's stamp");
        let shown = tab_b.replica().snapshot().target("seed-target-wuding").cloned().expect("target");
        assert_eq!(shown.name, "甲标签页的名称", "tab A's edit was lost or is not shown in tab B");
        assert_eq!(shown.township, "乙标签页的乡镇");
        let stored = stored_target(&store);
        assert_eq!((stored.name.as_str(), stored.township.as_str()), ("甲标签页的名称", "乙标签页的乡镇"));
    });
}

fn stored_doc_stamp(store: &MemoryStore) -> duzhan::core::clock::Stamp {
    let loaded = block_on(store.load()).expect("load");
    loaded.docs.iter().find(|d| d.id == "seed-target-wuding").and_then(|d| d.last_change().cloned()).expect("stamp")
}

#[test]
fn another_tabs_commit_reaches_this_tab_by_the_ids_it_announced() {
    block_on(async {
        let store = MemoryStore::new();
        let tab_a = CellWorkspace::open(&store, "d-one").await;
        let tab_b = CellWorkspace::open(&store, "d-one").await;
        let (sa, sb) = (session(&store), session(&store));
        sa.save_squad_name(&tab_a, "武定县督战小分队").await.expect("named");
        sa.save(&tab_a, |c| rename(c.replica, c.now_ms, "甲标签页的名称")).await.expect("a");
        let ids = sa.platform().announced.borrow().last().cloned();
        sb.refresh(&tab_b, ids).await.expect("refresh");
        assert_eq!(tab_b.replica().snapshot().target("seed-target-wuding").map(|t| t.name.clone()).as_deref(), Some("甲标签页的名称"));
        assert_eq!(tab_b.device().map(|d| d.squad_name).as_deref(), Some("武定县督战小分队"));
        assert!(sb.platform().announced.borrow().is_empty(), "a refresh announces nothing back");
        // Twice changes nothing more.
        let n = tab_b.applied.borrow().len();
        sb.refresh(&tab_b, None).await.expect("refresh all");
        assert_eq!(tab_b.applied.borrow().len(), n);
    });
}

#[test]
fn a_squad_name_is_checked_before_anything_is_written() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-a").await;
        let s = session(&store);
        let e = s.save_squad_name(&ws, "   ").await.expect_err("empty");
        assert!(matches!(e, CommitError::Refused(ValidationError::Required { .. })));
        assert!(ws.statuses.borrow().is_empty());
        s.save_squad_name(&ws, "牟定县督战小分队").await.expect("named");
        assert_eq!(block_on(store.meta("squad_name")).unwrap().as_deref(), Some("牟定县督战小分队"));
        assert_eq!(ws.status(), SaveStatus::Saved);
    });
}

// ------------------------------------------------------------------ exchange

/// A second device of the same campaign, with an edit of its own, exporting a bundle.
fn other_device_bundle(scope: ExportScope) -> Vec<u8> {
    let mut d = bundle_support::Device::fresh("d-squad");
    let mut t = d.replica.snapshot().target("seed-target-wuding").cloned().expect("target");
    t.name = "小分队改的名称".into();
    let c = d.replica.stage_save(&[t], T0 - 1_000);
    d.replica.apply(c);
    d.export(scope, T0 - 500).bytes
}

#[test]
fn start_up_and_plain_saves_keep_the_sync_ledger_as_stored_and_an_import_reads_it_whole() {
    block_on(async {
        let store = MemoryStore::new();
        let s = session(&store);
        {
            let ws = CellWorkspace::open(&store, "d-office").await;
            let (mut intake, _) = Intake::read(other_device_bundle(ExportScope::Full), Limits::default()).expect("read");
            s.import(&ws, &mut intake).await.expect("imported");
        }
        let stored = || block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap();
        let before = stored();
        // Opened again, as at start-up: the ledger as stored, not read.
        let ws = CellWorkspace::open(&store, "d-office").await;
        s.save(&ws, |c| rename(c.replica, c.now_ms, "武定县新名")).await.expect("saved");
        assert!(!ws.sync_ledger().is_read(), "a plain save never reads the ledger whole");
        assert_eq!(stored(), before, "nor writes it");
        // Data exchange reads it: what the import recorded is there.
        let (mut intake, _) = Intake::read(other_device_bundle(ExportScope::Full), Limits::default()).expect("read");
        let Previewed::Ready(pv) = intake.preview(&ws, T0).expect("preview") else { panic!("same campaign") };
        assert!(pv.already_imported.is_some(), "the ledger read whole knows the bundle");
        assert!(ws.sync_ledger().is_read());
    });
}

#[test]
fn a_bundle_is_read_once_previewed_and_imported_and_importing_it_again_changes_nothing() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let bytes = other_device_bundle(ExportScope::Full);
        let (mut intake, read) = Intake::read(bytes.clone(), Limits::default()).expect("read");
        assert!(matches!(read, Read::Bundle));
        let Previewed::Ready(pv) = intake.preview(&ws, T0).expect("preview") else { panic!("same campaign") };
        assert_eq!(pv.totals().changed, 1, "{:?}", pv.kinds);
        assert!(ws.applied.borrow().is_empty(), "a preview stages nothing");
        let done = s.import(&ws, &mut intake).await.expect("imported");
        assert_eq!((done.source_device.0.as_str(), done.totals.changed), ("d-squad", 1));
        assert_eq!(stored_target(&store).name, "小分队改的名称");
        assert!(ws.sync_ledger().known_devices().iter().any(|d| d.device_id.0 == "d-squad"));
        let stored_ledger = block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap();
        assert_eq!(stored_ledger, Some(ws.sync_ledger().to_meta().unwrap()), "the ledger is stored with the records");

        let hash = state_hash(ws.replica().docs());
        let (mut again, _) = Intake::read(bytes, Limits::default()).unwrap();
        let Previewed::Ready(pv) = again.preview(&ws, T0).unwrap() else { panic!() };
        assert!(pv.already_imported.is_some());
        s.import(&ws, &mut again).await.expect("again");
        assert_eq!(state_hash(ws.replica().docs()), hash);
    });
}

#[test]
fn an_edit_made_while_the_preview_was_open_is_kept_by_the_import() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let (mut intake, _) = Intake::read(other_device_bundle(ExportScope::Full), Limits::default()).unwrap();
        intake.preview(&ws, T0).unwrap();
        s.save(&ws, |c| {
            let (r, now) = (c.replica, c.now_ms);
            let mut t = r.snapshot().target("seed-target-wuding").cloned().expect("target");
            t.township = "预览期间改的乡镇".into();
            Ok::<_, UserError>(r.stage_save(&[t], now))
        })
        .await
        .unwrap();
        s.import(&ws, &mut intake).await.expect("imported");
        let t = stored_target(&store);
        assert_eq!((t.name.as_str(), t.township.as_str()), ("小分队改的名称", "预览期间改的乡镇"));
    });
}

#[test]
fn a_receipt_is_applied_to_the_ledger_not_imported_as_records() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-squad").await;
        let s = session(&store);
        let req = ExportRequest {
            scope: ExportScope::Full,
            recipient: None,
            squad_name: "小分队".into(),
            created_ms: T0,
            date: s.platform().today(),
            bundle_id: [7; 16],
            carry_restricted: false,
        };
        let exported = s.export(&ws, &req, None).await.expect("exported");
        let seq = exported.file.seq;
        // The office imports it and sends a receipt back.
        let mut office = bundle_support::Device::fresh("d-office");
        office.import(&exported.bytes).expect("office imports");
        let rreq = ReceiptRequest {
            for_device: Some(DeviceId("d-squad".into())),
            squad_name: "州扶贫办".into(),
            created_ms: T0 + 10,
            date: s.platform().today(),
            receipt_id: [9; 16],
        };
        let receipt = make_receipt(&office.replica, &office.ledger, &rreq).expect("receipt");

        let docs_before = block_on(store.load()).unwrap().docs;
        let (_, read) = Intake::read(receipt.bytes, Limits::default()).expect("read");
        let Read::Receipt(r) = read else { panic!("a receipt is told apart: {read:?}") };
        let out = s.apply_receipt(&ws, &r).await.expect("applied");
        assert_eq!(out.newly_acknowledged, vec![seq]);
        assert_eq!(block_on(store.load()).unwrap().docs, docs_before, "no record changes");
        assert!(ws.sync_ledger().exports[&seq].acked_by.contains_key(&DeviceId("d-office".into())));
    });
}

#[test]
fn an_encrypted_bundle_asks_for_its_passphrase_and_keeps_the_file_after_a_wrong_one() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let plain = other_device_bundle(ExportScope::Full);
        let sealed = crypto::encrypt(
            &plain,
            &EncryptParams { passphrase: "正确的口令", salt: [1; 16], nonce: [2; 12], iterations: duzhan::core::bundle::limits::MIN_ITERATIONS },
        )
        .unwrap();
        let (mut intake, read) = Intake::read(sealed, Limits::default()).expect("read");
        assert!(matches!(read, Read::Encrypted));
        assert!(!intake.is_checked());
        assert_eq!(intake.unlock("错误的口令"), Err(ImportError::WrongPassphrase));
        intake.unlock("正确的口令").expect("unlocked");
        assert!(matches!(intake.preview(&ws, T0), Ok(Previewed::Ready(_))));
        s.import(&ws, &mut intake).await.expect("imported");
        assert_eq!(stored_target(&store).name, "小分队改的名称");
    });
}

#[test]
fn a_file_that_is_not_a_duzhan_file_is_refused_before_anything_else() {
    for bytes in [b"{}".to_vec(), b"not json".to_vec(), vec![0xff; 10]] {
        assert!(Intake::read(bytes, Limits::default()).is_err());
    }
    let limits = Limits { max_bytes: 10, ..Limits::default() };
    assert!(matches!(Intake::read(vec![b' '; 11], limits), Err(ImportError::TooLarge { size: 11, max: 10 })));
}

#[test]
fn a_full_bundle_of_another_campaign_is_offered_as_that_campaign() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let bytes = other_campaign_bundle();
        let (mut intake, _) = Intake::read(bytes, Limits::default()).unwrap();
        match intake.preview(&ws, T0).expect("preview") {
            Previewed::OtherCampaign { campaign, refusal } => {
                assert_eq!(campaign.year, 2021);
                assert!(matches!(refusal, ImportError::WrongCampaign { .. }));
            }
            other => panic!("{other:?}"),
        }
        // Importing it here anyway is refused and writes nothing.
        let before = block_on(store.load()).unwrap();
        let s = session(&store);
        assert!(matches!(s.import(&ws, &mut intake).await, Err(CommitError::Refused(ImportError::WrongCampaign { .. }))));
        assert_eq!(block_on(store.load()).unwrap(), before);
    });
}

fn new_form() -> NewCampaignForm {
    NewCampaignForm {
        name: "楚雄州巩固拓展脱贫攻坚成果督战".into(),
        year: "2021".into(),
        doc_no: "楚贫组发〔2021〕2号".into(),
        issuer: "楚雄州扶贫开发领导小组".into(),
        carry_over: true,
    }
}

fn other_campaign_bundle() -> Vec<u8> {
    let plan = bundle_support::Device::fresh("d-2021");
    let new = stage_new_campaign(&new_form(), &plan.replica, DeviceId("d-2021".into()), T0).unwrap();
    let mut d = bundle_support::Device::with_docs("d-2021", new.docs);
    d.export(ExportScope::Full, T0 + 1).bytes
}

#[test]
fn an_export_is_in_the_ledger_before_the_file_exists_and_sequence_numbers_never_repeat() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-squad").await;
        let s = session(&store);
        let req = |id: u8| full_req(&s, id);
        let one = s.export(&ws, &req(1), None).await.unwrap();
        let two = s.export(&ws, &req(2), Some("口令")).await.unwrap();
        assert_eq!((one.file.seq, two.file.seq), (1, 2));
        let stored =
            duzhan::core::bundle::SyncLedger::from_meta(block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap().as_deref()).unwrap();
        assert_eq!(stored.exports.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_ne!(two.bytes, two.file.bytes, "a passphrase encrypts");
        assert!(matches!(Intake::read(two.bytes, Limits::default()), Ok((_, Read::Encrypted))));
        // A failed write hands out no file and no number.
        store.fail_next_commit(StoreError::WriteFailed("disk".into()));
        assert!(s.export(&ws, &req(3), None).await.is_err());
        assert_eq!(s.export(&ws, &req(4), None).await.unwrap().file.seq, 3);
    });
}

// ------------------------------------------------------------------ device keys

fn full_req(s: &Session<MemoryStore, FakePlatform>, id: u8) -> ExportRequest {
    ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "小分队".into(),
        created_ms: T0,
        date: s.platform().today(),
        bundle_id: [id; 16],
        carry_restricted: false,
    }
}

#[test]
fn the_first_export_makes_the_device_key_in_its_own_commit_and_every_file_is_signed_by_it() {
    use duzhan::core::bundle::sign::{DeviceKey, META_DEVICE_KEY};
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-squad").await;
        let s = session(&store);
        assert_eq!(block_on(store.meta(META_DEVICE_KEY)).unwrap(), None, "no key before it is needed");
        let one = s.export(&ws, &full_req(&s, 1), None).await.unwrap();
        let stored = block_on(store.meta(META_DEVICE_KEY)).unwrap().expect("the key is stored with the export");
        let key = DeviceKey::from_meta(&stored).unwrap().public();
        // The public half is in the ledger, stored and in the workspace.
        assert_eq!(ws.sync_ledger().own_key(), Some(key));
        let ledger =
            duzhan::core::bundle::SyncLedger::from_meta(block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap().as_deref()).unwrap();
        assert_eq!(ledger.own_key(), Some(key));
        // The key never leaves in a file.
        let text = String::from_utf8(one.bytes.clone()).unwrap();
        assert!(!text.contains(&stored[stored.find("\"seed\":\"").unwrap() + 8..stored.len() - 2]), "the secret is not in the bundle");
        let two = s.export(&ws, &full_req(&s, 2), Some("口令")).await.unwrap();
        for bytes in [&one.file.bytes, &two.file.bytes] {
            let incoming = duzhan::core::bundle::read_bundle(bytes, None, &Limits::default()).unwrap();
            assert_eq!(incoming.header.signer, Some(key), "signed by the one key");
        }
        assert_eq!(block_on(store.meta(META_DEVICE_KEY)).unwrap().as_deref(), Some(stored.as_str()), "made once");
        // Receipts are signed by it too; the fingerprint asks for no new key.
        let receipt = s.make_receipt(&ws, None).await.unwrap();
        assert_eq!(duzhan::core::bundle::receipt::read_receipt(&receipt.bytes, &Limits::default()).unwrap().signer, Some(key));
        assert_eq!(s.device_key(&ws).await.unwrap(), key);
    });
}

#[test]
fn the_fingerprint_makes_a_key_on_a_device_that_has_none_and_two_tabs_make_only_one() {
    use duzhan::core::bundle::sign::{DeviceKey, META_DEVICE_KEY};
    block_on(async {
        let store = MemoryStore::new();
        let tab1 = CellWorkspace::open(&store, "d-squad").await;
        let tab2 = CellWorkspace::open(&store, "d-squad").await;
        let s1 = session(&store);
        let s2 = session(&store);
        let k1 = s1.device_key(&tab1).await.unwrap();
        let stored = DeviceKey::from_meta(&block_on(store.meta(META_DEVICE_KEY)).unwrap().unwrap()).unwrap().public();
        assert_eq!(k1, stored);
        // The other tab, which never heard of it, signs with the stored key.
        let f = s2.export(&tab2, &full_req(&s2, 1), None).await.unwrap();
        assert_eq!(duzhan::core::bundle::read_bundle(&f.file.bytes, None, &Limits::default()).unwrap().header.signer, Some(k1));
        assert_eq!(s2.device_key(&tab2).await.unwrap(), k1);
    });
}

#[test]
fn a_damaged_stored_key_is_a_store_error_and_no_new_key_replaces_it() {
    use duzhan::core::bundle::sign::META_DEVICE_KEY;
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-squad").await;
        block_on(store.commit(&[], &[(META_DEVICE_KEY.to_owned(), "{broken".to_owned())])).unwrap();
        let s = session(&store);
        let before = block_on(store.load()).unwrap();
        match s.export(&ws, &full_req(&s, 1), None).await {
            Err(CommitError::Store(StoreError::Corrupt(m))) => assert!(m.contains("device key"), "{m}"),
            Err(e) => panic!("{e:?}"),
            Ok(_) => panic!("exported with a damaged key"),
        }
        assert!(matches!(s.device_key(&ws).await, Err(CommitError::Store(StoreError::Corrupt(_)))));
        assert_eq!(block_on(store.load()).unwrap(), before, "nothing written");
    });
}

#[test]
fn an_import_shows_who_signed_and_pins_the_key_in_the_same_commit() {
    use duzhan::core::bundle::sign::Signer;
    block_on(async {
        let squad_store = MemoryStore::new();
        let squad = CellWorkspace::open(&squad_store, "d-squad").await;
        let ss = session(&squad_store);
        let file = ss.export(&squad, &full_req(&ss, 1), None).await.unwrap().bytes;
        let key = ss.device_key(&squad).await.unwrap();
        let office_store = MemoryStore::new();
        let office = CellWorkspace::open(&office_store, "d-office").await;
        let so = session(&office_store);
        let (mut intake, _) = Intake::read(file.clone(), Limits::default()).unwrap();
        match intake.preview(&office, T0).unwrap() {
            Previewed::Ready(p) => assert_eq!(p.signer, Signer::FirstSeen(key)),
            other => panic!("{other:?}"),
        }
        let done = so.import(&office, &mut intake).await.unwrap();
        assert_eq!(done.signer, Signer::FirstSeen(key));
        let stored =
            duzhan::core::bundle::SyncLedger::from_meta(block_on(office_store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap().as_deref())
                .unwrap();
        assert_eq!(stored.key_of(&DeviceId("d-squad".into())), Some(key));
        let (mut again, _) = Intake::read(file, Limits::default()).unwrap();
        assert_eq!(so.import(&office, &mut again).await.unwrap().signer, Signer::Known(key));
    });
}

#[test]
fn the_office_hands_out_a_signed_roster_that_a_squad_previews_takes_and_follows_with_its_revocations() {
    use duzhan::core::bundle::sign::Signer;
    block_on(async {
        // A squad whose file the office took, then revoked (a lost tablet).
        let squad_store = MemoryStore::new();
        let squad = CellWorkspace::open(&squad_store, "d-squad").await;
        let ss = session(&squad_store);
        let file = ss.export(&squad, &full_req(&ss, 1), None).await.unwrap().bytes;
        let office_store = MemoryStore::new();
        let office = CellWorkspace::open(&office_store, "d-office").await;
        let so = session(&office_store);
        let (mut intake, _) = Intake::read(file.clone(), Limits::default()).unwrap();
        so.import(&office, &mut intake).await.unwrap();
        so.set_device_role(&office, &DeviceId("d-squad".into()), Some(DeviceRole::Squad)).await.unwrap();
        so.platform().now.set(T0 + 1_000);
        so.revoke_device(&office, &DeviceId("d-squad".into())).await.unwrap();
        let roster = so.make_roster(&office).await.unwrap();
        assert_eq!((roster.devices, roster.left_out), (2, 0));
        // Another squad reads it from the import panel, previews, takes it.
        let other_store = MemoryStore::new();
        let other = CellWorkspace::open(&other_store, "d-other").await;
        let so2 = session(&other_store);
        let Ok((_, Read::Roster(r))) = Intake::read(roster.bytes.clone(), Limits::default()) else { panic!("a roster reads as one") };
        let before = block_on(other_store.load()).unwrap();
        let preview = duzhan::app::preview_roster(&other, &r).unwrap();
        assert_eq!(preview.signer, Signer::FirstSeen(so.device_key(&office).await.unwrap()));
        assert_eq!((preview.new_keys, preview.newly_revoked), (2, 1));
        assert_eq!(block_on(other_store.load()).unwrap(), before, "a preview writes nothing");
        so2.apply_roster(&other, &r).await.unwrap();
        let stored =
            duzhan::core::bundle::SyncLedger::from_meta(block_on(other_store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap().as_deref())
                .unwrap();
        assert_eq!(stored.devices[&DeviceId("d-squad".into())].revoked_ms, Some(T0 + 1_000));
        assert_eq!(stored.devices[&DeviceId("d-squad".into())].role, Some(DeviceRole::Squad));
        // The squad's file made before the revocation still imports there.
        let (mut intake, _) = Intake::read(file, Limits::default()).unwrap();
        assert_eq!(so2.import(&other, &mut intake).await.unwrap().signer, Signer::Known(ss.device_key(&squad).await.unwrap()));
    });
}

#[test]
fn a_bundle_sealed_to_the_office_opens_there_only_and_imports_signed() {
    use duzhan::core::bundle::sign::Signer;
    block_on(async {
        let office_store = MemoryStore::new();
        let office = CellWorkspace::open(&office_store, "d-office").await;
        let so = session(&office_store);
        let office_key = so.device_key(&office).await.unwrap();
        // The squad knows the office's key from its receipt.
        let squad_store = MemoryStore::new();
        let squad = CellWorkspace::open(&squad_store, "d-squad").await;
        let ss = session(&squad_store);
        let receipt = so.make_receipt(&office, None).await.unwrap();
        let Ok((_, Read::Receipt(r))) = Intake::read(receipt.bytes, Limits::default()) else { panic!("a receipt") };
        ss.apply_receipt(&squad, &r).await.unwrap();
        assert!(matches!(
            ss.export_sealed(&squad, &full_req(&ss, 1), &[DeviceId("d-unknown".into())], PhotoExport::WithPhotos).await,
            Err(CommitError::Refused(duzhan::core::bundle::ExportError::RecipientKey { .. }))
        ));
        let sealed = ss.export_sealed(&squad, &full_req(&ss, 2), &[DeviceId("d-office".into())], PhotoExport::WithPhotos).await.unwrap();
        assert_ne!(sealed.bytes, sealed.file.bytes);
        let (mut intake, read) = Intake::read(sealed.bytes.clone(), Limits::default()).unwrap();
        assert!(matches!(read, Read::Sealed));
        so.open_sealed(&mut intake).await.unwrap();
        let done = so.import(&office, &mut intake).await.unwrap();
        assert_eq!(done.signer, Signer::FirstSeen(ss.device_key(&squad).await.unwrap()));
        // A third device, with a key of its own, cannot open it.
        let other_store = MemoryStore::new();
        let other = CellWorkspace::open(&other_store, "d-other").await;
        let sx = session(&other_store);
        let (mut intake, _) = Intake::read(sealed.bytes, Limits::default()).unwrap();
        let r = sx.open_sealed(&mut intake).await;
        assert!(matches!(r, Err(CommitError::Refused(ImportError::NotARecipient { .. }))), "{r:?}");
        sx.device_key(&other).await.unwrap();
        let r = sx.open_sealed(&mut intake).await;
        assert!(matches!(r, Err(CommitError::Refused(ImportError::NotARecipient { .. }))), "{r:?}");
        let _ = office_key;
    });
}

#[test]
fn an_unannounced_visit_reaches_the_inspection_office_sealed_and_never_the_office() {
    use duzhan::core::fieldwork::{Visit, VisitMode};
    block_on(async {
        let open = |id: &'static str| async move {
            let store = MemoryStore::new();
            let ws = CellWorkspace::open(&store, id).await;
            (store, ws)
        };
        let (squad_store, squad) = open("d-squad").await;
        let (office_store, office) = open("d-office").await;
        let (dcs_store, dcs) = open("d-dcs").await;
        let (ss, so, sd) = (session(&squad_store), session(&office_store), session(&dcs_store));
        let take = |bytes: Vec<u8>| Intake::read(bytes, Limits::default()).unwrap().0;
        // The office knows the 督查室 (its receipt), marks it so, and hands out the roster.
        let r = sd.make_receipt(&dcs, None).await.unwrap();
        let Ok((_, Read::Receipt(r))) = Intake::read(r.bytes, Limits::default()) else { panic!("a receipt") };
        so.apply_receipt(&office, &r).await.unwrap();
        so.set_device_role(&office, &DeviceId("d-dcs".into()), Some(DeviceRole::Inspection)).await.unwrap();
        let roster = so.make_roster(&office).await.unwrap();
        for (s, ws) in [(&ss, &squad), (&sd, &dcs)] {
            let Ok((_, Read::Roster(r))) = Intake::read(roster.bytes.clone(), Limits::default()) else { panic!("a roster") };
            s.apply_roster(ws, &r).await.unwrap();
        }
        // The squad records a 暗访督战 visit.
        let visit = Visit::new_draft("visit-anfang".into(), "seed-target-xiaohe".into(), ss.platform().today(), VisitMode::Unannounced);
        ss.save(&squad, |c| Ok::<_, UserError>(c.replica.stage_save(&[visit], c.now_ms))).await.unwrap();
        // Its ordinary export, and one sealed to the office and the 督查室, leave it out.
        let plain = ss.export(&squad, &ExportRequest { carry_restricted: true, ..full_req(&ss, 1) }, None).await.unwrap();
        assert_eq!((plain.file.withheld, plain.file.carried), (1, 0));
        let both = [DeviceId("d-office".into()), DeviceId("d-dcs".into())];
        let mixed = ss.export_sealed(&squad, &full_req(&ss, 2), &both, PhotoExport::WithPhotos).await.unwrap();
        assert_eq!(mixed.file.withheld, 1, "the office is a recipient");
        let mut intake = take(plain.bytes);
        so.import(&office, &mut intake).await.unwrap();
        assert!(office.replica().doc("visit-anfang").is_none());
        // Sealed to the 督查室 alone, it carries the visit, and only the 督查室 opens it.
        let sealed = ss.export_sealed(&squad, &full_req(&ss, 3), &[DeviceId("d-dcs".into())], PhotoExport::WithPhotos).await.unwrap();
        assert_eq!((sealed.file.withheld, sealed.file.carried), (0, 1));
        let mut intake = take(sealed.bytes.clone());
        assert!(matches!(so.open_sealed(&mut intake).await, Err(CommitError::Refused(ImportError::NotARecipient { .. }))));
        let mut intake = take(sealed.bytes);
        sd.open_sealed(&mut intake).await.unwrap();
        sd.import(&dcs, &mut intake).await.unwrap();
        assert!(dcs.replica().doc("visit-anfang").is_some());
        // The inner file, handed to the office by hand, is refused there.
        let mut intake = take(sealed.file.bytes);
        assert!(matches!(so.import(&office, &mut intake).await, Err(CommitError::Refused(ImportError::RestrictedRecords { count: 1, .. }))));
        assert!(office.replica().doc("visit-anfang").is_none());
    });
}

// ------------------------------------------------------------------ campaigns

#[test]
fn a_new_campaign_is_written_to_its_own_store_and_becomes_the_one_to_open() {
    block_on(async {
        let stores = FakeStores::first();
        let first = stores.store(DEFAULT_DB);
        let ws = CellWorkspace::open(&first, "d-office").await;
        let before = block_on(first.load()).unwrap();
        let p = FakePlatform::at(T0);
        let db = campaigns::create(&stores, &p, &ws, &new_form()).await.expect("created");
        assert_ne!(db, DEFAULT_DB);
        assert_eq!(block_on(first.load()).unwrap(), before, "the open campaign's store is not written");
        let catalog = {
            use duzhan::app::campaigns::Stores;
            stores.read_catalog()
        };
        assert_eq!(catalog.active_db(), db);
        assert_eq!(catalog.entries.len(), 2, "both campaigns are listed: {:?}", catalog.entries);
        let (opened, _) = duzhan::storage::boot::open(&stores.store(&db), || panic!("has a device")).await.unwrap();
        assert_eq!(opened.snapshot().campaign.map(|c| c.year), Some(2021));

        // A bad form is refused before any store is made.
        let n = stores.stores.borrow().len();
        let bad = NewCampaignForm { year: "1999".into(), ..new_form() };
        assert!(matches!(campaigns::create(&stores, &p, &ws, &bad).await, Err(campaigns::CampaignError::Form(_))));
        assert_eq!(stores.stores.borrow().len(), n);
    });
}

#[test]
fn another_campaigns_bundle_opens_as_that_campaign_in_a_store_of_its_own() {
    block_on(async {
        let stores = FakeStores::first();
        let first = stores.store(DEFAULT_DB);
        let ws = CellWorkspace::open(&first, "d-office").await;
        let (mut intake, _) = Intake::read(other_campaign_bundle(), Limits::default()).unwrap();
        let Previewed::OtherCampaign { campaign, .. } = intake.preview(&ws, T0).unwrap() else { panic!() };
        let p = FakePlatform::at(T0);
        let db = campaigns::open_bundle(&stores, &p, &ws, &mut intake, None::<&[u8]>).await.expect("opened");
        assert_eq!(db, db_name(&campaign.id));
        let (r, _) = duzhan::storage::boot::open(&stores.store(&db), || panic!("has a device")).await.unwrap();
        assert_eq!(r.campaign_id(), Some(campaign.id.as_str()));
        use duzhan::app::campaigns::Stores;
        assert_eq!(stores.read_catalog().active_db(), db);
    });
}

/// A 2021 squad's full bundle carrying two photos (v3): a target of the new
/// campaign, a submitted visit at it and two photo records; and the photos.
fn other_campaign_bundle_with_photos() -> (Vec<u8>, Vec<Vec<u8>>) {
    use duzhan::core::fieldwork::photo::{photo_hash, Photo};
    use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
    use duzhan::core::model::{Level, Target, TargetKind};
    let plan = bundle_support::Device::fresh("d-2021");
    let new = stage_new_campaign(&new_form(), &plan.replica, DeviceId("d-2021".into()), T0).unwrap();
    let county = new.docs.iter().find(|d| d.kind == "county").expect("counties carried over").id.clone();
    let mut d = bundle_support::Device::with_docs("d-2021", new.docs).signed();
    let t = Target {
        id: "t-2021-1".into(),
        kind: TargetKind::Village,
        level: Level::County,
        county_id: county,
        township: "高桥镇".into(),
        name: "小河村".into(),
        table_row: 1,
        order: 1,
    };
    let mut v = Visit::new_draft("v-2021-1".into(), t.id.clone(), chrono::NaiveDate::from_ymd_opt(2021, 3, 2).unwrap(), VisitMode::SquadRoutine);
    v.members = vec!["李明".into()];
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(T0 + 2);
    let c = d.replica.stage_save(&[t], T0 + 1);
    d.replica.apply(c);
    let c = d.replica.stage_save(&[v], T0 + 2);
    d.replica.apply(c);
    let images: Vec<Vec<u8>> = (1..=2).map(|n| app_support::test_jpeg(64, 48, n, 5_000)).collect();
    let records: Vec<Photo> = images.iter().map(|b| bundle_support::visit_photo("v-2021-1", "t-2021-1", b, T0, "武定小分队")).collect();
    let c = d.replica.stage_save(&records, T0 + 3);
    d.replica.apply(c);
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "武定小分队".into(),
        created_ms: T0 + 4,
        date: chrono::NaiveDate::from_ymd_opt(2021, 3, 2).unwrap(),
        bundle_id: [21; 16],
        carry_restricted: false,
    };
    let held = images.iter().map(|b| (photo_hash(b), b.len() as u32)).collect();
    let f = duzhan::core::bundle::export::export_carrying(&d.replica, &d.ledger, &req, d.key.as_ref(), &held).expect("export");
    let mut file = f.bytes;
    for (i, e) in f.photos.iter().enumerate() {
        let b = images.iter().find(|b| photo_hash(b) == e.sha256).unwrap();
        file.extend(duzhan::core::bundle::photos::photo_line(e, b, i + 1 == f.photos.len()).unwrap());
    }
    file.extend(duzhan::core::bundle::photos::close_line());
    (file, images)
}

/// Bytes read through the file port in parts of 1,000 bytes (lines span parts).
struct InParts<'a>(&'a [u8]);

impl duzhan::app::exchange::FileParts for InParts<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        self.0.read_range(start, end).await
    }
    fn part_bytes(&self) -> u64 {
        1_000
    }
}

#[test]
fn another_campaigns_bundle_opens_with_its_photos_read_whole_or_in_parts() {
    use duzhan::core::fieldwork::photo::photo_hash;
    let (file, images) = other_campaign_bundle_with_photos();
    let mut want: Vec<String> = images.iter().map(|b| photo_hash(b)).collect();
    want.sort();
    for in_parts in [false, true] {
        block_on(async {
            let stores = FakeStores::first();
            let first = stores.store(DEFAULT_DB);
            let ws = CellWorkspace::open(&first, "d-office").await;
            let s = Session::new(first.clone(), FakePlatform::at(T0));
            let parts = InParts(&file);
            let mut intake = if in_parts {
                let (mut intake, _) = Intake::open(&parts, Limits::default()).await.unwrap();
                s.check_photos(&mut intake, &parts, |_, _| {}).await.expect("photos checked");
                intake
            } else {
                Intake::read(file.clone(), Limits::default()).unwrap().0
            };
            assert!(matches!(intake.preview(&ws, T0).unwrap(), Previewed::OtherCampaign { .. }));
            let p = FakePlatform::at(T0);
            let db = campaigns::open_bundle(&stores, &p, &ws, &mut intake, Some(&parts)).await.expect("opened");
            let held: Vec<String> = stores.store(&db).photo_index().await.unwrap().into_iter().map(|(h, _)| h).collect();
            assert_eq!(held, want, "the photos came with it (in parts: {in_parts})");
            for b in &images {
                assert_eq!(stores.store(&db).photo(&photo_hash(b)).await.unwrap().as_deref(), Some(b.as_slice()));
            }
            assert!(first.photo_index().await.unwrap().is_empty(), "the open campaign's store is not written");
            let (r, _) = duzhan::storage::boot::open(&stores.store(&db), || panic!("has a device")).await.unwrap();
            assert_eq!(r.docs().filter(|d| d.kind == "photo").count(), 2);
        });
    }
}

#[test]
fn a_lost_campaign_list_is_found_again_from_the_stores() {
    block_on(async {
        let stores = FakeStores::first();
        let first = stores.store(DEFAULT_DB);
        let ws = CellWorkspace::open(&first, "d-office").await;
        let p = FakePlatform::at(T0);
        let db = campaigns::create(&stores, &p, &ws, &new_form()).await.unwrap();
        *stores.catalog.borrow_mut() = None; // localStorage cleared on its own
                                             // An empty store (an import that never committed) is not listed.
        stores.store("duzhan~empty");
        let c = campaigns::list(&stores).await;
        let dbs: Vec<&str> = c.entries.iter().map(|e| e.db.as_str()).collect();
        assert!(dbs.contains(&db.as_str()) && dbs.contains(&DEFAULT_DB), "{dbs:?}");
        assert!(!dbs.contains(&"duzhan~empty"));
        // Switching stores the choice; switching to the open one is nothing.
        assert_eq!(campaigns::switch(&stores, &db).ok(), Some(true));
        use duzhan::app::campaigns::Stores;
        assert_eq!(stores.read_catalog().active_db(), db);
        stores.refuse_catalog.set(true);
        assert!(campaigns::switch(&stores, DEFAULT_DB).is_err(), "a list that cannot be stored is said");
    });
}

/// The workspace's read models, kept up to date by every commit, equal the ones
/// built from scratch from its replica.
fn assert_models_follow(ws: &CellWorkspace, after: &str) {
    let r = ws.replica();
    let fresh = duzhan::core::read_model::ReadModels::build(&r, app_support::models_today());
    let kept = ws.models.borrow();
    assert!(kept.plan == fresh.plan, "after {after}: the plan's read model");
    assert!(kept.field == fresh.field, "after {after}: the field work's read model");
    assert!(kept.reports == fresh.reports, "after {after}: the monthly cycle's read model");
    assert_eq!(kept.ledger.rows_by_id(), fresh.ledger.rows_by_id(), "after {after}: the ledger index");
}

#[test]
fn the_read_models_follow_saves_status_changes_imports_and_another_tabs_commits() {
    use duzhan::core::fieldwork::problem::{stage_transition_after, TransitionRequest};
    use duzhan::core::fieldwork::{ProblemEvent, ProblemStatus};
    block_on(async {
        let store = MemoryStore::new();
        let tab_a = CellWorkspace::open(&store, "d-one").await;
        let tab_b = CellWorkspace::open(&store, "d-one").await;
        let (sa, sb) = (session(&store), session(&store));
        sa.save(&tab_a, |c| rename(c.replica, c.now_ms, "武定县新名")).await.expect("saved");
        assert_models_follow(&tab_a, "a save of a target");
        let field = duzhan::core::fieldwork::generate::generate_campaign(3, 4, 2, 20);
        sa.save(&tab_a, |c| Ok::<_, UserError>(c.replica.stage_merge(&field))).await.expect("merged");
        assert_models_follow(&tab_a, "visits, answers and problems merged");
        // A status change reads the problem's history from the index.
        let (pid, before) = {
            let m = tab_a.models.borrow();
            let (p, evs) =
                m.ledger.problems_with_events().find(|(_, e)| e.last().is_some_and(|e| e.to == ProblemStatus::InProgress)).expect("a problem in progress");
            (p.id.clone(), evs.len())
        };
        let req = TransitionRequest { to: ProblemStatus::AwaitingVerification, by: "督战小分队".into(), comment: "已整改".into(), verification: None };
        sa.save(&tab_a, |c| {
            assert!(c.ledger.is_some(), "the ledger is complete: staging reads it");
            Ok::<_, UserError>(stage_transition_after(c.replica, &c.events_of(&pid), &pid, &req, c.now_ms)?)
        })
        .await
        .expect("status changed");
        assert_models_follow(&tab_a, "a status change");
        let after: Vec<ProblemEvent> = tab_a.models.borrow().ledger.events_of(&pid).to_vec();
        assert_eq!(after.len(), before + 1);
        assert_eq!(tab_a.models.borrow().ledger.get(&pid).map(|r| r.status), Some(ProblemStatus::AwaitingVerification));
        // The other tab hears of it.
        sb.refresh(&tab_b, None).await.expect("refresh");
        assert_models_follow(&tab_b, "another tab's commits");
        assert_eq!(tab_b.models.borrow().ledger.get(&pid).map(|r| r.status), Some(ProblemStatus::AwaitingVerification));
        // An import.
        let (mut intake, _) = Intake::read(other_device_bundle(ExportScope::Full), Limits::default()).unwrap();
        intake.preview(&tab_a, T0).unwrap();
        sa.import(&tab_a, &mut intake).await.expect("imported");
        assert_models_follow(&tab_a, "an import");
        // The later rename (ours) wins; the squad's concurrent one stays visible.
        let m = tab_a.models.borrow();
        assert_eq!(m.plan.target("seed-target-wuding").map(|t| t.name.as_str()), Some("武定县新名"));
        assert!(m.plan.conflicts.get("seed-target-wuding").is_some_and(|c| !c.is_empty()), "the concurrent rename is shown");
    });
}

// ------------------------------------------------------------------ many files at once

/// Chosen files in memory: a name and bytes, or why the file cannot be read. Counts
/// reads, to show each file is read once and on its own.
struct MemFiles {
    files: Vec<(String, Result<Vec<u8>, String>)>,
    reads: std::cell::RefCell<Vec<usize>>,
}

impl MemFiles {
    fn new(files: Vec<(&str, Result<Vec<u8>, String>)>) -> MemFiles {
        MemFiles { files: files.into_iter().map(|(n, b)| (n.to_owned(), b)).collect(), reads: Default::default() }
    }
}

impl Files for MemFiles {
    fn count(&self) -> usize {
        self.files.len()
    }
    fn name(&self, i: usize) -> String {
        self.files[i].0.clone()
    }
    fn size(&self, i: usize) -> u64 {
        self.files[i].1.as_ref().map_or(0, |b| b.len() as u64)
    }
    async fn read(&self, i: usize) -> Result<Vec<u8>, String> {
        self.reads.borrow_mut().push(i);
        yield_once().await;
        self.files[i].1.clone()
    }
}

/// A squad's full bundle with one target renamed.
fn squad_bundle(id: &str, target: &str, name: &str) -> Vec<u8> {
    let mut d = bundle_support::Device::fresh(id);
    let mut t = d.replica.snapshot().target(target).cloned().expect("target");
    t.name = name.into();
    let c = d.replica.stage_save(&[t], T0 - 1_000);
    d.replica.apply(c);
    d.export(ExportScope::Full, T0 - 500).bytes
}

fn target_name(store: &MemoryStore, id: &str) -> String {
    let loaded = block_on(store.load()).expect("load");
    let d = loaded.docs.iter().find(|d| d.id == id).expect("stored");
    let t: duzhan::core::model::Target = duzhan::core::doc::Entity::from_doc(d).expect("decodes");
    t.name
}

fn seal(plain: &[u8], pass: &str) -> Vec<u8> {
    crypto::encrypt(plain, &EncryptParams { passphrase: pass, salt: [1; 16], nonce: [2; 12], iterations: duzhan::core::bundle::limits::MIN_ITERATIONS })
        .unwrap()
}

#[test]
fn many_files_are_read_one_at_a_time_checked_on_their_own_and_imported_in_one_commit() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let files = MemFiles::new(vec![
            ("a.json", Ok(squad_bundle("d-a", "seed-target-xiaohe", "甲改"))),
            ("gone.json", Err("NotFoundError".into())),
            ("b.json", Ok(squad_bundle("d-b", "seed-target-gantang", "乙改"))),
            ("photo.jpg", Ok(vec![0xff, 0xd8, 0xff, 0xe0])),
            ("c.json", Ok(squad_bundle("d-c", "seed-target-wuding", "丙改"))),
        ]);
        let mut seen = Vec::new();
        let intake = BatchIntake::check(&ws, &files, Limits::default(), T0, |p: Progress| {
            seen.push((p.done, p.total));
            async {}
        })
        .await
        .expect("checked");
        assert_eq!(seen, [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]);
        assert_eq!(*files.reads.borrow(), [0, 1, 2, 3, 4], "each file read once, in turn");
        let codes: Vec<_> = intake.batch().files().iter().map(|f| f.outcome.code()).collect();
        assert_eq!(codes, ["bundle", "refused", "bundle", "refused", "bundle"]);
        let Outcome::Refused(e) = &intake.batch().files()[1].outcome else { panic!() };
        assert!(e.message(Lang::Zh).contains("无法读取"), "{}", e.message(Lang::Zh));
        assert!(ws.applied.borrow().is_empty(), "checking writes nothing");

        let done = s.import_batch(&ws, &files, intake).await.expect("imported");
        assert_eq!((done.bundles, done.left_out, done.records_written), (3, 2, 3));
        assert_eq!(ws.applied.borrow().len(), 1, "one commit for the whole batch");
        for (id, name) in [("seed-target-xiaohe", "甲改"), ("seed-target-gantang", "乙改"), ("seed-target-wuding", "丙改")] {
            assert_eq!(target_name(&store, id), name);
        }
        let known: Vec<_> = ws.sync_ledger().known_devices().into_iter().map(|d| d.device_id.0).collect();
        assert_eq!(known, ["d-a", "d-b", "d-c"]);
    });
}

#[test]
fn a_batch_whose_commit_fails_leaves_the_store_and_the_ledger_as_they_were() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let files = MemFiles::new(vec![
            ("a.json", Ok(squad_bundle("d-a", "seed-target-xiaohe", "甲改"))),
            ("b.json", Ok(squad_bundle("d-b", "seed-target-gantang", "乙改"))),
        ]);
        let before = block_on(store.load()).unwrap().docs;
        let ledger_before = block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap();
        let intake = BatchIntake::check(&ws, &files, Limits::default(), T0, |_| async {}).await.unwrap();
        store.fail_next_commit(StoreError::QuotaExceeded);
        let err = s.import_batch(&ws, &files, intake).await.unwrap_err();
        assert_eq!(err.message(Lang::Zh), StoreError::QuotaExceeded.message(Lang::Zh));
        assert_eq!(block_on(store.load()).unwrap().docs, before);
        assert_eq!(block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap(), ledger_before);
        assert!(ws.sync_ledger().known_devices().is_empty());
        // Chosen again, the batch goes in.
        let intake = BatchIntake::check(&ws, &files, Limits::default(), T0, |_| async {}).await.unwrap();
        s.import_batch(&ws, &files, intake).await.expect("second try");
        assert_eq!(target_name(&store, "seed-target-gantang"), "乙改");
    });
}

#[test]
fn encrypted_files_of_a_batch_ask_once_per_passphrase() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let files = MemFiles::new(vec![
            ("a.json", Ok(seal(&squad_bundle("d-a", "seed-target-xiaohe", "甲改"), "武定的口令"))),
            ("b.json", Ok(seal(&squad_bundle("d-b", "seed-target-gantang", "乙改"), "武定的口令"))),
            ("c.json", Ok(seal(&squad_bundle("d-c", "seed-target-wuding", "丙改"), "元谋的口令"))),
            ("d.json", Ok(squad_bundle("d-d", "seed-target-qixian", "丁改"))),
        ]);
        let mut intake = BatchIntake::check(&ws, &files, Limits::default(), T0, |_| async {}).await.unwrap();
        assert_eq!(intake.batch().locked(), [0, 1, 2]);
        assert_eq!(intake.unlock(&ws, &files, "不对的口令", T0).await.unwrap(), 0);
        assert_eq!(intake.unlock(&ws, &files, "武定的口令", T0).await.unwrap(), 2);
        assert_eq!(intake.batch().locked(), [2]);
        assert_eq!(intake.unlock(&ws, &files, "元谋的口令", T0).await.unwrap(), 1);
        let codes: Vec<_> = intake.batch().files().iter().map(|f| f.outcome.code()).collect();
        assert_eq!(codes, ["bundle", "bundle", "bundle", "bundle"], "each file keeps its place in the list");
        let done = s.import_batch(&ws, &files, intake).await.unwrap();
        assert_eq!(done.bundles, 4);
        assert_eq!(target_name(&store, "seed-target-wuding"), "丙改");
    });
}

#[test]
fn one_receipt_for_a_batch_is_noted_per_device_and_clears_each_squads_not_yet_received() {
    block_on(async {
        let store = MemoryStore::new();
        let ws = CellWorkspace::open(&store, "d-office").await;
        let s = session(&store);
        let mut squads: Vec<_> = ["d-a", "d-b"].iter().map(|id| bundle_support::Device::fresh(id)).collect();
        let mut chosen = Vec::new();
        for (d, target) in squads.iter_mut().zip(["seed-target-xiaohe", "seed-target-gantang"]) {
            let mut t = d.replica.snapshot().target(target).cloned().unwrap();
            t.name = format!("{}改", d.replica.device());
            let c = d.replica.stage_save(&[t], T0 - 1_000);
            d.replica.apply(c);
            chosen.push((target, Ok(d.export(ExportScope::Full, T0 - 500).bytes)));
        }
        let files = MemFiles::new(chosen);
        let intake = BatchIntake::check(&ws, &files, Limits::default(), T0, |_| async {}).await.unwrap();
        s.import_batch(&ws, &files, intake).await.unwrap();
        s.set_device_role(&ws, &DeviceId("d-a".into()), Some(DeviceRole::Squad)).await.unwrap();
        let receipt = s.make_receipt(&ws, None).await.expect("receipt");
        assert_eq!(receipt.entries, 2);
        let ledger = ws.sync_ledger();
        let stored = block_on(store.meta(duzhan::core::bundle::ledger::META_SYNC_LEDGER)).unwrap();
        assert_eq!(stored, Some(ledger.to_meta().unwrap()), "the receipt is noted in the stored ledger");
        let rows = status_rows(&ledger, T0);
        assert!(rows.iter().all(|r| r.receipt_sent == Some((T0, 1)) && !r.receipt_due), "{rows:?}");
        assert_eq!(rows[0].role, Some(DeviceRole::Squad));
        // Each squad takes the same receipt: its own export is acknowledged.
        let office = DeviceId("d-office".into());
        for d in &mut squads {
            assert_eq!(d.ledger.known_by(&office).count_uncovered(d.replica.docs()), 1, "before: its edit is not yet the office's");
            let r = duzhan::core::bundle::receipt::read_receipt(&receipt.bytes, &Limits::default()).unwrap();
            let out = duzhan::core::bundle::receipt::apply_receipt(&r, &d.replica, &d.ledger).unwrap();
            assert_eq!(out.newly_acknowledged, vec![1]);
            d.ledger = out.ledger;
            assert_eq!(d.ledger.known_by(&office).count_uncovered(d.replica.docs()), 0);
        }
    });
}
