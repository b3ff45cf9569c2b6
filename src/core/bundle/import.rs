//! Import (导入): from file bytes to a [`Preview`] holding the staged change.
//!
//! The checks run in this order, each rejecting with a specific [`ImportError`]
//! before any later (more expensive) work is done:
//!
//! 1. **size** from the byte length alone ([`Limits::max_bytes`]);
//! 2. **text**: UTF-8 (a cut multi-byte character at the end is `Truncated`), a
//!    leading byte-order mark is ignored;
//! 3. **nesting**: one pass over the bytes counts bracket depth outside strings,
//!    so 100,000 `[` are refused before any parser recurses ([`Limits::max_depth`]);
//! 4. **JSON** syntax (`Truncated` when the text ends early), then the **format**
//!    and **version** members (an encrypted bundle needs its passphrase, a receipt
//!    is not a bundle, an unknown version is named);
//! 5. **structure** of v1 (no missing, extra or mistyped members) with the record
//!    ceiling [`wire::MAX_RECORDS`] enforced while parsing;
//! 6. **checksum** of the canonical envelope; then (6a) the **signature** of a v2
//!    file: it verifies over the checksum, and the file's bytes are exactly those
//!    signed ([`super::sign`]);
//! 7. **schema and limits**: record count, declared counts, id syntax, duplicate
//!    ids, text lengths, stamp sanity, merge-state invariants, and for known kinds
//!    that the values decode into the typed record and are in range (dates exist,
//!    figures are not negative). Unknown kinds (from a newer app) are kept as they
//!    are: merge does not need to understand them and dropping them would lose data;
//! 8. **campaign**: the bundle's campaign must be this device's; before it (8a)
//!    the **clock guard**: no write stamped more than a day after this device's clock
//!    ([`crate::core::clock::ahead_of`]), and (8b) the **signer**: a key pinned here
//!    for another device, another key for a device pinned here, or an unsigned file
//!    naming a device that signs are refused ([`super::sign::check_signer`]);
//! 9. **references**: every reference of a known-kind record resolves to a record
//!    of the right kind in the bundle or on this device (deleted or not: deletes
//!    and edits race, and a reference to a tombstone is legitimate);
//! 10. **merge** in memory ([`Replica::stage_merge`]) and the [`Preview`].
//!
//! Steps 1–7 are [`read_bundle`] (needs only the bytes), 8–10 [`preview`] (needs the
//! replica and the ledger); [`prepare_import`] runs both. A UI shows progress
//! between them. Nothing is written here: the caller commits `preview.change.docs`
//! with the clock and `preview.ledger` in one atomic commit, then applies the change.

use super::crypto;
use super::error::ImportError;
use super::kinds::{self, Inspect, Ref};
use super::ledger::{Gaps, LedgerError, Received, SyncLedger, VersionVector, META_SYNC_LEDGER};
use super::limits::{json_error, Limits};
use super::sign::{self, PublicKey, Signer};
use super::wire::{self, CoreDocs, Probe, ScopeKind, WireScope, FORMAT, FORMAT_ENCRYPTED, FORMAT_RECEIPT, VERSION, VERSION_ENCRYPTED, VERSION_UNSIGNED};
use crate::core::clock::{DeviceId, Stamp};
use crate::core::doc::Entity;
use crate::core::doc::{Doc, DELETED};
use crate::core::model::Campaign;
use crate::core::replica::{Change, Replica};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Longest record id (bytes). Composite ids (a visit answer's `ans~<visit>~<item>`)
/// are longer than the ids they combine.
pub const MAX_ID: usize = 256;
/// Longest device id (bytes).
pub const MAX_DEVICE_ID: usize = 64;
/// Longest kind tag.
pub const MAX_KIND: usize = 32;
/// Longest field name.
pub const MAX_FIELD_NAME: usize = 64;
/// Latest plausible stamp: 2200-01-01T00:00:00Z. A later wall time is a broken
/// clock or a forged file, and observing it would drag this device's clock along.
pub const MAX_WALL_MS: u64 = 7_258_118_400_000;

/// What kind of duzhan file some bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Bundle,
    EncryptedBundle,
    Receipt,
    Roster,
    SealedBundle,
}

/// The header of a checked bundle, in core types.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleHeader {
    pub bundle_id: String,
    pub campaign_id: String,
    pub device_id: DeviceId,
    pub squad_name: String,
    pub seq: u64,
    pub created_ms: u64,
    pub scope: ScopeKind,
    pub recipient: Option<String>,
    pub since_ms: Option<u64>,
    pub since: VersionVector,
    pub county_ids: Vec<String>,
    pub target_ids: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    /// The key that signed the bundle (v2), verified against its content; `None`
    /// for a v1 file. Whose key it is, is step 8b's question.
    pub signer: Option<PublicKey>,
}

/// A bundle that passed steps 1–7: well-formed, intact and within limits.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomingBundle {
    pub header: BundleHeader,
    pub docs: Vec<Doc>,
    /// References of known-kind records: (index into `docs`, reference).
    refs: Vec<(usize, Ref)>,
    /// v3: the photos the file carries (its signed manifest, sorted by address).
    pub photos: Vec<wire::WirePhotoEntry>,
    /// Their bytes, in manifest order, checked, when the file was read whole
    /// ([`read_bundle`]); empty when only its head was read ([`read_head`]) and the
    /// caller reads the photo lines in parts (`super::photos::PhotoLines`).
    pub photo_bytes: Vec<Vec<u8>>,
}

/// Per record kind, what an import would do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Records of the kind in the bundle.
    pub records: u64,
    /// Not on this device before (and not deleted).
    pub new: u64,
    /// On this device, and the merge changes them (edits, restores, new
    /// concurrent values…), without deleting them.
    pub changed: u64,
    /// Deleted by the import: visible before, tombstoned after; or arriving
    /// already deleted.
    pub deleted: u64,
    /// Merge left a concurrent value visible that was not visible before
    /// (并发修改); also counted in `new`/`changed`/`deleted`.
    pub conflicting: u64,
    /// Already up to date here.
    pub unchanged: u64,
}

impl KindCounts {
    /// The sum of some counts (over kinds, over files).
    pub fn sum<'a>(counts: impl IntoIterator<Item = &'a KindCounts>) -> KindCounts {
        let mut t = KindCounts::default();
        for c in counts {
            t.add(c);
        }
        t
    }

    pub(crate) fn add(&mut self, o: &KindCounts) {
        self.records += o.records;
        self.new += o.new;
        self.changed += o.changed;
        self.deleted += o.deleted;
        self.conflicting += o.conflicting;
        self.unchanged += o.unchanged;
    }
}

/// Why a bundle counts as already imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlreadyImported {
    /// This very bundle (same id) was imported (or exported) here before.
    SameBundle,
    /// Another bundle, but everything in it is already here.
    NothingNew,
}

/// What importing a bundle would do; shown to the user before they confirm.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub bundle_id: String,
    pub source_device: DeviceId,
    pub squad_name: String,
    pub seq: u64,
    pub created_ms: u64,
    pub scope: ScopeKind,
    pub recipient: Option<String>,
    /// Per record kind (kind tags as in docs; unknown kinds included).
    pub kinds: BTreeMap<String, KindCounts>,
    /// Earlier sequence numbers of the source device not imported here
    /// ("第6号数据包尚未导入").
    pub gaps: Gaps,
    pub already_imported: Option<AlreadyImported>,
    /// The bundle was made by this very device (a backup being restored).
    pub own_bundle: bool,
    /// Who signed it, as this device knows them.
    pub signer: Signer,
    /// The docs to commit atomically, with the advanced clock.
    pub change: Change,
    /// The ledger to store in the same commit (under [`META_SYNC_LEDGER`]).
    pub ledger: SyncLedger,
}

impl Preview {
    /// The sum over kinds.
    pub fn totals(&self) -> KindCounts {
        KindCounts::sum(self.kinds.values())
    }

    /// The ledger as the meta entry to commit with the change.
    pub fn ledger_meta(&self) -> Result<(String, String), LedgerError> {
        Ok((META_SYNC_LEDGER.to_owned(), self.ledger.to_meta()?))
    }
}

// ---------------------------------------------------------------- steps 1–4

/// Steps 1–3: size, text, nesting. Returns the text without a byte-order mark and
/// what the byte scan saw.
pub(crate) fn check_text<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(&'a str, Scan), ImportError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImportError::TooLarge { size: bytes.len(), max: limits.max_bytes });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| match e.error_len() {
        // An incomplete character at the very end: the file was cut off.
        None => ImportError::Truncated,
        Some(_) => ImportError::NotUtf8 { offset: e.valid_up_to() },
    })?;
    let scan = scan(text.as_bytes(), limits.max_depth)?;
    Ok((text, scan))
}

/// What one pass over the bytes counts before any parser runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Objects directly inside an array at nesting level 3: in a v1 bundle exactly
    /// the records (`payload.docs[i]`), in anything else an upper bound of nothing
    /// in particular. Lets a million-record file be refused without parsing it.
    pub records_hint: usize,
}

/// Bracket depth outside strings, in one pass with no allocation; refuses nesting
/// deeper than `max` before a recursive parser sees it.
fn scan(bytes: &[u8], max: usize) -> Result<Scan, ImportError> {
    // Whether each open container is an array, for the first four levels.
    let mut arrays = [false; 4];
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut records_hint = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            } else {
                // Most of a bundle is string content: skip to its next quote or backslash.
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\\') {
                    i += 1;
                }
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                if b == b'{' && depth == 3 && arrays[2] {
                    records_hint += 1;
                }
                if let Some(slot) = arrays.get_mut(depth) {
                    *slot = b == b'[';
                }
                depth += 1;
                if depth > max {
                    return Err(ImportError::TooDeep { max });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(Scan { records_hint })
}

/// Step 4: parses the whole text for syntax and reads `format` and `version`.
pub(crate) fn probe(text: &str) -> Result<(FileKind, u64), ImportError> {
    let p: Probe = serde_json::from_str(text).map_err(|e| match json_error(e, text) {
        ImportError::Schema { reason } if reason.contains("duplicate field") => ImportError::Schema { reason },
        ImportError::Schema { .. } => ImportError::NotDuzhanFile,
        other => other,
    })?;
    let format = match p.format {
        None => return Err(ImportError::NotDuzhanFile),
        Some(Value::String(s)) => s,
        Some(other) => return Err(ImportError::UnknownFormat { format: super::error::short(&other.to_string()) }),
    };
    let kind = match format.as_str() {
        FORMAT => FileKind::Bundle,
        FORMAT_ENCRYPTED => FileKind::EncryptedBundle,
        FORMAT_RECEIPT => FileKind::Receipt,
        super::roster::FORMAT_ROSTER => FileKind::Roster,
        super::seal::FORMAT_SEALED => FileKind::SealedBundle,
        _ => return Err(ImportError::UnknownFormat { format: super::error::short(&format) }),
    };
    match p.version {
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok((kind, n.as_u64().unwrap_or(0))),
        None => Err(ImportError::Schema { reason: "missing member `version`".into() }),
        Some(other) => Err(ImportError::UnsupportedVersion { format, found: super::error::short(&other.to_string()), supported: VERSION }),
    }
}

fn require_version(format: &str, found: u64) -> Result<(), ImportError> {
    // An encrypted or a sealed envelope: version 1 whole, 2 in chunks (`super::stream`).
    let envelope = matches!(format, FORMAT_ENCRYPTED | super::seal::FORMAT_SEALED);
    let ok = if envelope {
        found == u64::from(VERSION_ENCRYPTED) || found == u64::from(super::stream::VERSION_CHUNKED)
    } else {
        found == u64::from(VERSION) || found == u64::from(VERSION_UNSIGNED) || found == u64::from(wire::VERSION_PHOTOS)
    };
    if !ok {
        let supported = if envelope { super::stream::VERSION_CHUNKED } else { wire::VERSION_PHOTOS };
        return Err(ImportError::UnsupportedVersion { format: format.to_owned(), found: found.to_string(), supported });
    }
    Ok(())
}

// ---------------------------------------------------------------- steps 5–7

/// Steps 1–7: reads and checks a bundle file (plain, or encrypted with `passphrase`).
pub fn read_bundle(bytes: &[u8], passphrase: Option<&str>, limits: &Limits) -> Result<IncomingBundle, ImportError> {
    read_with(bytes, passphrase, None, limits)
}

/// [`read_bundle`] for a bundle sealed to this device (`super::seal`), opened with `key`.
pub fn read_sealed_bundle(bytes: &[u8], key: &super::sign::DeviceKey, limits: &Limits) -> Result<IncomingBundle, ImportError> {
    read_with(bytes, None, Some(key), limits)
}

fn read_with(bytes: &[u8], passphrase: Option<&str>, key: Option<&super::sign::DeviceKey>, limits: &Limits) -> Result<IncomingBundle, ImportError> {
    if let Some(v3) = read_laid_out(bytes, limits) {
        return v3;
    }
    let (text, scan) = check_text(bytes, limits)?;
    let plain = match parse_envelope(text, scan, limits)? {
        Parsed::Plain(env) => return check_plain(text, env, limits, false),
        Parsed::Encrypted => crypto::decrypt(text, passphrase.ok_or(ImportError::PassphraseRequired)?, limits)?,
        Parsed::Sealed => super::seal::open(text, key.ok_or(ImportError::SealedKeyNeeded)?, limits)?,
    };
    if let Some(v3) = read_laid_out(&plain, limits) {
        return v3;
    }
    let (inner, scan) = check_text(&plain, limits)?;
    match parse_envelope(inner, scan, limits)? {
        Parsed::Plain(env) => check_plain(inner, env, limits, false),
        // A bundle wrapped twice: not something an exporter writes.
        Parsed::Encrypted | Parsed::Sealed => Err(ImportError::Schema { reason: "the encrypted content is not a plain bundle".into() }),
    }
}

/// A v3 file held whole (`super::photos`): its head checked like any bundle, then
/// every photo line against the signed manifest. `None` when the first line is
/// not a v3 head (every v1/v2 file).
fn read_laid_out(bytes: &[u8], limits: &Limits) -> Option<Result<IncomingBundle, ImportError>> {
    let (first, rest) = super::photos::first_line(bytes);
    if !super::photos::is_head_line(first) {
        return None;
    }
    if bytes.len() > limits.max_bytes {
        return Some(Err(ImportError::TooLarge { size: bytes.len(), max: limits.max_bytes }));
    }
    Some(read_head(first.to_vec(), limits).and_then(|mut incoming| {
        incoming.photo_bytes = super::photos::read_all(&incoming, rest)?;
        Ok(incoming)
    }))
}

/// Steps 1–7 for the head line of a v3 file read in parts (its first line, without
/// the newline; `super::photos::is_head_line`): the records and the photo
/// manifest, checked; the photo lines are the caller's to read next, through
/// `super::photos::PhotoLines`.
pub fn read_head(line: Vec<u8>, limits: &Limits) -> Result<IncomingBundle, ImportError> {
    if !super::photos::is_head_line(&line) {
        return Err(ImportError::Schema { reason: "the first line does not open the photos".into() });
    }
    let head = super::photos::head_envelope(line);
    let (text, scan) = check_text(&head, limits)?;
    match parse_envelope(text, scan, limits)? {
        Parsed::Plain(env) => check_plain(text, env, limits, true),
        Parsed::Encrypted | Parsed::Sealed => Err(ImportError::Schema { reason: "photos follow a plain bundle only".into() }),
    }
}

/// What a chunked encrypted or sealed file is (`super::stream`), from its head line
/// alone: the content is read later, a chunk at a time, once a passphrase or key
/// opens it.
pub fn chunked_kind(line: &[u8]) -> Result<FileKind, ImportError> {
    let header = super::stream::header_of(line).ok_or_else(|| ImportError::Schema { reason: "the first line does not open the chunks".into() })?;
    let text = std::str::from_utf8(&header).map_err(|e| ImportError::NotUtf8 { offset: e.valid_up_to() })?;
    match probe(text)? {
        (kind @ (FileKind::EncryptedBundle | FileKind::SealedBundle), version) if version == u64::from(super::stream::VERSION_CHUNKED) => Ok(kind),
        (FileKind::EncryptedBundle | FileKind::SealedBundle, version) => {
            Err(ImportError::Schema { reason: format!("a chunked file is version {}, not {version}", super::stream::VERSION_CHUNKED) })
        }
        _ => Err(ImportError::Schema { reason: "only an encrypted or a sealed file is laid out in chunks".into() }),
    }
}

/// A plain bundle as an import reads it: the records straight into core docs.
type Envelope = wire::Envelope<CoreDocs>;

enum Parsed {
    Plain(Box<Envelope>),
    Encrypted,
    Sealed,
}

/// Steps 4–5. The happy path parses once, straight into the v1 types; only when
/// that fails (or the scan counted too many records) does a second, allocation-free
/// pass read `format` and `version`, so the error names the real problem in the
/// documented order: syntax, then format and version, then structure.
fn parse_envelope(text: &str, scan: Scan, limits: &Limits) -> Result<Parsed, ImportError> {
    let classify = |kind: FileKind, version: u64| -> Result<Option<Parsed>, ImportError> {
        match kind {
            FileKind::Receipt => Err(ImportError::ReceiptNotBundle),
            FileKind::Roster => Err(ImportError::RosterNotBundle),
            FileKind::SealedBundle => require_version(super::seal::FORMAT_SEALED, version).map(|_| Some(Parsed::Sealed)),
            FileKind::EncryptedBundle => require_version(FORMAT_ENCRYPTED, version).map(|_| Some(Parsed::Encrypted)),
            FileKind::Bundle => require_version(FORMAT, version).map(|_| None),
        }
    };
    if scan.records_hint > limits.max_records {
        let (kind, version) = probe(text)?;
        if let Some(p) = classify(kind, version)? {
            return Ok(p);
        }
        return Err(ImportError::TooManyRecords { max: limits.max_records });
    }
    // serde reads structs from arrays too; a duzhan file is an object.
    let object = text.trim_start().starts_with('{');
    match serde_json::from_str::<Envelope>(text).ok().filter(|_| object).ok_or(()) {
        Ok(env) => {
            let kind = match env.format.as_str() {
                FORMAT => FileKind::Bundle,
                FORMAT_ENCRYPTED => FileKind::EncryptedBundle,
                FORMAT_RECEIPT => FileKind::Receipt,
                super::roster::FORMAT_ROSTER => FileKind::Roster,
                super::seal::FORMAT_SEALED => FileKind::SealedBundle,
                other => return Err(ImportError::UnknownFormat { format: super::error::short(other) }),
            };
            classify(kind, u64::from(env.version))?;
            Ok(Parsed::Plain(Box::new(env)))
        }
        Err(()) => {
            let (kind, version) = probe(text)?;
            match classify(kind, version)? {
                Some(p) => Ok(p),
                // Parse again for the error: failures are rare and worth a clear message.
                None => Err(serde_json::from_str::<Envelope>(text).err().map_or_else(|| ImportError::NotDuzhanFile, |e| json_error(e, text))),
            }
        }
    }
}

/// Step 6 on the raw text of a byte-canonical file (what exporters write): the
/// text without its `"sha256":"…",` member (and a v2 file's `"signature":{…},`
/// after it) *is* the canonical envelope, so hashing it equals re-serialising the
/// parsed envelope, at a fraction of the cost. A v1 file that is not byte-canonical
/// (re-indented by hand, say) takes the full path; a v2 file must be as signed.
fn raw_checksum_matches(text: &str, claimed: &str, signature: Option<&wire::WireSignature>) -> bool {
    if claimed.len() != 64 || !claimed.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return false;
    }
    let Ok(member) = wire::sealed_members(claimed, signature) else { return false };
    let Ok(member) = std::str::from_utf8(&member) else { return false };
    let text = text.trim_end_matches([' ', '\n', '\r', '\t']);
    match text.rfind(member) {
        Some(at) => crate::core::digest::sha256_parts_hex(&[&text.as_bytes()[..at], &text.as_bytes()[at + member.len()..]]) == claimed,
        None => false,
    }
}

/// Steps 6–7 for a parsed plain envelope; `laid_out`: read from a v3 head line.
fn check_plain(text: &str, mut env: Box<Envelope>, limits: &Limits, laid_out: bool) -> Result<IncomingBundle, ImportError> {
    wire::check_version(env.version, env.signature.is_some(), !env.photo_manifest.is_empty(), laid_out)
        .map_err(|r| ImportError::Schema { reason: r.into() })?;
    // 6. checksum: exact lower-case hex of the canonical envelope without it.
    if !raw_checksum_matches(text, &env.sha256, env.signature.as_ref()) {
        let actual = wire::envelope_checksum(&mut env).map_err(|e| ImportError::Schema { reason: e.to_string() })?;
        if env.sha256 != actual {
            return Err(ImportError::ChecksumMismatch { expected: super::error::short(&env.sha256), actual });
        }
        if env.signature.is_some() {
            // The content is what was signed, but the bytes are not: a signed file
            // is checked on its bytes, so that any change to it is refused.
            return Err(ImportError::AlteredAfterSigning);
        }
    }
    // 6a. signature.
    let signer = match &env.signature {
        Some(sig) => Some(sign::verify(sig, &env.format, &env.sha256)?),
        None => None,
    };
    check_envelope(*env, signer, limits)
}

/// Byte classes of ids, kinds and field names, looked up once per byte (an import
/// checks every id, field name and stamp's device: millions of bytes).
const ID_CHAR: u8 = 1;
const KIND_CHAR: u8 = 2;
const FIELD_CHAR: u8 = 4;
const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        if alnum || matches!(c, b'-' | b'_' | b'.' | b':' | b'~') {
            t[b] |= ID_CHAR;
        }
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' {
            t[b] |= KIND_CHAR;
        }
        if alnum || c == b'_' {
            t[b] |= FIELD_CHAR;
        }
        b += 1;
    }
    t
};

fn all_of(s: &str, class: u8) -> bool {
    s.bytes().all(|b| CLASSES[usize::from(b)] & class != 0)
}

/// Record, campaign, device and bundle ids: 1–`max` bytes of `A-Z a-z 0-9 - _ . : ~`.
pub fn valid_id(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && all_of(s, ID_CHAR)
}

/// Kind tags: 1–32 bytes of `a-z 0-9 _`.
pub fn valid_kind(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_KIND && all_of(s, KIND_CHAR)
}

/// Field names: 1–64 bytes of `A-Z a-z 0-9 _`.
pub fn valid_field_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_FIELD_NAME && all_of(s, FIELD_CHAR)
}

fn id_ok(what: &'static str, s: &str, max: usize) -> Result<(), ImportError> {
    if valid_id(s, max) {
        Ok(())
    } else {
        Err(ImportError::InvalidId { what, id: s.to_owned() })
    }
}

/// Whether every string (and object key) in a value is at most `max` bytes.
fn strings_fit(v: &Value, max: usize) -> bool {
    match v {
        Value::String(s) => s.len() <= max,
        Value::Array(a) => a.iter().all(|x| strings_fit(x, max)),
        Value::Object(m) => m.iter().all(|(k, x)| k.len() <= max && strings_fit(x, max)),
        _ => true,
    }
}

fn check_scope(s: &WireScope) -> Result<(), ImportError> {
    let bad = |reason: &str| Err(ImportError::Schema { reason: format!("scope: {reason}") });
    let scoped_members = !s.county_ids.is_empty() || !s.target_ids.is_empty();
    let delta_members = s.since_ms.is_some() || !s.since_vv.is_empty();
    match s.kind {
        ScopeKind::Full if scoped_members || delta_members => return bad("a full bundle has no since or ids"),
        ScopeKind::Delta if scoped_members => return bad("a delta bundle has no county or target ids"),
        ScopeKind::Scoped if delta_members => return bad("a scoped bundle has no since"),
        ScopeKind::Scoped if !scoped_members => return bad("a scoped bundle names counties or targets"),
        _ => {}
    }
    for id in s.county_ids.iter().chain(&s.target_ids) {
        id_ok("record id", id, MAX_ID)?;
    }
    if let Some(r) = &s.recipient {
        id_ok("device id", r, MAX_DEVICE_ID)?;
    }
    for (k, st) in &s.since_vv {
        id_ok("device id", k, MAX_DEVICE_ID)?;
        if *k != st.dev {
            return bad("since_vv entries are keyed by their stamp's device");
        }
    }
    Ok(())
}

fn stamp_ok(doc: &str, field: &str, s: &Stamp) -> Result<(), ImportError> {
    let bad = |reason: &'static str| Err(ImportError::InvalidStamp { id: doc.to_owned(), field: field.to_owned(), reason });
    if !valid_id(s.dev.as_str(), MAX_DEVICE_ID) {
        return bad("the stamp's device id is malformed");
    }
    if s.wall > MAX_WALL_MS {
        return bad("the stamp is after the year 2200");
    }
    Ok(())
}

/// Step 7 for one doc: everything that needs no other record.
fn check_doc(d: &Doc, limits: &Limits) -> Result<(), ImportError> {
    id_ok("record id", &d.id, MAX_ID)?;
    if !valid_kind(&d.kind) {
        return Err(ImportError::InvalidId { what: "kind", id: d.kind.clone() });
    }
    if d.fields.is_empty() || d.fields.len() > limits.max_fields {
        return Err(ImportError::InvalidRecord { id: d.id.clone(), kind: d.kind.clone(), reason: format!("a record has 1 to {} fields", limits.max_fields) });
    }
    for (name, f) in &d.fields {
        if !valid_field_name(name) {
            return Err(ImportError::InvalidId { what: "field", id: name.clone() });
        }
        let bad = |reason: &'static str| Err(ImportError::InvalidStamp { id: d.id.clone(), field: name.clone(), reason });
        stamp_ok(&d.id, name, &f.s)?;
        for (dev, a) in &f.alt {
            stamp_ok(&d.id, name, &a.s)?;
            // Invariants of Field::merge's output; a state breaking them could make
            // merge order-dependent, so it is refused rather than merged.
            if *dev != a.s.dev {
                return bad("a concurrent value is filed under another device");
            }
            if *dev == f.s.dev {
                return bad("a concurrent value from the winner's own device");
            }
            if a.s >= f.s {
                return bad("a concurrent value newer than the winner");
            }
            if f.seen.get(dev).is_some_and(|seen| a.s <= *seen) {
                return bad("a concurrent value that was already seen");
            }
        }
        for (dev, s) in &f.seen {
            stamp_ok(&d.id, name, s)?;
            if *dev != s.dev {
                return bad("a version-vector entry filed under another device");
            }
        }
        if !strings_fit(&f.v, limits.max_string_bytes) || !f.alt.values().all(|a| strings_fit(&a.v, limits.max_string_bytes)) {
            return Err(ImportError::StringTooLong { id: d.id.clone(), max: limits.max_string_bytes });
        }
        if name == DELETED && !f.v.is_boolean() {
            return Err(ImportError::InvalidRecord { id: d.id.clone(), kind: d.kind.clone(), reason: "_deleted is true or false".into() });
        }
    }
    Ok(())
}

fn check_envelope(env: Envelope, signer: Option<PublicKey>, limits: &Limits) -> Result<IncomingBundle, ImportError> {
    // Header.
    if !(env.bundle_id.len() <= 64 && valid_id(&env.bundle_id, 64)) {
        return Err(ImportError::InvalidId { what: "bundle id", id: env.bundle_id });
    }
    id_ok("campaign id", &env.campaign_id, MAX_ID)?;
    id_ok("device id", &env.source.device_id, MAX_DEVICE_ID)?;
    if env.source.squad_name.len() > limits.max_string_bytes {
        return Err(ImportError::StringTooLong { id: env.source.device_id, max: limits.max_string_bytes });
    }
    if env.seq == 0 {
        return Err(ImportError::Schema { reason: "seq starts at 1".into() });
    }
    check_scope(&env.scope)?;
    // Record count, then the declared counts.
    let docs = env.payload.docs;
    let photos = env.photo_manifest;
    if docs.len() > limits.max_records {
        return Err(ImportError::TooManyRecords { max: limits.max_records });
    }
    let mut actual: BTreeMap<&str, u64> = BTreeMap::new();
    for d in &docs {
        *actual.entry(d.kind.as_str()).or_default() += 1;
    }
    for (kind, declared) in &env.counts {
        let a = actual.get(kind.as_str()).copied().unwrap_or(0);
        if a != *declared {
            return Err(ImportError::CountsMismatch { kind: kind.clone(), declared: *declared, actual: a });
        }
    }
    if let Some((kind, a)) = actual.iter().find(|(k, _)| !env.counts.contains_key(**k)) {
        return Err(ImportError::CountsMismatch { kind: (*kind).to_owned(), declared: 0, actual: *a });
    }
    drop(actual);

    // Records.
    let mut ids: HashSet<&str> = HashSet::with_capacity(docs.len());
    let mut refs = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        check_doc(d, limits)?;
        if !ids.insert(d.id.as_str()) {
            return Err(ImportError::DuplicateId { id: d.id.clone() });
        }
        if d.kind == Campaign::KIND && d.id != env.campaign_id {
            return Err(ImportError::WrongCampaign { bundle: d.id.clone(), local: env.campaign_id.clone() });
        }
        if let Some(rules) = kinds::rules_for(&d.kind) {
            match (rules.inspect)(d) {
                Ok(links) => refs.extend(links.refs.into_iter().map(|r| (i, r))),
                Err(Inspect::Decode(e)) => return Err(ImportError::InvalidRecord { id: d.id.clone(), kind: d.kind.clone(), reason: e.reason }),
                Err(Inspect::Invalid(error)) => return Err(ImportError::InvalidValue { id: d.id.clone(), kind: d.kind.clone(), error }),
            }
        }
    }
    drop(ids);
    super::photos::check_manifest(&photos, &docs, limits)?;
    let header = BundleHeader {
        bundle_id: env.bundle_id,
        campaign_id: env.campaign_id,
        device_id: DeviceId(env.source.device_id),
        squad_name: env.source.squad_name,
        seq: env.seq,
        created_ms: env.created_ms,
        scope: env.scope.kind,
        recipient: env.scope.recipient,
        since_ms: env.scope.since_ms,
        since: VersionVector::from_wire(env.scope.since_vv),
        county_ids: env.scope.county_ids,
        target_ids: env.scope.target_ids,
        counts: env.counts,
        signer,
    };
    Ok(IncomingBundle { header, docs, refs, photos, photo_bytes: Vec::new() })
}

// ---------------------------------------------------------------- steps 8–10

fn new_conflict(prev: Option<&Doc>, merged: &Doc) -> bool {
    merged.fields.iter().any(|(name, f)| {
        let before = prev.and_then(|p| p.fields.get(name));
        f.conflicts().any(|a| before.is_none_or(|pf| !pf.conflicts().any(|pa| pa.s == a.s)))
    })
}

pub(crate) fn own_bundle_of(header: &BundleHeader, replica: &Replica) -> bool {
    header.device_id == *replica.device()
}

/// Step 8a, the clock guard: no write stamped more than a day after this device's
/// clock (`clock::ahead_of`). Per file, so the state any order of accepted files
/// reaches is the same (`tests/bundle_properties.rs`).
pub(crate) fn check_clock(incoming: &IncomingBundle, now_ms: u64) -> Result<(), ImportError> {
    for d in &incoming.docs {
        for s in d.fields.values().flat_map(|f| std::iter::once(&f.s).chain(f.alt.values().map(|a| &a.s))) {
            if let Some(ahead_ms) = crate::core::clock::ahead_of(s.wall, now_ms) {
                return Err(ImportError::ClockAhead { id: d.id.clone(), device: s.dev.0.clone(), ahead_ms });
            }
        }
    }
    Ok(())
}

/// Step 8 for any file naming a campaign (a bundle, a receipt, a roster): it must be
/// this device's; a device with no campaign (an empty replica) takes any.
pub(crate) fn check_campaign(local: Option<&str>, file: &str) -> Result<(), ImportError> {
    match local {
        Some(local) if local != file => Err(ImportError::WrongCampaign { bundle: file.to_owned(), local: local.to_owned() }),
        _ => Ok(()),
    }
}

/// Step 8b: whom the bundle comes from, as this device knows them
/// ([`sign::check_signer`]).
pub(crate) fn check_signer(header: &BundleHeader, ledger: &SyncLedger, replica: &Replica) -> Result<Signer, ImportError> {
    sign::check_signer(&header.device_id, header.signer.as_ref(), header.created_ms, ledger, replica.device())
}

/// The records an import is checked and counted against: this device's, seen
/// through what the earlier files of the same batch would merge in
/// (`super::batch`).
pub(crate) struct Base<'a> {
    pub replica: &'a Replica,
    /// Docs the batch has merged so far, each already merged with the replica's.
    pub overlay: Option<&'a BTreeMap<String, Doc>>,
    /// The campaign the records must belong to (`None`: an empty device takes any).
    pub campaign_id: Option<&'a str>,
}

impl<'a> Base<'a> {
    pub fn of(replica: &'a Replica) -> Self {
        Base { replica, overlay: None, campaign_id: replica.campaign_id() }
    }

    pub fn doc(&self, id: &str) -> Option<&'a Doc> {
        self.overlay.and_then(|o| o.get(id)).or_else(|| self.replica.doc(id))
    }
}

/// Steps 8–9: the campaign, kinds that agree with this device, references that
/// resolve. Returns what the bundle shows its source device held (for the ledger).
pub(crate) fn check_links(incoming: &IncomingBundle, base: &Base) -> Result<Option<VersionVector>, ImportError> {
    let IncomingBundle { header, docs, refs, .. } = incoming;
    // 8. campaign.
    check_campaign(base.campaign_id, &header.campaign_id)?;
    // 9. kinds agree with this device, and references resolve.
    let mut in_bundle: HashMap<&str, &str> = HashMap::with_capacity(docs.len());
    for d in docs {
        if let Some(local) = base.doc(&d.id) {
            if local.kind != d.kind {
                return Err(ImportError::KindMismatch { id: d.id.clone(), local: local.kind.clone(), incoming: d.kind.clone() });
            }
        }
        in_bundle.insert(&d.id, &d.kind);
    }
    for (i, r) in refs {
        let found = in_bundle.get(r.id.as_str()).copied().or_else(|| base.doc(&r.id).map(|d| d.kind.as_str()));
        if found != Some(r.kind) {
            let d = &docs[*i];
            return Err(ImportError::DanglingReference {
                id: d.id.clone(),
                kind: d.kind.clone(),
                field: r.field,
                missing: r.id.clone(),
                expected_kind: r.kind,
            });
        }
    }
    Ok((!own_bundle_of(header, base.replica) && header.scope != ScopeKind::Scoped).then(|| VersionVector::of_docs(docs)))
}

/// Refuses restricted records (暗访督战, `super::restricted`) on a device that is not
/// the 督查室's. Reads nothing but kinds and visit modes unless the file carries an
/// unannounced visit, or records that could refer to one held here.
pub(crate) fn check_restricted(incoming: &IncomingBundle, base: &Base, ledger: &SyncLedger) -> Result<(), ImportError> {
    use super::restricted;
    if ledger.own_role == Some(super::ledger::DeviceRole::Inspection) {
        return Ok(());
    }
    let docs = &incoming.docs;
    let dependants = docs.iter().any(|d| restricted::KINDS.contains(&d.kind.as_str()) && d.kind != crate::core::fieldwork::Visit::KIND);
    let held = dependants && (restricted::any_unannounced(base.replica.docs()) || base.overlay.is_some_and(|o| restricted::any_unannounced(o.values())));
    if !held && !restricted::any_unannounced(docs) {
        return Ok(());
    }
    let by_id: HashMap<&str, &Doc> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    let candidates: Vec<&Doc> = docs.iter().collect();
    let found = restricted::restricted_among(&candidates, &|id| by_id.get(id).copied().or_else(|| base.doc(id)), held);
    restricted::check_import(&found, ledger)
}

/// Records per kind in the bundle, before classifying.
pub(crate) fn records_per_kind(docs: &[Doc]) -> BTreeMap<String, KindCounts> {
    let mut kinds: BTreeMap<String, KindCounts> = BTreeMap::new();
    for d in docs {
        match kinds.get_mut(&d.kind) {
            Some(c) => c.records += 1,
            None => {
                kinds.insert(d.kind.clone(), KindCounts { records: 1, ..Default::default() });
            }
        }
    }
    kinds
}

/// Counts one record the import changes: `prev` is this device's copy, `merged` the result.
pub(crate) fn classify(kinds: &mut BTreeMap<String, KindCounts>, prev: Option<&Doc>, merged: &Doc) {
    if !kinds.contains_key(&merged.kind) {
        kinds.insert(merged.kind.clone(), KindCounts::default());
    }
    let Some(c) = kinds.get_mut(&merged.kind) else { return };
    match prev {
        None if merged.is_deleted() => c.deleted += 1,
        None => c.new += 1,
        Some(p) if merged.is_deleted() && !p.is_deleted() => c.deleted += 1,
        Some(_) => c.changed += 1,
    }
    if new_conflict(prev, merged) {
        c.conflicting += 1;
    }
}

/// Steps 8–10: campaign, references, merge in memory, and the preview. `now_ms`
/// is recorded in the ledger as the import time.
pub fn preview(incoming: IncomingBundle, replica: &Replica, ledger: &SyncLedger, now_ms: u64) -> Result<Preview, ImportError> {
    let mut p = preview_counts(&incoming, replica, ledger, now_ms)?;
    // Records identical to this device's copy merge to themselves (merge is
    // idempotent) and their stamps are already in the clock, so only the others are
    // staged: re-importing a large bundle costs a comparison per record. Records new
    // to this device move into the change (a first import: nearly all of them).
    p.change = replica.stage_merge_owned(incoming.docs.into_iter().filter(|d| replica.doc(&d.id) != Some(d)).collect());
    Ok(p)
}

/// Steps 8–10 without staging: what [`preview`] shows, with the records borrowed,
/// so that a caller can keep them for the confirmation (which merges them again,
/// against the replica as it is then) instead of reading the file twice. Records
/// new to this device are counted, not copied; `change` holds no docs and the
/// replica's clock. `preview` is this plus the staged change (tested for every
/// import of the bundle test suites).
pub fn preview_counts(incoming: &IncomingBundle, replica: &Replica, ledger: &SyncLedger, now_ms: u64) -> Result<Preview, ImportError> {
    check_clock(incoming, now_ms)?;
    let signer = check_signer(&incoming.header, ledger, replica)?;
    let base = Base::of(replica);
    let vv_holds = check_links(incoming, &base)?;
    check_restricted(incoming, &base, ledger)?;
    let mut kinds = records_per_kind(&incoming.docs);
    let mut changes = false;
    for d in &incoming.docs {
        match replica.doc(&d.id) {
            None => {
                classify(&mut kinds, None, d);
                changes = true;
            }
            Some(cur) if cur != d => {
                let merged = Doc::merge(cur, d);
                if merged != *cur {
                    classify(&mut kinds, Some(cur), &merged);
                    changes = true;
                }
            }
            Some(_) => {}
        }
    }
    Ok(finish(incoming.header.clone(), kinds, changes, vv_holds, signer, replica, ledger, now_ms))
}

/// Records the import leaves as they are, per kind, once the others are counted.
pub(crate) fn fill_unchanged(kinds: &mut BTreeMap<String, KindCounts>) {
    for c in kinds.values_mut() {
        c.unchanged = c.records.saturating_sub(c.new + c.changed + c.deleted);
    }
}

/// The rest of a preview: unchanged counts, gaps, already imported, the ledger after
/// (`changes`: whether the import changes any record here). Nothing staged yet.
fn finish(
    header: BundleHeader,
    mut kinds: BTreeMap<String, KindCounts>,
    changes: bool,
    vv_holds: Option<VersionVector>,
    signer: Signer,
    replica: &Replica,
    ledger: &SyncLedger,
    now_ms: u64,
) -> Preview {
    fill_unchanged(&mut kinds);
    let own_bundle = own_bundle_of(&header, replica);
    let already_imported = if ledger.has_bundle(&header.bundle_id) {
        Some(AlreadyImported::SameBundle)
    } else if !changes {
        Some(AlreadyImported::NothingNew)
    } else {
        None
    };
    let mut ledger_after = ledger.clone();
    let gaps = if own_bundle {
        Gaps::default()
    } else {
        let g = ledger.gaps(&header.device_id, Some(header.seq));
        // What the source device holds, for later deltas to it: a full or delta
        // bundle shows every write the device had when it made it.
        let rec = Received { bundle_id: header.bundle_id.clone(), created_ms: header.created_ms, imported_ms: now_ms, scope: header.scope };
        ledger_after.record_import(&header.device_id, &header.squad_name, header.seq, rec, vv_holds.as_ref());
        if let Some(k) = signer.key() {
            ledger_after.pin_key(&header.device_id, &k, header.created_ms);
        }
        g
    };
    Preview {
        bundle_id: header.bundle_id,
        source_device: header.device_id,
        squad_name: header.squad_name,
        seq: header.seq,
        created_ms: header.created_ms,
        scope: header.scope,
        recipient: header.recipient,
        kinds,
        gaps,
        already_imported,
        own_bundle,
        signer,
        change: Change { docs: Vec::new(), clock: replica.clock().clone() },
        ledger: ledger_after,
    }
}

/// Steps 1–10 in one call.
pub fn prepare_import(
    bytes: &[u8],
    passphrase: Option<&str>,
    replica: &Replica,
    ledger: &SyncLedger,
    limits: &Limits,
    now_ms: u64,
) -> Result<Preview, ImportError> {
    let incoming = read_bundle(bytes, passphrase, limits)?;
    preview(incoming, replica, ledger, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert!(scan(br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[["}"#, 2).is_ok());
        assert_eq!(scan(b"[[[", 2), Err(ImportError::TooDeep { max: 2 }));
        assert!(scan(b"[[]]", 2).is_ok());
    }

    #[test]
    fn the_scan_counts_record_shaped_objects() {
        let s = scan(br#"{"payload":{"docs":[{"a":{}},{"b":[{}]}]},"scope":{"since_vv":{"d":{}}}}"#, 64).unwrap();
        assert_eq!(s.records_hint, 2);
    }

    #[test]
    fn ids_kinds_and_field_names_have_a_syntax() {
        assert!(valid_id("seed-target-wuding-fig-2020", MAX_ID));
        assert!(valid_id("t-000102ab040506ff-17a3b2c4d5e0", MAX_ID));
        assert!(!valid_id("", MAX_ID));
        assert!(!valid_id("a b", MAX_ID));
        assert!(!valid_id("<script>", MAX_ID));
        assert!(!valid_id(&"a".repeat(MAX_ID + 1), MAX_ID));
        assert!(valid_kind("hydropower_visit"));
        assert!(!valid_kind("Target"));
        assert!(valid_field_name("_deleted"));
        assert!(!valid_field_name("a-b"));
    }

    #[test]
    fn a_cut_multibyte_character_at_the_end_is_truncation_not_garbage() {
        let s = "{\"a\":\"中".as_bytes();
        assert_eq!(check_text(&s[..s.len() - 1], &Limits::default()).map(|x| x.0), Err(ImportError::Truncated));
        assert!(matches!(check_text(b"{\"a\":\"\xff\"}", &Limits::default()), Err(ImportError::NotUtf8 { .. })));
    }
}
