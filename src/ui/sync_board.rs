//! The 同步情况 board on the data-exchange page: one row per device heard from (by
//! bundle or receipt), from `core::bundle::status`; sortable by any column, with the
//! devices that sent nothing this month marked; a role per device set here; printed
//! and exported to Excel like the other boards.
//!
//! data-testids: `sync-board`, `known-device` (a row: `data-device-id`,
//! `data-silent`, `data-receipt-due`), `status-role` (select), `status-last`,
//! `status-fingerprint`, `status-gaps`, `not-yet-received` (`data-counting`), `status-days`,
//! `status-receipt`, `status-revoke` (button) / `status-revoked` (badge), `revoke-confirm`, `sort-<column>` (`aria-sort` on its header), `print-sync-board`,
//! and the Excel/CSV buttons `export-*-sync`.

use super::export::{ExportMenu, ExportWhat};
use super::{platform, use_app};
use crate::core::bundle::ledger::DeviceRole;
use crate::core::bundle::status::{gaps_text, receipt_text, sort_rows, status_rows, sync_status_sheet, SortKey, StatusRow};
use crate::core::export::ExportKind;
use crate::core::i18n::{UserMessage as _, K};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Records counted per slice of "not yet received" between frames: a few
/// milliseconds of work on a tablet.
const UNRECEIVED_SLICE: usize = 4_000;

#[component]
pub fn SyncBoard() -> impl IntoView {
    let state = use_app();
    // "Not yet received" walks every record: counted in slices after the table is
    // shown, so an import says "已保存" without waiting for it; started over when
    // the records or the ledger change meanwhile (the older count is dropped).
    let counts: RwSignal<Option<Vec<usize>>> = RwSignal::new(None);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let ledger = state.sync_ledger.get();
        state.replica.track();
        let g = generation.get_value() + 1;
        generation.set_value(g);
        counts.set(None);
        let ids: Vec<_> = ledger.devices.keys().cloned().collect();
        if ids.is_empty() {
            counts.set(Some(Vec::new()));
            return;
        }
        spawn_local(async move {
            let mut count = crate::core::bundle::export::UnreceivedCount::new(&ledger, &ids);
            loop {
                if generation.try_get_value() != Some(g) {
                    return;
                }
                let done = state.replica.try_with_untracked(|r| r.as_ref().is_none_or(|r| count.step(r, UNRECEIVED_SLICE)));
                match done {
                    None => return, // the page is gone
                    Some(true) => break,
                    Some(false) => platform::yield_to_browser().await,
                }
            }
            if generation.try_get_value() == Some(g) {
                let _ = counts.try_set(Some(count.into_counts()));
            }
        });
    });
    let sort = RwSignal::new((SortKey::Name, false));
    // Rows in the order shown, each with its count (`None` while counting). The
    // ledger's devices are in id order, like the counts.
    let rows = Memo::new(move |_| {
        let mut rows: Vec<(StatusRow, Option<usize>)> = state.sync_ledger.with(|l| {
            let c = counts.get();
            status_rows(l, platform::now_ms()).into_iter().enumerate().map(|(i, r)| (r, c.as_ref().and_then(|c| c.get(i).copied()))).collect()
        });
        let (key, desc) = sort.get();
        sort_rows(&mut rows, key, desc);
        rows
    });
    let export = ExportWhat::sheet("sync", ExportKind::SyncStatus, move || rows.with_untracked(|r| sync_status_sheet(r, platform::today())));
    let role_error = RwSignal::new(None::<String>);
    // The device whose revocation (挂失) waits for its confirmation.
    let asking = RwSignal::new(None::<crate::core::clock::DeviceId>);
    let set_role = move |device: crate::core::clock::DeviceId, code: String| {
        let Some(session) = state.session() else { return };
        spawn_local(async move {
            let outcome = session.set_device_role(&state, &device, DeviceRole::from_code(&code)).await;
            let _ = role_error.try_set(outcome.err().map(|e| e.message(state.lang.get_untracked())));
        });
    };
    let header = move |key: SortKey, label: K, num: bool| {
        let aria = move || match sort.get() {
            (k, false) if k == key => "ascending",
            (k, true) if k == key => "descending",
            _ => "none",
        };
        view! {
            <th scope="col" class=if num { "num" } else { "" } aria-sort=aria>
                <button type="button" class="link sort" data-testid=format!("sort-{}", key.code()) on:click=move |_| sort.update(|s| *s = (key, s.0 == key && !s.1))>
                    {move || state.t(label)}
                    {move || match aria() { "ascending" => " ▲", "descending" => " ▼", _ => "" }}
                </button>
            </th>
        }
    };
    view! {
        <section class="panel sync-board" data-testid="sync-board">
            <div class="panel-head">
                <h3>{move || state.t(K::SyncBoardTitle)}</h3>
                <div class="actions no-print">
                    <button type="button" class="secondary" data-testid="print-sync-board" on:click=move |_| platform::print_page()>{move || state.t(K::Print)}</button>
                    <ExportMenu what=export/>
                </div>
            </div>
            <p class="muted">{move || state.t(K::SyncBoardNote)}</p>
            <super::roster::RosterExport/>
            {move || role_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || asking.get().map(|device| {
                let shown = device.0.clone();
                view! {
                    <div class="confirm no-print" role="alertdialog" data-testid="revoke-confirm-dialog">
                        <p>{move || state.t(K::RevokeQuestion)} " " <code>{shown.clone()}</code></p>
                        <button type="button" class="danger" data-testid="revoke-confirm" on:click=move |_| {
                            asking.set(None);
                            super::roster::revoke(state, device.clone(), role_error);
                        }>{move || state.t(K::RevokeDevice)}</button>
                        <button type="button" class="secondary" on:click=move |_| asking.set(None)>{move || state.t(K::Cancel)}</button>
                    </div>
                }
            })}
            <div class="table-scroll">
                <table class="list">
                    <thead><tr>
                        {header(SortKey::Name, K::SquadName, false)}
                        <th scope="col">{move || state.t(K::DeviceId)}</th>
                        <th scope="col">{move || state.t(K::ColFingerprint)}</th>
                        {header(SortKey::Role, K::ColRole, false)}
                        {header(SortKey::LastReceived, K::ColLastReceived, false)}
                        {header(SortKey::Gaps, K::ColGaps, false)}
                        {header(SortKey::Unacknowledged, K::NotYetReceived, true)}
                        {header(SortKey::DaysSince, K::ColDaysSince, true)}
                        {header(SortKey::Receipt, K::ColReceipt, false)}
                        <th scope="col" class="no-print">{move || state.t(K::RosterRevoked)}</th>
                    </tr></thead>
                    <tbody>
                        {move || rows.get().into_iter().map(|(r, count)| {
                            let lang = state.lang.get();
                            let device = r.device_id.clone();
                            let role = r.role.map(DeviceRole::code).unwrap_or_default();
                            let last = r.last.map_or_else(
                                || crate::core::i18n::t(lang, K::NotReceivedYet).to_owned(),
                                |l| format!("#{} · {}", l.seq, platform::format_ms(l.imported_ms)),
                            );
                            let silent = !r.sent_this_month;
                            view! {
                                <tr data-testid="known-device" data-device-id=r.device_id.0.clone() data-silent=silent.to_string() data-receipt-due=r.receipt_due.to_string() class=if silent { "silent" } else { "" }>
                                    <td>{r.squad_name.clone()}{silent.then(|| view! { " " <span class="badge warn">{crate::core::i18n::t(lang, K::SilentThisMonth)}</span> })}</td>
                                    <td><code>{r.device_id.0.clone()}</code></td>
                                    <td data-testid="status-fingerprint"><code class="fingerprint">{r.fingerprint.clone().unwrap_or_else(|| crate::core::i18n::t(lang, K::SignerUnsignedShort).to_owned())}</code></td>
                                    <td>
                                        <select data-testid="status-role" on:change=move |ev| set_role(device.clone(), event_target_value(&ev))>
                                            <option value="" selected=role.is_empty()>{crate::core::i18n::t(lang, K::RoleUnset)}</option>
                                            {DeviceRole::ALL.map(|x| view! { <option value=x.code() selected=x.code() == role>{x.label(lang)}</option> }).collect_view()}
                                        </select>
                                    </td>
                                    <td data-testid="status-last">{last}</td>
                                    <td data-testid="status-gaps">{gaps_text(&r.gaps, lang)}</td>
                                    <td class="num" data-testid="not-yet-received" data-counting=count.is_none().to_string()>{count.map_or_else(|| "…".to_owned(), |n| n.to_string())}</td>
                                    <td class="num" data-testid="status-days">{r.days_since.map(|d| d.to_string()).unwrap_or_default()}</td>
                                    <td data-testid="status-receipt">{receipt_text(&r, lang)}</td>
                                    <td class="no-print">{match r.revoked_ms {
                                        Some(ms) => view! { <span class="badge warn" data-testid="status-revoked">{lang.labelled(crate::core::i18n::t(lang, K::RosterRevoked), platform::format_ms(ms))}</span> }.into_any(),
                                        None => {
                                            let device = r.device_id.clone();
                                            view! { <button type="button" class="link danger" data-testid="status-revoke" on:click=move |_| asking.set(Some(device.clone()))>{crate::core::i18n::t(lang, K::RevokeDevice)}</button> }.into_any()
                                        }
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
