//! Attaching photos (照片取证) as a use case, natively on the memory store: the
//! bytes are stored by address before their records, both checked first; the same
//! image is stored once; refusals and a full disk write no record; bytes no record
//! refers to can be freed.

#[path = "app_support/mod.rs"]
mod app_support;

use app_support::{CellWorkspace, FakePlatform};
use duzhan::app::{CommitError, SaveStatus, Session, Workspace};
use duzhan::core::doc::{decode, Entity};
use duzhan::core::fieldwork::photo::*;
use duzhan::core::i18n::Lang;
use duzhan::storage::{MemoryStore, Store, StoreError};

const T0: u64 = 1_593_561_600_000; // 2020-07-01 08:00 +08:00

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// The structure of a baseline JPEG of `w`×`h` (`seed` varies the image data).
fn jpeg(w: u16, h: u16, seed: u8) -> Vec<u8> {
    app_support::test_jpeg(w, h, seed, 0)
}

fn prepared(bytes: Vec<u8>) -> Prepared {
    Prepared { bytes, exif: ExifFacts::default(), source_sha256: None, caption: " 危房 ".into(), stamped: true, geo: None }
}

/// A squad's tab with one submitted visit at 武定.
/// A squad's tab with one submitted visit at 武定.
fn squad(store: &MemoryStore) -> (CellWorkspace, Session<MemoryStore, FakePlatform>) {
    app_support::squad_with_visit(store, T0)
}

fn on_visit(photos: Vec<Prepared>) -> Attach {
    Attach { owner_id: "visit-1".into(), slot: PhotoSlot::Visit, photos }
}

fn photo_records(store: &MemoryStore) -> Vec<Photo> {
    block_on(store.load()).unwrap().docs.iter().filter(|d| d.kind == Photo::KIND && !d.is_deleted()).map(|d| decode(d).unwrap()).collect()
}

#[test]
fn attached_photos_are_stored_by_address_with_records_that_say_what_they_back() {
    let store = MemoryStore::new();
    let (ws, s) = squad(&store);
    let (a, b) = (jpeg(1600, 1200, 1), jpeg(1200, 1600, 2));
    let mut with_exif = prepared(b.clone());
    with_exif.exif.taken = chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap().and_hms_opt(16, 0, 0);
    with_exif.geo = Some(Geo { lat: 25.53, lon: 102.4, accuracy_m: Some(8.0) });
    let ids = block_on(s.attach_photos(&ws, &on_visit(vec![prepared(a.clone()), with_exif]))).expect("attached");
    assert_eq!(ids.len(), 2);
    assert_eq!(block_on(store.photo(&photo_hash(&a))).unwrap().as_deref(), Some(a.as_slice()));
    assert_eq!(block_on(store.photo_index()).unwrap().len(), 2);
    let mut records = photo_records(&store);
    records.sort_by_key(|p| p.width);
    let (tall, wide) = (&records[0], &records[1]);
    assert_eq!((wide.width, wide.height, wide.taken_ms, wide.taken_from), (1600, 1200, T0, TakenFrom::Attached));
    assert_eq!((wide.target_id.as_str(), wide.squad_name.as_str(), wide.caption.as_str()), ("seed-target-wuding", "武定县第一小分队", "危房"));
    // EXIF's 16:00 in China is 08:00 UTC.
    assert_eq!((tall.taken_ms, tall.taken_from), (1_593_504_000_000, TakenFrom::Exif));
    assert_eq!(tall.geo.map(|g| g.lat), Some(25.53));
    assert_eq!(ws.status(), SaveStatus::Saved);
}

#[test]
fn the_same_image_attached_again_is_one_photo_stored_once() {
    let store = MemoryStore::new();
    let (ws, s) = squad(&store);
    let a = jpeg(800, 600, 1);
    block_on(s.attach_photos(&ws, &on_visit(vec![prepared(a.clone()), prepared(a.clone())]))).expect("attached");
    block_on(s.attach_photos(&ws, &on_visit(vec![prepared(a.clone())]))).expect("again");
    assert_eq!(photo_records(&store).len(), 1);
    assert_eq!(block_on(store.photo_index()).unwrap(), vec![(photo_hash(&a), a.len() as u32)]);
}

#[test]
fn refused_photos_write_nothing_and_say_why_in_chinese() {
    let store = MemoryStore::new();
    let (ws, s) = squad(&store);
    let refused = |a: Attach| match block_on(s.attach_photos(&ws, &a)) {
        Err(CommitError::Refused(e)) => e,
        other => panic!("{other:?}"),
    };
    let mut cut = jpeg(800, 600, 1);
    cut.truncate(cut.len() - 2);
    assert_eq!(refused(on_visit(vec![prepared(jpeg(10, 10, 1)), prepared(cut)])), PhotoError::NotJpeg);
    assert_eq!(refused(on_visit(vec![prepared(b"<html>".to_vec())])), PhotoError::NotJpeg);
    assert_eq!(refused(on_visit(vec![prepared(jpeg(5000, 10, 1))])), PhotoError::Invalid("width/height"));
    assert_eq!(refused(Attach { owner_id: "visit-nowhere".into(), ..on_visit(vec![prepared(jpeg(10, 10, 1))]) }), PhotoError::NoOwner);
    // A 整改前 photo needs a problem, not a visit.
    assert_eq!(refused(Attach { slot: PhotoSlot::Before, ..on_visit(vec![prepared(jpeg(10, 10, 1))]) }), PhotoError::NoOwner);
    let nine: Vec<Prepared> = (0..9).map(|i| prepared(jpeg(10, 10, i))).collect();
    block_on(s.attach_photos(&ws, &on_visit(nine))).expect("nine");
    let e = refused(on_visit(vec![prepared(jpeg(10, 10, 99))]));
    assert_eq!(e, PhotoError::TooMany(MAX_PER_SLOT));
    assert!(e.message(Lang::Zh).contains('请'));
    assert_eq!(photo_records(&store).len(), 9);
    assert_eq!(block_on(store.photo_index()).unwrap().len(), 9, "no refused photo's bytes were stored");
}

#[test]
fn a_full_disk_while_storing_the_bytes_saves_no_record_and_loses_nothing() {
    let store = MemoryStore::new();
    let (ws, s) = squad(&store);
    let before = block_on(store.load()).unwrap().docs.len();
    store.fail_next_commit(StoreError::QuotaExceeded);
    match block_on(s.attach_photos(&ws, &on_visit(vec![prepared(jpeg(10, 10, 1))]))) {
        Err(CommitError::Store(StoreError::QuotaExceeded)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(ws.status(), SaveStatus::Failed(StoreError::QuotaExceeded));
    assert_eq!(block_on(store.load()).unwrap().docs.len(), before, "no record, the visit kept");
    assert!(block_on(store.photo_index()).unwrap().is_empty());
    // The next try goes through.
    block_on(s.attach_photos(&ws, &on_visit(vec![prepared(jpeg(10, 10, 1))]))).expect("retry");
}

#[test]
fn a_removed_photo_keeps_its_bytes_until_they_are_freed_and_shared_bytes_stay() {
    let store = MemoryStore::new();
    let (ws, s) = squad(&store);
    let (a, b) = (jpeg(10, 10, 1), jpeg(10, 10, 2));
    let ids = block_on(s.attach_photos(&ws, &on_visit(vec![prepared(a.clone()), prepared(b.clone())]))).expect("attached");
    let gone = ids.iter().find(|id| **id == photo_id("visit-1", &photo_hash(&a))).unwrap().clone();
    block_on(s.save(&ws, |c| Ok::<_, PhotoError>(c.replica.stage_delete(&[gone.as_str()], c.now_ms)))).expect("removed");
    assert_eq!(block_on(store.photo_index()).unwrap().len(), 2, "deleting a record keeps the bytes");
    assert_eq!(block_on(s.free_unreferenced_photos(&ws)).unwrap(), (1, a.len() as u64));
    assert_eq!(block_on(store.photo(&photo_hash(&a))).unwrap(), None);
    assert_eq!(block_on(store.photo(&photo_hash(&b))).unwrap().as_deref(), Some(b.as_slice()));
    assert_eq!(block_on(s.free_unreferenced_photos(&ws)).unwrap(), (0, 0));
}
