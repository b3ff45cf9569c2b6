//! Settings (设置): the device's id and squad name, language, storage facts,
//! and reset to the embedded default.

use super::{use_app, FormError};
use crate::core::i18n::{t, Lang, UserMessage as _, K};
use crate::storage::SCHEMA_VERSION;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SettingsView() -> impl IntoView {
    let state = use_app();
    let name = RwSignal::new(state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default()));
    let name_error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let reset_error = RwSignal::new(None::<String>);
    let reset_done = RwSignal::new(false);
    // This device's key fingerprint, made on first look if the device has no key yet.
    let fingerprint = RwSignal::new(None::<Result<String, String>>);
    if let Some(session) = state.session() {
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            let r = session.device_key(&state).await.map(|k| k.fingerprint()).map_err(|e| e.message(lang));
            let _ = fingerprint.try_set(Some(r));
        });
    }

    let save_name = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            name_error.set(state.save_squad_name(name.get_untracked()).await.err());
        });
    };
    let reset = move |_| {
        spawn_local(async move {
            let res = state.save(|c| Ok(c.replica.stage_reset_to(&crate::core::default_plan::docs(), c.now_ms))).await;
            reset_done.set(res.is_ok());
            reset_error.set(res.err());
            confirming.set(false);
        });
    };

    view! {
        <section class="view" data-testid="view-settings">
            <h2>{move || state.t(K::NavSettings)}</h2>
            <form class="form" on:submit=save_name>
                <label>{move || state.t(K::SquadName)}
                    <input type="text" maxlength="100" data-testid="squad-name-input" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <div class="actions"><button type="submit" data-testid="squad-name-save">{move || state.t(K::Save)}</button></div>
                <FormError error=name_error/>
            </form>
            <dl class="facts">
                <dt>{move || state.t(K::DeviceId)}</dt>
                <dd><code data-testid="device-id">{move || state.device.with(|d| d.as_ref().map(|d| d.device_id.to_string()).unwrap_or_default())}</code></dd>
                <dt>{move || state.t(K::MyFingerprint)}</dt>
                <dd>
                    {move || match fingerprint.get() {
                        None => view! { <span>"…"</span> }.into_any(),
                        Some(Ok(f)) => view! { <code class="fingerprint big" data-testid="device-fingerprint">{f}</code> }.into_any(),
                        Some(Err(e)) => view! { <span class="error" role="alert" data-testid="device-fingerprint-error">{e}</span> }.into_any(),
                    }}
                    <br/><small class="muted">{move || state.t(K::MyFingerprintHint)}</small>
                </dd>
                <dt>{move || state.t(K::OwnRole)}</dt>
                <dd data-testid="own-role">{move || {
                    let lang = state.lang.get();
                    state.sync_ledger.with(|l| l.own_role.map(|r| r.label(lang)).unwrap_or_else(|| crate::core::i18n::t(lang, K::NoneChosen)))
                }}</dd>
                <dt>{move || state.t(K::StorageKind)}</dt>
                <dd data-testid="storage-kind">{move || state.store_kind()}</dd>
                <dt>{move || state.t(K::SchemaVersion)}</dt>
                <dd>{SCHEMA_VERSION}</dd>
                <dt>{move || state.t(K::Records)}</dt>
                <dd data-testid="record-count">{move || state.replica.with(|r| r.as_ref().map(|r| r.len()).unwrap_or(0))}</dd>
                <dt>{move || state.t(K::StateHash)}</dt>
                <dd><code data-testid="state-hash">{move || state.replica.with(|r| r.as_ref().map(|r| crate::core::bundle::state_hash(r.docs())[..16].to_owned()).unwrap_or_default())}</code></dd>
            </dl>
            <p><a class="button secondary" href="#/checklist" data-testid="settings-checklist">{move || state.t(K::EditChecklist)}</a></p>
            <StoragePanel/>
            <PhotoSettingsPanel/>
            <super::campaigns::CampaignsPanel/>
            <label>{move || state.t(K::Language)}
                <select data-testid="lang-select" on:change=move |ev| state.set_lang(Lang::from_code(&event_target_value(&ev)))>
                    <option value="zh" selected=move || state.lang.get() == Lang::Zh>{Lang::Zh.native_name()}</option>
                    <option value="en" selected=move || state.lang.get() == Lang::En>{Lang::En.native_name()}</option>
                </select>
            </label>
            // Back to the embedded 2020 plan: offered in the plan's store only (another
            // campaign's store is not the plan's, see `core::campaigns`).
            <Show when=move || state.snapshot.with(|s| s.campaign.as_ref().is_none_or(|c| c.id == crate::core::seed::CAMPAIGN_ID))>
                <div class="danger-zone">
                    <button type="button" class="danger" data-testid="reset-default" on:click=move |_| confirming.set(true)>{move || state.t(K::ResetDefault)}</button>
                    <Show when=move || confirming.get()>
                        <div class="confirm" role="alertdialog" aria-labelledby="reset-q">
                            <p id="reset-q">{move || state.t(K::ResetQuestion)}</p>
                            <button type="button" class="danger" data-testid="reset-confirm" on:click=reset>{move || state.t(K::ResetDefault)}</button>
                            <button type="button" class="secondary" on:click=move |_| confirming.set(false)>{move || state.t(K::Cancel)}</button>
                        </div>
                    </Show>
                    <Show when=move || reset_done.get()><p class="ok" role="status">{move || state.t(K::ResetDone)}</p></Show>
                    <FormError error=reset_error/>
                </div>
            </Show>
        </section>
    }
}

/// Whether the browser will keep the data, and how much room is used.
#[component]
fn StoragePanel() -> impl IntoView {
    let state = use_app();
    let persisted = RwSignal::new(None::<bool>);
    let estimate = RwSignal::new(None::<(f64, f64)>);
    let photos = RwSignal::new(None::<crate::app::photos::PhotoStorage>);
    let freed = RwSignal::new(None::<String>);
    let refresh = move || {
        spawn_local(async move {
            persisted.set(super::platform::is_persisted().await);
            estimate.set(super::platform::storage_estimate().await);
            if let Some(session) = state.session() {
                photos.set(session.photo_storage(&state).await.ok());
            }
        });
    };
    let free = move |_| {
        spawn_local(async move {
            let Some(session) = state.session() else { return };
            let lang = state.lang.get_untracked();
            match session.free_unreferenced_photos(&state).await {
                Ok((n, bytes)) => freed.set(Some(format!("{} {n}{}", t(lang, K::PhotosFreed), lang.paren(format!("{:.1} MB", bytes as f64 / 1_048_576.0))))),
                Err(e) => freed.set(Some(e.message(lang))),
            }
            refresh();
        });
    };
    refresh();
    let ask = move |_| {
        spawn_local(async move {
            let _ = super::platform::request_persistence().await;
            refresh();
        });
    };
    let mb = |b: f64| format!("{:.1} MB", b / 1_048_576.0);
    view! {
        <section class="panel" data-testid="storage-panel">
            <h3>{move || state.t(K::StorageTitle)}</h3>
            <dl class="facts">
                <dt>{move || state.t(K::Persisted)}</dt>
                <dd data-testid="storage-persisted" data-persisted=move || persisted.get().map(|p| p.to_string()).unwrap_or_default()>
                    {move || match persisted.get() {
                        Some(true) => state.t(K::PersistYes).to_owned(),
                        Some(false) => state.t(K::PersistNo).to_owned(),
                        None => "—".to_owned(),
                    }}
                </dd>
                <dt>{move || state.t(K::StorageUsage)}</dt>
                <dd data-testid="storage-usage">{move || estimate.get().map(|(u, q)| format!("{} / {}", mb(u), mb(q))).unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || state.t(K::StoragePhotos)}</dt>
                <dd data-testid="storage-photos" data-count=move || photos.get().map(|p| p.count.to_string()).unwrap_or_default()>
                    {move || photos.get().map(|p| {
                        let lang = state.lang.get();
                        let mut s = format!("{}{}", p.count, lang.paren(mb(p.bytes as f64)));
                        if p.unreferenced > 0 {
                            s.push_str(&format!("{}{} {}", lang.comma(), t(lang, K::PhotosUnreferenced), p.unreferenced));
                        }
                        if p.missing > 0 {
                            s.push_str(&format!("{}{} {}", lang.comma(), t(lang, K::PhotoPending), p.missing));
                        }
                        s
                    }).unwrap_or_else(|| "—".into())}
                </dd>
            </dl>
            <Show when=move || photos.get().is_some_and(|p| p.unreferenced > 0)>
                <button type="button" class="secondary" data-testid="storage-free-photos" on:click=free>{move || state.t(K::PhotosFree)}</button>
            </Show>
            {move || freed.get().map(|m| view! { <p class="muted" role="status" data-testid="storage-freed">{m}</p> })}
            <Show when=move || persisted.get() == Some(false)>
                <button type="button" class="secondary" data-testid="storage-persist" on:click=ask>{move || state.t(K::PersistAsk)}</button>
            </Show>
        </section>
    }
}

/// How this device prepares the photos it attaches: the long edge they are stored
/// at, and whether a camera shot carries the evidence stamp (水印). Kept in this
/// browser at once, like the language.
#[component]
fn PhotoSettingsPanel() -> impl IntoView {
    use crate::core::fieldwork::photo::{PhotoSettings, LONG_EDGES};
    let state = use_app();
    let settings = RwSignal::new(super::platform::stored_photo_settings());
    let not_kept = RwSignal::new(false);
    let keep = move |s: PhotoSettings| {
        settings.set(s);
        not_kept.set(!super::platform::store_photo_settings(s));
    };
    view! {
        <section class="panel" data-testid="photo-settings">
            <h3>{move || state.t(K::PhotoSettingsTitle)}</h3>
            <label>{move || state.t(K::PhotoLongEdge)}
                <select data-testid="photo-long-edge" on:change=move |ev| {
                    if let Ok(edge) = event_target_value(&ev).parse::<u32>() {
                        keep(PhotoSettings { long_edge: edge, ..settings.get_untracked() }.checked());
                    }
                }>
                    {LONG_EDGES.iter().map(|&e| view! { <option value=e.to_string() selected=move || settings.get().long_edge == e>{e}</option> }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" data-testid="photo-stamp-camera" prop:checked=move || settings.get().stamp_camera
                    on:change=move |ev| keep(PhotoSettings { stamp_camera: event_target_checked(&ev), ..settings.get_untracked() })/>
                {move || state.t(K::PhotoStampCamera)}
            </label>
            <p class="muted"><small>{move || state.t(K::PhotoStampCameraHint)}</small></p>
            <Show when=move || not_kept.get()>
                <p class="warn" role="alert">{move || state.t(K::SettingNotKept)}</p>
            </Show>
        </section>
    }
}
