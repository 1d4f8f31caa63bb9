//! The documents an office files, as PDF, laid out here in Rust: the per-OPD report of
//! a ceremony with the unsigned list and a place for the head of OPD's countersignature
//! ([`report_pdf`]), the record of a ceremony, its berita acara ([`berita_acara_pdf`]),
//! and an official's signed pakta on one page with a QR code that opens its public
//! verification ([`receipt_pdf`]).
//!
//! Pure: each function takes the data to print (times in UTC with the zone to show them
//! in) and returns the bytes of the PDF; no IO, no clock. Text is in Indonesian under
//! the instansi's kop, set in DejaVu Sans (assets/fonts/, Bitstream Vera licence),
//! embedded as a subset in every file so it prints the same on any computer. PDFs are
//! written by `krilla`; [`layout`] is the shared page layout.

mod berita_acara;
mod layout;
mod receipt;
mod report;

pub use berita_acara::{BeritaAcara, CheckpointCover, berita_acara_pdf};
pub use receipt::{ReceiptDocument, receipt_pdf};
pub use report::{
    Countersignature, OpdCounts, OpdSection, ReportDocument, UnsignedLine, report_pdf,
};

/// A document that could not be written: a bug or a value no QR code can hold, never
/// the caller's doing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DocumentError(String);
