//! Wire types of bundle formats v1, v2 and v3 (数据包格式第1–3版).
//!
//! Serialisable types are a compatibility promise, so the wire format has its own
//! types, converted to and from the core model ([`Doc`], [`Field`], [`Stamp`]) by
//! the plain functions below. Released files must import forever: these structs
//! never change in what they read. v2 is v1 plus one member, `signature`
//! ([`WireSignature`], `super::sign`), required in v2 and absent in v1, so the two
//! share the types and [`check_version`] keeps them apart. v3 is v2 plus the
//! member `photo_manifest` and the photos after the envelope (`super::photos`).
//!
//! Every struct declares its fields in alphabetical order, so `serde_json` writes
//! them canonically (see [`super::canonical`]); values inside fields serialise
//! through [`super::canonical::Canon`]. Every struct denies unknown members: a file
//! with members v1 does not define was not written by a v1 exporter.

use super::canonical;
use crate::core::clock::{DeviceId, Stamp};
use crate::core::doc::{Alt, Doc, Field};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The `format` of a plain bundle.
pub const FORMAT: &str = "duzhan-bundle";
/// The `format` of a passphrase-encrypted bundle.
pub const FORMAT_ENCRYPTED: &str = "duzhan-bundle-encrypted";
/// The `format` of a receipt (acknowledgement) file.
pub const FORMAT_RECEIPT: &str = "duzhan-receipt";
/// The format version of signed bundles and receipts, which this build writes.
pub const VERSION: u32 = 2;
/// The format version of unsigned bundles and receipts (read forever).
pub const VERSION_UNSIGNED: u32 = 1;
/// The format version of signed bundles carrying photo bytes (`super::photos`).
pub const VERSION_PHOTOS: u32 = 3;
/// The version of the passphrase envelope (unchanged: it holds a bundle of either
/// version).
pub const VERSION_ENCRYPTED: u32 = 1;
/// Hard ceiling of records in one v1 bundle, enforced *while* parsing so that a
/// file with a million records is refused before it is all in memory.
pub const MAX_RECORDS: usize = 500_000;

/// The marker of the parse-time record ceiling in serde's error text.
pub(crate) const TOO_MANY_RECORDS: &str = "duzhan: more records than a v1 bundle may hold";

/// A plain bundle file: the envelope and its payload. Read as `Envelope<Payload>`;
/// written as `Envelope<PayloadRef>`, straight from the replica's docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope<P = Payload> {
    /// Random, chosen by the exporting device (32 lower-case hex digits).
    pub bundle_id: String,
    /// The campaign's record id; bundles of another campaign are refused.
    pub campaign_id: String,
    /// Number of records per kind, as the exporter counted them.
    pub counts: BTreeMap<String, u64>,
    /// When the bundle was made (ms since the Unix epoch, the device's clock).
    pub created_ms: u64,
    /// Always [`FORMAT`].
    pub format: String,
    pub payload: P,
    /// v3: the photos the file carries after its records, by address and length,
    /// sorted by address (`super::photos`). Absent in v1 and v2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photo_manifest: Vec<WirePhotoEntry>,
    pub scope: WireScope,
    /// The exporting device's sequence number: 1, 2, 3… per device, one per export.
    pub seq: u64,
    /// Hex SHA-256 of the canonical envelope without this member and without
    /// `signature`. Absent (empty) only while the checksum itself is computed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    /// v2: the exporting device's signature over the checksum (`super::sign`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<WireSignature>,
    pub source: WireSource,
    /// [`VERSION`] when signed, [`VERSION_UNSIGNED`] when not.
    pub version: u32,
}

/// A file's signature (v2): who signed it and the Ed25519 signature over
/// `super::sign::message(format, sha256)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSignature {
    /// Always `super::sign::SIG_ALG` ("ed25519").
    pub alg: String,
    /// Base64 (standard, padded) of the signer's 32-byte public key.
    pub key: String,
    /// Base64 of the 64-byte signature.
    pub sig: String,
}

/// One photo a v3 file carries: its address (SHA-256 of the JPEG) and length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WirePhotoEntry {
    pub len: u32,
    pub sha256: String,
}

/// Whether a file's version, its signature, its photo manifest and its layout
/// agree: v1 files are unsigned, v2 files signed, v3 files signed and carrying
/// photos after their records (`laid_out`: read from a head line,
/// `super::photos`). `Err` is the reason for a schema error.
pub fn check_version(version: u32, signed: bool, manifest: bool, laid_out: bool) -> Result<(), &'static str> {
    match (version, signed, manifest, laid_out) {
        (VERSION_UNSIGNED, false, false, false) | (VERSION, true, false, false) | (VERSION_PHOTOS, true, true, true) => Ok(()),
        (VERSION_UNSIGNED, true, ..) => Err("a version 1 file has no member `signature`"),
        (VERSION_UNSIGNED | VERSION, _, true, _) => Err("only a version 3 file has a member `photo_manifest`"),
        (VERSION_UNSIGNED | VERSION, _, _, true) => Err("only a version 3 file carries `photos`"),
        (VERSION_PHOTOS, true, false, _) => Err("missing member `photo_manifest` (a version 3 file lists its photos)"),
        (VERSION_PHOTOS, true, true, false) => Err("missing member `photos` (a version 3 file carries its photos after its records, one per line)"),
        _ => Err("missing member `signature` (a version 2 or 3 file is signed)"),
    }
}

/// The records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    #[serde(deserialize_with = "bounded_docs")]
    pub docs: Vec<WireDoc>,
}

/// Who made the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSource {
    pub device_id: String,
    /// The squad's or user's name as set on that device (display only).
    pub squad_name: String,
}

/// What a bundle holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeKind {
    /// Every record of the device.
    Full,
    /// Records changed since what the recipient is known to have (`since_vv`) or
    /// since a time (`since_ms`), plus the records they refer to.
    Delta,
    /// Records of chosen counties or targets, plus what they refer to.
    Scoped,
}

impl ScopeKind {
    pub fn code(self) -> &'static str {
        match self {
            ScopeKind::Full => "full",
            ScopeKind::Delta => "delta",
            ScopeKind::Scoped => "scoped",
        }
    }
}

/// The scope of a bundle. Members that do not apply to `kind` are absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireScope {
    /// Scoped: the chosen counties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub county_ids: Vec<String>,
    pub kind: ScopeKind,
    /// The device the bundle was made for, when the user chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// Delta: records with a stamp at or after this time (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<u64>,
    /// Delta: what the recipient was known to have, per device its latest stamp.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub since_vv: BTreeMap<String, WireStamp>,
    /// Scoped: the chosen targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_ids: Vec<String>,
}

/// A record in its full merge state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireDoc {
    pub fields: BTreeMap<String, WireField>,
    pub id: String,
    pub kind: String,
}

/// One field: winning value and stamp, concurrent values, version vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireField {
    /// Per other device, its latest value the winner had not seen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alt: BTreeMap<String, WireAlt>,
    pub s: WireStamp,
    /// Per device, the greatest stamp a writer of this field had seen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub seen: BTreeMap<String, WireStamp>,
    #[serde(serialize_with = "canonical::value")]
    pub v: Value,
}

/// A concurrent value that lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAlt {
    pub s: WireStamp,
    #[serde(serialize_with = "canonical::value")]
    pub v: Value,
}

/// A hybrid-logical-clock stamp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireStamp {
    pub dev: String,
    pub n: u32,
    pub wall: u64,
}

/// The two members every duzhan file has, read on their own so that a file of
/// another format or version is named as such instead of failing on its shape.
/// Only a JSON object is a probe (serde would read a struct from an array too).
#[derive(Debug, Default)]
pub struct Probe {
    pub format: Option<Value>,
    pub version: Option<Value>,
}

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Probe, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Probe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
                let mut p = Probe::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "format" if p.format.is_none() => p.format = Some(map.next_value()?),
                        "version" if p.version.is_none() => p.version = Some(map.next_value()?),
                        "format" | "version" => return Err(de::Error::custom(format!("duplicate field `{key}`"))),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(p)
            }
        }
        d.deserialize_map(V)
    }
}

fn bounded_docs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WireDoc>, D::Error> {
    bounded::<D, WireDoc>(d)
}

/// The records array, refused as soon as it holds more than [`MAX_RECORDS`].
fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Docs<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Docs<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(doc) = seq.next_element::<T>()? {
                if out.len() >= MAX_RECORDS {
                    return Err(de::Error::custom(TOO_MANY_RECORDS));
                }
                out.push(doc);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Docs::<T>(std::marker::PhantomData))
}

// ---- reading records straight into the core model ----
//
// An import reads ~100,000 records. Parsing them into the wire structs above and
// then converting (`doc_from_wire`) built every field map twice, by inserting key
// after key; that was a sixth of the import's time. [`CoreDocs`] reads the same
// members with the same rules (`deny_unknown_fields`, the same defaults, a later
// duplicate map key wins) straight into `Doc`, collecting each map's entries in a
// `Vec` and building it in one pass (the keys arrive sorted in every exporter's
// file, so the sort is a single check). Same result and same error text as the
// wire structs followed by `doc_from_wire`, on any input (tests/wire_reader.rs).

/// The records of an import, read from the v1 wire format into core docs. Written
/// back in the wire format (the checksum of a file that is not byte-canonical).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreDocs {
    #[serde(deserialize_with = "bounded_core_docs")]
    pub docs: Vec<Doc>,
}

impl Serialize for CoreDocs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PayloadRef { docs: DocsRef(self.docs.iter().collect()) }.serialize(s)
    }
}

/// One record in the wire format, read as a core doc.
pub struct DocIn(pub Doc);

/// The wire structs again, reading into core types: same names, so that serde's
/// error texts ("expected struct WireField", …) are the same as the owned ones'.
mod core_in {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct WireDoc {
        #[serde(deserialize_with = "super::fields_in")]
        pub(super) fields: BTreeMap<String, Field>,
        pub(super) id: String,
        pub(super) kind: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct WireField {
        #[serde(default, deserialize_with = "super::alts_in")]
        alt: BTreeMap<DeviceId, Alt>,
        s: WireStamp,
        #[serde(default, deserialize_with = "super::seen_in")]
        seen: BTreeMap<DeviceId, Stamp>,
        v: Value,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct WireAlt {
        s: WireStamp,
        v: Value,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct WireStamp {
        dev: String,
        n: u32,
        wall: u64,
    }

    impl From<WireStamp> for Stamp {
        fn from(s: WireStamp) -> Stamp {
            Stamp { wall: s.wall, n: s.n, dev: DeviceId(s.dev) }
        }
    }

    impl From<WireField> for Field {
        fn from(f: WireField) -> Field {
            Field { v: f.v, s: f.s.into(), alt: f.alt, seen: f.seen }
        }
    }

    impl From<WireAlt> for Alt {
        fn from(a: WireAlt) -> Alt {
            Alt { s: a.s.into(), v: a.v }
        }
    }
}

impl<'de> Deserialize<'de> for DocIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DocIn, D::Error> {
        let r = core_in::WireDoc::deserialize(d)?;
        Ok(DocIn(Doc { id: r.id, kind: r.kind, fields: r.fields }))
    }
}

/// A JSON object read into a `BTreeMap<K, V>` through the wire type `W`: entries
/// collected in order, then built in one pass (a later duplicate key wins, as with
/// serde's own map reading, whose "a map" error text this keeps). `collect` compiles
/// std's sort once per pair type (three here), which `core::sort` avoids for the
/// first load's sake: this code is only in the import's split part.
fn map_in<'de, D, K, W, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    W: Deserialize<'de> + Into<V>,
{
    struct Entries<K, W, V>(std::marker::PhantomData<(K, W, V)>);
    impl<'de, K: Deserialize<'de> + Ord, W: Deserialize<'de> + Into<V>, V> Visitor<'de> for Entries<K, W, V> {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<BTreeMap<K, V>, A::Error> {
            let mut entries: Vec<(K, V)> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
            while let Some((k, w)) = map.next_entry::<K, W>()? {
                entries.push((k, w.into()));
            }
            Ok(entries.into_iter().collect())
        }
    }
    d.deserialize_map(Entries::<K, W, V>(std::marker::PhantomData))
}

fn fields_in<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Field>, D::Error> {
    map_in::<D, String, core_in::WireField, Field>(d)
}

fn alts_in<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<DeviceId, Alt>, D::Error> {
    map_in::<D, DeviceId, core_in::WireAlt, Alt>(d)
}

fn seen_in<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<DeviceId, Stamp>, D::Error> {
    map_in::<D, DeviceId, core_in::WireStamp, Stamp>(d)
}

fn bounded_core_docs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Doc>, D::Error> {
    bounded::<D, DocIn>(d).map(|v| v.into_iter().map(|x| x.0).collect())
}

// ---- conversions between wire and core: plain functions, lossless both ways ----

pub fn stamp_to_wire(s: &Stamp) -> WireStamp {
    WireStamp { dev: s.dev.0.clone(), n: s.n, wall: s.wall }
}

pub fn stamp_from_wire(s: WireStamp) -> Stamp {
    Stamp { wall: s.wall, n: s.n, dev: DeviceId(s.dev) }
}

pub fn field_to_wire(f: &Field) -> WireField {
    WireField {
        alt: crate::core::sort::btree_map(f.alt.iter().map(|(d, a)| (d.0.clone(), WireAlt { s: stamp_to_wire(&a.s), v: a.v.clone() }))),
        s: stamp_to_wire(&f.s),
        seen: crate::core::sort::btree_map(f.seen.iter().map(|(d, s)| (d.0.clone(), stamp_to_wire(s)))),
        v: f.v.clone(),
    }
}

pub fn field_from_wire(f: WireField) -> Field {
    Field {
        v: f.v,
        s: stamp_from_wire(f.s),
        alt: crate::core::sort::btree_map(f.alt.into_iter().map(|(d, a)| (DeviceId(d), Alt { s: stamp_from_wire(a.s), v: a.v }))),
        seen: crate::core::sort::btree_map(f.seen.into_iter().map(|(d, s)| (DeviceId(d), stamp_from_wire(s)))),
    }
}

pub fn doc_to_wire(d: &Doc) -> WireDoc {
    WireDoc { fields: crate::core::sort::btree_map(d.fields.iter().map(|(k, f)| (k.clone(), field_to_wire(f)))), id: d.id.clone(), kind: d.kind.clone() }
}

/// Converts without checking: [`super::import`] validates the result.
pub fn doc_from_wire(d: WireDoc) -> Doc {
    Doc { id: d.id, kind: d.kind, fields: crate::core::sort::btree_map(d.fields.into_iter().map(|(k, f)| (k, field_from_wire(f)))) }
}

// ---- borrowed views: the wire form of core docs, serialised without copying ----
//
// Exports and the state hash serialise these instead of cloning every doc into
// a `WireDoc`. They write exactly what the owned types write (a test checks).

/// The records of an export, borrowed from the replica.
#[derive(Serialize)]
pub struct PayloadRef<'a> {
    pub docs: DocsRef<'a>,
}

/// Serialises as the array of the docs' wire forms.
pub struct DocsRef<'a>(pub Vec<&'a Doc>);

impl Serialize for DocsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|d| DocRef(d)))
    }
}

/// A core doc, serialised as a [`WireDoc`].
pub struct DocRef<'a>(pub &'a Doc);

#[derive(Serialize)]
struct DocView<'a> {
    fields: FieldsRef<'a>,
    id: &'a str,
    kind: &'a str,
}

struct FieldsRef<'a>(&'a BTreeMap<String, Field>);

#[derive(Serialize)]
struct FieldView<'a> {
    #[serde(skip_serializing_if = "AltsRef::is_empty")]
    alt: AltsRef<'a>,
    s: StampRef<'a>,
    #[serde(skip_serializing_if = "SeenRef::is_empty")]
    seen: SeenRef<'a>,
    #[serde(serialize_with = "canonical::value")]
    v: &'a Value,
}

struct AltsRef<'a>(&'a BTreeMap<DeviceId, Alt>);
struct SeenRef<'a>(&'a BTreeMap<DeviceId, Stamp>);

#[derive(Serialize)]
struct AltView<'a> {
    s: StampRef<'a>,
    #[serde(serialize_with = "canonical::value")]
    v: &'a Value,
}

#[derive(Serialize)]
struct StampRef<'a> {
    dev: &'a str,
    n: u32,
    wall: u64,
}

fn stamp_ref(s: &Stamp) -> StampRef<'_> {
    StampRef { dev: s.dev.as_str(), n: s.n, wall: s.wall }
}

impl AltsRef<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl SeenRef<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for DocRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DocView { fields: FieldsRef(&self.0.fields), id: &self.0.id, kind: &self.0.kind }.serialize(s)
    }
}

impl Serialize for FieldsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, f)| (k, FieldView { alt: AltsRef(&f.alt), s: stamp_ref(&f.s), seen: SeenRef(&f.seen), v: &f.v })))
    }
}

impl Serialize for AltsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(d, a)| (d.as_str(), AltView { s: stamp_ref(&a.s), v: &a.v })))
    }
}

impl Serialize for SeenRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(d, st)| (d.as_str(), stamp_ref(st))))
    }
}

/// Computes the checksum of an envelope (without its `sha256` and `signature` members).
pub fn envelope_checksum<P: Serialize>(env: &mut Envelope<P>) -> Result<String, serde_json::Error> {
    super::sign::checksum_without(env, |e| (&mut e.sha256, &mut e.signature))
}

/// The members after `sha256` and `signature` in canonical order, to splice them in.
#[derive(Serialize)]
struct Tail<'a> {
    source: &'a WireSource,
    version: u32,
}

/// The members `sha256` and (v2) `signature` as [`seal`] splices them in, with the
/// comma after them: `"sha256":"…","signature":{…},`.
pub fn sealed_members(sha256: &str, signature: Option<&WireSignature>) -> Result<Vec<u8>, serde_json::Error> {
    let mut m = format!("\"sha256\":\"{sha256}\",").into_bytes();
    if let Some(sig) = signature {
        m.extend_from_slice(b"\"signature\":");
        serde_json::to_writer(&mut m, sig)?;
        m.push(b',');
    }
    Ok(m)
}

/// Serialises an envelope canonically with its checksum, serialising the (large)
/// payload once: the canonical bytes without `sha256` are hashed, then the member
/// is spliced in before `source`, where canonical order puts it. With a `signer`,
/// the envelope is v2: the signature over the checksum is spliced in after it.
pub fn seal<P: Serialize>(env: &mut Envelope<P>) -> Result<Vec<u8>, serde_json::Error> {
    seal_signed(env, None)
}

/// [`seal`], signed by `signer` (a v2 file) or not (v1).
pub fn seal_signed<P: Serialize>(env: &mut Envelope<P>, signer: Option<&super::sign::DeviceKey>) -> Result<Vec<u8>, serde_json::Error> {
    env.sha256.clear();
    env.signature = None;
    env.version = match signer {
        None => VERSION_UNSIGNED,
        Some(_) if env.photo_manifest.is_empty() => VERSION,
        Some(_) => VERSION_PHOTOS,
    };
    let body = serde_json::to_vec(env)?;
    let sum = crate::core::digest::sha256_bytes_hex(&body);
    let tail = serde_json::to_vec(&Tail { source: &env.source, version: env.version })?;
    // `tail` is `{"source":…,"version":N}`; the body ends with it minus the brace.
    let tail = tail.get(1..).unwrap_or_default();
    env.signature = signer.map(|k| k.sign(&env.format, &sum));
    env.sha256 = sum;
    if !body.ends_with(tail) {
        return serde_json::to_vec(env);
    }
    let at = body.len() - tail.len();
    let member = sealed_members(&env.sha256, env.signature.as_ref())?;
    let mut out = Vec::with_capacity(body.len() + member.len());
    out.extend_from_slice(&body[..at]);
    out.extend_from_slice(&member);
    out.extend_from_slice(&body[at..]);
    Ok(out)
}

/// Recomputes the checksum of a bundle's text and writes it in. For tests, the
/// fuzzer and the hostile corpus generator: they need files whose only defect is
/// the one they test. Returns `None` when the text is not a v1 bundle envelope.
pub fn reseal(text: &str) -> Option<Vec<u8>> {
    let mut env: Envelope<Payload> = serde_json::from_str(text).ok()?;
    // A signature stays as it is (now stale): a file whose checksum is right and
    // whose signature is not, as a forger who cannot sign would make it.
    env.sha256 = envelope_checksum(&mut env).ok()?;
    resplice(&env)
}

/// Serialises a v2 envelope exactly as [`seal_signed`] lays it out, with its
/// `sha256` and `signature` as they are (for tests that make forged files).
pub fn resplice(env: &Envelope<Payload>) -> Option<Vec<u8>> {
    let mut bare = env.clone();
    bare.sha256.clear();
    bare.signature = None;
    let body = serde_json::to_vec(&bare).ok()?;
    let tail = serde_json::to_vec(&Tail { source: &env.source, version: env.version }).ok()?;
    let tail = tail.get(1..)?;
    let at = body.len().checked_sub(tail.len())?;
    let member = sealed_members(&env.sha256, env.signature.as_ref()).ok()?;
    Some([&body[..at], &member[..], &body[at..]].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Envelope {
        let d = Doc::edit(
            None,
            "target",
            "t1",
            json!({"name": "<b>甘塘</b>", "n": 1.5, "o": {"z": 1, "a": [null]}}).as_object().cloned().unwrap_or_default(),
            &Stamp { wall: 7, n: 1, dev: DeviceId("d-a".into()) },
        )
        .unwrap();
        let d2 = Doc::merge(
            &d,
            &Doc::edit(
                Some(&d),
                "target",
                "t1",
                json!({"name": "x", "n": 2, "o": {}}).as_object().cloned().unwrap_or_default(),
                &Stamp { wall: 9, n: 0, dev: DeviceId("d-b".into()) },
            )
            .unwrap(),
        );
        let mut since_vv = BTreeMap::new();
        since_vv.insert("d-a".to_owned(), WireStamp { dev: "d-a".into(), n: 0, wall: 3 });
        Envelope {
            bundle_id: "00".repeat(16),
            campaign_id: "c".into(),
            counts: [("target".to_owned(), 1)].into_iter().collect(),
            created_ms: 5,
            format: FORMAT.into(),
            payload: Payload { docs: vec![doc_to_wire(&d2)] },
            photo_manifest: Vec::new(),
            scope: WireScope {
                county_ids: vec!["x".into()],
                kind: ScopeKind::Delta,
                recipient: Some("d-b".into()),
                since_ms: Some(1),
                since_vv,
                target_ids: vec!["t".into()],
            },
            seq: 1,
            sha256: "ab".into(),
            signature: None,
            source: WireSource { device_id: "d-a".into(), squad_name: "武定".into() },
            version: VERSION_UNSIGNED,
        }
    }

    #[test]
    fn a_signed_seal_is_version_2_with_the_signature_after_the_checksum_in_canonical_order() {
        let mut env = sample();
        let key = crate::core::bundle::sign::DeviceKey::from_seed([3; 32], 0);
        let sealed = seal_signed(&mut env, Some(&key)).unwrap();
        assert_eq!(env.version, VERSION);
        let text = String::from_utf8(sealed).unwrap();
        // Exactly what serde writes for the envelope, which is the generic canonical rule.
        assert_eq!(text, String::from_utf8(serde_json::to_vec(&env).unwrap()).unwrap());
        let generic = canonical::value_bytes(&serde_json::to_value(&env).unwrap()).unwrap();
        assert_eq!(text.as_bytes(), &generic[..]);
        assert!(text.contains(&format!("\"sha256\":\"{}\",\"signature\":{{\"alg\":\"ed25519\"", env.sha256)), "{text}");
        // The checksum leaves both members out, and the signature verifies over it.
        assert_eq!(env.sha256, envelope_checksum(&mut env.clone()).unwrap());
        let sig = env.signature.clone().unwrap();
        assert_eq!(crate::core::bundle::sign::verify(&sig, FORMAT, &env.sha256), Ok(key.public()));
        // reseal keeps the (stale) signature and lays the file out the same way.
        assert_eq!(reseal(&text).unwrap(), text.as_bytes());
    }

    #[test]
    fn versions_and_signatures_go_together() {
        assert!(check_version(VERSION_UNSIGNED, false, false, false).is_ok());
        assert!(check_version(VERSION, true, false, false).is_ok());
        assert!(check_version(VERSION_PHOTOS, true, true, true).is_ok());
        assert!(check_version(VERSION_UNSIGNED, true, false, false).is_err());
        assert!(check_version(VERSION, false, false, false).is_err());
        for (signed, manifest, laid_out) in [(false, true, true), (true, false, true), (true, true, false), (true, false, false)] {
            assert!(check_version(VERSION_PHOTOS, signed, manifest, laid_out).is_err());
        }
        for v in [VERSION_UNSIGNED, VERSION] {
            assert!(check_version(v, v == VERSION, true, false).is_err());
            assert!(check_version(v, v == VERSION, false, true).is_err());
        }
    }

    #[test]
    fn the_wire_structs_serialise_exactly_by_the_generic_canonical_rule() {
        let env = sample();
        let direct = serde_json::to_vec(&env).unwrap();
        let generic = canonical::value_bytes(&serde_json::to_value(&env).unwrap()).unwrap();
        assert_eq!(String::from_utf8(direct).unwrap(), String::from_utf8(generic).unwrap());
    }

    #[test]
    fn sealing_splices_the_checksum_exactly_where_canonical_order_puts_it() {
        let mut env = sample();
        let sealed = seal(&mut env).unwrap();
        assert_eq!(env.sha256, envelope_checksum(&mut env.clone()).unwrap());
        assert_eq!(String::from_utf8(sealed).unwrap(), String::from_utf8(serde_json::to_vec(&env).unwrap()).unwrap());
    }

    #[test]
    fn borrowed_views_write_exactly_what_the_owned_wire_types_write() {
        let env = sample();
        let docs: Vec<Doc> = env.payload.docs.iter().cloned().map(doc_from_wire).collect();
        let owned = serde_json::to_string(&env.payload).unwrap();
        let view = serde_json::to_string(&PayloadRef { docs: DocsRef(docs.iter().collect()) }).unwrap();
        assert_eq!(view, owned);
    }

    #[test]
    fn docs_convert_to_wire_and_back_without_loss() {
        let env = sample();
        for wd in &env.payload.docs {
            let d = doc_from_wire(wd.clone());
            assert_eq!(&doc_to_wire(&d), wd);
        }
    }

    #[test]
    fn the_checksum_ignores_the_checksum_member_and_covers_the_header() {
        let mut a = sample();
        let c1 = envelope_checksum(&mut a).unwrap();
        a.sha256 = "something else".into();
        assert_eq!(envelope_checksum(&mut a).unwrap(), c1);
        a.source.squad_name.push('x');
        assert_ne!(envelope_checksum(&mut a).unwrap(), c1);
    }
}
