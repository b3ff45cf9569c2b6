//! The pure core (纯核心): model, embedded default, validation, merge-ready
//! records, the read model and view addresses.
//!
//! Invariant: nothing here knows the browser or the UI framework — no UI-framework
//! or browser-binding crate is named here (`tests/core_is_pure.rs` holds the list
//! and fails if one appears) — and nothing here does I/O or reads the clock. It is
//! tested natively with `cargo test`.
//!
//! The modules stand in floors, bottom first; a module imports only from floors
//! below its own, so they form no import cycle (`tests/layers.rs` holds the same
//! list and fails on an upward import or a cycle):
//!
//! | floor | modules |
//! |---|---|
//! | 0 | `clock`, `sort`, `calendar` (the campaign's days, UTC+8), `digest` |
//! | 1 | `doc` |
//! | 2 | `model` |
//! | 3 | `i18n` |
//! | 4 | `validate` |
//! | 5 | `seed` (the plan's data), `snapshot` |
//! | 6 | `replica` |
//! | 7 | `ops`, `fieldwork` |
//! | 8 | `report` |
//! | 9 | `default_plan` (the whole embedded default), `export`, `plan_edit`, `read_model` (what views and staging read), `route` |
//! | 10 | `bundle` |
//! | 11 | `campaigns`, `guardian` |
//!
//! Code that a lower floor needs lives on that floor: an error type implements
//! [`i18n::UserMessage`] beside its definition, and the default checklist and
//! reporting requirements join the plan's data in [`default_plan`], not in [`seed`].

/// Declares a record kind: `entity!(Target, "target")` implements
/// [`Entity`](doc::Entity) for a struct with an `id` field. Declared before the
/// modules so that every one of them (model, field work, the monthly cycle) uses it.
macro_rules! entity {
    ($ty:ty, $kind:literal) => {
        impl $crate::core::doc::Entity for $ty {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
        }
    };
}

pub mod bundle;
pub mod calendar;
pub mod campaigns;
pub mod clock;
pub mod default_plan;
pub mod digest;
pub mod doc;
pub mod export;
pub mod fieldwork;
pub mod guardian;
pub mod i18n;
pub mod model;
pub mod ops;
pub mod plan_edit;
pub mod read_model;
pub mod replica;
pub mod report;
pub mod route;
pub mod seed;
pub mod snapshot;
pub mod sort;
pub mod validate;
