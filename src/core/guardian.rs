//! The storage guardian (数据守护): how much work exists only on this device.
//!
//! Browsers may evict a site's data; the only copy that survives that is an
//! exported bundle. So the home view says how many records changed since the last
//! export and how many days ago that was, and reminds past a threshold.

use super::bundle::SyncLedger;
use super::read_model::ChangedSince;
use super::replica::Replica;

/// Remind when the last export is older than this many days…
pub const REMIND_AFTER_DAYS: i64 = 3;
/// …or when more records than this changed since.
pub const REMIND_AFTER_CHANGES: usize = 50;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guardian {
    /// When this device last exported a bundle, if ever.
    pub last_export_ms: Option<u64>,
    /// Records written on this device (by any device) after that export.
    pub changes_since: usize,
    /// Whole days since that export.
    pub days_since: Option<i64>,
    /// Whether to remind the user to export.
    pub remind: bool,
}

/// When this device last exported a bundle, if ever: the moment the guardian counts
/// changes from (the app keeps that count as a read model, `ChangedSince`).
pub fn last_export_ms(ledger: &SyncLedger) -> Option<u64> {
    ledger.exports.values().map(|e| e.created_ms).max()
}

impl Guardian {
    /// What the guardian shows, from the records changed since the last export
    /// (`changed` counted from `last_export_ms`; the app has it from the stored
    /// ledger without reading it whole, `StoredLedger::last_export_ms`).
    pub fn of(changed: &ChangedSince, last_export_ms: Option<u64>, now_ms: u64) -> Guardian {
        let changes_since = changed.count();
        let days_since = last_export_ms.map(|t| (now_ms.saturating_sub(t) / DAY_MS) as i64);
        let remind = changes_since > 0 && (days_since.is_none_or(|d| d >= REMIND_AFTER_DAYS) || changes_since > REMIND_AFTER_CHANGES);
        Guardian { last_export_ms, changes_since, days_since, remind }
    }
}

/// What the guardian shows, counted from the replica. Seed records (never changed)
/// do not count as work.
pub fn guardian(replica: &Replica, ledger: &SyncLedger, now_ms: u64) -> Guardian {
    let last = last_export_ms(ledger);
    Guardian::of(&ChangedSince::count_in(replica, last.unwrap_or(0)), last, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::bundle::ledger::ExportRecord;
    use crate::core::bundle::wire::ScopeKind;
    use crate::core::clock::{DeviceId, Hlc};
    use crate::core::default_plan;

    fn replica() -> Replica {
        Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-g".into())))
    }

    fn exported_at(ms: u64) -> SyncLedger {
        let mut l = SyncLedger::default();
        l.exports.insert(
            1,
            ExportRecord {
                bundle_id: "b".into(),
                created_ms: ms,
                scope: ScopeKind::Full,
                recipient: None,
                covers: None,
                records: 1,
                acked_by: Default::default(),
                withheld: 0,
            },
        );
        l
    }

    #[test]
    fn untouched_defaults_need_no_export() {
        let g = guardian(&replica(), &SyncLedger::default(), 10 * DAY_MS);
        assert_eq!(g, Guardian { last_export_ms: None, changes_since: 0, days_since: None, remind: false });
    }

    #[test]
    fn edits_never_exported_are_reminded_at_once() {
        let mut r = replica();
        let c = r.stage_delete(&["seed-target-xihe"], 5 * DAY_MS);
        r.apply(c);
        let g = guardian(&r, &SyncLedger::default(), 5 * DAY_MS);
        assert_eq!((g.changes_since, g.remind), (1, true));
    }

    #[test]
    fn a_recent_export_quiets_the_reminder_until_days_pass() {
        let mut r = replica();
        let c = r.stage_delete(&["seed-target-xihe"], 5 * DAY_MS);
        r.apply(c);
        let l = exported_at(5 * DAY_MS + 1);
        assert_eq!(guardian(&r, &l, 6 * DAY_MS).changes_since, 0);
        let c = r.stage_delete(&["seed-target-nanhua"], 6 * DAY_MS);
        r.apply(c);
        let g = guardian(&r, &l, 6 * DAY_MS);
        assert_eq!((g.changes_since, g.days_since, g.remind), (1, Some(0), false));
        let g = guardian(&r, &l, 9 * DAY_MS);
        assert_eq!((g.days_since, g.remind), (Some(3), true));
    }
}
