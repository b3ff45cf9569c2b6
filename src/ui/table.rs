//! The supervision table (督战表) view: the plan's attachment, row for row.

use super::print::PrintFooter;
use super::{platform, use_app, ExportMenu, ExportWhat};
use crate::core::i18n::K;
use crate::core::model::Metric;
use crate::core::snapshot::{format_figure, TableCell};
use leptos::prelude::*;

fn cell_links(cells: Vec<TableCell>, figure: bool) -> impl IntoView {
    cells
        .into_iter()
        .map(|c| {
            let text = if figure { c.figure.map(|v| format_figure(Metric::RemainingPoor, v)).unwrap_or_default() } else { c.label };
            view! { <a class="cell-link" href=format!("#/targets/{}", c.target_id)>{text}</a> }
        })
        .collect_view()
}

/// 州级定点挂牌督战表, printable on A4 landscape.
#[component]
pub fn TableView() -> impl IntoView {
    let state = use_app();
    let th = move |k: K| view! { <th scope="col">{move || state.t(k)}</th> };
    view! {
        <section class="view print-landscape" data-testid="view-table">
            <div class="view-head">
                <h2>{move || state.t(K::TableTitle)}</h2>
                <div class="actions no-print">
                    <button type="button" class="secondary no-print" data-testid="print-table" on:click=move |_| platform::print_page()>
                        {move || state.t(K::Print)}
                    </button>
                    <ExportMenu what=ExportWhat::Table/>
                </div>
            </div>
            <p class="print-only doc-no">{move || state.snapshot.with(|s| s.campaign.as_ref().map(|c| format!("{} {}", c.name, c.doc_no)).unwrap_or_default())}</p>
            <div class="table-scroll">
                <table class="sup-table" data-testid="supervision-table">
                    <thead>
                        <tr>
                            {th(K::ColSeq)}{th(K::ColCounty)}{th(K::ColRemaining)}{th(K::ColVillage)}
                            {th(K::ColRelocation)}{th(K::ColHydro)}{th(K::ColLeaders)}{th(K::ColSquadLeads)}
                        </tr>
                    </thead>
                    <tbody>
                        {move || state.snapshot.with(|s| s.supervision_table()).into_iter().map(|block| {
                            let span = block.rows.len().to_string();
                            let county = block.county.name.clone();
                            block.rows.into_iter().enumerate().map(|(i, row)| {
                                let head = (i == 0).then(|| view! {
                                    <td rowspan=span.clone() class="seq">{block.county.seq}</td>
                                    <th scope="row" rowspan=span.clone() class="county">{county.clone()}</th>
                                });
                                view! {
                                    <tr data-testid="table-row" data-county=county.clone()>
                                        {head}
                                        <td data-testid="cell-remaining">{cell_links(row.remaining_poor, true)}</td>
                                        <td data-testid="cell-village">{cell_links(row.villages, false)}</td>
                                        <td data-testid="cell-relocation">{cell_links(row.relocation_sites, false)}</td>
                                        <td data-testid="cell-hydro">{cell_links(row.hydropower_sites, false)}</td>
                                        <td data-testid="cell-leaders">{row.leaders.join(" ")}</td>
                                        <td data-testid="cell-squad-leads">{row.squad_leads.join(" ")}</td>
                                    </tr>
                                }
                            }).collect_view()
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <PrintFooter hash=Signal::derive(move || state.snapshot.with(|s| {
                // What the table shows (the sheet's cells and merges), not when it is printed.
                let sheet = crate::core::export::supervision_table_sheet(s, platform::today());
                crate::core::report::print_hash(&(&sheet.header, &sheet.rows, &sheet.merges))
            }))/>
        </section>
    }
}
