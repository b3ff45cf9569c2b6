//! Photos carried in bundles (照片随数据包, format v3) as use cases, natively on the
//! memory store: a squad's photos travel to the office with their records, read a
//! part at a time; the preview counts them before anything is written; a file with
//! one bad photo is refused whole and writes nothing; "records only" leaves them
//! out (照片待补传) until a file carrying them arrives; encrypted and sealed files
//! carry them too; many files at once.

#[path = "app_support/mod.rs"]
mod app_support;

use app_support::{CellWorkspace, FakePlatform};
use duzhan::app::batch::{BatchIntake, Files};
use duzhan::app::exchange::{FileParts, Intake, PhotoExport, Previewed, Read};
use duzhan::app::{CommitError, Platform, Session, Workspace};
use duzhan::core::bundle::export::ExportScope;
use duzhan::core::bundle::photos::PhotoCounts;
use duzhan::core::bundle::{ExportRequest, ImportError, Limits};
use duzhan::core::doc::Entity;
use duzhan::core::fieldwork::photo::*;
use duzhan::storage::{MemoryStore, Store};
use std::cell::RefCell;

const T0: u64 = 1_593_561_600_000; // 2020-07-01 08:00 +08:00

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

type S = Session<MemoryStore, FakePlatform>;

fn jpeg(w: u16, h: u16, seed: u8, fill: usize) -> Vec<u8> {
    app_support::test_jpeg(w, h, seed, fill)
}

fn prepared(bytes: Vec<u8>) -> Prepared {
    Prepared { bytes, exif: ExifFacts::default(), source_sha256: None, caption: "危房".into(), stamped: false, geo: None }
}

/// A squad's device with a submitted visit at 武定 and `n` photos on it.
fn squad_with_photos(n: u8) -> (MemoryStore, CellWorkspace, S, Vec<Vec<u8>>) {
    squad_with_photos_of(n, 3000)
}

/// [`squad_with_photos`] with photos of about `fill` bytes each.
fn squad_with_photos_of(n: u8, fill: usize) -> (MemoryStore, CellWorkspace, S, Vec<Vec<u8>>) {
    let store = MemoryStore::new();
    let (ws, s) = app_support::squad_with_visit(&store, T0);
    let photos: Vec<Vec<u8>> = (0..n).map(|i| jpeg(1600, 1200, i + 1, fill + usize::from(i) * 100)).collect();
    if n > 0 {
        let a = Attach { owner_id: "visit-1".into(), slot: PhotoSlot::Visit, photos: photos.iter().cloned().map(prepared).collect() };
        block_on(s.attach_photos(&ws, &a)).expect("attached");
    }
    (store, ws, s, photos)
}

fn office() -> (MemoryStore, CellWorkspace, S) {
    let store = MemoryStore::new();
    let ws = block_on(CellWorkspace::open(&store, "d-office"));
    let s = Session::new(store.clone(), FakePlatform::at(T0 + 60_000));
    (store, ws, s)
}

fn req(s: &S, scope: ExportScope, id: u8) -> ExportRequest {
    ExportRequest {
        scope,
        recipient: None,
        squad_name: "武定县第一小分队".into(),
        created_ms: T0,
        date: s.platform().today(),
        bundle_id: [id; 16],
        carry_restricted: false,
    }
}

/// The whole file an export hands over: its bytes, then its photo lines.
fn file_of(s: &S, ws: &CellWorkspace, how: PhotoExport, id: u8) -> Vec<u8> {
    whole(s, block_on(s.export_as(ws, &req(s, ExportScope::Full, id), None, how)).expect("exported"))
}

/// The whole file of an export: its bytes, then the rest as the app writes it.
fn whole(s: &S, mut e: duzhan::app::exchange::Exported) -> Vec<u8> {
    let mut file = e.bytes.clone();
    block_on(s.write_rest(&mut e, |p| file.extend_from_slice(&p))).expect("the rest");
    file
}

/// Bytes read through the port in small parts, so that lines span parts.
struct Small<'a>(&'a [u8], u64);

impl FileParts for Small<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        self.0.read_range(start, end).await
    }
    fn part_bytes(&self) -> u64 {
        self.1
    }
}

fn held(store: &MemoryStore) -> Vec<String> {
    block_on(store.photo_index()).unwrap().into_iter().map(|(h, _)| h).collect()
}

/// Opens, checks the photos and previews a file on `ws`, read in parts of `part` bytes.
fn open(s: &S, _ws: &CellWorkspace, file: &[u8], part: u64) -> Result<(Intake, PhotoCounts), CommitError<ImportError>> {
    let parts = Small(file, part);
    let (mut intake, read) = block_on(Intake::open(&parts, Limits::default())).map_err(CommitError::Refused)?;
    assert!(matches!(read, Read::Bundle));
    let counts = block_on(s.check_photos(&mut intake, &parts, |_, _| {}))?;
    Ok((intake, counts))
}

fn refused(r: Result<(Intake, PhotoCounts), CommitError<ImportError>>) -> ImportError {
    match r {
        Err(CommitError::Refused(e)) => e,
        Err(e) => panic!("not a refusal: {e:?}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn a_squads_photos_travel_to_the_office_read_a_part_at_a_time_with_the_same_addresses() {
    let (_, ws, s, photos) = squad_with_photos(3);
    let file = file_of(&s, &ws, PhotoExport::WithPhotos, 1);
    let text = String::from_utf8(file.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].ends_with(",\"version\":3,\"photos\":["), "the head opens the photos");
    assert_eq!(lines.len(), 1 + 3 + 1, "one line per photo, then ]}}");
    assert_eq!(lines[4], "]}");
    serde_json::from_slice::<serde_json::Value>(&file).expect("still one JSON object");

    let (ostore, ows, os) = office();
    for part in [7_919, 1 << 20, 1_000] {
        let (mut intake, counts) = open(&os, &ows, &file, part).expect("checked");
        let bytes: u64 = photos.iter().map(|p| p.len() as u64).sum();
        assert_eq!(counts, PhotoCounts { in_file: 3, in_file_bytes: bytes, new: 3, new_bytes: bytes, already_here: 0, missing: 0 });
        assert!(held(&ostore).is_empty(), "checking writes nothing");
        let Previewed::Ready(pv) = intake.preview(&ows, T0 + 60_000).expect("preview") else { panic!("same campaign") };
        assert_eq!(pv.kinds.get(Photo::KIND).map(|k| k.records), Some(3));
        if part == 1_000 {
            block_on(os.import_file(&ows, &mut intake, &Small(&file, part))).expect("imported");
        }
    }
    let mut want: Vec<String> = photos.iter().map(|p| photo_hash(p)).collect();
    want.sort();
    assert_eq!(held(&ostore), want, "the same addresses");
    for p in &photos {
        assert_eq!(block_on(ostore.photo(&photo_hash(p))).unwrap().as_deref(), Some(p.as_slice()), "the same bytes");
    }
    // Importing it again changes nothing and counts the photos as here.
    let (mut again, counts) = open(&os, &ows, &file, 1_000).expect("checked");
    assert_eq!((counts.new, counts.already_here), (0, 3));
    let hash = duzhan::core::bundle::state_hash(ows.replica().docs());
    block_on(os.import_file(&ows, &mut again, &Small(&file, 1_000))).expect("again");
    assert_eq!(duzhan::core::bundle::state_hash(ows.replica().docs()), hash);
    assert_eq!(held(&ostore), want);
}

#[test]
fn a_small_file_with_photos_is_read_whole_and_imports_the_same() {
    let (_, ws, s, photos) = squad_with_photos(2);
    let file = file_of(&s, &ws, PhotoExport::WithPhotos, 1);
    let (ostore, ows, os) = office();
    let (mut intake, read) = Intake::read(file.clone(), Limits::default()).expect("read");
    assert!(matches!(read, Read::Bundle));
    assert_eq!(block_on(os.check_photos(&mut intake, file.as_slice(), |_, _| {})).unwrap().new, 2);
    block_on(os.import(&ows, &mut intake)).expect("imported");
    assert_eq!(held(&ostore).len(), photos.len());
}

#[test]
fn records_only_leaves_the_photos_waiting_until_a_file_carrying_them_arrives() {
    let (_, ws, s, _) = squad_with_photos(2);
    let quick = file_of(&s, &ws, PhotoExport::RecordsOnly, 1);
    assert!(!String::from_utf8_lossy(&quick).contains("\"photos\""), "a v2 file");
    let (ostore, ows, os) = office();
    let (mut intake, counts) = open(&os, &ows, &quick, 1_000).expect("read");
    assert_eq!(counts, PhotoCounts { missing: 2, ..PhotoCounts::default() });
    block_on(os.import_file(&ows, &mut intake, &Small(&quick, 1_000))).expect("imported");
    assert!(held(&ostore).is_empty(), "照片待补传");
    let storage = block_on(os.photo_storage(&ows)).unwrap();
    assert_eq!((storage.count, storage.bytes, storage.missing, storage.unreferenced), (0, 0, 2, 0), "settings say two are waiting");
    // The next full file carries them; the records are already here.
    let full = file_of(&s, &ws, PhotoExport::WithPhotos, 2);
    let (mut intake, counts) = open(&os, &ows, &full, 1_000).expect("read");
    assert_eq!((counts.new, counts.missing), (2, 0));
    block_on(os.import_file(&ows, &mut intake, &Small(&full, 1_000))).expect("imported");
    assert_eq!(held(&ostore).len(), 2);
    let storage = block_on(os.photo_storage(&ows)).unwrap();
    assert_eq!((storage.count, storage.missing, storage.unreferenced), (2, 0, 0));
    assert!(storage.bytes > 6_000);
}

#[test]
fn one_bad_photo_refuses_the_whole_file_naming_its_record_and_writes_nothing() {
    let (_, ws, s, _) = squad_with_photos(3);
    let file = file_of(&s, &ws, PhotoExport::WithPhotos, 1);
    let text = String::from_utf8(file.clone()).unwrap();
    let (ostore, ows, os) = office();
    let lines: Vec<&str> = text.split('\n').collect();
    let with = |i: usize, line: &str| {
        let mut l = lines.clone();
        l[i] = line;
        l.join("\n").into_bytes()
    };
    // A flipped base64 character in the second photo.
    let second = lines[2];
    let at = second.find("\"b64\":\"").unwrap() + 40;
    let flipped = format!("{}{}{}", &second[..at], if &second[at..=at] == "A" { "B" } else { "A" }, &second[at + 1..]);
    // Two photos swapped; a line cut short; the closing line missing; a line with JSON that is not a photo.
    let swapped = with(1, lines[2]);
    let swapped = {
        let mut l: Vec<&str> = std::str::from_utf8(&swapped).unwrap().split('\n').collect();
        l[2] = lines[1];
        l.join("\n").into_bytes()
    };
    let cut = &file[..file.len() - 200];
    let unclosed = lines[..4].join("\n").into_bytes();
    for (bad, code) in [
        (with(2, &flipped), "photo_damaged"),
        (swapped, "photo_damaged"),
        (cut.to_vec(), "photo_damaged"),
        (unclosed, "truncated"),
        (with(1, "{\"b64\":\"\",\"sha256\":\"x\"},"), "photo_damaged"),
        (with(4, "]},"), "schema"),
    ] {
        let e = refused(open(&os, &ows, &bad, 1_000));
        assert_eq!(e.code(), code, "{e:?}");
        assert!(e.message(duzhan::core::i18n::Lang::Zh).contains('请'));
        if code == "photo_damaged" {
            assert!(e.message(duzhan::core::i18n::Lang::Zh).contains("visit-1"), "names the record: {e:?}");
        }
        // Confirming anyway checks first and writes nothing either.
        let parts = Small(&bad, 1_000);
        if let Ok((mut intake, _)) = block_on(Intake::open(&parts, Limits::default())) {
            assert!(block_on(os.import_file(&ows, &mut intake, &parts)).is_err());
        }
        assert!(held(&ostore).is_empty(), "nothing written for {code}");
        assert!(ows.replica().doc("visit-1").is_none(), "no record written for {code}");
    }
    // The head is covered by the checksum and signature: a changed manifest entry is
    // refused before any photo is read.
    let e = refused(open(&os, &ows, &text.replacen("\"len\":", "\"len\":1", 1).into_bytes(), 1_000));
    assert_eq!(e.code(), "checksum_mismatch");
}

/// Bytes read through the port, noting the largest read: what an import holds at once.
struct Counted<'a>(&'a [u8], u64, std::cell::Cell<u64>);

impl FileParts for Counted<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    async fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, ImportError> {
        self.2.set(self.2.get().max(end - start));
        self.0.read_range(start, end).await
    }
    fn part_bytes(&self) -> u64 {
        self.1
    }
}

fn test_limits() -> Limits {
    Limits { min_kdf_iterations: 1, ..Limits::default() }
}

#[test]
fn encrypted_and_sealed_files_carry_the_photos_inside_in_chunks_read_a_part_at_a_time() {
    // Five photos of ~500 KB, as base64: the content spans four chunks of 1 MiB.
    let (_, ws, s, photos) = squad_with_photos_of(5, 500_000);
    let e = block_on(s.export_as(&ws, &req(&s, ExportScope::Full, 1), Some("口令 2020"), PhotoExport::WithPhotos)).expect("exported");
    assert_eq!(e.pending_photos.len(), 5, "encrypted as they are written");
    let file = whole(&s, e);
    let text = String::from_utf8(file.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("{\"chunk_bytes\":1048576,") && lines[0].ends_with("\"version\":2,\"ciphertext\":["), "{}", &lines[0][..80]);
    assert_eq!(lines.len(), 1 + 4, "a head line and four chunks");
    assert!(!text.contains("\"photos\"") && !text.contains("visit-1"), "nothing in the clear");
    serde_json::from_slice::<serde_json::Value>(&file).expect("still one JSON object");

    let (ostore, ows, os) = office();
    let parts = Counted(&file, 100_000, Default::default());
    let (mut intake, read) = block_on(Intake::open(&parts, test_limits())).expect("read");
    assert!(matches!(read, Read::Encrypted));
    assert!(!intake.is_checked());
    assert_eq!(block_on(intake.unlock_file(&parts, "口令2020")), Err(ImportError::WrongPassphrase));
    block_on(intake.unlock_file(&parts, "口令 2020")).expect("unlocked");
    let counts = block_on(os.check_photos(&mut intake, &parts, |_, _| {})).unwrap();
    assert_eq!((counts.in_file, counts.new), (5, 5));
    assert!(held(&ostore).is_empty(), "checking writes nothing");
    block_on(os.import_file(&ows, &mut intake, &parts)).expect("imported");
    let mut want: Vec<String> = photos.iter().map(|p| photo_hash(p)).collect();
    want.sort();
    assert_eq!(held(&ostore), want, "the same addresses");
    assert!(ows.replica().doc("visit-1").is_some());
    // Never the whole file at once: a read of content reads the chunk lines it
    // covers and keeps the last one opened, so no read is longer than one chunk's line
    // (1 MiB and its tag as base64, quoted: 1,398,128 bytes).
    let line = 1 + (1_048_576u64 + 16).div_ceil(3) * 4 + 3;
    assert!(parts.2.get() <= line && file.len() as u64 > 2 * line, "largest read {} of {}", parts.2.get(), file.len());

    // The same file held whole opens the same.
    let (ostore2, ows2, os2) = office();
    let (mut intake, read) = Intake::read(file.clone(), test_limits()).expect("read");
    assert!(matches!(read, Read::Encrypted));
    intake.unlock("口令 2020").expect("unlocked");
    block_on(os2.import(&ows2, &mut intake)).expect("imported");
    assert_eq!(held(&ostore2), want);

    // Sealed to the squad itself (a backup): opened with its key, a part at a time.
    let sealed = block_on(s.export_sealed(&ws, &req(&s, ExportScope::Full, 2), &[duzhan::core::clock::DeviceId("d-squad".into())], PhotoExport::WithPhotos))
        .expect("sealed");
    assert_eq!(sealed.pending_photos.len(), 5);
    let sealed = whole(&s, sealed);
    assert!(String::from_utf8_lossy(&sealed).starts_with("{\"chunk_bytes\":1048576,\"cipher\":{\"alg\":\"aes-256-gcm\",\"kem\""));
    let parts = Small(&sealed, 100_000);
    let (mut intake, read) = block_on(Intake::open(&parts, Limits::default())).expect("read");
    assert!(matches!(read, Read::Sealed));
    // The office is not a recipient: it is told who is.
    assert!(matches!(block_on(os.open_sealed_file(&mut intake, &parts)), Err(CommitError::Refused(ImportError::NotARecipient { .. }))));
    block_on(s.open_sealed_file(&mut intake, &parts)).expect("opened");
    assert_eq!(intake.photos().len(), 5);
    assert_eq!(block_on(s.check_photos(&mut intake, &parts, |_, _| {})).unwrap().already_here, 5);
    // Held whole, as before.
    let (mut intake, _) = Intake::read(sealed, Limits::default()).expect("read");
    block_on(s.open_sealed(&mut intake)).expect("opened");
    assert_eq!(intake.photos().len(), 5);

    // Sealed, records only (仅记录): a version 1 file without the photos, quick to hand over.
    let quick = block_on(s.export_sealed(&ws, &req(&s, ExportScope::Full, 3), &[duzhan::core::clock::DeviceId("d-squad".into())], PhotoExport::RecordsOnly))
        .expect("sealed");
    assert!(quick.pending_photos.is_empty() && quick.file.photos.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&whole(&s, quick)).unwrap();
    assert_eq!((v["version"].as_u64(), v["ciphertext"].is_string()), (Some(1), true));
    let (mut intake, _) = Intake::read(serde_json::to_vec(&v).unwrap(), Limits::default()).expect("read");
    block_on(s.open_sealed(&mut intake)).expect("opened");
    assert!(intake.photos().is_empty(), "no photo inside");
}

#[test]
fn an_encrypted_file_without_photos_stays_whole_for_older_apps() {
    let (_, ws, s, _) = squad_with_photos(0);
    let e = block_on(s.export_as(&ws, &req(&s, ExportScope::Full, 1), Some("p"), PhotoExport::WithPhotos)).expect("exported");
    let v: serde_json::Value = serde_json::from_slice(&whole(&s, e)).unwrap();
    assert_eq!((v["version"].as_u64(), v["ciphertext"].is_string()), (Some(1), true));
}

/// A v3 file of `photos` photos, encrypted in chunks of `chunk` bytes.
fn chunked_file(chunk: u32) -> (Vec<u8>, Vec<Vec<u8>>) {
    let (_, ws, s, photos) = squad_with_photos(4);
    let plain = file_of(&s, &ws, PhotoExport::WithPhotos, 1);
    let p = duzhan::core::bundle::crypto::EncryptParams { passphrase: "p", salt: [1; 16], nonce: [2; 12], iterations: 1 };
    let (mut file, mut w) = duzhan::core::bundle::crypto::encrypt_chunked(&p, chunk).unwrap();
    for part in plain.chunks(999) {
        file.extend(w.push(part).unwrap());
    }
    file.extend(w.finish().unwrap());
    (file, photos)
}

#[test]
fn a_file_of_many_small_chunks_reads_the_same_in_any_parts() {
    let (file, photos) = chunked_file(256);
    for part in [300, 1_000, 7_919, 1 << 20] {
        let (ostore, ows, os) = office();
        let parts = Small(&file, part);
        let (mut intake, _) = block_on(Intake::open(&parts, test_limits())).expect("read");
        block_on(intake.unlock_file(&parts, "p")).expect("unlocked");
        assert_eq!(block_on(os.check_photos(&mut intake, &parts, |_, _| {})).unwrap().new, 4, "parts of {part}");
        block_on(os.import_file(&ows, &mut intake, &parts)).expect("imported");
        assert_eq!(held(&ostore).len(), photos.len());
    }
}

#[test]
fn a_changed_or_cut_chunk_is_refused_and_nothing_is_written() {
    let (file, _) = chunked_file(256);
    let text = String::from_utf8(file.clone()).unwrap();
    let n = text.lines().count();
    // A byte changed in a chunk near the end (a photo's), then the last chunk cut off.
    let at = text.match_indices('\n').nth(n - 4).unwrap().0 + 20;
    let mut flipped = file.clone();
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let cut_at = text.match_indices('\n').nth(n - 3).unwrap().0;
    let mut cut = file[..cut_at].to_vec();
    cut.truncate(cut.len() - 2);
    cut.extend_from_slice(b"\"]}\n");
    for (bad, code) in [(flipped, "tampered"), (cut, "tampered")] {
        let (ostore, ows, os) = office();
        let parts = Small(&bad, 1_000);
        let (mut intake, _) = block_on(Intake::open(&parts, test_limits())).expect("read");
        let refused = match block_on(intake.unlock_file(&parts, "p")) {
            Err(e) => e,
            Ok(()) => match block_on(os.import_file(&ows, &mut intake, &parts)) {
                Err(CommitError::Refused(e)) => e,
                other => panic!("not refused: {:?}", other.map(|_| ())),
            },
        };
        assert_eq!(refused.code(), code);
        assert!(held(&ostore).is_empty(), "no photo written");
        assert!(ows.replica().doc("visit-1").is_none(), "no record written");
    }
}

/// Chosen files, in memory; which were read, in order; a file can be replaced
/// between the check and the commit.
struct Chosen(RefCell<Vec<Vec<u8>>>, RefCell<Vec<usize>>);

impl Chosen {
    fn new(files: Vec<Vec<u8>>) -> Self {
        Chosen(RefCell::new(files), RefCell::default())
    }
}

impl Files for Chosen {
    fn count(&self) -> usize {
        self.0.borrow().len()
    }
    fn name(&self, i: usize) -> String {
        format!("f{i}.json")
    }
    fn size(&self, i: usize) -> u64 {
        self.0.borrow()[i].len() as u64
    }
    async fn read(&self, i: usize) -> Result<Vec<u8>, String> {
        self.1.borrow_mut().push(i);
        Ok(self.0.borrow()[i].clone())
    }
}

#[test]
fn many_files_at_once_store_the_photos_of_the_files_taken_and_none_of_a_refused_one() {
    let (_, ws, s, photos) = squad_with_photos(2);
    let good = file_of(&s, &ws, PhotoExport::WithPhotos, 1);
    let quick = file_of(&s, &ws, PhotoExport::RecordsOnly, 2);
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 100] ^= 1;
    let (ostore, ows, os) = office();
    let chosen = Chosen::new(vec![bad, good.clone(), quick, good]);
    let intake = block_on(BatchIntake::check(&ows, &chosen, Limits::default(), T0 + 60_000, |_| async {})).expect("checked");
    assert_eq!(intake.batch().refused(), 1);
    assert!(held(&ostore).is_empty(), "checking stores no photo");
    block_on(os.import_batch(&ows, &chosen, intake)).expect("imported");
    assert_eq!(held(&ostore).len(), photos.len());
    assert!(ows.replica().doc("visit-1").is_some());
    // The photos were not kept from the check: the two files taken that carry them
    // were read again at the commit, one after the other; the refused file and the
    // records-only one were not.
    assert_eq!(*chosen.1.borrow(), [0, 1, 2, 3, 1, 3]);
}

#[test]
fn a_batch_file_changed_between_its_check_and_the_commit_fails_the_import_with_nothing_written() {
    let (_, ws, s, _) = squad_with_photos(2);
    let first = file_of(&s, &ws, PhotoExport::WithPhotos, 1);
    let other = file_of(&s, &ws, PhotoExport::WithPhotos, 2);
    let (ostore, ows, os) = office();
    let chosen = Chosen::new(vec![first.clone()]);
    let intake = block_on(BatchIntake::check(&ows, &chosen, Limits::default(), T0 + 60_000, |_| async {})).expect("checked");
    // Another valid file (another bundle id) in its place.
    chosen.0.borrow_mut()[0] = other;
    match block_on(os.import_batch(&ows, &chosen, intake)) {
        Err(CommitError::Refused(e)) => {
            assert_eq!(e.code(), "unreadable");
            assert!(e.message(duzhan::core::i18n::Lang::Zh).contains('请'));
        }
        other => panic!("not refused: {:?}", other.map(|_| ())),
    }
    assert!(held(&ostore).is_empty(), "no photo written");
    assert!(ows.replica().doc("visit-1").is_none(), "no record written");
    // Damaged since: refused as damaged, nothing written.
    let chosen = Chosen::new(vec![first.clone()]);
    let intake = block_on(BatchIntake::check(&ows, &chosen, Limits::default(), T0 + 60_000, |_| async {})).expect("checked");
    let n = first.len();
    chosen.0.borrow_mut()[0][n - 100] ^= 1;
    assert!(matches!(block_on(os.import_batch(&ows, &chosen, intake)), Err(CommitError::Refused(_))));
    assert!(held(&ostore).is_empty() && ows.replica().doc("visit-1").is_none());
}

#[test]
fn the_offices_receipt_asks_for_the_photos_it_lacks_and_the_squads_next_delta_brings_them() {
    let (_, ws, s, photos) = squad_with_photos(2);
    let quick = file_of(&s, &ws, PhotoExport::RecordsOnly, 1);
    let (ostore, ows, os) = office();
    let (mut intake, _) = open(&os, &ows, &quick, 1_000).expect("read");
    block_on(os.import_file(&ows, &mut intake, &Small(&quick, 1_000))).expect("imported");
    assert!(held(&ostore).is_empty());
    // The office's receipt says which photos it lacks.
    let receipt = block_on(os.make_receipt(&ows, Some(duzhan::core::clock::DeviceId("d-squad".into())))).expect("receipt");
    let text = String::from_utf8(receipt.bytes.clone()).unwrap();
    let mut want: Vec<String> = photos.iter().map(|p| photo_hash(p)).collect();
    want.sort();
    assert!(text.contains(&format!("\"photos_wanted\":[\"{}\",\"{}\"]", want[0], want[1])), "{text}");
    let (_, read) = Intake::read(receipt.bytes, Limits::default()).expect("read");
    let Read::Receipt(r) = read else { panic!("a receipt") };
    block_on(s.apply_receipt(&ws, &r)).expect("applied");
    // The squad's next delta to the office: nothing changed, but the photos' records go again with their bytes.
    let office_id = duzhan::core::clock::DeviceId("d-office".into());
    let known = ws.sync_ledger().known_by(&office_id);
    let delta = ExportRequest { recipient: Some(office_id), ..req(&s, ExportScope::Delta { known }, 3) };
    let e = block_on(s.export_as(&ws, &delta, None, PhotoExport::WithPhotos)).expect("delta");
    assert_eq!(e.pending_photos.len(), 2, "the wanted photos");
    let file = whole(&s, e);
    let (mut intake, counts) = open(&os, &ows, &file, 1_000).expect("read");
    assert_eq!((counts.new, counts.missing), (2, 0));
    block_on(os.import_file(&ows, &mut intake, &Small(&file, 1_000))).expect("imported");
    assert_eq!(held(&ostore), want);
    // Now it lacks none: its next receipt asks for nothing.
    let again = block_on(os.make_receipt(&ows, None)).expect("receipt");
    assert!(!String::from_utf8(again.bytes).unwrap().contains("photos_wanted"));
}
