//! Sync by files (按文件同步): the bundle formats v1, v2 (signed) and v3 (with photos), export, the import preview,
//! receipts and the sync ledger. Pure: no I/O, no clock, no randomness — the caller
//! passes `now_ms`, dates and random bytes in, and commits what the core stages.
//!
//! Devices never talk to each other; they hand over **bundle files**. A bundle is a
//! self-describing JSON envelope (format name, version, bundle id, campaign, source
//! device and its per-device sequence number, scope, record counts, a SHA-256 of
//! the canonical envelope) around the records in their *full merge state* — every
//! field's value, stamp, concurrent values (`alt`) and version vector (`seen`), and
//! tombstones — so importing reproduces exactly the state that was exported, and
//! merge (a join-semilattice, see [`crate::core::doc`]) makes every device that has
//! seen the same bundles hold the same data, in any order, any number of times.
//!
//! The pieces, each with one job:
//! - [`wire`]: the wire types, separate from the core model, converted by plain
//!   functions; a compatibility promise, so what v1 reads never changes (v2 adds
//!   the signature);
//! - [`photos`]: photo bytes carried after the records (v3), read line by line;
//! - [`sign`]: device keys, signatures over the checksum, and whom a key belongs to;
//! - [`roster`]: the office's signed list of devices, roles and revocations;
//! - [`restricted`]: 暗访督战 findings, kept to the 督查室 (left out, or refused);
//! - [`seal`]: bundles sealed to recipients' keys (X25519 + AES-256-GCM, like `age`);
//! - [`stream`]: chunked encryption (STREAM), so encrypted and sealed files with photos are read in parts;
//! - [`canonical`]: the canonical JSON rule, checksums and the state hash;
//! - [`kinds`]: per record kind, what it refers to and where it belongs
//!   ([`kinds::Linked`]) — the one thing a new record kind implements to travel;
//! - [`export`]: full, delta and scoped bundles and their file names;
//! - [`import`]: the checked pipeline from bytes to a [`import::Preview`] holding the
//!   staged [`Change`](crate::core::replica::Change);
//! - [`crypto`]: the passphrase-encrypted envelope (PBKDF2-SHA256 + AES-256-GCM);
//! - [`limits`]: what an import accepts ([`Limits`], the key-derivation bounds) and
//!   how a JSON parse error reads as an [`error::ImportError`];
//! - [`ledger`]: what this device exported and received ([`ledger::SyncLedger`]),
//!   persisted by the caller as one meta value;
//! - [`batch`]: many files checked one at a time and imported in one commit;
//! - [`receipt`]: acknowledgement files ("the office has received seq 1–7");
//! - [`warmup`]: the import rehearsed on a small generated bundle, so that the
//!   user's first import runs optimised code;
//! - [`error`]: typed errors, each with a message in Chinese that says what to do.
//!
//! Invariants:
//! - nothing here writes: import returns a staged change and the ledger to store in
//!   the same commit; a rejected file changes nothing;
//! - no `unwrap`/`expect` on a path that file bytes reach; every rejection is a
//!   specific [`error::ImportError`] variant;
//! - work is linear (or `n log n`) in the file size and the number of records; the
//!   replica is never cloned.
//!
//! The human spec is `docs/bundle-format.md`; the JSON Schema `docs/bundle.schema.json`.

// File bytes reach almost every line here: no panicking shortcuts outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod batch;
pub mod canonical;
pub mod crypto;
pub mod error;
pub mod export;
pub mod import;
pub mod kinds;
pub mod ledger;
pub mod limits;
pub mod photos;
pub mod receipt;
pub mod restricted;
pub mod roster;
pub mod seal;
pub mod sign;
pub mod status;
pub mod stream;
pub mod warmup;
pub mod wire;

pub use canonical::state_hash;
pub use error::{ExportError, ImportError};
pub use export::{export_bundle, file_name, ExportRequest, ExportScope, ExportedFile};
pub use import::{prepare_import, preview, read_bundle, IncomingBundle, KindCounts, Preview};
pub use ledger::{StoredLedger, SyncLedger, VersionVector};
pub use limits::Limits;
