//! Campaigns on this device (工作方案): the list in Settings, switching, starting a
//! new campaign, and opening another campaign's bundle as one (from the import
//! panel). The use cases are `app::campaigns`; here the events become those calls. Every change of campaign ends in a reload of the page, which
//! then opens the chosen store as a cold start does: nothing of the old campaign
//! stays in memory to be written to the new one.

use super::platform::{self, BrowserStores, WebPlatform};
use super::widgets::text_input;
use super::{use_app, AppState, FormError};
use crate::app::campaigns as use_case;
use crate::app::campaigns::Stores as _;
use crate::app::Intake;
use crate::core::campaigns::{stage_campaign_info, CampaignInfoForm, NewCampaignForm, YEARS};
use crate::core::i18n::{UserMessage as _, K};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The campaign list with the current campaign marked, a switch for each other
/// one, and the new-campaign form.
#[component]
pub fn CampaignsPanel() -> impl IntoView {
    let state = use_app();
    let catalog = RwSignal::new(BrowserStores.read_catalog());
    let open = BrowserStores.open_db();
    let switching = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // Campaign stores the list lost (localStorage cleared on its own) come back.
    spawn_local(async move {
        let c = use_case::list(&BrowserStores).await;
        if c != catalog.get_untracked() {
            catalog.set(c);
        }
    });

    let switch = move |db: String| {
        switching.set(true);
        match use_case::switch(&BrowserStores, &db) {
            Ok(true) => platform::reload_page(),
            Ok(false) => switching.set(false),
            Err(e) => {
                switching.set(false);
                error.set(Some(e.message(state.lang.get_untracked())));
            }
        }
    };

    let entries = move || {
        let open = open.clone();
        catalog.with(|c| c.entries.clone()).into_iter().map(move |e| {
            let current = e.db == open;
            let db = e.db.clone();
            let label = if e.name.is_empty() { e.db.clone() } else { format!("{}{}", e.name, state.lang.get_untracked().paren(e.year)) };
            view! {
                <li data-testid="campaign-entry" data-db=e.db.clone() data-current=current.to_string()>
                    <span class="campaign-entry-name">{label}</span>
                    {if current {
                        view! { <span class="tag" data-testid="campaign-current">{move || state.t(K::CampaignCurrent)}</span> }.into_any()
                    } else {
                        view! { <button type="button" class="secondary" data-testid="campaign-open" disabled=move || switching.get() on:click=move |_| switch(db.clone())>{move || state.t(K::CampaignOpen)}</button> }.into_any()
                    }}
                </li>
            }
        }).collect_view()
    };

    view! {
        <section class="panel" data-testid="campaigns-panel">
            <h3>{move || state.t(K::CampaignsTitle)}</h3>
            <p class="muted">{move || state.t(K::CampaignsHint)}</p>
            <ul class="campaign-list">{entries}</ul>
            <Show when=move || switching.get()><p class="muted" role="status">{move || state.t(K::CampaignSwitching)}</p></Show>
            <FormError error=error/>
            <CampaignInfo/>
            <NewCampaignForm switching=switching/>
        </section>
    }
}

/// The open campaign's own record (name, year, document number, contacts,
/// thresholds), edited in place; its id never changes.
#[component]
fn CampaignInfo() -> impl IntoView {
    let state = use_app();
    let shown = RwSignal::new(false);
    let form = RwSignal::new(CampaignInfoForm::default());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let open_form = move |_| {
        if let Some(c) = state.snapshot.with_untracked(|s| s.campaign.clone()) {
            form.set(CampaignInfoForm::of(&c));
            error.set(None);
            done.set(false);
            shown.set(true);
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get_untracked();
        spawn_local(async move {
            let res = state.save(move |c| Ok(stage_campaign_info(c.replica, &f, c.now_ms)?)).await;
            if res.is_ok() {
                // The campaign list shows the new name.
                state.note_campaign();
                shown.set(false);
            }
            done.set(res.is_ok());
            error.set(res.err());
        });
    };
    view! {
        <Show when=move || !shown.get() && state.snapshot.with(|s| s.campaign.is_some())>
            <button type="button" class="secondary" data-testid="campaign-info-edit" on:click=open_form>{move || state.t(K::CampaignInfoEdit)}</button>
        </Show>
        <Show when=move || done.get()><p class="ok" role="status" data-testid="campaign-info-saved">{move || state.t(K::CampaignInfoSaved)}</p></Show>
        <Show when=move || shown.get()>
            <form class="form" data-testid="campaign-info-form" on:submit=submit>
                <h4>{move || state.t(K::CampaignInfoEdit)}</h4>
                {text_input(form, K::CampaignName, "info-name", "text", |f| &f.name, |f, v| f.name = v)}
                {text_input(form, K::CampaignYear, "info-year", "text", |f| &f.year, |f, v| f.year = v)}
                {text_input(form, K::CampaignDocNo, "info-docno", "text", |f| &f.doc_no, |f, v| f.doc_no = v)}
                {text_input(form, K::CampaignIssuer, "info-issuer", "text", |f| &f.issuer, |f, v| f.issuer = v)}
                {text_input(form, K::CampaignPhone, "info-phone", "text", |f| &f.contact_phone, |f, v| f.contact_phone = v)}
                {text_input(form, K::CampaignEmail, "info-email", "text", |f| &f.contact_email, |f, v| f.contact_email = v)}
                {text_input(form, K::ThresholdPoor, "info-poor", "text", |f| &f.remaining_poor_over, |f, v| f.remaining_poor_over = v)}
                {text_input(form, K::ThresholdIncidence, "info-incidence", "text", |f| &f.incidence_over_pct, |f, v| f.incidence_over_pct = v)}
                {text_input(form, K::ThresholdSite, "info-site", "text", |f| &f.site_people_over, |f, v| f.site_people_over = v)}
                <div class="actions">
                    <button type="submit" data-testid="campaign-info-save">{move || state.t(K::Save)}</button>
                    <button type="button" class="secondary" on:click=move |_| shown.set(false)>{move || state.t(K::Cancel)}</button>
                </div>
                <FormError error=error/>
            </form>
        </Show>
    }
}

#[component]
fn NewCampaignForm(switching: RwSignal<bool>) -> impl IntoView {
    let state = use_app();
    let shown = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let doc_no = RwSignal::new(String::new());
    let issuer = RwSignal::new(state.snapshot.with_untracked(|s| s.campaign.as_ref().map(|c| c.issuer.clone()).unwrap_or_default()));
    let carry_over = RwSignal::new(true);
    let next_year =
        state.snapshot.with_untracked(|s| s.campaign.as_ref().map(|c| c.year + 1)).filter(|y| YEARS.contains(y)).map(|y| y.to_string()).unwrap_or_default();
    let next_year = StoredValue::new(next_year);
    let error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = NewCampaignForm {
            name: name.get_untracked(),
            year: year.get_untracked(),
            doc_no: doc_no.get_untracked(),
            issuer: issuer.get_untracked(),
            carry_over: carry_over.get_untracked(),
        };
        error.set(None);
        switching.set(true);
        spawn_local(async move {
            if let Err(m) = create_campaign(state, form).await {
                switching.set(false);
                error.set(Some(m));
            }
        });
    };

    view! {
        <Show when=move || !shown.get()>
            <button type="button" data-testid="campaign-new" on:click=move |_| shown.set(true)>{move || state.t(K::CampaignNew)}</button>
        </Show>
        <Show when=move || shown.get()>
            <form class="form" data-testid="campaign-form" on:submit=submit>
                <h4>{move || state.t(K::CampaignNew)}</h4>
                <label>{move || state.t(K::CampaignName)}
                    <input type="text" maxlength="100" data-testid="campaign-name-input" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label>{move || state.t(K::CampaignYear)}
                    <input type="text" inputmode="numeric" maxlength="4" placeholder=move || next_year.get_value() data-testid="campaign-year-input" prop:value=move || year.get() on:input=move |ev| year.set(event_target_value(&ev))/>
                </label>
                <label>{move || state.t(K::CampaignDocNo)}
                    <input type="text" maxlength="100" data-testid="campaign-docno-input" prop:value=move || doc_no.get() on:input=move |ev| doc_no.set(event_target_value(&ev))/>
                </label>
                <label>{move || state.t(K::CampaignIssuer)}
                    <input type="text" maxlength="100" data-testid="campaign-issuer-input" prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev))/>
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="campaign-carry-over" prop:checked=move || carry_over.get() on:change=move |ev| carry_over.set(event_target_checked(&ev))/>
                    {move || state.t(K::CampaignCarryOver)}
                </label>
                <p class="muted wide">{move || state.t(K::CampaignMonthlyNote)}</p>
                <div class="actions">
                    <button type="submit" data-testid="campaign-create" disabled=move || switching.get()>{move || state.t(K::CampaignCreate)}</button>
                    <button type="button" class="secondary" on:click=move |_| shown.set(false)>{move || state.t(K::Cancel)}</button>
                </div>
                <FormError error=error/>
            </form>
        </Show>
    }
}

/// Writes the new campaign into a store of its own, makes it the one to open and
/// reloads. On `Err` (the user's message) nothing was switched; a store already
/// written is reused by the next try.
async fn create_campaign(state: AppState, form: NewCampaignForm) -> Result<(), String> {
    let lang = state.lang.get_untracked();
    use_case::create(&BrowserStores, &WebPlatform { tabs: None }, &state, &form).await.map_err(|e| e.message(lang))?;
    platform::reload_page();
    Ok(())
}

/// Imports a bundle of another campaign into that campaign's store on this device
/// (made for it the first time) and switches to it. On `Err` nothing was switched.
pub async fn open_bundle(state: AppState, intake: &mut Intake, file: Option<&platform::WebFile>) -> Result<(), String> {
    let lang = state.lang.get_untracked();
    use_case::open_bundle(&BrowserStores, &WebPlatform { tabs: None }, &state, intake, file).await.map_err(|e| e.message(lang))?;
    platform::reload_page();
    Ok(())
}
