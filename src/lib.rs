//! Pakta: a verifiable registry for the ASN neutrality pledge (Pakta Integritas
//! Netralitas ASN).
//!
//! Map of the code:
//! - [`domain`]: pure rules: identifiers (NIP, NI PPPK, NIK), key material, the signed
//!   documents, registry entries and their bytes, the ceremony state machine, the
//!   offline audit, the backup file's manifest, the monitor's report over many
//!   registries. No IO, no clock, no randomness.
//! - [`store`]: SQLite only: migrations from `schema/`, the single group-committing
//!   writer, every query, the online copy behind `pakta backup`.
//! - [`app`]: the use cases (roster and SIASN import, enroll, publish, ceremonies,
//!   campaigns, sign, representatives, the heads' recaps, reports and reminders, PDF
//!   documents, verify, backup and restore, asking witnesses to cosign, publishing
//!   tiles to object storage), combining domain rules, storage, the clock and randomness.
//! - [`http`]: actix-web: the route table, thin handlers, and the one mapping from
//!   errors to status codes.
//! - the `pakta` binary (`src/main.rs`, `src/cli/`): clap commands over this library.
//! - [`documents`]: the PDF documents an office files (ceremony report, berita acara,
//!   an official's signed pakta), laid out from data given to it: pure, bytes out.
//! - [`witness`]: the witness (`pakta witness`), which cosigns a registry's checkpoints
//!   only when they extend what it saw before (its rule in [`domain::witness`], its state
//!   in [`store::witness`], its routes in `http/witness.rs`).
//! - [`demo`]: the fictional kabupaten for `pakta demo`.
//! - [`error`], [`clock`], [`keyfile`]: shared plumbing.

pub mod app;
pub mod clock;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod error;
pub mod http;
pub mod keyfile;
pub mod store;
pub mod witness;
