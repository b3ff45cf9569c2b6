//! The campaign calendar (督战日历): China Standard Time (UTC+8, no daylight
//! saving), the campaign's only time zone. Every day the core reasons about (the
//! day a problem was closed, a report's month, "since a date" in an export) is a
//! day in Chuxiong, derived from a time in ms since the Unix epoch here and
//! nowhere else.
//!
//! Days are written with `NaiveDate`'s `Display` (`YYYY-MM-DD`) and read with
//! [`parse_day`], never with chrono's format strings: their parser and formatter
//! weigh about 10 KB of wasm in the first load, for what these few lines do.

use chrono::{Datelike, NaiveDate};

/// The campaign's time zone offset: China Standard Time (UTC+8, no daylight saving).
/// Dates derived from event times (the day a problem was closed) are days in Chuxiong.
pub const CAMPAIGN_UTC_OFFSET_MS: i64 = 8 * 3_600_000;

/// The calendar day (in the campaign's time zone) of a time in ms since the Unix epoch.
pub fn date_of_ms(ms: u64) -> NaiveDate {
    // 1970-01-01 is day 719,163 counted from 0001-01-01 (day 1).
    const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
    let local = i64::try_from(ms).unwrap_or(i64::MAX - CAMPAIGN_UTC_OFFSET_MS) + CAMPAIGN_UTC_OFFSET_MS;
    let days = local.div_euclid(86_400_000) + UNIX_EPOCH_DAYS_FROM_CE;
    i32::try_from(days).ok().and_then(NaiveDate::from_num_days_from_ce_opt).unwrap_or(NaiveDate::MAX)
}

/// The first millisecond of a day in the campaign's time zone (inverse of [`date_of_ms`]).
pub fn day_start_ms(d: NaiveDate) -> u64 {
    const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
    let days = i64::from(d.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE;
    u64::try_from(days * 86_400_000 - CAMPAIGN_UTC_OFFSET_MS).unwrap_or(0)
}

/// A day typed by the user or taken from a file name: `YYYY-MM-DD` (the month and
/// the day of one or two digits), and the day must exist. Nothing else is accepted:
/// no sign, no spaces, no time.
pub fn parse_day(t: &str) -> Option<NaiveDate> {
    let mut parts = t.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, max: usize| (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || y.len() != 4 || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A day as `YYYYMMDD` (in file names).
pub fn compact_day(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// A moment (ms since the Unix epoch) as "YYYY-MM-DD HH:MM" in the campaign's time zone.
pub fn format_time_ms(ms: u64) -> String {
    let day = date_of_ms(ms);
    let local = i64::try_from(ms).unwrap_or(i64::MAX - CAMPAIGN_UTC_OFFSET_MS) + CAMPAIGN_UTC_OFFSET_MS;
    let minutes = local.rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02}", day, minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn times_are_shown_in_china_standard_time() {
        // 2020-03-04 16:30 UTC is 2020-03-05 00:30 in Chuxiong.
        let ms = day_start_ms(d(2020, 3, 5)) + 30 * 60_000;
        assert_eq!(format_time_ms(ms), "2020-03-05 00:30");
        assert_eq!(format_time_ms(ms + 14 * 3_600_000 + 5 * 60_000), "2020-03-05 14:35");
    }

    #[test]
    fn days_are_read_and_written_as_the_plan_writes_them() {
        assert_eq!(parse_day("2020-02-29"), Some(d(2020, 2, 29)));
        assert_eq!(parse_day("2020-5-1"), Some(d(2020, 5, 1)));
        for bad in [
            "2019-02-29",
            "2020-13-01",
            "2020-00-10",
            "20-01-01",
            "2020-01-01-",
            "+2020-01-01",
            "2020-01-01 ",
            " 2020-01-01",
            "2020-001-01",
            "２０２０-01-01",
            "2020/01/01",
            "",
            "昨天",
        ] {
            assert_eq!(parse_day(bad), None, "{bad:?}");
        }
        assert_eq!(d(2020, 6, 20).to_string(), "2020-06-20");
        assert_eq!(compact_day(d(2020, 6, 2)), "20200602");
    }

    proptest::proptest! {
        /// Every day of the years a campaign can name is written and read back.
        #[test]
        fn a_written_day_reads_back(n in 0i32..(366 * 200)) {
            let day = d(1950, 1, 1) + chrono::Days::new(n as u64);
            proptest::prop_assert_eq!(parse_day(&day.to_string()), Some(day));
            proptest::prop_assert_eq!(&day.to_string(), &day.format("%Y-%m-%d").to_string());
        }
    }
}
