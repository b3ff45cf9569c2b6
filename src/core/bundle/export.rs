//! Export (导出): full, delta and scoped bundles from a replica.
//!
//! - **full**: every record, tombstones included;
//! - **delta**: records holding a write the recipient may not have — one its
//!   version vector does not cover ([`SyncLedger::known_by`] for "since the last
//!   acknowledged export", [`SyncLedger::sent_to`] for "since the last export"), or
//!   one stamped at or after a time;
//! - **scoped**: the records of chosen counties or targets: the targets (all of a
//!   chosen county's), their counties, figures, assignments and milestones, plus
//!   everything campaign-wide (campaign, phases, campaign-wide milestones). Each
//!   kind says where it belongs through [`Linked::anchor`](super::kinds::Linked).
//!
//! Every bundle also carries the records its records refer to (a target's county,
//! an assignment's person and departments…), unchanged or not, so each bundle
//! passes the importer's reference check on its own, in any order. Merging a record
//! the recipient already has changes nothing, so this costs only bytes.
//!
//! Export stages the export in a new ledger (the sequence number is used up); the
//! caller stores it before handing the file out, so a sequence number is never
//! given to two different bundles.

use super::error::ExportError;
use super::kinds::{self, Anchor, Links};
use super::ledger::{ExportRecord, SyncLedger, VersionVector};
use super::sign::DeviceKey;
use super::wire::{self, DocsRef, Envelope, PayloadRef, ScopeKind, WireScope, WireSource, FORMAT, MAX_RECORDS, VERSION_UNSIGNED};
use crate::core::calendar::day_start_ms;
use crate::core::clock::DeviceId;
use crate::core::digest::hex;
use crate::core::doc::{Doc, Entity};
use crate::core::model::{County, Target};
use crate::core::replica::Replica;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What to put in a bundle.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportScope {
    Full,
    /// Records with a write not covered by what the recipient is known to have.
    Delta {
        known: VersionVector,
    },
    /// Records with a write stamped at or after this time (ms).
    DeltaSinceMs(u64),
    /// Records of these counties and targets (and what they refer to).
    Scoped {
        county_ids: Vec<String>,
        target_ids: Vec<String>,
    },
}

impl ExportScope {
    /// Records changed since a date: every write stamped at or after the first
    /// moment of that day in the campaign's calendar (00:00 in Chuxiong, UTC+8),
    /// not at UTC midnight, which would leave out the day's first eight hours.
    pub fn since_date(day: NaiveDate) -> ExportScope {
        ExportScope::DeltaSinceMs(day_start_ms(day))
    }
}

/// An export, with what the caller supplies: names, time and randomness.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRequest {
    pub scope: ExportScope,
    /// The device the bundle is for, when the user chose one.
    pub recipient: Option<DeviceId>,
    /// This device's squad or user name.
    pub squad_name: String,
    pub created_ms: u64,
    /// Today's local date, for the file name.
    pub date: NaiveDate,
    /// Fresh random bytes: the bundle id.
    pub bundle_id: [u8; 16],
    /// Whether restricted records (督查室专阅, [`super::restricted`]) go in: only in a
    /// bundle to be sealed to 督查室 devices ([`super::restricted::may_carry`]).
    /// Otherwise they are left out and counted in [`ExportedFile::withheld`].
    pub carry_restricted: bool,
}

/// A file ready to hand over, and the ledger to store before handing it over.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub bundle_id: String,
    pub seq: u64,
    pub counts: BTreeMap<String, u64>,
    /// Restricted records left out (暗访督战 findings; the user is told how many).
    pub withheld: usize,
    /// Restricted records carried (a bundle for 督查室 devices; the user is told).
    pub carried: usize,
    /// The photos the file carries (v3): `bytes` is then its head line, and the
    /// file goes on with one [`super::photos::photo_line`] per entry, in this order,
    /// and [`super::photos::close_line`].
    pub photos: Vec<super::wire::WirePhotoEntry>,
    pub ledger: SyncLedger,
}

/// Keeps a name's letters and digits (Chinese included), turns every run of
/// anything else into one `_`, and caps it at 40 characters: safe in file names on
/// Windows, Android and macOS.
pub fn sanitize_name(name: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in name.chars() {
        if n >= 40 {
            break;
        }
        if c.is_alphanumeric() {
            out.push(c);
            n += 1;
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
            n += 1;
        }
    }
    let t = out.trim_end_matches('_');
    if t.is_empty() {
        "device".to_owned()
    } else {
        t.to_owned()
    }
}

/// `duzhan-<squad>-<YYYYMMDD>-<seq>.json`, the sequence number zero-padded to 4
/// digits so files sort in order.
pub fn file_name(squad_name: &str, date: NaiveDate, seq: u64) -> String {
    format!("duzhan-{}-{}-{seq:04}.json", sanitize_name(squad_name), crate::core::calendar::compact_day(date))
}

/// Links of every known-kind doc that decodes, by id.
fn all_links(replica: &Replica) -> HashMap<&str, Links> {
    replica.docs().filter_map(|d| kinds::rules_for(&d.kind).and_then(|r| (r.inspect)(d).ok()).map(|l| (d.id.as_str(), l))).collect()
}

/// Adds every record referred to, transitively, by the selected ones.
fn close_over_refs<'a>(replica: &'a Replica, selected: &mut BTreeSet<&'a str>, links: &HashMap<&str, Links>) {
    let mut work: Vec<&'a str> = selected.iter().copied().collect();
    while let Some(id) = work.pop() {
        let owned;
        let l = match links.get(id) {
            Some(l) => l,
            None => {
                let Some(d) = replica.doc(id) else { continue };
                let Some(l) = kinds::rules_for(&d.kind).and_then(|r| (r.inspect)(d).ok()) else { continue };
                owned = l;
                &owned
            }
        };
        for r in &l.refs {
            if let Some(target) = replica.doc(&r.id) {
                if selected.insert(target.id.as_str()) {
                    work.push(target.id.as_str());
                }
            }
        }
    }
}

fn touched_since(d: &Doc, since_ms: u64) -> bool {
    d.fields.values().any(|f| f.s.wall >= since_ms || f.alt.values().any(|a| a.s.wall >= since_ms))
}

fn select<'a>(replica: &'a Replica, scope: &ExportScope) -> Result<BTreeSet<&'a str>, ExportError> {
    let no_links = HashMap::new();
    let mut selected: BTreeSet<&str> = BTreeSet::new();
    match scope {
        ExportScope::Full => return Ok(replica.docs().map(|d| d.id.as_str()).collect()),
        ExportScope::Delta { known } => {
            selected.extend(replica.docs().filter(|d| !known.covers_doc(d)).map(|d| d.id.as_str()));
            close_over_refs(replica, &mut selected, &no_links);
        }
        ExportScope::DeltaSinceMs(t) => {
            selected.extend(replica.docs().filter(|d| touched_since(d, *t)).map(|d| d.id.as_str()));
            close_over_refs(replica, &mut selected, &no_links);
        }
        ExportScope::Scoped { county_ids, target_ids } => {
            if county_ids.is_empty() && target_ids.is_empty() {
                return Err(ExportError::EmptyScope);
            }
            for (ids, kind) in [(county_ids, County::KIND), (target_ids, Target::KIND)] {
                if let Some(bad) = ids.iter().find(|id| replica.doc(id).is_none_or(|d| d.kind != kind)) {
                    return Err(ExportError::UnknownScope { id: bad.clone() });
                }
            }
            let links = all_links(replica);
            // The chosen targets, with all targets of the chosen counties; the
            // chosen counties, with the counties of the chosen targets.
            let mut targets: HashSet<&str> = target_ids.iter().map(String::as_str).collect();
            let mut counties: HashSet<&str> = county_ids.iter().map(String::as_str).collect();
            for (id, l) in &links {
                if let Some(c) = &l.county_of_target {
                    if counties.contains(c.as_str()) {
                        targets.insert(id);
                    }
                }
            }
            for t in target_ids {
                if let Some(c) = links.get(t.as_str()).and_then(|l| l.county_of_target.as_deref()) {
                    counties.insert(c);
                }
            }
            let place = Place { links: &links, targets: &targets, counties: &counties };
            for d in replica.docs() {
                if place.holds(&d.id, 0) {
                    selected.insert(d.id.as_str());
                }
            }
            close_over_refs(replica, &mut selected, &links);
        }
    }
    Ok(selected)
}

/// The chosen places of a scoped export, and where each record belongs.
struct Place<'a> {
    links: &'a HashMap<&'a str, Links>,
    targets: &'a HashSet<&'a str>,
    counties: &'a HashSet<&'a str>,
}

impl Place<'_> {
    /// Whether the record belongs to the chosen places. `With` follows the parent
    /// (an answer its visit, an event its problem), a few levels at most.
    fn holds(&self, id: &str, depth: u8) -> bool {
        match self.links.get(id).map(|l| &l.anchor) {
            Some(Anchor::Everywhere) => true,
            Some(Anchor::County(c)) => self.counties.contains(c.as_str()),
            Some(Anchor::Target(t)) => self.targets.contains(t.as_str()),
            Some(Anchor::With(parent)) if depth < 8 => self.holds(parent, depth + 1),
            _ => false,
        }
    }
}

fn wire_scope(scope: &ExportScope, recipient: Option<&DeviceId>) -> WireScope {
    let mut w = WireScope {
        county_ids: Vec::new(),
        kind: ScopeKind::Full,
        recipient: recipient.map(|r| r.0.clone()),
        since_ms: None,
        since_vv: BTreeMap::new(),
        target_ids: Vec::new(),
    };
    match scope {
        ExportScope::Full => {}
        ExportScope::Delta { known } => {
            w.kind = ScopeKind::Delta;
            w.since_vv = known.to_wire();
        }
        ExportScope::DeltaSinceMs(t) => {
            w.kind = ScopeKind::Delta;
            w.since_ms = Some(*t);
        }
        ExportScope::Scoped { county_ids, target_ids } => {
            w.kind = ScopeKind::Scoped;
            let sorted = |v: &Vec<String>| crate::core::sort::btree_set(v.iter().cloned()).into_iter().collect();
            w.county_ids = sorted(county_ids);
            w.target_ids = sorted(target_ids);
        }
    }
    w
}

/// Makes an unsigned (v1) bundle file of the replica's records. Pure: the replica
/// and ledger are not changed; the returned ledger records the export.
pub fn export_bundle(replica: &Replica, ledger: &SyncLedger, req: &ExportRequest) -> Result<ExportedFile, ExportError> {
    export_signed(replica, ledger, req, None)
}

/// [`export_bundle`], signed by this device's key (a v2 file) when one is given.
pub fn export_signed(replica: &Replica, ledger: &SyncLedger, req: &ExportRequest, signer: Option<&DeviceKey>) -> Result<ExportedFile, ExportError> {
    export_carrying(replica, ledger, req, signer, &BTreeMap::new())
}

/// [`export_signed`] carrying the bytes of the photos its live photo records
/// refer to that this device holds (`held`: address → length, from the photo
/// store): a v3 file when there is at least one and the file is signed, whose
/// photo lines the caller appends ([`ExportedFile::photos`]). An empty `held` is
/// the "records only" (仅记录) export.
pub fn export_carrying(
    replica: &Replica,
    ledger: &SyncLedger,
    req: &ExportRequest,
    signer: Option<&DeviceKey>,
    held: &BTreeMap<String, u32>,
) -> Result<ExportedFile, ExportError> {
    let campaign_id = replica.campaign_id().ok_or(ExportError::NoCampaign)?.to_owned();
    let mut selected = select(replica, &req.scope)?;
    // A delta for a device whose receipt said it lacks photos this device holds
    // carries their records again, with the bytes (and what they refer to).
    if let (Some(r), ExportScope::Delta { .. } | ExportScope::DeltaSinceMs(_)) = (&req.recipient, &req.scope) {
        let wanted: HashSet<&str> = ledger.photos_wanted_by(r).iter().map(String::as_str).filter(|h| held.contains_key(*h)).collect();
        if !wanted.is_empty() {
            let before = selected.len();
            selected.extend(
                replica
                    .docs()
                    .filter(|d| d.kind == "photo" && !d.is_deleted())
                    .filter(|d| d.fields.get("sha256").and_then(|f| f.v.as_str()).is_some_and(|h| wanted.contains(h)))
                    .map(|d| d.id.as_str()),
            );
            if selected.len() > before {
                close_over_refs(replica, &mut selected, &HashMap::new());
            }
        }
    }
    // Every selection holds what its records refer to, so the restricted records
    // are found among it; leaving them out leaves nothing dangling.
    let candidates: Vec<&Doc> = selected.iter().filter_map(|id| replica.doc(id)).collect();
    let restricted = super::restricted::restricted_among(&candidates, &|id| replica.doc(id), false);
    let (carried, withheld) = if req.carry_restricted { (restricted.len(), 0) } else { (0, restricted.len()) };
    if withheld > 0 {
        selected.retain(|id| !restricted.contains(id));
    }
    if selected.len() > MAX_RECORDS {
        return Err(ExportError::TooManyRecords { count: selected.len(), max: MAX_RECORDS });
    }
    let docs: Vec<&Doc> = selected.iter().filter_map(|id| replica.doc(id)).collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for d in &docs {
        *counts.entry(d.kind.clone()).or_default() += 1;
    }
    let covers = match &req.scope {
        ExportScope::Full => Some(VersionVector::of_docs(docs.iter().copied())),
        ExportScope::Delta { known } => {
            let mut vv = known.clone();
            vv.join(&VersionVector::of_docs(docs.iter().copied()));
            Some(vv)
        }
        ExportScope::DeltaSinceMs(_) | ExportScope::Scoped { .. } => None,
    };
    let records = docs.len() as u64;
    let photo_manifest = if signer.is_some() { super::photos::manifest_of(docs.iter().copied(), held) } else { Vec::new() };
    let seq = ledger.next_seq();
    let bundle_id = hex(&req.bundle_id);
    let scope = wire_scope(&req.scope, req.recipient.as_ref());
    let scope_kind = scope.kind;
    let mut env = Envelope {
        bundle_id: bundle_id.clone(),
        campaign_id,
        counts: counts.clone(),
        created_ms: req.created_ms,
        format: FORMAT.to_owned(),
        payload: PayloadRef { docs: DocsRef(docs) },
        photo_manifest,
        scope,
        seq,
        sha256: String::new(),
        signature: None,
        source: WireSource { device_id: replica.device().0.clone(), squad_name: req.squad_name.clone() },
        version: VERSION_UNSIGNED,
    };
    let mut bytes = wire::seal_signed(&mut env, signer).map_err(|e| ExportError::Encode(e.to_string()))?;
    let photos = std::mem::take(&mut env.photo_manifest);
    if !photos.is_empty() {
        bytes = super::photos::head_line(bytes);
    }
    let mut ledger = ledger.clone();
    ledger.record_export(
        seq,
        ExportRecord {
            bundle_id: bundle_id.clone(),
            created_ms: req.created_ms,
            scope: scope_kind,
            recipient: req.recipient.clone(),
            covers,
            records,
            acked_by: BTreeMap::new(),
            withheld: withheld as u64,
        },
    );
    Ok(ExportedFile { file_name: file_name(&req.squad_name, req.date, seq), bytes, bundle_id, seq, counts, withheld, carried, photos, ledger })
}

/// How many records hold a write `device` is not known to have: the "not yet
/// received by the office" count in settings (0 once its receipt is imported and
/// nothing changed since).
pub fn not_yet_received(replica: &Replica, ledger: &SyncLedger, device: &DeviceId) -> usize {
    ledger.known_by(device).count_uncovered(replica.docs())
}

/// [`not_yet_received`] for several devices in one pass over the records (the
/// data-exchange page's table of known devices, shown after every import): each
/// record's latest write per writing device is found once and then checked against
/// each device's vector, instead of every field against every vector.
pub fn not_yet_received_all(replica: &Replica, ledger: &SyncLedger, devices: &[DeviceId]) -> Vec<usize> {
    let mut c = UnreceivedCount::new(ledger, devices);
    c.step(replica, usize::MAX);
    c.into_counts()
}

/// [`not_yet_received_all`] in slices: the data-exchange page counts a few
/// thousand records at a time between frames, so an import's "已保存" is not held
/// up by a pass over 300,000 records (docs/performance.md, issue 15). Records are
/// taken in id order, each slice after the last id counted; the replica must not
/// change between slices (the page starts over when it does).
pub struct UnreceivedCount {
    vectors: Vec<super::ledger::VersionVector>,
    counts: Vec<usize>,
    after: Option<String>,
    done: bool,
}

impl UnreceivedCount {
    pub fn new(ledger: &SyncLedger, devices: &[DeviceId]) -> Self {
        UnreceivedCount { vectors: devices.iter().map(|d| ledger.known_by(d)).collect(), counts: vec![0; devices.len()], after: None, done: false }
    }

    /// Counts up to `n` more records; true once every record is counted.
    pub fn step(&mut self, replica: &Replica, n: usize) -> bool {
        if self.done {
            return true;
        }
        let mut latest: Vec<&crate::core::clock::Stamp> = Vec::new();
        // Writes of the embedded default are covered by every vector.
        let seed = crate::core::clock::DeviceId::seed();
        let mut taken = 0;
        let mut last = None;
        for d in replica.docs_after(self.after.as_deref()) {
            if taken == n {
                break;
            }
            taken += 1;
            last = Some(d);
            latest.clear();
            for s in d.fields.values().flat_map(|f| std::iter::once(&f.s).chain(f.alt.values().map(|a| &a.s))) {
                if s.dev == seed {
                    continue;
                }
                match latest.iter_mut().find(|m| m.dev == s.dev) {
                    Some(m) if *s > **m => *m = s,
                    Some(_) => {}
                    None => latest.push(s),
                }
            }
            if latest.is_empty() {
                continue;
            }
            for (v, n) in self.vectors.iter().zip(self.counts.iter_mut()) {
                if !latest.iter().all(|s| v.covers(s)) {
                    *n += 1;
                }
            }
        }
        match last {
            Some(d) if taken == n => self.after = Some(d.id.clone()),
            _ => self.done = true,
        }
        self.done
    }

    /// The counts, one per device given to [`UnreceivedCount::new`].
    pub fn into_counts(self) -> Vec<usize> {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_a_date_means_since_its_first_moment_in_the_campaign_calendar() {
        use crate::core::clock::Hlc;
        let june = NaiveDate::from_ymd_opt(2020, 6, 1).unwrap();
        let mut r = Replica::from_parts(crate::core::default_plan::docs(), Hlc::new(DeviceId("d-since".into())));
        let rename = |r: &mut Replica, id: &str, at_ms: u64| {
            let mut t = r.snapshot().target(id).cloned().unwrap();
            t.name.push('改');
            let c = r.stage_save(&[t], at_ms);
            r.apply(c);
        };
        // 2020-05-31 23:59 and 2020-06-01 00:30 in Chuxiong: 15:59 and 16:30 UTC, both still May 31 in UTC.
        rename(&mut r, "seed-target-xiaohe", day_start_ms(june) - 60_000);
        rename(&mut r, "seed-target-gantang", day_start_ms(june) + 30 * 60_000);
        assert_eq!(day_start_ms(june), 1_590_940_800_000, "2020-05-31T16:00:00Z");
        let req = ExportRequest {
            scope: ExportScope::since_date(june),
            recipient: None,
            squad_name: "t".into(),
            created_ms: day_start_ms(june) + 3_600_000,
            date: june,
            bundle_id: [1; 16],
            carry_restricted: false,
        };
        let file = export_bundle(&r, &SyncLedger::default(), &req).unwrap();
        let back = super::super::import::read_bundle(&file.bytes, None, &super::super::Limits::default()).unwrap();
        let targets: Vec<&str> = back.docs.iter().filter(|d| d.kind == Target::KIND).map(|d| d.id.as_str()).collect();
        assert_eq!(targets, ["seed-target-gantang"]);
    }

    #[test]
    fn squad_names_keep_chinese_and_lose_path_characters() {
        assert_eq!(sanitize_name("武定县督战小分队（一）"), "武定县督战小分队_一");
        assert_eq!(sanitize_name("../..\\con:*?\"<>|"), "con");
        assert_eq!(sanitize_name("  "), "device");
        assert_eq!(sanitize_name("Team 7 / 南华"), "Team_7_南华");
        assert_eq!(sanitize_name(&"州".repeat(100)).chars().count(), 40);
    }

    #[test]
    fn file_names_carry_squad_date_and_sequence() {
        let d = NaiveDate::from_ymd_opt(2020, 3, 15).unwrap_or_default();
        assert_eq!(file_name("武定县小分队", d, 7), "duzhan-武定县小分队-20200315-0007.json");
    }
}
