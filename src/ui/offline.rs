//! Storage that survives (离线与存储安全): lost-data detection and the
//! private-window warning, both shown on the home view.
//!
//! - Eviction (数据被清除): after every commit this browser writes a small
//!   [`DataMarker`](super::platform::DataMarker) to localStorage (device id, record
//!   count, time). On start, a marker naming *another* device id than the opened
//!   store means the store the marker described is gone: boot created a fresh one
//!   (a new device id) because the browser evicted IndexedDB, or the database was
//!   deleted. The banner offers to restore from a bundle and the marker is kept
//!   until the user restores (an import commits) or dismisses it.
//! - Missing records (记录缺失): the store recorded more docs (`doc_count`, schema
//!   v2) than it now holds.
//! - Private window (无痕窗口): a heuristic, see [`StorageWarning`].
//! - A Safari tab on iOS (未安装到主屏幕): see [`InstallHint`].

use super::{platform, use_app, AppState};
use crate::core::i18n::K;
use crate::storage::boot::DeviceInfo;
use crate::storage::{Store, META_DOC_COUNT};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Data this browser held and the opened store lacks.
#[derive(Clone, Debug, PartialEq)]
pub enum LostData {
    /// The store the marker described is gone.
    Evicted { records: usize, last_commit_ms: u64 },
    /// The store holds fewer docs than it recorded.
    Missing { recorded: usize, found: usize },
}

/// What the opened store and the marker say about lost data.
pub fn check_lost(info: &DeviceInfo) -> Option<LostData> {
    if let Some((recorded, found)) = info.missing_records {
        return Some(LostData::Missing { recorded, found });
    }
    let m = platform::read_marker()?;
    (m.device_id != info.device_id.0 && m.records > 0).then_some(LostData::Evicted { records: m.records, last_commit_ms: m.last_commit_ms })
}

/// The user restored from a bundle or dismissed the report: forget the lost data
/// (the marker describes this store from now on; a store missing records records
/// the count it holds now, so the report does not come back for the same loss).
pub async fn resolve_lost(state: AppState) {
    let Some(lost) = state.lost.get_untracked() else { return };
    let Some(session) = state.session() else { return };
    if let LostData::Missing { .. } = lost {
        let count = state.replica.with_untracked(|r| r.as_ref().map(|r| r.len()).unwrap_or(0));
        let _turn = session.turn().await;
        let _ = session.store().commit(&[], &[(META_DOC_COUNT.to_owned(), count.to_string())]).await;
    }
    state.lost.set(None);
    session.write_marker(&state);
}

/// On the home view: data was lost; restore it from a bundle (the import view).
#[component]
pub fn DataLossBanner() -> impl IntoView {
    let state = use_app();
    let dismiss = move |_| spawn_local(resolve_lost(state));
    move || {
        state.lost.get().map(|lost| {
            let (text, facts) = match lost {
                LostData::Evicted { records, last_commit_ms } => (K::LostEvicted, {
                    let l = state.lang.get();
                    format!(
                        "{}{}{}",
                        l.labelled(state.t(K::LostBefore), records),
                        l.semicolon(),
                        l.labelled(state.t(K::LostLastSave), platform::format_ms(last_commit_ms))
                    )
                }),
                LostData::Missing { recorded, found } => (K::LostMissing, {
                    let l = state.lang.get();
                    format!("{}{}{}", l.labelled(state.t(K::LostBefore), recorded), l.semicolon(), l.labelled(state.t(K::LostNow), found))
                }),
            };
            view! {
                <div class="banner error no-print" role="alert" data-testid="data-lost">
                    <p>{move || state.t(text)}</p>
                    <p class="muted" data-testid="data-lost-facts">{facts}</p>
                    <div class="actions">
                        <a class="button" href="#/sync" data-testid="data-lost-restore">{move || state.t(K::RestoreFromBundle)}</a>
                        <button type="button" class="secondary" data-testid="data-lost-dismiss" on:click=dismiss>{move || state.t(K::LostDismiss)}</button>
                    </div>
                </div>
            }
        })
    }
}

/// Below this quota (bytes) a store that is not persistent is taken for a private
/// window or restricted storage. A heuristic: browsers do not say "private";
/// Chromium gives incognito profiles a quota bounded by memory, normal profiles a
/// share of the disk (gigabytes), so small + not persistent is the telling pair.
pub const SMALL_QUOTA: f64 = 200.0 * 1024.0 * 1024.0;

/// On the home view, in a Safari tab on iOS: install the app to the Home Screen
/// first, and move what was entered here by a bundle (Safari keeps the two
/// storages apart). Until dismissed.
#[component]
pub fn InstallHint() -> impl IntoView {
    let state = use_app();
    let show = RwSignal::new(platform::ios_mode() == platform::IosMode::SafariTab && !platform::install_hint_dismissed());
    let dismiss = move |_| {
        platform::dismiss_install_hint();
        show.set(false);
    };
    view! {
        <Show when=move || show.get()>
            <div class="banner warn no-print" role="status" data-testid="install-hint">
                <p>{move || state.t(K::InstallHint)}</p>
                <button type="button" data-testid="install-hint-dismiss" on:click=dismiss>{move || state.t(K::InstallHintDismiss)}</button>
            </div>
        </Show>
    }
}

/// On the home view: this window may not keep data (private window, restricted
/// storage, or only the localStorage fallback); say what to do.
#[component]
pub fn StorageWarning() -> impl IntoView {
    let state = use_app();
    let warn = RwSignal::new(false);
    spawn_local(async move {
        let persisted = platform::is_persisted().await;
        let quota = platform::storage_estimate().await.map(|(_, q)| q);
        let fallback = state.store_kind() == "localstorage";
        warn.set(persisted != Some(true) && (fallback || quota.is_some_and(|q| q < SMALL_QUOTA)));
    });
    view! {
        <Show when=move || warn.get()>
            <p class="banner warn no-print" role="status" data-testid="private-warning">{move || state.t(K::PrivateWarning)}</p>
        </Show>
    }
}
