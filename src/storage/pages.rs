//! Bulk pages (批量页): how IndexedDB keeps the bulk records (visits, answers,
//! problems, events; see [`super::BULK_KINDS`]) — many docs per stored value.
//!
//! One IndexedDB value per doc costs one request per doc to write and to read:
//! 100,000 problems with their histories are ~336,000 requests on a cold start and
//! on a first import. Pages bring that to a few thousand. A page is the JSON text
//! of an array of docs in key order, stored under the id of its first doc, and
//! the pages partition the key space: the page under key `k` holds exactly the
//! docs whose ids are at least `k` and below the next page's key. So the page a
//! doc belongs to is the one with the greatest key not above its id — one
//! `openCursor(upperBound(id), "prev")` away — and a commit lists the keys
//! between that one's and its largest id and reads only the pages that receive a
//! doc ([`pages_to_read`]).
//!
//! Writing is pure and lives here ([`plan`]): given the pages a commit read and the
//! incoming docs, it returns the pages to write and delete (deletes first), each
//! incoming doc as stored (merged, as every commit merges), and how many docs are
//! new. A page grows up to [`PAGE_MAX`] docs and is then split into pages of about
//! [`PAGE_TARGET`]. Keys compare as IndexedDB compares strings (UTF-16 code units),
//! not as Rust does (UTF-8 bytes), so page bounds agree with the database's.
//! Native tests check it against a model; the browser contract runs it for real.

use super::{merge_with_stored, StoreError};
use crate::core::doc::Doc;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Docs per page when pages are (re)written.
pub const PAGE_TARGET: usize = 200;
/// A page holding more docs than this is split.
pub const PAGE_MAX: usize = 400;

/// Orders two keys the way IndexedDB orders strings: by UTF-16 code units.
/// UTF-8 byte order agrees with it except where a character from U+E000 to U+FFFF
/// meets one above U+FFFF, so the bytes decide whenever the first bytes that differ
/// are ASCII (or one key is a prefix of the other) — every id the app makes — and
/// only other keys are compared as UTF-16.
pub fn key_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) if x[i] < 0x80 && y[i] < 0x80 => x[i].cmp(&y[i]),
        Some(_) => a.encode_utf16().cmp(b.encode_utf16()),
    }
}

/// A key ordered as IndexedDB orders it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key(String);

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        key_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What a commit writes to the bulk pages.
#[derive(Debug, Default, PartialEq)]
pub struct PageWrite {
    /// Keys to delete, to be issued before the puts (a split can put a page under
    /// the key of a page it replaces).
    pub deletes: Vec<String>,
    /// Pages to put: (key, JSON text).
    pub puts: Vec<(String, Vec<u8>)>,
    /// Each incoming doc as stored, in the incoming order.
    pub stored: Vec<Doc>,
    /// Incoming docs whose id no page held.
    pub new: u64,
}

/// The smallest and largest incoming id (IndexedDB order): the range of pages a
/// commit must read (from the page holding the smallest).
pub fn id_range(incoming: &[Doc]) -> Option<(&str, &str)> {
    let mut ids = incoming.iter().map(|d| d.id.as_str());
    let first = ids.next()?;
    Some(ids.fold((first, first), |(lo, hi), id| {
        (if key_cmp(id, lo) == Ordering::Less { id } else { lo }, if key_cmp(id, hi) == Ordering::Greater { id } else { hi })
    }))
}

/// Which pages a commit of `incoming` must read, given the keys of every page from
/// the one holding the smallest incoming id to the largest id (what [`id_range`]
/// bounds), in key order: for each incoming id the page holding it (the last key
/// not above it; the first key for an id below them all, which is then the store's
/// first page). Indexes into `keys`, ascending, each once. [`plan`] given just these
/// pages plans the same write as given the whole range, since every doc's home page
/// is among them and none between them is touched: a squad's import of 2,000 docs
/// whose ids cluster by device reads a handful of pages, not every page between.
pub fn pages_to_read<K: AsRef<str>>(keys: &[K], incoming: &[Doc]) -> Vec<usize> {
    if keys.is_empty() {
        return Vec::new();
    }
    let mut at: Vec<usize> = incoming.iter().map(|d| keys.partition_point(|k| key_cmp(k.as_ref(), &d.id) != Ordering::Greater).saturating_sub(1)).collect();
    at.sort_unstable();
    at.dedup();
    at
}

/// Decodes one page (its UTF-8 JSON text).
pub fn decode(text: &[u8]) -> Result<Vec<Doc>, StoreError> {
    // Through `from_str`, the reader the rest of the app parses docs with: a
    // second reader would compile a second copy of the doc decoder into the wasm.
    let text = std::str::from_utf8(text).map_err(|e| StoreError::Corrupt(format!("page: {e}")))?;
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("page: {e}")))
}

/// How many docs a page holds, without decoding them.
pub fn count(text: &[u8]) -> Result<usize, StoreError> {
    decode(text).map(|d| d.len())
}

/// Plans a commit of `incoming` (bulk docs, one per id) given `pages`, in key order
/// as (key, text): the stored pages [`pages_to_read`] picks (or every stored page
/// whose key lies between the key of the page holding the smallest incoming id, if
/// any, and the largest incoming id: the same plan). Docs new to the store move
/// into `stored` without being copied (a first import).
pub fn plan<T: AsRef<[u8]>>(pages: &[(String, T)], incoming: Vec<Doc>) -> Result<PageWrite, StoreError> {
    // Which page each incoming doc belongs to: the last page whose key is not above
    // its id; an id below every page's key joins the first page (there is no page
    // before it in the whole store, or `pages` would start there).
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut homeless: Vec<usize> = Vec::new();
    for (i, d) in incoming.iter().enumerate() {
        if pages.is_empty() {
            homeless.push(i);
            continue;
        }
        let at = pages.partition_point(|(k, _)| key_cmp(k, &d.id) != Ordering::Greater);
        groups.entry(at.saturating_sub(1)).or_default().push(i);
    }
    let mut out = PageWrite::default();
    let mut stored: Vec<Option<Doc>> = Vec::new();
    stored.resize_with(incoming.len(), || None);
    for (p, members) in groups {
        let (key, text) = &pages[p];
        let mut docs: BTreeMap<Key, Doc> = BTreeMap::new();
        for d in decode(text.as_ref())? {
            docs.insert(Key(d.id.clone()), d);
        }
        let mut changed = false;
        for i in members {
            let doc = &incoming[i];
            let old = docs.remove(&Key(doc.id.clone()));
            if old.is_none() {
                out.new += 1;
            }
            let (merged, ch) = merge_with_stored(old, doc);
            changed |= ch;
            stored[i] = Some(merged.clone());
            docs.insert(Key(merged.id.clone()), merged);
        }
        if changed {
            let docs: Vec<&Doc> = docs.values().collect();
            let written = write_pages(&docs, &mut out.puts)?;
            if !written.iter().any(|k| k == key) {
                out.deletes.push(key.clone());
            }
        }
    }
    if !homeless.is_empty() {
        // An export lists records in key order already: then no map is needed.
        let sorted = homeless.windows(2).all(|w| key_cmp(&incoming[w[0]].id, &incoming[w[1]].id) == Ordering::Less);
        let docs: Vec<&Doc> = if sorted {
            homeless.iter().map(|&i| &incoming[i]).collect()
        } else {
            // Inserted one by one: collecting into a BTreeMap compiles a sort of its own.
            let mut order: BTreeMap<KeyRef, usize> = BTreeMap::new();
            for &i in &homeless {
                order.insert(KeyRef(&incoming[i].id), i);
            }
            order.into_values().map(|i| &incoming[i]).collect()
        };
        write_pages(&docs, &mut out.puts)?;
        out.new += homeless.len() as u64;
    }
    for (slot, d) in stored.iter_mut().zip(incoming) {
        if slot.is_none() {
            *slot = Some(d);
        }
    }
    out.stored = stored.into_iter().map(|d| d.ok_or_else(|| StoreError::WriteFailed("a doc was not placed".into()))).collect::<Result<_, _>>()?;
    Ok(out)
}

/// A borrowed key ordered as IndexedDB orders it.
#[derive(PartialEq, Eq)]
struct KeyRef<'a>(&'a str);

impl Ord for KeyRef<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        key_cmp(self.0, other.0)
    }
}

impl PartialOrd for KeyRef<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Docs in key order as pages: one page up to [`PAGE_MAX`], else pages of about
/// [`PAGE_TARGET`] of equal size. Returns the keys written.
fn write_pages(docs: &[&Doc], puts: &mut Vec<(String, Vec<u8>)>) -> Result<Vec<String>, StoreError> {
    let n = docs.len();
    let parts = if n <= PAGE_MAX { 1 } else { n.div_ceil(PAGE_TARGET) };
    let size = n.div_ceil(parts.max(1)).max(1);
    let mut keys = Vec::with_capacity(parts);
    for chunk in docs.chunks(size) {
        // Each doc written straight into the page (the app's one doc encoder; a
        // list encoder would be a second one in the wasm).
        let mut text = Vec::with_capacity(chunk.len() * 600);
        text.push(b'[');
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            serde_json::to_writer(&mut text, *d).map_err(|e| StoreError::WriteFailed(e.to_string()))?;
        }
        text.push(b']');
        keys.push(chunk[0].id.clone());
        puts.push((chunk[0].id.clone(), text));
    }
    Ok(keys)
}

/// Packs docs given as (key, JSON text) *in key order* into pages of
/// [`PAGE_TARGET`] without decoding them (the layout upgrade moves stored texts).
pub fn pack(docs: &[(String, String)]) -> Vec<(String, Vec<u8>)> {
    docs.chunks(PAGE_TARGET)
        .map(|chunk| {
            let mut text = Vec::with_capacity(chunk.iter().map(|(_, t)| t.len() + 1).sum::<usize>() + 2);
            text.push(b'[');
            for (i, (_, t)) in chunk.iter().enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                text.extend_from_slice(t.as_bytes());
            }
            text.push(b']');
            (chunk[0].0.clone(), text)
        })
        .collect()
}
