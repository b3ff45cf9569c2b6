//! The ledger view (台账): every problem, with status tabs and their counts, filters,
//! sort and full-text search kept in the address (`#/ledger?…`), and a virtualised
//! list that renders only the rows in view — smooth with 100,000 problems.
//!
//! How it stays fast: filtering, search, sort and counts are the core's
//! (`LedgerIndex::query`/`refine` over the one index `AppState` keeps up to date);
//! typing one more character refines the previous result instead of rescanning;
//! the list has fixed-height rows in a scroll container with spacers above and below
//! the ~30 rows actually in the DOM, and asks the index only for those rows
//! (`LedgerIndex::page`). Filter changes replace the address without remounting.
//!
//! The export buttons (导出Excel / 导出CSV, `export.rs`) export the current view: its
//! rows in its order, materialised only on click.
//!
//! data-testid: `view-ledger` (data-ready), `ledger-building`, `ledger-bench`,
//! `status-tab-<all|unclosed|open|in_progress|awaiting_verification|closed>`
//! (aria-selected, data-count), `ledger-county`, `ledger-target`, `ledger-source`,
//! `ledger-item`, `ledger-flag-overdue`, `ledger-flag-no-action`,
//! `ledger-flag-recurrence`, `ledger-flag-conflict`, `ledger-sort`, `ledger-desc`,
//! `ledger-search`, `ledger-clear`, `ledger-count` (data-count, data-query: the address
//! of the query the shown result answers), `ledger-scroll`, `ledger-row`
//! (data-problem-id, data-status), `ledger-empty`, `ledger-new-problem`.

use super::print::PrintFooter;
use super::{platform, use_app, ExportMenu, ExportWhat};
use crate::core::fieldwork::form::{
    list_window, sort_code, sort_from_code, sort_label, status_filter_code, status_filter_label, status_tab_count, SORTS, STATUS_TABS,
};
use crate::core::fieldwork::ledger::{LedgerQuery, LedgerView as View};
use crate::core::fieldwork::{LedgerRow, ProblemSource};
use crate::core::i18n::K;
use crate::core::route::Route;
use crate::storage::Store;
use leptos::prelude::*;

/// Height of one row, px (the CSS of `.ledger-row` fixes it too).
const ROW_H: f64 = 72.0;
/// Rows rendered beyond the viewport on either side.
const OVERSCAN: usize = 6;
/// Most rows a printed ledger holds (about 60 A4 pages); the full view goes to Excel.
const MAX_PRINT_ROWS: usize = 2000;

#[component]
pub fn LedgerView() -> impl IntoView {
    let state = use_app();
    // The query lives in the address. Leaving the view keeps the last one, so nothing
    // is recomputed for a view about to be unmounted.
    let query = Memo::new(move |prev: Option<&LedgerQuery>| match state.route.get() {
        Route::Ledger(q) => q,
        _ => prev.cloned().unwrap_or_default(),
    });
    let view = Memo::new(move |prev: Option<&View>| {
        state.ledger_version.track();
        let q = query.get();
        state.ledger.with_untracked(|ix| match prev {
            Some(p) => ix.refine(p, &q),
            None => ix.query(&q),
        })
    });
    let scroller = NodeRef::<leptos::html::Div>::new();
    let search_box = NodeRef::<leptos::html::Input>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(600.0_f64);
    let total = Memo::new(move |_| view.with(View::total));
    let window = Memo::new(move |_| list_window(scroll_top.get(), viewport.get(), ROW_H, total.get(), OVERSCAN));
    let rows = Memo::new(move |_| {
        let w = window.get();
        let version = state.ledger_version.get();
        view.with(|v| state.ledger.with_untracked(|ix| ix.page(v, w.start, w.len()))).into_iter().map(|r| (version, r)).collect::<Vec<_>>()
    });

    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            viewport.set(f64::from(el.client_height()));
            scroll_top.set(f64::from(el.scroll_top()));
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    let set_query = move |change: &dyn Fn(&mut LedgerQuery)| {
        let mut q = query.get_untracked();
        change(&mut q);
        state.replace_route(Route::Ledger(q));
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    };
    let clear = move |_| {
        if let Some(el) = search_box.get_untracked() {
            el.set_value("");
        }
        set_query(&|q| *q = LedgerQuery::default());
    };

    let tabs = STATUS_TABS
        .into_iter()
        .map(|f| {
            let code = status_filter_code(f);
            let selected = move || query.with(|q| q.filter.status == f);
            let count = move || view.with(|v| status_tab_count(&v.counts, f));
            view! {
                <button type="button" role="tab" class="tab" class:active=selected aria-selected=move || selected().to_string()
                    data-testid=format!("status-tab-{code}") data-count=move || count().to_string()
                    on:click=move |_| set_query(&|q| q.filter.status = f)>
                    {move || status_filter_label(f, state.lang.get())} " " <span class="count">{count}</span>
                </button>
            }
        })
        .collect_view();

    // Every row of the view as shown (filters, search, sort), built only when clicked.
    let export_rows = move || view.with_untracked(|v| state.ledger.with_untracked(|ix| ix.page(v, 0, v.total())));

    // Printing: the virtual list holds only the rows in view, so a print-only table of
    // the view's first MAX_PRINT_ROWS rows is filled before the browser lays out the
    // print (the 打印 button, or the browser's own print through `beforeprint`).
    // The 打印 button first makes the chosen photos' thumbnails
    // (`photo::print_thumbnails`, at most MAX_PRINT_THUMBNAILS) and waits until they
    // are decoded; the browser's own print cannot wait, and lists the photos by
    // address only.
    let print_rows = RwSignal::new(None::<PrintRows>);
    let thumbs = RwSignal::new(Thumbs::new());
    let preparing = RwSignal::new(false);
    let fill_print = move || {
        if print_rows.with_untracked(Option::is_none) {
            let rows = view.with_untracked(|v| state.ledger.with_untracked(|ix| ix.page(v, 0, v.total().min(MAX_PRINT_ROWS))));
            print_rows.set(Some(PrintRows::of(&state, rows)));
        }
    };
    let clear_print = move || {
        print_rows.set(None);
        thumbs.update(|t| t.drain().for_each(|(_, url)| platform::revoke_url(&url)));
    };
    let before = window_event_listener(leptos::ev::Custom::<web_sys::Event>::new("beforeprint"), move |_| fill_print());
    let after = window_event_listener(leptos::ev::Custom::<web_sys::Event>::new("afterprint"), move |_| clear_print());
    // Leaving the view frees the thumbnails' URLs without touching a signal: the
    // view is being torn down, and a signal set here would re-run its parts.
    on_cleanup(move || {
        before.remove();
        after.remove();
        thumbs.try_with_untracked(|t| t.values().for_each(|url| platform::revoke_url(url)));
    });
    let print = move |_| {
        if preparing.get_untracked() {
            return;
        }
        fill_print();
        preparing.set(true);
        leptos::task::spawn_local(async move {
            let wanted: Vec<String> =
                print_rows.try_with_untracked(|p| p.as_ref().map(|p| p.thumbs.iter().flatten().flatten().cloned().collect())).flatten().unwrap_or_default();
            if let Some(session) = state.session() {
                for hash in wanted {
                    // Left the ledger meanwhile: stop (its signals are gone).
                    match thumbs.try_with_untracked(|t| t.contains_key(&hash)) {
                        None => return,
                        Some(true) => continue,
                        Some(false) => {}
                    }
                    // A photo not on this device (照片待补传) or one that does not decode
                    // is listed by its address only.
                    let Ok(Some(bytes)) = session.store().photo(&hash).await else { continue };
                    let Ok(blob) = crate::web::photo_input::thumbnail(&bytes, THUMB_EDGE).await else { continue };
                    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                        let kept = thumbs.try_update(|t| {
                            t.insert(hash, url.clone());
                        });
                        if kept.is_none() {
                            platform::revoke_url(&url);
                            return;
                        }
                    }
                }
            }
            platform::yield_to_browser().await;
            platform::images_decoded(".print-ledger img").await;
            if preparing.try_set(false).is_none() {
                platform::print_page();
            }
        });
    };

    let flag_box = move |testid: &'static str, key: K, get: fn(&LedgerQuery) -> bool, put: fn(&mut LedgerQuery, bool)| {
        view! {
            <label class="check">
                <input type="checkbox" data-testid=testid prop:checked=move || query.with(get)
                    on:change=move |ev| { let on = event_target_checked(&ev); set_query(&|q| put(q, on)) }/>
                <span>{move || state.t(key)}</span>
            </label>
        }
    };

    view! {
        <section class="view" data-testid="view-ledger" data-ready=move || state.ledger_ready.get().to_string()>
            <div class="view-head">
                <h2>{move || state.t(K::LedgerTitle)}</h2>
                <div class="actions">
                    <a class="button" href="#/problems/new" data-testid="ledger-new-problem">{move || state.t(K::NewProblem)}</a>
                    <button type="button" class="secondary no-print" data-testid="print-ledger" disabled=move || preparing.get() on:click=print>{move || state.t(K::Print)}</button>
                    <ExportMenu what=ExportWhat::ledger(export_rows)/>
                </div>
            </div>
            <Show when=move || preparing.get()>
                <p class="muted no-print" role="status" data-testid="print-ledger-working">{move || state.t(K::PrintThumbsWorking)}</p>
            </Show>
            {move || print_rows.get().map(|rows| view! { <PrintLedger rows=rows total=total.get_untracked() thumbs=thumbs/> })}
            <Show when=move || state.bench.get()>
                <p class="banner" data-testid="ledger-bench">{move || state.t(K::BenchMode)}</p>
            </Show>
            <Show when=move || !state.ledger_ready.get()>
                <p class="muted" data-testid="ledger-building" role="status">{move || state.t(K::LedgerBuilding)}</p>
            </Show>
            <div class="tabs" role="tablist" aria-label=move || state.t(K::LedgerStatusTabs)>{tabs}</div>
            <div class="filters">
                <label class="grow">{move || state.t(K::LedgerSearch)}
                    <input type="search" node_ref=search_box data-testid="ledger-search" maxlength="200" autocomplete="off"
                        value=query.with_untracked(|q| q.search.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); set_query(&|q| q.search = v.clone()) }/>
                </label>
                <label>{move || state.t(K::FieldCounty)}
                    <select data-testid="ledger-county" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set_query(&|q| { q.filter.county = (!v.is_empty()).then(|| v.clone()); q.filter.target = None; })
                    }>
                        <option value="" prop:selected=move || query.with(|q| q.filter.county.is_none())>{move || state.t(K::AllCounties)}</option>
                        {move || state.snapshot.with(|s| s.counties.iter().map(|c| {
                            let id = c.id.clone();
                            let sel = id.clone();
                            view! { <option value=id prop:selected=move || query.with(|q| q.filter.county.as_deref() == Some(sel.as_str()))>{c.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <label>{move || state.t(K::FieldTarget)}
                    <select data-testid="ledger-target" on:change=move |ev| { let v = event_target_value(&ev); set_query(&|q| q.filter.target = (!v.is_empty()).then(|| v.clone())) }>
                        <option value="" prop:selected=move || query.with(|q| q.filter.target.is_none())>{move || state.t(K::AllTargets)}</option>
                        {move || {
                            let county = query.with(|q| q.filter.county.clone());
                            state.snapshot.with(|s| s.targets.iter().filter(|t| county.as_ref().is_none_or(|c| *c == t.county_id)).map(|t| {
                                let id = t.id.clone();
                                let sel = id.clone();
                                view! { <option value=id prop:selected=move || query.with(|q| q.filter.target.as_deref() == Some(sel.as_str()))>{s.target_label(t)}</option> }
                            }).collect_view())
                        }}
                    </select>
                </label>
                <label>{move || state.t(K::FieldProblemSource)}
                    <select data-testid="ledger-source" on:change=move |ev| { let v = ProblemSource::from_code(&event_target_value(&ev)); set_query(&|q| q.filter.source = v) }>
                        <option value="" prop:selected=move || query.with(|q| q.filter.source.is_none())>{move || state.t(K::AllSources)}</option>
                        {ProblemSource::ALL.into_iter().map(|s| view! {
                            <option value=s.code() prop:selected=move || query.with(|q| q.filter.source == Some(s))>{move || s.label(state.lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || state.t(K::FieldItem)}
                    <select data-testid="ledger-item" on:change=move |ev| { let v = event_target_value(&ev); set_query(&|q| q.filter.item = (!v.is_empty()).then(|| v.clone())) }>
                        <option value="" prop:selected=move || query.with(|q| q.filter.item.is_none())>{move || state.t(K::AllItems)}</option>
                        {move || state.field.with(|f| f.checklist.iter().map(|i| {
                            let id = i.id.clone();
                            let sel = id.clone();
                            let text = if i.retired { format!("{} {}{}", i.code, i.title, state.lang.get().paren(state.t(K::Retired))) } else { format!("{} {}", i.code, i.title) };
                            view! { <option value=id prop:selected=move || query.with(|q| q.filter.item.as_deref() == Some(sel.as_str()))>{text}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <label>{move || state.t(K::FieldSort)}
                    <select data-testid="ledger-sort" on:change=move |ev| { let v = sort_from_code(&event_target_value(&ev)).unwrap_or_default(); set_query(&|q| q.sort = v) }>
                        {SORTS.into_iter().map(|s| view! {
                            <option value=sort_code(s) prop:selected=move || query.with(|q| q.sort == s)>{move || sort_label(s, state.lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <div class="checks" role="group" aria-label=move || state.t(K::Flags)>
                    {flag_box("ledger-desc", K::Descending, |q| q.descending, |q, on| q.descending = on)}
                    {flag_box("ledger-flag-overdue", K::FlagOverdue, |q| q.filter.overdue, |q, on| q.filter.overdue = on)}
                    {flag_box("ledger-flag-no-action", K::FlagNoAction, |q| q.filter.without_owner, |q, on| q.filter.without_owner = on)}
                    {flag_box("ledger-flag-recurrence", K::FlagRecurrence, |q| q.filter.recurrence, |q, on| q.filter.recurrence = on)}
                    {flag_box("ledger-flag-conflict", K::FlagConflict, |q| q.filter.history_conflict, |q, on| q.filter.history_conflict = on)}
                    <button type="button" class="secondary" data-testid="ledger-clear" on:click=clear>{move || state.t(K::ClearFilters)}</button>
                </div>
            </div>
            <p class="ledger-count" data-testid="ledger-count" data-count=move || total.get().to_string()
                data-query=move || view.with(|v| Route::Ledger(v.query().clone()).to_hash()) role="status">
                {move || state.t(K::LedgerTotal)} " " <strong>{move || total.get()}</strong>
                {move || view.with(|v| format!(" · {} {} · {} {} · {} {}",
                    state.t(K::FlagOverdue), v.flags.overdue, state.t(K::FlagNoAction), v.flags.without_owner, state.t(K::FlagRecurrence), v.flags.recurrence))}
            </p>
            <div class="ledger-scroll" node_ref=scroller data-testid="ledger-scroll" role="list" aria-label=move || state.t(K::LedgerTitle)
                on:scroll=move |_| { if let Some(el) = scroller.get_untracked() { scroll_top.set(f64::from(el.scroll_top())) } }>
                <div class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.with(|w| w.pad_top))></div>
                <For each=move || rows.get() key=|(v, r)| (*v, r.id.clone()) let:item>
                    <Row row=item.1/>
                </For>
                <div class="spacer" aria-hidden="true" style:height=move || format!("{}px", window.with(|w| w.pad_bottom))></div>
                <Show when=move || total.get() == 0>
                    <p class="muted pad" data-testid="ledger-empty">{move || state.t(K::LedgerEmpty)}</p>
                </Show>
            </div>
        </section>
    }
}

/// The long edge of a printed ledger's photo thumbnail, px (about 2 cm at print
/// resolution).
const THUMB_EDGE: u32 = 240;

/// Thumbnails made for a print: object URLs by photo address.
type Thumbs = std::collections::HashMap<String, String>;

/// What a printed ledger shows: the rows, each row's photos by address, and the
/// addresses shown as thumbnails (`photo::print_thumbnails`).
#[derive(Clone)]
struct PrintRows {
    rows: Vec<LedgerRow>,
    photos: Vec<Vec<String>>,
    thumbs: Vec<[Option<String>; 2]>,
}

impl PrintRows {
    fn of(state: &super::AppState, rows: Vec<LedgerRow>) -> Self {
        use crate::core::fieldwork::photo::{before_after, print_thumbnails, MAX_PRINT_THUMBNAILS};
        let all: Vec<_> = rows.iter().map(|r| state.problem_photos_untracked(&r.id)).collect();
        let sides: Vec<_> = rows.iter().zip(&all).map(|(r, p)| state.ledger.with_untracked(|ix| before_after(p, ix.events_of(&r.id)))).collect();
        PrintRows {
            photos: all.into_iter().map(|p| p.into_iter().map(|p| p.sha256).collect()).collect(),
            thumbs: print_thumbnails(&sides, MAX_PRINT_THUMBNAILS),
            rows,
        }
    }
}

/// The ledger as printed: an A4 table of the view's rows with an official-form header and
/// the rows' fingerprint.
#[component]
fn PrintLedger(rows: PrintRows, total: usize, thumbs: RwSignal<Thumbs>) -> impl IntoView {
    let state = use_app();
    let lang = state.lang.get_untracked();
    // Each row's photos by their SHA-256 (the first 8 hex digits printed), covered
    // by the page's fingerprint like the rest of the row; its before and after as
    // thumbnails where they were made (the 打印 button).
    let PrintRows { rows, photos, thumbs: picks } = rows;
    let picked = picks.iter().flatten().flatten().count();
    let all_photos = photos.iter().map(Vec::len).sum::<usize>();
    let key: Vec<_> = rows
        .iter()
        .zip(&photos)
        .map(|(r, p)| (&r.id, r.status.code(), &r.description, &r.responsible_unit, &r.responsible_person, r.deadline, r.overdue, p))
        .collect();
    let hash = crate::core::report::print_hash(&key);
    let unit = state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default());
    let shown = rows.len();
    let body = rows
        .into_iter()
        .zip(photos)
        .zip(picks)
        .enumerate()
        .map(|(i, ((r, photos), picks))| {
            let shown_photos = (!photos.is_empty())
                .then(|| format!("{}{}{}", photos.len(), lang.colon(), photos.iter().map(|h| h.get(..8).unwrap_or_default()).collect::<Vec<_>>().join(" ")));
            let row_thumbs = picks
                .into_iter()
                .zip([K::BeforeSide, K::AfterShort])
                .filter_map(|(h, side)| h.map(|h| (h, side)))
                .map(|(h, side)| {
                    let short = h.get(..8).unwrap_or_default().to_owned();
                    let key = StoredValue::new(h.clone());
                    move || {
                        thumbs.with(|t| t.get(&key.get_value()).cloned()).map(|src| {
                            view! {
                                <figure class="print-thumb" data-testid="print-ledger-thumb" data-sha256=h.clone()>
                                    <img src=src alt=short.clone()/>
                                    <figcaption>{state.t(side)}<br/>{short.clone()}</figcaption>
                                </figure>
                            }
                        })
                    }
                })
                .collect_view();
            let mut flags = Vec::new();
            if r.overdue {
                flags.push(state.t(K::FlagOverdue));
            }
            if r.without_owner {
                flags.push(state.t(K::FlagNoAction));
            }
            if r.recurrence_of.is_some() {
                flags.push(state.t(K::FlagRecurrence));
            }
            view! {
                <tr>
                    <td>{i + 1}</td><td>{r.target_label}</td><td>{r.description}</td><td>{r.responsible_unit}</td><td>{r.responsible_person}</td>
                    <td>{r.deadline.map(|d| d.to_string()).unwrap_or_default()}</td><td>{r.status.label(lang)}</td><td>{flags.join(lang.list_sep())}</td>
                    <td class="photo-hashes"><div class="print-thumbs">{row_thumbs}</div><span data-testid="print-ledger-photos">{shown_photos}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="print-only print-ledger" data-testid="print-ledger-table">
            <header class="form-header">
                <p class="form-title">{state.t(K::LedgerTitle)}</p>
                <p class="form-meta">
                    <span>{lang.labelled(state.t(K::ReportUnit), unit)}</span>
                    <span>{lang.labelled(state.t(K::PrintedOn), platform::today())}</span>
                    <span>{format!("{} {shown}/{total}", state.t(K::LedgerTotal))}</span>
                    <span data-testid="print-ledger-thumb-count">{move || format!("{} {}/{all_photos}", state.t(K::PrintThumbs), thumbs.with(|t| t.len()).min(picked))}</span>
                </p>
            </header>
            <table class="data">
                <thead><tr>
                    <th>{state.t(K::ColSeq)}</th><th>{state.t(K::FieldTarget)}</th><th>{state.t(K::FieldDescription)}</th><th>{state.t(K::FieldUnit)}</th>
                    <th>{state.t(K::FieldPerson)}</th><th>{state.t(K::FieldDeadline)}</th><th>{state.t(K::FieldStatus)}</th><th>{state.t(K::Flags)}</th><th>{state.t(K::Photos)}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
            <PrintFooter hash=hash/>
        </div>
    }
}

/// One ledger row: a link to the problem, fixed height.
#[component]
fn Row(row: LedgerRow) -> impl IntoView {
    let state = use_app();
    let lang = state.lang.get_untracked();
    let deadline = row.deadline.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    let owner = [row.responsible_unit.as_str(), row.responsible_person.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
    let second = [row.target_label.as_str(), row.item_title.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" · ");
    view! {
        <a class="ledger-row" role="listitem" data-testid="ledger-row" data-problem-id=row.id.clone() data-status=row.status.code()
            href=Route::Problem(row.id.clone()).to_hash()>
            <span class="line1">
                <span class=format!("badge status-{}", row.status.code())>{row.status.label(lang)}</span>
                {row.overdue.then(|| view! { <span class="badge overdue">{state.t(K::FlagOverdue)}</span> })}
                {row.without_owner.then(|| view! { <span class="badge warn">{state.t(K::FlagNoAction)}</span> })}
                {row.recurrence_of.is_some().then(|| view! { <span class="badge overdue">{state.t(K::FlagRecurrence)}</span> })}
                <span class="desc">{row.description.clone()}</span>
            </span>
            <span class="line2 muted">{format!("{second} · {} {deadline} · {owner}", state.t(K::FieldDeadline))}</span>
        </a>
    }
}
