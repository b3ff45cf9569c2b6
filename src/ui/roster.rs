//! The device roster (设备名册) on the data-exchange page: the office hands it out
//! ([`RosterExport`], on the 同步情况 board), a squad checks and takes one
//! ([`RosterPreview`], after choosing its file in the import panel), and the office
//! revokes a lost tablet ([`revoke`], a board row's button).
//!
//! data-testids: `roster-export`, `roster-export-result`, `roster-error`,
//! `roster-preview`, `roster-entry` (a row: `data-device-id`, `data-role`,
//! `data-revoked`), `roster-confirm`, `roster-cancel`, `roster-result`.

use super::{platform, use_app, AppState};
use crate::core::bundle::roster::{Roster, RosterOutcome};
use crate::core::clock::DeviceId;
use crate::core::i18n::{t, UserMessage as _, K};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The office's button: make the roster of every device whose key it holds, signed.
#[component]
pub fn RosterExport() -> impl IntoView {
    let state = use_app();
    let result = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let run = move |_| {
        let Some(session) = state.session() else { return };
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            match session.make_roster(&state).await {
                Ok(f) => match super::share::save_file(state, &f.file_name, &js_sys::Uint8Array::from(f.bytes.as_slice()), "application/json") {
                    Ok(()) => {
                        let mut r = lang.labelled(t(lang, K::RosterMade), f.devices);
                        if f.left_out > 0 {
                            r.push_str(lang.comma());
                            r.push_str(&lang.labelled(t(lang, K::RosterLeftOut), f.left_out));
                        }
                        result.set(Some(r));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(format!("{}{}", t(lang, K::DownloadFailed), lang.paren(e)))),
                },
                Err(e) => error.set(Some(e.message(lang))),
            }
        });
    };
    view! {
        <div class="roster-export no-print">
            <button type="button" class="secondary" data-testid="roster-export" on:click=run>{move || state.t(K::RosterExport)}</button>
            <small class="muted">" " {move || state.t(K::RosterExportHint)}</small>
            {move || result.get().map(|r| view! { <p class="ok" role="status" data-testid="roster-export-result">{r}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="roster-error">{e}</p> })}
        </div>
    }
}

/// Revokes a device (挂失) from now; a failure goes to `error`.
pub fn revoke(state: AppState, device: DeviceId, error: RwSignal<Option<String>>) {
    let Some(session) = state.session() else { return };
    spawn_local(async move {
        if let Err(e) = session.revoke_device(&state, &device).await {
            error.set(Some(e.message(state.lang.get_untracked())));
        }
    });
}

/// A chosen roster: who issued it (and whether that is verified), what it lists, and
/// the confirmation. `done` receives the result message; `cancel` drops the roster.
#[component]
pub fn RosterPreview(roster: Roster, outcome: RosterOutcome, done: Callback<Result<String, String>>, cancel: Callback<()>) -> impl IntoView {
    let state = use_app();
    let lang = state.lang.get_untracked();
    let issuer = format!("{} · {} · {}", roster.issuer_name, roster.issuer, platform::format_ms(roster.created_ms));
    let rows = roster
        .entries
        .iter()
        .map(|e| {
            let role = e.role.map(|r| r.label(lang)).unwrap_or_default();
            let revoked = e.revoked_ms.map(|ms| lang.labelled(t(lang, K::RosterRevoked), platform::format_ms(ms)));
            view! {
                <tr data-testid="roster-entry" data-device-id=e.device.0.clone() data-role=e.role.map(|r| r.code()).unwrap_or_default() data-revoked=e.revoked_ms.is_some().to_string()>
                    <td>{e.squad_name.clone()}</td>
                    <td><code>{e.device.0.clone()}</code></td>
                    <td>{role}</td>
                    <td><code class="fingerprint">{e.key.fingerprint()}</code></td>
                    <td>{revoked}</td>
                </tr>
            }
        })
        .collect_view();
    let summary = [(K::RosterDevices, roster.entries.len()), (K::RosterNewKeys, outcome.new_keys), (K::RosterNewlyRevoked, outcome.newly_revoked)]
        .map(|(k, n)| lang.labelled(t(lang, k), n))
        .join(lang.comma());
    let busy = RwSignal::new(false);
    let confirm = move |_| {
        let Some(session) = state.session() else { return };
        let roster = roster.clone();
        busy.set(true);
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            let r = session.apply_roster(&state, &roster).await.map(|o| lang.labelled(t(lang, K::RosterTaken), o.new_keys)).map_err(|e| e.message(lang));
            busy.set(false);
            done.run(r);
        });
    };
    view! {
        <div class="preview" data-testid="roster-preview">
            <h4>{move || state.t(K::RosterTitle)}</h4>
            <p data-testid="roster-issuer">{move || state.t(K::RosterIssuer)} {move || state.lang.get().colon()} {issuer.clone()}</p>
            <super::sync::SignerNote signer=outcome.signer.clone()/>
            <p data-testid="roster-summary">{summary}</p>
            <div class="table-scroll">
                <table class="list">
                    <thead><tr>
                        <th scope="col">{move || state.t(K::SquadName)}</th>
                        <th scope="col">{move || state.t(K::DeviceId)}</th>
                        <th scope="col">{move || state.t(K::ColRole)}</th>
                        <th scope="col">{move || state.t(K::ColFingerprint)}</th>
                        <th scope="col">{move || state.t(K::RosterRevoked)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="actions">
                <button type="button" data-testid="roster-confirm" disabled=move || busy.get() on:click=confirm>{move || state.t(K::RosterConfirm)}</button>
                <button type="button" class="secondary" data-testid="roster-cancel" on:click=move |_| cancel.run(())>{move || state.t(K::Cancel)}</button>
            </div>
        </div>
    }
}
