//! Photos carried in a bundle (照片随数据包): bundle format v3.
//!
//! A v3 file is a signed v2 file that also carries the bytes of photos its photo
//! records refer to. It stays one JSON object, laid out so that it can be read
//! one line at a time and never has to be held whole:
//!
//! ```text
//! {…the signed envelope, "photo_manifest":[{"len":…,"sha256":"…"},…] in its place…,"version":3,"photos":[
//! {"b64":"…","sha256":"…"},
//! {"b64":"…","sha256":"…"}
//! ]}
//! ```
//!
//! - **Line 1, the head**: the canonical envelope exactly as a v2 exporter writes
//!   it (checksum and signature spliced in), with the member `photo_manifest`
//!   (every photo the file carries, by address and length, sorted by address),
//!   minus its closing brace, then `,"photos":[`. The head plus `}` is the
//!   envelope the checksum and signature cover, checked on its bytes like v2.
//! - **One line per photo**, in manifest order: `{"b64":…,"sha256":…}` (standard
//!   padded base64 of the JPEG), a comma after all but the last.
//! - **The last line** `]}`.
//!
//! The manifest is signed, and each photo must match its entry (length, SHA-256
//! of the decoded bytes) and be a complete JPEG, so every byte of the file is
//! covered. `photos` is the one member outside the canonical order, because it
//! comes last to be read last. Each photo is checked as its line is read
//! ([`PhotoLines`]), naming the record it backs when it fails.

use super::error::{ExportError, ImportError};
use super::import::IncomingBundle;
use super::limits::Limits;
use super::wire::WirePhotoEntry;
use crate::core::doc::Doc;
use crate::core::fieldwork::photo::{is_hash, jpeg_size, photo_hash, MAX_STORED_BYTES};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What ends a v3 head line (before its newline): the opening of the photo list.
pub const OPEN: &[u8] = b",\"photos\":[";
/// The file's last line: the photo list and the envelope closed.
pub const CLOSE: &[u8] = b"]}";
/// Longest photo line: the base64 of the largest stored photo, its address and
/// the JSON around them.
pub const MAX_LINE: usize = (MAX_STORED_BYTES as usize).div_ceil(3) * 4 + 128;

/// One photo line's content.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePhotoLine {
    b64: String,
    sha256: String,
}

/// Whether a file's first line (without its newline) is a v3 head.
pub fn is_head_line(line: &[u8]) -> bool {
    line.ends_with(OPEN)
}

/// The envelope a v3 head line stands for: the line without `,"photos":[`, closed
/// with `}`. Taken by value: a 100 MB head is not copied.
pub fn head_envelope(mut line: Vec<u8>) -> Vec<u8> {
    line.truncate(line.len().saturating_sub(OPEN.len()));
    line.push(b'}');
    line
}

/// The first line of a file in memory (without its newline), and what follows it.
pub fn first_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[]),
    }
}

/// The address a photo record refers to, for a record of kind `photo`.
fn photo_address(d: &Doc) -> Option<&str> {
    (d.kind == "photo").then(|| d.fields.get("sha256").and_then(|f| f.v.as_str())).flatten()
}

/// The record a photo backs, for messages: the owner of the first photo record in
/// `docs` with this address (its visit, problem, …), or the photo record itself.
pub fn owner_of(docs: &[Doc], sha256: &str) -> String {
    docs.iter()
        .find(|d| photo_address(d) == Some(sha256))
        .map(|d| d.fields.get("owner_id").and_then(|f| f.v.as_str()).unwrap_or(&d.id).to_owned())
        .unwrap_or_else(|| sha256.get(..12).unwrap_or(sha256).to_owned())
}

/// Step 7 for the manifest: at most `limits.max_photos` entries, sorted by address
/// and each once, lengths within the stored-photo cap, and every photo referred to
/// by a photo record of the bundle (a file carries no photo nobody asked for).
pub(crate) fn check_manifest(manifest: &[WirePhotoEntry], docs: &[Doc], limits: &Limits) -> Result<(), ImportError> {
    if manifest.len() > limits.max_photos {
        return Err(ImportError::TooManyPhotos { count: manifest.len(), max: limits.max_photos });
    }
    let referred: BTreeSet<&str> = docs.iter().filter_map(photo_address).collect();
    let mut prev: Option<&str> = None;
    let mut total: u64 = 0;
    for e in manifest {
        if !is_hash(&e.sha256) {
            return Err(ImportError::Schema { reason: format!("photo_manifest: {:?} is not a photo address", super::error::short(&e.sha256)) });
        }
        if prev.is_some_and(|p| p >= e.sha256.as_str()) {
            return Err(ImportError::Schema { reason: "photo_manifest is not sorted by address, each once".into() });
        }
        prev = Some(&e.sha256);
        if e.len == 0 || e.len > MAX_STORED_BYTES {
            return Err(ImportError::PhotoTooLarge { record: owner_of(docs, &e.sha256), len: e.len });
        }
        if !referred.contains(e.sha256.as_str()) {
            return Err(ImportError::PhotoUnreferenced { sha256: e.sha256.clone() });
        }
        total += u64::from(e.len);
    }
    if total > limits.max_photo_bytes {
        return Err(ImportError::TooManyPhotos { count: manifest.len(), max: limits.max_photos });
    }
    Ok(())
}

/// Reads a v3 file's photo lines in order, checking each against the signed
/// manifest: feed it every line after the head ([`PhotoLines::line`]), then
/// [`PhotoLines::finish`]. Holds one photo at a time.
pub struct PhotoLines<'a> {
    incoming: &'a IncomingBundle,
    next: usize,
    closed: bool,
}

impl<'a> PhotoLines<'a> {
    pub fn new(incoming: &'a IncomingBundle) -> Self {
        PhotoLines { incoming, next: 0, closed: false }
    }

    /// How many photos were read.
    pub fn read(&self) -> usize {
        self.next
    }

    fn damaged(&self, sha256: &str, reason: &'static str) -> ImportError {
        ImportError::PhotoDamaged { record: owner_of(&self.incoming.docs, sha256), reason }
    }

    /// One line (without its newline; a `\r` before it is ignored): the photo it
    /// carries, checked, as (address, bytes); `None` for the closing line.
    pub fn line(&mut self, line: &[u8]) -> Result<Option<(String, Vec<u8>)>, ImportError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let manifest = &self.incoming.photos;
        if self.closed {
            return if line.iter().all(u8::is_ascii_whitespace) {
                Ok(None)
            } else {
                Err(ImportError::Schema { reason: "content after the end of the photos".into() })
            };
        }
        let Some(entry) = manifest.get(self.next) else {
            if line == CLOSE {
                self.closed = true;
                return Ok(None);
            }
            return Err(ImportError::Schema { reason: format!("more photo lines than the {} the manifest lists", manifest.len()) });
        };
        if line.len() > MAX_LINE {
            return Err(self.damaged(&entry.sha256, "line too long"));
        }
        let last = self.next + 1 == manifest.len();
        let body = if last { Some(line) } else { line.strip_suffix(b",") };
        let Some(body) = body else {
            // The line ends early (a cut file ends its last line mid-photo).
            return Err(if line == CLOSE { ImportError::Truncated } else { self.damaged(&entry.sha256, "no comma after the photo") });
        };
        let parsed: WirePhotoLine = serde_json::from_slice(body).map_err(|_| self.damaged(&entry.sha256, "not a photo line"))?;
        if parsed.sha256 != entry.sha256 {
            return Err(self.damaged(&entry.sha256, "not the photo the manifest lists here"));
        }
        let bytes = STANDARD.decode(parsed.b64.as_bytes()).map_err(|_| self.damaged(&entry.sha256, "not base64"))?;
        if bytes.len() != entry.len as usize {
            return Err(self.damaged(&entry.sha256, "length differs from the manifest"));
        }
        if photo_hash(&bytes) != entry.sha256 {
            return Err(self.damaged(&entry.sha256, "bytes differ from their address"));
        }
        if jpeg_size(&bytes).is_none() || !bytes.ends_with(&[0xFF, 0xD9]) {
            return Err(ImportError::PhotoNotJpeg { record: owner_of(&self.incoming.docs, &entry.sha256) });
        }
        self.next += 1;
        Ok(Some((parsed.sha256, bytes)))
    }

    /// The end of the file: every listed photo read and the list closed, or the
    /// file was cut short.
    pub fn finish(&self) -> Result<(), ImportError> {
        if self.closed {
            Ok(())
        } else {
            Err(ImportError::Truncated)
        }
    }
}

/// Reads every photo of a v3 file held in memory (`rest`: what follows its head
/// line), checked: for an encrypted or sealed file, decrypted whole, and for a
/// batch.
pub(crate) fn read_all(incoming: &IncomingBundle, rest: &[u8]) -> Result<Vec<Vec<u8>>, ImportError> {
    let mut lines = PhotoLines::new(incoming);
    let mut out = Vec::with_capacity(incoming.photos.len());
    for line in rest.split(|b| *b == b'\n') {
        if let Some((_, bytes)) = lines.line(line)? {
            out.push(bytes);
        }
    }
    lines.finish()?;
    Ok(out)
}

/// Splits bytes arriving in parts into lines, holding only the line being read.
/// Lines longer than `max` are refused (`too_large` of that line) before they are
/// all in memory.
pub struct LineSplitter {
    buf: Vec<u8>,
    max: usize,
}

impl LineSplitter {
    pub fn new(max: usize) -> Self {
        LineSplitter { buf: Vec::new(), max }
    }

    /// The longest line allowed from now on (the head may be long, photo lines not).
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

    /// Adds a part; calls `each` with every line it completes (without its newline).
    pub fn push<E>(&mut self, mut part: &[u8], mut each: impl FnMut(Vec<u8>) -> Result<(), E>, too_long: impl Fn(usize) -> E) -> Result<(), E> {
        while let Some(at) = part.iter().position(|b| *b == b'\n') {
            if self.buf.len() + at > self.max {
                return Err(too_long(self.buf.len() + at));
            }
            let mut line = std::mem::take(&mut self.buf);
            line.extend_from_slice(&part[..at]);
            each(line)?;
            part = &part[at + 1..];
        }
        if self.buf.len() + part.len() > self.max {
            return Err(too_long(self.buf.len() + part.len()));
        }
        self.buf.extend_from_slice(part);
        Ok(())
    }

    /// What is left after the last newline (the last line of a file without a
    /// final newline), if anything.
    pub fn finish(self) -> Option<Vec<u8>> {
        (!self.buf.is_empty()).then_some(self.buf)
    }
}

// ---------------------------------------------------------------- export

/// The photos a bundle of `docs` carries: the distinct addresses of its live photo
/// records whose bytes this device holds (`held`: address → length), sorted.
pub fn manifest_of<'a>(docs: impl IntoIterator<Item = &'a Doc>, held: &BTreeMap<String, u32>) -> Vec<WirePhotoEntry> {
    let wanted: BTreeSet<&str> = docs.into_iter().filter(|d| !d.is_deleted()).filter_map(photo_address).collect();
    wanted.into_iter().filter_map(|h| held.get(h).map(|len| WirePhotoEntry { len: *len, sha256: h.to_owned() })).collect()
}

/// Turns a sealed v3 envelope into its head line: the envelope without its closing
/// brace, `,"photos":[` and the newline.
pub fn head_line(mut envelope: Vec<u8>) -> Vec<u8> {
    if envelope.last() == Some(&b'}') {
        envelope.pop();
    }
    envelope.extend_from_slice(OPEN);
    envelope.push(b'\n');
    envelope
}

/// One photo's line, with its newline (and the comma unless `last`), checked
/// against its manifest entry: bytes that changed since the manifest was made are
/// refused rather than written into a file that would then be refused.
pub fn photo_line(entry: &WirePhotoEntry, bytes: &[u8], last: bool) -> Result<Vec<u8>, ExportError> {
    if bytes.len() != entry.len as usize || photo_hash(bytes) != entry.sha256 {
        return Err(ExportError::PhotoChanged { sha256: entry.sha256.clone() });
    }
    let mut out =
        serde_json::to_vec(&WirePhotoLine { b64: STANDARD.encode(bytes), sha256: entry.sha256.clone() }).map_err(|e| ExportError::Encode(e.to_string()))?;
    if !last {
        out.push(b',');
    }
    out.push(b'\n');
    Ok(out)
}

/// The file's last line.
pub fn close_line() -> Vec<u8> {
    let mut v = CLOSE.to_vec();
    v.push(b'\n');
    v
}

/// What a file's photos would do here, for the preview: counted from the manifest
/// and the photo records, before a photo line is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhotoCounts {
    /// Photos the file carries, and their bytes.
    pub in_file: usize,
    pub in_file_bytes: u64,
    /// Of those, photos this device does not hold yet, and their bytes.
    pub new: usize,
    pub new_bytes: u64,
    /// Photos the file's photo records refer to that are already here.
    pub already_here: usize,
    /// Photos the file's live photo records refer to that are neither in the file
    /// nor here: shown as 照片待补传 until a later bundle brings them.
    pub missing: usize,
}

/// The preview's photo counts, given whether this device holds an address.
pub fn counts(incoming: &IncomingBundle, held: impl Fn(&str) -> bool) -> PhotoCounts {
    let mut c = PhotoCounts { in_file: incoming.photos.len(), ..PhotoCounts::default() };
    let carried: BTreeSet<&str> = incoming.photos.iter().map(|e| e.sha256.as_str()).collect();
    for e in &incoming.photos {
        c.in_file_bytes += u64::from(e.len);
        if !held(&e.sha256) {
            c.new += 1;
            c.new_bytes += u64::from(e.len);
        }
    }
    let referred: BTreeSet<&str> = incoming.docs.iter().filter(|d| !d.is_deleted()).filter_map(photo_address).collect();
    for h in referred {
        if held(h) {
            c.already_here += 1;
        } else if !carried.contains(h) {
            c.missing += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_out_the_same_whatever_the_parts() {
        let text = b"head,\"photos\":[\n{a},\n{b}\n]}\n";
        for cut in 1..text.len() {
            let mut s = LineSplitter::new(100);
            let mut lines = Vec::new();
            for part in text.chunks(cut) {
                s.push::<()>(
                    part,
                    |l| {
                        lines.push(l);
                        Ok(())
                    },
                    |_| (),
                )
                .unwrap();
            }
            assert_eq!(s.finish(), None);
            assert_eq!(lines, vec![b"head,\"photos\":[".to_vec(), b"{a},".to_vec(), b"{b}".to_vec(), b"]}".to_vec()]);
        }
    }

    #[test]
    fn a_line_longer_than_allowed_is_refused_before_it_is_all_in_memory() {
        let mut s = LineSplitter::new(10);
        let r = s.push(&[b'x'; 11], |_| Ok(()), |n| n);
        assert_eq!(r, Err(11));
    }

    #[test]
    fn a_head_line_is_the_envelope_without_its_brace() {
        let env = b"{\"a\":1}".to_vec();
        let line = head_line(env.clone());
        assert_eq!(line, b"{\"a\":1,\"photos\":[\n");
        let (first, rest) = first_line(&line);
        assert!(is_head_line(first) && rest.is_empty());
        assert_eq!(head_envelope(first.to_vec()), env);
    }
}
