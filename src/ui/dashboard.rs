//! The dashboard (督战看板): four SVG charts drawn from geometry the core computes
//! (`core::report::dashboard`). Every bar has its number beside it and a tooltip
//! (`<title>`), and each chart has a caption, so it reads on paper and to screen
//! readers alike.

use super::{platform, use_app};
use crate::core::i18n::K;
use crate::core::report::dashboard::{
    failures_by_item, layout_bars, layout_lines, milestones_by_phase, problems_by_county, remaining_poor_by_county, value_text, Bars, Lines,
};
use crate::core::report::Month;
use leptos::prelude::*;

const WIDTH: f64 = 640.0;

fn series_key(code: &str) -> K {
    match code {
        "open" => K::SeriesOpen,
        "closed" => K::SeriesClosed,
        "overdue" => K::SeriesOverdue,
        "done" => K::SeriesDone,
        "in_progress" => K::SeriesInProgress,
        "pending" => K::SeriesPending,
        _ => K::SeriesFail,
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let state = use_app();
    let today = platform::today();
    let months = Memo::new(move |_| {
        state.reports.with(|s| s.monthly().and_then(|r| r.monthly()).map(|(_, first, last)| (first, last)).unwrap_or((Month::of(today), Month::of(today))))
    });
    let remaining = Memo::new(move |_| {
        let (first, last) = months.get();
        state.snapshot.with(|s| remaining_poor_by_county(s, first.min(Month::of(today)), last.min(Month::of(today)).max(first)))
    });
    let problems = Memo::new(move |_| {
        state.ledger_version.track();
        state.snapshot.with(|s| state.ledger.with_untracked(|ix| problems_by_county(s, ix.problems_with_status())))
    });
    let milestones = Memo::new(move |_| state.snapshot.with(|s| milestones_by_phase(s, today)));
    let failures = Memo::new(move |_| state.field.with(|f| failures_by_item(f, 12)));
    view! {
        <section class="view" data-testid="view-dashboard">
            <div class="view-head">
                <h2>{move || state.t(K::DashboardTitle)}</h2>
                <div class="actions no-print">
                    <button type="button" class="secondary" on:click=move |_| platform::print_page()>{move || state.t(K::Print)}</button>
                </div>
            </div>
            <div class="charts">
                <figure class="chart" data-testid="chart-remaining">
                    <figcaption>{move || state.t(K::ChartRemaining)}</figcaption>
                    {move || line_chart(remaining.get(), state.lang.get())}
                </figure>
                <figure class="chart" data-testid="chart-problems">
                    <figcaption>{move || state.t(K::ChartProblems)}</figcaption>
                    {move || bar_chart(problems.get(), state.lang.get())}
                </figure>
                <figure class="chart" data-testid="chart-milestones">
                    <figcaption>{move || state.t(K::ChartMilestones)}</figcaption>
                    {move || bar_chart(milestones.get(), state.lang.get())}
                </figure>
                <figure class="chart" data-testid="chart-failures">
                    <figcaption>{move || state.t(K::ChartFailures)}</figcaption>
                    {move || bar_chart(failures.get(), state.lang.get())}
                </figure>
            </div>
        </section>
    }
}

fn legend(series: &[&'static str], lang: crate::core::i18n::Lang) -> impl IntoView {
    view! {
        <p class="legend">
            {series.iter().map(|s| view! { <span class=format!("key series-{s}")>{crate::core::i18n::t(lang, series_key(s))}</span> }).collect_view()}
        </p>
    }
}

fn bar_chart(b: Bars, lang: crate::core::i18n::Lang) -> AnyView {
    if b.rows.is_empty() {
        return view! { <p class="muted">{crate::core::i18n::t(lang, K::ChartEmpty)}</p> }.into_any();
    }
    let l = layout_bars(&b, WIDTH);
    let series = b.series.clone();
    let labels = b
        .rows
        .iter()
        .zip(&l.row_label_y)
        .map(|(r, y)| {
            view! {
                <text x=l.plot_x - 6.0 y=*y text-anchor="end" class="row-label">{r.label.clone()}</text>
            }
        })
        .collect_view();
    let stacked = b.stacked;
    let rects = l
        .rects
        .iter()
        .map(|r| {
            let name = crate::core::i18n::t(lang, series_key(series.get(r.series).copied().unwrap_or("fail")));
            let code = series.get(r.series).copied().unwrap_or("fail");
            let tip = lang.labelled(name, value_text(r.value));
            // Stacked segments too narrow for their number show it only in the tooltip
            // (the row's numbers are in the legend order, and zero segments say nothing).
            let show = !stacked || (r.value > 0.0 && r.w >= 14.0);
            view! {
                <g class=format!("bar series-{code}") data-value=value_text(r.value)>
                    <rect x=r.x y=r.y width=r.w.max(0.0) height=r.h><title>{tip}</title></rect>
                    {show.then(|| view! { <text x=r.label_x y=r.label_y class=if stacked { "value inside" } else { "value" }>{value_text(r.value)}</text> })}
                </g>
            }
        })
        .collect_view();
    view! {
        <div>
            {legend(&b.series, lang)}
            <svg viewBox=format!("0 0 {} {}", l.width, l.height) width="100%" role="img" preserveAspectRatio="xMinYMin meet">
                {labels}
                {rects}
            </svg>
        </div>
    }
    .into_any()
}

fn line_chart(lines: Lines, lang: crate::core::i18n::Lang) -> AnyView {
    if lines.lines.is_empty() {
        return view! { <p class="muted">"—"</p> }.into_any();
    }
    let l = layout_lines(&lines, WIDTH, 240.0);
    let (left, right, top, bottom) = l.plot;
    let ticks = l
        .ticks
        .iter()
        .map(|(x, m)| {
            view! {
                <text x=*x y=bottom + 16.0 text-anchor="middle" class="tick">{lang.month_tick(m.month())}</text>
            }
        })
        .collect_view();
    let paths = l
        .paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let d = p.points.iter().enumerate().map(|(j, (x, y, _))| format!("{}{x:.1},{y:.1}", if j == 0 { "M" } else { "L" })).collect::<Vec<_>>().join(" ");
            let last = p.points.last().copied();
            let label_y = p.label_y;
            let label = p.label.clone();
            let dots = p
                .points
                .iter()
                .map(|(x, y, v)| {
                    view! {
                        <circle cx=*x cy=*y r="3"><title>{lang.labelled(&label, value_text(*v))}</title></circle>
                    }
                })
                .collect_view();
            view! {
                <g class=format!("line line-{i}") data-label=p.label.clone()>
                    <path d=d fill="none"/>
                    {dots}
                    {last.map(|(x, _, v)| view! { <text x=x + 6.0 y=label_y class="value">{format!("{} {}", p.label, value_text(v))}</text> })}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {} {}", l.width, l.height) width="100%" role="img">
            <line x1=left y1=bottom x2=right y2=bottom class="axis"/>
            <line x1=left y1=top x2=left y2=bottom class="axis"/>
            <text x=left - 4.0 y=top + 4.0 text-anchor="end" class="tick">{value_text(l.max)}</text>
            <text x=left - 4.0 y=bottom text-anchor="end" class="tick">"0"</text>
            {ticks}
            {paths}
        </svg>
    }
    .into_any()
}
