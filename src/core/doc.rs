//! Merge-ready records (可合并记录): every stored record is a [`Doc`], a map of
//! fields where each field is its own last-writer-wins register.
//!
//! Why per field: two squads editing different fields of one record must both
//! keep their edit. Why every field keeps `alt` and `seen`: an edit that loses a
//! concurrent race must stay visible ("another value existed, from whom, when"),
//! and must disappear only once somebody who saw it writes again.
//!
//! Field state and merge (a join-semilattice, so merge is commutative,
//! associative and idempotent):
//! - `v`/`s`: the winning value and its stamp — the greatest stamp seen;
//! - `alt`: for other devices, their latest value for this field that the winner
//!   had *not* seen (concurrent edits, 并发修改);
//! - `seen`: per device, the greatest stamp a writer of this field had seen
//!   when it wrote (a version vector). An `alt` entry covered by `seen` is
//!   resolved and pruned.
//!
//! Deletes are tombstones: the reserved field `_deleted` set to `true`. A
//! tombstone is an ordinary field, so it travels and merges like any other; a
//! concurrent edit of other fields does not resurrect a deleted record (delete
//! wins), while an explicit restore (`_deleted = false` with a later stamp) does.
//!
//! New record kinds join by implementing [`Entity`]; merge never changes.

use super::clock::{DeviceId, Stamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Reserved field name of the tombstone.
pub const DELETED: &str = "_deleted";

/// A record's stable id, created once on the device that created the record.
pub type RecordId = String;

/// The bulk kinds (现场记录): field-work records (visits, answers, problems, events,
/// the photos' records), whose number grows with every visit and problem — hundreds of thousands in a large
/// campaign. Everything else (the plan, the checklist, reports, filings) is the *head*:
/// a few thousand records at most. Stores read the head first (`storage::Store::load_head`);
/// the replica keeps the head apart so that what is derived from it is rebuilt without
/// touching the bulk ([`crate::core::replica::Replica::head_docs`]). A record's kind
/// never changes (imports refuse a kind change), so a record is always on one side.
/// The names are the field-work kinds' `Entity::KIND`s (checked in `fieldwork`'s tests).
pub const BULK_KINDS: [&str; 5] = ["visit", "visit_answer", "problem", "problem_event", "photo"];

/// Whether records of `kind` are bulk (see [`BULK_KINDS`]).
pub fn is_bulk(kind: &str) -> bool {
    BULK_KINDS.contains(&kind)
}

/// A value some other device wrote concurrently and that lost the race.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alt {
    pub s: Stamp,
    pub v: Value,
}

/// One last-writer-wins field with its concurrent losers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub v: Value,
    pub s: Stamp,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alt: BTreeMap<DeviceId, Alt>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub seen: BTreeMap<DeviceId, Stamp>,
}

impl Field {
    pub fn new(v: Value, s: Stamp) -> Self {
        Field { v, s, alt: BTreeMap::new(), seen: BTreeMap::new() }
    }

    /// A local write: the writer has seen everything this replica holds for the
    /// field, so every current value is superseded and recorded in `seen`.
    pub fn overwrite(&self, v: Value, s: Stamp) -> Field {
        let mut seen = self.seen.clone();
        bump(&mut seen, &self.s);
        for a in self.alt.values() {
            bump(&mut seen, &a.s);
        }
        Field { v, s, alt: BTreeMap::new(), seen }
    }

    /// Merges two states of the same field. Pure, commutative, associative, idempotent.
    pub fn merge(a: &Field, b: &Field) -> Field {
        // Every device's latest known write.
        let mut latest: BTreeMap<&DeviceId, (&Stamp, &Value)> = BTreeMap::new();
        let candidates = [(&a.s, &a.v), (&b.s, &b.v)].into_iter().chain(a.alt.values().map(|x| (&x.s, &x.v))).chain(b.alt.values().map(|x| (&x.s, &x.v)));
        for (s, v) in candidates {
            match latest.get(&s.dev) {
                Some((cur, _)) if *cur >= s => {}
                _ => {
                    latest.insert(&s.dev, (s, v));
                }
            }
        }
        let mut seen = a.seen.clone();
        for s in b.seen.values() {
            bump(&mut seen, s);
        }
        let (ws, wv) = if a.s >= b.s { (&a.s, &a.v) } else { (&b.s, &b.v) };
        let alt = crate::core::sort::btree_map(
            latest
                .into_iter()
                .filter(|(dev, (s, _))| **dev != ws.dev && seen.get(*dev).is_none_or(|seen_s| *s > seen_s))
                .map(|(dev, (s, v))| (dev.clone(), Alt { s: s.clone(), v: v.clone() })),
        );
        Field { v: wv.clone(), s: ws.clone(), alt, seen }
    }

    /// Concurrent values that differ from the winner (what the UI shows as 冲突).
    pub fn conflicts(&self) -> impl Iterator<Item = &Alt> {
        self.alt.values().filter(move |a| a.v != self.v)
    }
}

fn bump(seen: &mut BTreeMap<DeviceId, Stamp>, s: &Stamp) {
    match seen.get(&s.dev) {
        Some(cur) if cur >= s => {}
        _ => {
            seen.insert(s.dev.clone(), s.clone());
        }
    }
}

/// A stored record: id, kind and its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub id: RecordId,
    pub kind: String,
    pub fields: BTreeMap<String, Field>,
}

/// A conflict on one field of one record, for display.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    pub winner: Alt,
    pub others: Vec<Alt>,
}

impl Doc {
    pub fn is_deleted(&self) -> bool {
        matches!(self.fields.get(DELETED), Some(f) if f.v == Value::Bool(true))
    }

    /// The latest stamp of any field: when, and by which device, the record last changed.
    pub fn last_change(&self) -> Option<&Stamp> {
        self.fields.values().map(|f| &f.s).max()
    }

    /// Merges another replica's state of the same record. Fields merge one by one.
    /// Callers make sure ids and kinds agree (import validation rejects mismatches).
    pub fn merge(a: &Doc, b: &Doc) -> Doc {
        let mut fields = a.fields.clone();
        for (name, fb) in &b.fields {
            let merged = match a.fields.get(name) {
                Some(fa) => Field::merge(fa, fb),
                None => fb.clone(),
            };
            fields.insert(name.clone(), merged);
        }
        Doc { id: a.id.clone(), kind: a.kind.clone(), fields }
    }

    /// Applies a local edit: fields whose value changed get `stamp`. Returns `None`
    /// when nothing changed, so no-op saves write nothing.
    pub fn edit(prev: Option<&Doc>, kind: &str, id: &str, values: Map<String, Value>, stamp: &Stamp) -> Option<Doc> {
        let mut doc = prev.cloned().unwrap_or_else(|| Doc { id: id.to_owned(), kind: kind.to_owned(), fields: BTreeMap::new() });
        let mut changed = prev.is_none();
        // A field that vanished from the entity is written as null, never dropped.
        let mut values = values;
        for name in doc.fields.keys() {
            if !values.contains_key(name) && name != DELETED {
                values.insert(name.clone(), Value::Null);
            }
        }
        for (name, v) in values {
            match doc.fields.get(&name) {
                Some(f) if f.v == v && f.conflicts().next().is_none() => {}
                Some(f) => {
                    let nf = f.overwrite(v, stamp.clone());
                    doc.fields.insert(name, nf);
                    changed = true;
                }
                None => {
                    doc.fields.insert(name, Field::new(v, stamp.clone()));
                    changed = true;
                }
            }
        }
        changed.then_some(doc)
    }

    /// The tombstone edit.
    pub fn tombstone(&self, stamp: &Stamp) -> Doc {
        self.set_deleted(true, stamp)
    }

    pub fn set_deleted(&self, deleted: bool, stamp: &Stamp) -> Doc {
        let mut d = self.clone();
        let f = match self.fields.get(DELETED) {
            Some(f) => f.overwrite(Value::Bool(deleted), stamp.clone()),
            None => Field::new(Value::Bool(deleted), stamp.clone()),
        };
        d.fields.insert(DELETED.to_owned(), f);
        d
    }

    /// The plain values (winners), as the JSON object an entity deserialises from.
    pub fn values(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".to_owned(), Value::String(self.id.clone()));
        for (k, f) in &self.fields {
            if k != DELETED {
                m.insert(k.clone(), f.v.clone());
            }
        }
        m
    }

    /// Every field that has a concurrent value differing from the winner.
    pub fn conflicts(&self) -> Vec<FieldConflict> {
        self.fields
            .iter()
            .filter_map(|(name, f)| {
                let others: Vec<Alt> = f.conflicts().cloned().collect();
                (!others.is_empty()).then(|| FieldConflict { field: name.clone(), winner: Alt { s: f.s.clone(), v: f.v.clone() }, others })
            })
            .collect()
    }
}

/// Error turning a stored doc back into a typed record (e.g. written by a newer app).
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("record {id} ({kind}) cannot be read: {reason}")]
pub struct DecodeError {
    pub id: RecordId,
    pub kind: String,
    pub reason: String,
}

/// A typed record kind stored as [`Doc`]s. Implementing this is all a new kind needs.
pub trait Entity: Serialize + DeserializeOwned + Clone {
    /// The `kind` tag in docs, bundles and storage. Never change it once released.
    const KIND: &'static str;
    fn id(&self) -> &str;

    /// The entity's fields as a JSON object, without `id`.
    fn to_values(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut m)) => {
                m.remove("id");
                m
            }
            // Entities are structs with named fields; anything else is a programming error
            // caught by the model tests, and is stored as no fields rather than panicking.
            _ => Map::new(),
        }
    }

    /// Decodes the typed record from the doc's winning values: what
    /// `serde_json::from_value(Value::Object(doc.values()))` returns (a test checks
    /// it), but read straight from the stored values instead of first copying every
    /// one into a new map. Imports check, and the ledger and snapshots decode, every
    /// record this way, so the copies were a large share of an import's time.
    fn from_doc(doc: &Doc) -> Result<Self, DecodeError> {
        use serde::de::value::MapDeserializer;
        let fields = doc.fields.iter().filter(|(k, _)| k.as_str() != DELETED).map(|(k, f)| (k.as_str(), &f.v));
        // As in `values()`, a stored field named `id` (never written by this app)
        // takes the place of the record id.
        let id = (!doc.fields.contains_key("id")).then(|| Value::String(doc.id.clone()));
        let map = MapDeserializer::<_, serde_json::Error>::new(id.iter().map(|v| ("id", v)).chain(fields));
        Self::deserialize(map).map_err(|e| DecodeError { id: doc.id.clone(), kind: doc.kind.clone(), reason: e.to_string() })
    }
}

/// Decodes a doc into its entity: [`Entity::from_doc`], which reads straight from
/// the stored field values without an intermediate map (the ledger decodes 100,000
/// problems and their events at start-up).
pub fn decode<E: Entity>(doc: &Doc) -> Result<E, DecodeError> {
    E::from_doc(doc)
}

/// Live (not tombstoned), decodable records of a kind.
pub(crate) fn live_entities<'a, E: Entity>(docs: impl IntoIterator<Item = &'a Doc>) -> Vec<E> {
    docs.into_iter().filter(|d| d.kind == E::KIND && !d.is_deleted()).filter_map(|d| decode(d).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn st(wall: u64, dev: &str) -> Stamp {
        Stamp { wall, n: 0, dev: DeviceId(dev.to_owned()) }
    }

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn editing_different_fields_on_two_devices_keeps_both_edits() {
        let base = Doc::edit(None, "target", "t1", obj(json!({"name": "甘塘", "n": 1})), &st(1, "seed")).unwrap();
        let a = Doc::edit(Some(&base), "target", "t1", obj(json!({"name": "甘塘安置点", "n": 1})), &st(5, "a")).unwrap();
        let b = Doc::edit(Some(&base), "target", "t1", obj(json!({"name": "甘塘", "n": 2})), &st(6, "b")).unwrap();
        let m = Doc::merge(&a, &b);
        assert_eq!(m.values()["name"], json!("甘塘安置点"));
        assert_eq!(m.values()["n"], json!(2));
        assert!(m.conflicts().is_empty());
        assert_eq!(m, Doc::merge(&b, &a));
    }

    #[test]
    fn a_concurrent_losing_edit_stays_visible_until_someone_who_saw_it_writes() {
        let base = Doc::edit(None, "target", "t1", obj(json!({"n": 1})), &st(1, "seed")).unwrap();
        let a = Doc::edit(Some(&base), "target", "t1", obj(json!({"n": 2})), &st(5, "a")).unwrap();
        let b = Doc::edit(Some(&base), "target", "t1", obj(json!({"n": 3})), &st(6, "b")).unwrap();
        let m = Doc::merge(&a, &b);
        assert_eq!(m.values()["n"], json!(3));
        let c = m.conflicts();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].others[0].v, json!(2));
        assert_eq!(c[0].others[0].s.dev.as_str(), "a");
        // Device a sees the conflict and confirms its own value: resolved everywhere.
        let resolved = Doc::edit(Some(&m), "target", "t1", obj(json!({"n": 2})), &st(7, "a")).unwrap();
        assert!(resolved.conflicts().is_empty());
        assert!(Doc::merge(&resolved, &b).conflicts().is_empty());
        assert!(Doc::merge(&b, &resolved).conflicts().is_empty());
    }

    #[test]
    fn sequential_edits_are_not_conflicts() {
        let base = Doc::edit(None, "k", "x", obj(json!({"n": 1})), &st(1, "a")).unwrap();
        let b = Doc::edit(Some(&base), "k", "x", obj(json!({"n": 2})), &st(2, "b")).unwrap();
        assert!(Doc::merge(&base, &b).conflicts().is_empty());
        assert!(Doc::merge(&b, &base).conflicts().is_empty());
    }

    #[test]
    fn unchanged_values_write_nothing() {
        let base = Doc::edit(None, "k", "x", obj(json!({"n": 1})), &st(1, "a")).unwrap();
        assert!(Doc::edit(Some(&base), "k", "x", obj(json!({"n": 1})), &st(2, "a")).is_none());
    }

    #[test]
    fn a_tombstone_survives_a_concurrent_edit_of_another_field() {
        let base = Doc::edit(None, "k", "x", obj(json!({"n": 1})), &st(1, "a")).unwrap();
        let del = base.tombstone(&st(3, "a"));
        let edit = Doc::edit(Some(&base), "k", "x", obj(json!({"n": 5})), &st(4, "b")).unwrap();
        assert!(Doc::merge(&del, &edit).is_deleted());
        assert!(Doc::merge(&edit, &del).is_deleted());
        let restored = Doc::merge(&del, &edit).set_deleted(false, &st(9, "b"));
        assert!(!Doc::merge(&restored, &del).is_deleted());
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        id: String,
        n: Option<i64>,
        name: String,
    }
    impl Entity for Probe {
        const KIND: &'static str = "probe";
        fn id(&self) -> &str {
            &self.id
        }
    }

    #[test]
    fn from_doc_reads_exactly_what_the_values_map_holds() {
        let slow = |d: &Doc| serde_json::from_value::<Probe>(Value::Object(d.values())).map_err(|e| e.to_string());
        let fast = |d: &Doc| Probe::from_doc(d).map_err(|e| e.reason);
        let ok = Doc::edit(None, "probe", "p1", obj(json!({"n": 3, "name": "甘塘"})), &st(1, "a")).unwrap();
        let deleted = ok.tombstone(&st(2, "a"));
        let wrong_type = Doc::edit(None, "probe", "p2", obj(json!({"n": "three", "name": "x"})), &st(1, "a")).unwrap();
        let missing = Doc::edit(None, "probe", "p3", obj(json!({"n": 1})), &st(1, "a")).unwrap();
        let null = Doc::edit(Some(&ok), "probe", "p1", obj(json!({"name": "y"})), &st(3, "a")).unwrap();
        let own_id = Doc::edit(None, "probe", "p4", obj(json!({"id": "other", "n": 1, "name": "z"})), &st(1, "a")).unwrap();
        for d in [&ok, &deleted, &wrong_type, &missing, &null, &own_id] {
            assert_eq!(fast(d), slow(d), "{}", d.id);
        }
        assert_eq!(fast(&ok), Ok(Probe { id: "p1".into(), n: Some(3), name: "甘塘".into() }));
        assert!(fast(&wrong_type).is_err() && fast(&missing).is_err());
    }

    #[test]
    fn a_field_removed_from_the_entity_becomes_null_not_absent() {
        let base = Doc::edit(None, "k", "x", obj(json!({"n": 1, "m": 2})), &st(1, "a")).unwrap();
        let e = Doc::edit(Some(&base), "k", "x", obj(json!({"n": 1})), &st(2, "a")).unwrap();
        assert_eq!(e.values()["m"], Value::Null);
    }
}
