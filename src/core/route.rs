//! Views and their addresses (路由). The app lives in the URL's fragment
//! (`#/targets/…`), so `dist/` works from any sub-path of any static server with
//! no rewrite rules, and a reload lands on the same view.

use super::fieldwork::form::{sort_code, sort_from_code, status_filter_code, status_filter_from_code};
use super::fieldwork::ledger::{LedgerFilter, LedgerQuery, StatusFilter};
use super::fieldwork::ProblemSource;
use super::model::{Level, TargetKind};
use super::report::{Month, Subject};
use super::snapshot::TargetFilter;

/// The views whose code loads together on first use (see [`Route::code_group`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeGroup {
    /// Targets, the ledger, problems and visits: the field work.
    Field,
    /// Monthly reports, the roll-up and the dashboard.
    Reports,
    /// Data exchange (bundles in and out).
    Exchange,
    /// Plan upkeep: milestones, the checklist, settings.
    Plan,
}

impl CodeGroup {
    pub const ALL: [CodeGroup; 4] = [CodeGroup::Field, CodeGroup::Reports, CodeGroup::Exchange, CodeGroup::Plan];
}

#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// 督战表 (the home view).
    Table,
    Targets(TargetFilter),
    NewTarget,
    Target(String),
    Milestones,
    Settings,
    /// 台账: the problem ledger, its filters, sort and search in the query
    /// (`#/ledger?status=open&q=…`), so a reload keeps them.
    Ledger(LedgerQuery),
    /// One problem (`#/problems/<id>`).
    Problem(String),
    /// A new problem (`#/problems/new?target=<id>&answer=<visit>~<item>`).
    NewProblem(NewProblem),
    /// One visit (`#/visits/<id>`), draft or submitted.
    Visit(String),
    /// A new visit (`#/visits/new?target=<id>`); it gets its own address once autosaved.
    NewVisit {
        target: Option<String>,
    },
    /// The checklist editor (`#/checklist`).
    Checklist,
    /// 数据交换: export and import bundles (`#/sync`).
    Sync,
    /// Who has reported for a month (`#/reports?month=2020-03`; no month: the default month).
    Reports(Option<Month>),
    /// One subject's report for a month (`#/reports/target/<id>/2020-03`).
    Report {
        subject: Subject,
        month: Month,
    },
    /// A month's roll-up: the prefecture's (`#/rollup/2020-03`) or a county's (`#/rollup/2020-03/<county>`).
    Rollup {
        month: Month,
        county: Option<String>,
    },
    /// The dashboard's charts (`#/dashboard`).
    Dashboard,
    NotFound(String),
}

/// Where a new problem comes from: a target, and possibly the 未达标 answer it is
/// prefilled from (visit id, checklist item id).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewProblem {
    pub target: Option<String>,
    pub answer: Option<(String, String)>,
}

impl Route {
    /// Parses `location.hash` (with or without the leading `#`).
    pub fn parse(hash: &str) -> Route {
        let h = hash.trim_start_matches('#');
        let h = h.trim_start_matches('/');
        let (path, query) = h.split_once('?').unwrap_or((h, ""));
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [] | ["table"] => Route::Table,
            ["targets"] => Route::Targets(parse_filter(query)),
            ["targets", "new"] => Route::NewTarget,
            ["targets", id] if valid_id(id) => Route::Target((*id).to_owned()),
            ["milestones"] => Route::Milestones,
            ["settings"] => Route::Settings,
            ["sync"] => Route::Sync,
            ["ledger"] => Route::Ledger(parse_ledger(query)),
            ["problems", "new"] => Route::NewProblem(parse_new_problem(query)),
            ["problems", id] if valid_id(id) => Route::Problem((*id).to_owned()),
            ["visits", "new"] => Route::NewVisit { target: param(query, "target").filter(|v| valid_id(v)) },
            ["visits", id] if valid_id(id) => Route::Visit((*id).to_owned()),
            ["checklist"] => Route::Checklist,
            ["reports"] => Route::Reports(param(query, "month").and_then(|m| Month::parse(&m))),
            ["reports", kind, id, month] if valid_id(id) => match (Subject::from_parts(kind, id), Month::parse(month)) {
                (Some(subject), Some(month)) => Route::Report { subject, month },
                _ => Route::NotFound(h.to_owned()),
            },
            ["rollup", month] => Month::parse(month).map_or_else(|| Route::NotFound(h.to_owned()), |month| Route::Rollup { month, county: None }),
            ["rollup", month, county] if valid_id(county) => {
                Month::parse(month).map_or_else(|| Route::NotFound(h.to_owned()), |month| Route::Rollup { month, county: Some((*county).to_owned()) })
            }
            ["dashboard"] => Route::Dashboard,
            _ => Route::NotFound(h.to_owned()),
        }
    }

    /// Whether the view shows field records (visits, answers, problems, events) or
    /// works on all records (data exchange): it waits until every stored record is
    /// read after a cold start. The ledger shows its own progress instead.
    pub fn needs_records(&self) -> bool {
        matches!(
            self,
            Route::Sync
                | Route::Problem(_)
                | Route::NewProblem(_)
                | Route::Visit(_)
                | Route::NewVisit { .. }
                | Route::Report { .. }
                | Route::Rollup { .. }
                | Route::Dashboard
        )
    }

    /// Which part of the app's code shows the view (code splitting, `ui::split`):
    /// `None` for the first load (the 督战表 and the not-found page), else the split
    /// group whose code is fetched on first use.
    pub fn code_group(&self) -> Option<CodeGroup> {
        Some(match self {
            Route::Table | Route::NotFound(_) => return None,
            Route::Targets(_)
            | Route::NewTarget
            | Route::Target(_)
            | Route::Ledger(_)
            | Route::Problem(_)
            | Route::NewProblem(_)
            | Route::Visit(_)
            | Route::NewVisit { .. } => CodeGroup::Field,
            Route::Reports(_) | Route::Report { .. } | Route::Rollup { .. } | Route::Dashboard => CodeGroup::Reports,
            Route::Sync => CodeGroup::Exchange,
            Route::Milestones | Route::Checklist | Route::Settings => CodeGroup::Plan,
        })
    }

    /// Whether two routes belong to the same navigation section (a target's page is
    /// part of the targets section).
    pub fn same_section(&self, other: &Route) -> bool {
        fn section(r: &Route) -> u8 {
            match r {
                Route::Table => 0,
                // A visit is made at a target: it belongs to the targets section.
                Route::Targets(_) | Route::NewTarget | Route::Target(_) | Route::Visit(_) | Route::NewVisit { .. } => 1,
                Route::Milestones => 2,
                Route::Settings | Route::Checklist => 3,
                Route::NotFound(_) => 4,
                Route::Ledger(_) | Route::Problem(_) | Route::NewProblem(_) => 5,
                Route::Sync => 6,
                Route::Reports(_) | Route::Report { .. } | Route::Rollup { .. } => 7,
                Route::Dashboard => 8,
            }
        }
        section(self) == section(other)
    }

    /// The fragment for a route, starting with `#/`.
    pub fn to_hash(&self) -> String {
        match self {
            Route::Table => "#/table".into(),
            Route::Targets(f) => {
                let mut q = Vec::new();
                if let Some(c) = &f.county {
                    q.push(format!("county={c}"));
                }
                if let Some(k) = f.kind {
                    q.push(format!("kind={}", k.code()));
                }
                if let Some(l) = f.level {
                    q.push(format!("level={}", l.code()));
                }
                if q.is_empty() {
                    "#/targets".into()
                } else {
                    format!("#/targets?{}", q.join("&"))
                }
            }
            Route::NewTarget => "#/targets/new".into(),
            Route::Target(id) => format!("#/targets/{id}"),
            Route::Milestones => "#/milestones".into(),
            Route::Settings => "#/settings".into(),
            Route::Sync => "#/sync".into(),
            Route::Ledger(q) => with_query("#/ledger", ledger_params(q)),
            Route::Problem(id) => format!("#/problems/{id}"),
            Route::NewProblem(np) => {
                let mut q = Vec::new();
                if let Some(t) = &np.target {
                    q.push(format!("target={t}"));
                }
                if let Some((v, i)) = &np.answer {
                    q.push(format!("answer={v}~{i}"));
                }
                with_query("#/problems/new", q)
            }
            Route::Visit(id) => format!("#/visits/{id}"),
            Route::NewVisit { target } => with_query("#/visits/new", target.iter().map(|t| format!("target={t}")).collect()),
            Route::Checklist => "#/checklist".into(),
            Route::Reports(None) => "#/reports".into(),
            Route::Reports(Some(m)) => format!("#/reports?month={m}"),
            Route::Report { subject, month } => format!("#/reports/{}/{}/{month}", subject.code(), subject.id()),
            Route::Rollup { month, county: None } => format!("#/rollup/{month}"),
            Route::Rollup { month, county: Some(c) } => format!("#/rollup/{month}/{c}"),
            Route::Dashboard => "#/dashboard".into(),
            Route::NotFound(s) => format!("#/{s}"),
        }
    }
}

fn with_query(path: &str, q: Vec<String>) -> String {
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

/// The value of a query parameter, percent-decoded.
fn param(query: &str, key: &str) -> Option<String> {
    query.split('&').filter_map(|p| p.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| decode_component(v))
}

/// Longest search text kept in the address (more is cut, never refused).
const MAX_SEARCH: usize = 200;

fn ledger_params(q: &LedgerQuery) -> Vec<String> {
    let f = &q.filter;
    let mut out = Vec::new();
    if let Some(c) = &f.county {
        out.push(format!("county={c}"));
    }
    if let Some(t) = &f.target {
        out.push(format!("target={t}"));
    }
    if f.status != StatusFilter::All {
        out.push(format!("status={}", status_filter_code(f.status)));
    }
    if let Some(s) = f.source {
        out.push(format!("source={}", s.code()));
    }
    if let Some(i) = &f.item {
        out.push(format!("item={i}"));
    }
    for (on, key) in [(f.overdue, "overdue"), (f.without_owner, "no_action"), (f.recurrence, "recurrence"), (f.history_conflict, "conflict")] {
        if on {
            out.push(format!("{key}=1"));
        }
    }
    if q.sort != Default::default() {
        out.push(format!("sort={}", sort_code(q.sort)));
    }
    if q.descending {
        out.push("desc=1".to_owned());
    }
    if !q.search.is_empty() {
        out.push(format!("q={}", encode_component(&q.search)));
    }
    out
}

fn parse_ledger(query: &str) -> LedgerQuery {
    let mut q = LedgerQuery { filter: LedgerFilter::default(), ..Default::default() };
    for pair in query.split('&') {
        let Some((k, v)) = pair.split_once('=') else { continue };
        let f = &mut q.filter;
        match k {
            "county" if valid_id(v) => f.county = Some(v.to_owned()),
            "target" if valid_id(v) => f.target = Some(v.to_owned()),
            "status" => f.status = status_filter_from_code(v).unwrap_or_default(),
            "source" => f.source = ProblemSource::from_code(v),
            "item" if valid_id(v) => f.item = Some(v.to_owned()),
            "overdue" => f.overdue = v == "1",
            "no_action" => f.without_owner = v == "1",
            "recurrence" => f.recurrence = v == "1",
            "conflict" => f.history_conflict = v == "1",
            "sort" => q.sort = sort_from_code(v).unwrap_or_default(),
            "desc" => q.descending = v == "1",
            "q" => q.search = decode_component(v).chars().take(MAX_SEARCH).collect(),
            _ => {}
        }
    }
    q
}

fn parse_new_problem(query: &str) -> NewProblem {
    let answer = param(query, "answer").and_then(|a| {
        let (v, i) = a.split_once('~')?;
        (valid_id(v) && valid_id(i)).then(|| (v.to_owned(), i.to_owned()))
    });
    NewProblem { target: param(query, "target").filter(|t| valid_id(t)), answer }
}

/// Percent-encodes text for a URL fragment's query: everything but unreserved ASCII
/// (`A–Z a–z 0–9 - . _ ~`) becomes `%XX` of its UTF-8 bytes.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` sequences (the browser may also hand back raw non-ASCII text, kept as
/// is); malformed sequences stay literal and invalid UTF-8 becomes U+FFFD.
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 120 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn parse_filter(query: &str) -> TargetFilter {
    let mut f = TargetFilter::default();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("county", v)) if valid_id(v) => f.county = Some(v.to_owned()),
            Some(("kind", v)) => f.kind = TargetKind::from_code(v),
            Some(("level", v)) => f.level = Level::from_code(v),
            _ => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fieldwork::ledger::LedgerSort;
    use crate::core::fieldwork::ProblemStatus;

    #[test]
    fn every_route_round_trips_through_its_hash() {
        let routes = [
            Route::Table,
            Route::Targets(TargetFilter::default()),
            Route::Targets(TargetFilter { county: Some("seed-county-wuding".into()), kind: Some(TargetKind::HydropowerSite), level: Some(Level::Prefecture) }),
            Route::NewTarget,
            Route::Target("seed-target-xihe".into()),
            Route::Milestones,
            Route::Settings,
            Route::Sync,
            Route::Ledger(LedgerQuery::default()),
            Route::Ledger(LedgerQuery {
                filter: LedgerFilter {
                    county: Some("seed-county-wuding".into()),
                    target: Some("seed-target-xihe".into()),
                    status: StatusFilter::Only(ProblemStatus::AwaitingVerification),
                    source: Some(ProblemSource::Audit),
                    item: Some("seed-ck-housing".into()),
                    overdue: true,
                    without_owner: true,
                    recurrence: true,
                    history_conflict: true,
                },
                search: "杨 虹 危房&x=1 100% #2 a+b".into(),
                sort: LedgerSort::Target,
                descending: true,
            }),
            Route::Ledger(LedgerQuery { filter: LedgerFilter { status: StatusFilter::Unclosed, ..Default::default() }, ..Default::default() }),
            Route::Problem("p-0123abcd-18f2a".into()),
            Route::NewProblem(NewProblem::default()),
            Route::NewProblem(NewProblem { target: Some("seed-target-gantang".into()), answer: None }),
            Route::NewProblem(NewProblem { target: Some("seed-target-gantang".into()), answer: Some(("v-01-2a".into(), "seed-ck-housing".into())) }),
            Route::Visit("v-0123abcd-18f2a".into()),
            Route::NewVisit { target: None },
            Route::NewVisit { target: Some("seed-target-gantang".into()) },
            Route::Checklist,
            Route::Reports(None),
            Route::Reports(Month::new(2020, 3)),
            Route::Report { subject: Subject::Target("seed-target-xihe".into()), month: Month::new(2020, 12).unwrap() },
            Route::Report { subject: Subject::County("seed-county-wuding".into()), month: Month::new(2021, 1).unwrap() },
            Route::Rollup { month: Month::new(2020, 3).unwrap(), county: None },
            Route::Rollup { month: Month::new(2020, 3).unwrap(), county: Some("seed-county-wuding".into()) },
            Route::Dashboard,
        ];
        for r in routes {
            assert_eq!(Route::parse(&r.to_hash()), r, "{}", r.to_hash());
        }
    }

    #[test]
    fn report_addresses_with_bad_months_or_kinds_are_not_found() {
        for h in ["#/reports/town/x/2020-03", "#/reports/target/x/2020-13", "#/rollup/2020-3", "#/rollup/2020-03/a b"] {
            assert!(matches!(Route::parse(h), Route::NotFound(_)), "{h}");
        }
        assert_eq!(Route::parse("#/reports?month=garbage"), Route::Reports(None));
    }

    #[test]
    fn ledger_addresses_are_readable_and_tolerate_what_browsers_hand_back() {
        let q = LedgerQuery {
            filter: LedgerFilter { status: StatusFilter::Only(ProblemStatus::Open), ..Default::default() },
            search: "住房".into(),
            ..Default::default()
        };
        assert_eq!(Route::Ledger(q.clone()).to_hash(), "#/ledger?status=open&q=%E4%BD%8F%E6%88%BF");
        // Typed into the address bar, the fragment may come back undecoded.
        assert_eq!(Route::parse("#/ledger?status=open&q=住房"), Route::Ledger(q));
        // Unknown or malformed parameters fall back to the defaults.
        assert_eq!(
            Route::parse("#/ledger?status=bogus&sort=x&county=<b>&q=%E4%2"),
            Route::Ledger(LedgerQuery { search: "\u{FFFD}%2".into(), ..Default::default() })
        );
        let long = "长".repeat(500);
        let Route::Ledger(q) = Route::parse(&format!("#/ledger?q={long}")) else { panic!("ledger") };
        assert_eq!(q.search.chars().count(), MAX_SEARCH);
    }

    #[test]
    fn new_problem_and_visit_addresses_drop_malformed_ids() {
        assert_eq!(Route::parse("#/problems/new?target=<x>&answer=v1"), Route::NewProblem(NewProblem::default()));
        assert_eq!(Route::parse("#/visits/new?target=a%20b"), Route::NewVisit { target: None });
        assert!(matches!(Route::parse("#/problems/<script>"), Route::NotFound(_)));
        assert!(Route::Problem("p".into()).same_section(&Route::Ledger(LedgerQuery::default())));
        assert!(Route::Visit("v".into()).same_section(&Route::Targets(TargetFilter::default())));
        assert!(Route::Checklist.same_section(&Route::Settings));
    }

    #[test]
    fn percent_encoding_round_trips_any_text() {
        for s in ["", "abc", "杨 虹", "a&b=c%d#e+f?g/h", "😀\u{3000}全角　空格"] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(decode_component("%zz%4"), "%zz%4");
    }

    #[test]
    fn views_of_field_records_and_data_exchange_wait_for_every_record_the_plan_does_not() {
        for h in ["#/sync", "#/problems/p-1", "#/visits/v-1", "#/dashboard", "#/reports/county/seed-county-wuding/2020-03", "#/rollup/2020-03"] {
            assert!(Route::parse(h).needs_records(), "{h}");
        }
        for h in ["#/table", "#/targets", "#/targets/seed-target-wuding", "#/milestones", "#/settings", "#/ledger", "#/reports", "#/checklist"] {
            assert!(!Route::parse(h).needs_records(), "{h}");
        }
    }

    #[test]
    fn the_first_view_is_in_the_first_load_and_every_other_view_in_one_code_group() {
        use CodeGroup::*;
        for (h, g) in [
            ("#/table", None),
            ("#/no-such-view", None),
            ("#/targets", Some(Field)),
            ("#/targets/new", Some(Field)),
            ("#/targets/seed-target-wuding", Some(Field)),
            ("#/ledger", Some(Field)),
            ("#/problems/p-1", Some(Field)),
            ("#/problems/new?target=seed-target-wuding", Some(Field)),
            ("#/visits/v-1", Some(Field)),
            ("#/visits/new?target=seed-target-wuding", Some(Field)),
            ("#/reports", Some(Reports)),
            ("#/reports/county/seed-county-wuding/2020-03", Some(Reports)),
            ("#/rollup/2020-03", Some(Reports)),
            ("#/dashboard", Some(Reports)),
            ("#/sync", Some(Exchange)),
            ("#/milestones", Some(Plan)),
            ("#/checklist", Some(Plan)),
            ("#/settings", Some(Plan)),
        ] {
            assert_eq!(Route::parse(h).code_group(), g, "{h}");
        }
        // A view that waits for the records is never in the first load: its code can be
        // fetched while they are read.
        for h in ["#/sync", "#/problems/p-1", "#/visits/v-1", "#/dashboard", "#/reports/county/seed-county-wuding/2020-03", "#/rollup/2020-03"] {
            assert!(Route::parse(h).code_group().is_some(), "{h}");
        }
    }

    #[test]
    fn empty_and_unknown_hashes() {
        assert_eq!(Route::parse(""), Route::Table);
        assert_eq!(Route::parse("#"), Route::Table);
        assert_eq!(Route::parse("#/nowhere"), Route::NotFound("nowhere".into()));
        assert!(matches!(Route::parse("#/targets/<script>"), Route::NotFound(_)));
        assert_eq!(Route::parse("#/targets?kind=bogus&x=1"), Route::Targets(TargetFilter::default()));
    }
}
