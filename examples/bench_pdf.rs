//! How long the PDF documents take to lay out and write (issue 10, part 6), measured on
//! the pure layout in `pakta::documents` with realistic data: the receipt page, the
//! berita acara, and the ceremony report of a kabupaten (40 OPDs) with `--unsigned`
//! officials still to sign, so the report runs over many pages. Each document is made
//! `--runs` times after one warm-up (the first also parses the bundled fonts); the
//! median, fastest and slowest are printed with the size of the file.
//!
//! Run: `cargo run --release --example bench_pdf` (`-- --unsigned 5000 --runs 20`;
//! `-- --write DIR` also saves the three PDFs there to look at).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use clap::Parser;

use pakta::documents::{
    BeritaAcara, CheckpointCover, OpdCounts, OpdSection, ReceiptDocument, ReportDocument,
    UnsignedLine, berita_acara_pdf, receipt_pdf, report_pdf,
};
use pakta::domain::zone::Zone;

#[derive(Parser)]
struct Args {
    /// Officials on the report's unsigned list, spread over 40 OPDs.
    #[arg(long, default_value_t = 1000)]
    unsigned: usize,
    /// Times each document is made.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Also write each document to this directory, to look at.
    #[arg(long)]
    write: Option<std::path::PathBuf>,
}

fn measure(args: &Args, name: &str, file: &str, make: impl Fn() -> Vec<u8>) {
    let runs = args.runs.max(1);
    let bytes = make();
    if let Some(dir) = &args.write {
        std::fs::write(dir.join(file), &bytes).expect("write the document");
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(make());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{name:<44} median {:>8.1} ms  fastest {:>8.1} ms  slowest {:>8.1} ms  {:>7} KB",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        bytes.len() / 1024
    );
}

fn main() {
    let args = Args::parse();
    let at = |h, m| Utc.with_ymd_and_hms(2024, 10, 7, h, m, 0).unwrap();
    let instansi = "Pemerintah Kabupaten Sukamaju Raya".to_string();

    let receipt = ReceiptDocument {
        instansi: instansi.clone(),
        name: "Andi Wijaya, S.Pd.".into(),
        nip: "198001012005011001".into(),
        position: "Kepala Dinas Pendidikan".into(),
        unit: "Dinas Pendidikan".into(),
        pledge_title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
        ceremony_id: 1,
        ceremony_title: Some("Ikrar Netralitas ASN".into()),
        mode_words: "ikrar bersama".into(),
        late: false,
        recorded_at: at(2, 10),
        recorded_at_local: Zone::Wib.format_indonesian(at(2, 10)),
        entry_index: 1234,
        entry_sha256: "9f".repeat(32),
        key_fingerprint: "a1".repeat(32),
        statement: "PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta/statement/v1\npledge-title: Pakta Integritas Netralitas ASN Pilkada 2024\npledge-sha256: d3cb76300d776197d1f678a3c84a87d551b0901f951acd80040f7a5f7b9dd207\nceremony: 1\nmode: ceremony\nsubject: 01010101010101010101010101010101\nnip: 198001012005011001\nname: Andi Wijaya, S.Pd.\nposition: Kepala Dinas Pendidikan\nunit: Dinas Pendidikan\ntime: 2024-10-07T02:10:00Z\nnonce: 000102030405060708090a0b0c0d0e0f\n".into(),
        verify_url: format!("https://pakta.sukamaju.go.id/verifikasi.html#entri=1234&hash={}", "9f".repeat(32)),
    };
    measure(&args, "receipt (1 page, QR)", "tanda-terima.pdf", || {
        receipt_pdf(&receipt).unwrap()
    });

    let berita = BeritaAcara {
        instansi: instansi.clone(),
        ceremony_id: 1,
        ceremony_title: "Ikrar Netralitas ASN".into(),
        place: "Pendopo Kabupaten".into(),
        starts_at: at(2, 0),
        state: "ditutup".into(),
        zone: Zone::Wib,
        printed_at: at(9, 0),
        pledge_title: "Pakta Integritas Netralitas ASN Pilkada 2024".into(),
        pledge_sha256: "d3".repeat(32),
        invited: 12_000,
        present: 11_000,
        signed_at_ceremony: 10_500,
        routed_to_mandiri: Some(1_500),
        mandiri_due: Some(at(16, 59)),
        opened_entry: Some((100, at(1, 55))),
        closed_entry: Some((10_700, at(4, 0))),
        checkpoint: CheckpointCover {
            origin: "pakta.sukamaju.go.id/netralitas-2024".into(),
            tree_size: 10_701,
            root_hex: "ab".repeat(32),
            note: "pakta.sukamaju.go.id/netralitas-2024\n10701\nq83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n\n— pakta.sukamaju.go.id/netralitas-2024 AbCdEf0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdef==\n".into(),
        },
    };
    measure(&args, "berita acara", "berita-acara.pdf", || {
        berita_acara_pdf(&berita).unwrap()
    });

    let opds: Vec<OpdSection> = (0..40)
        .map(|o| OpdSection {
            code: format!("OPD{o:02}"),
            name: format!("Dinas Nomor {o} Kabupaten Sukamaju"),
            counts: OpdCounts {
                invited: 300,
                attended: 280,
                signed_ceremony: 270,
                pending: (args.unsigned / 40) as u64,
                ..OpdCounts::default()
            },
            unsigned: (0..args.unsigned / 40)
                .map(|i| UnsignedLine {
                    nip: format!("1980010120050110{:02}", i % 100),
                    name: format!("Pegawai Nomor {i} Dinas {o}, S.Kom."),
                    position: "Analis Sumber Daya Manusia Aparatur Ahli Muda".into(),
                    status: "ikrar mandiri, belum jatuh tempo".into(),
                })
                .collect(),
            countersignatures: Vec::new(),
        })
        .collect();
    let report = ReportDocument {
        instansi,
        ceremony_id: 1,
        ceremony_title: "Ikrar Netralitas ASN".into(),
        place: "Pendopo Kabupaten".into(),
        starts_at: at(2, 0),
        state: "ditutup".into(),
        mandiri_due: Some(at(16, 59)),
        zone: Zone::Wib,
        printed_at: at(9, 0),
        opds,
        names: true,
    };
    measure(
        &args,
        &format!("report (40 OPDs, {} unsigned)", args.unsigned),
        "laporan.pdf",
        || report_pdf(&report).unwrap(),
    );
}
