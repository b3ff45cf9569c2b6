//! Views and their addresses (路由). The app lives in the URL's fragment
//! (`#/targets/…`), so `dist/` works from any sub-path of any static server with
//! no rewrite rules, and a reload lands on the same view.

use super::model::{Level, TargetKind};
use super::snapshot::TargetFilter;

#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// 督战表 (the home view).
    Table,
    Targets(TargetFilter),
    NewTarget,
    Target(String),
    Milestones,
    Settings,
    NotFound(String),
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
            _ => Route::NotFound(h.to_owned()),
        }
    }

    /// Whether two routes belong to the same navigation section (a target's page is
    /// part of the targets section).
    pub fn same_section(&self, other: &Route) -> bool {
        fn section(r: &Route) -> u8 {
            match r {
                Route::Table => 0,
                Route::Targets(_) | Route::NewTarget | Route::Target(_) => 1,
                Route::Milestones => 2,
                Route::Settings => 3,
                Route::NotFound(_) => 4,
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
                if q.is_empty() { "#/targets".into() } else { format!("#/targets?{}", q.join("&")) }
            }
            Route::NewTarget => "#/targets/new".into(),
            Route::Target(id) => format!("#/targets/{id}"),
            Route::Milestones => "#/milestones".into(),
            Route::Settings => "#/settings".into(),
            Route::NotFound(s) => format!("#/{s}"),
        }
    }
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
        ];
        for r in routes {
            assert_eq!(Route::parse(&r.to_hash()), r);
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
