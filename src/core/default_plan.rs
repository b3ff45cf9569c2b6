//! The embedded default as a whole (内置默认数据): the plan's campaign data
//! ([`seed`]), the default visit checklist ([`fieldwork::checklist`]) and the
//! plan's reporting requirements ([`report`]), all with the seed stamp.
//!
//! A module of its own, above field work and the monthly cycle, so that the plan
//! ([`seed`], below the replica) never reaches up into the features for their
//! defaults. A fresh device starts from these docs, and "reset to default"
//! ([`Replica::stage_reset_to`](crate::core::replica::Replica::stage_reset_to))
//! writes them back.

use super::doc::Doc;
use super::{fieldwork, report, seed};

/// The embedded default as stored documents, all stamped with the seed stamp: the
/// plan's campaign data, the default visit checklist and the plan's reporting
/// requirements. The same docs, in the same order, on every device.
pub fn docs() -> Vec<Doc> {
    let mut out = seed::plan_docs();
    out.extend(fieldwork::default_checklist_docs());
    out.extend(report::seed_requirement_docs());
    out
}
