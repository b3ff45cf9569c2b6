//! The campaign calendar (督战日历): China Standard Time (UTC+8, no daylight
//! saving), the campaign's only time zone. Every day the core reasons about (the
//! day a problem was closed, a report's month, "since a date" in an export) is a
//! day in Chuxiong, derived from a time in ms since the Unix epoch here and
//! nowhere else.

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

/// A moment (ms since the Unix epoch) as "YYYY-MM-DD HH:MM" in the campaign's time zone.
pub fn format_time_ms(ms: u64) -> String {
    let day = date_of_ms(ms);
    let local = i64::try_from(ms).unwrap_or(i64::MAX - CAMPAIGN_UTC_OFFSET_MS) + CAMPAIGN_UTC_OFFSET_MS;
    let minutes = local.rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02}", day.format("%Y-%m-%d"), minutes / 60, minutes % 60)
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
}
