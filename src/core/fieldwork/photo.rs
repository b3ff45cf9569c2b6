//! Photo evidence (照片取证): a photo's record, and the checks on its stored bytes.
//!
//! A photo is two things kept apart:
//! - its **bytes**, the JPEG the browser re-encoded (long edge 1600 px by default;
//!   at most [`MAX_STORED_BYTES`]), content-addressed by their SHA-256
//!   ([`photo_hash`]): the same image attached twice is stored once, and a photo
//!   that travels is checked against its hash ([`check_stored`]);
//! - its **record** ([`Photo`], kind `photo`), an ordinary merge-ready record that
//!   says what the photo is evidence of: which record ([`Photo::owner_id`], a
//!   visit, a checklist answer, a problem or a rectification/verification event,
//!   as [`PhotoSlot`] says), when it was taken and where, by which squad.
//!
//! The record is its own kind rather than a list inside the visit or problem, so
//! attaching a photo never edits the record it backs (two devices attaching at
//! once both keep theirs), and removing one is the record's delete. Its id is
//! [`photo_id`] of the owner and the hash: the same image on the same record is
//! one record wherever it was attached.
//!
//! Re-encoding strips EXIF, so what the original file said is read first
//! ([`exif_facts`]: the time it was taken, its orientation, its GPS position) and
//! kept as fields of the record.

use crate::core::doc::{Entity, RecordId};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Most bytes a stored photo may have (the re-encoded JPEG; about 1 MB).
pub const MAX_STORED_BYTES: u32 = 1_048_576;
/// Most bytes a chosen file may have before it is decoded (a 48 MP camera JPEG is
/// 15–25 MB; anything above this is not a photo to attach).
pub const MAX_INPUT_BYTES: u64 = 50 * 1024 * 1024;
/// Longest edge a stored photo may have (the largest setting is 2048 px).
pub const MAX_EDGE_PX: u32 = 4096;
/// Photos per record and slot (整改前 9, 整改后 9, …).
pub const MAX_PER_SLOT: usize = 9;
/// The long edges a device may store its photos at (设置 → 照片尺寸), in pixels.
pub const LONG_EDGES: [u32; 3] = [1280, 1600, 2048];
/// The long edge photos are stored at unless the device chose another.
pub const DEFAULT_LONG_EDGE: u32 = 1600;
/// Longest caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 200;

/// What a photo is evidence of: the kind of its owner follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoSlot {
    /// At a visit (走访照片); owner: the visit.
    Visit,
    /// At one checklist answer of a visit; owner: the answer.
    Answer,
    /// When a problem was logged (整改前); owner: the problem.
    Before,
    /// With the rectification report (整改后); owner: the event to 已整改待核验.
    Rectified,
    /// At the verification (核验); owner: the event out of 已整改待核验.
    Verified,
}

impl PhotoSlot {
    /// The kind of record a photo in this slot belongs to.
    pub fn owner_kind(self) -> &'static str {
        match self {
            PhotoSlot::Visit => "visit",
            PhotoSlot::Answer => "visit_answer",
            PhotoSlot::Before => "problem",
            PhotoSlot::Rectified | PhotoSlot::Verified => "problem_event",
        }
    }

    /// Before or after rectification, for the before/after view.
    pub fn is_after(self) -> bool {
        matches!(self, PhotoSlot::Rectified | PhotoSlot::Verified)
    }
}

/// How this device prepares the photos it attaches (a per-device setting, kept
/// with the language): the long edge they are stored at, and whether a camera
/// shot carries the evidence stamp (水印). A value from an older or newer app
/// that is not one of ours falls back to the default ([`PhotoSettings::checked`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhotoSettings {
    /// One of [`LONG_EDGES`].
    pub long_edge: u32,
    /// Whether a camera shot (拍照) is stamped; a chosen file never is.
    pub stamp_camera: bool,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings { long_edge: DEFAULT_LONG_EDGE, stamp_camera: true }
    }
}

impl PhotoSettings {
    /// These settings with a long edge that is not one of [`LONG_EDGES`] put back
    /// to the default.
    pub fn checked(self) -> Self {
        let long_edge = if LONG_EDGES.contains(&self.long_edge) { self.long_edge } else { DEFAULT_LONG_EDGE };
        PhotoSettings { long_edge, ..self }
    }
}

/// Where the photo's time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TakenFrom {
    /// The original file's EXIF DateTimeOriginal (the camera's clock).
    Exif,
    /// No EXIF time: when it was attached (this device's clock).
    Attached,
}

/// A position, in degrees (WGS 84 as GPS and browsers give it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Geo {
    pub lat: f64,
    pub lon: f64,
    /// Metres, when known (a browser fix has it; EXIF usually not).
    #[serde(default)]
    pub accuracy_m: Option<f64>,
}

/// One photo's record (kind `photo`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    /// [`photo_id`] of `owner_id` and `sha256`.
    pub id: RecordId,
    pub owner_id: RecordId,
    pub slot: PhotoSlot,
    /// The target the owner belongs to (for the target page and scoped bundles).
    pub target_id: RecordId,
    /// SHA-256 of the stored JPEG bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Length of the stored bytes.
    pub bytes: u32,
    pub width: u32,
    pub height: u32,
    /// When it was taken (ms since the epoch; see `taken_from`).
    pub taken_ms: u64,
    pub taken_from: TakenFrom,
    #[serde(default)]
    pub geo: Option<Geo>,
    #[serde(default)]
    pub caption: String,
    /// Whether the evidence stamp (time, place, target, squad: 水印) is burnt into
    /// the stored image.
    #[serde(default)]
    pub stamped: bool,
    /// When it was attached, by this device's clock.
    pub attached_ms: u64,
    /// The squad that attached it, as the device was named then.
    #[serde(default)]
    pub squad_name: String,
    /// SHA-256 of the file as chosen, before re-encoding: the same original
    /// offered twice (as 整改前 and as 整改后) shows, though the stored bytes differ.
    #[serde(default)]
    pub source_sha256: Option<String>,
}
entity!(Photo, "photo");

/// SHA-256 of `bytes`, lowercase hex: a photo's address.
pub fn photo_hash(bytes: &[u8]) -> String {
    crate::core::digest::sha256_bytes_hex(bytes)
}

/// The id of the record of photo `sha256` on record `owner_id`.
pub fn photo_id(owner_id: &str, sha256: &str) -> String {
    let mut h = Sha256::new();
    h.update(owner_id.as_bytes());
    h.update([0]);
    h.update(sha256.as_bytes());
    format!("photo-{}", &crate::core::digest::hex(&h.finalize())[..32])
}

/// Whether `s` is a photo address: 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What is wrong with a photo record's values (checked on import, `kinds`), or
/// `None`. Only rules on single fields, like every import check.
pub fn record_problem(p: &Photo) -> Option<&'static str> {
    let in_range = |v: f64, r: std::ops::RangeInclusive<f64>| v.is_finite() && r.contains(&v);
    if !is_hash(&p.sha256) {
        return Some("sha256");
    }
    if p.source_sha256.as_deref().is_some_and(|s| !is_hash(s)) {
        return Some("source_sha256");
    }
    if p.bytes == 0 || p.bytes > MAX_STORED_BYTES {
        return Some("bytes");
    }
    if !(1..=MAX_EDGE_PX).contains(&p.width) || !(1..=MAX_EDGE_PX).contains(&p.height) {
        return Some("width/height");
    }
    if p.caption.chars().count() > MAX_CAPTION_CHARS {
        return Some("caption");
    }
    if let Some(g) = p.geo {
        if !in_range(g.lat, -90.0..=90.0) || !in_range(g.lon, -180.0..=180.0) || g.accuracy_m.is_some_and(|a| !in_range(a, 0.0..=100_000.0)) {
            return Some("geo");
        }
    }
    let day = |ms: u64| crate::core::validate::check_day(crate::core::calendar::date_of_ms(ms)).is_ok();
    if !day(p.taken_ms) {
        return Some("taken_ms");
    }
    if !day(p.attached_ms) {
        return Some("attached_ms");
    }
    None
}

/// Why stored photo bytes are refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("photo of {0} bytes is above the cap")]
    TooLarge(usize),
    #[error("photo bytes are not a complete JPEG")]
    NotJpeg,
    #[error("photo is {got} bytes, its record says {want}")]
    LengthMismatch { got: usize, want: u32 },
    #[error("photo bytes do not match their hash")]
    HashMismatch,
    #[error("photo is {got:?} px, its record says {want:?}")]
    SizeMismatch { got: (u32, u32), want: (u32, u32) },
    /// Attaching: the record the photo is for is not here (or was deleted), or is
    /// not one a photo of this slot can back.
    #[error("no record for the photo")]
    NoOwner,
    /// Attaching: more than [`MAX_PER_SLOT`] photos on one record and slot.
    #[error("more than {0} photos")]
    TooMany(usize),
    /// Attaching: a field of the record that cannot be (`record_problem`).
    #[error("photo record: {0} out of range")]
    Invalid(&'static str),
}

impl PhotoError {
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge(_) => "photo_too_large",
            PhotoError::NotJpeg => "photo_not_jpeg",
            PhotoError::LengthMismatch { .. } => "photo_length_mismatch",
            PhotoError::HashMismatch => "photo_hash_mismatch",
            PhotoError::SizeMismatch { .. } => "photo_size_mismatch",
            PhotoError::NoOwner => "photo_no_owner",
            PhotoError::TooMany(_) => "photo_too_many",
            PhotoError::Invalid(_) => "photo_invalid",
        }
    }

    /// What happened and what to do, for the user.
    pub fn message(&self, lang: crate::core::i18n::Lang) -> String {
        let zh = lang == crate::core::i18n::Lang::Zh;
        match (self, zh) {
            (PhotoError::TooLarge(n), true) => format!("照片有{}KB，超过1MB上限，未保存。请让发送方用本应用重新附加照片。", n / 1024),
            (PhotoError::TooLarge(n), false) => {
                format!("The photo is {} KB, above the 1 MB cap; not stored. Ask the sender to attach it again with this app.", n / 1024)
            }
            (PhotoError::NotJpeg, true) => "照片数据不是完整的JPEG图片（可能已损坏或被截断），未保存。请让发送方重新导出。".into(),
            (PhotoError::NotJpeg, false) => "The photo is not a complete JPEG image (damaged or cut short); not stored. Ask the sender to export again.".into(),
            (PhotoError::NoOwner, true) => "要附照片的记录不存在或已删除，照片未保存。请先保存走访或问题，再附照片。".into(),
            (PhotoError::NoOwner, false) => {
                "The record for the photo is not here or was deleted; not stored. Save the visit or problem first, then attach.".into()
            }
            (PhotoError::TooMany(max), true) => format!("每条记录每一类最多{max}张照片，照片未保存。请先删去不需要的照片。"),
            (PhotoError::TooMany(max), false) => format!("At most {max} photos per record and kind; not stored. Remove photos you do not need first."),
            (PhotoError::Invalid(f), true) => format!("照片的信息不可能（{f}），照片未保存。请检查本机时间和说明文字后重试。"),
            (PhotoError::Invalid(f), false) => format!("The photo's {f} cannot be; not stored. Check this device's clock and the caption, then retry."),
            (_, true) => "照片数据与其记录不符（可能已被改动），未保存。请让发送方重新导出原文件。".into(),
            (_, false) => "The photo does not match its record (it may have been altered); not stored. Ask the sender for the original export.".into(),
        }
    }
}

/// Checks stored photo bytes against their record: size cap, a complete JPEG of
/// the recorded size, the recorded length and hash.
pub fn check_stored(bytes: &[u8], p: &Photo) -> Result<(), PhotoError> {
    if bytes.len() > MAX_STORED_BYTES as usize {
        return Err(PhotoError::TooLarge(bytes.len()));
    }
    if bytes.len() != p.bytes as usize {
        return Err(PhotoError::LengthMismatch { got: bytes.len(), want: p.bytes });
    }
    if photo_hash(bytes) != p.sha256 {
        return Err(PhotoError::HashMismatch);
    }
    let size = jpeg_size(bytes).ok_or(PhotoError::NotJpeg)?;
    if !bytes.ends_with(&[0xFF, 0xD9]) {
        return Err(PhotoError::NotJpeg);
    }
    if size != (p.width, p.height) {
        return Err(PhotoError::SizeMismatch { got: size, want: (p.width, p.height) });
    }
    Ok(())
}

fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// The segments of a JPEG up to its image data: (marker, payload).
fn segments(b: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut i = if b.starts_with(&[0xFF, 0xD8]) { 2 } else { usize::MAX };
    std::iter::from_fn(move || {
        // Fill bytes (0xFF) may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return None;
        }
        let m = *b.get(i + 1)?;
        // End of image, or the image data: no more headers.
        if m == 0xD9 || m == 0xDA {
            return None;
        }
        let len = be16(b, i + 2)? as usize;
        let payload = b.get(i + 4..i + 2 + len)?;
        i += 2 + len;
        Some((m, payload))
    })
}

/// A JPEG's width and height (from its frame header), or `None` when the bytes
/// are not a JPEG with one.
pub fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    segments(b).find(|(m, _)| matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC)).and_then(|(_, p)| {
        let (h, w) = (be16(p, 1)?, be16(p, 3)?);
        (h > 0 && w > 0).then_some((u32::from(w), u32::from(h)))
    })
}

/// What an original file's EXIF says, as far as it can be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExifFacts {
    /// DateTimeOriginal (or DateTime): the camera's local time, no zone.
    pub taken: Option<NaiveDateTime>,
    /// 1–8 (1: upright; 6: turned 90° clockwise to view).
    pub orientation: Option<u16>,
    pub geo: Option<Geo>,
}

/// Reads EXIF from the head of a JPEG file (its first 128 KiB hold it). Anything
/// malformed is skipped, never an error: EXIF is a help, not evidence.
pub fn exif_facts(file: &[u8]) -> ExifFacts {
    segments(file).find(|(m, p)| *m == 0xE1 && p.starts_with(b"Exif\0\0")).map(|(_, p)| tiff_facts(&p[6..])).unwrap_or_default()
}

struct Tiff<'a> {
    b: &'a [u8],
    le: bool,
}

impl Tiff<'_> {
    fn u16(&self, i: usize) -> Option<u16> {
        let x = [*self.b.get(i)?, *self.b.get(i + 1)?];
        Some(if self.le { u16::from_le_bytes(x) } else { u16::from_be_bytes(x) })
    }
    fn u32(&self, i: usize) -> Option<u32> {
        let x = [*self.b.get(i)?, *self.b.get(i + 1)?, *self.b.get(i + 2)?, *self.b.get(i + 3)?];
        Some(if self.le { u32::from_le_bytes(x) } else { u32::from_be_bytes(x) })
    }
    /// The entries of the directory at `at`: (tag, type, count, offset of the value).
    fn entries(&self, at: usize) -> Vec<(u16, u16, u32, usize)> {
        let n = self.u16(at).unwrap_or(0).min(512) as usize;
        (0..n)
            .filter_map(|k| {
                let e = at + 2 + 12 * k;
                let (tag, ty, count) = (self.u16(e)?, self.u16(e + 2)?, self.u32(e + 4)?);
                let size = match ty {
                    1 | 2 | 7 => 1,
                    3 => 2,
                    4 => 4,
                    5 | 10 => 8,
                    _ => return None,
                } * count as usize;
                // Values of up to four bytes sit in the entry; larger ones elsewhere.
                let value = if size <= 4 { e + 8 } else { self.u32(e + 8)? as usize };
                Some((tag, ty, count, value))
            })
            .collect()
    }
    fn rational(&self, i: usize) -> Option<f64> {
        let (n, d) = (self.u32(i)?, self.u32(i + 4)?);
        (d != 0).then(|| f64::from(n) / f64::from(d))
    }
    fn ascii(&self, i: usize, count: u32) -> Option<&str> {
        let s = self.b.get(i..i + count as usize)?;
        std::str::from_utf8(s).ok().map(|s| s.trim_end_matches('\0'))
    }
}

fn tiff_facts(b: &[u8]) -> ExifFacts {
    let le = match b.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return ExifFacts::default(),
    };
    let t = Tiff { b, le };
    if t.u16(2) != Some(42) {
        return ExifFacts::default();
    }
    let Some(ifd0) = t.u32(4) else { return ExifFacts::default() };
    let mut out = ExifFacts::default();
    let time = |i: usize, count: u32| t.ascii(i, count).and_then(exif_time);
    let mut datetime = None;
    for (tag, ty, count, v) in t.entries(ifd0 as usize) {
        match (tag, ty) {
            (0x0112, 3) => out.orientation = t.u16(v).filter(|o| (1..=8).contains(o)),
            (0x0132, 2) => datetime = time(v, count),
            (0x8769, 4) => {
                for (tag, ty, count, v) in t.u32(v).map(|at| t.entries(at as usize)).unwrap_or_default() {
                    if (tag, ty) == (0x9003, 2) {
                        out.taken = time(v, count);
                    }
                }
            }
            (0x8825, 4) => out.geo = t.u32(v).and_then(|at| gps(&t, at as usize)),
            _ => {}
        }
    }
    out.taken = out.taken.or(datetime);
    out
}

/// An EXIF time, `YYYY:MM:DD HH:MM:SS` (read by position: no format parser).
fn exif_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19 || b[4] != b':' || b[7] != b':' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r).filter(|x| x.bytes().all(|c| c.is_ascii_digit())).and_then(|x| x.parse::<u32>().ok());
    let day = chrono::NaiveDate::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)?;
    day.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)
}

fn gps(t: &Tiff, at: usize) -> Option<Geo> {
    let (mut lat, mut lon, mut lat_ref, mut lon_ref) = (None, None, None, None);
    let dms = |v: usize| Some(t.rational(v)? + t.rational(v + 8)? / 60.0 + t.rational(v + 16)? / 3600.0);
    for (tag, ty, count, v) in t.entries(at) {
        match (tag, ty, count) {
            (1, 2, _) => lat_ref = t.b.get(v).copied(),
            (2, 5, 3) => lat = dms(v),
            (3, 2, _) => lon_ref = t.b.get(v).copied(),
            (4, 5, 3) => lon = dms(v),
            _ => {}
        }
    }
    let lat = if lat_ref? == b'S' { -lat? } else { lat? };
    let lon = if lon_ref? == b'W' { -lon? } else { lon? };
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(Geo { lat, lon, accuracy_m: None })
}

/// The size to decode to: the long edge at most `long_edge`, never enlarged.
pub fn target_size(natural: (u32, u32), long_edge: u32) -> (u32, u32) {
    let (w, h) = natural;
    let long = w.max(h).max(1);
    if long <= long_edge {
        return (w.max(1), h.max(1));
    }
    let scale = |x: u32| ((u64::from(x) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    (scale(w), scale(h))
}

/// A photo ready to attach: the stored bytes the browser made (re-encoded JPEG),
/// and what the original file said.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    /// EXIF of the original file ([`exif_facts`]).
    pub exif: ExifFacts,
    /// SHA-256 of the original file.
    pub source_sha256: Option<String>,
    pub caption: String,
    pub stamped: bool,
    /// Where, when the record has a fix of its own (a visit's GPS); else EXIF's.
    pub geo: Option<Geo>,
}

/// Photos to attach to one record, in one slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Attach {
    pub owner_id: RecordId,
    pub slot: PhotoSlot,
    pub photos: Vec<Prepared>,
}

/// China Standard Time, the campaign's only zone (EXIF times carry none).
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// The target a photo on `owner_id` in `slot` would belong to (for its evidence
/// stamp), if the record is here and can hold one.
pub fn target_of(replica: &crate::core::replica::Replica, owner_id: &str, slot: PhotoSlot) -> Option<RecordId> {
    owner_target(replica, owner_id, slot).ok()
}

/// The evidence stamp (水印) burnt into a camera shot, one line each: when it was
/// taken (its EXIF time, China time, else `now_ms`), where (the record's fix, else
/// the photo's EXIF position, to five decimals, with the accuracy when known), the
/// target, and the squad. Numbers and names only: it reads the same in any UI
/// language.
pub fn stamp_lines(exif: &ExifFacts, fix: Option<Geo>, now_ms: u64, target: &str, squad: &str) -> Vec<String> {
    let time = match exif.taken {
        Some(t) => {
            use chrono::Timelike;
            format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
        }
        None => crate::core::calendar::format_time_ms(now_ms),
    };
    let mut lines = vec![time];
    if let Some(g) = fix.or(exif.geo) {
        let mut place = format!("{:.5}, {:.5}", g.lat, g.lon);
        if let Some(a) = g.accuracy_m {
            place.push_str(&format!(" ±{}m", a.round() as i64));
        }
        lines.push(place);
    }
    lines.extend([target, squad].into_iter().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
    lines
}

/// The target the record `owner_id` (of `slot`'s kind, live) belongs to.
fn owner_target(replica: &crate::core::replica::Replica, owner_id: &str, slot: PhotoSlot) -> Result<RecordId, PhotoError> {
    use super::{Problem, ProblemEvent, ProblemStatus, Visit, VisitAnswer};
    use crate::core::doc::decode;
    let live = |id: &str, kind: &str| replica.doc(id).filter(|d| d.kind == kind && !d.is_deleted());
    let visit_target = |id: &str| live(id, "visit").and_then(|d| decode::<Visit>(d).ok()).map(|v| v.target_id);
    let problem_target = |id: &str| live(id, "problem").and_then(|d| decode::<Problem>(d).ok()).map(|p| p.target_id);
    let found = match slot {
        PhotoSlot::Visit => visit_target(owner_id),
        PhotoSlot::Answer => live(owner_id, "visit_answer").and_then(|d| decode::<VisitAnswer>(d).ok()).and_then(|a| visit_target(&a.visit_id)),
        PhotoSlot::Before => problem_target(owner_id),
        PhotoSlot::Rectified | PhotoSlot::Verified => live(owner_id, "problem_event")
            .and_then(|d| decode::<ProblemEvent>(d).ok())
            .filter(|e| match slot {
                PhotoSlot::Rectified => e.to == ProblemStatus::AwaitingVerification,
                _ => e.verification.is_some(),
            })
            .and_then(|e| problem_target(&e.problem_id)),
    };
    found.ok_or(PhotoError::NoOwner)
}

/// Stages the records of `a`'s photos and returns them with the bytes to store
/// (by address, each once). Checks everything first: the record they back (live,
/// of the slot's kind; a 整改后 photo backs the event to 已整改待核验, a 核验
/// photo a verification), at most [`MAX_PER_SLOT`] per record and slot, each a
/// complete JPEG within the caps, and each record's values in bounds. The same
/// image twice is one photo. The time taken is EXIF's (China Standard Time) when
/// the original had it, else `now_ms`.
pub fn stage_attach(
    replica: &crate::core::replica::Replica,
    field: &super::FieldSnapshot,
    a: &Attach,
    now_ms: u64,
    squad_name: &str,
) -> Result<(crate::core::replica::Change, Vec<(String, Vec<u8>)>), PhotoError> {
    let target_id = owner_target(replica, &a.owner_id, a.slot)?;
    let mut records: Vec<Photo> = Vec::new();
    let mut bytes: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &a.photos {
        if p.bytes.len() > MAX_STORED_BYTES as usize {
            return Err(PhotoError::TooLarge(p.bytes.len()));
        }
        let (width, height) = jpeg_size(&p.bytes).filter(|_| p.bytes.ends_with(&[0xFF, 0xD9])).ok_or(PhotoError::NotJpeg)?;
        let sha256 = photo_hash(&p.bytes);
        let id = photo_id(&a.owner_id, &sha256);
        if records.iter().any(|r| r.id == id) {
            continue;
        }
        let exif_ms = p.exif.taken.map(|t| t.and_utc().timestamp_millis() - CST_OFFSET_MS).filter(|ms| *ms > 0).map(|ms| ms as u64);
        let photo = Photo {
            id,
            owner_id: a.owner_id.clone(),
            slot: a.slot,
            target_id: target_id.clone(),
            sha256: sha256.clone(),
            bytes: p.bytes.len() as u32,
            width,
            height,
            taken_ms: exif_ms.unwrap_or(now_ms),
            taken_from: if exif_ms.is_some() { TakenFrom::Exif } else { TakenFrom::Attached },
            geo: p.geo.or(p.exif.geo),
            caption: p.caption.trim().to_owned(),
            stamped: p.stamped,
            attached_ms: now_ms,
            squad_name: squad_name.to_owned(),
            source_sha256: p.source_sha256.clone(),
        };
        if let Some(field) = record_problem(&photo) {
            return Err(PhotoError::Invalid(field));
        }
        records.push(photo);
        if !bytes.iter().any(|(h, _)| *h == sha256) {
            bytes.push((sha256, p.bytes.clone()));
        }
    }
    // Photos already on the record in this slot (one re-attached is not a new one).
    let held: Vec<String> = photos_on(replica, field, &a.owner_id, a.slot).into_iter().map(|p| p.id).collect();
    let new = records.iter().filter(|r| !held.contains(&r.id)).count();
    if held.len() + new > MAX_PER_SLOT {
        return Err(PhotoError::TooMany(MAX_PER_SLOT));
    }
    Ok((replica.stage_save(&records, now_ms), bytes))
}

/// The live photos on record `owner_id` in `slot`, in the order attached: found
/// through the field snapshot's index (ids by the record they back), decoded from
/// the replica (a handful, never a scan of the records).
pub fn photos_on(replica: &crate::core::replica::Replica, field: &super::FieldSnapshot, owner_id: &str, slot: PhotoSlot) -> Vec<Photo> {
    use crate::core::doc::decode;
    let mut list: Vec<Photo> = field
        .photos_of(owner_id)
        .iter()
        .filter_map(|id| replica.doc(id))
        .filter(|d| !d.is_deleted())
        .filter_map(|d| decode::<Photo>(d).ok())
        .filter(|p| p.slot == slot)
        .collect();
    crate::core::sort::sort_by(&mut list, |a, b| (a.attached_ms, &a.id).cmp(&(b.attached_ms, &b.id)));
    list
}

/// The page a photo is shown on with the record it backs: a visit's (for the
/// visit and its answers) or a problem's (for the problem and its events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhotoHome {
    Visit(RecordId),
    Problem(RecordId),
}

/// The live photos of a target's records (its visits, their answers, its
/// problems and their events), newest taken first, each with the page of the
/// record it backs (`None` when that record is not on this device): the target
/// page's photos.
pub fn photos_of_target(replica: &crate::core::replica::Replica, field: &super::FieldSnapshot, target_id: &str) -> Vec<(Photo, Option<PhotoHome>)> {
    use super::{ProblemEvent, VisitAnswer};
    use crate::core::doc::decode;
    let live = |id: &str| replica.doc(id).filter(|d| !d.is_deleted());
    let mut list: Vec<(Photo, Option<PhotoHome>)> = field
        .photos_of_target(target_id)
        .iter()
        .filter_map(|id| live(id))
        .filter_map(|d| decode::<Photo>(d).ok())
        .map(|p| {
            let home = match p.slot {
                PhotoSlot::Visit => Some(PhotoHome::Visit(p.owner_id.clone())),
                PhotoSlot::Before => Some(PhotoHome::Problem(p.owner_id.clone())),
                PhotoSlot::Answer => live(&p.owner_id).and_then(|d| decode::<VisitAnswer>(d).ok()).map(|a| PhotoHome::Visit(a.visit_id)),
                PhotoSlot::Rectified | PhotoSlot::Verified => {
                    live(&p.owner_id).and_then(|d| decode::<ProblemEvent>(d).ok()).map(|e| PhotoHome::Problem(e.problem_id))
                }
            };
            (p, home)
        })
        .collect();
    crate::core::sort::sort_by(&mut list, |(a, _), (b, _)| (b.taken_ms, &a.id).cmp(&(a.taken_ms, &b.id)));
    list
}

/// The live photos of a problem and of its events (before and after
/// rectification), by slot, then as attached: what the ledger's 照片 column
/// counts and its print lists.
pub fn photos_of_problem(replica: &crate::core::replica::Replica, field: &super::FieldSnapshot, ledger: &super::LedgerIndex, problem_id: &str) -> Vec<Photo> {
    let events = ledger.events_of(problem_id);
    let mut list: Vec<Photo> = std::iter::once((problem_id, PhotoSlot::Before))
        .chain(events.iter().flat_map(|e| [(e.id.as_str(), PhotoSlot::Rectified), (e.id.as_str(), PhotoSlot::Verified)]))
        .flat_map(|(owner, slot)| photos_on(replica, field, owner, slot))
        .collect();
    crate::core::sort::sort_by(&mut list, |a, b| (a.slot, a.attached_ms, &a.id).cmp(&(b.slot, b.attached_ms, &b.id)));
    list
}

/// A problem's before/after view (整改前后对比): the photos taken when it was
/// logged beside those of its latest rectification report that has photos and of
/// the verifications after that report. With no rectification photos, the after
/// side is the latest verification that has photos. `photos` are the problem's
/// ([`photos_of_problem`]), `events` its history in order.
pub fn before_after(photos: &[Photo], events: &[super::ProblemEvent]) -> (Vec<Photo>, Vec<Photo>) {
    let on = |owner: &str, slot: PhotoSlot| -> Vec<Photo> { photos.iter().filter(|p| p.owner_id == owner && p.slot == slot).cloned().collect() };
    let before: Vec<Photo> = photos.iter().filter(|p| p.slot == PhotoSlot::Before).cloned().collect();
    let after: Vec<Photo> = match events.iter().rposition(|e| !on(&e.id, PhotoSlot::Rectified).is_empty()) {
        Some(i) => on(&events[i].id, PhotoSlot::Rectified).into_iter().chain(events[i + 1..].iter().flat_map(|e| on(&e.id, PhotoSlot::Verified))).collect(),
        None => events.iter().rev().map(|e| on(&e.id, PhotoSlot::Verified)).find(|v| !v.is_empty()).unwrap_or_default(),
    };
    (before, after)
}

/// Most thumbnails a printed ledger carries; the other photos are listed by
/// address. Each is made from the stored photo when printing (a few ms apiece):
/// a 2,000-row print must not decode thousands of them on a tablet.
pub const MAX_PRINT_THUMBNAILS: usize = 200;

/// Which photos a printed ledger shows as thumbnails (缩略图), by address, row by
/// row: `[before, after]`, each row's first 整改前 photo and the last photo of its
/// after side (`sides` are the rows' [`before_after`]), in row order until `cap`
/// are chosen. An after photo that is the before one is not chosen again.
pub fn print_thumbnails(sides: &[(Vec<Photo>, Vec<Photo>)], cap: usize) -> Vec<[Option<String>; 2]> {
    let mut left = cap;
    let mut take = |p: Option<&Photo>, not: Option<&String>| {
        let p = p.filter(|p| left > 0 && Some(&p.sha256) != not)?;
        left -= 1;
        Some(p.sha256.clone())
    };
    sides
        .iter()
        .map(|(before, after)| {
            let b = take(before.first(), None);
            let a = take(after.last(), b.as_ref());
            [b, a]
        })
        .collect()
}

/// The photos held whose address no live photo record refers to: what can be
/// removed to free space (a record deleted here or by an import no longer holds
/// its photo).
pub fn unreferenced<'a>(replica: &crate::core::replica::Replica, held: &'a [(String, u32)]) -> Vec<&'a str> {
    let live: std::collections::HashSet<String> = replica
        .docs()
        .filter(|d| d.kind == Photo::KIND && !d.is_deleted())
        .filter_map(|d| d.fields.get("sha256").and_then(|f| f.v.as_str()).map(str::to_owned))
        .collect();
    held.iter().map(|(h, _)| h.as_str()).filter(|h| !live.contains(*h)).collect()
}

/// The addresses live photo records refer to whose bytes are not `held`, sorted:
/// the photos a receipt asks senders for (照片待补传).
pub fn missing(replica: &crate::core::replica::Replica, held: &[(String, u32)]) -> Vec<String> {
    let have: std::collections::HashSet<&str> = held.iter().map(|(h, _)| h.as_str()).collect();
    crate::core::sort::btree_set(
        replica
            .docs()
            .filter(|d| d.kind == Photo::KIND && !d.is_deleted())
            .filter_map(|d| d.fields.get("sha256").and_then(|f| f.v.as_str()))
            .filter(|h| !have.contains(h))
            .map(str::to_owned),
    )
    .into_iter()
    .collect()
}

impl crate::core::i18n::UserMessage for PhotoError {
    fn message(&self, lang: crate::core::i18n::Lang) -> String {
        PhotoError::message(self, lang)
    }
}
