//! What the field-work screens need beyond the records (表单与列表辅助): turning what
//! users type into records and back, time and GPS texts, the ledger's status tabs and
//! sort codes, and the window of a virtualised list.
//!
//! Why here and not in the components: these are rules (which separators split
//! member names, what an empty deadline means, which rows a scrolled list shows), so
//! they are pure functions tested natively, and the UI only calls them.

use super::error::{parse_date, FieldworkError};
use super::ledger::{LedgerSort, StatusCounts, StatusFilter};
use super::problem::{Problem, ProblemSource, ProblemStatus};
use super::snapshot::FieldSnapshot;
use super::visit::{problem_draft_from_answer, GpsFix, Visit, VisitMode, VisitStatus};
use crate::core::doc::RecordId;
use crate::core::i18n::{Field, Lang};
use chrono::NaiveDate;

/// Separators between member names in the members field: the Chinese enumeration
/// comma 、, full- and half-width commas and semicolons, and line breaks.
const MEMBER_SEPARATORS: [char; 7] = ['、', ',', '，', ';', '；', '\n', '\r'];

/// The names typed into the members field, trimmed, blanks dropped, in order.
pub fn parse_members(text: &str) -> Vec<String> {
    text.split(|c| MEMBER_SEPARATORS.contains(&c)).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The members field's text for stored names (the inverse of [`parse_members`] for
/// names without separators).
pub fn members_text(members: &[String]) -> String {
    members.join("、")
}

/// A count typed into a form: empty is 0; otherwise digits only (half- or
/// full-width), at most `u32::MAX`.
pub fn parse_count(field: Field, text: &str) -> Result<u32, FieldworkError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    // Full-width digits come from Chinese input methods.
    let ascii: String = t.chars().map(|c| if ('０'..='９').contains(&c) { char::from(b'0' + (c as u32 - '０' as u32) as u8) } else { c }).collect();
    if !ascii.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldworkError::NotACount { field, given: t.to_owned() });
    }
    ascii.parse::<u32>().map_err(|_| FieldworkError::NotACount { field, given: t.to_owned() })
}

/// A required date field (`YYYY-MM-DD`).
pub fn parse_required_date(field: Field, text: &str) -> Result<NaiveDate, FieldworkError> {
    if text.trim().is_empty() {
        return Err(FieldworkError::Required { field });
    }
    parse_date(text)
}

/// An optional date field: empty is `None`.
pub fn parse_optional_date(text: &str) -> Result<Option<NaiveDate>, FieldworkError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(text).map(Some)
    }
}

/// A date as forms show it.
pub fn date_text(d: NaiveDate) -> String {
    d.to_string()
}

/// What the visit form holds, as typed. Kept as text so a half-typed entry never
/// blocks the autosave of the other fields.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitForm {
    pub id: RecordId,
    pub target_id: RecordId,
    pub date: String,
    pub mode: VisitMode,
    pub members: String,
    pub households: String,
    pub findings: String,
    pub gps: Option<GpsFix>,
}

impl VisitForm {
    /// A new visit's form: today's date, the squad's routine mode, and the device's
    /// squad name as the first member.
    pub fn new(id: RecordId, target_id: RecordId, today: NaiveDate, squad_name: &str) -> Self {
        VisitForm {
            id,
            target_id,
            date: date_text(today),
            mode: VisitMode::SquadRoutine,
            members: squad_name.trim().to_owned(),
            households: String::new(),
            findings: String::new(),
            gps: None,
        }
    }

    pub fn from_visit(v: &Visit) -> Self {
        VisitForm {
            id: v.id.clone(),
            target_id: v.target_id.clone(),
            date: date_text(v.date),
            mode: v.mode,
            members: members_text(&v.members),
            households: if v.households_visited == 0 { String::new() } else { v.households_visited.to_string() },
            findings: v.findings.clone(),
            gps: v.gps.clone(),
        }
    }

    /// The visit record this form describes (as a draft: saving keeps the stored
    /// status, see `visit::stage_save_visit`).
    pub fn to_visit(&self) -> Result<Visit, FieldworkError> {
        if self.target_id.trim().is_empty() {
            return Err(FieldworkError::UnknownTarget(String::new()));
        }
        let mut v = Visit::new_draft(self.id.clone(), self.target_id.clone(), parse_required_date(Field::VisitDate, &self.date)?, self.mode);
        v.members = parse_members(&self.members);
        v.households_visited = parse_count(Field::Households, &self.households)?;
        v.findings = self.findings.clone();
        v.gps = self.gps.clone();
        v.status = VisitStatus::Draft;
        Ok(v)
    }
}

/// What the problem form holds, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemForm {
    pub target_id: RecordId,
    /// Empty: the problem concerns no checklist item.
    pub item_id: String,
    pub source: ProblemSource,
    pub description: String,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub deadline: String,
    pub opened_on: String,
    pub visit_id: Option<RecordId>,
}

impl ProblemForm {
    pub fn from_problem(p: &Problem) -> Self {
        ProblemForm {
            target_id: p.target_id.clone(),
            item_id: p.item_id.clone().unwrap_or_default(),
            source: p.source,
            description: p.description.clone(),
            responsible_unit: p.responsible_unit.clone(),
            responsible_person: p.responsible_person.clone(),
            deadline: p.deadline.map(date_text).unwrap_or_default(),
            opened_on: date_text(p.opened_on),
            visit_id: p.visit_id.clone(),
        }
    }

    /// The problem record with id `id` (validated further by `problem::stage_save_problem`).
    pub fn to_problem(&self, id: RecordId) -> Result<Problem, FieldworkError> {
        Ok(Problem {
            id,
            target_id: self.target_id.clone(),
            item_id: Some(self.item_id.trim().to_owned()).filter(|s| !s.is_empty()),
            source: self.source,
            description: self.description.clone(),
            responsible_unit: self.responsible_unit.clone(),
            responsible_person: self.responsible_person.clone(),
            deadline: parse_optional_date(&self.deadline)?,
            visit_id: self.visit_id.clone(),
            opened_on: parse_required_date(Field::OpenedOn, &self.opened_on)?,
        })
    }
}

/// The problem form prefilled from the 未达标 answer to `item_id` on `visit_id`.
pub fn prefill_from_answer(field: &FieldSnapshot, visit_id: &str, item_id: &str) -> Result<ProblemForm, FieldworkError> {
    let visit = field.visit(visit_id).ok_or_else(|| FieldworkError::UnknownVisit(visit_id.to_owned()))?;
    let answer = field.answers_of(visit_id).iter().find(|a| a.item_id == item_id).ok_or(FieldworkError::NotAFailAnswer)?;
    let p = problem_draft_from_answer(visit, answer, field.item(item_id), String::new())?;
    Ok(ProblemForm::from_problem(&p))
}

/// A blank problem form at a target (source 督战发现, opened today).
pub fn blank_problem(target_id: &str, today: NaiveDate) -> ProblemForm {
    ProblemForm {
        target_id: target_id.to_owned(),
        item_id: String::new(),
        source: ProblemSource::Supervision,
        description: String::new(),
        responsible_unit: String::new(),
        responsible_person: String::new(),
        deadline: String::new(),
        opened_on: date_text(today),
        visit_id: None,
    }
}

/// The button text of a workflow transition (what the user does, not where it lands).
pub fn transition_label(from: ProblemStatus, to: ProblemStatus, lang: Lang) -> &'static str {
    use ProblemStatus::*;
    match (from, to, lang) {
        (Open, InProgress, Lang::Zh) => "开始整改",
        (Open, InProgress, Lang::En) => "Start rectification",
        (InProgress, AwaitingVerification, Lang::Zh) => "整改完成，申请核验",
        (InProgress, AwaitingVerification, Lang::En) => "Rectified: request verification",
        (AwaitingVerification, Closed, Lang::Zh) => "核验通过，销号",
        (AwaitingVerification, Closed, Lang::En) => "Verified: close",
        (AwaitingVerification, InProgress, Lang::Zh) => "核验未通过，退回整改",
        (AwaitingVerification, InProgress, Lang::En) => "Verification failed: send back",
        (_, to, lang) => to.label(lang),
    }
}

/// Whether a transition is a verification (核验): leaving 已整改待核验.
pub fn is_verification(from: ProblemStatus) -> bool {
    from == ProblemStatus::AwaitingVerification
}

/// Why the browser gave no position. Never blocks the visit: GPS is optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpsError {
    /// The user (or the browser's settings) refused location access.
    PermissionDenied,
    /// No fix could be obtained (no satellites indoors, location services off).
    Unavailable,
    /// No fix within the time allowed.
    Timeout,
    /// The browser has no geolocation at all.
    Unsupported,
}

impl GpsError {
    /// From the `GeolocationPositionError.code` the browser reports (1, 2, 3).
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Self::PermissionDenied,
            3 => Self::Timeout,
            _ => Self::Unavailable,
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::PermissionDenied, Lang::Zh) => "未获得定位权限：请在浏览器设置中允许本页面使用位置信息后重试；不定位也可以保存督战记录。",
            (Self::PermissionDenied, Lang::En) => {
                "Location permission denied: allow this page to use your location in the browser settings and try again; the visit saves without it."
            }
            (Self::Unavailable, Lang::Zh) => "暂时无法获取位置：请到室外或打开设备定位服务后重试；不定位也可以保存督战记录。",
            (Self::Unavailable, Lang::En) => "No position available: go outdoors or turn on location services and try again; the visit saves without it.",
            (Self::Timeout, Lang::Zh) => "定位超时：请稍后重试；不定位也可以保存督战记录。",
            (Self::Timeout, Lang::En) => "Locating timed out: try again later; the visit saves without it.",
            (Self::Unsupported, Lang::Zh) => "此浏览器不支持定位；不定位也可以保存督战记录。",
            (Self::Unsupported, Lang::En) => "This browser cannot locate; the visit saves without it.",
        }
    }
}

/// A position as the visit form shows it: "25.03112, 101.52340（精度 ±12 米）".
pub fn gps_text(fix: &GpsFix, lang: Lang) -> String {
    let acc = fix.accuracy_m.round();
    match lang {
        Lang::Zh => format!("{:.5}, {:.5}（精度 ±{acc} 米）", fix.lat, fix.lon),
        Lang::En => format!("{:.5}, {:.5} (accuracy ±{acc} m)", fix.lat, fix.lon),
    }
}

/// The ledger's status tabs, in order.
pub const STATUS_TABS: [StatusFilter; 6] = [
    StatusFilter::All,
    StatusFilter::Unclosed,
    StatusFilter::Only(ProblemStatus::Open),
    StatusFilter::Only(ProblemStatus::InProgress),
    StatusFilter::Only(ProblemStatus::AwaitingVerification),
    StatusFilter::Only(ProblemStatus::Closed),
];

/// The stable code of a status filter (URLs and test ids).
pub fn status_filter_code(f: StatusFilter) -> &'static str {
    match f {
        StatusFilter::All => "all",
        StatusFilter::Unclosed => "unclosed",
        StatusFilter::Only(s) => s.code(),
    }
}

pub fn status_filter_from_code(s: &str) -> Option<StatusFilter> {
    STATUS_TABS.into_iter().find(|f| status_filter_code(*f) == s)
}

pub fn status_filter_label(f: StatusFilter, lang: Lang) -> &'static str {
    match (f, lang) {
        (StatusFilter::All, Lang::Zh) => "全部",
        (StatusFilter::All, Lang::En) => "All",
        (StatusFilter::Unclosed, Lang::Zh) => "未销号",
        (StatusFilter::Unclosed, Lang::En) => "Not closed",
        (StatusFilter::Only(s), lang) => s.label(lang),
    }
}

/// How many problems a status tab holds (from counts that ignore the status filter).
pub fn status_tab_count(c: &StatusCounts, f: StatusFilter) -> usize {
    match f {
        StatusFilter::All => c.total(),
        StatusFilter::Unclosed => c.unclosed(),
        StatusFilter::Only(s) => c.get(s),
    }
}

/// The ledger's sort orders, in the order the sort menu lists them.
pub const SORTS: [LedgerSort; 4] = [LedgerSort::Deadline, LedgerSort::Opened, LedgerSort::Target, LedgerSort::Status];

pub fn sort_code(s: LedgerSort) -> &'static str {
    match s {
        LedgerSort::Deadline => "deadline",
        LedgerSort::Opened => "opened",
        LedgerSort::Target => "target",
        LedgerSort::Status => "status",
    }
}

pub fn sort_from_code(s: &str) -> Option<LedgerSort> {
    SORTS.into_iter().find(|x| sort_code(*x) == s)
}

pub fn sort_label(s: LedgerSort, lang: Lang) -> &'static str {
    match (s, lang) {
        (LedgerSort::Deadline, Lang::Zh) => "按整改期限",
        (LedgerSort::Deadline, Lang::En) => "By deadline",
        (LedgerSort::Opened, Lang::Zh) => "按发现日期",
        (LedgerSort::Opened, Lang::En) => "By date found",
        (LedgerSort::Target, Lang::Zh) => "按督战对象",
        (LedgerSort::Target, Lang::En) => "By target",
        (LedgerSort::Status, Lang::Zh) => "按整改状态",
        (LedgerSort::Status, Lang::En) => "By status",
    }
}

/// Which rows of a virtualised list to render, and the heights standing in for the
/// rest above and below.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ListWindow {
    /// First rendered row.
    pub start: usize,
    /// One past the last rendered row.
    pub end: usize,
    /// Height of the spacer above the rendered rows, px.
    pub pad_top: f64,
    /// Height of the spacer below, px.
    pub pad_bottom: f64,
}

impl ListWindow {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The rows of a list of `total` rows of fixed height `row_h` that a viewport of
/// height `viewport` scrolled to `scroll_top` shows, plus `overscan` rows either
/// side (so a fast flick shows rows, not blank space, before the next render).
pub fn list_window(scroll_top: f64, viewport: f64, row_h: f64, total: usize, overscan: usize) -> ListWindow {
    if total == 0 || !row_h.is_finite() || row_h <= 0.0 {
        return ListWindow::default();
    }
    let top = if scroll_top.is_finite() { scroll_top.max(0.0) } else { 0.0 };
    let height = if viewport.is_finite() { viewport.max(0.0) } else { 0.0 };
    let first = ((top / row_h).floor() as usize).min(total.saturating_sub(1));
    let visible = (height / row_h).ceil() as usize + 1;
    let start = first.saturating_sub(overscan);
    let end = first.saturating_add(visible).saturating_add(overscan).min(total);
    ListWindow { start, end, pad_top: start as f64 * row_h, pad_bottom: (total - end) as f64 * row_h }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn members_split_on_every_common_separator_and_join_back() {
        assert_eq!(parse_members(" 李明、王芳，张三,赵四；\n钱五; "), ["李明", "王芳", "张三", "赵四", "钱五"]);
        assert!(parse_members(" 、 ,").is_empty());
        let names = vec!["李明".to_owned(), "王芳".to_owned()];
        assert_eq!(parse_members(&members_text(&names)), names);
    }

    #[test]
    fn counts_accept_digits_and_empty_and_refuse_the_rest() {
        assert_eq!(parse_count(Field::Households, ""), Ok(0));
        assert_eq!(parse_count(Field::Households, " 12 "), Ok(12));
        assert_eq!(parse_count(Field::Households, "１２"), Ok(12));
        for bad in ["12.5", "-3", "abc", "99999999999"] {
            assert!(matches!(parse_count(Field::Households, bad), Err(FieldworkError::NotACount { field: Field::Households, .. })), "{bad}");
        }
    }

    #[test]
    fn dates_required_and_optional() {
        assert_eq!(parse_required_date(Field::VisitDate, ""), Err(FieldworkError::Required { field: Field::VisitDate }));
        assert_eq!(parse_required_date(Field::VisitDate, "2020-03-05"), Ok(d(2020, 3, 5)));
        assert!(matches!(parse_required_date(Field::VisitDate, "2020-02-30"), Err(FieldworkError::InvalidDate(_))));
        assert_eq!(parse_optional_date("  "), Ok(None));
        assert_eq!(parse_optional_date("2020-06-30"), Ok(Some(d(2020, 6, 30))));
    }

    #[test]
    fn a_visit_form_round_trips_and_reports_what_is_wrong() {
        let mut f = VisitForm::new("v1".into(), "t1".into(), d(2020, 3, 5), " 武定一组 ");
        assert_eq!(f.members, "武定一组");
        f.members = "李明、王芳".into();
        f.households = "12".into();
        f.findings = "总体良好".into();
        f.gps = Some(GpsFix { lat: 25.1, lon: 101.5, accuracy_m: 12.0 });
        let v = f.to_visit().expect("valid");
        assert_eq!(v.members, ["李明", "王芳"]);
        assert_eq!(v.households_visited, 12);
        assert_eq!(VisitForm::from_visit(&v), f);
        f.households = "十二".into();
        assert!(matches!(f.to_visit(), Err(FieldworkError::NotACount { .. })));
        f.households = String::new();
        f.date = String::new();
        assert_eq!(f.to_visit(), Err(FieldworkError::Required { field: Field::VisitDate }));
    }

    #[test]
    fn a_problem_form_round_trips_with_optional_item_and_deadline() {
        let mut f = blank_problem("t1", d(2020, 3, 5));
        f.description = "3户危房".into();
        let p = f.to_problem("p1".into()).expect("valid");
        assert_eq!((p.item_id.clone(), p.deadline, p.opened_on), (None, None, d(2020, 3, 5)));
        assert_eq!(ProblemForm::from_problem(&p), f);
        f.item_id = "seed-ck-housing".into();
        f.deadline = "2020-04-30".into();
        let p = f.to_problem("p1".into()).expect("valid");
        assert_eq!((p.item_id.as_deref(), p.deadline), (Some("seed-ck-housing"), Some(d(2020, 4, 30))));
        f.deadline = "2020-04-31".into();
        assert!(matches!(f.to_problem("p1".into()), Err(FieldworkError::InvalidDate(_))));
    }

    #[test]
    fn status_and_sort_codes_round_trip() {
        for f in STATUS_TABS {
            assert_eq!(status_filter_from_code(status_filter_code(f)), Some(f));
            assert!(!status_filter_label(f, Lang::Zh).is_empty());
        }
        for s in SORTS {
            assert_eq!(sort_from_code(sort_code(s)), Some(s));
        }
        assert_eq!(status_filter_from_code("bogus"), None);
        let c = StatusCounts { open: 1, in_progress: 2, awaiting_verification: 3, closed: 4 };
        let counts: Vec<usize> = STATUS_TABS.iter().map(|f| status_tab_count(&c, *f)).collect();
        assert_eq!(counts, [10, 6, 1, 2, 3, 4]);
    }

    #[test]
    fn the_list_window_covers_the_viewport_plus_overscan_and_the_spacers_fill_the_rest() {
        let w = list_window(0.0, 640.0, 64.0, 100_000, 5);
        assert_eq!((w.start, w.end, w.pad_top), (0, 16, 0.0));
        assert_eq!(w.pad_bottom, (100_000 - 16) as f64 * 64.0);
        let w = list_window(64.0 * 50_000.0 + 10.0, 640.0, 64.0, 100_000, 5);
        assert_eq!((w.start, w.end), (49_995, 50_016));
        assert_eq!(w.pad_top + w.len() as f64 * 64.0 + w.pad_bottom, 100_000.0 * 64.0);
        // Scrolled past the end (the list shrank): the last rows, never an empty window.
        let w = list_window(1e9, 640.0, 64.0, 30, 5);
        assert!(w.end == 30 && w.start < 30);
        assert_eq!(list_window(0.0, 640.0, 64.0, 0, 5), ListWindow::default());
        assert_eq!(list_window(f64::NAN, f64::NAN, 64.0, 10, 2), ListWindow { start: 0, end: 3, pad_top: 0.0, pad_bottom: 7.0 * 64.0 });
    }

    #[test]
    fn gps_texts_and_errors() {
        let f = GpsFix { lat: 25.031_123, lon: 101.523_4, accuracy_m: 11.6 };
        assert_eq!(gps_text(&f, Lang::Zh), "25.03112, 101.52340（精度 ±12 米）");
        assert_eq!(GpsError::from_code(1), GpsError::PermissionDenied);
        assert_eq!(GpsError::from_code(3), GpsError::Timeout);
        assert!(GpsError::PermissionDenied.message(Lang::Zh).contains("权限"));
    }
}
