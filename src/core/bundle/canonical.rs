//! Canonical JSON (规范 JSON), checksums and the canonical state hash.
//!
//! Two devices must compute the same checksum for the same bundle, so the bytes
//! that are hashed are a function of the content alone. The rule (also in
//! `docs/bundle-format.md`):
//!
//! 1. UTF-8, no whitespace outside strings, no byte-order mark;
//! 2. object members in ascending order of their keys' UTF-8 bytes, each key once;
//! 3. strings as `serde_json` writes them: `"` and `\` escaped with a backslash,
//!    control characters below U+0020 as `\b \f \n \r \t` or `\u00XX` (lower-case
//!    hex), everything else (Chinese included) as itself;
//! 4. numbers as `serde_json` writes them: integers in decimal, other numbers in
//!    the shortest form that reads back to the same IEEE-754 double, with `.0` on
//!    whole doubles (`3071.0`), so a value keeps its integer-or-float nature;
//! 5. the envelope's optional members (`alt`, `seen` and the scope's `county_ids`,
//!    `target_ids`, `recipient`, `since_ms`, `since_vv`) are left out when absent
//!    or empty; every other member is always written. Inside field values
//!    (`v`), `null`, `[]` and `{}` are data and are always written.
//!
//! The wire structs in [`super::wire`] declare their fields in alphabetical order,
//! so `serde_json` writes them canonically; values inside fields go through
//! [`Canon`], which sorts object keys whatever `serde_json`'s map order is (the
//! `preserve_order` feature could be switched on by any crate in the build). A test
//! checks the structs against the generic rule.

use super::wire::DocRef;
use crate::core::digest::HashWriter;
use crate::core::doc::Doc;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// A JSON value that serialises with object members sorted by key.
pub struct Canon<'a>(pub &'a Value);

impl Serialize for Canon<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                crate::core::sort::sort_by(&mut entries, |a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &Canon(v))?;
                }
                map.end()
            }
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for x in a {
                    seq.serialize_element(&Canon(x))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// `serialize_with` helper for JSON values inside wire structs.
pub fn value<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
    Canon(v).serialize(s)
}

/// The canonical bytes of any JSON value (the generic rule, used to check the
/// wire structs and by tools that only hold a `Value`).
pub fn value_bytes(v: &Value) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Canon(v))
}

/// The canonical state hash (状态指纹) of a set of docs: SHA-256 of the canonical
/// JSON array of their wire forms, sorted by id. It covers the full merge state
/// (values, stamps, concurrent values, version vectors, tombstones), so two devices
/// with the same hash hold exactly the same data. The clock is not part of it.
pub fn state_hash<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> String {
    let mut docs: Vec<&Doc> = docs.into_iter().collect();
    crate::core::sort::sort_by(&mut docs, |a, b| a.id.cmp(&b.id));
    let mut w = HashWriter::new();
    w.buf.push(b'[');
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            w.buf.push(b',');
        }
        // Serialising a doc cannot fail (string keys, an infallible writer); if it
        // ever did, the hash says so instead of silently matching another state.
        if let Err(e) = serde_json::to_writer(&mut w, &DocRef(d)) {
            return format!("unhashable: {e}");
        }
    }
    w.buf.push(b']');
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_keys_are_sorted_by_their_bytes_and_nothing_else_changes() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": 1, "x": 2.5}], "é": "中"}, "A": null});
        let s = String::from_utf8(value_bytes(&v).unwrap()).unwrap();
        assert_eq!(s, r#"{"A":null,"a":{"z":[3,{"x":2.5,"y":1}],"é":"中"},"b":1}"#);
    }

    #[test]
    fn whole_doubles_keep_their_fraction_and_integers_do_not_get_one() {
        assert_eq!(value_bytes(&json!(3071.0)).unwrap(), b"3071.0");
        assert_eq!(value_bytes(&json!(3071)).unwrap(), b"3071");
        assert_eq!(value_bytes(&json!(15.93)).unwrap(), b"15.93");
    }
}
