//! The roster as BKPSDM really gets it: SIASN's "Export Data ASN", downloaded as .xlsx
//! (or saved as a semicolon CSV by Indonesian Excel), with the anomalies SIASN files
//! have: an old 9-digit NIP LAMA only, a NIP Excel turned into 1.99001E+17 or into a
//! number cell, NIPs with an apostrophe or spaces, empty NIK, titles with commas,
//! officials no longer in service, phone numbers in every format, and units finer than
//! OPDs. The clerk imports the unit tree, imports the export, sees who was left out and
//! why, assigns the one unit the tree could not place, and the held officials arrive.
//! Pakta's own CSV keeps working beside it.

mod browser;
mod common;

use browser::{Browser, wait_until};
use common::*;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const HEADER: [&str; 13] = [
    "NO",
    "NIP BARU",
    "NIP LAMA",
    "NAMA",
    "GELAR DEPAN",
    "GELAR BELAKANG",
    "NIK",
    "NOMOR HP",
    "JENIS PEGAWAI NAMA",
    "KEDUDUKAN HUKUM NAMA",
    "JABATAN NAMA",
    "UNOR ID",
    "UNOR NAMA",
];

/// The unit tree as SIASN's unit reference has it: the kabupaten at the root, OPDs
/// below it, their bidang, schools and puskesmas below those. Dinas Pendidikan names
/// its OPD code; Dinas Kesehatan matches the OPD of that name already in the registry;
/// the BKPSDM matches nothing and waits for the clerk.
const UNIT_TREE: &str = "\
ID,NAMA UNOR,DIATASAN ID,KODE OPD
A8F5F1671E5A4B4BE040640A040269BB,Pemerintah Kabupaten Contoh,,
A8F5F167-DISDIK,Dinas Pendidikan,A8F5F1671E5A4B4BE040640A040269BB,DISDIK
A8F5F167-DISDIK-SD,Bidang Pembinaan Sekolah Dasar,A8F5F167-DISDIK,
A8F5F167-SDN1,SD Negeri 1 Contoh,A8F5F167-DISDIK-SD,
A8F5F167-DINKES,Dinas Kesehatan,A8F5F1671E5A4B4BE040640A040269BB,
A8F5F167-PKM-KOTA,UPTD Puskesmas Kota,A8F5F167-DINKES,
A8F5F167-BKPSDM,Badan Kepegawaian dan Pengembangan Sumber Daya Manusia,A8F5F1671E5A4B4BE040640A040269BB,
A8F5F167-BKPSDM-MUT,Bidang Mutasi dan Promosi,A8F5F167-BKPSDM,
";

/// A unit of the export that is in no unit file at all.
const SATPOL: &str = "SATPOL-PP-UNOR";

/// A cell of the export: text, or (as Excel leaves a NIP typed into a General cell) a
/// number.
#[derive(Clone)]
enum C {
    T(String),
    N(f64),
}

fn t(s: &str) -> C {
    C::T(s.to_string())
}

fn nip(i: usize, gender: u8) -> String {
    format!(
        "1985{:02}{:02}2010{:02}{gender}{:03}",
        1 + i % 12,
        1 + i % 28,
        1 + i % 12,
        i
    )
}

/// One row of the export in HEADER's order (NO is filled in when written).
#[allow(clippy::too_many_arguments)]
fn row(
    nip_baru: C,
    nip_lama: &str,
    nama: &str,
    depan: &str,
    belakang: &str,
    hp: &str,
    jenis: &str,
    kedudukan: &str,
    jabatan: &str,
    unit: (&str, &str),
) -> Vec<C> {
    vec![
        nip_baru,
        t(nip_lama),
        t(nama),
        t(depan),
        t(belakang),
        t(""),
        t(hp),
        t(jenis),
        t(kedudukan),
        t(jabatan),
        t(unit.0),
        t(unit.1),
    ]
}

const SDN1: (&str, &str) = ("A8F5F167-SDN1", "SD Negeri 1 Contoh");
const DISDIK: (&str, &str) = ("A8F5F167-DISDIK", "Dinas Pendidikan");
const PKM: (&str, &str) = ("A8F5F167-PKM-KOTA", "UPTD Puskesmas Kota");
const MUTASI: (&str, &str) = ("A8F5F167-BKPSDM-MUT", "Bidang Mutasi dan Promosi");
const SATPOL_UNIT: (&str, &str) = (SATPOL, "Satuan Polisi Pamong Praja");

const AHMAD: &str = "197502102000031001";
const PPPK_GURU: &str = "199203152023212005";

/// The export: 40 rows, by spreadsheet line (header = line 1, row k = line k + 1).
fn export_rows() -> Vec<Vec<C>> {
    let phones = [
        "0812-3456-7801",
        "+62 813 1111 2202",
        "6281522223303",
        "81344445504",
    ];
    let mut rows = vec![
        // line 2: the head of Dinas Pendidikan, titles front and back.
        row(
            t(AHMAD),
            "",
            "Ahmad Fauzi",
            "Dr. H.",
            "S.E., M.Si.",
            "0812-3456-7890",
            "PNS",
            "Aktif",
            "Kepala Dinas Pendidikan",
            DISDIK,
        ),
        // line 3: Siti, already in the registry from Pakta's CSV: updated by SIASN.
        row(
            t(SITI),
            "",
            "Siti Rahmawati",
            "",
            "S.E.",
            "0813-9999-0001",
            "PNS",
            "Aktif",
            "Sekretaris Dinas",
            DISDIK,
        ),
        // line 4: a PPPK teacher, spelled out.
        row(
            t(PPPK_GURU),
            "",
            "Rina Wati",
            "",
            "S.Pd., Gr.",
            "",
            "Pegawai Pemerintah dengan Perjanjian Kerja",
            "Aktif",
            "Guru Ahli Pertama",
            SDN1,
        ),
        // line 5: only the old 9-digit NIP.
        row(
            t(""),
            "150123456",
            "Sutrisno",
            "",
            "",
            "",
            "PNS",
            "Aktif",
            "Penjaga Sekolah",
            SDN1,
        ),
        // line 6: a NIP Excel showed in scientific notation and saved so.
        row(
            t("1.98501E+17"),
            "",
            "Bambang",
            "",
            "",
            "",
            "PNS",
            "Aktif",
            "Guru",
            SDN1,
        ),
        // line 7: a NIP typed into a number cell: its last digits are gone.
        row(
            C::N(198_503_152_010_031_007.0),
            "",
            "Hartono",
            "",
            "",
            "",
            "PNS",
            "Aktif",
            "Guru",
            SDN1,
        ),
        // line 8: a NIP with Excel's apostrophe and spaces: cleaned and imported.
        row(
            t("'19850808 201008 2 008"),
            "",
            "Dewi Lestari",
            "",
            "A.Md.",
            "",
            "PNS",
            "Aktif",
            "Pengelola Keuangan",
            SDN1,
        ),
        // lines 9-13: no longer in service.
        row(
            t(&nip(9, 1)),
            "",
            "Slamet",
            "",
            "",
            "",
            "PNS",
            "Pensiun",
            "Guru",
            SDN1,
        ),
        row(
            t(&nip(10, 1)),
            "",
            "Paijo",
            "",
            "",
            "",
            "PNS",
            "Pensiun",
            "Guru",
            SDN1,
        ),
        row(
            t(&nip(11, 2)),
            "",
            "Sumiati",
            "",
            "",
            "",
            "PNS",
            "CLTN",
            "Guru",
            SDN1,
        ),
        row(
            t(&nip(12, 1)),
            "",
            "Warsito",
            "",
            "",
            "",
            "PNS",
            "Meninggal",
            "Guru",
            SDN1,
        ),
        row(
            t(&nip(13, 1)),
            "",
            "Joko",
            "",
            "",
            "",
            "PNS",
            "Pemberhentian Sementara",
            "Guru",
            SDN1,
        ),
        // line 14: a phone number that is a landline: imported without it, with a warning.
        row(
            t(&nip(14, 2)),
            "",
            "Yuliani",
            "",
            "S.Kep., Ns.",
            "021-555-1234",
            "PNS",
            "Aktif",
            "Perawat Ahli Pertama",
            PKM,
        ),
        // lines 15-17: BKPSDM, whose OPD-level unit matches no OPD yet: held.
        row(
            t(&nip(15, 1)),
            "",
            "Agus Salim",
            "",
            "S.H.",
            "0812-1000-0015",
            "PNS",
            "Aktif",
            "Analis SDM Aparatur",
            MUTASI,
        ),
        row(
            t(&nip(16, 2)),
            "",
            "Nurul Hidayah",
            "",
            "",
            "0812-1000-0016",
            "PNS",
            "Aktif",
            "Analis SDM Aparatur",
            MUTASI,
        ),
        row(
            t(&nip(17, 1)),
            "",
            "Hendra",
            "",
            "",
            "",
            "PPPK",
            "Aktif",
            "Pengadministrasi Perkantoran",
            MUTASI,
        ),
        // lines 18-19: a unit in no unit file: held.
        row(
            t(&nip(18, 1)),
            "",
            "Rahmat",
            "",
            "",
            "",
            "PNS",
            "Aktif",
            "Polisi Pamong Praja",
            SATPOL_UNIT,
        ),
        row(
            t(&nip(19, 1)),
            "",
            "Wawan",
            "",
            "",
            "",
            "PNS",
            "Aktif",
            "Polisi Pamong Praja",
            SATPOL_UNIT,
        ),
        // line 20: the same NIP twice.
        row(
            t(AHMAD),
            "",
            "Ahmad Fauzi",
            "",
            "",
            "",
            "PNS",
            "Aktif",
            "Kepala Dinas Pendidikan",
            DISDIK,
        ),
    ];
    // lines 21-41: staff of the school and the puskesmas, PPPK every third.
    for i in 21..=41 {
        let pppk = i % 3 == 0;
        let (unit, jabatan) = if i % 2 == 0 {
            (SDN1, "Guru Kelas")
        } else {
            (PKM, "Bidan Terampil")
        };
        rows.push(row(
            t(&nip(i, if pppk { 2 } else { 1 })),
            "",
            &format!("Pegawai {i}"),
            "",
            if i % 4 == 0 { "S.Pd." } else { "" },
            phones[i % phones.len()],
            if pppk { "PPPK" } else { "PNS" },
            "Aktif",
            jabatan,
            unit,
        ));
    }
    rows
}

fn xlsx(rows: &[Vec<C>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Data ASN").unwrap();
    for (col, name) in HEADER.iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, f64::from(r)).unwrap();
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16 + 1;
            match cell {
                C::T(s) if s.is_empty() => {}
                C::T(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                C::N(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The same export as Indonesian-locale Excel saves it: semicolons, CRLF, a BOM.
fn semicolon_csv(rows: &[Vec<C>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.join(";"));
    out.push_str("\r\n");
    for (r, cells) in rows.iter().enumerate() {
        let mut fields = vec![(r + 1).to_string()];
        fields.extend(cells.iter().map(|c| match c {
            C::T(s) => s.clone(),
            // What Excel writes for a number cell too wide for its column.
            C::N(_) => "1,98503E+17".to_string(),
        }));
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out
}

fn import_bytes(app: &TestApp, content_type: &str, bytes: &[u8]) -> Reply {
    app.post_raw("/api/officials/import", Some(ADMIN), content_type, bytes)
}

fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .put(format!("{}{path}", app.url))
        .header("Authorization", format!("Bearer {token}"))
        .content_type("application/json")
        .send(body.to_string())
        .expect("PUT");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, body, text }
}

fn reason(reply: &Reply, line: u64) -> String {
    reply.body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["line"] == line)
        .unwrap_or_else(|| panic!("line {line} not rejected: {}", reply.text))["reason"]
        .as_str()
        .unwrap()
        .to_string()
}

fn officials(app: &TestApp, opd: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/officials?opd={opd}&limit=1000"), Some(ADMIN));
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["officials"].as_array().unwrap().clone()
}

fn official<'a>(list: &'a [Value], nip: &str) -> &'a Value {
    list.iter()
        .find(|o| o["nip"] == nip)
        .unwrap_or_else(|| panic!("{nip} not in {list:?}"))
}

#[test]
fn a_siasn_export_is_imported_with_its_anomalies_and_units_mapped_once() {
    let app = TestApp::spawn();
    // Pakta's own CSV still imports, unchanged.
    let own = app.import(ROSTER);
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["created"], 4);
    assert_eq!(own.body["format"], "pakta-csv");

    let units = app.post_raw(
        "/api/units/import",
        Some(ADMIN),
        "text/csv",
        UNIT_TREE.as_bytes(),
    );
    assert_eq!(units.status, 200, "{}", units.text);
    assert_eq!(units.body["kind"], "tree");
    assert_eq!(units.body["units"], 8);
    // Dinas Pendidikan and its three units below, Dinas Kesehatan and its puskesmas.
    assert_eq!(units.body["mapped"], 5, "{}", units.text);
    assert_eq!(
        units.body["opd_units_without_code"],
        json!([{"id": "A8F5F167-BKPSDM", "name": "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"}])
    );

    let rows = export_rows();
    let file = xlsx(&rows);
    assert!(file.starts_with(b"PK\x03\x04"));
    let reply = import_bytes(&app, XLSX, &file);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["format"], "siasn-xlsx");
    // Imported: Ahmad, Rina, Dewi, Yuliani and 21 staff; Siti updated.
    assert_eq!(reply.body["created"], 25, "{}", reply.text);
    assert_eq!(reply.body["updated"], 1, "{}", reply.text);
    assert_eq!(
        reply.body["left_out"],
        json!([
            {"reason": "Pensiun", "count": 2},
            {"reason": "CLTN", "count": 1},
            {"reason": "Meninggal", "count": 1},
            {"reason": "Pemberhentian Sementara", "count": 1},
        ])
    );
    let rejected: Vec<u64> = reply.body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(rejected, vec![5, 6, 7, 20], "{}", reply.text);
    assert!(reason(&reply, 5).starts_with("Hanya NIP LAMA (150123456) yang terisi"));
    assert!(reason(&reply, 6).contains("Excel"), "{}", reason(&reply, 6));
    assert!(
        reason(&reply, 7).starts_with("NIP BARU tersimpan sebagai angka"),
        "{}",
        reason(&reply, 7)
    );
    assert!(reason(&reply, 20).contains("sudah ada di baris 2"));
    assert_eq!(reply.body["warnings"][0]["line"], 14);
    assert!(
        reply.body["warnings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("021-555-1234")
    );
    assert_eq!(reply.body["held"], 5);
    assert_eq!(
        reply.body["unmapped_units"],
        json!([
            {"id": "A8F5F167-BKPSDM", "name": "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "officials": 3},
            {"id": SATPOL, "name": "Satuan Polisi Pamong Praja", "officials": 2},
        ])
    );

    let disdik = officials(&app, "DISDIK");
    let ahmad = official(&disdik, AHMAD);
    assert_eq!(ahmad["name"], "Dr. H. Ahmad Fauzi, S.E., M.Si.");
    assert_eq!(ahmad["category"], "PNS");
    assert_eq!(official(&disdik, SITI)["name"], "Siti Rahmawati, S.E.");
    let rina = official(&disdik, PPPK_GURU);
    assert_eq!(rina["category"], "PPPK");
    assert_eq!(rina["name"], "Rina Wati, S.Pd., Gr.");
    assert_eq!(
        official(&disdik, "198508082010082008")["name"],
        "Dewi Lestari, A.Md."
    );
    let dinkes = officials(&app, "DINKES");
    assert_eq!(official(&dinkes, &nip(21, 2))["category"], "PPPK");
    assert_eq!(official(&dinkes, &nip(23, 1))["category"], "PNS");
    assert_eq!(
        official(&dinkes, &nip(14, 2))["name"],
        "Yuliani, S.Kep., Ns."
    );
    assert!(disdik.iter().chain(&dinkes).all(|o| o["nip"] != nip(9, 1)));

    // The phones, as the admin chasing the unsigned sees them.
    let ceremony = app.create_ceremony(json!({"opds": ["DISDIK", "DINKES"]}));
    app.open(ceremony);
    let unsigned = app.get(
        &format!("/api/ceremonies/{ceremony}/unsigned?limit=1000"),
        Some(ADMIN),
    );
    assert_eq!(unsigned.status, 200, "{}", unsigned.text);
    let people: Vec<&Value> = unsigned.body["opds"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["unsigned"].as_array().unwrap())
        .collect();
    let phone = |nip: &str| people.iter().find(|p| p["nip"] == nip).unwrap()["phone"].clone();
    assert_eq!(phone(AHMAD), "0812-3456-7890");
    assert_eq!(phone(SITI), "0813-9999-0001");
    assert_eq!(phone(&nip(21, 2)), "0813-1111-2202");
    assert_eq!(phone(&nip(22, 1)), "0815-2222-3303");
    assert_eq!(phone(&nip(23, 1)), "0813-4444-5504");
    assert_eq!(phone(&nip(24, 2)), "0812-3456-7801");
    assert_eq!(phone(&nip(14, 2)), Value::Null);
    assert_eq!(phone(ANDI), Value::Null);

    // The clerk assigns the unit the tree could not place, in the admin page.
    let pending = app.get("/api/units/unmapped", Some(ADMIN));
    assert_eq!(pending.body["units"], reply.body["unmapped_units"]);
    let supervisor = app.token(json!({"role": "supervisor", "opd": "DISDIK", "name": "Kadis"}));
    assert_eq!(
        app.get("/api/units/unmapped", Some(&supervisor)).status,
        403
    );
    let refused = put(
        &app,
        "/api/units/A8F5F167-BKPSDM",
        &supervisor,
        &json!({"opd_code": "BKPSDM"}),
    );
    assert_eq!(refused.status, 403, "{}", refused.text);
    let no_name = put(
        &app,
        "/api/units/A8F5F167-BKPSDM",
        ADMIN,
        &json!({"opd_code": "BKPSDM"}),
    );
    assert_eq!(no_name.status, 400, "{}", no_name.text);
    assert_eq!(no_name.error_code(), "unknown_opd");
    let unknown = put(
        &app,
        "/api/units/NO-SUCH-UNIT",
        ADMIN,
        &json!({"opd_code": "DISDIK"}),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let assigned = put(
        &app,
        "/api/units/A8F5F167-BKPSDM",
        ADMIN,
        &json!({"opd_code": "BKPSDM", "opd_name": "Badan Kepegawaian dan Pengembangan SDM"}),
    );
    assert_eq!(assigned.status, 200, "{}", assigned.text);
    assert_eq!(assigned.body["released"]["created"], 3);
    assert_eq!(
        assigned.body["unmapped_units"],
        json!([{"id": SATPOL, "name": "Satuan Polisi Pamong Praja", "officials": 2}])
    );
    let bkpsdm = officials(&app, "BKPSDM");
    assert_eq!(bkpsdm.len(), 3);
    assert_eq!(official(&bkpsdm, &nip(15, 1))["name"], "Agus Salim, S.H.");
    assert_eq!(official(&bkpsdm, &nip(17, 1))["category"], "PPPK");

    // Re-importing the same file changes nothing, and still holds Satpol PP's two.
    let again = import_bytes(&app, XLSX, &file);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(
        (
            again.body["created"].as_u64(),
            again.body["updated"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(again.body["unchanged"], 29);
    assert_eq!(again.body["held"], 2);

    // The same export saved as CSV by Indonesian Excel reads the same.
    let csv = semicolon_csv(&rows);
    let as_csv = app.import(&csv);
    assert_eq!(as_csv.status, 200, "{}", as_csv.text);
    assert_eq!(as_csv.body["format"], "siasn-csv");
    assert_eq!(as_csv.body["unchanged"], 29, "{}", as_csv.text);
    let lines = |r: &Reply| -> Vec<Value> {
        r.body["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["line"].clone())
            .collect()
    };
    assert_eq!(lines(&as_csv), lines(&again));
    assert!(
        reason(&as_csv, 7).contains("Excel"),
        "{}",
        reason(&as_csv, 7)
    );
    assert_eq!(as_csv.body["left_out"], again.body["left_out"]);

    // A two-column unit→OPD file maps the last unit; its officials are imported.
    let mapping = app.post_raw(
        "/api/units/import",
        Some(ADMIN),
        "text/csv",
        format!("UNOR ID;OPD CODE;OPD NAME\n{SATPOL};SATPOLPP;Satuan Polisi Pamong Praja\n")
            .as_bytes(),
    );
    assert_eq!(mapping.status, 200, "{}", mapping.text);
    assert_eq!(mapping.body["kind"], "mapping");
    assert_eq!(mapping.body["released"]["created"], 2);
    assert_eq!(mapping.body["unmapped_units"], json!([]));
    assert_eq!(officials(&app, "SATPOLPP").len(), 2);

    // Files that are neither are refused whole, with what to do.
    let broken = import_bytes(&app, XLSX, b"PK\x03\x04 not really a workbook");
    assert_eq!(broken.status, 400);
    assert_eq!(broken.error_code(), "invalid_roster");
    let pdf = import_bytes(&app, "application/pdf", b"%PDF-1.4");
    assert_eq!(pdf.status, 400);
    assert_eq!(pdf.error_code(), "unsupported_content_type");
}

#[test]
fn pakta_import_reads_a_siasn_export_with_its_units_from_the_command_line() {
    let dir = private_tempdir();
    let data = dir.path().join("data");
    let units = dir.path().join("unor.csv");
    let export = dir.path().join("export-data-asn.xlsx");
    // No OPD is in this registry yet, so the tree names Dinas Kesehatan's code too.
    let tree = UNIT_TREE.replace(
        "A8F5F167-DINKES,Dinas Kesehatan,A8F5F1671E5A4B4BE040640A040269BB,",
        "A8F5F167-DINKES,Dinas Kesehatan,A8F5F1671E5A4B4BE040640A040269BB,DINKES",
    );
    std::fs::write(&units, tree).unwrap();
    std::fs::write(&export, xlsx(&export_rows())).unwrap();
    let out = pakta(&[
        "import",
        export.to_str().unwrap(),
        "--units",
        units.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Rejected lines make the exit status 2, as for Pakta's CSV.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("units (tree): stored 8, mapped to an OPD 5, rejected 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("created 26, updated 0, unchanged 0, rejected 4"),
        "{stdout}"
    );
    assert!(
        stdout.contains("left out (kedudukan hukum Pensiun): 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 5: Hanya NIP LAMA (150123456)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unit A8F5F167-BKPSDM (Badan Kepegawaian dan Pengembangan Sumber Daya Manusia) maps to no OPD: 3 officials held"),
        "{stdout}"
    );
}

#[test]
fn the_clerk_imports_the_export_and_assigns_the_unmapped_unit_in_the_admin_page() {
    let app = TestApp::spawn();
    app.import(ROSTER);
    let units = app.post_raw(
        "/api/units/import",
        Some(ADMIN),
        "text/csv",
        UNIT_TREE.as_bytes(),
    );
    assert_eq!(units.status, 200, "{}", units.text);
    let dir = private_tempdir();
    let export = dir.path().join("export-data-asn.xlsx");
    std::fs::write(&export, xlsx(&export_rows())).unwrap();

    let admin = Browser::start(false);
    admin.goto(&format!("{}/admin.html", app.url));
    admin.fill("#token", ADMIN);
    admin.click("#login-button");
    wait_until(
        &admin,
        "document.querySelector('#unmapped').dataset.loaded === 'yes'",
    );
    assert!(admin.exists("#no-unmapped"));

    admin.upload("#roster-file", &export);
    admin.click("#import");
    let said = admin.wait_text("#import-result", "pegawai baru");
    assert!(said.starts_with("25 pegawai baru, 1 diperbarui, 0 tidak berubah, 4 baris ditolak, 5 tidak aktif tidak diimpor, 5 ditahan"), "{said}");
    assert!(
        admin
            .text("#left-out")
            .contains("Pensiun 2, CLTN 1, Meninggal 1, Pemberhentian Sementara 1")
    );
    assert!(
        admin
            .text("#rejected-lines")
            .contains("Hanya NIP LAMA (150123456)")
    );
    assert!(admin.text("#import-warnings").contains("021-555-1234"));
    let pending = admin.wait_text("#unmapped-units", "Badan Kepegawaian");
    assert!(pending.contains("Satuan Polisi Pamong Praja"), "{pending}");
    admin.screenshot("siasn-unmapped-units");

    let row = "#unmapped-units tr[data-unit='A8F5F167-BKPSDM']";
    admin.fill(&format!("{row} .unit-opd"), "BKPSDM");
    admin.fill(
        &format!("{row} .unit-opd-name"),
        "Badan Kepegawaian dan Pengembangan SDM",
    );
    admin.click(&format!("{row} .assign-unit"));
    let done = admin.wait_text("#units-result", "ditetapkan ke OPD BKPSDM");
    assert!(done.contains("3 pegawai baru diimpor"), "{done}");
    wait_until(
        &admin,
        "document.querySelectorAll('#unmapped-units tbody tr').length === 1",
    );
    assert_eq!(officials(&app, "BKPSDM").len(), 3);
    assert!(
        admin.console_errors().is_empty(),
        "{:?}",
        admin.console_errors()
    );
}
