//! Data exchange (数据交换): export bundle files, import them with a preview, hand
//! back receipts, and see which devices have sent what.
//!
//! Every decision is the core's (`core::bundle`): what goes in a bundle, whether a
//! file is acceptable, what an import would change; the use cases are the app's
//! (`app::exchange`: the intake state machine, import, receipts, export). This view
//! reads files, shows previews and asks the app to commit.
//!
//! data-testids: `view-sync`, `export-scope` (select: full|delta|since|county),
//! `export-recipient`, `export-since`, `export-county`, `export-passphrase`,
//! `export-seal` (fieldset), `export-seal-to` (a checkbox per device with a known key),
//! `export-passphrase-again`, `export-run`, `export-result`, `import-file`,
//! `import-passphrase`, `import-decrypt`, `import-preview`, `preview-signer` (`data-signer`),
//! `preview-fingerprint`, `preview-kind-<kind>`,
//! `preview-gaps`, `preview-already`, `import-confirm`, `import-cancel`,
//! `import-result`, `import-error`, `receipt-download`, `export-record`,
//! `export-records-only` (a checkbox: no photos), `preview-photos`; files chosen
//! together: `super::batch`; the board of devices: `super::sync_board`.

use super::{platform, use_app};
use crate::app::exchange::PhotoExport;
use crate::app::{Intake, Previewed, Read};
use crate::core::bundle::photos::PhotoCounts;
use crate::core::bundle::sign::Signer;
use crate::core::bundle::warmup;
use crate::core::bundle::{ExportRequest, ExportScope, ImportError, Limits, Preview};
use crate::core::clock::DeviceId;
use crate::core::guardian::Guardian;
use crate::core::i18n::{kind_name, t, UserMessage as _, K};
use crate::core::validate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

const JSON_MIME: &str = "application/json";

/// The data-exchange page.
#[component]
pub fn SyncView() -> impl IntoView {
    let state = use_app();
    // The ledger is read whole here first (`StoredLedger`): one that does not read
    // starts afresh, as at start-up (the records are untouched).
    if let Some(e) = state.sync_ledger.with_untracked(|l| l.unreadable().cloned()) {
        leptos::logging::warn!("sync ledger unreadable, starting a new one: {e}");
    }
    view! {
        <section class="view" data-testid="view-sync">
            <h2>{move || state.t(K::NavSync)}</h2>
            <ExportPanel/>
            <ImportPanel/>
            <super::sync_board::SyncBoard/>
            <ExportsPanel/>
        </section>
    }
}

#[component]
fn ExportPanel() -> impl IntoView {
    let state = use_app();
    let scope = RwSignal::new("full".to_owned());
    let recipient = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let county = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let pass2 = RwSignal::new(String::new());
    let busy = RwSignal::new(None::<K>);
    let error = RwSignal::new(None::<String>);
    let result = RwSignal::new(None::<String>);
    // Devices the bundle is sealed to (密封给): only they can open it.
    let seal_to = RwSignal::new(Vec::<DeviceId>::new());
    // Records only (仅记录): no photo bytes, a quick exchange.
    let records_only = RwSignal::new(false);

    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            error.set(None);
            result.set(None);
            let lang = state.lang.get_untracked();
            let passphrase = pass.get_untracked();
            if passphrase != pass2.get_untracked() {
                error.set(Some(t(lang, K::PassphraseMismatch).to_owned()));
                return;
            }
            let scope = match scope.get_untracked().as_str() {
                "delta" => {
                    let r = recipient.get_untracked();
                    if r.is_empty() {
                        error.set(Some(t(lang, K::ChooseRecipient).to_owned()));
                        return;
                    }
                    ExportScope::Delta { known: state.sync_ledger.with_untracked(|l| l.known_by(&DeviceId(r))) }
                }
                "since" => match validate::parse_date(&since.get_untracked()) {
                    Ok(d) => ExportScope::since_date(d),
                    Err(e) => {
                        error.set(Some(e.message(lang)));
                        return;
                    }
                },
                "county" => {
                    let c = county.get_untracked();
                    if c.is_empty() {
                        error.set(Some(t(lang, K::ChooseCounty).to_owned()));
                        return;
                    }
                    ExportScope::Scoped { county_ids: vec![c], target_ids: Vec::new() }
                }
                _ => ExportScope::Full,
            };
            let recipient_id = Some(recipient.get_untracked()).filter(|r| !r.is_empty()).map(DeviceId);
            let squad_name = state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default());
            busy.set(Some(if passphrase.is_empty() { K::Writing } else { K::Encrypting }));
            platform::yield_to_browser().await;
            let req = ExportRequest {
                scope,
                recipient: recipient_id,
                squad_name,
                created_ms: platform::now_ms(),
                date: platform::today(),
                bundle_id: platform::random_bytes(),
                carry_restricted: false,
            };
            let Some(session) = state.session() else { return busy.set(None) };
            let sealed_to = seal_to.get_untracked();
            let how = if records_only.get_untracked() { PhotoExport::RecordsOnly } else { PhotoExport::WithPhotos };
            let outcome = if sealed_to.is_empty() {
                session.export_as(&state, &req, Some(passphrase.as_str()).filter(|p| !p.is_empty()), how).await
            } else {
                session.export_sealed(&state, &req, &sealed_to, how).await
            };
            // The file in parts: its head, then one photo read from the store at a
            // time, put together by the browser.
            let outcome = match outcome {
                Ok(mut done) => {
                    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(done.bytes.as_slice()));
                    let mut size = done.bytes.len();
                    session
                        .write_rest(&mut done, |p| {
                            size += p.len();
                            parts.push(&js_sys::Uint8Array::from(p.as_slice()));
                        })
                        .await
                        .map(|()| (done, parts, size))
                }
                Err(e) => Err(e),
            };
            busy.set(None);
            match outcome {
                Ok((done, parts, size)) => match super::share::save_parts(state, &done.file.file_name, &parts, JSON_MIME) {
                    Ok(()) => {
                        let total: u64 = done.file.counts.values().sum();
                        // 暗访督战 records left out or carried (督查室专阅) are said so, and photos carried.
                        let restricted =
                            [(K::ExportWithheld, done.file.withheld), (K::ExportCarried, done.file.carried), (K::ExportPhotosCarried, done.file.photos.len())]
                                .into_iter()
                                .filter(|(_, n)| *n > 0)
                                .map(|(k, n)| format!("{}{}", lang.comma(), lang.labelled(t(lang, k), n)))
                                .collect::<String>();
                        result.set(Some(format!(
                            "{}{}{restricted}",
                            lang.labelled(t(lang, K::Exported), &done.file.file_name),
                            lang.paren(format!("{total} {}{}{:.1} KB", t(lang, K::ColRecords), lang.comma(), size as f64 / 1024.0))
                        )));
                    }
                    Err(e) => error.set(Some(format!("{}{}", t(lang, K::DownloadFailed), lang.paren(e)))),
                },
                Err(e) => error.set(Some(e.message(lang))),
            }
        });
    };

    // Every device heard from, by bundle or by receipt (a receipt-only device, e.g. the
    // office, is known to hold what it acknowledged: a delta to it is exact).
    let devices = move || state.sync_ledger.with(|l| l.devices.iter().map(|(id, log)| (id.clone(), log.squad_name.clone())).collect::<Vec<_>>());
    // Devices a bundle can be sealed to: those whose key this device holds.
    let keyed = move || {
        state.sync_ledger.with(|l| {
            l.devices.iter().filter_map(|(id, log)| l.key_of(id).map(|k| (id.clone(), log.squad_name.clone(), log.role, k.fingerprint()))).collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel no-print">
            <h3>{move || state.t(K::ExportTitle)}</h3>
            <form class="form" on:submit=run>
                <label>{move || state.t(K::ExportScopeLabel)}
                    <select data-testid="export-scope" on:change=move |ev| scope.set(event_target_value(&ev))>
                        <option value="full">{move || state.t(K::ScopeFull)}</option>
                        <option value="delta">{move || state.t(K::ScopeDelta)}</option>
                        <option value="since">{move || state.t(K::ScopeSince)}</option>
                        <option value="county">{move || state.t(K::ScopeCounty)}</option>
                    </select>
                </label>
                <label>{move || state.t(K::Recipient)}
                    <select data-testid="export-recipient" on:change=move |ev| recipient.set(event_target_value(&ev))>
                        <option value="">{move || state.t(K::NoneChosen)}</option>
                        {move || devices().into_iter().map(|(id, name)| {
                            let label = format!("{} ({})", if name.is_empty() { "-".to_owned() } else { name }, id);
                            view! { <option value=id.0.clone()>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || scope.get() == "since">
                    <label>{move || state.t(K::FieldDate)}
                        <input type="text" placeholder="YYYY-MM-DD" data-testid="export-since" prop:value=move || since.get() on:input=move |ev| since.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <Show when=move || scope.get() == "county">
                    <label>{move || state.t(K::FieldCounty)}
                        <select data-testid="export-county" on:change=move |ev| county.set(event_target_value(&ev))>
                            <option value="">{move || state.t(K::NoneChosen)}</option>
                            {move || state.snapshot.with(|s| s.counties.iter().map(|c| view! { <option value=c.id.clone()>{c.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                </Show>
                <fieldset class="seal-to" data-testid="export-seal">
                    <legend>{move || state.t(K::SealTo)}</legend>
                    <small class="muted">{move || state.t(K::SealToHint)}</small>
                    {move || {
                        let lang = state.lang.get();
                        keyed().into_iter().map(|(id, name, role, fp)| {
                            let checked = { let id = id.clone(); move || seal_to.with(|v| v.contains(&id)) };
                            let toggle = { let id = id.clone(); move |ev: leptos::ev::Event| {
                                let on = event_target_checked(&ev);
                                seal_to.update(|v| { v.retain(|x| *x != id); if on { v.push(id.clone()); } });
                            } };
                            let label = format!("{} · {}{} · {}", if name.is_empty() { "-" } else { name.as_str() }, id, role.map(|r| lang.paren(r.label(lang))).unwrap_or_default(), fp);
                            view! { <label class="check"><input type="checkbox" data-testid="export-seal-to" value=id.0.clone() prop:checked=checked on:change=toggle/> " " {label}</label> }
                        }).collect_view()
                    }}
                </fieldset>
                <label class="check">
                    <input type="checkbox" data-testid="export-records-only" prop:checked=move || records_only.get() on:change=move |ev| records_only.set(event_target_checked(&ev))/>
                    " " {move || state.t(K::ExportRecordsOnly)}
                </label>
                <label>{move || state.t(K::Passphrase)}
                    <input type="password" autocomplete="new-password" data-testid="export-passphrase" prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev))/>
                </label>
                <label>{move || state.t(K::PassphraseAgain)}
                    <input type="password" autocomplete="new-password" data-testid="export-passphrase-again" prop:value=move || pass2.get() on:input=move |ev| pass2.set(event_target_value(&ev))/>
                </label>
                <div class="actions">
                    <button type="submit" data-testid="export-run" disabled=move || busy.with(Option::is_some)>{move || state.t(K::DoExport)}</button>
                    {move || busy.get().map(|k| view! { <span class="muted" role="status">{state.t(k)}</span> })}
                </div>
            </form>
            {move || result.get().map(|r| view! { <p class="ok" role="status" data-testid="export-result">{r}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="export-error">{e}</p> })}
        </section>
    }
}

/// Whether this page has rehearsed the import ([`warmup`]).
static REHEARSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Rounds of the rehearsal: ~2,400 records read and checked, ~100 ms in all on the
/// build machine (a task each).
const REHEARSALS: usize = 4;

/// User Timing mark of every time a chosen file was read and checked (tests count
/// them: one per imported file).
const CHECKED_MARK: &str = "duzhan:import-checked";

#[component]
fn ImportPanel() -> impl IntoView {
    let state = use_app();
    // The file being imported (`app::Intake`), kept until the user confirms or cancels,
    // and the chosen file it reads its photos from, a part at a time.
    let pending = StoredValue::new(None::<Intake>);
    let pending_file = StoredValue::new_local(None::<platform::WebFile>);
    let photo_counts = RwSignal::new(None::<PhotoCounts>);
    let photo_progress = RwSignal::new(None::<(usize, usize)>);
    let needs_pass = RwSignal::new(false);
    let pass = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<Preview>);
    let stage_text = RwSignal::new(None::<K>);
    let error = RwSignal::new(None::<String>);
    let result = RwSignal::new(None::<String>);
    let receipt_for = RwSignal::new(None::<DeviceId>);
    // A bundle of another campaign, which the user may open as that campaign.
    let other_campaign = RwSignal::new(None::<crate::core::model::Campaign>);
    // A device roster (设备名册) waiting for its confirmation, and what taking one did.
    let roster = RwSignal::new(None::<(crate::core::bundle::roster::Roster, crate::core::bundle::roster::RosterOutcome)>);
    let roster_result = RwSignal::new(None::<String>);

    // Rehearse the import while the user picks a file, once per page: the first
    // real import then runs optimised code (src/core/bundle/warmup.rs). A few short
    // tasks; stops as soon as a file is chosen.
    if !REHEARSED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        spawn_local(async move {
            platform::sleep_ms(200).await;
            let Ok(sample) = warmup::sample_bundle() else { return };
            for _ in 0..REHEARSALS {
                platform::sleep_ms(20).await;
                let busy = pending.try_with_value(Option::is_some).unwrap_or(true) || stage_text.try_get_untracked().is_none_or(|s| s.is_some());
                if busy {
                    return;
                }
                let _ = warmup::rehearse(&sample);
            }
            platform::mark("duzhan:import-rehearsed");
        });
    }

    let reset = move || {
        pending.set_value(None);
        pending_file.set_value(None);
        photo_counts.set(None);
        photo_progress.set(None);
        other_campaign.set(None);
        roster.set(None);
        roster_result.set(None);
        needs_pass.set(false);
        pass.set(String::new());
        preview.set(None);
        stage_text.set(None);
    };

    // Previews the pending file against the current replica.
    let run_preview = move || {
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            // Every photo the file carries is read and checked first, one at a
            // time; one bad photo refuses the file before the preview is shown.
            let file = pending_file.get_value();
            if let (Some(mut intake), Some(session)) = (pending.try_update_value(Option::take).flatten(), state.session()) {
                stage_text.set(Some(K::CheckingPhotos));
                let counts = match &file {
                    Some(f) => session.check_photos(&mut intake, f, |done, total| photo_progress.set(Some((done, total)))).await,
                    None => session.check_photos(&mut intake, &[][..], |_, _| {}).await,
                };
                photo_progress.set(None);
                match counts {
                    Ok(c) => {
                        photo_counts.set(Some(c));
                        pending.set_value(Some(intake));
                    }
                    Err(e) => {
                        stage_text.set(None);
                        error.set(Some(e.message(lang)));
                        reset();
                        return;
                    }
                }
            }
            stage_text.set(Some(K::Checking));
            platform::yield_to_browser().await;
            let res = pending.try_update_value(|p| p.as_mut().map(|i| i.preview(&state, platform::now_ms()))).flatten();
            stage_text.set(None);
            match res {
                None => {}
                Some(Ok(Previewed::Ready(pv))) => preview.set(Some(*pv)),
                // A full bundle of another campaign can open as that campaign: keep it.
                Some(Ok(Previewed::OtherCampaign { campaign, refusal })) => {
                    error.set(Some(refusal.message(lang)));
                    other_campaign.set(Some(campaign));
                }
                Some(Err(e)) => {
                    error.set(Some(e.message(lang)));
                    reset();
                }
            }
        });
    };

    // Files chosen together go to the batch import (`super::batch`), each choice a
    // fresh one; a single file to the preview below.
    let batch = RwSignal::new_local(None::<Vec<web_sys::File>>);
    let take_files = move |files: Vec<web_sys::File>| {
        reset();
        error.set(None);
        result.set(None);
        receipt_for.set(None);
        let mut files = files;
        if files.len() > 1 {
            batch.set(Some(files));
            return;
        }
        batch.set(None);
        let Some(file) = files.pop() else { return };
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            let limits = Limits::default();
            // One read tells a bundle, an encrypted bundle and a receipt apart, and
            // for a plain bundle it is already steps 1–7 of the import. The size cap
            // comes before reading anything; a file carrying photos has only its
            // records read now, a part at a time.
            stage_text.set(Some(K::Reading));
            let web = platform::WebFile::new(file);
            let read = Intake::open(&web, limits).await;
            platform::mark("duzhan:import-file-read");
            stage_text.set(None);
            pending_file.set_value(Some(web));
            match read {
                Ok((_, Read::Receipt(receipt))) => {
                    let Some(session) = state.session() else { return };
                    match session.apply_receipt(&state, &receipt).await {
                        Ok(out) => {
                            let seqs = out.newly_acknowledged.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(lang.list_sep());
                            result.set(Some(format!(
                                "{} {}",
                                t(lang, K::ReceiptApplied),
                                lang.labelled(&out.squad_name, if seqs.is_empty() { t(lang, K::NoneChosen).to_owned() } else { seqs })
                            )));
                        }
                        Err(e) => error.set(Some(e.message(lang))),
                    }
                }
                Ok((intake, Read::Encrypted)) => {
                    pending.set_value(Some(intake));
                    needs_pass.set(true);
                }
                Ok((mut intake, Read::Sealed)) => {
                    let Some(session) = state.session() else { return };
                    stage_text.set(Some(K::Checking));
                    let Some(file) = pending_file.get_value() else { return };
                    let opened = session.open_sealed_file(&mut intake, &file).await;
                    stage_text.set(None);
                    match opened {
                        Ok(()) => {
                            platform::mark(CHECKED_MARK);
                            pending.set_value(Some(intake));
                            run_preview();
                        }
                        Err(e) => error.set(Some(e.message(lang))),
                    }
                }
                Ok((_, Read::Roster(r))) => match crate::app::preview_roster(&state, &r) {
                    Ok(outcome) => roster.set(Some((r, outcome))),
                    Err(e) => error.set(Some(e.message(lang))),
                },
                Ok((intake, Read::Bundle)) => {
                    platform::mark(CHECKED_MARK);
                    pending.set_value(Some(intake));
                    run_preview();
                }
                Err(e) => error.set(Some(e.message(lang))),
            }
        });
    };
    let file_list =
        |list: Option<web_sys::FileList>| -> Vec<web_sys::File> { list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default() };
    let on_file = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        let Some(input) = input else { return };
        let files = file_list(input.files());
        // Allow choosing the same file again later (e.g. to show "already imported").
        input.set_value("");
        if !files.is_empty() {
            take_files(files);
        }
    };
    // A laptop's folder of files dropped on the panel.
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let files = file_list(ev.data_transfer().and_then(|d| d.files()));
        if !files.is_empty() {
            take_files(files);
        }
    };

    // Imports the bundle into its own campaign's store and switches to it (the page reloads).
    let open_other = move |_| {
        spawn_local(async move {
            let Some(mut intake) = pending.try_update_value(Option::take).flatten() else { return };
            stage_text.set(Some(K::Writing));
            platform::yield_to_browser().await;
            let file = pending_file.get_value();
            if let Err(m) = super::campaigns::open_bundle(state, &mut intake, file.as_ref()).await {
                stage_text.set(None);
                reset();
                error.set(Some(m));
            }
        });
    };

    let decrypt = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let lang = state.lang.get_untracked();
        let p = pass.get_untracked();
        // Out of the panel while it is opened (a chunked file is read a chunk at a time).
        let Some(file) = pending_file.get_value() else { return };
        let Some(mut intake) = pending.try_update_value(Option::take).flatten() else { return };
        spawn_local(async move {
            stage_text.set(Some(K::Checking));
            let opened = intake.unlock_file(&file, &p).await;
            stage_text.set(None);
            match opened {
                Ok(()) => {
                    pending.set_value(Some(intake));
                    platform::mark(CHECKED_MARK);
                    run_preview();
                }
                // A wrong passphrase keeps the file: the user may try again.
                Err(e @ ImportError::WrongPassphrase) => {
                    pending.set_value(Some(intake));
                    error.set(Some(e.message(lang)));
                }
                Err(e) => {
                    error.set(Some(e.message(lang)));
                    reset();
                }
            }
        });
    };

    let confirm = move |_| {
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            let Some(session) = state.session() else { return };
            // Out of the panel while it is committed (put back should the commit fail:
            // the next try reads the records from the file again).
            let Some(mut intake) = pending.try_update_value(Option::take).flatten() else { return };
            stage_text.set(Some(K::Writing));
            platform::yield_to_browser().await;
            let outcome = match pending_file.get_value() {
                Some(file) => session.import_file(&state, &mut intake, &file).await,
                None => session.import(&state, &mut intake).await,
            };
            stage_text.set(None);
            match outcome {
                Ok(done) => {
                    if photo_counts.get_untracked().is_some_and(|c| c.new > 0) {
                        state.photos_arrived.update(|n| *n += 1);
                    }
                    let totals = done.totals;
                    let counts =
                        [(K::ColNew, totals.new), (K::ColChanged, totals.changed), (K::ColDeleted, totals.deleted), (K::ColConflicting, totals.conflicting)]
                            .map(|(k, n)| format!("{} {n}", t(lang, k)))
                            .join(lang.comma());
                    result.set(Some(format!("{} — {counts}", lang.labelled(t(lang, K::Imported), format!("{} #{}", done.squad_name, done.seq)))));
                    receipt_for.set(Some(done.source_device));
                    reset();
                    // Restoring from a bundle answers a lost-data report.
                    super::offline::resolve_lost(state).await;
                }
                Err(e) => {
                    pending.set_value(Some(intake));
                    error.set(Some(e.message(lang)));
                }
            }
        });
    };

    let download_receipt = move |_| hand_over_receipt(state, receipt_for.get_untracked(), error);

    view! {
        <section class="panel no-print" data-testid="import-panel" on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <h3>{move || state.t(K::ImportTitle)}</h3>
            <label class="file-pick">{move || state.t(K::ChooseFile)}
                <input type="file" multiple accept=".json,application/json" data-testid="import-file" on:change=on_file/>
            </label>
            {move || batch.get().map(|files| view! { <super::batch::BatchImport files=files on_close=Callback::new(move |_| batch.set(None))/> })}
            {move || stage_text.get().map(|k| {
                let progress = photo_progress.get().map(|(done, total)| format!(" {done}/{total}")).unwrap_or_default();
                view! { <p class="muted" role="status" data-testid="import-progress">{state.t(k)}{progress}</p> }
            })}
            <Show when=move || needs_pass.get() && preview.with(Option::is_none)>
                <form class="form inline" on:submit=decrypt>
                    <p>{move || state.t(K::NeedPassphrase)}</p>
                    <label>{move || state.t(K::PassphraseShort)}
                        <input type="password" data-testid="import-passphrase" prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" data-testid="import-decrypt">{move || state.t(K::Decrypt)}</button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="import-error">{e}</p> })}
            {move || other_campaign.get().map(|c| view! {
                <div class="preview" data-testid="import-other-campaign">
                    <p>{state.t(K::OtherCampaignHint)} <strong data-testid="other-campaign-name">{format!("{}{}", c.name, state.lang.get_untracked().paren(c.year))}</strong></p>
                    <p class="muted">{state.t(K::OtherCampaignNote)}</p>
                    <div class="actions">
                        <button type="button" data-testid="import-open-campaign" on:click=open_other>{state.t(K::OtherCampaignAction)}</button>
                        <button type="button" class="secondary" on:click=move |_| { reset(); error.set(None); }>{state.t(K::Cancel)}</button>
                    </div>
                </div>
            })}
            {move || roster.get().map(|(r, outcome)| view! {
                <super::roster::RosterPreview roster=r outcome=outcome
                    done=Callback::new(move |res: Result<String, String>| {
                        roster.set(None);
                        match res {
                            Ok(m) => roster_result.set(Some(m)),
                            Err(e) => error.set(Some(e)),
                        }
                    })
                    cancel=Callback::new(move |_| roster.set(None))/>
            })}
            {move || roster_result.get().map(|m| view! { <p class="ok" role="status" data-testid="roster-result">{m}</p> })}
            {move || preview.get().map(|pv| view! { <PreviewTable preview=pv photos=photo_counts.get_untracked() on_confirm=Callback::new(confirm) on_cancel=Callback::new(move |_| reset())/> })}
            {move || result.get().map(|r| view! {
                <div class="ok" role="status" data-testid="import-result">
                    <p>{r}</p>
                    <button type="button" class="secondary" data-testid="receipt-download" on:click=download_receipt>{state.t(K::DownloadReceipt)}</button>
                </div>
            })}
        </section>
    }
}

/// Makes a receipt for what this device received from `for_device` (`None`: from every
/// device, one receipt for a whole batch), notes it in the ledger and hands the file
/// over; a failure goes to `error`.
pub(super) fn hand_over_receipt(state: super::AppState, for_device: Option<DeviceId>, error: RwSignal<Option<String>>) {
    let Some(session) = state.session() else { return };
    spawn_local(async move {
        let lang = state.lang.get_untracked();
        let failed = match session.make_receipt(&state, for_device).await {
            Ok(f) => super::share::save_file(state, &f.file_name, &js_sys::Uint8Array::from(f.bytes.as_slice()), JSON_MIME)
                .err()
                .map(|e| format!("{}{}", t(lang, K::DownloadFailed), lang.paren(e))),
            Err(e) => Some(e.message(lang)),
        };
        if failed.is_some() {
            let _ = error.try_set(failed);
        }
    });
}

/// What an import would do, per record kind, before the user confirms.
#[component]
fn PreviewTable(preview: Preview, photos: Option<PhotoCounts>, on_confirm: Callback<()>, on_cancel: Callback<()>) -> impl IntoView {
    let state = use_app();
    // What the file's photos would do here, before anything is written.
    let photos = photos.filter(|c| c.in_file + c.already_here + c.missing > 0).map(|c| {
        let lang = state.lang.get_untracked();
        let mb = |b: u64| format!("{:.1} MB", b as f64 / (1024.0 * 1024.0));
        let text = [
            format!("{} {}{}", t(lang, K::PhotosInFile), c.in_file, lang.paren(mb(c.in_file_bytes))),
            format!("{} {}{}", t(lang, K::PhotosNew), c.new, lang.paren(mb(c.new_bytes))),
            format!("{} {}", t(lang, K::PhotosHere), c.already_here),
            format!("{} {}", t(lang, K::PhotosMissing), c.missing),
        ]
        .join(lang.comma());
        let class = if c.missing > 0 { "warn" } else { "muted" };
        view! { <p class=class data-testid="preview-photos" data-new=c.new data-missing=c.missing data-here=c.already_here>{text}</p> }
    });
    let gaps = (preview.gaps.missing > 0).then(|| {
        let lang = state.lang.get_untracked();
        let first = preview.gaps.first.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(lang.list_sep());
        view! { <p class="warn" data-testid="preview-gaps">{move || state.t(K::GapsNote)} {format!(" {first}{}", lang.paren(preview.gaps.missing))}</p> }
    });
    let already = preview.already_imported.map(|a| {
        let k = match a {
            crate::core::bundle::import::AlreadyImported::SameBundle => K::AlreadyImported,
            crate::core::bundle::import::AlreadyImported::NothingNew => K::NothingNew,
        };
        view! { <p class="warn" data-testid="preview-already">{move || state.t(k)}</p> }
    });
    let own = preview.own_bundle.then(|| view! { <p class="muted">{move || state.t(K::OwnBundle)}</p> });
    let signer = view! { <SignerNote signer=preview.signer.clone()/> };
    let th = move |k: K| view! { <th scope="col" class="num">{move || state.t(k)}</th> };
    let rows = preview
        .kinds
        .iter()
        .map(|(kind, c)| {
            let name = {
                let kind = kind.clone();
                move || kind_name(state.lang.get(), &kind).to_owned()
            };
            view! {
                <tr data-testid=format!("preview-kind-{kind}")>
                    <th scope="row">{name}</th>
                    <td class="num">{c.records}</td><td class="num">{c.new}</td><td class="num">{c.changed}</td>
                    <td class="num">{c.deleted}</td><td class="num">{c.conflicting}</td><td class="num">{c.unchanged}</td>
                </tr>
            }
        })
        .collect_view();
    let header = format!("{} · {} #{} · {}", preview.squad_name, preview.source_device, preview.seq, platform::format_ms(preview.created_ms));
    view! {
        <div class="preview" data-testid="import-preview">
            <h4>{move || state.t(K::ImportPreview)}</h4>
            <p data-testid="preview-source">{move || state.t(K::FromDevice)} {move || state.lang.get().colon()} {header.clone()}</p>
            {signer}{gaps}{already}{own}{photos}
            <div class="table-scroll">
                <table class="list">
                    <thead><tr>
                        <th scope="col">{move || state.t(K::KindCol)}</th>
                        {th(K::ColRecords)}{th(K::ColNew)}{th(K::ColChanged)}{th(K::ColDeleted)}{th(K::ColConflicting)}{th(K::ColUnchanged)}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="actions">
                <button type="button" data-testid="import-confirm" on:click=move |_| on_confirm.run(())>{move || state.t(K::ConfirmImport)}</button>
                <button type="button" class="secondary" data-testid="import-cancel" on:click=move |_| on_cancel.run(())>{move || state.t(K::Cancel)}</button>
            </div>
        </div>
    }
}

/// Who signed a file, as this device knows them: verified, first seen (compare the
/// fingerprint), this device's own, or unsigned (an old file).
#[component]
pub(super) fn SignerNote(signer: Signer) -> impl IntoView {
    let state = use_app();
    let code = signer.code();
    let fingerprint = signer.key().map(|k| k.fingerprint());
    let (class, k) = match &signer {
        Signer::Unsigned => ("warn", K::SignerUnsigned),
        Signer::Own => ("muted", K::SignerOwn),
        Signer::Known(_) => ("ok", K::SignerKnown),
        Signer::FirstSeen(_) => ("warn", K::SignerFirstSeen),
    };
    let first = matches!(signer, Signer::FirstSeen(_));
    view! {
        <p class=class data-testid="preview-signer" data-signer=code>
            <b>{move || state.t(K::SignatureLabel)}</b>{move || state.lang.get().colon()}
            {move || state.t(k)}
            {fingerprint.map(|f| view! { " " <code class="fingerprint" data-testid="preview-fingerprint">{f}</code> })}
            {first.then(|| view! { " " <span>{move || state.t(K::SignerFirstSeenNote)}</span> })}
        </p>
    }
}

/// This device's own exports, latest first, and who acknowledged them.
#[component]
fn ExportsPanel() -> impl IntoView {
    let state = use_app();
    view! {
        <section class="panel no-print">
            <h3>{move || state.t(K::ExportsDone)}</h3>
            <ul class="plain">
                {move || state.sync_ledger.with(|l| l.exports.iter().rev().take(20).map(|(seq, e)| {
                    let acked = e.acked_by.keys().map(|d| d.0.clone()).collect::<Vec<_>>().join(state.lang.get().list_sep());
                    view! {
                        <li data-testid="export-record">
                            {format!("#{seq} · {} · {} {}", platform::format_ms(e.created_ms), e.records, crate::core::i18n::t(state.lang.get(), K::ColRecords))}
                            {(!acked.is_empty()).then(|| view! { <span class="tag">{move || state.t(K::AckedBy)} " " {acked.clone()}</span> })}
                        </li>
                    }
                }).collect_view())}
            </ul>
        </section>
    }
}

/// The home view's reminder to export (数据守护): changes since the last export,
/// days since it, and a reminder past the thresholds of `core::guardian`.
#[component]
pub fn GuardianBar() -> impl IntoView {
    let state = use_app();
    // The count is a read model (kept per commit, counted afresh per export): a save
    // on the home view does not walk the records.
    let g = move || state.sync_ledger.with(|l| state.unexported.with(|c| Guardian::of(c, l.last_export_ms(), platform::now_ms())));
    move || {
        Some(g()).filter(|g| g.changes_since > 0).map(|g| {
            let days = g.days_since.map(|d| d.to_string());
            view! {
                <div class=if g.remind { "guardian remind no-print" } else { "guardian no-print" } data-testid="guardian" data-remind=g.remind.to_string() role="status">
                    {g.remind.then(|| view! { <strong>{move || state.t(K::GuardianRemind)}</strong> })}
                    <span>{move || state.t(K::GuardianChanges)} {move || state.lang.get().colon()} <b data-testid="guardian-changes">{g.changes_since}</b></span>
                    <span>{move || state.t(K::GuardianDays)} {move || state.lang.get().colon()} {days.clone().unwrap_or_else(|| state.t(K::GuardianNever).to_owned())}</span>
                    <a class="button" href="#/sync">{move || state.t(K::GoExport)}</a>
                </div>
            }
        })
    }
}
