//! The PDF documents as use cases: each gathers what its document prints (under the
//! same access rules and access-log records as the JSON it mirrors), and hands it to
//! the pure layout in [`crate::documents`].
//!
//! - the ceremony report: the per-OPD counts and the unsigned list, read and recorded
//!   as the JSON report and unsigned list are (an auditor's copy has counts only);
//! - the berita acara: counts, no names, for the admin, the Inspektorat and auditors;
//! - an official's signed pakta: public, but rendered only from a receipt the caller
//!   holds and that verifies as `POST /api/verify` checks it; nobody is looked up.

use super::access_log::{Reading, scope_text};
use super::ceremonies::ceremony_in;
use super::paging::{Page, ROSTER_PAGE};
use super::reports::{parse_opd, status_words};
use super::{Access, App, Caller};
use crate::documents::{
    BeritaAcara, CheckpointCover, Countersignature, DocumentError, OpdCounts, OpdSection,
    ReceiptDocument, ReportDocument, UnsignedLine, berita_acara_pdf, receipt_pdf, report_pdf,
};
use crate::domain::ceremony::{CeremonyState, OpdTally, invitee_status};
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::{Entry, EntryBody};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::domain::receipt::Receipt;
use crate::error::{Error, Result};

/// A ceremony's state as the documents say it.
fn state_words(state: CeremonyState) -> &'static str {
    match state {
        CeremonyState::Draft => "draf (belum dibuka)",
        CeremonyState::Open => "dibuka",
        CeremonyState::Closed => "ditutup",
    }
}

fn unwritable(e: DocumentError) -> Error {
    tracing::error!(error = %e, "PDF document failed");
    Error::internal(
        "Dokumen PDF tidak dapat dibuat. Coba lagi; bila tetap gagal, laporkan ke admin.",
    )
}

/// Lays out and writes a document on a blocking thread, as reads are: a report of
/// thousands of names takes a while, and the server's other requests do not wait for
/// it.
async fn render<T: Send + 'static>(
    document: T,
    write: fn(&T) -> std::result::Result<Vec<u8>, DocumentError>,
) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || write(&document))
        .await
        .map_err(|_| Error::internal("Pembuatan dokumen PDF terhenti; coba lagi."))?
        .map_err(unwritable)
}

/// Where the public verification page of a receipt's entry is: the same link the
/// receipt pages put in their QR code (web/receipt-view.js `checkLink`), under
/// `base_url`, the address the caller reached this registry at.
fn verify_link(base_url: &str, index: u64, entry_sha256: &str) -> String {
    format!(
        "{}/verifikasi.html#entri={index}&hash={entry_sha256}",
        base_url.trim_end_matches('/')
    )
}

impl App {
    /// The ceremony report as a PDF: the same counts as `GET …/report` and, for a token
    /// that may read names, the whole unsigned list, each recorded in the access log as
    /// those reads are. A supervisor gets their own OPD; an auditor gets counts only.
    pub async fn report_pdf(
        &self,
        caller: &Caller,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<Vec<u8>> {
        let requested = parse_opd(opd.clone())?;
        let names = !matches!(caller.access, Access::Auditor);
        let ceremony = self.ceremony_or_404(id).await?;
        let reports = self.report(caller, id, opd).await?;
        let mut opds: Vec<OpdSection> = reports
            .into_iter()
            .map(|r| OpdSection {
                code: r.code,
                name: r.name,
                counts: OpdCounts {
                    invited: r.invited,
                    attended: r.attended,
                    signed_ceremony: r.signed_ceremony,
                    signed_mandiri: r.signed_mandiri,
                    pending: r.pending,
                    overdue: r.overdue,
                    late: r.late,
                    erased: r.erased,
                    represented: r.represented,
                },
                unsigned: Vec::new(),
                // A unit whose head signed the campaign's recap (`pakta/rekap/v1`)
                // shows that signature; any other gets a block to countersign on paper.
                countersignatures: r
                    .recap
                    .map(|mark| Countersignature {
                        head_name: mark.head_name,
                        signed_at: mark.signed_at,
                        statement_sha256: mark.statement_sha256,
                    })
                    .into_iter()
                    .collect(),
            })
            .collect();
        if names {
            let opd = caller.readable_opd(requested)?;
            let mut listed = 0u64;
            let mut after = None;
            loop {
                let page = Page {
                    limit: ROSTER_PAGE.max,
                    after,
                };
                let page = self.unsigned_page(id, opd.clone(), page).await?;
                for group in page.items {
                    listed += group.unsigned.len() as u64;
                    if let Some(section) = opds.iter_mut().find(|o| o.code == group.code) {
                        section
                            .unsigned
                            .extend(group.unsigned.into_iter().map(|u| UnsignedLine {
                                nip: u.nip,
                                name: u.name,
                                position: u.position,
                                status: u.represented_by.map_or_else(
                                    || status_words(u.status).to_string(),
                                    |name| format!("diwakili oleh {name}"),
                                ),
                            }));
                    }
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
            self.record_access(caller, Reading::Unsigned, scope, listed)
                .await?;
        }
        opds.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.code.cmp(&b.code)));
        let document = ReportDocument {
            instansi: self.config.instansi.clone(),
            ceremony_id: id.get(),
            ceremony_title: ceremony.title,
            place: ceremony.place,
            starts_at: ceremony.starts_at,
            state: state_words(ceremony.state).to_string(),
            mandiri_due: ceremony.mandiri_due,
            zone: ceremony.zone,
            printed_at: self.now(),
            opds,
            names,
        };
        render(document, report_pdf).await
    }

    /// The berita acara of a ceremony as a PDF: counts only, so nothing is recorded in
    /// the access log. The checkpoint printed covers the ceremony's opening and closing
    /// entries.
    pub async fn berita_acara_pdf(&self, caller: &Caller, id: CeremonyId) -> Result<Vec<u8>> {
        match caller.access {
            Access::Admin | Access::Inspektorat | Access::Auditor => {}
            _ => {
                return Err(Error::forbidden(
                    "Berita acara upacara dibaca dengan token admin, inspektorat, atau auditor.",
                ));
            }
        }
        let now = self.now();
        let gathered = self
            .store
            .read(move |db| {
                let ceremony = ceremony_in(db, id)?;
                let pledge = db
                    .pledge(ceremony.pledge_id)?
                    .ok_or_else(|| Error::internal("Pakta upacara tidak ditemukan."))?;
                let (opened, closed) = db.ceremony_entry_indexes(id)?.unwrap_or((None, None));
                let entry = |index: Option<u64>| -> Result<Option<Entry>> {
                    let Some(index) = index else { return Ok(None) };
                    let stored = db.log_entries(index, 1)?.pop().filter(|e| e.index == index);
                    Ok(stored.and_then(|e| Entry::parse(&e.bytes).ok()))
                };
                let (opened, closed) = (entry(opened)?, entry(closed)?);
                let mut tally = OpdTally::default();
                db.for_each_invitee_by_unit(id, None, |_, _, facts| {
                    tally.add(&facts, invitee_status(&facts, now));
                    Ok(())
                })?;
                let erased: u64 = db.erased_invitees(id, None)?.iter().map(|e| e.2).sum();
                Ok((ceremony, pledge, opened, closed, tally, erased))
            })
            .await?;
        let (ceremony, pledge, opened, closed, tally, erased) = gathered;
        let invited = match opened.as_ref().map(|e| &e.body) {
            Some(EntryBody::CeremonyOpened { invited, .. }) => *invited,
            _ => tally.invited + erased,
        };
        let routed_to_mandiri = match closed.as_ref().map(|e| &e.body) {
            Some(EntryBody::CeremonyClosed {
                routed_to_mandiri, ..
            }) => Some(*routed_to_mandiri),
            _ => None,
        };
        let last = closed.as_ref().or(opened.as_ref()).map(|e| e.index);
        let published = match last {
            Some(index) => self.checkpoint_covering(index).await?,
            None => self.served(),
        };
        let origin = published
            .note
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let document = BeritaAcara {
            instansi: self.config.instansi.clone(),
            ceremony_id: id.get(),
            ceremony_title: ceremony.title,
            place: ceremony.place,
            starts_at: ceremony.starts_at,
            state: state_words(ceremony.state).to_string(),
            zone: ceremony.zone,
            printed_at: now,
            pledge_title: pledge.title,
            pledge_sha256: pledge.sha256.to_hex(),
            invited,
            present: tally.attended,
            signed_at_ceremony: tally.signed_ceremony,
            routed_to_mandiri,
            mandiri_due: ceremony.mandiri_due,
            opened_entry: opened.map(|e| (e.index, e.time)),
            closed_entry: closed.map(|e| (e.index, e.time)),
            checkpoint: CheckpointCover {
                origin,
                tree_size: published.size,
                root_hex: published.root.to_hex(),
                note: published.note,
            },
        };
        render(document, berita_acara_pdf).await
    }

    /// An official's signed pakta on one page, from the receipt the caller holds. The
    /// receipt is checked exactly as `POST /api/verify` checks it, and refused unless it
    /// is a valid pledge signature; what is printed comes from the receipt and the
    /// ceremony it names, never from the roster. `base_url` is the address the
    /// verification link in the QR code points to.
    pub async fn receipt_pdf(&self, text: String, base_url: &str) -> Result<Vec<u8>> {
        let verification = self.verify_receipt(text.clone()).await?;
        let (Some(signed), true) = (verification.signed, verification.valid) else {
            let failed: Vec<String> = verification
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.detail.clone())
                .collect();
            return Err(Error::bad_request(
                "receipt_not_valid",
                format!(
                    "Tanda terima ini bukan tanda tangan pakta yang sah, jadi tidak dicetak: {} Periksa berkasnya di halaman Verifikasi, atau unduh lagi tanda terima dari perangkat tempat Anda menandatangani.",
                    failed.join(" ")
                ),
            ));
        };
        let receipt = Receipt::parse(&text)
            .map_err(|_| Error::internal("Tanda terima yang sah tidak terbaca lagi."))?;
        let entry_sha256 = Sha256Hash::of(&receipt.entry).to_hex();
        let document = ReceiptDocument {
            instansi: self.config.instansi.clone(),
            name: signed.name,
            nip: signed.nip,
            position: signed.position,
            unit: signed.unit,
            pledge_title: signed.pledge_title,
            ceremony_id: signed.ceremony,
            ceremony_title: signed.ceremony_title,
            mode_words: signed.mode_words.to_string(),
            late: signed.late.unwrap_or(false),
            recorded_at: signed.recorded_at,
            recorded_at_local: signed.recorded_at_local,
            entry_index: receipt.index,
            verify_url: verify_link(base_url, receipt.index, &entry_sha256),
            entry_sha256,
            key_fingerprint: receipt.key.fingerprint().to_string(),
            statement: receipt.document,
        };
        render(document, receipt_pdf).await
    }
}
