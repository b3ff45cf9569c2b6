//! Campaigns on this device (工作方案目录): starting a new campaign and the list of
//! campaigns a device holds.
//!
//! One store holds one campaign (bundles are checked against it, see
//! `bundle::import`). A new campaign — next year's plan, or a plan the office sends
//! in a bundle — therefore gets a store of its own, and the old campaign's store is
//! kept as it is: nothing is deleted, its records never mix with the new ones, and
//! the user can switch back to it (read it, export it, import into it) at any time.
//!
//! The [`Catalog`] is the small list of those stores and which one is open, kept
//! by the browser beside the stores (in localStorage). The stores are the truth:
//! a lost catalog only loses the list, and the device's first store
//! ([`DEFAULT_DB`]) is always in it.

use super::clock::{DeviceId, Hlc};
use super::doc::{Doc, Entity as _};
use super::fieldwork::checklist::ChecklistItem;
use super::i18n::Field;
use super::model::{Campaign, County, Department, Metric, Person, Thresholds};
use super::replica::{Change, Replica};
use super::report::{self, Requirement, Schedule};
use super::seed;
use super::validate::{self, ValidationError, MAX_NAME};
use serde::{Deserialize, Serialize};

/// The store a device starts with: the embedded default (the 2020 plan), or
/// whatever campaign the user made of it.
pub const DEFAULT_DB: &str = "duzhan";

/// Kinds a new campaign may carry over from the current one (沿用): who and where
/// (lead departments, counties, people) and what a visit checks (the checklist).
/// Targets, figures, phases, milestones, assignments, reporting requirements and
/// all field work belong to one year's plan and are not carried over.
pub const CARRY_OVER_KINDS: [&str; 4] = [Department::KIND, County::KIND, Person::KIND, ChecklistItem::KIND];

/// The store of a campaign that is not the device's first: `duzhan~<campaign id>`.
/// Campaign ids are bundle ids (`a-z A-Z 0-9 - _ . : ~`), so the name is a valid
/// IndexedDB name and a valid localStorage key prefix.
pub fn db_name(campaign_id: &str) -> String {
    format!("{DEFAULT_DB}~{campaign_id}")
}

/// A key kept per store in localStorage (e.g. the data marker): the plain key
/// for the first store, `key~<db>` for the others.
pub fn key_for(db: &str, key: &str) -> String {
    if db == DEFAULT_DB {
        key.to_owned()
    } else {
        format!("{key}~{db}")
    }
}

/// One campaign store on this device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// The store's name (IndexedDB database / localStorage prefix).
    pub db: String,
    /// The campaign record the store holds (empty while it holds none).
    pub campaign_id: String,
    pub name: String,
    pub year: i32,
}

/// The campaigns on this device and which one is open.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// The open store; `None` (or a store not in `entries`) means [`DEFAULT_DB`].
    pub active: Option<String>,
    /// In the order they were added; the first store is added when first opened.
    pub entries: Vec<CatalogEntry>,
}

impl Catalog {
    /// Reads a stored catalog. Unreadable text gives `Err` with the reason; the
    /// caller then starts from [`Catalog::default`] (only the first store), which
    /// loses the list, never a store's data.
    pub fn from_json(text: Option<&str>) -> Result<Catalog, String> {
        match text {
            None => Ok(Catalog::default()),
            Some(t) => serde_json::from_str(t).map_err(|e| e.to_string()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The store to open.
    pub fn active_db(&self) -> &str {
        match &self.active {
            Some(db) if self.entries.iter().any(|e| &e.db == db) => db,
            _ => DEFAULT_DB,
        }
    }

    /// The store that holds `campaign_id`, if the device has one.
    pub fn db_of_campaign(&self, campaign_id: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.campaign_id == campaign_id).map(|e| e.db.as_str())
    }

    /// Records what a store holds (added, or its entry updated), e.g. when it is
    /// opened or its campaign renamed. Returns whether anything changed.
    pub fn record(&mut self, db: &str, campaign: Option<&Campaign>) -> bool {
        let (campaign_id, name, year) = match campaign {
            Some(c) => (c.id.clone(), c.name.clone(), c.year),
            None => (String::new(), String::new(), 0),
        };
        let entry = CatalogEntry { db: db.to_owned(), campaign_id, name, year };
        match self.entries.iter_mut().find(|e| e.db == db) {
            Some(e) if *e == entry => false,
            Some(e) => {
                *e = entry;
                true
            }
            None => {
                self.entries.push(entry);
                true
            }
        }
    }

    /// The store a bundle of `campaign_id` goes in: the one holding it, or a new one
    /// named after it.
    pub fn store_for(&self, campaign_id: &str) -> String {
        self.db_of_campaign(campaign_id).map(str::to_owned).unwrap_or_else(|| db_name(campaign_id))
    }

    /// Of the browser's store `names` (databases, localStorage prefixes), the
    /// campaign stores this list does not hold, each once.
    pub fn unlisted(&self, names: impl IntoIterator<Item = String>) -> Vec<String> {
        let prefix = db_name("");
        let mut out: Vec<String> = Vec::new();
        for n in names {
            let ours = n == DEFAULT_DB || n.starts_with(&prefix);
            if ours && !self.entries.iter().any(|e| e.db == n) && !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// Switching from the store `here` (holding `here_campaign`) to `to` (holding
    /// `campaign`): both are recorded, and `to` is opened from now on.
    pub fn switch(&mut self, here: &str, here_campaign: Option<&Campaign>, to: &str, campaign: Option<&Campaign>) {
        self.record(here, here_campaign);
        self.record(to, campaign);
        self.activate(to);
    }

    /// Makes `db` the store opened from now on (it must be recorded first).
    pub fn activate(&mut self, db: &str) -> bool {
        let known = self.entries.iter().any(|e| e.db == db);
        if known {
            self.active = Some(db.to_owned());
        }
        known
    }
}

/// The campaign a store's replica holds (the same record the snapshot shows and
/// bundles are checked against), read without building a snapshot.
pub fn campaign_of(replica: &Replica) -> Option<Campaign> {
    let id = replica.campaign_id()?;
    replica.doc(id).and_then(|d| Campaign::from_doc(d).ok())
}

/// The campaign a bundle belongs to, when it holds that campaign's record (a full
/// export does; a partial one may not).
pub fn bundle_campaign(incoming: &super::bundle::IncomingBundle) -> Option<Campaign> {
    let id = &incoming.header.campaign_id;
    incoming.docs.iter().find(|d| d.kind == Campaign::KIND && &d.id == id && !d.is_deleted()).and_then(|d| Campaign::from_doc(d).ok())
}

/// The new-campaign form as typed (新建工作方案).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewCampaignForm {
    pub name: String,
    pub year: String,
    pub doc_no: String,
    pub issuer: String,
    /// Carry over departments, counties, people and the checklist ([`CARRY_OVER_KINDS`]).
    pub carry_over: bool,
}

/// A new campaign, ready to be written into its own, new store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCampaign {
    pub campaign_id: String,
    /// The store it goes in ([`db_name`]).
    pub db: String,
    /// The campaign record and what was carried over, stamped by the new store's device.
    pub docs: Vec<Doc>,
    /// The new store's clock after stamping them.
    pub clock: Hlc,
}

/// Years a plan may be for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Checks the form and builds the new campaign's records for a store whose device
/// is `device`. `current` is the campaign open now: its thresholds and contacts
/// are the new campaign's starting values, and with `carry_over` its live
/// departments, counties, people and checklist items are copied (same ids, their
/// current values, stamped anew: the two stores never exchange records).
pub fn stage_new_campaign(form: &NewCampaignForm, current: &Replica, device: DeviceId, now_ms: u64) -> Result<NewCampaign, ValidationError> {
    let name = validate::required_text(Field::Name, &form.name, MAX_NAME)?;
    let year = parse_year(&form.year)?;
    let doc_no = validate::optional_text(Field::DocNo, &form.doc_no, MAX_NAME)?;
    let issuer = validate::optional_text(Field::Issuer, &form.issuer, MAX_NAME)?;
    let now = campaign_of(current);
    let fresh = Replica::new(device.clone());
    let campaign_id = format!("campaign-{year}-{}", fresh.new_id("c", now_ms).trim_start_matches("c-"));
    let campaign = Campaign {
        id: campaign_id.clone(),
        name,
        year,
        doc_no,
        issuer,
        thresholds: now.as_ref().map(|c| c.thresholds.clone()).unwrap_or(Thresholds {
            remaining_poor_over: 1000,
            incidence_over_pct: 10.0,
            site_people_over: 1000,
        }),
        contact_phone: now.as_ref().map(|c| c.contact_phone.clone()).unwrap_or_default(),
        contact_email: now.as_ref().map(|c| c.contact_email.clone()).unwrap_or_default(),
    };
    let mut clock = Hlc::new(device);
    let stamp = clock.tick(now_ms);
    let mut docs: Vec<Doc> = Doc::edit(None, Campaign::KIND, &campaign.id, super::doc::Entity::to_values(&campaign), &stamp).into_iter().collect();
    // The monthly cycle (一月一分析、一报告、一反馈, due on the 20th) is the plan's core:
    // the open campaign's monthly requirements — or the plan's, if it has none — go
    // with every new campaign, their months moved to its year. One-off filings
    // (dated deadlines of one year) do not.
    let from_year = now.as_ref().map(|c| c.year).unwrap_or(seed::YEAR);
    let monthly = monthly_requirements(current);
    let monthly = if monthly.is_empty() { report::model::seed_requirements().into_iter().filter(|r| r.monthly().is_some()).collect() } else { monthly };
    let moved: Vec<Requirement> = monthly.into_iter().filter_map(|r| move_to_year(r, year - from_year)).collect();
    docs.extend(moved.iter().filter_map(|r| Doc::edit(None, Requirement::KIND, &r.id, super::doc::Entity::to_values(r), &stamp)));
    if form.carry_over {
        let copies = current.docs().filter(|d| !d.is_deleted() && CARRY_OVER_KINDS.contains(&d.kind.as_str()));
        // The winning values of each field, as stored (not `values()`, which adds `id`).
        docs.extend(copies.filter_map(|d| {
            let values = d.fields.iter().filter(|(k, _)| k.as_str() != super::doc::DELETED).map(|(k, f)| (k.clone(), f.v.clone())).collect();
            Doc::edit(None, &d.kind, &d.id, values, &stamp)
        }));
    }
    Ok(NewCampaign { db: db_name(&campaign_id), campaign_id, docs, clock })
}

/// The live monthly reporting requirements of a store.
fn monthly_requirements(r: &Replica) -> Vec<Requirement> {
    report::ReportSnapshot::from_docs(r.head_docs()).requirements.into_iter().filter(|q| q.monthly().is_some()).collect()
}

/// A monthly requirement with its months `years` later (Feb–Dec 2020 → Feb–Dec 2021).
fn move_to_year(r: Requirement, years: i32) -> Option<Requirement> {
    let Schedule::Monthly { due_day, first, last } = r.schedule else { return None };
    let shift = |m: report::Month| report::Month::new(m.year() + years, m.month());
    Some(Requirement { schedule: Schedule::Monthly { due_day, first: shift(first)?, last: shift(last)? }, ..r })
}

/// The open campaign's own record as typed (方案信息): what the plan's header says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CampaignInfoForm {
    pub name: String,
    pub year: String,
    pub doc_no: String,
    pub issuer: String,
    pub contact_phone: String,
    pub contact_email: String,
    /// The thresholds that make a place a target (people, %, people).
    pub remaining_poor_over: String,
    pub incidence_over_pct: String,
    pub site_people_over: String,
}

impl CampaignInfoForm {
    /// The form filled with a campaign's values.
    pub fn of(c: &Campaign) -> CampaignInfoForm {
        CampaignInfoForm {
            name: c.name.clone(),
            year: c.year.to_string(),
            doc_no: c.doc_no.clone(),
            issuer: c.issuer.clone(),
            contact_phone: c.contact_phone.clone(),
            contact_email: c.contact_email.clone(),
            remaining_poor_over: c.thresholds.remaining_poor_over.to_string(),
            incidence_over_pct: c.thresholds.incidence_over_pct.to_string(),
            site_people_over: c.thresholds.site_people_over.to_string(),
        }
    }
}

fn parse_year(s: &str) -> Result<i32, ValidationError> {
    let t = s.trim();
    t.parse::<i32>().ok().filter(|y| YEARS.contains(y)).ok_or_else(|| ValidationError::InvalidYear(t.to_owned()))
}

fn parse_people(s: &str) -> Result<u32, ValidationError> {
    let v = validate::parse_figure(Metric::RemainingPoor, s)?;
    if v > f64::from(u32::MAX) {
        return Err(ValidationError::NotANumber(s.trim().to_owned()));
    }
    Ok(v as u32)
}

/// Checks the edited campaign record and stages saving it (unchanged fields write
/// nothing). The campaign's id never changes: bundles are matched by it.
pub fn stage_campaign_info(r: &Replica, form: &CampaignInfoForm, now_ms: u64) -> Result<Change, ValidationError> {
    let current = campaign_of(r).ok_or(ValidationError::NoCampaign)?;
    let c = Campaign {
        id: current.id,
        name: validate::required_text(Field::Name, &form.name, MAX_NAME)?,
        year: parse_year(&form.year)?,
        doc_no: validate::optional_text(Field::DocNo, &form.doc_no, MAX_NAME)?,
        issuer: validate::optional_text(Field::Issuer, &form.issuer, MAX_NAME)?,
        contact_phone: validate::optional_text(Field::ContactPhone, &form.contact_phone, MAX_NAME)?,
        contact_email: validate::optional_text(Field::ContactEmail, &form.contact_email, MAX_NAME)?,
        thresholds: Thresholds {
            remaining_poor_over: parse_people(&form.remaining_poor_over)?,
            incidence_over_pct: validate::parse_figure(Metric::IncidencePct, &form.incidence_over_pct)?,
            site_people_over: parse_people(&form.site_people_over)?,
        },
    };
    Ok(r.stage_save(&[c], now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::default_plan;
    use crate::core::seed;

    fn seeded() -> Replica {
        Replica::from_parts(default_plan::docs(), Hlc::new(DeviceId("d-old".into())))
    }

    fn form(carry_over: bool) -> NewCampaignForm {
        NewCampaignForm {
            name: " 楚雄州巩固脱贫成果督战 ".into(),
            year: "2021".into(),
            doc_no: "楚贫组发〔2021〕1号".into(),
            issuer: "楚雄州扶贫开发领导小组".into(),
            carry_over,
        }
    }

    #[test]
    fn a_new_campaign_is_its_record_and_the_monthly_cycle_in_a_store_of_its_own() {
        let old = seeded();
        let n = stage_new_campaign(&form(false), &old, DeviceId("d-new".into()), 1_700_000_000_000).unwrap();
        assert_eq!(n.docs.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>(), ["campaign", "requirement"]);
        assert!(n.campaign_id.starts_with("campaign-2021-"), "{}", n.campaign_id);
        assert_eq!(n.db, format!("duzhan~{}", n.campaign_id));
        assert!(crate::core::bundle::import::valid_id(&n.campaign_id, crate::core::bundle::import::MAX_ID));
        let r = Replica::from_parts(n.docs, n.clock);
        let c = r.snapshot().campaign.unwrap();
        assert_eq!((c.name.as_str(), c.year, c.doc_no.as_str()), ("楚雄州巩固脱贫成果督战", 2021, "楚贫组发〔2021〕1号"));
        // The plan's thresholds and contacts are where the new one starts.
        let plan = old.snapshot().campaign.unwrap();
        assert_eq!((c.thresholds, c.contact_phone), (plan.thresholds, plan.contact_phone));
        assert!(r.snapshot().targets.is_empty());
        // Every record is the new device's.
        assert!(r.docs().all(|d| d.fields.values().all(|f| f.s.dev.0 == "d-new")));
    }

    #[test]
    fn carrying_over_copies_who_and_where_and_the_checklist_not_the_years_plan() {
        let mut old = seeded();
        // A county the user deleted stays behind.
        let gone = old.stage_delete(&["seed-county-wuding"], 5);
        old.apply(gone);
        let n = stage_new_campaign(&form(true), &old, DeviceId("d-new".into()), 10).unwrap();
        let kinds: std::collections::BTreeSet<&str> = n.docs.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(kinds, ["campaign", "checklist_item", "county", "department", "person", "requirement"].into_iter().collect());
        let live = |kind: &str| old.docs().filter(|d| d.kind == kind && !d.is_deleted()).count();
        for kind in CARRY_OVER_KINDS {
            assert_eq!(n.docs.iter().filter(|d| d.kind == kind).count(), live(kind), "{kind}");
        }
        assert!(n.docs.iter().all(|d| d.id != "seed-county-wuding"));
        // Field for field the records they copy, and nothing more (no `id` field, no tombstone).
        for d in n.docs.iter().filter(|d| CARRY_OVER_KINDS.contains(&d.kind.as_str())) {
            let was = old.doc(&d.id).unwrap();
            assert_eq!(
                d.fields.keys().collect::<Vec<_>>(),
                was.fields.keys().filter(|k| k.as_str() != crate::core::doc::DELETED).collect::<Vec<_>>(),
                "{}",
                d.id
            );
            assert_eq!(d.values(), was.values());
        }
        let r = Replica::from_parts(n.docs, n.clock);
        let (a, b) = (r.snapshot(), old.snapshot());
        assert_eq!(a.counties, b.counties);
        assert_eq!(a.people, b.people);
        assert!(a.targets.is_empty() && a.phases.is_empty() && a.milestones.is_empty() && a.assignments.is_empty());
    }

    #[test]
    fn the_monthly_cycle_goes_with_every_new_campaign_moved_to_its_year() {
        let old = seeded();
        let n = stage_new_campaign(&NewCampaignForm { year: "2022".into(), ..form(false) }, &old, DeviceId("d-new".into()), 1).unwrap();
        let r = Replica::from_parts(n.docs, n.clock);
        let reqs = report::ReportSnapshot::from_docs(r.docs()).requirements;
        assert_eq!(reqs.len(), 1, "the monthly report only; the 2020 one-off filings stay");
        let plan = monthly_requirements(&old).remove(0);
        assert_eq!(reqs[0].monthly(), Some((20, report::Month::new(2022, 2).unwrap(), report::Month::new(2022, 12).unwrap())));
        assert_eq!((reqs[0].name.as_str(), reqs[0].parties), (plan.name.as_str(), plan.parties));
        // A campaign made from that one (2022 → 2023) moves them on; one whose
        // requirements were deleted gets the plan's.
        let next = stage_new_campaign(&NewCampaignForm { year: "2023".into(), ..form(false) }, &r, DeviceId("d-3".into()), 2).unwrap();
        let got = report::ReportSnapshot::from_docs(Replica::from_parts(next.docs, next.clock).docs()).requirements;
        assert_eq!(got[0].monthly().map(|m| m.1), report::Month::new(2023, 2));
        let mut bare = old.clone();
        let ids: Vec<String> = bare.docs().filter(|d| d.kind == "requirement").map(|d| d.id.clone()).collect();
        let gone = bare.stage_delete(&ids.iter().map(String::as_str).collect::<Vec<_>>(), 3);
        bare.apply(gone);
        let fresh = stage_new_campaign(&form(false), &bare, DeviceId("d-4".into()), 4).unwrap();
        let got = report::ReportSnapshot::from_docs(Replica::from_parts(fresh.docs, fresh.clock).docs()).requirements;
        assert_eq!(got.iter().map(|q| q.monthly().map(|m| m.1)).collect::<Vec<_>>(), [report::Month::new(2021, 2)]);
    }

    #[test]
    fn a_wrong_field_is_refused_with_what_to_do() {
        let old = seeded();
        let dev = || DeviceId("d-new".into());
        let bad = |f: NewCampaignForm| stage_new_campaign(&f, &old, dev(), 1).unwrap_err();
        assert_eq!(bad(NewCampaignForm { name: "  ".into(), ..form(false) }), ValidationError::Required { field: Field::Name });
        for y in ["", "二〇二一", "21", "1999", "2101", "2021.5"] {
            let e = bad(NewCampaignForm { year: y.into(), ..form(false) });
            assert_eq!(e, ValidationError::InvalidYear(y.into()));
            assert!(e.message(crate::core::i18n::Lang::Zh).contains("年度"), "{}", e.message(crate::core::i18n::Lang::Zh));
        }
        assert_eq!(bad(NewCampaignForm { doc_no: "号".repeat(MAX_NAME + 1), ..form(false) }), ValidationError::TooLong { field: Field::DocNo, max: MAX_NAME });
    }

    #[test]
    fn two_new_campaigns_of_one_year_never_share_a_store() {
        let old = seeded();
        let a = stage_new_campaign(&form(false), &old, DeviceId("d-aaaa".into()), 7).unwrap();
        let b = stage_new_campaign(&form(false), &old, DeviceId("d-bbbb".into()), 7).unwrap();
        let c = stage_new_campaign(&form(false), &old, DeviceId("d-aaaa".into()), 8).unwrap();
        assert_ne!(a.db, b.db);
        assert_ne!(a.db, c.db);
    }

    #[test]
    fn the_catalog_opens_the_first_store_until_told_otherwise() {
        let mut cat = Catalog::default();
        assert_eq!(cat.active_db(), DEFAULT_DB);
        // Activating an unknown store does nothing.
        assert!(!cat.activate("duzhan~x"));
        assert_eq!(cat.active_db(), DEFAULT_DB);
        let plan = seed::seed().campaign;
        assert!(cat.record(DEFAULT_DB, Some(&plan)));
        assert!(!cat.record(DEFAULT_DB, Some(&plan)), "recording the same again changes nothing");
        let next = Campaign { id: "campaign-2021-x".into(), name: "2021".into(), year: 2021, ..plan.clone() };
        assert!(cat.record(&db_name(&next.id), Some(&next)));
        assert!(cat.activate(&db_name(&next.id)));
        assert_eq!(cat.active_db(), "duzhan~campaign-2021-x");
        assert_eq!(cat.db_of_campaign(seed::CAMPAIGN_ID), Some(DEFAULT_DB));
        assert_eq!(cat.db_of_campaign("campaign-2021-x"), Some("duzhan~campaign-2021-x"));
        // Renamed: the entry follows, in place.
        let renamed = Campaign { name: "2021 巩固".into(), ..next.clone() };
        assert!(cat.record(&db_name(&next.id), Some(&renamed)));
        assert_eq!(cat.entries.len(), 2);
        assert_eq!(cat.entries[1].name, "2021 巩固");
        // Round trip; unreadable text is an error the caller reports, not a panic.
        assert_eq!(Catalog::from_json(Some(&cat.to_json())).unwrap(), cat);
        assert_eq!(Catalog::from_json(None).unwrap(), Catalog::default());
        assert!(Catalog::from_json(Some("{\"active\":")).is_err());
        // A catalog naming a store it does not list opens the first store.
        let odd = Catalog { active: Some("duzhan~gone".into()), entries: cat.entries.clone() };
        assert_eq!(odd.active_db(), DEFAULT_DB);
    }

    #[test]
    fn the_open_campaigns_record_is_edited_in_place_and_checked() {
        let mut r = seeded();
        let plan = campaign_of(&r).unwrap();
        let form = CampaignInfoForm::of(&plan);
        assert!(stage_campaign_info(&r, &form, 10).unwrap().is_empty(), "an unchanged form writes nothing");
        let edited = CampaignInfoForm {
            name: "楚雄州脱贫攻坚挂牌督战（修订）".into(),
            incidence_over_pct: " 8.5 ".into(),
            site_people_over: "800".into(),
            ..form.clone()
        };
        let change = stage_campaign_info(&r, &edited, 10).unwrap();
        assert_eq!(change.docs.len(), 1);
        r.apply(change);
        let c = campaign_of(&r).unwrap();
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.thresholds.incidence_over_pct, c.thresholds.site_people_over),
            (seed::CAMPAIGN_ID, "楚雄州脱贫攻坚挂牌督战（修订）", 8.5, 800)
        );
        assert_eq!(c.doc_no, plan.doc_no);
        let bad = |f: CampaignInfoForm| stage_campaign_info(&r, &f, 11).unwrap_err();
        assert_eq!(bad(CampaignInfoForm { incidence_over_pct: "101".into(), ..form.clone() }), ValidationError::PercentOutOfRange(101.0));
        assert_eq!(bad(CampaignInfoForm { remaining_poor_over: "1000.5".into(), ..form.clone() }), ValidationError::NotWholePeople(1000.5));
        assert_eq!(bad(CampaignInfoForm { site_people_over: "-1".into(), ..form.clone() }), ValidationError::NegativeFigure(-1.0));
        assert_eq!(
            bad(CampaignInfoForm { site_people_over: "99999999999".into(), ..form.clone() }),
            ValidationError::FigureTooLarge { value: 99_999_999_999.0, max: crate::core::validate::MAX_FIGURE }
        );
        assert_eq!(bad(CampaignInfoForm { year: "20x1".into(), ..form.clone() }), ValidationError::InvalidYear("20x1".into()));
        assert_eq!(bad(CampaignInfoForm { name: "".into(), ..form.clone() }), ValidationError::Required { field: Field::Name });
        let empty = Replica::new(DeviceId("d-e".into()));
        assert_eq!(stage_campaign_info(&empty, &form, 1).unwrap_err(), ValidationError::NoCampaign);
    }

    #[test]
    fn the_list_finds_unlisted_stores_picks_a_bundles_store_and_switches() {
        let plan = seed::seed().campaign;
        let mut cat = Catalog::default();
        let names = ["duzhan", "duzhan~campaign-2021-a", "other-app", "duzhan-test-x", "duzhan~campaign-2021-a"].map(String::from);
        assert_eq!(cat.unlisted(names.clone()), ["duzhan", "duzhan~campaign-2021-a"]);
        cat.record(DEFAULT_DB, Some(&plan));
        assert_eq!(cat.unlisted(names), ["duzhan~campaign-2021-a"]);
        assert_eq!(cat.store_for(seed::CAMPAIGN_ID), DEFAULT_DB);
        assert_eq!(cat.store_for("campaign-2022-b"), "duzhan~campaign-2022-b");
        let next = Campaign { id: "campaign-2022-b".into(), year: 2022, ..plan.clone() };
        let mut fresh = Catalog::default();
        fresh.switch(DEFAULT_DB, Some(&plan), &cat.store_for(&next.id), Some(&next));
        assert_eq!(fresh.entries.iter().map(|e| e.db.as_str()).collect::<Vec<_>>(), ["duzhan", "duzhan~campaign-2022-b"]);
        assert_eq!(fresh.active_db(), "duzhan~campaign-2022-b");
    }

    #[test]
    fn per_store_keys_leave_the_first_stores_keys_as_they_were() {
        assert_eq!(key_for(DEFAULT_DB, "duzhan.marker"), "duzhan.marker");
        assert_eq!(key_for("duzhan~campaign-2021-x", "duzhan.marker"), "duzhan.marker~duzhan~campaign-2021-x");
    }
}
