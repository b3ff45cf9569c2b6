//! Test doubles for the application layer's ports: a platform with a settable
//! clock and counted randomness, a workspace of plain cells, and a browser's set
//! of stores made of memory stores.
#![allow(dead_code)]

use chrono::NaiveDate;
use duzhan::app::campaigns::Stores;
use duzhan::app::{DataMarker, Platform, Records, SaveStatus, Workspace};
use duzhan::core::bundle::StoredLedger;
use duzhan::core::campaigns::{Catalog, DEFAULT_DB};
use duzhan::core::clock::DeviceId;
use duzhan::core::read_model::{ReadModels, Stage};
use duzhan::core::replica::{Change, Replica};
use duzhan::storage::boot::{self, DeviceInfo};
use duzhan::storage::{MemoryStore, StoreError};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A platform whose clock the test sets, whose randomness counts up, and which
/// records what it was told.
#[derive(Default)]
pub struct FakePlatform {
    pub now: Cell<u64>,
    pub counter: Cell<u64>,
    pub announced: RefCell<Vec<Vec<String>>>,
    pub marker: RefCell<Option<DataMarker>>,
    pub sleeps: Cell<usize>,
    pub saved: Cell<usize>,
}

impl FakePlatform {
    /// Each platform's randomness starts elsewhere, so two devices of one test never
    /// draw the same bytes (the same device key, say).
    pub fn at(now: u64) -> FakePlatform {
        static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let p = FakePlatform::default();
        p.now.set(now);
        p.counter.set(INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * 1_000_003);
        p
    }
}

/// A future that is pending once, so `join`ed futures take turns.
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

pub fn yield_once() -> YieldOnce {
    YieldOnce(false)
}

/// The day the workspace's read models count overdue problems from.
pub fn models_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 6, 1).expect("a date")
}

impl Platform for FakePlatform {
    type Lock = ();
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    fn today(&self) -> NaiveDate {
        duzhan::core::calendar::date_of_ms(self.now.get())
    }
    fn fill_random(&self, buf: &mut [u8]) {
        for b in buf.iter_mut() {
            self.counter.set(self.counter.get() + 1);
            // A small LCG step: distinct, well-spread bytes for every call.
            *b = (self.counter.get().wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) >> 56) as u8;
        }
    }
    async fn lock(&self) {}
    async fn sleep_ms(&self, _ms: u32) {
        self.sleeps.set(self.sleeps.get() + 1);
        yield_once().await
    }
    fn announce(&self, ids: &[&str]) {
        self.announced.borrow_mut().push(ids.iter().map(|s| s.to_string()).collect());
    }
    fn write_marker(&self, marker: &DataMarker) {
        *self.marker.borrow_mut() = Some(marker.clone());
    }
    fn saved(&self) {
        self.saved.set(self.saved.get() + 1);
    }
}

/// The app's state in plain cells; `statuses` keeps every status it was set to.
pub struct CellWorkspace {
    pub replica: RefCell<Option<Replica>>,
    /// Kept up to date by `apply_committed`, as the browser's are.
    pub models: RefCell<ReadModels>,
    pub ledger: RefCell<StoredLedger>,
    pub records: Cell<Records>,
    pub status: RefCell<SaveStatus>,
    pub statuses: RefCell<Vec<SaveStatus>>,
    pub device: RefCell<Option<DeviceInfo>>,
    pub applied: RefCell<Vec<Change>>,
    pub loss: Cell<bool>,
}

impl CellWorkspace {
    pub fn new(replica: Replica, device: DeviceInfo) -> CellWorkspace {
        let ledger = StoredLedger::from_text(device.sync_ledger.as_deref()).unwrap_or_default();
        let models = ReadModels::build(&replica, models_today());
        CellWorkspace {
            models: RefCell::new(models),
            replica: RefCell::new(Some(replica)),
            ledger: RefCell::new(ledger),
            records: Cell::new(Records::Ready),
            status: RefCell::new(SaveStatus::Idle),
            statuses: RefCell::new(Vec::new()),
            device: RefCell::new(Some(device)),
            applied: RefCell::new(Vec::new()),
            loss: Cell::new(false),
        }
    }

    /// A tab opened on `store` as the app opens one (first run writes the default).
    pub async fn open(store: &MemoryStore, device: &str) -> CellWorkspace {
        let id = DeviceId(device.to_owned());
        let (replica, info) = boot::open(store, move || id).await.expect("open");
        CellWorkspace::new(replica, info)
    }

    pub fn replica(&self) -> std::cell::Ref<'_, Replica> {
        std::cell::Ref::map(self.replica.borrow(), |r| r.as_ref().expect("open"))
    }
}

impl Workspace for CellWorkspace {
    fn with_replica<T>(&self, f: impl FnOnce(&Replica) -> T) -> Option<T> {
        self.replica.borrow().as_ref().map(f)
    }
    fn update_quietly(&self, f: impl FnOnce(&mut Replica)) {
        if let Some(r) = self.replica.borrow_mut().as_mut() {
            f(r)
        }
    }
    fn with_stage<T>(&self, today: NaiveDate, now_ms: u64, f: impl FnOnce(&Stage) -> T) -> Option<T> {
        let models = self.models.borrow();
        self.replica.borrow().as_ref().map(|r| f(&models.stage(r, today, now_ms)))
    }
    fn apply_committed(&self, change: Change) {
        self.applied.borrow_mut().push(change.clone());
        if let Some(r) = self.replica.borrow_mut().as_mut() {
            self.models.borrow_mut().apply(r, change, models_today());
        }
    }
    fn sync_ledger(&self) -> StoredLedger {
        self.ledger.borrow().clone()
    }
    fn set_sync_ledger(&self, ledger: StoredLedger) {
        *self.ledger.borrow_mut() = ledger;
    }
    fn records(&self) -> Records {
        self.records.get()
    }
    fn status(&self) -> SaveStatus {
        self.status.borrow().clone()
    }
    fn set_status(&self, status: SaveStatus) {
        self.statuses.borrow_mut().push(status.clone());
        *self.status.borrow_mut() = status;
    }
    fn device(&self) -> Option<DeviceInfo> {
        self.device.borrow().clone()
    }
    fn set_squad_name(&self, name: &str) {
        if let Some(d) = self.device.borrow_mut().as_mut() {
            d.squad_name = name.to_owned();
        }
    }
    fn reporting_loss(&self) -> bool {
        self.loss.get()
    }
}

/// A browser's stores: memory stores by name, the campaign list, and which store
/// this page opened.
pub struct FakeStores {
    pub stores: RefCell<BTreeMap<String, MemoryStore>>,
    pub catalog: RefCell<Option<String>>,
    pub open_db: String,
    pub refuse_catalog: Cell<bool>,
}

impl FakeStores {
    pub fn new(open_db: &str) -> FakeStores {
        FakeStores { stores: RefCell::new(BTreeMap::new()), catalog: RefCell::new(None), open_db: open_db.to_owned(), refuse_catalog: Cell::new(false) }
    }

    /// The first store, as a fresh device has it.
    pub fn first() -> FakeStores {
        FakeStores::new(DEFAULT_DB)
    }

    pub fn store(&self, name: &str) -> MemoryStore {
        self.stores.borrow_mut().entry(name.to_owned()).or_default().clone()
    }
}

impl Stores for FakeStores {
    type Store = MemoryStore;
    async fn open(&self, name: &str) -> Result<MemoryStore, StoreError> {
        Ok(self.store(name))
    }
    async fn existing(&self, catalog: &Catalog) -> Vec<(String, MemoryStore)> {
        let names: Vec<String> = self.stores.borrow().keys().cloned().collect();
        catalog.unlisted(names).into_iter().map(|n| (n.clone(), self.store(&n))).collect()
    }
    fn read_catalog(&self) -> Catalog {
        Catalog::from_json(self.catalog.borrow().as_deref()).unwrap_or_default()
    }
    fn write_catalog(&self, catalog: &Catalog) -> Result<(), StoreError> {
        if self.refuse_catalog.get() {
            return Err(StoreError::QuotaExceeded);
        }
        *self.catalog.borrow_mut() = Some(catalog.to_json());
        Ok(())
    }
    fn open_db(&self) -> String {
        self.open_db.clone()
    }
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// The structure of a baseline JPEG of `w`×`h` (what the photo checks read):
/// `seed` varies its tables and data, `fill` adds that many bytes of image data.
pub fn test_jpeg(w: u16, h: u16, seed: u8, fill: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend(segment(0xDB, &[seed; 65]));
    let mut sof = vec![8];
    sof.extend_from_slice(&h.to_be_bytes());
    sof.extend_from_slice(&w.to_be_bytes());
    sof.extend_from_slice(&[1, 1, 0x11, 0]);
    b.extend(segment(0xC0, &sof));
    b.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    b.push(seed);
    b.extend((0..fill).map(|i| (i as u8).wrapping_mul(seed) & 0x7F));
    b.extend_from_slice(&[0x34, 0xFF, 0xD9]);
    b
}

/// A squad's tab on `store` (device `d-squad`, named 武定县第一小分队) with one
/// submitted visit `visit-1` at 武定, saved at `now`: where photos are attached.
pub fn squad_with_visit(store: &MemoryStore, now: u64) -> (CellWorkspace, duzhan::app::Session<MemoryStore, FakePlatform>) {
    use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
    let ws = pollster::block_on(CellWorkspace::open(store, "d-squad"));
    let s = duzhan::app::Session::new(store.clone(), FakePlatform::at(now));
    pollster::block_on(s.save_squad_name(&ws, "武定县第一小分队")).expect("named");
    let mut v = Visit::new_draft("visit-1".into(), "seed-target-wuding".into(), crate::app_support::day(2020, 7, 1), VisitMode::SquadRoutine);
    v.members = vec!["罗文慧".into()];
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(now);
    pollster::block_on(s.save(&ws, |c| Ok::<_, duzhan::core::fieldwork::photo::PhotoError>(c.replica.stage_save(&[v], c.now_ms)))).expect("visit saved");
    (ws, s)
}

/// A day of the campaign calendar.
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
}
