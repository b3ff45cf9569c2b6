//! Many files at once (批量导入), on the data-exchange page: the files chosen together
//! (or dropped on the import panel) are read and checked one at a time by the app
//! (`app::batch`), listed in one preview with each file's outcome, and imported in
//! one commit on one confirmation; then one receipt for the whole batch.
//!
//! data-testids: `batch-progress` (`data-done`, `data-total`), `batch-preview`,
//! `batch-summary`, `batch-file` (`data-outcome` = bundle | receipt | locked |
//! refused, `data-name`), `batch-reason`, `batch-gaps`, `batch-passphrase`,
//! `batch-unlock`, `batch-confirm`, `batch-cancel`, `batch-error`, `batch-result`,
//! `batch-receipt`.

use super::{platform, use_app};
use crate::app::{BatchIntake, Files};
use crate::core::bundle::batch::{Batch, BatchFile, DeviceGaps, Outcome};
use crate::core::bundle::import::AlreadyImported;
use crate::core::bundle::status::gaps_text;
use crate::core::bundle::{KindCounts, Limits};
use crate::core::i18n::{t, UserMessage as _, K};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The chosen files, read through the browser one at a time.
pub struct WebFiles(pub Vec<web_sys::File>);

impl Files for WebFiles {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn name(&self, i: usize) -> String {
        self.0[i].name()
    }
    fn size(&self, i: usize) -> u64 {
        self.0[i].size() as u64
    }
    async fn read(&self, i: usize) -> Result<Vec<u8>, String> {
        platform::read_file(&self.0[i]).await
    }
}

/// What the preview shows of a batch (a copy: the batch itself stays in the intake).
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    files: Vec<BatchFile>,
    totals: KindCounts,
    gaps: Vec<DeviceGaps>,
    locked: usize,
    refused: usize,
    records: usize,
    has_work: bool,
}

impl Shown {
    fn of(b: &Batch) -> Shown {
        Shown {
            files: b.files().to_vec(),
            totals: b.totals(),
            gaps: b.gaps(),
            locked: b.locked().len(),
            refused: b.refused(),
            records: b.records_to_write(),
            has_work: b.has_work(),
        }
    }
}

/// The batch import of the files chosen together; mounted afresh for every choice.
#[component]
pub fn BatchImport(files: Vec<web_sys::File>, on_close: Callback<()>) -> impl IntoView {
    let state = use_app();
    let files = StoredValue::new_local(std::rc::Rc::new(WebFiles(files)));
    let intake = StoredValue::new_local(None::<BatchIntake>);
    let shown = RwSignal::new(None::<Shown>);
    let progress = RwSignal::new(None::<(usize, usize)>);
    let pass = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let result = RwSignal::new(None::<String>);

    // Reads and checks every file (again after a failed commit).
    let check = move || {
        let Some(files) = files.try_get_value() else { return };
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            let total = files.count();
            progress.set(Some((0, total)));
            platform::yield_to_browser().await;
            let checked = BatchIntake::check(&state, &*files, Limits::default(), platform::now_ms(), |p| {
                let _ = progress.try_set(Some((p.done, p.total)));
                platform::yield_to_browser()
            })
            .await;
            let _ = progress.try_set(None);
            match checked {
                Ok(i) => {
                    platform::mark("duzhan:batch-checked");
                    let _ = shown.try_set(Some(Shown::of(i.batch())));
                    intake.try_set_value(Some(i));
                }
                Err(e) => {
                    let _ = error.try_set(Some(e.message(lang)));
                }
            }
        });
    };
    check();

    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(files) = files.try_get_value() else { return };
        let Some(mut i) = intake.try_update_value(Option::take).flatten() else { return };
        // Read before any await: the panel may be gone by then (only `try_` after it).
        let p = pass.get_untracked();
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            error.set(None);
            busy.set(true);
            platform::yield_to_browser().await;
            let opened = i.unlock(&state, &*files, &p, platform::now_ms()).await;
            let _ = busy.try_set(false);
            match opened {
                Ok(0) => {
                    let _ = error.try_set(Some(t(lang, K::BatchNoneOpened).to_owned()));
                }
                Ok(_) => {
                    let _ = pass.try_set(String::new());
                }
                Err(e) => {
                    let _ = error.try_set(Some(e.message(lang)));
                }
            }
            let _ = shown.try_set(Some(Shown::of(i.batch())));
            intake.try_set_value(Some(i));
        });
    };

    let confirm = move |_| {
        let Some(session) = state.session() else { return };
        let Some(files) = files.try_get_value() else { return };
        let Some(i) = intake.try_update_value(Option::take).flatten() else { return };
        spawn_local(async move {
            let lang = state.lang.get_untracked();
            error.set(None);
            busy.set(true);
            platform::yield_to_browser().await;
            let outcome = session.import_batch(&state, &*files, i).await;
            let _ = busy.try_set(false);
            match outcome {
                Ok(done) => {
                    // Photos the files carried are stored: waiting thumbnails look again.
                    state.photos_arrived.update(|n| *n += 1);
                    let n = done.totals;
                    let counts = [(K::ColNew, n.new), (K::ColChanged, n.changed), (K::ColDeleted, n.deleted), (K::ColConflicting, n.conflicting)]
                        .map(|(k, v)| format!("{} {v}", t(lang, k)))
                        .join(lang.comma());
                    let sources = done.sources.iter().map(|(_, name, seq)| format!("{name} #{seq}")).collect::<Vec<_>>().join(lang.list_sep());
                    let _ = result.try_set(Some(format!(
                        "{}{} — {counts}{}",
                        lang.labelled(t(lang, K::BatchImported), done.bundles),
                        lang.paren(sources),
                        if done.left_out > 0 { format!("{}{}", lang.comma(), lang.labelled(t(lang, K::BatchLeftOut), done.left_out)) } else { String::new() }
                    )));
                    let _ = shown.try_set(None);
                    super::offline::resolve_lost(state).await;
                }
                Err(e) => {
                    // Nothing was written: the files are checked again, to confirm anew.
                    let _ = error.try_set(Some(format!("{}{}", e.message(lang), t(lang, K::BatchCheckedAgain))));
                    let _ = shown.try_set(None);
                    check();
                }
            }
        });
    };

    let receipt = move |_| super::sync::hand_over_receipt(state, None, error);

    view! {
        <div class="batch" data-testid="batch">
            {move || progress.get().map(|(done, total)| view! {
                <p class="muted" role="status" data-testid="batch-progress" data-done=done data-total=total>
                    {move || state.t(K::BatchChecking)} {format!(" {done} / {total}")}
                    <progress max=total value=done></progress>
                </p>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="batch-error">{e}</p> })}
            // Read again in the language chosen (the preview's texts are made in one).
            {move || { state.lang.track(); shown.get() }.map(|s| view! { <BatchPreview shown=s pass=pass busy=busy on_unlock=Callback::new(move |ev| unlock(ev)) on_confirm=Callback::new(confirm) on_cancel=on_close/> })}
            {move || result.get().map(|r| view! {
                <div class="ok" role="status" data-testid="batch-result">
                    <p>{r}</p>
                    <button type="button" class="secondary" data-testid="batch-receipt" on:click=receipt>{move || state.t(K::BatchReceipt)}</button>
                </div>
            })}
        </div>
    }
}

/// The combined preview: one row per file, the gaps, the passphrase prompt for
/// encrypted files, and the one confirmation.
#[component]
fn BatchPreview(
    shown: Shown,
    pass: RwSignal<String>,
    busy: RwSignal<bool>,
    on_unlock: Callback<leptos::ev::SubmitEvent>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let state = use_app();
    let lang = state.lang.get_untracked();
    let bundles = shown.files.iter().filter(|f| matches!(f.outcome, Outcome::Bundle(_))).count();
    let receipts = shown.files.iter().filter(|f| matches!(f.outcome, Outcome::Receipt(_))).count();
    let summary = [
        (K::BatchFiles, shown.files.len()),
        (K::BatchBundles, bundles),
        (K::BatchReceipts, receipts),
        (K::BatchLockedCount, shown.locked),
        (K::BatchRefusedCount, shown.refused),
        (K::BatchRecords, shown.records),
    ]
    .map(|(k, n)| lang.labelled(t(lang, k), n))
    .join(lang.comma());
    let file_names: Vec<String> = shown.files.iter().map(|f| f.name.clone()).collect();
    let rows = shown
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let signer = match &f.outcome {
                Outcome::Bundle(s) => Some(s.signer.clone()),
                Outcome::Receipt(r) => Some(r.signer.clone()),
                _ => None,
            };
            let (source, counts, note) = match &f.outcome {
                Outcome::Bundle(s) => {
                    let c = s.totals();
                    let note = match (s.duplicate_of, s.already_imported, s.own_bundle) {
                        (Some(j), _, _) => lang.labelled(t(lang, K::BatchDuplicate), file_names.get(j).cloned().unwrap_or_default()),
                        (None, Some(AlreadyImported::SameBundle), _) => t(lang, K::AlreadyImported).to_owned(),
                        (None, Some(AlreadyImported::NothingNew), _) => t(lang, K::NothingNew).to_owned(),
                        (None, None, true) => t(lang, K::OwnBundle).to_owned(),
                        (None, None, false) => t(lang, K::BatchWillImport).to_owned(),
                    };
                    (format!("{} · {} #{}", s.squad_name, s.source_device, s.seq), Some(c), note)
                }
                Outcome::Receipt(r) => (r.squad_name.clone(), None, lang.labelled(t(lang, K::BatchReceiptFor), r.for_this_device)),
                Outcome::Locked => (String::new(), None, t(lang, K::BatchLocked).to_owned()),
                Outcome::Refused(e) => (String::new(), None, e.message(lang)),
            };
            let cells: [String; 5] = match counts {
                Some(c) => [c.records, c.new, c.changed, c.deleted, c.conflicting].map(|n| n.to_string()),
                None => Default::default(),
            };
            let code = f.outcome.code();
            view! {
                <tr data-testid="batch-file" data-outcome=code data-name=f.name.clone() class=if code == "refused" { "refused" } else { "" }>
                    <td class="num">{i + 1}</td>
                    <td><code>{f.name.clone()}</code></td>
                    <td>{source}{signer.map(|sg| signer_badge(lang, &sg))}</td>
                    {cells.map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                    <td data-testid="batch-reason">{note}</td>
                </tr>
            }
        })
        .collect_view();
    let gaps = (!shown.gaps.is_empty()).then(|| {
        let text =
            shown.gaps.iter().map(|g| format!("{} ({}): {}", g.squad_name, g.device, gaps_text(&g.gaps, lang))).collect::<Vec<_>>().join(lang.list_sep());
        view! { <p class="warn" data-testid="batch-gaps">{t(lang, K::GapsNote)} " " {text}</p> }
    });
    let locked = (shown.locked > 0).then(|| {
        view! {
            <form class="form inline" on:submit=move |ev| on_unlock.run(ev)>
                <p>{lang.labelled(t(lang, K::BatchNeedPassphrase), shown.locked)}</p>
                <label>{t(lang, K::PassphraseShort)}
                    <input type="password" data-testid="batch-passphrase" prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="batch-unlock" disabled=move || busy.get()>{t(lang, K::Decrypt)}</button>
            </form>
        }
    });
    let t_all = shown.totals;
    let th = move |k: K| view! { <th scope="col" class="num">{t(lang, k)}</th> };
    view! {
        <div class="preview" data-testid="batch-preview">
            <h4>{t(lang, K::BatchTitle)}</h4>
            <p data-testid="batch-summary">{summary}</p>
            {gaps}
            {locked}
            <div class="table-scroll">
                <table class="list">
                    <thead><tr>
                        <th scope="col" class="num">"#"</th>
                        <th scope="col">{t(lang, K::BatchFileCol)}</th>
                        <th scope="col">{t(lang, K::FromDevice)}</th>
                        {th(K::ColRecords)}{th(K::ColNew)}{th(K::ColChanged)}{th(K::ColDeleted)}{th(K::ColConflicting)}
                        <th scope="col">{t(lang, K::BatchOutcomeCol)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                    <tfoot><tr>
                        <th scope="row" colspan="3">{t(lang, K::BatchTotal)}</th>
                        {[t_all.records, t_all.new, t_all.changed, t_all.deleted, t_all.conflicting].map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                        <td></td>
                    </tr></tfoot>
                </table>
            </div>
            <div class="actions">
                <button type="button" data-testid="batch-confirm" disabled=move || busy.get() || !shown.has_work on:click=move |_| on_confirm.run(())>{t(lang, K::BatchConfirm)}</button>
                <button type="button" class="secondary" data-testid="batch-cancel" on:click=move |_| on_cancel.run(())>{t(lang, K::Cancel)}</button>
            </div>
        </div>
    }
}

/// A file's signer in a batch row: a short word and the fingerprint.
fn signer_badge(lang: crate::core::i18n::Lang, signer: &crate::core::bundle::sign::Signer) -> impl IntoView {
    use crate::core::bundle::sign::Signer;
    let k = match signer {
        Signer::Unsigned => K::SignerUnsignedShort,
        Signer::Own => K::SignerOwnShort,
        Signer::Known(_) => K::SignerKnownShort,
        Signer::FirstSeen(_) => K::SignerFirstSeenShort,
    };
    let fingerprint = signer.key().map(|k| k.fingerprint()).unwrap_or_default();
    view! {
        <br/><small data-testid="batch-signer" data-signer=signer.code()>{lang.labelled(t(lang, K::SignatureLabel), t(lang, k))} " " <code class="fingerprint">{fingerprint}</code></small>
    }
}
