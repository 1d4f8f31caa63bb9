//! An official's signed pakta on one A4 page: who signed which pledge in which
//! ceremony and how, the signature's details in the registry (entry number and hash,
//! key fingerprint, local time, mode), the statement exactly as signed, and a QR code
//! that opens the public verification of exactly this receipt's entry.

use chrono::{DateTime, Utc};

use super::DocumentError;
use super::layout::{Face, LEFT, Layout, RIGHT, TEXT_WIDTH, wrap};

/// What the receipt page prints; the receipt was verified before it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptDocument {
    pub instansi: String,
    pub name: String,
    pub nip: String,
    pub position: String,
    pub unit: String,
    pub pledge_title: String,
    pub ceremony_id: u64,
    /// None when this registry does not hold the ceremony.
    pub ceremony_title: Option<String>,
    /// "ikrar bersama" or "ikrar mandiri".
    pub mode_words: String,
    /// A mandiri signature recorded after its due date.
    pub late: bool,
    pub recorded_at: DateTime<Utc>,
    /// The same time in the zone of the statement: "Senin, 7 Oktober 2024 09.10 WIB".
    pub recorded_at_local: String,
    pub entry_index: u64,
    /// SHA-256 (hex) of the registry entry's bytes.
    pub entry_sha256: String,
    /// SHA-256 (hex) of the signer's public key.
    pub key_fingerprint: String,
    /// The signed statement, exactly as in the receipt.
    pub statement: String,
    /// The public verification page of this entry, put in the QR code.
    pub verify_url: String,
}

const QR_SIDE: f32 = 132.0;

/// The receipt page as a PDF of one page.
pub fn receipt_pdf(doc: &ReceiptDocument) -> Result<Vec<u8>, DocumentError> {
    let mut layout = Layout::new(format!(
        "Tanda terima entri registri nomor {}",
        doc.entry_index
    ));
    layout.kop(&doc.instansi);
    layout.centred(Face::Bold, 12.5, "TANDA TERIMA PENANDATANGANAN");
    layout.centred(Face::Bold, 12.5, "PAKTA INTEGRITAS NETRALITAS ASN");
    layout.gap(10.0);

    let ceremony = match &doc.ceremony_title {
        Some(title) => format!("{title} (nomor {})", doc.ceremony_id),
        None => format!("nomor {}", doc.ceremony_id),
    };
    let mode = if doc.late {
        format!("{} (tercatat setelah batas waktu)", doc.mode_words)
    } else {
        doc.mode_words.clone()
    };
    let top = layout.y;
    let beside_qr = TEXT_WIDTH - QR_SIDE - 14.0;
    layout.fields_within(
        beside_qr,
        95.0,
        9.5,
        &[
            ("Nama", doc.name.clone(), Face::Bold),
            ("NIP / NIK", doc.nip.clone(), Face::Regular),
            ("Jabatan", doc.position.clone(), Face::Regular),
            ("Unit kerja", doc.unit.clone(), Face::Regular),
            ("Pakta", doc.pledge_title.clone(), Face::Regular),
            ("Upacara", ceremony, Face::Regular),
            ("Cara", mode, Face::Regular),
            (
                "Waktu tercatat",
                doc.recorded_at_local.clone(),
                Face::Regular,
            ),
        ],
    );
    let qr_x = RIGHT - QR_SIDE;
    layout.qr(qr_x, top, QR_SIDE, &doc.verify_url)?;
    let below_qr = layout.y.max(top + QR_SIDE + 4.0);
    layout.y = top + QR_SIDE + 4.0;
    layout.paragraph(
        qr_x,
        QR_SIDE,
        Face::Regular,
        7.0,
        "Pindai untuk memeriksa tanda tangan ini di registri",
    );
    layout.y = layout.y.max(below_qr) + 8.0;

    layout.text(Face::Bold, 10.5, "Tanda tangan elektronik");
    layout.gap(2.0);
    layout.fields(
        125.0,
        8.5,
        &[
            (
                "Nomor entri registri",
                doc.entry_index.to_string(),
                Face::Regular,
            ),
            ("SHA-256 entri", doc.entry_sha256.clone(), Face::Mono),
            (
                "Sidik kunci (SHA-256)",
                doc.key_fingerprint.clone(),
                Face::Mono,
            ),
            ("Waktu", doc.recorded_at_local.clone(), Face::Regular),
            (
                "Waktu (UTC)",
                doc.recorded_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                Face::Regular,
            ),
            ("Cara", doc.mode_words.clone(), Face::Regular),
            ("Pemeriksaan", doc.verify_url.clone(), Face::Mono),
        ],
    );
    layout.gap(4.0);
    layout.text(
        Face::Regular,
        8.0,
        "Tanda tangan dibuat dengan kunci Ed25519 yang hanya ada di perangkat pegawai, dan tercatat di registri yang dapat diperiksa siapa pun tanpa mempercayai server. Dokumen ini salinan cetak; buktinya adalah berkas tanda terima (.tlog-proof) yang tersimpan di perangkat pegawai.",
    );
    layout.gap(8.0);

    layout.text(Face::Bold, 10.5, "Pernyataan yang ditandatangani");
    layout.gap(3.0);
    let statement = doc.statement.trim_end();
    let lines = wrap(Face::Mono, 7.5, statement, TEXT_WIDTH - 12.0).len();
    let height = lines as f32 * 7.5 * 1.35 + 8.0;
    let top = layout.y;
    layout.rect(LEFT, top, TEXT_WIDTH, height, 244);
    layout.y += 4.0;
    layout.paragraph(LEFT + 6.0, TEXT_WIDTH - 12.0, Face::Mono, 7.5, statement);
    layout.y = top + height;
    if layout.page_count() > 1 {
        return Err(DocumentError(
            "tanda terima tidak muat di satu halaman".to_string(),
        ));
    }
    layout.finish(&format!(
        "Tanda terima pakta: {} (entri {})",
        doc.name, doc.entry_index
    ))
}
