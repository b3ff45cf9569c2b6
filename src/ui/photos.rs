//! Photos on a record (照片取证): thumbnails of the photos backing it, and
//! choosing or taking new ones. The browser prepares each file
//! (`web::photo_input`), the application layer attaches them
//! (`Session::attach_photos`); a photo whose bytes have not reached this device
//! shows 照片待补传 and who attached it, never a broken image. Photos are also
//! shown without their controls: on the target page ([`TargetPhotos`]) and in a
//! problem's before/after view ([`BeforeAfterView`]).

use super::{use_app, FormError};
use crate::core::fieldwork::photo::{
    before_after, photo_hash, photos_of_problem, photos_of_target, photos_on, stamp_lines, target_of, Attach, Geo, Photo, PhotoHome, PhotoSlot, TakenFrom,
    MAX_PER_SLOT,
};
use crate::core::i18n::{UserMessage, K};
use crate::core::route::Route;
use crate::storage::Store;
use crate::web::photo_input::prepare_stamped;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// The photos of `owner_id` in slot `of`, and the buttons to add more.
#[component]
pub fn PhotoStrip(owner_id: String, of: PhotoSlot, #[prop(optional)] geo: Option<Signal<Option<Geo>>>) -> impl IntoView {
    let state = use_app();
    let slot = of;
    let owner = StoredValue::new(owner_id);
    let photos =
        Memo::new(move |_| state.replica.with(|r| r.as_ref().map(|r| state.field.with(|f| photos_on(r, f, &owner.get_value(), slot))).unwrap_or_default()));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_files = move |ev: leptos::ev::Event, stamp: bool| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let files: Vec<web_sys::File> = input.files().map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default();
        input.set_value("");
        if files.is_empty() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            let fix = geo.and_then(|g| g.get_untracked());
            let target = state
                .replica
                .with_untracked(|r| r.as_ref().and_then(|r| target_of(r, &owner.get_value(), slot)))
                .and_then(|t| state.snapshot.with_untracked(|s| s.target(&t).map(|t| format!("{}{}", t.township, t.name))))
                .unwrap_or_default();
            let squad = state.device.with_untracked(|d| d.as_ref().map(|d| d.squad_name.clone()).unwrap_or_default());
            let settings = super::platform::stored_photo_settings();
            let stamp = stamp && settings.stamp_camera;
            let mut prepared = Vec::new();
            for f in &files {
                let now = super::platform::now_ms();
                let lines = |exif: &_| if stamp { stamp_lines(exif, fix, now, &target, &squad) } else { Vec::new() };
                match prepare_stamped(f, settings.long_edge, lines).await {
                    Ok(mut p) => {
                        p.geo = fix;
                        prepared.push(p);
                    }
                    Err(e) => {
                        error.set(Some(e.message(lang)));
                        busy.set(false);
                        return;
                    }
                }
            }
            let Some(session) = state.session() else {
                busy.set(false);
                return;
            };
            let attach = Attach { owner_id: owner.get_value(), slot, photos: prepared };
            // Kept before the records are committed, so that the new thumbnails find
            // them when they are first drawn; dropped again if nothing was stored.
            let addresses: Vec<String> = attach.photos.iter().map(|p| photo_hash(&p.bytes)).collect();
            attach.photos.iter().zip(&addresses).for_each(|(p, h)| fresh::keep(h, &p.bytes));
            if let Err(e) = session.attach_photos(&state, &attach).await {
                addresses.iter().for_each(|h| fresh::forget(h));
                error.set(Some(e.message(lang)));
            }
            busy.set(false);
        });
    };
    // A camera shot carries the evidence stamp (水印: time, place, target, squad)
    // unless this device's photo settings say not; a chosen file is stored as it is.
    let take = move |stamp: bool| move |ev: leptos::ev::Event| on_files(ev, stamp);
    let full = move || photos.with(Vec::len) >= MAX_PER_SLOT;
    view! {
        <div class="photos wide" data-testid="photo-strip" data-slot=format!("{slot:?}").to_lowercase()>
            <span class="label">{move || state.t(K::Photos)} " " <small class="muted" data-testid="photo-count">{move || format!("{}/{}", photos.with(Vec::len), MAX_PER_SLOT)}</small></span>
            <div class="photo-list">
                <For each=move || photos.get() key=|p| p.id.clone() let:p>
                    <PhotoThumb photo=p removable=true/>
                </For>
                <Show when=move || photos.with(Vec::is_empty)>
                    <span class="muted">{move || state.t(K::PhotoNone)}</span>
                </Show>
            </div>
            <Show when=move || !full()>
                <label class="button secondary no-print">
                    {move || state.t(K::PhotoChoose)}
                    <input type="file" accept="image/*" multiple hidden data-testid="photo-input" disabled=move || busy.get() on:change=take(false)/>
                </label>
                <label class="button secondary no-print">
                    {move || state.t(K::PhotoTake)}
                    <input type="file" accept="image/*" capture="environment" hidden data-testid="photo-camera" disabled=move || busy.get() on:change=take(true)/>
                </label>
            </Show>
            <Show when=move || busy.get()>
                <span class="muted" role="status" data-testid="photo-working">{move || state.t(K::PhotoWorking)}</span>
            </Show>
            <FormError error=error/>
        </div>
    }
}

/// The label of a slot, for photos shown away from their record.
fn slot_key(slot: PhotoSlot) -> K {
    match slot {
        PhotoSlot::Visit => K::SlotVisit,
        PhotoSlot::Answer => K::SlotAnswer,
        PhotoSlot::Before => K::SlotBefore,
        PhotoSlot::Rectified => K::SlotRectified,
        PhotoSlot::Verified => K::SlotVerified,
    }
}

/// The target page's photos: every photo of its visits and problems, newest
/// taken first, each labelled with what it backs and linked to that record.
#[component]
pub fn TargetPhotos(id: String) -> impl IntoView {
    let state = use_app();
    let id = StoredValue::new(id);
    let photos =
        Memo::new(move |_| state.replica.with(|r| r.as_ref().map(|r| state.field.with(|f| photos_of_target(r, f, &id.get_value()))).unwrap_or_default()));
    view! {
        <section class="panel" data-testid="target-photos">
            <h3>{move || state.t(K::TargetPhotos)} " " <small class="muted" data-testid="target-photo-count">{move || photos.with(Vec::len)}</small></h3>
            <div class="photo-list">
                <For each=move || photos.get() key=|(p, _)| p.id.clone() let:item>
                    <div class="photo-entry" data-testid="target-photo" data-slot=format!("{:?}", item.0.slot).to_lowercase()>
                        <span class="tag">{move || state.t(slot_key(item.0.slot))}</span>
                        {match item.1.clone() {
                            Some(home) => {
                                let href = match home { PhotoHome::Visit(v) => Route::Visit(v), PhotoHome::Problem(p) => Route::Problem(p) }.to_hash();
                                view! { <a class="small no-print" href=href data-testid="target-photo-record">{move || state.t(K::OpenRecord)}</a> }.into_any()
                            }
                            None => view! { <small class="muted">{move || state.t(K::PhotoRecordGone)}</small> }.into_any(),
                        }}
                        <PhotoThumb photo=item.0.clone() removable=false/>
                    </div>
                </For>
                <Show when=move || photos.with(Vec::is_empty)>
                    <span class="muted">{move || state.t(K::PhotoNone)}</span>
                </Show>
            </div>
        </section>
    }
}

/// The two sides of a before/after view: before, after.
type Sides = (Vec<Photo>, Vec<Photo>);

/// A problem's before/after view (整改前后对比): the photos taken when it was
/// logged beside those of its latest rectification and verification
/// (`fieldwork::photo::before_after`). Shown once there is an after photo.
#[component]
pub fn BeforeAfterView(problem_id: String) -> impl IntoView {
    let state = use_app();
    let pid = StoredValue::new(problem_id);
    let sides = Memo::new(move |_| {
        state.ledger_version.track();
        state.replica.with(|r| {
            let Some(r) = r.as_ref() else { return (Vec::new(), Vec::new()) };
            state.field.with(|f| state.ledger.with_untracked(|ix| before_after(&photos_of_problem(r, f, ix, &pid.get_value()), ix.events_of(&pid.get_value()))))
        })
    });
    let side = move |which: fn(&Sides) -> &Vec<Photo>, title: K, testid: &'static str| {
        view! {
            <div class="side" data-testid=testid>
                <h4>{move || state.t(title)}</h4>
                <div class="photo-list">
                    <For each=move || sides.with(|s| which(s).clone()) key=|p| p.id.clone() let:p>
                        <PhotoThumb photo=p removable=false/>
                    </For>
                    <Show when=move || sides.with(|s| which(s).is_empty())>
                        <span class="muted">{move || state.t(K::PhotoNone)}</span>
                    </Show>
                </div>
            </div>
        }
    };
    view! {
        <Show when=move || sides.with(|(_, after)| !after.is_empty())>
            <section class="panel before-after" data-testid="before-after">
                <h3>{move || state.t(K::BeforeAfter)}</h3>
                <div class="sides">
                    {side(|s| &s.0, K::BeforeSide, "before-side")}
                    {side(|s| &s.1, K::AfterSide, "after-side")}
                </div>
            </section>
        </Show>
    }
}

/// One photo: its thumbnail from the photo store, or 照片待补传; when it was
/// taken; the remove button where the record is edited (`removable`).
#[component]
fn PhotoThumb(photo: Photo, removable: bool) -> impl IntoView {
    let state = use_app();
    // None: not read yet; Some(None): not on this device; Some(Some(url)): shown.
    let url = RwSignal::new(None::<Option<String>>);
    let hash = StoredValue::new(photo.sha256.clone());
    // Read from the photo store when shown, and again when an import brings photos
    // while this one is still waiting for its bytes (`retry`, rendered as nothing).
    let load = move || {
        spawn_local(async move {
            let Some(session) = state.session() else { return };
            let Some(hash) = hash.try_get_value() else { return };
            let blob = match fresh::get(&hash) {
                Some(b) => Some(b),
                None => match session.store().photo(&hash).await {
                    Ok(Some(bytes)) => fresh::jpeg_blob(&bytes),
                    _ => None,
                },
            };
            let shown = blob.and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok());
            if matches!(url.try_get_untracked(), Some(Some(Some(_)))) {
                if let Some(u) = shown {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
                return;
            }
            url.try_set(Some(shown));
        });
    };
    load();
    let seen = StoredValue::new(state.photos_arrived.get_untracked());
    let retry = move || {
        let n = state.photos_arrived.get();
        if n != seen.get_value() {
            seen.set_value(n);
            if matches!(url.get_untracked(), Some(None)) {
                load();
            }
        }
    };
    on_cleanup(move || {
        if let Some(Some(Some(u))) = url.try_get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    let id = StoredValue::new(photo.id.clone());
    let remove = move |_| {
        let gone = id.get_value();
        spawn_local(async move {
            let _ = state.save(|c| Ok(c.replica.stage_delete(&[gone.as_str()], c.now_ms))).await;
        });
    };
    let squad = photo.squad_name.clone();
    let caption = photo.caption.clone();
    let taken_key = if photo.taken_from == TakenFrom::Exif { K::PhotoTakenExif } else { K::PhotoTakenAttached };
    let taken = crate::core::calendar::format_time_ms(photo.taken_ms);
    view! {
        <figure class="photo" data-testid="photo" data-sha256=photo.sha256.clone()>
            {retry}
            {move || match url.get() {
                Some(Some(u)) => view! { <a href=u.clone() target="_blank" rel="noopener"><img src=u.clone() alt=caption.clone() data-testid="photo-img"/></a> }.into_any(),
                Some(None) => view! {
                    <div class="photo-pending" data-testid="photo-pending">
                        {move || state.t(K::PhotoPending)}
                        <small>{move || state.t(K::PhotoHeldBy)} {move || state.lang.get().colon()} {squad.clone()}</small>
                    </div>
                }.into_any(),
                None => view! { <div class="photo-pending"></div> }.into_any(),
            }}
            {photo.stamped.then(|| view! { <span class="tag" data-testid="photo-stamped">{move || state.t(K::PhotoStamped)}</span> })}
            <small class="muted photo-taken" data-testid="photo-taken" data-from=format!("{:?}", photo.taken_from).to_lowercase()>{move || state.t(taken_key)} " " {taken.clone()}</small>
            <figcaption class="photo-hash print-only" data-testid="photo-hash" title=photo.sha256.clone()>{format!("SHA-256 {}…", photo.sha256.get(..16).unwrap_or_default())}</figcaption>
            {removable.then(|| view! { <button type="button" class="secondary small no-print" data-testid="photo-remove" on:click=remove>{move || state.t(K::PhotoRemove)}</button> })}
        </figure>
    }
}

/// The photos this tab attached last, as JPEG blobs by address: a new photo's
/// thumbnail is shown from the bytes just stored rather than read back from the
/// photo store (its read and copy: 10–60 ms of a pick on a 4× slowed CPU). The same bytes: a record
/// names its photo by their SHA-256, and an attach that stored nothing drops them
/// again. At most one strip's worth ([`MAX_PER_SLOT`]), the oldest dropped first.
mod fresh {
    use super::MAX_PER_SLOT;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    thread_local! {
        static FRESH: RefCell<VecDeque<(String, web_sys::Blob)>> = const { RefCell::new(VecDeque::new()) };
    }

    /// `bytes` as a JPEG blob.
    pub fn jpeg_blob(bytes: &[u8]) -> Option<web_sys::Blob> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("image/jpeg");
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()
    }

    pub fn keep(sha256: &str, bytes: &[u8]) {
        let Some(blob) = jpeg_blob(bytes) else { return };
        FRESH.with_borrow_mut(|f| {
            f.retain(|(h, _)| h != sha256);
            if f.len() >= MAX_PER_SLOT {
                f.pop_front();
            }
            f.push_back((sha256.to_owned(), blob));
        });
    }

    pub fn forget(sha256: &str) {
        FRESH.with_borrow_mut(|f| f.retain(|(h, _)| h != sha256));
    }

    pub fn get(sha256: &str) -> Option<web_sys::Blob> {
        FRESH.with_borrow(|f| f.iter().find(|(h, _)| h == sha256).map(|(_, b)| b.clone()))
    }
}
