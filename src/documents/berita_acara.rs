//! The berita acara of a ceremony: when and where it was held, the pledge read (title
//! and SHA-256), the counts (invited, present, signed at the ceremony, routed to ikrar
//! mandiri; no names), the registry entries that opened and closed it, and the signed
//! checkpoint that covers them, so an auditor can later check the record against the
//! log (`pakta audit`, the inclusion proofs).

use chrono::{DateTime, Utc};

use super::DocumentError;
use super::layout::{Face, LEFT, Layout, RIGHT, TEXT_WIDTH};
use crate::domain::zone::Zone;

/// Everything the berita acara records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeritaAcara {
    pub instansi: String,
    pub ceremony_id: u64,
    pub ceremony_title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    /// "dibuka", "ditutup".
    pub state: String,
    pub zone: Zone,
    pub printed_at: DateTime<Utc>,
    pub pledge_title: String,
    /// SHA-256 (hex) of the exact pledge text.
    pub pledge_sha256: String,
    pub invited: u64,
    pub present: u64,
    pub signed_at_ceremony: u64,
    /// None while the ceremony is open: nobody has been routed yet.
    pub routed_to_mandiri: Option<u64>,
    pub mandiri_due: Option<DateTime<Utc>>,
    /// The `ceremony.opened` entry, with its time.
    pub opened_entry: Option<(u64, DateTime<Utc>)>,
    /// The `ceremony.closed` entry, with its time.
    pub closed_entry: Option<(u64, DateTime<Utc>)>,
    pub checkpoint: CheckpointCover,
}

/// The signed checkpoint that covers the ceremony's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointCover {
    /// Its first line: the log's name.
    pub origin: String,
    pub tree_size: u64,
    /// The Merkle root, hex.
    pub root_hex: String,
    /// The whole signed note, as `GET /checkpoint` served it.
    pub note: String,
}

/// A count as Indonesian writes it: 12.000.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The berita acara as a PDF.
pub fn berita_acara_pdf(doc: &BeritaAcara) -> Result<Vec<u8>, DocumentError> {
    let zone = doc.zone;
    let printed = zone.format_indonesian(doc.printed_at);
    let mut layout = Layout::new(format!(
        "Berita acara upacara nomor {} · dicetak {printed}",
        doc.ceremony_id
    ));
    layout.kop(&doc.instansi);
    layout.centred(Face::Bold, 12.5, "BERITA ACARA");
    layout.centred(
        Face::Bold,
        11.0,
        "PENANDATANGANAN PAKTA INTEGRITAS NETRALITAS ASN",
    );
    layout.centred(
        Face::Regular,
        9.5,
        &format!("Upacara nomor {}", doc.ceremony_id),
    );
    layout.gap(10.0);
    layout.text(
        Face::Regular,
        9.5,
        &format!(
            "Pada {}, bertempat di {}, dilaksanakan upacara \"{}\" untuk penandatanganan Pakta Integritas Netralitas Aparatur Sipil Negara di lingkungan {}, dengan rincian sebagai berikut.",
            zone.format_indonesian(doc.starts_at),
            doc.place,
            doc.ceremony_title,
            doc.instansi
        ),
    );
    layout.gap(8.0);

    layout.text(Face::Bold, 10.5, "A. Pelaksanaan");
    layout.gap(2.0);
    layout.fields(
        160.0,
        9.5,
        &[
            ("Nama upacara", doc.ceremony_title.clone(), Face::Regular),
            (
                "Waktu",
                zone.format_indonesian(doc.starts_at),
                Face::Regular,
            ),
            ("Tempat", doc.place.clone(), Face::Regular),
            ("Status upacara", doc.state.clone(), Face::Regular),
            ("Judul pakta", doc.pledge_title.clone(), Face::Regular),
            ("SHA-256 teks pakta", doc.pledge_sha256.clone(), Face::Mono),
        ],
    );
    layout.gap(8.0);

    layout.text(Face::Bold, 10.5, "B. Jumlah pegawai");
    layout.gap(2.0);
    let routed = match doc.routed_to_mandiri {
        Some(n) => format!("{} orang", thousands(n)),
        None => "belum ada (upacara belum ditutup)".to_string(),
    };
    let mut counts = vec![
        (
            "Diundang",
            format!("{} orang", thousands(doc.invited)),
            Face::Regular,
        ),
        (
            "Hadir",
            format!("{} orang", thousands(doc.present)),
            Face::Regular,
        ),
        (
            "Menandatangani di upacara",
            format!("{} orang", thousands(doc.signed_at_ceremony)),
            Face::Regular,
        ),
        ("Dialihkan ke ikrar mandiri", routed, Face::Regular),
    ];
    if let Some(due) = doc.mandiri_due {
        counts.push((
            "Batas ikrar mandiri",
            zone.format_indonesian(due),
            Face::Regular,
        ));
    }
    layout.fields(160.0, 9.5, &counts);
    layout.gap(8.0);

    layout.text(Face::Bold, 10.5, "C. Catatan di registri");
    layout.gap(2.0);
    let entry = |e: Option<(u64, DateTime<Utc>)>, none: &str| match e {
        Some((index, at)) => format!("entri nomor {index}, {}", zone.format_indonesian(at)),
        None => none.to_string(),
    };
    layout.fields(
        160.0,
        9.5,
        &[
            (
                "Pembukaan upacara",
                entry(doc.opened_entry, "belum dibuka"),
                Face::Regular,
            ),
            (
                "Penutupan upacara",
                entry(doc.closed_entry, "belum ditutup"),
                Face::Regular,
            ),
            (
                "Nama log (origin)",
                doc.checkpoint.origin.clone(),
                Face::Mono,
            ),
            (
                "Ukuran pohon",
                format!("{} entri", doc.checkpoint.tree_size),
                Face::Regular,
            ),
            (
                "Akar pohon (hex)",
                doc.checkpoint.root_hex.clone(),
                Face::Mono,
            ),
        ],
    );
    layout.gap(4.0);
    layout.text(
        Face::Regular,
        8.5,
        &format!(
            "Checkpoint di bawah ini ditandatangani oleh kunci log registri dan memuat entri nomor 0 sampai {}, termasuk semua entri upacara ini di atas. Auditor dapat memeriksanya kemudian: bukti inklusi tiap entri (GET /api/registry/proof/inclusion?index=N&size={}) dan bukti konsistensi dengan checkpoint yang lebih baru (GET /api/registry/proof/consistency?from={}).",
            doc.checkpoint.tree_size.saturating_sub(1),
            doc.checkpoint.tree_size,
            doc.checkpoint.tree_size
        ),
    );
    layout.gap(4.0);
    let lines = doc.checkpoint.note.trim_end().lines().count() as f32;
    layout.keep(lines * 10.5 + 8.0);
    let top = layout.y;
    layout.rect(LEFT, top, TEXT_WIDTH, lines * 10.5 + 8.0, 244);
    layout.y += 4.0;
    layout.paragraph(
        LEFT + 6.0,
        TEXT_WIDTH - 12.0,
        Face::Mono,
        7.5,
        doc.checkpoint.note.trim_end(),
    );
    layout.y = layout.y.max(top + lines * 10.5 + 8.0);
    layout.gap(14.0);

    layout.text(
        Face::Regular,
        9.5,
        "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya.",
    );
    layout.gap(12.0);
    layout.keep(100.0);
    let top = layout.y;
    layout.put(
        RIGHT - 200.0,
        Face::Regular,
        9.5,
        format!("Dicetak {printed}"),
    );
    layout.y = top + 14.0;
    layout.put(LEFT, Face::Regular, 9.5, "Pejabat yang membuat,");
    layout.put(RIGHT - 200.0, Face::Regular, 9.5, "Mengetahui,");
    layout.y += 60.0;
    layout.put(
        LEFT,
        Face::Regular,
        9.5,
        "(........................................)",
    );
    layout.put(
        RIGHT - 200.0,
        Face::Regular,
        9.5,
        "(........................................)",
    );
    layout.y += 13.0;
    layout.put(
        LEFT,
        Face::Regular,
        9.5,
        "NIP ........................................",
    );
    layout.put(
        RIGHT - 200.0,
        Face::Regular,
        9.5,
        "NIP ........................................",
    );
    layout.y += 13.0;
    layout.finish(&format!(
        "Berita acara penandatanganan pakta: {} (upacara {})",
        doc.ceremony_title, doc.ceremony_id
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands_with_dots() {
        assert_eq!(super::thousands(4), "4");
        assert_eq!(super::thousands(12_000), "12.000");
        assert_eq!(super::thousands(1_234_567), "1.234.567");
    }
}
