//! Photo evidence (照片取证), the core: photo records travel and are checked like
//! every record (references, bounds, restricted with a 暗访 visit); stored bytes
//! are checked against their record (cap, JPEG, length, hash, size); EXIF facts
//! are read from an original file, and malformed EXIF is skipped, never a panic.

mod bundle_support;

use bundle_support::{date, import_err, Device};
use duzhan::core::bundle::export::ExportScope;
use duzhan::core::bundle::ImportError;
use duzhan::core::doc::Entity;
use duzhan::core::fieldwork::photo::*;
use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
use proptest::prelude::*;

const T: u64 = 1_590_000_000_000; // 2020-05-20

// ---- JPEG bytes, built segment by segment ----

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// A baseline JPEG's structure: SOI, APP0 (JFIF), `extra` segments, DQT, SOF0 of
/// `w`×`h`, DHT, SOS, entropy-coded bytes, EOI.
fn jpeg(w: u16, h: u16, extra: &[Vec<u8>]) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    for e in extra {
        b.extend_from_slice(e);
    }
    b.extend(segment(0xDB, &[0; 65]));
    let mut sof = vec![8];
    sof.extend_from_slice(&h.to_be_bytes());
    sof.extend_from_slice(&w.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.extend(segment(0xC0, &sof));
    b.extend(segment(0xC4, &[0; 29]));
    b.extend(segment(0xDA, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0]));
    b.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// An APP1 EXIF segment: orientation, DateTimeOriginal (in the Exif IFD) and a
/// GPS position, in either byte order.
fn exif(le: bool, orientation: u16, taken: &str, lat: (u32, u32, u32, u8), lon: (u32, u32, u32, u8)) -> Vec<u8> {
    let u16b = |v: u16| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let u32b = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let mut t: Vec<u8> = if le { b"II".to_vec() } else { b"MM".to_vec() };
    t.extend(u16b(42));
    t.extend(u32b(8));
    let entry = |t: &mut Vec<u8>, tag: u16, ty: u16, count: u32, value: [u8; 4]| {
        t.extend(u16b(tag));
        t.extend(u16b(ty));
        t.extend(u32b(count));
        t.extend(value);
    };
    // IFD0 at 8: 3 entries (2 + 36 + 4 = 42 bytes) → the Exif IFD at 50, GPS IFD after.
    let exif_ifd = 8 + 42;
    let exif_len = 2 + 12 + 4;
    let gps_ifd = exif_ifd + exif_len;
    let gps_len = 2 + 4 * 12 + 4;
    let data = gps_ifd + gps_len; // taken (20 bytes), then lat (24), lon (24)
    t.extend(u16b(3));
    let mut o = [0u8; 4];
    o[..2].copy_from_slice(&u16b(orientation));
    entry(&mut t, 0x0112, 3, 1, o);
    entry(&mut t, 0x8769, 4, 1, u32b(exif_ifd as u32));
    entry(&mut t, 0x8825, 4, 1, u32b(gps_ifd as u32));
    t.extend(u32b(0));
    t.extend(u16b(1));
    entry(&mut t, 0x9003, 2, 20, u32b(data as u32));
    t.extend(u32b(0));
    t.extend(u16b(4));
    entry(&mut t, 1, 2, 2, [lat.3, 0, 0, 0]);
    entry(&mut t, 2, 5, 3, u32b((data + 20) as u32));
    entry(&mut t, 3, 2, 2, [lon.3, 0, 0, 0]);
    entry(&mut t, 4, 5, 3, u32b((data + 44) as u32));
    t.extend(u32b(0));
    assert_eq!(t.len(), data);
    t.extend_from_slice(taken.as_bytes());
    t.push(0);
    for (d, m, s100) in [(lat.0, lat.1, lat.2), (lon.0, lon.1, lon.2)] {
        for (n, den) in [(d, 1), (m, 1), (s100, 100)] {
            t.extend(u32b(n));
            t.extend(u32b(den));
        }
    }
    let mut p = b"Exif\0\0".to_vec();
    p.extend(t);
    segment(0xE1, &p)
}

fn record(owner: &str, slot: PhotoSlot, bytes: &[u8], w: u32, h: u32) -> Photo {
    let sha256 = photo_hash(bytes);
    Photo {
        id: photo_id(owner, &sha256),
        owner_id: owner.into(),
        slot,
        target_id: "seed-target-xiaohe".into(),
        sha256,
        bytes: bytes.len() as u32,
        width: w,
        height: h,
        taken_ms: T,
        taken_from: TakenFrom::Attached,
        geo: Some(Geo { lat: 25.53, lon: 102.4, accuracy_m: Some(12.0) }),
        caption: "危房改造前".into(),
        stamped: true,
        attached_ms: T,
        squad_name: "小分队d-a".into(),
        source_sha256: None,
    }
}

// ---- addresses and ids ----

#[test]
fn a_photo_is_addressed_by_the_sha256_of_its_stored_bytes() {
    assert_eq!(photo_hash(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert!(is_hash(&photo_hash(b"")));
    assert!(!is_hash(&photo_hash(b"x").to_uppercase()));
    assert!(!is_hash("abc"));
}

#[test]
fn the_same_image_on_the_same_record_is_one_record_and_on_another_record_another() {
    let h = photo_hash(b"jpeg");
    assert_eq!(photo_id("visit-1", &h), photo_id("visit-1", &h));
    assert_ne!(photo_id("visit-1", &h), photo_id("visit-2", &h));
    assert_ne!(photo_id("visit-1", &h), photo_id("visit-1", &photo_hash(b"other")));
    let id = photo_id("visit-1", &h);
    assert!(id.starts_with("photo-") && id.len() == 38, "{id}");
}

// ---- stored bytes ----

#[test]
fn stored_bytes_are_checked_against_their_record() {
    let b = jpeg(1600, 1200, &[]);
    let p = record("visit-1", PhotoSlot::Visit, &b, 1600, 1200);
    assert_eq!(jpeg_size(&b), Some((1600, 1200)));
    assert_eq!(check_stored(&b, &p), Ok(()));
    // One byte changed in the image data: the hash says so.
    let mut m = b.clone();
    let at = m.len() - 4;
    m[at] ^= 1;
    assert_eq!(check_stored(&m, &p), Err(PhotoError::HashMismatch));
    // Cut short: the length says so, and with a record to match, the missing end.
    let cut = &b[..b.len() - 2];
    assert_eq!(check_stored(cut, &p), Err(PhotoError::LengthMismatch { got: cut.len(), want: p.bytes }));
    assert_eq!(check_stored(cut, &record("v", PhotoSlot::Visit, cut, 1600, 1200)), Err(PhotoError::NotJpeg));
    // Not an image at all (a PNG; text), with a record made to match.
    for bad in [&b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..], b"<html>not a photo</html>"] {
        assert_eq!(check_stored(bad, &record("v", PhotoSlot::Visit, bad, 1, 1)), Err(PhotoError::NotJpeg));
    }
    // A size other than the record's.
    let q = record("v", PhotoSlot::Visit, &b, 800, 600);
    assert_eq!(check_stored(&b, &q), Err(PhotoError::SizeMismatch { got: (1600, 1200), want: (800, 600) }));
    // Above the cap, whatever the record says.
    let mut big = jpeg(10, 10, &[segment(0xFE, &[b'x'; 60_000])]);
    while big.len() <= MAX_STORED_BYTES as usize {
        big.splice(2..2, segment(0xFE, &[b'x'; 60_000]));
    }
    assert_eq!(check_stored(&big, &record("v", PhotoSlot::Visit, &big, 10, 10)), Err(PhotoError::TooLarge(big.len())));
}

#[test]
fn every_refusal_of_stored_bytes_says_what_to_do_in_chinese_and_has_its_own_code() {
    let all = [
        PhotoError::TooLarge(2_000_000),
        PhotoError::NotJpeg,
        PhotoError::LengthMismatch { got: 1, want: 2 },
        PhotoError::HashMismatch,
        PhotoError::SizeMismatch { got: (1, 1), want: (2, 2) },
    ];
    let codes: std::collections::BTreeSet<_> = all.iter().map(PhotoError::code).collect();
    assert_eq!(codes.len(), all.len());
    for e in &all {
        let zh = e.message(duzhan::core::i18n::Lang::Zh);
        assert!(zh.contains('请') && zh.contains("未保存"), "{zh}");
        assert!(!e.message(duzhan::core::i18n::Lang::En).is_empty());
    }
}

#[test]
fn the_frame_size_is_read_past_other_segments_and_fill_bytes_and_not_from_huffman_tables() {
    let mut b = jpeg(640, 480, &[segment(0xE1, b"Exif\0\0garbage"), segment(0xFE, b"comment")]);
    assert_eq!(jpeg_size(&b), Some((640, 480)));
    // Fill bytes before a marker are allowed.
    b.splice(2..2, [0xFF, 0xFF]);
    assert_eq!(jpeg_size(&b), Some((640, 480)));
    // A progressive frame (SOF2).
    let p: Vec<u8> = jpeg(320, 200, &[]).iter().copied().collect();
    let at = p.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let mut p2 = p.clone();
    p2[at + 1] = 0xC2;
    assert_eq!(jpeg_size(&p2), Some((320, 200)));
    // No frame before the image data; a zero size; a segment running off the end.
    let nf: Vec<u8> = [&[0xFF, 0xD8][..], &segment(0xDA, &[0; 10]), &[0xFF, 0xD9]].concat();
    assert_eq!(jpeg_size(&nf), None);
    assert_eq!(jpeg_size(&jpeg(0, 10, &[])), None);
    assert_eq!(jpeg_size(&[0xFF, 0xD8, 0xFF, 0xE0, 0x40, 0x00, 1, 2]), None);
}

// ---- EXIF ----

#[test]
fn exif_gives_the_time_taken_the_orientation_and_the_position_in_either_byte_order() {
    for le in [true, false] {
        let e = exif(le, 6, "2020:03:18 10:42:07", (25, 31, 4812, b'N'), (102, 24, 3000, b'E'));
        let f = exif_facts(&jpeg(4000, 3000, &[e]));
        assert_eq!(f.taken, chrono::NaiveDate::from_ymd_opt(2020, 3, 18).unwrap().and_hms_opt(10, 42, 7), "le={le}");
        assert_eq!(f.orientation, Some(6));
        let g = f.geo.expect("gps");
        assert!((g.lat - (25.0 + 31.0 / 60.0 + 48.12 / 3600.0)).abs() < 1e-9, "{g:?}");
        assert!((g.lon - (102.0 + 24.0 / 60.0 + 30.0 / 3600.0)).abs() < 1e-9, "{g:?}");
    }
    let south_west = exif(true, 1, "2019:12:31 23:59:59", (33, 52, 0, b'S'), (151, 12, 0, b'W'));
    let g = exif_facts(&jpeg(10, 10, &[south_west])).geo.unwrap();
    assert!(g.lat < 0.0 && g.lon < 0.0);
}

#[test]
fn exif_that_cannot_be_is_left_out_not_guessed() {
    let f = exif_facts(&jpeg(10, 10, &[exif(true, 9, "2020:02:30 10:00:00", (95, 0, 0, b'N'), (10, 0, 0, b'E'))]));
    assert_eq!(f, ExifFacts::default(), "orientation 9, 30 February and latitude 95 are not read");
    assert_eq!(exif_facts(&jpeg(10, 10, &[])), ExifFacts::default());
    assert_eq!(exif_facts(b"not a jpeg"), ExifFacts::default());
    assert_eq!(exif_facts(&jpeg(10, 10, &[exif(true, 3, "2020-03-18 10:42:07", (1, 0, 0, b'N'), (1, 0, 0, b'E'))])).taken, None, "dashes are not EXIF's");
}

proptest! {
    #[test]
    fn any_bytes_in_an_exif_segment_are_read_without_a_panic(tail in proptest::collection::vec(any::<u8>(), 0..400), cut in 0usize..400) {
        let real = exif(cut % 2 == 0, 6, "2020:03:18 10:42:07", (25, 31, 4812, b'N'), (102, 24, 3000, b'E'));
        // A real segment cut anywhere and padded with noise, and pure noise.
        let mut payload = real[4..real.len().min(4 + cut)].to_vec();
        payload.extend_from_slice(&tail);
        let _ = exif_facts(&jpeg(10, 10, &[segment(0xE1, &payload)]));
        let mut noise = b"Exif\0\0".to_vec();
        noise.extend_from_slice(&tail);
        let _ = exif_facts(&jpeg(10, 10, &[segment(0xE1, &noise)]));
        let _ = jpeg_size(&tail);
    }
}

// ---- the record ----

#[test]
fn a_photo_record_out_of_bounds_is_named_by_its_field() {
    let b = jpeg(1600, 1200, &[]);
    let ok = record("visit-1", PhotoSlot::Visit, &b, 1600, 1200);
    assert_eq!(record_problem(&ok), None);
    let cases: Vec<(&str, Photo)> = vec![
        ("sha256", Photo { sha256: "0".repeat(63), ..ok.clone() }),
        ("source_sha256", Photo { source_sha256: Some("x".into()), ..ok.clone() }),
        ("bytes", Photo { bytes: MAX_STORED_BYTES + 1, ..ok.clone() }),
        ("bytes", Photo { bytes: 0, ..ok.clone() }),
        ("width/height", Photo { width: MAX_EDGE_PX + 1, ..ok.clone() }),
        ("width/height", Photo { height: 0, ..ok.clone() }),
        ("caption", Photo { caption: "字".repeat(MAX_CAPTION_CHARS + 1), ..ok.clone() }),
        ("geo", Photo { geo: Some(Geo { lat: 91.0, lon: 0.0, accuracy_m: None }), ..ok.clone() }),
        ("geo", Photo { geo: Some(Geo { lat: 0.0, lon: 0.0, accuracy_m: Some(-1.0) }), ..ok.clone() }),
        ("taken_ms", Photo { taken_ms: 4_102_444_800_000 * 2, ..ok.clone() }),
        ("attached_ms", Photo { attached_ms: 0, ..ok.clone() }),
    ];
    for (field, p) in cases {
        assert_eq!(record_problem(&p), Some(field), "{p:?}");
    }
    assert_eq!(record_problem(&Photo { caption: "字".repeat(MAX_CAPTION_CHARS), ..ok }), None);
}

fn submitted_visit(mode: VisitMode) -> Visit {
    let mut v = Visit::new_draft("visit-a-1".into(), "seed-target-xiaohe".into(), date(), mode);
    v.members = vec!["罗文慧".into()];
    v.households_visited = 5;
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(150);
    v
}

/// A squad that recorded a visit of `mode` and attached `photo` to it; its bundle.
fn bundle_with(mode: VisitMode, photo: &Photo) -> Vec<u8> {
    let mut a = Device::fresh("d-a");
    let c = a.replica.stage_save(&[submitted_visit(mode)], 100);
    a.replica.apply(c);
    let c = a.replica.stage_save(std::slice::from_ref(photo), 120);
    a.replica.apply(c);
    a.export_with(ExportScope::DeltaSinceMs(100), 200, true).bytes
}

#[test]
fn a_photo_record_travels_with_its_visit_and_imports() {
    let b = jpeg(1600, 1200, &[]);
    let p = record("visit-a-1", PhotoSlot::Visit, &b, 1600, 1200);
    let mut office = Device::fresh("d-office");
    let pv = office.import(&bundle_with(VisitMode::SquadRoutine, &p)).expect("imports");
    assert_eq!(pv.kinds.get(Photo::KIND).map(|k| k.new), Some(1), "{:?}", pv.kinds);
    let held: Photo = duzhan::core::doc::decode(office.replica.doc(&p.id).expect("held")).unwrap();
    assert_eq!(held, p);
}

#[test]
fn a_photo_of_an_unannounced_visit_is_restricted_with_it() {
    let b = jpeg(1600, 1200, &[]);
    let p = record("visit-a-1", PhotoSlot::Visit, &b, 1600, 1200);
    match import_err(&Device::fresh("d-office"), &bundle_with(VisitMode::Unannounced, &p)) {
        ImportError::RestrictedRecords { count, .. } => assert_eq!(count, 2, "the visit and its photo"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_forged_photo_record_is_refused_with_the_record_named() {
    let b = jpeg(1600, 1200, &[]);
    let huge = Photo { bytes: 50_000_000, ..record("visit-a-1", PhotoSlot::Visit, &b, 1600, 1200) };
    let e = import_err(&Device::fresh("d-office"), &bundle_with(VisitMode::SquadRoutine, &huge));
    assert_eq!(e.code(), "invalid_value", "{e:?}");
    assert!(e.message(duzhan::core::i18n::Lang::Zh).contains('请'));
    // A photo said to be a problem's (整改前) whose owner is a visit: no such problem.
    let wrong = record("visit-a-1", PhotoSlot::Before, &b, 1600, 1200);
    assert_eq!(import_err(&Device::fresh("d-office"), &bundle_with(VisitMode::SquadRoutine, &wrong)).code(), "dangling_reference");
}

#[test]
fn after_photos_back_the_rectification_report_and_the_verification_only() {
    use duzhan::core::fieldwork::{ProblemEvent, ProblemStatus};
    let mut d = Device::fresh("d-a");
    let c = d.replica.stage_merge(&duzhan::core::fieldwork::generate::generate_campaign(5, 6, 20, 30));
    d.replica.apply(c);
    let events: Vec<ProblemEvent> = d.replica.docs().filter(|x| x.kind == ProblemEvent::KIND).filter_map(|x| duzhan::core::doc::decode(x).ok()).collect();
    let reported = events.iter().find(|e| e.to == ProblemStatus::AwaitingVerification).expect("a rectification report");
    let verified = events.iter().find(|e| e.verification.is_some()).expect("a verification");
    let other = events.iter().find(|e| e.to == ProblemStatus::InProgress).expect("work started");
    let attach = |owner: &str, slot| {
        let a = Attach {
            owner_id: owner.into(),
            slot,
            photos: vec![Prepared {
                bytes: jpeg(800, 600, &[]),
                exif: ExifFacts::default(),
                source_sha256: None,
                caption: String::new(),
                stamped: false,
                geo: None,
            }],
        };
        stage_attach(&d.replica, &duzhan::core::fieldwork::FieldSnapshot::from_docs(d.replica.docs()), &a, T, "小分队").map(|(c, b)| (c.docs.len(), b.len()))
    };
    assert_eq!(attach(&reported.id, PhotoSlot::Rectified), Ok((1, 1)));
    assert_eq!(attach(&verified.id, PhotoSlot::Verified), Ok((1, 1)));
    assert_eq!(attach(&other.id, PhotoSlot::Rectified), Err(PhotoError::NoOwner), "整改后 backs the report to 已整改待核验");
    assert_eq!(attach(&reported.id, PhotoSlot::Verified), Err(PhotoError::NoOwner), "核验 backs a verification");
    assert_eq!(attach(&verified.problem_id, PhotoSlot::Before), Ok((1, 1)));
}

#[test]
fn a_photo_is_decoded_to_its_long_edge_keeping_its_shape_and_never_enlarged() {
    assert_eq!(target_size((8000, 6000), 1600), (1600, 1200));
    assert_eq!(target_size((6000, 8000), 1600), (1200, 1600));
    assert_eq!(target_size((4032, 3024), 2048), (2048, 1536));
    assert_eq!(target_size((800, 600), 1600), (800, 600));
    assert_eq!(target_size((30_000, 1), 1600), (1600, 1), "never zero");
    assert_eq!(target_size((0, 0), 1600), (1, 1));
}

#[test]
fn the_evidence_stamp_says_when_where_what_and_who_from_exif_or_the_fix_and_clock() {
    let exif = ExifFacts {
        taken: chrono::NaiveDate::from_ymd_opt(2020, 6, 30).unwrap().and_hms_opt(16, 5, 0),
        orientation: None,
        geo: Some(Geo { lat: 25.530123, lon: 102.401234, accuracy_m: None }),
    };
    assert_eq!(
        stamp_lines(&exif, None, T, "红土田安置点", "武定县第一小分队"),
        ["2020-06-30 16:05", "25.53012, 102.40123", "红土田安置点", "武定县第一小分队"]
    );
    // The record's own fix wins over EXIF's; no EXIF time: this device's clock, China time.
    let fix = Geo { lat: 25.5, lon: 102.25, accuracy_m: Some(11.6) };
    assert_eq!(
        stamp_lines(&ExifFacts::default(), Some(fix), 1_593_561_600_000, " ", "小分队"),
        ["2020-07-01 08:00", "25.50000, 102.25000 ±12m", "小分队"],
        "blank names left out"
    );
}

// ---- where photos are shown: the target page, the problem, before and after ----

fn event(id: &str, at_ms: u64, to: duzhan::core::fieldwork::ProblemStatus, verified: Option<bool>) -> duzhan::core::fieldwork::ProblemEvent {
    use duzhan::core::fieldwork::{ProblemEvent, ProblemStatus, Verification};
    ProblemEvent {
        id: id.into(),
        problem_id: "p".into(),
        at_ms,
        by: "县扶贫办".into(),
        from: if verified.is_some() { ProblemStatus::AwaitingVerification } else { ProblemStatus::InProgress },
        to,
        comment: String::new(),
        verification: verified.map(|passed| Verification { verifier: "州督战队".into(), passed }),
    }
}

fn shot(owner: &str, slot: PhotoSlot, seed: u16) -> Photo {
    record(owner, slot, &jpeg(800 + seed, 600, &[]), u32::from(800 + seed), 600)
}

#[test]
fn the_before_after_view_sets_the_photos_at_logging_beside_the_latest_rectification_and_its_verification() {
    use duzhan::core::fieldwork::ProblemStatus::*;
    let events = [
        event("e1", 1, AwaitingVerification, None),
        event("e2", 2, InProgress, Some(false)),
        event("e3", 3, AwaitingVerification, None),
        event("e4", 4, Closed, Some(true)),
    ];
    let before = shot("p", PhotoSlot::Before, 1);
    let (r1, v2, r3, v4) =
        (shot("e1", PhotoSlot::Rectified, 2), shot("e2", PhotoSlot::Verified, 3), shot("e3", PhotoSlot::Rectified, 4), shot("e4", PhotoSlot::Verified, 5));
    let all = [before.clone(), r1.clone(), v2.clone(), r3.clone(), v4.clone()];
    let ids = |v: Vec<Photo>| v.into_iter().map(|p| p.owner_id).collect::<Vec<_>>();
    let (b, a) = before_after(&all, &events);
    assert_eq!((ids(b), ids(a)), (vec!["p".to_owned()], vec!["e3".to_owned(), "e4".to_owned()]), "the latest round, not the failed one");
    // The second report without photos: the first report's round is the latest with photos.
    let (_, a) = before_after(&[before.clone(), r1, v2.clone(), v4.clone()], &events);
    assert_eq!(ids(a), ["e1", "e2", "e4"], "the report with photos and every verification after it");
    // No rectification photos at all: the latest verification with photos.
    let (_, a) = before_after(&[before.clone(), v2, v4], &events);
    assert_eq!(ids(a), ["e4"]);
    let (b, a) = before_after(&[], &events);
    assert!(b.is_empty() && a.is_empty());
}

#[test]
fn a_printed_ledger_shows_each_row_before_and_after_as_thumbnails_up_to_its_cap() {
    let (b1, b2, a1, a2) =
        (shot("p1", PhotoSlot::Before, 1), shot("p1", PhotoSlot::Before, 2), shot("e1", PhotoSlot::Rectified, 3), shot("e1", PhotoSlot::Verified, 4));
    let h = |p: &Photo| Some(p.sha256.clone());
    let sides = vec![
        (vec![b1.clone(), b2.clone()], vec![a1.clone(), a2.clone()]),
        (Vec::new(), Vec::new()),
        (Vec::new(), vec![a1.clone()]),
        (vec![b2.clone()], Vec::new()),
        // The same image on both sides is one thumbnail.
        (vec![b1.clone()], vec![b1.clone()]),
    ];
    let picks = print_thumbnails(&sides, MAX_PRINT_THUMBNAILS);
    assert_eq!(picks, vec![[h(&b1), h(&a2)], [None, None], [None, h(&a1)], [h(&b2), None], [h(&b1), None]], "the first before, the last after");
    // The cap counts across rows, in row order.
    assert_eq!(print_thumbnails(&sides, 3), vec![[h(&b1), h(&a2)], [None, None], [None, h(&a1)], [None, None], [None, None]]);
    assert_eq!(print_thumbnails(&sides, 0), vec![[None, None]; 5]);
    assert!(print_thumbnails(&[], 10).is_empty());
}

#[test]
fn a_target_and_a_problem_find_their_photos_through_the_read_model_kept_up_to_date_record_by_record() {
    use duzhan::core::doc::decode;
    use duzhan::core::fieldwork::{FieldSnapshot, LedgerIndex, Problem, ProblemEvent, ProblemStatus};
    let mut d = Device::fresh("d-a");
    let c = d.replica.stage_merge(&duzhan::core::fieldwork::generate::generate_campaign(5, 6, 20, 30));
    d.replica.apply(c);
    let events: Vec<ProblemEvent> = d.replica.docs().filter(|x| x.kind == ProblemEvent::KIND).filter_map(|x| decode(x).ok()).collect();
    let verified = events.iter().find(|e| e.verification.is_some()).expect("a verification");
    let report = events.iter().find(|e| e.problem_id == verified.problem_id && e.to == ProblemStatus::AwaitingVerification).expect("its report");
    let problem: Problem = decode(d.replica.doc(&verified.problem_id).unwrap()).unwrap();
    let visit: Visit = d
        .replica
        .docs()
        .filter(|x| x.kind == Visit::KIND)
        .filter_map(|x| decode::<Visit>(x).ok())
        .find(|v| v.target_id == problem.target_id)
        .expect("a visit at the target");
    let other: Visit =
        d.replica.docs().filter(|x| x.kind == Visit::KIND).filter_map(|x| decode::<Visit>(x).ok()).find(|v| v.target_id != problem.target_id).unwrap();
    let mut field = FieldSnapshot::from_docs(d.replica.docs());
    let mut attach = |owner: &str, slot: PhotoSlot, w: u16, taken: u64| {
        let mut p = Prepared { bytes: jpeg(w, 600, &[]), exif: ExifFacts::default(), source_sha256: None, caption: String::new(), stamped: false, geo: None };
        p.caption = format!("{slot:?}");
        let (c, _) = stage_attach(&d.replica, &field, &Attach { owner_id: owner.into(), slot, photos: vec![p] }, taken, "小分队").expect("attached");
        let ids: Vec<String> = c.docs.iter().map(|x| x.id.clone()).collect();
        d.replica.apply(c);
        let docs: Vec<_> = ids.iter().filter_map(|id| d.replica.doc(id).cloned()).collect();
        field.apply(&docs);
        ids[0].clone()
    };
    attach(&problem.id, PhotoSlot::Before, 801, T);
    attach(&report.id, PhotoSlot::Rectified, 802, T + 2);
    let on_visit = attach(&visit.id, PhotoSlot::Visit, 803, T + 1);
    attach(&verified.id, PhotoSlot::Verified, 804, T + 3);
    attach(&other.id, PhotoSlot::Visit, 805, T + 4);
    assert_eq!(field, FieldSnapshot::from_docs(d.replica.docs()), "kept up to date = rebuilt");

    let ledger = LedgerIndex::build(d.replica.docs(), chrono::NaiveDate::from_ymd_opt(2020, 6, 1).unwrap());
    let of_problem = photos_of_problem(&d.replica, &field, &ledger, &problem.id);
    assert_eq!(of_problem.iter().map(|p| p.slot).collect::<Vec<_>>(), [PhotoSlot::Before, PhotoSlot::Rectified, PhotoSlot::Verified]);
    let (before, after) = before_after(&of_problem, ledger.events_of(&problem.id));
    assert_eq!((before.len(), after.iter().map(|p| p.slot).collect::<Vec<_>>()), (1, vec![PhotoSlot::Rectified, PhotoSlot::Verified]));

    let page = photos_of_target(&d.replica, &field, &problem.target_id);
    let seen: Vec<(PhotoSlot, Option<PhotoHome>)> = page.iter().map(|(p, h)| (p.slot, h.clone())).collect();
    let problem_home = Some(PhotoHome::Problem(problem.id.clone()));
    assert_eq!(
        seen,
        [
            (PhotoSlot::Verified, problem_home.clone()),
            (PhotoSlot::Rectified, problem_home.clone()),
            (PhotoSlot::Visit, Some(PhotoHome::Visit(visit.id.clone()))),
            (PhotoSlot::Before, problem_home),
        ],
        "newest taken first, each with its record's page; another target's photo is not here"
    );

    // Removing a photo (its record's delete) takes it off the page and out of the index.
    let c = d.replica.stage_delete(&[on_visit.as_str()], T + 5);
    d.replica.apply(c);
    field.apply(d.replica.doc(&on_visit));
    assert_eq!(photos_of_target(&d.replica, &field, &problem.target_id).len(), 3);
    assert_eq!(field, FieldSnapshot::from_docs(d.replica.docs()));
}

#[test]
fn photo_settings_from_another_app_fall_back_to_the_default_long_edge() {
    assert_eq!(PhotoSettings::default(), PhotoSettings { long_edge: 1600, stamp_camera: true });
    for edge in LONG_EDGES {
        assert_eq!(PhotoSettings { long_edge: edge, stamp_camera: false }.checked().long_edge, edge);
    }
    let odd: PhotoSettings = serde_json::from_str(r#"{"long_edge":99999,"future":1}"#).unwrap();
    assert_eq!(odd.checked(), PhotoSettings::default());
    let partial: PhotoSettings = serde_json::from_str(r#"{"stamp_camera":false}"#).unwrap();
    assert_eq!(partial.checked(), PhotoSettings { long_edge: 1600, stamp_camera: false });
}
