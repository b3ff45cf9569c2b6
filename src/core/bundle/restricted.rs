//! Restricted records (督查室专阅): what 暗访督战 (unannounced visits) found.
//!
//! The plan (section 六) has the 督查室 (inspection office) report its unannounced
//! visits straight to the prefecture's leaders, so a county or the office must not
//! read them on the way. A record is restricted when it is a visit in mode 暗访督战
//! (its winning value or any concurrent one: when two devices disagree, the
//! stricter reading wins), or when it refers to a restricted record, however
//! deep: the visit's answers, a problem found on it, that problem's events, the
//! photos of any of these. As
//! everything that refers to a restricted record is itself restricted, leaving
//! the restricted records out of a bundle never leaves a reference dangling.
//!
//! The rules, applied by export and import:
//! - restricted records leave a device only in a bundle sealed to recipients that
//!   all hold the 督查室 role in its ledger ([`may_carry`]); every other export
//!   leaves them out and says how many ([`super::ExportedFile::withheld`]);
//! - a device whose own role (from the roster, [`SyncLedger::own_role`]) is not
//!   督查室 refuses a file that carries them ([`check_import`]), whatever its
//!   version: a hand-edited file, or one exported before this rule;
//! - reports and the ledger count what the device holds, so a county's never
//!   count them and the 督查室's do.

use super::error::ImportError;
use super::kinds;
use super::ledger::{DeviceRole, SyncLedger};
use crate::core::clock::DeviceId;
use crate::core::doc::{Doc, Entity};
use crate::core::fieldwork::photo::Photo;
use crate::core::fieldwork::{Problem, ProblemEvent, Visit, VisitAnswer, VisitMode};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// The kinds that can be restricted: visits, and the kinds that refer to them or
/// to each other. Every other kind refers to none of these (checked by a test over
/// every kind's references), so only these are looked at.
pub const KINDS: [&str; 5] = [Visit::KIND, VisitAnswer::KIND, Problem::KIND, ProblemEvent::KIND, Photo::KIND];

/// Whether a doc is a visit in mode 暗访督战 (by any of its mode values).
pub fn is_unannounced_visit(d: &Doc) -> bool {
    if d.kind != Visit::KIND {
        return false;
    }
    let code = Value::String(VisitMode::Unannounced.code().to_owned());
    d.fields.get("mode").is_some_and(|f| f.v == code || f.alt.values().any(|a| a.v == code))
}

/// The restricted records among `candidates`, references resolved through `get`
/// (the candidates themselves, then the device's records). Cheap when there is no
/// unannounced visit among the candidates or in `more_roots`: nothing is decoded.
pub fn restricted_among<'a>(candidates: &[&'a Doc], get: &dyn Fn(&str) -> Option<&'a Doc>, more_roots: bool) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    if !more_roots && !candidates.iter().any(|d| is_unannounced_visit(d)) {
        return out;
    }
    let mut memo: HashMap<&'a str, bool> = HashMap::new();
    for d in candidates {
        if is_restricted(d, get, &mut memo, 0) {
            out.insert(d.id.as_str());
        }
    }
    out
}

fn is_restricted<'a>(d: &'a Doc, get: &dyn Fn(&str) -> Option<&'a Doc>, memo: &mut HashMap<&'a str, bool>, depth: u8) -> bool {
    if !KINDS.contains(&d.kind.as_str()) {
        return false;
    }
    if let Some(&r) = memo.get(d.id.as_str()) {
        return r;
    }
    // A cycle or a chain deeper than any real one (visit ← problem ← event) stops here.
    if depth > 8 {
        return false;
    }
    let r = is_unannounced_visit(d)
        || kinds::rules_for(&d.kind).and_then(|k| (k.inspect)(d).ok()).is_some_and(|l| {
            let parent = match &l.anchor {
                kinds::Anchor::With(p) => Some(p.as_str()),
                _ => None,
            };
            l.refs.iter().map(|r| r.id.as_str()).chain(parent).any(|id| get(id).is_some_and(|p| p.id != d.id && is_restricted(p, get, memo, depth + 1)))
        });
    memo.insert(d.id.as_str(), r);
    r
}

/// Whether any of `docs` is an unannounced visit (a quick test before the closure).
pub fn any_unannounced<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> bool {
    docs.into_iter().any(is_unannounced_visit)
}

/// Whether a bundle sealed to `recipients` may carry restricted records: there is
/// at least one, and every one holds the 督查室 role in `ledger` and is not revoked
/// (`me`, this device, by its own role).
pub fn may_carry(ledger: &SyncLedger, me: &DeviceId, recipients: &[DeviceId]) -> bool {
    let inspection = |r: &DeviceId| {
        if r == me {
            ledger.own_role == Some(DeviceRole::Inspection)
        } else {
            ledger.devices.get(r).is_some_and(|log| log.role == Some(DeviceRole::Inspection) && log.revoked_ms.is_none())
        }
    };
    !recipients.is_empty() && recipients.iter().all(inspection)
}

/// Refuses a file carrying restricted records on a device that is not the 督查室's.
/// `restricted` are the file's restricted records (ids, in id order).
pub fn check_import(restricted: &BTreeSet<&str>, ledger: &SyncLedger) -> Result<(), ImportError> {
    match restricted.first() {
        Some(first) if ledger.own_role != Some(DeviceRole::Inspection) => {
            Err(ImportError::RestrictedRecords { count: restricted.len(), first: (*first).to_owned() })
        }
        _ => Ok(()),
    }
}
