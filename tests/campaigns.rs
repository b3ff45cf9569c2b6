//! Starting a new campaign (新建工作方案) and opening another campaign's bundle as
//! a campaign of this device, on the memory store: the old campaign's store is
//! never touched, the new one survives a reopen, and a bundle of another campaign
//! lands whole in a store of its own — or, refused, writes nothing.

#[path = "bundle_support/mod.rs"]
mod bundle_support;

use bundle_support::{test_limits, Device};
use duzhan::core::bundle::import::read_bundle;
use duzhan::core::bundle::{state_hash, ExportScope, ImportError};
use duzhan::core::campaigns::{stage_new_campaign, NewCampaignForm};
use duzhan::core::clock::DeviceId;
use duzhan::core::default_plan;
use duzhan::core::seed;
use duzhan::storage::boot;
use duzhan::storage::campaigns::{create, open_bundle_as_campaign, stored_campaign, CampaignStoreError};
use duzhan::storage::{MemoryStore, Store};

fn form() -> NewCampaignForm {
    NewCampaignForm {
        name: "楚雄州巩固拓展脱贫攻坚成果督战".into(),
        year: "2021".into(),
        doc_no: "楚贫组发〔2021〕2号".into(),
        issuer: "楚雄州扶贫开发领导小组".into(),
        carry_over: true,
    }
}

fn dump(store: &MemoryStore) -> duzhan::storage::Loaded {
    pollster::block_on(store.load()).unwrap()
}

#[test]
fn a_new_campaign_lives_in_its_own_store_and_the_old_one_is_untouched() {
    pollster::block_on(async {
        let old = MemoryStore::new();
        let (plan, _) = boot::open(&old, || DeviceId("d-old".into())).await.unwrap();
        let before = dump(&old);

        let new = stage_new_campaign(&form(), &plan, DeviceId("d-new".into()), 1_700_000_000_000).unwrap();
        let id = new.campaign_id.clone();
        let store = MemoryStore::new();
        let made = create(&store, new.clone(), "州扶贫办").await.unwrap();
        assert_eq!(made.campaign_id(), Some(id.as_str()));
        assert_eq!(dump(&old), before, "the old campaign's store is not written");

        // Reopened as the app does on the next start: the same records, the squad
        // name kept, and no embedded default added to a campaign that is not the plan.
        let (reopened, info) = boot::open(&store, || panic!("the store has its device already")).await.unwrap();
        assert_eq!(state_hash(reopened.docs()), state_hash(made.docs()));
        assert_eq!((info.device_id.0.as_str(), info.squad_name.as_str()), ("d-new", "州扶贫办"));
        assert!(reopened.doc(seed::CAMPAIGN_ID).is_none());
        let snap = reopened.snapshot();
        assert_eq!(snap.campaign.map(|c| (c.name, c.year)), Some(("楚雄州巩固拓展脱贫攻坚成果督战".to_owned(), 2021)));
        assert_eq!(snap.counties.len(), plan.snapshot().counties.len());
        assert!(snap.targets.is_empty());

        // What a lost campaign list is rebuilt from: the campaign each store holds,
        // read without writing (an empty store stays empty).
        assert_eq!(stored_campaign(&store).await.unwrap().map(|c| c.id), Some(id.clone()));
        let empty = MemoryStore::new();
        assert_eq!(stored_campaign(&empty).await.unwrap(), None);
        assert!(dump(&empty).meta.is_empty(), "reading a store writes nothing");

        // A second try (after a failure between the commit and the switch) is harmless.
        let again = create(&store, new, "州扶贫办").await.unwrap();
        assert_eq!(state_hash(again.docs()), state_hash(made.docs()));
    });
}

#[test]
fn a_failed_first_commit_leaves_the_new_store_empty_and_a_retry_succeeds() {
    pollster::block_on(async {
        let plan = Device::fresh("d-old").replica;
        let new = stage_new_campaign(&form(), &plan, DeviceId("d-new".into()), 5).unwrap();
        let store = MemoryStore::new();
        store.fail_next_commit(duzhan::storage::StoreError::QuotaExceeded);
        assert_eq!(create(&store, new.clone(), "").await.unwrap_err(), CampaignStoreError::Store(duzhan::storage::StoreError::QuotaExceeded));
        assert!(dump(&store).docs.is_empty() && dump(&store).meta.is_empty());
        let staged = new.docs.len();
        create(&store, new, "").await.unwrap();
        assert_eq!(dump(&store).docs.len(), staged, "every record of the new campaign, once");
    });
}

/// The office starts a campaign and sends it out; a squad device that holds the
/// plan opens it as a campaign of its own, and later bundles of it import there.
#[test]
fn another_campaigns_bundle_opens_as_a_campaign_of_its_own() {
    pollster::block_on(async {
        let office_store = MemoryStore::new();
        let plan = Device::fresh("d-office").replica;
        let new = stage_new_campaign(&form(), &plan, DeviceId("d-office2".into()), 1_000).unwrap();
        let made = create(&office_store, new, "州扶贫办").await.unwrap();
        let mut office = Device::with_docs("d-office2", made.docs().cloned().collect());
        let full = office.export(ExportScope::Full, 2_000);

        // The squad's open store (the plan) refuses it.
        let squad = Device::fresh("d-squad");
        assert!(matches!(squad.preview(&full.bytes).unwrap_err(), ImportError::WrongCampaign { .. }));

        let store = MemoryStore::new();
        let incoming = read_bundle(&full.bytes, None, &test_limits()).unwrap();
        let opened = open_bundle_as_campaign(&store, DeviceId("d-squad2".into()), "武定小分队", incoming, 3_000).await.unwrap();
        assert_eq!(opened.campaign.year, 2021);
        assert_eq!(opened.totals.new as usize, office.replica.len());
        assert_eq!(state_hash(opened.replica.docs()), office.hash());
        let (reopened, info) = boot::open(&store, || panic!("device exists")).await.unwrap();
        assert_eq!(state_hash(reopened.docs()), office.hash());
        assert_eq!(info.squad_name, "武定小分队");
        assert!(info.sync_ledger.is_some(), "the import is in the store's sync ledger");

        // The same bundle again changes nothing.
        let before = dump(&store);
        let incoming = read_bundle(&full.bytes, None, &test_limits()).unwrap();
        let again = open_bundle_as_campaign(&store, DeviceId("d-unused".into()), "", incoming, 4_000).await.unwrap();
        assert_eq!(again.totals.new, 0);
        assert_eq!(dump(&store).docs, before.docs);

        // Later work of the office imports into it as into any campaign.
        let county = office.replica.snapshot().counties[0].clone();
        let renamed = duzhan::core::model::County { name: format!("{}（新）", county.name), ..county };
        let edit = office.replica.stage_save(&[renamed], 5_000);
        office.replica.apply(edit);
        let delta = office.export(ExportScope::Full, 6_000);
        let mut there = Device::with_docs("d-squad2", reopened.docs().cloned().collect());
        there.ledger = duzhan::core::bundle::SyncLedger::from_meta(info.sync_ledger.as_deref()).unwrap();
        there.import(&delta.bytes).unwrap();
        assert_eq!(there.hash(), office.hash());
    });
}

#[test]
fn a_bundle_without_its_campaign_record_is_refused_and_writes_nothing() {
    pollster::block_on(async {
        // A bundle of a device that holds no campaign record: nothing to start from.
        let mut empty = Device::empty("d-empty");
        let county = duzhan::core::model::County { id: "c-1".into(), seq: 1, name: "某县".into() };
        let edit = empty.replica.stage_save(&[county], 10);
        empty.replica.apply(edit);
        let f = {
            // An export needs a campaign id; give the bundle one by exporting from a
            // copy that holds the campaign, then drop the campaign record from it.
            let mut with =
                Device::with_docs("d-empty", empty.replica.docs().cloned().chain(default_plan::docs().into_iter().filter(|d| d.kind == "campaign")).collect());
            with.export(ExportScope::Full, 20)
        };
        let mut incoming = read_bundle(&f.bytes, None, &test_limits()).unwrap();
        incoming.docs.retain(|d| d.kind != "campaign");
        let store = MemoryStore::new();
        let e = open_bundle_as_campaign(&store, DeviceId("d-x".into()), "", incoming, 30).await.unwrap_err();
        assert_eq!(e, CampaignStoreError::Import(ImportError::NoCampaignRecord { campaign: seed::CAMPAIGN_ID.into() }));
        assert!(e.message(duzhan::core::i18n::Lang::Zh).contains("全部数据"));
        let d = dump(&store);
        assert!(d.docs.is_empty() && d.meta.is_empty(), "nothing written");
    });
}

#[test]
fn a_store_holding_another_campaign_is_never_written() {
    pollster::block_on(async {
        let plan = Device::fresh("d-old").replica;
        let a = stage_new_campaign(&form(), &plan, DeviceId("d-a".into()), 1).unwrap();
        let store = MemoryStore::new();
        create(&store, a, "").await.unwrap();
        let before = dump(&store);
        let b = stage_new_campaign(&form(), &plan, DeviceId("d-b".into()), 2).unwrap();
        assert!(matches!(create(&store, b, "").await.unwrap_err(), CampaignStoreError::Occupied { .. }));
        assert_eq!(dump(&store).docs, before.docs);

        let mut other = Device::fresh("d-plan");
        let f = other.export(ExportScope::Full, 3);
        let incoming = read_bundle(&f.bytes, None, &test_limits()).unwrap();
        let e = open_bundle_as_campaign(&store, DeviceId("d-y".into()), "", incoming, 4).await.unwrap_err();
        assert!(matches!(e, CampaignStoreError::Occupied { .. }), "{e:?}");
        assert!(!e.message(duzhan::core::i18n::Lang::Zh).is_empty());
        assert_eq!(dump(&store).docs, before.docs);
    });
}
