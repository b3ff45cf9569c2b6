//! Every field-work error a user can meet says, in Chinese, what to do (请…), and
//! has an English message too.

use duzhan::core::fieldwork::{FieldworkError, ProblemStatus};
use duzhan::core::i18n::{Field, Lang};

fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

/// One value of every variant. The exhaustive match makes a new variant fail to
/// compile here until it is added to the list.
fn all() -> Vec<FieldworkError> {
    use FieldworkError::*;
    let list = vec![
        Required { field: Field::Description },
        Required { field: Field::Verifier },
        Required { field: Field::Member },
        TooLong { field: Field::Findings, max: 10_000 },
        UnknownTarget("t".into()),
        UnknownChecklistItem("i".into()),
        UnknownVisit("v".into()),
        UnknownProblem("p".into()),
        InvalidDate("2020-02-30".into()),
        DateOutOfRange(d(2101, 1, 1)),
        DateInFuture { field: Field::VisitDate, date: d(2020, 7, 1), today: d(2020, 6, 1) },
        DeadlineBeforeOpened { deadline: d(2020, 4, 1), opened_on: d(2020, 5, 1) },
        TooManyHouseholds { given: 20_000, max: 2000 },
        NotACount { field: Field::Households, given: "12.5".into() },
        TooManyMembers { max: 50 },
        NoMembers,
        LatitudeOutOfRange(91.0),
        LongitudeOutOfRange(181.0),
        AccuracyOutOfRange(-1.0),
        AlreadySubmitted,
        NotAFailAnswer,
        ItemRetired("i".into()),
        DuplicateChecklistTitle("住房安全".into()),
        StaleTransition { recorded: ProblemStatus::Open, current: ProblemStatus::InProgress },
        IllegalTransition { from: ProblemStatus::Open, to: ProblemStatus::Closed },
        VerificationRequired { to: ProblemStatus::Closed },
        VerificationNotExpected { to: ProblemStatus::InProgress },
        VerificationFailedCannotClose,
        VerificationPassedCannotReopen,
    ];
    for e in &list {
        match e {
            Required { .. }
            | TooLong { .. }
            | UnknownTarget(_)
            | UnknownChecklistItem(_)
            | UnknownVisit(_)
            | UnknownProblem(_)
            | InvalidDate(_)
            | DateOutOfRange(_)
            | DateInFuture { .. }
            | DeadlineBeforeOpened { .. }
            | TooManyHouseholds { .. }
            | NotACount { .. }
            | TooManyMembers { .. }
            | NoMembers
            | LatitudeOutOfRange(_)
            | LongitudeOutOfRange(_)
            | AccuracyOutOfRange(_)
            | AlreadySubmitted
            | NotAFailAnswer
            | ItemRetired(_)
            | DuplicateChecklistTitle(_)
            | StaleTransition { .. }
            | IllegalTransition { .. }
            | VerificationRequired { .. }
            | VerificationNotExpected { .. }
            | VerificationFailedCannotClose
            | VerificationPassedCannotReopen => {}
        }
    }
    list
}

#[test]
fn every_error_has_a_chinese_message_that_says_what_to_do_and_an_english_one() {
    for e in all() {
        let zh = e.message(Lang::Zh);
        let en = e.message(Lang::En);
        assert!(zh.contains('请'), "{e:?}: {zh}");
        assert!(en.chars().any(|c| c.is_ascii_alphabetic()), "{e:?}: {en}");
        assert_ne!(zh, en);
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn messages_name_fields_and_statuses_in_the_users_words() {
    assert_eq!(FieldworkError::Required { field: Field::ResponsiblePerson }.message(Lang::Zh), "请填写“责任人”，该项不能为空。");
    let m = FieldworkError::IllegalTransition { from: ProblemStatus::Open, to: ProblemStatus::Closed }.message(Lang::Zh);
    assert!(m.contains("待整改") && m.contains("已销号"), "{m}");
    let m = FieldworkError::StaleTransition { recorded: ProblemStatus::AwaitingVerification, current: ProblemStatus::Closed }.message(Lang::Zh);
    assert!(m.contains("已销号") && m.contains("已整改待核验"), "{m}");
    let m = FieldworkError::VerificationRequired { to: ProblemStatus::Closed }.message(Lang::En);
    assert!(m.contains("Closed") && m.contains("verifier"), "{m}");
}

/// Golden messages: typing the field names changed no word a user reads (these
/// are the texts the per-module string tables produced before `Field`).
#[test]
fn field_names_in_messages_read_as_before() {
    use duzhan::core::report::ReportError;
    use duzhan::core::validate::ValidationError;
    assert_eq!(ValidationError::Required { field: Field::SquadName }.message(Lang::Zh), "请填写“小分队/用户名称”，该项不能为空。");
    assert_eq!(ValidationError::TooLong { field: Field::DocNo, max: 100 }.message(Lang::Zh), "“文号”过长，请缩短到100个字以内。");
    assert_eq!(
        FieldworkError::DateInFuture { field: Field::VisitDate, date: d(2020, 6, 4), today: d(2020, 6, 3) }.message(Lang::Zh),
        "“督战日期”2020-06-04晚于今天（2020-06-03），请填写实际发生的日期。"
    );
    assert_eq!(FieldworkError::Required { field: Field::HandledBy }.message(Lang::En), "Please fill in “handled by”; it cannot be empty.");
    assert_eq!(ReportError::Required { field: Field::Report }.message(Lang::Zh), "请填写“报告”后再提交。");
    assert_eq!(
        ReportError::TooLong { field: Field::FilingNote, max: 2000 }.message(Lang::En),
        "“Note” must be at most 2000 characters; shorten it and save again."
    );
    // Logs keep the field's code.
    assert_eq!(ValidationError::Required { field: Field::SquadName }.to_string(), "squad_name is required");
    assert_eq!(FieldworkError::NotACount { field: Field::Households, given: "x".into() }.to_string(), "\"x\" is not a whole number for households");
}
