//! The ceremony report to file: per OPD the counts with a line of totals, the list of
//! who has not signed with each status in words, and per OPD the head of OPD's
//! countersignature of the recap (`pakta/rekap/v1`) where one was made, or an empty
//! "Mengetahui, Kepala OPD" block to sign on paper where none was.

use chrono::{DateTime, Utc};

use super::DocumentError;
use super::layout::{
    CELL_PAD, Column, Face, HEADING_SHRINK, LEFT, Layout, RIGHT, Row, TEXT_WIDTH, width, wrap,
};
use crate::domain::zone::Zone;

/// Everything the report prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDocument {
    pub instansi: String,
    pub ceremony_id: u64,
    pub ceremony_title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    /// The ceremony's state in words: "dibuka", "ditutup".
    pub state: String,
    pub mandiri_due: Option<DateTime<Utc>>,
    /// The zone every time is shown in.
    pub zone: Zone,
    pub printed_at: DateTime<Utc>,
    /// One OPD when a supervisor prints, otherwise every OPD with invitees.
    pub opds: Vec<OpdSection>,
    /// False for a token that reads counts only (an auditor): no list of names.
    pub names: bool,
}

/// One OPD: its counts, who has not signed, and its head's countersignatures.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpdSection {
    pub code: String,
    pub name: String,
    pub counts: OpdCounts,
    pub unsigned: Vec<UnsignedLine>,
    /// The recap statements the head of OPD signed (`pakta/rekap/v1`), oldest first;
    /// empty when none was signed.
    pub countersignatures: Vec<Countersignature>,
}

/// The per-OPD counts, as the JSON report has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpdCounts {
    pub invited: u64,
    pub attended: u64,
    pub signed_ceremony: u64,
    pub signed_mandiri: u64,
    pub pending: u64,
    pub overdue: u64,
    pub late: u64,
    pub erased: u64,
    /// Represented by a perwakilan and not signed themselves.
    pub represented: u64,
}

impl OpdCounts {
    fn cells(&self) -> [u64; 9] {
        [
            self.invited,
            self.attended,
            self.signed_ceremony,
            self.signed_mandiri,
            self.pending,
            self.overdue,
            self.late,
            self.represented,
            self.erased,
        ]
    }
}

/// One official who has not signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedLine {
    pub nip: String,
    pub name: String,
    pub position: String,
    /// The status in words: "tidak hadir", "ikrar mandiri lewat batas".
    pub status: String,
}

/// A head of OPD's signed recap of their unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countersignature {
    pub head_name: String,
    pub signed_at: DateTime<Utc>,
    /// SHA-256 (hex) of the recap statement they signed.
    pub statement_sha256: String,
}

/// The size of the tables' text.
const TABLE_SIZE: f32 = 8.0;

const COUNT_HEADINGS: [&str; 9] = [
    "Diundang",
    "Hadir",
    "TTD di upacara",
    "Ikrar mandiri",
    "Belum",
    "Lewat batas",
    "Terlambat",
    "Diwakili",
    "Data dihapus (PDP)",
];

/// The report as a PDF.
pub fn report_pdf(doc: &ReportDocument) -> Result<Vec<u8>, DocumentError> {
    lay_out(doc).finish(&format!(
        "Laporan penandatanganan pakta: {} (upacara {})",
        doc.ceremony_title, doc.ceremony_id
    ))
}

fn lay_out(doc: &ReportDocument) -> Layout {
    let zone = doc.zone;
    let printed = zone.format_indonesian(doc.printed_at);
    let mut layout = Layout::new(format!(
        "Laporan upacara nomor {} · dicetak {printed}",
        doc.ceremony_id
    ));
    layout.kop(&doc.instansi);
    layout.centred(Face::Bold, 12.5, "LAPORAN PENANDATANGANAN");
    layout.centred(Face::Bold, 12.5, "PAKTA INTEGRITAS NETRALITAS ASN");
    layout.gap(6.0);
    let mut when = vec![
        (
            "Upacara",
            format!("{} (nomor {})", doc.ceremony_title, doc.ceremony_id),
            Face::Bold,
        ),
        ("Tempat", doc.place.clone(), Face::Regular),
        (
            "Waktu",
            zone.format_indonesian(doc.starts_at),
            Face::Regular,
        ),
        ("Status upacara", doc.state.clone(), Face::Regular),
    ];
    if let Some(due) = doc.mandiri_due {
        when.push((
            "Batas ikrar mandiri",
            zone.format_indonesian(due),
            Face::Regular,
        ));
    }
    when.push(("Dicetak", printed.clone(), Face::Regular));
    layout.fields(120.0, 9.5, &when);
    layout.gap(10.0);

    layout.text(Face::Bold, 11.0, "Rekapitulasi per OPD");
    layout.gap(3.0);
    // Each count column as wide as the longest word of its heading; the OPD's name
    // takes the rest.
    let count_columns: Vec<Column<'_>> = COUNT_HEADINGS
        .iter()
        .map(|heading| Column {
            heading,
            width: heading
                .split(' ')
                .map(|w| width(Face::Bold, TABLE_SIZE - HEADING_SHRINK, w))
                .fold(24.0, f32::max)
                + 2.0 * CELL_PAD
                + 1.0,
            right: true,
        })
        .collect();
    let mut columns = vec![Column {
        heading: "OPD",
        width: TEXT_WIDTH - count_columns.iter().map(|c| c.width).sum::<f32>(),
        right: false,
    }];
    columns.extend(count_columns);
    let mut totals = [0u64; COUNT_HEADINGS.len()];
    let mut rows: Vec<Row> = doc
        .opds
        .iter()
        .map(|o| {
            let counts = o.counts.cells();
            for (total, n) in totals.iter_mut().zip(counts) {
                *total += n;
            }
            let mut cells = vec![format!("{} ({})", o.name, o.code)];
            cells.extend(counts.iter().map(u64::to_string));
            Row {
                cells,
                ..Row::default()
            }
        })
        .collect();
    let mut total_cells = vec!["Jumlah".to_string()];
    total_cells.extend(totals.iter().map(u64::to_string));
    rows.push(Row {
        cells: total_cells,
        bold: true,
        shaded: true,
        span: false,
    });
    layout.table(&columns, &rows, TABLE_SIZE);
    layout.gap(4.0);
    let missing = totals[4] + totals[5];
    layout.text(
        Face::Regular,
        8.5,
        &if missing == 0 {
            "Semua pegawai yang diundang sudah menandatangani.".to_string()
        } else {
            format!("{missing} pegawai belum menandatangani (belum dan lewat batas).")
        },
    );
    layout.gap(12.0);

    layout.text(Face::Bold, 11.0, "Daftar pegawai yang belum menandatangani");
    layout.gap(3.0);
    if !doc.names {
        layout.text(
            Face::Regular,
            9.0,
            "Daftar nama tidak dimuat: token auditor hanya membaca rekapitulasi angka, bukan nama.",
        );
    } else if doc.opds.iter().all(|o| o.unsigned.is_empty()) {
        layout.text(
            Face::Regular,
            9.0,
            "Tidak ada: semua pegawai yang diundang sudah menandatangani.",
        );
    } else {
        let columns = [
            Column {
                heading: "Nama",
                width: 150.0,
                right: false,
            },
            Column {
                heading: "NIP / NIK",
                width: 105.0,
                right: false,
            },
            Column {
                heading: "Jabatan",
                width: TEXT_WIDTH - 150.0 - 105.0 - 110.0,
                right: false,
            },
            Column {
                heading: "Status",
                width: 110.0,
                right: false,
            },
        ];
        let mut rows = Vec::new();
        for o in doc.opds.iter().filter(|o| !o.unsigned.is_empty()) {
            rows.push(Row {
                cells: vec![
                    format!("{} ({}) · {} belum", o.name, o.code, o.unsigned.len()),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                bold: true,
                shaded: true,
                span: true,
            });
            rows.extend(o.unsigned.iter().map(|u| Row {
                cells: vec![
                    u.name.clone(),
                    u.nip.clone(),
                    u.position.clone(),
                    u.status.clone(),
                ],
                ..Row::default()
            }));
        }
        layout.table(&columns, &rows, TABLE_SIZE);
    }
    layout.gap(14.0);

    layout.keep(40.0);
    layout.text(Face::Bold, 11.0, "Pengesahan Kepala OPD");
    layout.gap(3.0);
    for o in &doc.opds {
        countersignature_block(&mut layout, o, zone);
    }
    layout
}

/// Per OPD: the head's signed recap where there is one, else a block to sign on paper.
fn countersignature_block(layout: &mut Layout, o: &OpdSection, zone: Zone) {
    if o.countersignatures.is_empty() {
        layout.keep(92.0);
        let top = layout.y;
        layout.put(LEFT, Face::Bold, 9.0, format!("{} ({})", o.name, o.code));
        layout.y += 13.0;
        layout.put(
            LEFT,
            Face::Regular,
            8.5,
            "Belum ada rekap yang ditandatangani secara elektronik.",
        );
        let x = RIGHT - 200.0;
        layout.y = top;
        layout.put(x, Face::Regular, 9.0, "Mengetahui,");
        layout.y += 12.0;
        // A long OPD name wraps under the title rather than running off the page.
        let title = wrap(Face::Regular, 9.0, &format!("Kepala {}", o.name), RIGHT - x);
        for line in title.iter().take(2) {
            layout.put(x, Face::Regular, 9.0, line.clone());
            layout.y += 12.0;
        }
        layout.y += 44.0 - 12.0 * title.len().min(2) as f32;
        layout.put(
            x,
            Face::Regular,
            9.0,
            "(........................................)",
        );
        layout.y += 12.0;
        layout.put(
            x,
            Face::Regular,
            9.0,
            "NIP ........................................",
        );
        layout.y += 20.0;
        return;
    }
    layout.keep(50.0);
    layout.put(LEFT, Face::Bold, 9.0, format!("{} ({})", o.name, o.code));
    layout.y += 13.0;
    for c in &o.countersignatures {
        layout.fields(
            120.0,
            8.5,
            &[
                (
                    "Status",
                    "direkap dan ditandatangani Kepala OPD".to_string(),
                    Face::Bold,
                ),
                ("Kepala OPD", c.head_name.clone(), Face::Regular),
                ("Waktu", zone.format_indonesian(c.signed_at), Face::Regular),
                ("SHA-256 rekap", c.statement_sha256.clone(), Face::Mono),
            ],
        );
        layout.gap(6.0);
    }
    layout.gap(6.0);
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn report(countersignatures: Vec<Countersignature>) -> ReportDocument {
        let at = |d, h| Utc.with_ymd_and_hms(2024, 10, d, h, 0, 0).unwrap();
        ReportDocument {
            instansi: "Pemerintah Kabupaten Contoh".into(),
            ceremony_id: 3,
            ceremony_title: "Ikrar Netralitas ASN".into(),
            place: "Pendopo".into(),
            starts_at: at(7, 2),
            state: "ditutup".into(),
            mandiri_due: None,
            zone: Zone::Wita,
            printed_at: at(9, 1),
            opds: vec![OpdSection {
                code: "DINKES".into(),
                name: "Dinas Kesehatan".into(),
                counts: OpdCounts {
                    invited: 2,
                    signed_ceremony: 2,
                    ..OpdCounts::default()
                },
                unsigned: Vec::new(),
                countersignatures,
            }],
            names: true,
        }
    }

    #[test]
    fn a_heads_countersignature_is_printed_with_its_time_and_hash() {
        let signed = Countersignature {
            head_name: "dr. Ratna Dewi, M.Kes.".into(),
            signed_at: Utc.with_ymd_and_hms(2024, 10, 8, 2, 0, 0).unwrap(),
            statement_sha256: "5e".repeat(32),
        };
        let text = lay_out(&report(vec![signed])).laid_out_text();
        for expected in [
            "direkap dan ditandatangani Kepala OPD",
            "dr. Ratna Dewi, M.Kes.",
            "Selasa, 8 Oktober 2024 10.00 WITA",
            &"5e".repeat(32),
        ] {
            assert!(text.contains(expected), "{expected:?} missing from {text}");
        }
        assert!(!text.contains("Mengetahui,"), "{text}");
    }

    #[test]
    fn without_a_countersignature_there_is_a_block_to_sign_on_paper() {
        let text = lay_out(&report(Vec::new())).laid_out_text();
        assert!(text.contains("Mengetahui,"), "{text}");
        assert!(text.contains("Kepala Dinas Kesehatan"), "{text}");
        assert!(!text.contains("direkap dan ditandatangani"), "{text}");
        assert!(
            report_pdf(&report(Vec::new()))
                .unwrap()
                .starts_with(b"%PDF-")
        );
    }
}
