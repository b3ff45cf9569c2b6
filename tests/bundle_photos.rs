//! Bundle format v3 (照片随数据包), the core: photo bytes after the records, one per
//! line, each checked against the signed manifest. Round trips, every single-byte
//! change and every cut refused, and hostile files signed by a real key (a buggy
//! or malicious exporter): a photo nobody refers to, above the cap, not a JPEG,
//! out of order, a manifest in a v2 file, 10,000 tiny photos.

mod bundle_support;

use bundle_support::{date, test_limits, Device};
use duzhan::core::bundle::export::{export_carrying, ExportScope};
use duzhan::core::bundle::photos::{self, PhotoLines};
use duzhan::core::bundle::wire::{self, Envelope, Payload, WirePhotoEntry};
use duzhan::core::bundle::{read_bundle, ExportRequest, ImportError};
use duzhan::core::fieldwork::photo::*;
use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
use proptest::prelude::*;
use std::collections::BTreeMap;

const T: u64 = 1_590_000_000_000; // 2020-05-20

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// A baseline JPEG's structure, 16×12, `n` making it unique, `fill` data bytes.
fn jpeg(n: u32, fill: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend(segment(0xDB, &n.to_be_bytes().repeat(16)));
    b.extend(segment(0xC0, &[8, 0, 12, 0, 16, 1, 1, 0x11, 0]));
    b.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    b.extend((0..fill).map(|i| (i as u8) & 0x7F));
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn record(n: u32, bytes: &[u8]) -> Photo {
    let sha256 = photo_hash(bytes);
    Photo {
        id: photo_id(&format!("visit-a-1~{n}"), &sha256),
        owner_id: "visit-a-1".into(),
        slot: PhotoSlot::Visit,
        target_id: "seed-target-xiaohe".into(),
        sha256,
        bytes: bytes.len() as u32,
        width: 16,
        height: 12,
        taken_ms: T,
        taken_from: TakenFrom::Attached,
        geo: None,
        caption: String::new(),
        stamped: false,
        attached_ms: T,
        squad_name: "小分队d-a".into(),
        source_sha256: None,
    }
}

/// A signed squad device with a visit and one photo record per image, holding the bytes.
fn squad(images: &[Vec<u8>]) -> (Device, BTreeMap<String, u32>) {
    let mut a = Device::fresh("d-a").signed();
    let mut v = Visit::new_draft("visit-a-1".into(), "seed-target-xiaohe".into(), date(), VisitMode::SquadRoutine);
    v.members = vec!["罗文慧".into()];
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(150);
    let c = a.replica.stage_save(&[v], 100);
    a.replica.apply(c);
    let records: Vec<Photo> = images.iter().enumerate().map(|(i, b)| record(i as u32, b)).collect();
    let c = a.replica.stage_save(&records, 120);
    a.replica.apply(c);
    let held = images.iter().map(|b| (photo_hash(b), b.len() as u32)).collect();
    (a, held)
}

fn req(id: u8) -> ExportRequest {
    ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "小分队d-a".into(),
        created_ms: 200,
        date: date(),
        bundle_id: [id; 16],
        carry_restricted: false,
    }
}

/// The whole v3 file of `images`, as the app writes it.
fn v3(images: &[Vec<u8>]) -> (Device, Vec<u8>) {
    let (a, held) = squad(images);
    let f = export_carrying(&a.replica, &a.ledger, &req(1), a.key.as_ref(), &held).expect("export");
    let bytes_of: BTreeMap<String, &Vec<u8>> = images.iter().map(|b| (photo_hash(b), b)).collect();
    let file = assemble(f.bytes, &f.photos, |h| bytes_of[h].clone());
    (a, file)
}

fn assemble(head: Vec<u8>, manifest: &[WirePhotoEntry], bytes: impl Fn(&str) -> Vec<u8>) -> Vec<u8> {
    let mut file = head;
    for (i, e) in manifest.iter().enumerate() {
        file.extend(photos::photo_line(e, &bytes(&e.sha256), i + 1 == manifest.len()).expect("line"));
    }
    file.extend(photos::close_line());
    file
}

/// A file signed by `a`'s real key whose head is `edit`ed (a buggy or malicious
/// exporter), with photo lines made for its (edited) manifest from `bytes`.
fn forged(a: &Device, file: &[u8], edit: impl FnOnce(&mut Envelope<Payload>), bytes: impl Fn(&str) -> Vec<u8>) -> Vec<u8> {
    let (first, _) = photos::first_line(file);
    let mut env: Envelope<Payload> = serde_json::from_slice(&photos::head_envelope(first.to_vec())).expect("head");
    edit(&mut env);
    let sealed = wire::seal_signed(&mut env, a.key.as_ref()).expect("sealed");
    if env.photo_manifest.is_empty() {
        return sealed;
    }
    let manifest = env.photo_manifest.clone();
    let mut out = photos::head_line(sealed);
    for (i, e) in manifest.iter().enumerate() {
        let b = bytes(&e.sha256);
        let line = format!("{{\"b64\":\"{}\",\"sha256\":\"{}\"}}{}\n", base64_std(&b), e.sha256, if i + 1 == manifest.len() { "" } else { "," });
        out.extend(line.into_bytes());
    }
    out.extend(photos::close_line());
    out
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn code(r: Result<impl Sized, ImportError>) -> &'static str {
    match r {
        Ok(_) => "accepted",
        Err(e) => {
            assert!(e.message(duzhan::core::i18n::Lang::Zh).contains('请'), "{e:?}");
            e.code()
        }
    }
}

fn images(n: u32) -> Vec<Vec<u8>> {
    (0..n).map(|i| jpeg(i, 200 + i as usize)).collect()
}

#[test]
fn a_v3_file_carries_every_held_photo_of_its_records_in_address_order_and_reads_back_byte_for_byte() {
    let imgs = images(4);
    let (_, file) = v3(&imgs);
    let incoming = read_bundle(&file, None, &test_limits()).expect("reads");
    let mut want: Vec<(String, Vec<u8>)> = imgs.iter().map(|b| (photo_hash(b), b.clone())).collect();
    want.sort();
    let got: Vec<(String, Vec<u8>)> = incoming.photos.iter().map(|e| e.sha256.clone()).zip(incoming.photo_bytes.clone()).collect();
    assert_eq!(got, want);
    assert!(incoming.header.signer.is_some(), "signed");
    // An office takes it like any bundle.
    let mut office = Device::fresh("d-office");
    let pv = office.import(&file).expect("imports");
    assert_eq!(pv.kinds.get("photo").map(|k| k.new), Some(4));
}

#[test]
fn photos_this_device_does_not_hold_and_photos_of_deleted_records_stay_out() {
    let imgs = images(3);
    let (mut a, mut held) = squad(&imgs);
    held.remove(&photo_hash(&imgs[0]));
    let gone = a.replica.doc(&record(1, &imgs[1]).id).unwrap().tombstone(&duzhan::core::clock::Stamp { wall: 130, n: 0, dev: a.replica.device().clone() });
    let c = duzhan::core::replica::Change { docs: vec![gone], clock: a.replica.clock().clone() };
    a.replica.apply(c);
    let f = export_carrying(&a.replica, &a.ledger, &req(1), a.key.as_ref(), &held).unwrap();
    assert_eq!(f.photos, vec![WirePhotoEntry { len: imgs[2].len() as u32, sha256: photo_hash(&imgs[2]) }]);
    // Unsigned (v1) or records only: no photos, a plain file.
    let f = export_carrying(&a.replica, &a.ledger, &req(2), None, &held).unwrap();
    assert!(f.photos.is_empty() && !String::from_utf8_lossy(&f.bytes).contains("photo_manifest"));
}

#[test]
fn a_photo_nobody_refers_to_above_the_cap_or_out_of_order_is_refused_though_signed() {
    let imgs = images(2);
    let (a, file) = v3(&imgs);
    let stranger = jpeg(99, 10);
    let mut all: BTreeMap<String, Vec<u8>> = imgs.iter().map(|b| (photo_hash(b), b.clone())).collect();
    all.insert(photo_hash(&stranger), stranger.clone());
    let bytes = |h: &str| all[h].clone();
    let unreferenced = forged(
        &a,
        &file,
        |env| {
            env.photo_manifest.push(WirePhotoEntry { len: stranger.len() as u32, sha256: photo_hash(&stranger) });
            env.photo_manifest.sort_by(|x, y| x.sha256.cmp(&y.sha256));
        },
        bytes,
    );
    assert_eq!(code(read_bundle(&unreferenced, None, &test_limits())), "photo_unreferenced");
    let too_large = forged(&a, &file, |env| env.photo_manifest[0].len = MAX_STORED_BYTES + 1, bytes);
    assert_eq!(code(read_bundle(&too_large, None, &test_limits())), "photo_too_large");
    let unsorted = forged(&a, &file, |env| env.photo_manifest.reverse(), bytes);
    assert_eq!(code(read_bundle(&unsorted, None, &test_limits())), "schema");
    let twice = forged(&a, &file, |env| env.photo_manifest[1] = env.photo_manifest[0].clone(), bytes);
    assert_eq!(code(read_bundle(&twice, None, &test_limits())), "schema");
    // A manifest in a v2 file, and a v3 head closed without its photos.
    let (first, _) = photos::first_line(&file);
    let bare = photos::head_envelope(first.to_vec());
    assert_eq!(code(read_bundle(&bare, None, &test_limits())), "schema");
    let mut env: Envelope<Payload> = serde_json::from_slice(&bare).unwrap();
    env.version = 2;
    let as_v2 = wire::resplice(&env).unwrap();
    assert!(matches!(code(read_bundle(&as_v2, None, &test_limits())), "schema"));
}

#[test]
fn bytes_that_match_their_address_but_are_not_a_jpeg_are_refused_naming_the_record() {
    let imgs = vec![b"<html><script>alert(1)</script></html>".to_vec()];
    let (_, file) = v3(&imgs);
    let e = read_bundle(&file, None, &test_limits()).unwrap_err();
    assert_eq!(e, ImportError::PhotoNotJpeg { record: "visit-a-1".into() });
}

#[test]
fn ten_thousand_tiny_photos_import_one_line_at_a_time() {
    let imgs: Vec<Vec<u8>> = (0..10_000).map(|i| jpeg(i, 8)).collect();
    let (_, file) = v3(&imgs);
    let started = std::time::Instant::now();
    let (first, rest) = photos::first_line(&file);
    let incoming = duzhan::core::bundle::import::read_head(first.to_vec(), &test_limits()).expect("head");
    let mut lines = PhotoLines::new(&incoming);
    let mut n = 0;
    for l in rest.split(|b| *b == b'\n') {
        if lines.line(l).expect("photo").is_some() {
            n += 1;
        }
    }
    lines.finish().expect("closed");
    assert_eq!(n, 10_000);
    eprintln!("10,000 tiny photos ({} KB file): head and lines read in {:?}", file.len() / 1024, started.elapsed());
    // Above the limit of photos per file: refused from the manifest, before any line.
    let few = duzhan::core::bundle::Limits { max_photos: 9_999, ..test_limits() };
    assert_eq!(code(read_bundle(&file, None, &few)), "too_many_photos");
}

fn sample_file() -> &'static (Vec<u8>, usize) {
    static FILE: std::sync::OnceLock<(Vec<u8>, usize)> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let (_, file) = v3(&images(3));
        let head = photos::first_line(&file).0.len();
        (file, head)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any single byte of a v3 file changed, in the head or in a photo: refused.
    #[test]
    fn any_changed_byte_of_a_v3_file_is_refused(at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let (file, _) = sample_file();
        let mut bad = file.clone();
        let i = at.index(bad.len());
        bad[i] ^= xor;
        // A change to the final newline, or to whitespace a JSON reader skips after
        // the end, leaves the same content.
        prop_assume!(!(i + 1 == bad.len() && bad[i].is_ascii_whitespace()));
        prop_assert!(read_bundle(&bad, None, &test_limits()).is_err(), "byte {} ^ {:#x} accepted", i, xor);
    }

    /// Cut anywhere before its last line: refused (truncated, or a photo that ends early).
    #[test]
    fn a_v3_file_cut_short_is_refused(at in any::<prop::sample::Index>()) {
        let (file, _) = sample_file();
        let cut = at.index(file.len() - 3);
        prop_assert!(read_bundle(&file[..cut], None, &test_limits()).is_err(), "cut at {} accepted", cut);
    }
}

#[test]
fn a_signed_receipt_says_which_photos_its_device_lacks_sorted_and_an_unsigned_one_cannot() {
    use duzhan::core::bundle::receipt::{make_receipt_wanting, read_receipt, ReceiptRequest};
    let office = Device::fresh("d-office").signed();
    let req = ReceiptRequest { for_device: None, squad_name: "州扶贫办".into(), created_ms: 300, date: date(), receipt_id: [5; 16] };
    let wanted = vec!["bb".repeat(32), "aa".repeat(32), "bb".repeat(32)];
    let f = make_receipt_wanting(&office.replica, &office.ledger, &req, office.key.as_ref(), &wanted).unwrap();
    let r = read_receipt(&f.bytes, &test_limits()).expect("reads");
    assert_eq!(r.photos_wanted, vec!["aa".repeat(32), "bb".repeat(32)]);
    let v1 = make_receipt_wanting(&office.replica, &office.ledger, &req, None, &wanted).unwrap();
    assert!(read_receipt(&v1.bytes, &test_limits()).unwrap().photos_wanted.is_empty());
    // A v1 receipt carrying the member (hand-made, checksum recomputed) is refused.
    let mut v: serde_json::Value = serde_json::from_slice(&v1.bytes).unwrap();
    v["photos_wanted"] = serde_json::json!(["aa".repeat(32)]);
    let mut env: duzhan::core::bundle::receipt::ReceiptEnvelope = serde_json::from_value(v).unwrap();
    env.sha256.clear();
    let sum = duzhan::core::digest::sha256_hex(&env).unwrap();
    env.sha256 = sum;
    assert_eq!(code(read_receipt(&serde_json::to_vec(&env).unwrap(), &test_limits())), "schema");
}
