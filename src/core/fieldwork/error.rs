//! Typed errors of field work (督战现场工作), each with a message in Chinese and
//! English that says what to do. The UI only displays [`FieldworkError::message`].
//!
//! Why a separate enum rather than new variants of `validate::ValidationError`:
//! field work is its own module with its own rules (the rectification workflow
//! above all), and keeping its errors here lets the module evolve without
//! touching the foundation's error type.

use super::problem::ProblemStatus;
use crate::core::i18n::{Field, Lang, UserMessage};
use chrono::NaiveDate;

/// What is wrong with a visit, an answer, a problem, a checklist edit or a
/// workflow transition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldworkError {
    /// A required field is empty.
    #[error("{field} is required")]
    Required { field: Field },
    /// Text longer than the field allows.
    #[error("{field} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    /// A record refers to a supervision target that does not exist (or was deleted).
    #[error("target {0} does not exist")]
    UnknownTarget(String),
    /// A record refers to a checklist item that does not exist (or was deleted).
    #[error("checklist item {0} does not exist")]
    UnknownChecklistItem(String),
    /// A record refers to a visit that does not exist (or was deleted).
    #[error("visit {0} does not exist")]
    UnknownVisit(String),
    /// A record refers to a problem that does not exist (or was deleted).
    #[error("problem {0} does not exist")]
    UnknownProblem(String),
    /// A typed date that is malformed or does not exist (e.g. 2020-02-30).
    #[error("{0:?} is not a real date (YYYY-MM-DD)")]
    InvalidDate(String),
    /// A day outside `validate::MIN_DAY`–`MAX_DAY`.
    #[error("{0} is outside the years a record can fall in")]
    DateOutOfRange(NaiveDate),
    /// A visit or a problem dated after today: things that happened cannot be in the future.
    #[error("{field} {date} is after today ({today})")]
    DateInFuture { field: Field, date: NaiveDate, today: NaiveDate },
    /// A rectification deadline before the day the problem was opened.
    #[error("deadline {deadline} is before the problem was opened ({opened_on})")]
    DeadlineBeforeOpened { deadline: NaiveDate, opened_on: NaiveDate },
    /// More households than one visit can plausibly cover (a typo, usually an extra digit).
    #[error("{given} households visited is more than {max}")]
    TooManyHouseholds { given: u32, max: u32 },
    /// A count typed into a form that is not a whole number of at least 0.
    #[error("{given:?} is not a whole number for {field}")]
    NotACount { field: Field, given: String },
    /// More squad members than a visit form takes.
    #[error("more than {max} members")]
    TooManyMembers { max: usize },
    /// A visit submitted without anyone named as having made it.
    #[error("a submitted visit needs at least one member")]
    NoMembers,
    /// Latitude outside −90…90 or not a number.
    #[error("latitude {0} is out of range")]
    LatitudeOutOfRange(f64),
    /// Longitude outside −180…180 or not a number.
    #[error("longitude {0} is out of range")]
    LongitudeOutOfRange(f64),
    /// GPS accuracy negative, not a number, or absurdly large.
    #[error("GPS accuracy {0} m is out of range")]
    AccuracyOutOfRange(f64),
    /// Submitting a visit that is already submitted.
    #[error("the visit is already submitted")]
    AlreadySubmitted,
    /// A problem can be prefilled only from a 未达标 answer.
    #[error("only a failed answer opens a problem")]
    NotAFailAnswer,
    /// A retired checklist item cannot be answered on a visit that has not answered it yet.
    #[error("checklist item {0} is retired")]
    ItemRetired(String),
    /// Two active items of one checklist group with the same title.
    #[error("an active item titled {0} already exists in this group")]
    DuplicateChecklistTitle(String),
    /// The transition was made from a status the problem is no longer in: someone
    /// else moved it first (or the history merged from another device says so).
    #[error("the transition starts from {recorded:?} but the problem is {current:?}")]
    StaleTransition { recorded: ProblemStatus, current: ProblemStatus },
    /// A transition the workflow does not have (e.g. 待整改 → 已销号).
    #[error("no transition from {from:?} to {to:?}")]
    IllegalTransition { from: ProblemStatus, to: ProblemStatus },
    /// Leaving 已整改待核验 requires a verification (closing or sending back).
    #[error("moving to {to:?} requires a verification")]
    VerificationRequired { to: ProblemStatus },
    /// A verification attached to a transition that is not a verification.
    #[error("moving to {to:?} takes no verification")]
    VerificationNotExpected { to: ProblemStatus },
    /// Closing (销号) with a verification that did not pass.
    #[error("a failed verification cannot close the problem")]
    VerificationFailedCannotClose,
    /// Sending back to 整改中 with a verification that passed.
    #[error("a passed verification closes the problem rather than sending it back")]
    VerificationPassedCannotReopen,
}

impl UserMessage for FieldworkError {
    fn message(&self, lang: Lang) -> String {
        FieldworkError::message(self, lang)
    }
}

impl FieldworkError {
    /// The message shown to the user: what is wrong and what to do.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Self::Required { field } => field.required_message(lang),
            Self::TooLong { field, max } => field.too_long_message(lang, *max),
            Self::UnknownTarget(_) => {
                if zh {
                    "所选督战对象不存在或已删除，请重新选择督战对象。".into()
                } else {
                    "The chosen target no longer exists; choose a target again.".into()
                }
            }
            Self::UnknownChecklistItem(_) => {
                if zh {
                    "所选检查项不存在或已删除，请重新选择检查项。".into()
                } else {
                    "The chosen checklist item no longer exists; choose an item again.".into()
                }
            }
            Self::UnknownVisit(_) => {
                if zh {
                    "关联的督战记录不存在或已删除，请重新选择或清空关联。".into()
                } else {
                    "The linked visit no longer exists; choose another or clear the link.".into()
                }
            }
            Self::UnknownProblem(_) => {
                if zh {
                    "该问题不存在或已删除，请返回台账重新选择。".into()
                } else {
                    "This problem no longer exists; go back to the ledger and choose again.".into()
                }
            }
            Self::InvalidDate(s) => {
                if zh {
                    format!("“{s}”不是有效日期，请按“年-月-日”填写真实日期，例如 2020-06-30。")
                } else {
                    format!("“{s}” is not a real date; use YYYY-MM-DD, e.g. 2020-06-30.")
                }
            }
            Self::DateOutOfRange(d) => {
                let (min, max) = (crate::core::validate::MIN_DAY, crate::core::validate::MAX_DAY);
                if zh {
                    format!("日期{d}超出合理范围（{min}至{max}），请检查年份。")
                } else {
                    format!("{d} is outside {min} to {max}; check the year.")
                }
            }
            Self::DateInFuture { field, date, today } => {
                if zh {
                    format!("“{}”{}晚于今天（{}），请填写实际发生的日期。", field.label(lang), date, today)
                } else {
                    format!("“{}” {date} is after today ({today}); enter the date it actually happened.", field.label(lang))
                }
            }
            Self::DeadlineBeforeOpened { deadline, opened_on } => {
                if zh {
                    format!("整改期限{deadline}早于问题发现日期{opened_on}，请重新填写整改期限。")
                } else {
                    format!("The deadline {deadline} is before the problem was opened ({opened_on}); set a later deadline.")
                }
            }
            Self::TooManyHouseholds { given, max } => {
                if zh {
                    format!("走访户数{given}超过单次督战上限{max}户，请核对户数（是否多输了一位）。")
                } else {
                    format!("{given} households is more than one visit can cover (max {max}); check the number.")
                }
            }
            Self::NotACount { field, given } => {
                if zh {
                    format!("“{}”应为0或正整数，“{given}”不是，请只填写数字。", field.label(lang))
                } else {
                    format!("“{}” must be a whole number of 0 or more, not “{given}”; enter digits only.", field.label(lang))
                }
            }
            Self::TooManyMembers { max } => {
                if zh {
                    format!("督战人员最多填写{max}人，请删去多余的人员。")
                } else {
                    format!("At most {max} members; remove the extra names.")
                }
            }
            Self::NoMembers => {
                if zh {
                    "请至少填写一名督战人员后再提交。".into()
                } else {
                    "Please name at least one member before submitting.".into()
                }
            }
            Self::LatitudeOutOfRange(_) => {
                if zh {
                    "纬度应在-90到90之间，请重新获取定位或清除定位。".into()
                } else {
                    "Latitude must be between −90 and 90; locate again or clear the position.".into()
                }
            }
            Self::LongitudeOutOfRange(_) => {
                if zh {
                    "经度应在-180到180之间，请重新获取定位或清除定位。".into()
                } else {
                    "Longitude must be between −180 and 180; locate again or clear the position.".into()
                }
            }
            Self::AccuracyOutOfRange(_) => {
                if zh {
                    "定位精度无效，请重新获取定位或清除定位。".into()
                } else {
                    "The position accuracy is invalid; locate again or clear the position.".into()
                }
            }
            Self::AlreadySubmitted => {
                if zh {
                    "该督战记录已提交，无需重复提交；如需更正请直接修改内容。".into()
                } else {
                    "This visit is already submitted; edit it directly to correct it.".into()
                }
            }
            Self::NotAFailAnswer => {
                if zh {
                    "只有“未达标”的检查项才能生成问题，请先将该项标为未达标。".into()
                } else {
                    "Only a “fail” answer opens a problem; mark the item as failed first.".into()
                }
            }
            Self::ItemRetired(_) => {
                if zh {
                    "该检查项已停用，请在当前清单中选择其他检查项。".into()
                } else {
                    "This checklist item is retired; choose an item of the current checklist.".into()
                }
            }
            Self::DuplicateChecklistTitle(t) => {
                if zh {
                    format!("本组已有名为“{t}”的检查项，请使用其他名称。")
                } else {
                    format!("This group already has an item named “{t}”; use another name.")
                }
            }
            Self::StaleTransition { recorded, current } => {
                if zh {
                    format!("该问题当前状态为“{}”，不是操作时的“{}”（可能已被他人处理），请按当前状态重新操作。", current.label(lang), recorded.label(lang))
                } else {
                    format!(
                        "The problem is now “{}”, not “{}” (someone else may have acted on it); act again from its current status.",
                        current.label(lang),
                        recorded.label(lang)
                    )
                }
            }
            Self::IllegalTransition { from, to } => {
                if zh {
                    format!("不能从“{}”直接改为“{}”，请按“待整改→整改中→已整改待核验→已销号”的顺序办理。", from.label(lang), to.label(lang))
                } else {
                    format!(
                        "A problem cannot go from “{}” to “{}”; follow open → in progress → awaiting verification → closed.",
                        from.label(lang),
                        to.label(lang)
                    )
                }
            }
            Self::VerificationRequired { to } => {
                if zh {
                    format!("改为“{}”需要核验，请填写核验人和核验结果。", to.label(lang))
                } else {
                    format!("Moving to “{}” needs a verification; enter the verifier and the result.", to.label(lang))
                }
            }
            Self::VerificationNotExpected { to } => {
                if zh {
                    format!("改为“{}”不需要核验，请清除核验信息后再保存。", to.label(lang))
                } else {
                    format!("Moving to “{}” takes no verification; clear the verification and save again.", to.label(lang))
                }
            }
            Self::VerificationFailedCannotClose => {
                if zh {
                    "核验未通过，不能销号，请改为退回“整改中”。".into()
                } else {
                    "The verification failed, so the problem cannot be closed; send it back to “in progress”.".into()
                }
            }
            Self::VerificationPassedCannotReopen => {
                if zh {
                    "核验已通过，请直接办理销号，而不是退回整改。".into()
                } else {
                    "The verification passed; close the problem instead of sending it back.".into()
                }
            }
        }
    }
}

/// Checks a required, bounded text field.
pub(crate) fn required(field: Field, s: &str, max: usize) -> Result<(), FieldworkError> {
    if s.trim().is_empty() {
        return Err(FieldworkError::Required { field });
    }
    bounded(field, s, max)
}

/// Checks a bounded optional text field (length counted in characters, as the user sees them).
pub(crate) fn bounded(field: Field, s: &str, max: usize) -> Result<(), FieldworkError> {
    if s.trim().chars().count() > max {
        return Err(FieldworkError::TooLong { field, max });
    }
    Ok(())
}

/// Parses a date the user typed (`YYYY-MM-DD`); the date must exist.
pub fn parse_date(s: &str) -> Result<NaiveDate, FieldworkError> {
    let t = s.trim();
    let d = crate::core::calendar::parse_day(t).ok_or_else(|| FieldworkError::InvalidDate(t.to_owned()))?;
    crate::core::validate::check_day(d).map_err(|_| FieldworkError::DateOutOfRange(d))
}
