//! Helpers shared by the bundle tests: devices, exports and imports with fixed
//! names, times and randomness.
#![allow(dead_code)]

use chrono::NaiveDate;
use duzhan::core::bundle::batch::{Batch, BatchFile, BatchImported};
use duzhan::core::bundle::export::export_signed;
use duzhan::core::bundle::import::{preview_counts, read_bundle};
use duzhan::core::bundle::sign::DeviceKey;
use duzhan::core::bundle::Limits;
use duzhan::core::bundle::{prepare_import, state_hash, ExportRequest, ExportScope, ExportedFile, ImportError, Preview, SyncLedger};
use duzhan::core::clock::{DeviceId, Hlc};
use duzhan::core::default_plan;
use duzhan::core::doc::Doc;
use duzhan::core::replica::Replica;
use std::sync::OnceLock;

/// A device as the tests see it: its replica, ledger and a counter for randomness.
#[derive(Clone, Debug)]
pub struct Device {
    pub replica: Replica,
    pub ledger: SyncLedger,
    pub name: String,
    pub nonce: u64,
    /// The device's key pair: its exports are signed (v2) when it has one, v1
    /// otherwise.
    pub key: Option<DeviceKey>,
}

impl Device {
    /// A fresh device holding the embedded default, as after first run.
    pub fn fresh(id: &str) -> Device {
        static SEED: OnceLock<Vec<Doc>> = OnceLock::new();
        let docs = SEED.get_or_init(default_plan::docs).clone();
        let dev = DeviceId(id.to_owned());
        Device { replica: Replica::from_parts(docs, Hlc::new(dev)), ledger: SyncLedger::default(), name: format!("小分队{id}"), nonce: 0, key: None }
    }

    /// A device holding the given docs (from the embedded default) as after first run.
    pub fn with_docs(id: &str, docs: Vec<Doc>) -> Device {
        Device {
            replica: Replica::from_parts(docs, Hlc::new(DeviceId(id.to_owned()))),
            ledger: SyncLedger::default(),
            name: format!("小分队{id}"),
            nonce: 0,
            key: None,
        }
    }

    /// A device with no data at all.
    pub fn empty(id: &str) -> Device {
        Device { replica: Replica::new(DeviceId(id.to_owned())), ledger: SyncLedger::default(), name: id.to_owned(), nonce: 0, key: None }
    }

    /// The same device with a key pair of its own (seeded from its id), as the app
    /// makes on first use; the ledger knows its public half.
    pub fn signed(mut self) -> Device {
        let key = key_for(self.replica.device().as_str());
        self.ledger.own_key = Some(key.public().to_base64());
        self.key = Some(key);
        self
    }

    pub fn hash(&self) -> String {
        state_hash(self.replica.docs())
    }

    fn random16(&mut self) -> [u8; 16] {
        self.nonce += 1;
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.nonce.to_be_bytes());
        let h = self.replica.device().as_str().bytes().fold(0u64, |a, c| a.wrapping_mul(31).wrapping_add(c as u64));
        b[8..].copy_from_slice(&h.to_be_bytes());
        b
    }

    /// Exports and stores the ledger, as the app does before handing the file out.
    pub fn export(&mut self, scope: ExportScope, now_ms: u64) -> ExportedFile {
        self.export_with(scope, now_ms, false)
    }

    /// [`Device::export`], carrying restricted records (暗访督战) when `carry` (a
    /// bundle to be sealed to the 督查室) or leaving them out.
    pub fn export_with(&mut self, scope: ExportScope, now_ms: u64, carry: bool) -> ExportedFile {
        let req = ExportRequest {
            scope,
            recipient: None,
            squad_name: self.name.clone(),
            created_ms: now_ms,
            date: date(),
            bundle_id: self.random16(),
            carry_restricted: carry,
        };
        let f = export_signed(&self.replica, &self.ledger, &req, self.key.as_ref()).expect("export");
        self.ledger = f.ledger.clone();
        f
    }

    /// What the import would do. Every call also checks that the counts-only
    /// preview the app shows (`preview_counts`, records borrowed) says exactly the
    /// same as the staging one, but for the staged docs and clock.
    pub fn preview(&self, bytes: &[u8]) -> Result<Preview, ImportError> {
        let staged = prepare_import(bytes, None, &self.replica, &self.ledger, &test_limits(), NOW);
        let counted = read_bundle(bytes, None, &test_limits()).and_then(|i| preview_counts(&i, &self.replica, &self.ledger, NOW));
        match (&staged, counted) {
            (Ok(s), Ok(mut c)) => {
                assert!(c.change.docs.is_empty(), "a counts-only preview stages nothing");
                c.change = s.change.clone();
                assert_eq!(s, &c, "preview_counts disagrees with preview");
            }
            (Err(a), Err(b)) => assert_eq!(a, &b, "preview_counts refuses differently"),
            (a, b) => panic!("preview {a:?} but preview_counts {b:?}"),
        }
        staged
    }

    /// Imports and commits with this device's clock at `now_ms` (the clock guard's tests).
    pub fn import_at(&mut self, bytes: &[u8], now_ms: u64) -> Result<Preview, ImportError> {
        let p = prepare_import(bytes, None, &self.replica, &self.ledger, &test_limits(), now_ms)?;
        self.replica.apply(p.change.clone());
        self.ledger = p.ledger.clone();
        Ok(p)
    }

    /// Imports and commits (applies the change, stores the ledger).
    pub fn import(&mut self, bytes: &[u8]) -> Result<Preview, ImportError> {
        let p = self.preview(bytes)?;
        self.replica.apply(p.change.clone());
        self.ledger = p.ledger.clone();
        Ok(p)
    }
}

impl Device {
    /// Checks the files as one batch, in the order given (as the app does, minus
    /// the second try of a file whose references come later).
    pub fn batch(&self, files: &[&[u8]]) -> Batch {
        let mut b = Batch::new(&self.replica, &self.ledger);
        for (i, bytes) in files.iter().enumerate() {
            let name = format!("file-{i}.json");
            match read_bundle(bytes, None, &test_limits()) {
                Ok(incoming) => b.add_bundle(None, name, bytes.len() as u64, incoming, &self.replica, NOW),
                Err(e) => b.refuse(None, name, bytes.len() as u64, e),
            };
        }
        b
    }

    /// Imports the files as one batch in one commit.
    pub fn import_batch(&mut self, files: &[&[u8]]) -> Result<(Vec<BatchFile>, BatchImported), ImportError> {
        let b = self.batch(files);
        let listed = b.files().to_vec();
        let staged = b.stage(&self.replica, &self.ledger)?;
        self.replica.apply(staged.change);
        self.ledger = staged.ledger;
        Ok((listed, staged.imported))
    }
}

/// The importing device's clock in these tests: 2100-01-01, after every stamp a
/// test writes (the clock guard refuses writes more than a day ahead of it; its own
/// tests pass their own clock).
pub const NOW: u64 = 4_102_444_800_000;

/// A new figure `n` of the device on the default plan's 小河 target, saved at
/// `1_000 + n` ms (the signed-bundle tests' unit of work).
pub fn add_figure(d: &mut Device, n: u32) {
    let f = duzhan::core::model::Figure {
        id: format!("fig-{}-{n}", d.replica.device().as_str()),
        target_id: "seed-target-xiaohe".into(),
        measured_on: date(),
        value: f64::from(n),
        source: "入户核查".into(),
    };
    let c = d.replica.stage_save(&[f], 1_000 + u64::from(n));
    d.replica.apply(c);
}

/// The 16 bytes of a bundle id written as 32 hex digits.
pub fn bundle_id_bytes(hex: &str) -> [u8; 16] {
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex bundle id");
    }
    id
}

/// The fixtures' export: `incoming`'s records as a full bundle from its own device,
/// squad, time and bundle id (the date only names the file), signed by `signer`
/// (v2) or not (v1).
pub fn reexport(incoming: duzhan::core::bundle::IncomingBundle, signer: Option<&DeviceKey>) -> Vec<u8> {
    let h = incoming.header;
    let r = Replica::from_parts(incoming.docs, Hlc::new(h.device_id.clone()));
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: h.squad_name.clone(),
        created_ms: h.created_ms,
        date: date(),
        bundle_id: bundle_id_bytes(&h.bundle_id),
        carry_restricted: true,
    };
    export_signed(&r, &SyncLedger::default(), &req, signer).expect("export").bytes
}

/// A key pair seeded from a name (tests only: a real key's seed is random).
pub fn key_for(name: &str) -> DeviceKey {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b.rotate_left(i as u32 / 32);
    }
    seed[31] ^= 0x5a;
    DeviceKey::from_seed(seed, 0)
}

pub fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 3, 15).unwrap()
}

/// Default limits, with a key-derivation floor low enough for fast tests.
pub fn test_limits() -> Limits {
    Limits { min_kdf_iterations: 1, ..Limits::default() }
}

/// The bytes' import error (panics if the import succeeds).
pub fn import_err(d: &Device, bytes: &[u8]) -> ImportError {
    match d.preview(bytes) {
        Ok(p) => panic!("expected a rejection, got a preview of {} docs", p.change.docs.len()),
        Err(e) => e,
    }
}

/// The photos of the v3 fixture: real JPEGs made by a browser's encoder, kept in
/// `tests/fixtures/photos/` (never regenerated).
pub fn v3_fixture_photos() -> Vec<Vec<u8>> {
    ["visit-64x48.jpg", "visit-48x64.jpg"]
        .iter()
        .map(|n| std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos").join(n)).expect("fixture photo"))
        .collect()
}

/// The record of photo `bytes` (a JPEG) on visit `visit` at `target`, attached by
/// `squad` at `at_ms` with no EXIF time, place or caption.
pub fn visit_photo(visit: &str, target: &str, bytes: &[u8], at_ms: u64, squad: &str) -> duzhan::core::fieldwork::photo::Photo {
    use duzhan::core::fieldwork::photo::{jpeg_size, photo_hash, photo_id, Photo, PhotoSlot, TakenFrom};
    let sha256 = photo_hash(bytes);
    let (width, height) = jpeg_size(bytes).expect("a JPEG");
    Photo {
        id: photo_id(visit, &sha256),
        owner_id: visit.into(),
        slot: PhotoSlot::Visit,
        target_id: target.into(),
        sha256,
        bytes: bytes.len() as u32,
        width,
        height,
        taken_ms: at_ms,
        taken_from: TakenFrom::Attached,
        geo: None,
        caption: String::new(),
        stamped: false,
        attached_ms: at_ms,
        squad_name: squad.into(),
        source_sha256: None,
    }
}

/// The replica behind the v3 fixture: `v1_docs` (the v1 fixture's records) plus one
/// submitted visit at 小河村 (`visit-fixture-3`) with the fixture's two photos,
/// recorded by the v1 fixture's device at fixed times; and the photos held (address
/// → bytes).
pub fn v3_fixture_replica(v1_docs: Vec<Doc>) -> (Replica, std::collections::BTreeMap<String, Vec<u8>>) {
    use duzhan::core::fieldwork::photo::Photo;
    use duzhan::core::fieldwork::{Visit, VisitMode, VisitStatus};
    const AT: u64 = 1_584_316_800_000; // 2020-03-16 08:00 +08:00
    let mut r = Replica::from_parts(v1_docs, Hlc::new(DeviceId("d-0000000000000001".into())));
    let mut v = Visit::new_draft("visit-fixture-3".into(), "seed-target-xiaohe".into(), NaiveDate::from_ymd_opt(2020, 3, 16).unwrap(), VisitMode::SquadRoutine);
    v.members = vec!["罗文慧".into(), "李明".into()];
    v.status = VisitStatus::Submitted;
    v.submitted_ms = Some(AT + 60_000);
    let c = r.stage_save(&[v], AT + 60_000);
    r.apply(c);
    let photos = v3_fixture_photos();
    let records: Vec<Photo> = photos
        .iter()
        .enumerate()
        .map(|(i, b)| Photo {
            geo: Some(duzhan::core::fieldwork::photo::Geo { lat: 25.53, lon: 102.4, accuracy_m: Some(12.0) }),
            caption: ["危房外景", "屋内"][i].into(),
            ..visit_photo("visit-fixture-3", "seed-target-xiaohe", b, AT + i as u64 * 1_000, "州扶贫办")
        })
        .collect();
    let c = r.stage_save(&records, AT + 120_000);
    r.apply(c);
    (r, photos.into_iter().map(|b| (duzhan::core::fieldwork::photo::photo_hash(&b), b)).collect())
}

/// The v3 fixture's file as today's exporter writes it: [`v3_fixture_replica`]
/// exported in full, signed with `key`, carrying both photos.
pub fn v3_fixture_file(v1_docs: Vec<Doc>, key: &DeviceKey) -> Vec<u8> {
    use duzhan::core::bundle::photos::{close_line, photo_line};
    let (r, held) = v3_fixture_replica(v1_docs);
    let req = ExportRequest {
        scope: ExportScope::Full,
        recipient: None,
        squad_name: "州扶贫办".into(),
        created_ms: 1_584_317_000_000,
        date: NaiveDate::from_ymd_opt(2020, 3, 16).unwrap(),
        bundle_id: *b"duzhan-fixture-3",
        carry_restricted: true,
    };
    let lens = held.iter().map(|(h, b)| (h.clone(), b.len() as u32)).collect();
    let f = duzhan::core::bundle::export::export_carrying(&r, &SyncLedger::default(), &req, Some(key), &lens).expect("export");
    let mut file = f.bytes;
    for (i, e) in f.photos.iter().enumerate() {
        file.extend(photo_line(e, &held[&e.sha256], i + 1 == f.photos.len()).expect("line"));
    }
    file.extend(close_line());
    file
}

/// The chunked encrypted v3 fixture (envelope version 2) as today's writer makes it
/// from the v3 fixture's bytes: passphrase 楚雄州2020督战, the real key derivation,
/// fixed salt and nonce prefix, chunks of 16 KiB (several, to hold the layout).
pub fn v3_fixture_encrypted(plain: &[u8]) -> Vec<u8> {
    use duzhan::core::bundle::crypto::{encrypt_chunked, EncryptParams};
    let p = EncryptParams {
        passphrase: "楚雄州2020督战",
        salt: *b"duzhan-fixture-4",
        nonce: *b"duzhan-nonc4",
        iterations: duzhan::core::bundle::limits::MIN_ITERATIONS,
    };
    let (mut file, mut w) = encrypt_chunked(&p, 16 << 10).expect("head");
    file.extend(w.push(plain).expect("chunks"));
    file.extend(w.finish().expect("last chunk"));
    file
}
