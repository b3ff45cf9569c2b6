//! Calendar months (月份) and the monthly deadline rule (每月20日前报送).
//!
//! A [`Month`] is written `YYYY-MM` everywhere (records, addresses, files), so it
//! sorts as text and reads the same in every language.
//!
//! The deadline rule: a month's report is due on the campaign's due day of *that*
//! month ("于每月20日前…报"), inclusive — a report submitted on the 20th is on time,
//! on the 21st it is late. A due day past the month's end (31 in February) falls on
//! the month's last day, so every month has exactly one due date.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    /// 1…12.
    month: u32,
}

impl Month {
    /// `None` for a month outside 1…12 or a year the calendar cannot hold.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Month { year, month })
    }

    /// The month a day is in.
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// Parses `YYYY-MM` (exactly four digits, a dash, two digits).
    pub fn parse(s: &str) -> Option<Month> {
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return None;
        }
        Month::new(s[..4].parse().ok()?, s[5..].parse().ok()?)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn days(self) -> u32 {
        self.last_day().day()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        Month::of(d) == self
    }

    /// The due date for `due_day` in this month: that day, or the month's last day
    /// when the month is shorter.
    pub fn due_date(self, due_day: u32) -> NaiveDate {
        let day = due_day.clamp(1, self.days());
        NaiveDate::from_ymd_opt(self.year, self.month, day).unwrap_or_else(|| self.last_day())
    }

    /// Every month from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }

    /// "2020年3月" / "March 2020".
    pub fn label(self, lang: crate::core::i18n::Lang) -> String {
        const EN: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        match lang {
            crate::core::i18n::Lang::Zh => format!("{}年{}月", self.year, self.month),
            crate::core::i18n::Lang::En => format!("{} {}", EN[(self.month - 1) as usize % 12], self.year),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a month (YYYY-MM)")))
    }
}

/// Whether something due was delivered in time (按时报送).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timeliness {
    /// Delivered on or before the due date (按时).
    OnTime,
    /// Delivered after the due date (逾期报送).
    Late { days: i64 },
    /// Not delivered, and the due date has not passed yet (未到期).
    NotDueYet { days_left: i64 },
    /// Not delivered, and the due date has passed (未报送，已逾期).
    Missing { days_over: i64 },
}

impl Timeliness {
    /// Delivered on `delivered`, or not yet, against `due`, seen on `today`.
    /// The due day itself is in time: "by the 20th" includes the 20th.
    pub fn judge(due: NaiveDate, delivered: Option<NaiveDate>, today: NaiveDate) -> Timeliness {
        match delivered {
            Some(d) if d <= due => Timeliness::OnTime,
            Some(d) => Timeliness::Late { days: (d - due).num_days() },
            None if today <= due => Timeliness::NotDueYet { days_left: (due - today).num_days() },
            None => Timeliness::Missing { days_over: (today - due).num_days() },
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::Late { .. } => "late",
            Timeliness::NotDueYet { .. } => "not_due",
            Timeliness::Missing { .. } => "missing",
        }
    }

    pub fn label(self, lang: crate::core::i18n::Lang) -> String {
        use crate::core::i18n::Lang::*;
        match (self, lang) {
            (Timeliness::OnTime, Zh) => "按时".into(),
            (Timeliness::OnTime, En) => "On time".into(),
            (Timeliness::Late { days }, Zh) => format!("逾期{days}天报送"),
            (Timeliness::Late { days }, En) => format!("{days} days late"),
            (Timeliness::NotDueYet { days_left }, Zh) => format!("未到期（剩{days_left}天）"),
            (Timeliness::NotDueYet { days_left }, En) => format!("Not due yet ({days_left} days left)"),
            (Timeliness::Missing { days_over }, Zh) => format!("未报送（已逾期{days_over}天）"),
            (Timeliness::Missing { days_over }, En) => format!("Not received ({days_over} days overdue)"),
        }
    }
}

/// The next due date of a monthly requirement on or after `today`: this month's
/// if it has not passed, else next month's (across the year boundary).
pub fn next_monthly_due(due_day: u32, today: NaiveDate) -> NaiveDate {
    let this = Month::of(today).due_date(due_day);
    if this >= today {
        this
    } else {
        Month::of(today).next().due_date(due_day)
    }
}

/// The day after `d` (saturating at the calendar's end).
pub fn day_after(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}
