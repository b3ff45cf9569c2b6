//! The 同步情况 board: one row per device this one has heard from (by bundle or by
//! receipt) — who it is, what came from it and when, what is missing, what of ours
//! it has not acknowledged, and whether it has had a receipt — so that on the 20th
//! the office sees at a glance which squads have not sent anything this month.
//! Built from the sync ledger alone; "not yet acknowledged" walks every record and
//! is counted by the caller in slices ([`super::export::UnreceivedCount`]) and
//! passed in.

use super::ledger::{DeviceRole, Gaps, SyncLedger};
use crate::core::calendar::date_of_ms;
use crate::core::clock::DeviceId;
use crate::core::export::sheet::{Cell, Sheet};
use crate::core::i18n::Lang;
use chrono::{Datelike, NaiveDate};

/// One device on the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRow {
    pub device_id: DeviceId,
    pub squad_name: String,
    pub role: Option<DeviceRole>,
    /// Its latest bundle received here: sequence number, made (its clock), imported (ours).
    pub last: Option<LastBundle>,
    /// Bundles received from it in all.
    pub bundles: usize,
    pub gaps: Gaps,
    /// Whole days since it last sent anything: its latest bundle's making or its
    /// latest receipt (`None`: nothing received).
    pub days_since: Option<u64>,
    /// Whether it sent anything (a bundle made, a receipt) in the current month (UTC+8).
    pub sent_this_month: bool,
    /// The last receipt made here covering it: when, and through which sequence number.
    pub receipt_sent: Option<(u64, u64)>,
    /// Bundles received from it since the last receipt made for it.
    pub receipt_due: bool,
    /// When its latest receipt for bundles of ours was made.
    pub receipt_received_ms: Option<u64>,
    /// The fingerprint of its key, pinned by its first signed file (`super::sign`).
    pub fingerprint: Option<String>,
    /// When it was revoked (挂失), if it was.
    pub revoked_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastBundle {
    pub seq: u64,
    pub created_ms: u64,
    pub imported_ms: u64,
}

/// A column the board sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Role,
    LastReceived,
    Gaps,
    Unacknowledged,
    DaysSince,
    Receipt,
}

impl SortKey {
    pub const ALL: [SortKey; 7] =
        [SortKey::Name, SortKey::Role, SortKey::LastReceived, SortKey::Gaps, SortKey::Unacknowledged, SortKey::DaysSince, SortKey::Receipt];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Role => "role",
            SortKey::LastReceived => "last",
            SortKey::Gaps => "gaps",
            SortKey::Unacknowledged => "unacked",
            SortKey::DaysSince => "days",
            SortKey::Receipt => "receipt",
        }
    }
}

const DAY_MS: u64 = 86_400_000;

/// The board's rows, by device id (sort with [`sort_rows`]).
pub fn status_rows(ledger: &SyncLedger, now_ms: u64) -> Vec<StatusRow> {
    let today = date_of_ms(now_ms);
    ledger
        .devices
        .iter()
        .map(|(id, log)| {
            let last = log.bundles.iter().next_back().map(|(seq, b)| LastBundle { seq: *seq, created_ms: b.created_ms, imported_ms: b.imported_ms });
            // Anything it sent: a bundle (when made) or a receipt.
            let heard_ms = last.map(|l| l.created_ms).into_iter().chain(log.receipt_received_ms).max();
            let sent_this_month = heard_ms.is_some_and(|ms| {
                let d = date_of_ms(ms);
                (d.year(), d.month()) == (today.year(), today.month())
            });
            let receipt_sent = log.receipt_sent.map(|r| (r.created_ms, r.through_seq));
            StatusRow {
                device_id: id.clone(),
                squad_name: log.squad_name.clone(),
                role: log.role,
                last,
                bundles: log.bundles.len(),
                gaps: ledger.gaps(id, None),
                days_since: heard_ms.map(|ms| now_ms.saturating_sub(ms) / DAY_MS),
                sent_this_month,
                receipt_sent,
                receipt_due: last.is_some_and(|l| receipt_sent.is_none_or(|(_, through)| l.seq > through)),
                receipt_received_ms: log.receipt_received_ms,
                fingerprint: ledger.key_of(id).map(|k| k.fingerprint()),
                revoked_ms: log.revoked_ms,
            }
        })
        .collect()
}

/// Sorts the rows (and their "not yet acknowledged" counts, one per row, `None` while
/// counting) by a column; ties by name then device id, so the order is total.
pub fn sort_rows(rows: &mut [(StatusRow, Option<usize>)], key: SortKey, descending: bool) {
    use std::cmp::Ordering;
    let by = |a: &(StatusRow, Option<usize>), b: &(StatusRow, Option<usize>)| -> Ordering {
        let (ra, rb) = (&a.0, &b.0);
        let primary = match key {
            SortKey::Name => Ordering::Equal,
            SortKey::Role => ra.role.cmp(&rb.role),
            SortKey::LastReceived => ra.last.map(|l| l.imported_ms).cmp(&rb.last.map(|l| l.imported_ms)),
            SortKey::Gaps => ra.gaps.missing.cmp(&rb.gaps.missing),
            SortKey::Unacknowledged => a.1.cmp(&b.1),
            // Never sent sorts as the longest silence.
            SortKey::DaysSince => ra.days_since.unwrap_or(u64::MAX).cmp(&rb.days_since.unwrap_or(u64::MAX)),
            SortKey::Receipt => (ra.receipt_due, ra.receipt_sent).cmp(&(rb.receipt_due, rb.receipt_sent)),
        };
        let primary = if descending { primary.reverse() } else { primary };
        primary.then_with(|| {
            let o = ra.squad_name.cmp(&rb.squad_name).then_with(|| ra.device_id.cmp(&rb.device_id));
            if descending && key == SortKey::Name {
                o.reverse()
            } else {
                o
            }
        })
    };
    crate::core::sort::sort_by(rows, by);
}

const HEADERS: [&str; 12] = ["序号", "名称", "设备", "指纹", "角色", "最近收到", "数据包生成时间", "导入时间", "缺号", "对方未确认记录", "未发送天数", "回执"];

/// The board as a sheet for the office's files (as of `as_of`).
pub fn sync_status_sheet(rows: &[(StatusRow, Option<usize>)], as_of: NaiveDate) -> Sheet {
    let day = |ms: u64| Cell::date(Some(date_of_ms(ms)));
    let silent = rows.iter().filter(|(r, _)| !r.sent_this_month).count();
    let body = rows
        .iter()
        .enumerate()
        .map(|(i, (r, unacked))| {
            vec![
                Cell::number((i + 1) as f64),
                Cell::text(r.squad_name.clone()),
                Cell::text(r.device_id.0.clone()),
                Cell::text(r.fingerprint.clone().unwrap_or_else(|| "未签名".to_owned())),
                Cell::text(match r.revoked_ms {
                    Some(ms) => format!("{}（{}挂失）", r.role.map_or("", |x| x.label(Lang::Zh)), date_of_ms(ms)),
                    None => r.role.map_or("", |x| x.label(Lang::Zh)).to_owned(),
                }),
                r.last.map_or(Cell::text("未收到"), |l| Cell::text(format!("第{}号", l.seq))),
                r.last.map_or(Cell::Empty, |l| day(l.created_ms)),
                r.last.map_or(Cell::Empty, |l| day(l.imported_ms)),
                Cell::text(gaps_text(&r.gaps, Lang::Zh)),
                unacked.map_or(Cell::Empty, |n| Cell::number(n as f64)),
                r.days_since.map_or(Cell::Empty, |d| Cell::number(d as f64)),
                Cell::text(receipt_text(r, Lang::Zh)),
            ]
        })
        .collect();
    let mut sheet = Sheet {
        name: "同步情况".to_owned(),
        title: vec!["数据同步情况".to_owned(), format!("设备{}个，本月未发送{}个（截至{}）", rows.len(), silent, as_of)],
        header: HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows: body,
        merges: Vec::new(),
        widths: Vec::new(),
        autofilter: true,
        footer: Vec::new(),
    };
    sheet.fit_widths(6.0, 36.0, &[]);
    sheet
}

/// The missing sequence numbers as a short text ("3、4（共2个）"), empty when none.
pub fn gaps_text(g: &Gaps, lang: Lang) -> String {
    if g.missing == 0 {
        return String::new();
    }
    let first = g.first.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(lang.list_sep());
    let more = if g.missing > g.first.len() as u64 { "…" } else { "" };
    format!("{first}{more}{}", lang.paren(g.missing))
}

/// The receipt column as text: when the last receipt went out and through which
/// number, or that one is due.
pub fn receipt_text(r: &StatusRow, lang: Lang) -> String {
    let (sent, due, none) = match lang {
        Lang::Zh => ("已发至第", "待发回执", "未发"),
        Lang::En => ("sent through #", "receipt due", "none sent"),
    };
    let mut s = match r.receipt_sent {
        Some((at, through)) => match lang {
            Lang::Zh => format!("{}（{sent}{through}号）", date_of_ms(at)),
            Lang::En => format!("{} ({sent}{through})", date_of_ms(at)),
        },
        None => none.to_owned(),
    };
    if r.receipt_due {
        s.push_str(lang.list_sep());
        s.push_str(due);
    }
    s
}
