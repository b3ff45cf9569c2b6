//! The dashboard's figures (督战看板) and the geometry of their SVG charts.
//!
//! Everything a chart shows is computed here and tested natively; the UI only
//! draws the rectangles, lines and labels it is given. Every bar carries its value
//! as a label beside it (readable on paper, no hover needed) and as a tooltip.
//!
//! Charts: remaining poor people by county over the campaign's months (lines);
//! problems open / closed / overdue by county (grouped bars); milestone progress
//! per phase (stacked bars); checklist failures by item (bars).

use super::figures::ProblemWithEvents;
use super::month::Month;
use crate::core::fieldwork::{ChecklistItem, FieldSnapshot, ProblemStatus, VisitStatus};
use crate::core::model::{Metric, MilestoneStatus};
use crate::core::snapshot::Snapshot;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One category (a county, a phase, an item) with one value per series.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub label: String,
    pub values: Vec<f64>,
}

/// Bars: categories × series, grouped (side by side) or stacked.
#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    /// Series codes (for CSS classes and test ids) — labels come from the UI's language.
    pub series: Vec<&'static str>,
    pub rows: Vec<Row>,
    pub stacked: bool,
}

/// Lines: one per category over a shared x axis (months).
#[derive(Clone, Debug, PartialEq)]
pub struct Lines {
    pub x: Vec<Month>,
    /// (label, one value per x; `None` where nothing was measured yet).
    pub lines: Vec<(String, Vec<Option<f64>>)>,
}

/// Remaining poor people (剩余贫困人口) per county at the end of each month from
/// `first` to `last`: the sum of the latest figure on or before the month's end of
/// the county's targets measured in people remaining. Counties with no such target
/// are left out.
pub fn remaining_poor_by_county(snapshot: &Snapshot, first: Month, last: Month) -> Lines {
    let months = first.through(last);
    let mut lines = Vec::new();
    for c in &snapshot.counties {
        let targets: Vec<_> = snapshot.targets.iter().filter(|t| t.county_id == c.id && t.kind.metric() == Metric::RemainingPoor).collect();
        if targets.is_empty() {
            continue;
        }
        let values = months
            .iter()
            .map(|m| {
                let end = m.last_day();
                let vals: Vec<f64> = targets
                    .iter()
                    .filter_map(|t| snapshot.figures_of(&t.id).into_iter().filter(|f| f.measured_on <= end).next_back().map(|f| f.value))
                    .collect();
                (!vals.is_empty()).then(|| vals.iter().sum())
            })
            .collect();
        lines.push((c.name.clone(), values));
    }
    Lines { x: months, lines }
}

/// Problems per county now: open (not closed), closed, and overdue (of the open).
pub fn problems_by_county<'a>(snapshot: &Snapshot, problems: impl IntoIterator<Item = (ProblemWithEvents<'a>, ProblemStatus, bool)>) -> Bars {
    let county_of: HashMap<&str, &str> = snapshot.targets.iter().map(|t| (t.id.as_str(), t.county_id.as_str())).collect();
    let mut counts: HashMap<&str, [f64; 3]> = HashMap::new();
    for ((p, _), status, overdue) in problems {
        let Some(c) = county_of.get(p.target_id.as_str()) else { continue };
        let e = counts.entry(c).or_default();
        if status == ProblemStatus::Closed {
            e[1] += 1.0;
        } else {
            e[0] += 1.0;
            if overdue {
                e[2] += 1.0;
            }
        }
    }
    let rows =
        snapshot.counties.iter().map(|c| Row { label: c.name.clone(), values: counts.get(c.id.as_str()).copied().unwrap_or_default().to_vec() }).collect();
    Bars { series: vec!["open", "closed", "overdue"], rows, stacked: false }
}

/// Milestones per phase: done, in progress, not started (not overdue), overdue.
pub fn milestones_by_phase(snapshot: &Snapshot, today: NaiveDate) -> Bars {
    let rows = snapshot
        .phases
        .iter()
        .map(|ph| {
            let mut v = [0.0; 4];
            for m in snapshot.milestones.iter().filter(|m| m.phase_id == ph.id) {
                let i = match m.status {
                    MilestoneStatus::Done => 0,
                    _ if m.due < today => 3,
                    MilestoneStatus::InProgress => 1,
                    MilestoneStatus::Pending => 2,
                };
                v[i] += 1.0;
            }
            Row { label: ph.name.clone(), values: v.to_vec() }
        })
        .collect();
    Bars { series: vec!["done", "in_progress", "pending", "overdue"], rows, stacked: true }
}

/// 未达标 answers per checklist item over every submitted visit, most failed first;
/// items never failed are left out. At most `top` rows.
pub fn failures_by_item(field: &FieldSnapshot, top: usize) -> Bars {
    let mut fails: HashMap<&str, f64> = HashMap::new();
    for v in field.visits().filter(|v| v.status == VisitStatus::Submitted) {
        for a in field.answers_of(&v.id) {
            if a.answer == crate::core::fieldwork::Answer::Fail {
                *fails.entry(a.item_id.as_str()).or_default() += 1.0;
            }
        }
    }
    let mut items: Vec<(&ChecklistItem, f64)> = field.checklist.iter().filter_map(|i| fails.get(i.id.as_str()).map(|n| (i, *n))).collect();
    crate::core::sort::sort_by(&mut items, |a, b| b.1.total_cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
    let rows = items.into_iter().take(top).map(|(i, n)| Row { label: format!("{} {}", i.code, i.title), values: vec![n] }).collect();
    Bars { series: vec!["fail"], rows, stacked: false }
}

// ---- geometry ----

/// A drawn bar: where, which series, its value and where its label goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub series: usize,
    pub value: f64,
    /// Where the value's label is written (left end of the text, baseline).
    pub label_x: f64,
    pub label_y: f64,
}

/// The layout of a horizontal bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct BarLayout {
    pub width: f64,
    pub height: f64,
    /// Where bars start (category labels sit left of it).
    pub plot_x: f64,
    /// Each category's label position (right-aligned at `plot_x - 6`), by row.
    pub row_label_y: Vec<f64>,
    pub rects: Vec<Rect>,
    /// The value the full plot width stands for.
    pub max: f64,
}

/// Height of one bar.
pub const BAR_H: f64 = 14.0;
/// Room left for the category labels.
pub const LABEL_W: f64 = 150.0;
/// Room right of the longest bar for its value label.
pub const VALUE_W: f64 = 48.0;

/// Lays out horizontal bars in a chart `width` wide. Grouped: one bar per series
/// under each other inside a category; stacked: one bar per category, segments
/// side by side. Zero-length bars still get a label (a "0" is information).
pub fn layout_bars(b: &Bars, width: f64) -> BarLayout {
    let plot_w = (width - LABEL_W - VALUE_W).max(10.0);
    let per_row = if b.stacked { 1 } else { b.series.len().max(1) };
    let row_h = per_row as f64 * (BAR_H + 2.0) + 10.0;
    let totals = b.rows.iter().map(|r| if b.stacked { r.values.iter().sum() } else { r.values.iter().copied().fold(0.0, f64::max) });
    let max = totals.fold(0.0, f64::max).max(1.0);
    let scale = plot_w / max;
    let mut rects = Vec::new();
    let mut row_label_y = Vec::new();
    for (ri, row) in b.rows.iter().enumerate() {
        let top = 5.0 + ri as f64 * row_h;
        row_label_y.push(top + per_row as f64 * (BAR_H + 2.0) / 2.0 + 4.0);
        let mut x = LABEL_W;
        for (si, v) in row.values.iter().copied().enumerate() {
            let w = v * scale;
            let (rx, ry) = if b.stacked { (x, top) } else { (LABEL_W, top + si as f64 * (BAR_H + 2.0)) };
            // Stacked segments are labelled inside when wide enough, else not at all
            // (the total and the legend give them); grouped bars right of the bar.
            let (lx, ly) = if b.stacked { (rx + 3.0, ry + BAR_H - 3.0) } else { (rx + w + 4.0, ry + BAR_H - 3.0) };
            rects.push(Rect { x: rx, y: ry, w, h: BAR_H, series: si, value: v, label_x: lx, label_y: ly });
            if b.stacked {
                x += w;
            }
        }
    }
    BarLayout { width, height: 10.0 + b.rows.len() as f64 * row_h, plot_x: LABEL_W, row_label_y, rects, max }
}

/// A line's drawn points.
#[derive(Clone, Debug, PartialEq)]
pub struct LinePath {
    pub label: String,
    /// (x, y, value) per measured month.
    pub points: Vec<(f64, f64, f64)>,
    /// Where the end label ("武定县 3071") goes: beside the last point, moved apart
    /// from the other lines' labels so that close values stay readable.
    pub label_y: f64,
}

/// The layout of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineLayout {
    pub width: f64,
    pub height: f64,
    pub plot: (f64, f64, f64, f64),
    /// (x, month) of each tick.
    pub ticks: Vec<(f64, Month)>,
    pub max: f64,
    pub paths: Vec<LinePath>,
}

/// Least vertical distance between two line labels.
pub const LABEL_GAP: f64 = 13.0;

pub fn layout_lines(l: &Lines, width: f64, height: f64) -> LineLayout {
    let (left, right, top, bottom) = (50.0, width - 90.0, 10.0, height - 24.0);
    let max = l.lines.iter().flat_map(|(_, v)| v.iter().flatten().copied()).fold(0.0, f64::max).max(1.0);
    let n = l.x.len().max(2) - 1;
    let step = (right - left) / n as f64;
    let y = |v: f64| bottom - (v / max) * (bottom - top);
    let ticks = l.x.iter().enumerate().map(|(i, m)| (left + i as f64 * step, *m)).collect();
    let paths = l
        .lines
        .iter()
        .map(|(label, vals)| LinePath {
            label: label.clone(),
            points: vals.iter().enumerate().filter_map(|(i, v)| v.map(|v| (left + i as f64 * step, y(v), v))).collect(),
            label_y: 0.0,
        })
        .collect::<Vec<LinePath>>();
    let mut paths = paths;
    // Labels top to bottom, each at least LABEL_GAP below the one above it.
    let mut order: Vec<usize> = (0..paths.len()).filter(|i| !paths[*i].points.is_empty()).collect();
    crate::core::sort::sort_by(&mut order, |a, b| {
        paths[*a].points.last().map(|p| p.1).unwrap_or(0.0).total_cmp(&paths[*b].points.last().map(|p| p.1).unwrap_or(0.0))
    });
    let mut prev = f64::NEG_INFINITY;
    for i in order {
        let want = paths[i].points.last().map(|p| p.1 + 4.0).unwrap_or(0.0);
        let y = want.max(prev + LABEL_GAP);
        paths[i].label_y = y;
        prev = y;
    }
    LineLayout { width, height, plot: (left, right, top, bottom), ticks, max, paths }
}

/// A value as a chart label: whole numbers without decimals.
pub fn value_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}
