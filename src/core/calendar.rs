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

/// Reads a stored or received day (`YYYY-MM-DD`) through [`parse_day`], for
/// `#[serde(deserialize_with)]`: chrono's own `Deserialize` goes through its general
/// format parser, which would weigh on the first load (docs/performance.md). Written
/// days are chrono's `Display`, which this reads back.
pub fn de_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    parse_day(&s).ok_or_else(|| serde::de::Error::custom(format_args!("not a day (YYYY-MM-DD): {}", short(&s))))
}

/// [`de_day`] for an optional day (`null` or absent: `None`; the field needs
/// `#[serde(default)]`).
pub fn de_opt_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match <Option<std::borrow::Cow<'de, str>> as serde::Deserialize>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_day(&s).map(Some).ok_or_else(|| serde::de::Error::custom(format_args!("not a day (YYYY-MM-DD): {}", short(&s)))),
    }
}

/// At most 40 characters of a value, for an error message.
fn short(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
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

    #[test]
    fn stored_days_are_read_back_without_chronos_parser_and_as_strictly_as_typed_ones() {
        #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
        struct R {
            #[serde(deserialize_with = "super::de_day")]
            d: NaiveDate,
            #[serde(default, deserialize_with = "super::de_opt_day")]
            o: Option<NaiveDate>,
        }
        let day = NaiveDate::from_ymd_opt(2020, 3, 15).unwrap();
        let written = serde_json::to_string(&R { d: day, o: Some(day) }).unwrap();
        assert_eq!(written, r#"{"d":"2020-03-15","o":"2020-03-15"}"#, "chrono's Display writes them");
        assert_eq!(serde_json::from_str::<R>(&written).unwrap(), R { d: day, o: Some(day) });
        assert_eq!(serde_json::from_str::<R>(r#"{"d":"2020-03-15","o":null}"#).unwrap().o, None);
        assert_eq!(serde_json::from_str::<R>(r#"{"d":"2020-03-15"}"#).unwrap().o, None);
        let v = serde_json::json!({"d": "2020-03-15", "o": "2020-3-5"});
        assert_eq!(serde_json::from_value::<R>(v).unwrap().o, NaiveDate::from_ymd_opt(2020, 3, 5), "from a JSON value too");
        for bad in ["2020-02-30", "+2020-03-15", "2020-03-15T00:00:00", " 2020-03-15", "20200315", "", "2020-03-15-1"] {
            let e = serde_json::from_str::<R>(&format!(r#"{{"d":"{bad}"}}"#)).unwrap_err().to_string();
            assert!(e.contains("not a day"), "{bad}: {e}");
        }
        assert!(serde_json::from_str::<R>(r#"{"d":20200315}"#).is_err());
    }
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
