//! Validation (校验) with typed errors. Every error a user can cause has a message
//! in their language that says what to do; the UI only displays it.

use super::i18n::{Field, Lang, UserMessage};
use super::model::Metric;
use chrono::NaiveDate;

/// Longest free text a single field accepts (a form field, a name, a note).
pub const MAX_TEXT: usize = 2000;
/// Longest name (county, target, person).
pub const MAX_NAME: usize = 100;

/// What is wrong with a value the user entered or a record being saved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    /// A required field is empty.
    #[error("{field} is required")]
    Required { field: Field },
    /// Text longer than the field allows.
    #[error("{field} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    /// A record refers to a county that does not exist (or was deleted).
    #[error("county {0} does not exist")]
    UnknownCounty(String),
    /// A record refers to a target that does not exist (or was deleted).
    #[error("target {0} does not exist")]
    UnknownTarget(String),
    /// A milestone refers to a phase that does not exist.
    #[error("phase {0} does not exist")]
    UnknownPhase(String),
    /// A figure was not a number.
    #[error("{0:?} is not a number")]
    NotANumber(String),
    /// A figure is below zero.
    #[error("figure {0} is negative")]
    NegativeFigure(f64),
    /// A head count with a fractional part.
    #[error("head count {0} is not a whole number")]
    NotWholePeople(f64),
    /// A percentage outside 0–100.
    #[error("percentage {0} is outside 0–100")]
    PercentOutOfRange(f64),
    /// A figure larger than any the campaign can have (more people than live in Yunnan's
    /// poor counties, many times over): a typo, a broken device or a forged file.
    #[error("figure {value} is above {max}")]
    FigureTooLarge { value: f64, max: f64 },
    /// A day outside the years any campaign record can fall in.
    #[error("{0} is outside {MIN_DAY}–{MAX_DAY}")]
    DateOutOfRange(NaiveDate),
    /// A date that is malformed or does not exist (e.g. 2020-02-30).
    #[error("{0:?} is not a real date (YYYY-MM-DD)")]
    InvalidDate(String),
    /// A period whose end precedes its start.
    #[error("the end date is before the start date")]
    EndBeforeStart,
    /// A campaign year that is not a year from 2000 to 2100.
    #[error("{0:?} is not a year from 2000 to 2100")]
    InvalidYear(String),
    /// A milestone that does not exist (or was deleted).
    #[error("milestone {0} does not exist")]
    UnknownMilestone(String),
    /// A county that targets or milestones still refer to.
    #[error("{0} records still refer to the county")]
    CountyInUse(usize),
    /// A phase that still holds milestones.
    #[error("the phase still holds {0} milestones")]
    PhaseInUse(usize),
    /// A month that is not `YYYY-MM`.
    #[error("{0:?} is not a month (YYYY-MM)")]
    InvalidMonth(String),
    /// A period of months whose last month precedes its first.
    #[error("the last month is before the first")]
    MonthsReversed,
    /// A monthly due day outside 1–31.
    #[error("{0:?} is not a day of the month")]
    InvalidDueDay(String),
    /// A reporting requirement that filings were recorded against.
    #[error("{0} filings were recorded against the requirement")]
    RequirementInUse(usize),
    /// A reporting requirement that does not exist (or was deleted).
    #[error("requirement {0} does not exist")]
    UnknownRequirement(String),
    /// The store holds no campaign record to edit.
    #[error("no campaign on this device")]
    NoCampaign,
    /// Two counties with the same name.
    #[error("a county named {0} already exists")]
    DuplicateCounty(String),
    /// A photo record whose field cannot be (`fieldwork::photo::record_problem`).
    #[error("photo record: {0} out of range")]
    PhotoRecord(&'static str),
}

impl UserMessage for ValidationError {
    fn message(&self, lang: Lang) -> String {
        ValidationError::message(self, lang)
    }
}

impl ValidationError {
    /// The message shown to the user: what is wrong and what to do.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Self::Required { field } => field.required_message(lang),
            Self::TooLong { field, max } => field.too_long_message(lang, *max),
            Self::UnknownCounty(_) => {
                if zh {
                    "所选县市不存在或已删除，请重新选择县市。".into()
                } else {
                    "The chosen county no longer exists; choose a county again.".into()
                }
            }
            Self::UnknownTarget(_) => {
                if zh {
                    "所选督战对象不存在或已删除，请重新选择。".into()
                } else {
                    "The chosen target no longer exists; choose again.".into()
                }
            }
            Self::UnknownPhase(_) => {
                if zh {
                    "所选阶段不存在，请重新选择阶段。".into()
                } else {
                    "The chosen phase does not exist; choose a phase again.".into()
                }
            }
            Self::NotANumber(s) => {
                if zh {
                    format!("“{s}”不是数字，请只输入数字，例如 3071 或 15.93。")
                } else {
                    format!("“{s}” is not a number; enter digits only, e.g. 3071 or 15.93.")
                }
            }
            Self::NegativeFigure(_) => {
                if zh {
                    "数值不能为负数，请输入0或正数。".into()
                } else {
                    "The figure cannot be negative; enter 0 or more.".into()
                }
            }
            Self::NotWholePeople(_) => {
                if zh {
                    "人数必须是整数，请去掉小数部分。".into()
                } else {
                    "A head count must be a whole number; remove the decimals.".into()
                }
            }
            Self::PercentOutOfRange(_) => {
                if zh {
                    "百分比必须在0到100之间，请检查后重新输入。".into()
                } else {
                    "A percentage must be between 0 and 100.".into()
                }
            }
            Self::FigureTooLarge { value, max } => {
                if zh {
                    format!("数值{}超出合理范围（不能超过{}），请检查是否多输了位数。", show(*value), show(*max))
                } else {
                    format!("{} is beyond any plausible figure (at most {}); check for extra digits.", show(*value), show(*max))
                }
            }
            Self::DateOutOfRange(d) => {
                if zh {
                    format!("日期{d}超出合理范围（{MIN_DAY}至{MAX_DAY}），请检查年份。")
                } else {
                    format!("{d} is outside {MIN_DAY} to {MAX_DAY}; check the year.")
                }
            }
            Self::InvalidDate(s) => {
                if zh {
                    format!("“{s}”不是有效日期，请按“年-月-日”填写真实日期，例如 2020-02-29。")
                } else {
                    format!("“{s}” is not a real date; use YYYY-MM-DD, e.g. 2020-02-29.")
                }
            }
            Self::EndBeforeStart => {
                if zh {
                    "结束日期早于开始日期，请调整日期。".into()
                } else {
                    "The end date is before the start date; adjust the dates.".into()
                }
            }
            Self::InvalidYear(s) => {
                if zh {
                    format!("“{s}”不是有效的年度，请填写四位数字的年份，例如 2021。")
                } else {
                    format!("“{s}” is not a valid year; enter four digits, e.g. 2021.")
                }
            }
            Self::UnknownMilestone(_) => {
                if zh {
                    "该时间节点不存在或已被删除（可能已在其他设备上删除），请刷新后重试。".into()
                } else {
                    "That milestone no longer exists (it may have been deleted on another device); reload and retry.".into()
                }
            }
            Self::CountyInUse(n) => {
                if zh {
                    format!("还有{n}个督战对象或时间节点属于该县市，不能删除。请先将它们改到其他县市或删除，再删除该县市。")
                } else {
                    format!("{n} targets or milestones still belong to this county; move or delete them first.")
                }
            }
            Self::PhaseInUse(n) => {
                if zh {
                    format!("该阶段还有{n}个时间节点，不能删除。请先删除或移走这些时间节点，再删除该阶段。")
                } else {
                    format!("This phase still holds {n} milestones; delete or move them first.")
                }
            }
            Self::InvalidMonth(s) => {
                if zh {
                    format!("“{s}”不是有效月份，请按“年-月”填写，例如 2021-02。")
                } else {
                    format!("“{s}” is not a month; use YYYY-MM, e.g. 2021-02.")
                }
            }
            Self::MonthsReversed => {
                if zh {
                    "结束月份早于起始月份，请调整月份。".into()
                } else {
                    "The last month is before the first; adjust the months.".into()
                }
            }
            Self::InvalidDueDay(s) => {
                if zh {
                    format!("“{s}”不是有效的每月截止日，请填写1到31之间的整数，例如 20（月份较短时为当月最后一天）。")
                } else {
                    format!("“{s}” is not a day of the month; enter 1 to 31, e.g. 20 (the month's last day when it is shorter).")
                }
            }
            Self::RequirementInUse(n) => {
                if zh {
                    format!("该报送事项已有{n}条报送登记，不能删除，以免登记记录失去依据。如不再需要，请修改其名称或截止日期。")
                } else {
                    format!("{n} filings were recorded for this requirement, so it cannot be deleted; edit its name or due date instead.")
                }
            }
            Self::UnknownRequirement(_) => {
                if zh {
                    "该报送事项不存在或已被删除（可能已在其他设备上删除），请刷新后重试。".into()
                } else {
                    "That requirement no longer exists (it may have been deleted on another device); reload and retry.".into()
                }
            }
            Self::NoCampaign => {
                if zh {
                    "本机当前没有工作方案，无法编辑方案信息。请先在“设置”中新建工作方案，或导入州扶贫办下发的完整数据包。".into()
                } else {
                    "There is no campaign on this device to edit. Start one in Settings or import the office's full bundle first.".into()
                }
            }
            Self::DuplicateCounty(n) => {
                if zh {
                    format!("已有名为“{n}”的县市，请使用其他名称。")
                } else {
                    format!("A county named “{n}” already exists; use another name.")
                }
            }
            Self::PhotoRecord(field) => {
                if zh {
                    format!("照片记录的数据不可能（{field}），请让发送方重新附加这张照片后再导出。")
                } else {
                    format!("The photo record's {field} cannot be; ask the sender to attach the photo again and export again.")
                }
            }
        }
    }
}

/// A figure for a message: whole numbers as such, anything huge or fractional short.
fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// The largest figure any record may hold: people (remaining poor, resettled) are
/// counted in thousands here, and Chuxiong prefecture has 2.7 million inhabitants.
pub const MAX_FIGURE: f64 = 10_000_000.0;
/// The earliest and latest day a record may carry.
pub const MIN_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
pub const MAX_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Checks that a day is within [`MIN_DAY`]–[`MAX_DAY`].
pub fn check_day(d: NaiveDate) -> Result<NaiveDate, ValidationError> {
    if (MIN_DAY..=MAX_DAY).contains(&d) {
        Ok(d)
    } else {
        Err(ValidationError::DateOutOfRange(d))
    }
}

/// Checks that a figure is a number from 0 to [`MAX_FIGURE`] (whatever its metric).
pub fn check_magnitude(v: f64) -> Result<(), ValidationError> {
    if !v.is_finite() {
        return Err(ValidationError::NotANumber(v.to_string()));
    }
    if v < 0.0 {
        return Err(ValidationError::NegativeFigure(v));
    }
    if v > MAX_FIGURE {
        return Err(ValidationError::FigureTooLarge { value: v, max: MAX_FIGURE });
    }
    Ok(())
}

/// Parses a date the user typed: `YYYY-MM-DD`, the date must exist and be within
/// [`MIN_DAY`]–[`MAX_DAY`].
pub fn parse_date(s: &str) -> Result<NaiveDate, ValidationError> {
    let t = s.trim();
    let d = crate::core::calendar::parse_day(t).ok_or_else(|| ValidationError::InvalidDate(t.to_owned()))?;
    check_day(d)
}

/// Parses a figure the user typed for a metric, checking its range.
pub fn parse_figure(metric: Metric, s: &str) -> Result<f64, ValidationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ValidationError::Required { field: Field::Value });
    }
    let v: f64 = t.parse().map_err(|_| ValidationError::NotANumber(t.to_owned()))?;
    if !v.is_finite() {
        return Err(ValidationError::NotANumber(t.to_owned()));
    }
    check_figure(metric, v)?;
    Ok(v)
}

/// Checks a figure's range for its metric.
pub fn check_figure(metric: Metric, v: f64) -> Result<(), ValidationError> {
    check_magnitude(v)?;
    match metric {
        Metric::IncidencePct if v > 100.0 => Err(ValidationError::PercentOutOfRange(v)),
        Metric::RemainingPoor | Metric::PeopleResettled if v.fract() != 0.0 => Err(ValidationError::NotWholePeople(v)),
        _ => Ok(()),
    }
}

/// Checks a required, bounded text field and returns it trimmed.
pub fn required_text(field: Field, s: &str, max: usize) -> Result<String, ValidationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ValidationError::Required { field });
    }
    optional_text(field, t, max)
}

/// Checks a bounded optional text field and returns it trimmed.
pub fn optional_text(field: Field, s: &str, max: usize) -> Result<String, ValidationError> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist() {
        assert!(parse_date("2020-02-29").is_ok());
        assert_eq!(parse_date("2019-02-29"), Err(ValidationError::InvalidDate("2019-02-29".into())));
        assert_eq!(parse_date("1990-01-01"), Ok(MIN_DAY));
        assert_eq!(parse_date("2100-12-31"), Ok(MAX_DAY));
        assert_eq!(parse_date("1989-12-31"), Err(ValidationError::DateOutOfRange(NaiveDate::from_ymd_opt(1989, 12, 31).unwrap())));
        assert_eq!(parse_date("2101-01-01"), Err(ValidationError::DateOutOfRange(NaiveDate::from_ymd_opt(2101, 1, 1).unwrap())));
        assert!(parse_date("2020-13-01").is_err());
        assert!(parse_date("昨天").is_err());
    }

    #[test]
    fn figures_are_checked_against_their_metric() {
        assert_eq!(parse_figure(Metric::RemainingPoor, " 3071 "), Ok(3071.0));
        assert_eq!(parse_figure(Metric::RemainingPoor, "-1"), Err(ValidationError::NegativeFigure(-1.0)));
        assert_eq!(parse_figure(Metric::RemainingPoor, "10.5"), Err(ValidationError::NotWholePeople(10.5)));
        assert_eq!(parse_figure(Metric::IncidencePct, "15.93"), Ok(15.93));
        assert_eq!(parse_figure(Metric::IncidencePct, "100.1"), Err(ValidationError::PercentOutOfRange(100.1)));
        // Values that cannot be: more people than the prefecture holds, many times over.
        assert_eq!(parse_figure(Metric::RemainingPoor, "10000000"), Ok(10_000_000.0));
        assert_eq!(parse_figure(Metric::RemainingPoor, "10000001"), Err(ValidationError::FigureTooLarge { value: 10_000_001.0, max: MAX_FIGURE }));
        assert!(matches!(parse_figure(Metric::PeopleResettled, "1.7e308"), Err(ValidationError::FigureTooLarge { .. })));
        assert!(ValidationError::FigureTooLarge { value: 1.7e308, max: MAX_FIGURE }.message(Lang::Zh).chars().count() < 80, "a huge value is shown short");
        assert!(matches!(parse_figure(Metric::PeopleResettled, "abc"), Err(ValidationError::NotANumber(_))));
        assert!(matches!(parse_figure(Metric::PeopleResettled, "NaN"), Err(ValidationError::NotANumber(_))));
        assert!(matches!(parse_figure(Metric::PeopleResettled, ""), Err(ValidationError::Required { .. })));
    }

    #[test]
    fn every_error_has_a_chinese_message_that_says_what_to_do() {
        let all = [
            ValidationError::Required { field: Field::Name },
            ValidationError::TooLong { field: Field::Name, max: 100 },
            ValidationError::UnknownCounty("x".into()),
            ValidationError::UnknownTarget("x".into()),
            ValidationError::UnknownPhase("x".into()),
            ValidationError::NotANumber("x".into()),
            ValidationError::NegativeFigure(-1.0),
            ValidationError::NotWholePeople(1.5),
            ValidationError::PercentOutOfRange(101.0),
            ValidationError::FigureTooLarge { value: 1.7e308, max: MAX_FIGURE },
            ValidationError::DateOutOfRange(NaiveDate::from_ymd_opt(2999, 1, 1).unwrap()),
            ValidationError::InvalidDate("x".into()),
            ValidationError::EndBeforeStart,
            ValidationError::DuplicateCounty("x".into()),
        ];
        for e in all {
            let m = e.message(Lang::Zh);
            assert!(m.contains('请'), "{m}");
            assert!(!e.message(Lang::En).is_empty());
        }
    }
}
