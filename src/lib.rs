//! Pakta: a verifiable registry for the ASN neutrality pledge (Pakta Integritas
//! Netralitas ASN).
//!
//! Map of the code:
//! - [`domain`]: pure rules: identifiers (NIP, NI PPPK, NIK), key material, the signed
//!   documents, registry entries and their bytes, the ceremony state machine, the
//!   offline audit. No IO, no clock, no randomness.
//! - [`store`]: SQLite only: migrations from `schema/`, the single group-committing
//!   writer, every query.
//! - [`app`]: the use cases (roster and SIASN import, enroll, publish, ceremonies,
//!   campaigns, sign, representatives, the heads' recaps, reports and reminders, PDF
//!   documents, verify), combining domain rules, storage, the clock and randomness.
//! - [`http`]: actix-web: the route table, thin handlers, and the one mapping from
//!   errors to status codes.
//! - the `pakta` binary (`src/main.rs`, `src/cli/`): clap commands over this library.
//! - [`documents`]: the PDF documents an office files (ceremony report, berita acara,
//!   an official's signed pakta), laid out from data given to it: pure, bytes out.
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
