//! The SIASN "Export Data ASN" roster as BKN's SIASN downloads it (.xlsx, or the same
//! table saved as CSV with commas or semicolons), and SIASN's unit (UNOR) files, turned
//! into validated rows. Pure: the .xlsx is read from bytes in memory.
//!
//! Rules (README, "The roster from SIASN"):
//! - columns are found by name in any order, case and spacing ignored (`NIP BARU`,
//!   `nip_baru`); other columns are ignored;
//! - the name is composed with the titles: `GELAR DEPAN` `NAMA`, `GELAR BELAKANG`
//!   ("Dr. H. Ahmad Fauzi, S.E., M.Si.");
//! - `JENIS PEGAWAI NAMA` containing "PPPK" or "Perjanjian Kerja" makes a PPPK, anything
//!   else a PNS;
//! - only officials in service are imported: `KEDUDUKAN HUKUM NAMA` "Aktif" (and
//!   "Aktif …"), "CPNS", "Tugas Belajar" or "Masa Persiapan Pensiun"/"MPP". Every other
//!   status (CLTN, Pemberhentian Sementara, Penerima Uang Tunggu, Pensiun, Meninggal,
//!   Mati, Diberhentikan, …) is left out and counted under the status as written;
//! - a NIP is never guessed: an 18-digit NIP stored as a spreadsheet number (which keeps
//!   only 15 significant digits) or shown as "1.99001E+17" is refused, and so is a row
//!   with only the old 9-digit `NIP LAMA`;
//! - `NOMOR HP` is normalised to 62… ([`Phone`]); a number that is not an Indonesian
//!   mobile is dropped with a warning, the official still imported; `NIK` is not kept.

use std::collections::HashMap;
use std::io::Cursor;

use crate::domain::identifier::{Category, Identifier, IdentifierKind, OpdCode};
use crate::domain::phone::Phone;
use crate::domain::roster::{
    LineTracker, Rejection, RosterError, collapse_whitespace, csv_error, detect_delimiter,
    is_blank, refuse_hidden_characters,
};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number known exactly: an integer cell, or a float that is a whole number
    /// below 2^53.
    Integer(i64),
    /// Any other number, whose digits past the 15th or 16th may have been lost.
    Number(f64),
}

impl Cell {
    /// The cell as text: an exact integer as its digits, a float as Excel would show
    /// it in scientific form.
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Integer(i) => i.to_string(),
            Cell::Number(f) => format!("{f:E}"),
        }
    }
}

/// A sheet: rows with the line (spreadsheet row number, or physical CSV line) they
/// came from; blank rows already dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// The zip signature every .xlsx starts with.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The first worksheet of an .xlsx held in memory. A workbook that makes the reader
/// panic (a zip bomb's sibling, a malformed sheet) is refused like any unreadable one.
pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, RosterError> {
    std::panic::catch_unwind(|| read_xlsx_unguarded(bytes)).unwrap_or(Err(RosterError::NotXlsx))
}

fn read_xlsx_unguarded(bytes: &[u8]) -> Result<Sheet, RosterError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| RosterError::NotXlsx)?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => return Err(RosterError::NotXlsx),
        None => return Err(RosterError::Empty),
    };
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    let mut sheet = Sheet::default();
    for (i, row) in range.rows().enumerate() {
        let mut cells = vec![Cell::Empty; first_col];
        cells.extend(row.iter().map(|data| match data {
            Data::Empty => Cell::Empty,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Int(i) => Cell::Integer(*i),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                Cell::Integer(*f as i64)
            }
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
            Data::DateTime(d) => Cell::Text(d.as_f64().to_string()),
            Data::Error(e) => Cell::Text(format!("#{e:?}")),
        }));
        if cells.iter().all(|c| c.text().is_empty()) {
            continue;
        }
        sheet.rows.push((first_row + i + 1, cells));
    }
    if sheet.rows.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(sheet)
}

/// A CSV (commas, or the semicolons of Indonesian-locale Excel) as a sheet of text.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, RosterError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return Err(RosterError::NotUtf8 { line: line + 1 });
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(RosterError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    let mut lines = LineTracker::new(text);
    let mut sheet = Sheet::default();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(text, e))?;
        if is_blank(&record) {
            continue;
        }
        let line = lines.line_of(&record);
        let cells = record
            .iter()
            .map(|f| {
                if f.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(f.to_string())
                }
            })
            .collect();
        sheet.rows.push((line, cells));
    }
    if sheet.rows.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(sheet)
}

/// Column names compared as SIASN and clerks write them: "NIP BARU", "Nip_Baru",
/// " nip  baru ".
pub fn normalise_name(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a CSV text is a SIASN export rather than Pakta's own roster: its header
/// (first non-blank line) has a `NIP BARU` column.
pub fn is_siasn_csv(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let header = text
        .lines()
        .find(|line| !line.trim().trim_start_matches('\u{feff}').is_empty())
        .unwrap_or("");
    header
        .split([',', ';'])
        .any(|name| normalise_name(name.trim_matches('"')) == "nip baru")
}

/// An official from the export, ready to import once their unit has an OPD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiasnRow {
    pub line: usize,
    pub nip: String,
    pub category: Category,
    pub name: String,
    pub position: String,
    pub unit_id: String,
    pub unit_name: String,
    pub phone: Option<String>,
}

impl SiasnRow {
    pub fn identifier(&self) -> Result<Identifier, String> {
        Identifier::parse(self.category, &self.nip).map_err(|e| e.to_string())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedSiasn {
    pub rows: Vec<SiasnRow>,
    pub rejected: Vec<Rejection>,
    /// Officials not in service, by line, with their KEDUDUKAN HUKUM as written.
    pub left_out: Vec<(usize, String)>,
    /// Rows imported with something dropped (a phone number that is not one).
    pub warnings: Vec<Rejection>,
}

const NIP_BARU: &str = "nip baru";
const NIP_LAMA: &str = "nip lama";
const NAMA: &str = "nama";
const GELAR_DEPAN: &str = "gelar depan";
const GELAR_BELAKANG: &str = "gelar belakang";
const NOMOR_HP: &str = "nomor hp";
const JENIS_PEGAWAI: &str = "jenis pegawai nama";
const KEDUDUKAN: &str = "kedudukan hukum nama";
const JABATAN: &str = "jabatan nama";
const UNOR_ID: &str = "unor id";
const UNOR_NAMA: &str = "unor nama";

/// Columns without which the export cannot be imported, as SIASN names them.
const SIASN_REQUIRED: [&str; 7] = [
    NIP_BARU,
    NAMA,
    JENIS_PEGAWAI,
    KEDUDUKAN,
    JABATAN,
    UNOR_ID,
    UNOR_NAMA,
];

/// Whether a KEDUDUKAN HUKUM NAMA means the official is in service and so pledges.
pub fn is_in_service(kedudukan: &str) -> bool {
    let k = normalise_name(kedudukan);
    k == "aktif"
        || k.starts_with("aktif ")
        || k == "cpns"
        || k == "tugas belajar"
        || k == "masa persiapan pensiun"
        || k == "mpp"
}

/// PPPK when JENIS PEGAWAI NAMA says so ("PPPK", "Pegawai Pemerintah dengan Perjanjian
/// Kerja"), PNS otherwise ("PNS", "PNS Daerah", "CPNS", "PNS Pusat DPK", …).
pub fn category_of(jenis_pegawai: &str) -> Category {
    let j = normalise_name(jenis_pegawai);
    if j.contains("pppk") || j.contains("perjanjian kerja") {
        Category::Pppk
    } else {
        Category::Pns
    }
}

/// "Dr. H." + "Ahmad Fauzi" + "S.E., M.Si." → "Dr. H. Ahmad Fauzi, S.E., M.Si."
pub fn compose_name(gelar_depan: &str, nama: &str, gelar_belakang: &str) -> String {
    let front = collapse_whitespace(gelar_depan);
    let nama = collapse_whitespace(nama);
    let back = collapse_whitespace(gelar_belakang.trim().trim_start_matches(',').trim());
    let mut name = if front.is_empty() {
        nama
    } else {
        format!("{front} {nama}")
    };
    if !back.is_empty() {
        name.push_str(", ");
        name.push_str(&back);
    }
    name
}

struct Header {
    index: HashMap<&'static str, usize>,
}

impl Header {
    fn find(
        cells: &[Cell],
        line: usize,
        wanted: &[&'static str],
        required: &[&'static str],
    ) -> Result<Header, RosterError> {
        let names: Vec<String> = cells.iter().map(|c| normalise_name(&c.text())).collect();
        let mut index = HashMap::new();
        for w in wanted {
            if let Some(i) = names.iter().position(|n| n == w) {
                index.insert(*w, i);
            }
        }
        let missing: Vec<&'static str> = required
            .iter()
            .copied()
            .filter(|r| !index.contains_key(r))
            .collect();
        if missing.is_empty() {
            Ok(Header { index })
        } else {
            Err(RosterError::MissingColumns {
                line,
                missing: missing.iter().map(|m| upper(m)).collect(),
            })
        }
    }

    fn cell<'a>(&self, cells: &'a [Cell], column: &str) -> &'a Cell {
        self.index
            .get(column)
            .and_then(|&i| cells.get(i))
            .unwrap_or(&Cell::Empty)
    }

    fn text(&self, cells: &[Cell], column: &str) -> String {
        self.cell(cells, column).text()
    }
}

/// The SIASN spelling of a column, for messages.
fn upper(column: &'static str) -> &'static str {
    match column {
        NIP_BARU => "NIP BARU",
        NAMA => "NAMA",
        JENIS_PEGAWAI => "JENIS PEGAWAI NAMA",
        KEDUDUKAN => "KEDUDUKAN HUKUM NAMA",
        JABATAN => "JABATAN NAMA",
        UNOR_ID => "UNOR ID",
        UNOR_NAMA => "UNOR NAMA",
        "id" => "ID",
        "nama unor" => "NAMA UNOR",
        "diatasan id" => "DIATASAN ID",
        "opd code" => "OPD CODE",
        other => other,
    }
}

/// The officials of a SIASN export.
pub fn parse_export(sheet: &Sheet) -> Result<ParsedSiasn, RosterError> {
    let Some(((header_line, header_cells), rows)) = sheet.rows.split_first() else {
        return Err(RosterError::Empty);
    };
    let header = Header::find(
        header_cells,
        *header_line,
        &[
            NIP_BARU,
            NIP_LAMA,
            NAMA,
            GELAR_DEPAN,
            GELAR_BELAKANG,
            NOMOR_HP,
            JENIS_PEGAWAI,
            KEDUDUKAN,
            JABATAN,
            UNOR_ID,
            UNOR_NAMA,
        ],
        &SIASN_REQUIRED,
    )?;
    let mut parsed = ParsedSiasn::default();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (line, cells) in rows {
        let line = *line;
        let kedudukan = collapse_whitespace(&header.text(cells, KEDUDUKAN));
        if kedudukan.is_empty() {
            parsed.rejected.push(Rejection {
                line,
                reason: "Kolom KEDUDUKAN HUKUM NAMA kosong; lengkapi di SIASN (misalnya Aktif) lalu unduh ulang.".into(),
            });
            continue;
        }
        if !is_in_service(&kedudukan) {
            parsed.left_out.push((line, kedudukan));
            continue;
        }
        match parse_official(&header, line, cells) {
            Ok((row, warning)) => {
                if let Some(&earlier) = first_seen.get(&row.nip) {
                    let label = IdentifierKind::for_category(row.category);
                    parsed.rejected.push(Rejection {
                        line,
                        reason: format!(
                            "{label} {} sudah ada di baris {earlier}; hapus salah satu baris lalu unggah ulang.",
                            row.nip
                        ),
                    });
                    continue;
                }
                first_seen.insert(row.nip.clone(), line);
                if let Some(reason) = warning {
                    parsed.warnings.push(Rejection { line, reason });
                }
                parsed.rows.push(row);
            }
            Err(reason) => parsed.rejected.push(Rejection { line, reason }),
        }
    }
    Ok(parsed)
}

fn parse_official(
    header: &Header,
    line: usize,
    cells: &[Cell],
) -> Result<(SiasnRow, Option<String>), String> {
    let _ = line;
    let category = category_of(&header.text(cells, JENIS_PEGAWAI));
    let nip = match header.cell(cells, NIP_BARU) {
        Cell::Number(f) => {
            return Err(format!(
                "NIP BARU tersimpan sebagai angka ({f:E}), sehingga digit terakhirnya sudah hilang; NIP tidak ditebak. Unduh ulang dari SIASN, atau ubah format kolom NIP BARU menjadi Teks dan ketik ulang NIP-nya."
            ));
        }
        cell => cell.text(),
    };
    if nip.is_empty() {
        let lama = header.text(cells, NIP_LAMA);
        return Err(if lama.is_empty() {
            "Kolom NIP BARU kosong; lengkapi NIP 18 digit pegawai ini di SIASN lalu unduh ulang."
                .into()
        } else {
            format!(
                "Hanya NIP LAMA ({lama}) yang terisi; NIP lama 9 digit tidak dipakai lagi. Lengkapi NIP BARU (18 digit) pegawai ini di SIASN lalu unduh ulang."
            )
        });
    }
    let identifier = Identifier::parse(category, &nip).map_err(|e| e.to_string())?;
    let nama = header.text(cells, NAMA);
    if collapse_whitespace(&nama).is_empty() {
        return Err("Kolom NAMA kosong; lengkapi nama pegawai di SIASN lalu unduh ulang.".into());
    }
    let name = compose_name(
        &header.text(cells, GELAR_DEPAN),
        &nama,
        &header.text(cells, GELAR_BELAKANG),
    );
    refuse_hidden_characters("NAMA", &name)?;
    let position = collapse_whitespace(&header.text(cells, JABATAN));
    if position.is_empty() {
        return Err(
            "Kolom JABATAN NAMA kosong; lengkapi jabatan pegawai ini di SIASN lalu unduh ulang."
                .into(),
        );
    }
    refuse_hidden_characters("JABATAN NAMA", &position)?;
    let unit_id = header.text(cells, UNOR_ID);
    if unit_id.is_empty() {
        return Err(
            "Kolom UNOR ID kosong; pastikan unit kerja pegawai ini terisi di SIASN lalu unduh ulang."
                .into(),
        );
    }
    let unit_name = collapse_whitespace(&header.text(cells, UNOR_NAMA));
    let unit_name = if unit_name.is_empty() {
        unit_id.clone()
    } else {
        unit_name
    };
    let raw_phone = header.text(cells, NOMOR_HP);
    let (phone, warning) = if raw_phone.is_empty() {
        (None, None)
    } else {
        match Phone::parse(&raw_phone) {
            Ok(phone) => (Some(phone.as_str().to_string()), None),
            Err(e) => (None, Some(format!("Pegawai diimpor tanpa nomor HP. {e}"))),
        }
    };
    Ok((
        SiasnRow {
            line,
            nip: identifier.as_str().to_string(),
            category,
            name,
            position,
            unit_id,
            unit_name,
            phone,
        },
        warning,
    ))
}

/// How left-out officials are counted: by status, spelled as first seen, in order of
/// first appearance.
pub fn count_left_out(left_out: &[(usize, String)]) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = Vec::new();
    for (_, status) in left_out {
        match counts
            .iter_mut()
            .find(|(s, _)| normalise_name(s) == normalise_name(status))
        {
            Some((_, n)) => *n += 1,
            None => counts.push((status.clone(), 1)),
        }
    }
    counts
}

/// One line of a unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLine {
    pub line: usize,
    pub id: String,
    pub name: Option<String>,
    /// The unit above (tree files only); None at the root.
    pub parent: Option<String>,
    /// The OPD this unit (and every unit below it) belongs to, when the file says.
    pub opd: Option<(OpdCode, Option<String>)>,
}

/// Which kind of unit file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitFileKind {
    /// SIASN's unit reference: `ID`, `NAMA UNOR`, `DIATASAN ID` (and optionally
    /// `OPD CODE`/`KODE OPD` to mark a unit as an OPD).
    Tree,
    /// Two columns, `UNOR ID` and `OPD CODE` (optionally `OPD NAME`).
    Mapping,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUnits {
    pub kind: UnitFileKind,
    pub units: Vec<UnitLine>,
    pub rejected: Vec<Rejection>,
}

/// A unit file of either kind, told apart by its header.
pub fn parse_units(sheet: &Sheet) -> Result<ParsedUnits, RosterError> {
    let Some(((header_line, header_cells), rows)) = sheet.rows.split_first() else {
        return Err(RosterError::Empty);
    };
    let names: Vec<String> = header_cells
        .iter()
        .map(|c| normalise_name(&c.text()))
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let alias = |a: &'static str, b: &'static str| if has(a) { a } else { b };
    let opd_code = alias("opd code", "kode opd");
    let opd_name = alias("opd name", "nama opd");
    let (kind, header) = if has("unor id") && !has("diatasan id") {
        (
            UnitFileKind::Mapping,
            Header::find(
                header_cells,
                *header_line,
                &["unor id", "unor nama", opd_code, opd_name],
                &["unor id", opd_code],
            )?,
        )
    } else {
        let id = alias("id", "unor id");
        let name = alias("nama unor", "unor nama");
        (
            UnitFileKind::Tree,
            Header::find(
                header_cells,
                *header_line,
                &[id, name, "diatasan id", opd_code, opd_name],
                &[id, name, "diatasan id"],
            )
            .map_err(|e| match e {
                RosterError::MissingColumns { line, .. } => RosterError::MissingColumns {
                    line,
                    missing: vec!["ID", "NAMA UNOR", "DIATASAN ID (atau UNOR ID dan OPD CODE)"],
                },
                e => e,
            })?,
        )
    };
    let (id_col, name_col) = match kind {
        UnitFileKind::Mapping => ("unor id", "unor nama"),
        UnitFileKind::Tree => (alias("id", "unor id"), alias("nama unor", "unor nama")),
    };
    let mut parsed = ParsedUnits {
        kind,
        units: Vec::new(),
        rejected: Vec::new(),
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, cells) in rows {
        let line = *line;
        let id = header.text(cells, id_col);
        if id.is_empty() {
            parsed.rejected.push(Rejection {
                line,
                reason: format!(
                    "Kolom {} kosong; isi ID unit dari SIASN.",
                    upper_dyn(id_col)
                ),
            });
            continue;
        }
        if let Some(&earlier) = seen.get(&id) {
            parsed.rejected.push(Rejection {
                line,
                reason: format!(
                    "Unit {id} sudah ada di baris {earlier}; hapus salah satu baris lalu unggah ulang."
                ),
            });
            continue;
        }
        let name =
            Some(collapse_whitespace(&header.text(cells, name_col))).filter(|n| !n.is_empty());
        let code = header.text(cells, opd_code);
        let opd = if code.is_empty() {
            None
        } else {
            match OpdCode::parse(&code) {
                Ok(c) => {
                    let n = collapse_whitespace(&header.text(cells, opd_name));
                    Some((c, Some(n).filter(|n| !n.is_empty())))
                }
                Err(e) => {
                    parsed.rejected.push(Rejection {
                        line,
                        reason: e.to_string(),
                    });
                    continue;
                }
            }
        };
        if kind == UnitFileKind::Mapping && opd.is_none() {
            parsed.rejected.push(Rejection {
                line,
                reason: format!(
                    "Kolom OPD CODE kosong untuk unit {id}; isi kode OPD tempat unit ini bernaung."
                ),
            });
            continue;
        }
        if kind == UnitFileKind::Tree && name.is_none() {
            parsed.rejected.push(Rejection {
                line,
                reason: format!("Kolom NAMA UNOR kosong untuk unit {id}; isi nama unit."),
            });
            continue;
        }
        let parent = match kind {
            UnitFileKind::Tree => {
                Some(header.text(cells, "diatasan id")).filter(|p| !p.is_empty() && *p != id)
            }
            UnitFileKind::Mapping => None,
        };
        seen.insert(id.clone(), line);
        parsed.units.push(UnitLine {
            line,
            id,
            name,
            parent,
            opd,
        });
    }
    Ok(parsed)
}

fn upper_dyn(column: &str) -> String {
    column.to_uppercase()
}

/// The OPD-level unit of each unit of a tree: the unit directly below the root (a unit
/// with no parent, or whose parent is not in the file: the instansi itself), unless a
/// unit on the way up is marked with an OPD code, which then is its OPD-level unit.
/// Returns, for each unit id, the id of its OPD-level unit (None for the root itself,
/// and for units in a loop of parents).
pub fn opd_level_units(units: &[UnitLine]) -> HashMap<String, Option<String>> {
    let by_id: HashMap<&str, &UnitLine> = units.iter().map(|u| (u.id.as_str(), u)).collect();
    let is_root = |u: &UnitLine| u.parent.as_deref().is_none_or(|p| !by_id.contains_key(p));
    let mut out = HashMap::new();
    for unit in units {
        let mut current = unit;
        let mut answer = None;
        for _ in 0..=units.len() {
            if current.opd.is_some() {
                answer = Some(current.id.clone());
                break;
            }
            if is_root(current) {
                break;
            }
            let parent = by_id[current.parent.as_deref().expect("not a root")];
            if is_root(parent) {
                answer = Some(current.id.clone());
                break;
            }
            current = parent;
        }
        out.insert(unit.id.clone(), answer);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_sheet(rows: &[&[&str]]) -> Sheet {
        Sheet {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        i + 1,
                        r.iter()
                            .map(|c| {
                                if c.is_empty() {
                                    Cell::Empty
                                } else {
                                    Cell::Text(c.to_string())
                                }
                            })
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    const HEADER: &[&str] = &[
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

    #[test]
    fn names_are_composed_with_their_titles() {
        assert_eq!(
            compose_name("Dr. H.", "Ahmad  Fauzi", "S.E., M.Si."),
            "Dr. H. Ahmad Fauzi, S.E., M.Si."
        );
        assert_eq!(
            compose_name("", "Siti Aminah", ", S.Pd."),
            "Siti Aminah, S.Pd."
        );
        assert_eq!(compose_name("Ir.", "Budi", ""), "Ir. Budi");
        assert_eq!(compose_name("", "Rina", ""), "Rina");
    }

    #[test]
    fn pppk_is_told_from_pns() {
        assert_eq!(category_of("PPPK"), Category::Pppk);
        assert_eq!(
            category_of("Pegawai Pemerintah dengan Perjanjian Kerja"),
            Category::Pppk
        );
        assert_eq!(category_of("PNS Daerah"), Category::Pns);
        assert_eq!(category_of("CPNS"), Category::Pns);
        assert_eq!(category_of(""), Category::Pns);
    }

    #[test]
    fn only_officials_in_service_pledge() {
        for k in [
            "Aktif",
            "AKTIF",
            " aktif ",
            "CPNS",
            "Tugas Belajar",
            "Masa Persiapan Pensiun",
        ] {
            assert!(is_in_service(k), "{k}");
        }
        for k in [
            "CLTN",
            "Pemberhentian Sementara",
            "Pensiun",
            "Meninggal",
            "Mati",
            "Diberhentikan",
            "Penerima Uang Tunggu",
            "Tidak Aktif",
        ] {
            assert!(!is_in_service(k), "{k}");
        }
    }

    #[test]
    fn an_export_with_the_anomalies_siasn_has() {
        let sheet = text_sheet(&[
            HEADER,
            &[
                "199001012015031001",
                "",
                "Ahmad Fauzi",
                "Dr. H.",
                "S.E., M.Si.",
                "3201010101900001",
                "0812-3456-7890",
                "PNS",
                "Aktif",
                "Kepala Dinas",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "",
                "123456789",
                "Siti",
                "",
                "",
                "",
                "",
                "PNS",
                "Aktif",
                "Guru",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "1.99001E+17",
                "",
                "Budi",
                "",
                "",
                "",
                "",
                "PNS",
                "Aktif",
                "Guru",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "'199203152023212005",
                "",
                "Rina",
                "",
                "A.Md.Kep.",
                "",
                "+62 813 1111 2222",
                "Pegawai Pemerintah dengan Perjanjian Kerja",
                "Aktif",
                "Perawat",
                "U2",
                "Puskesmas",
            ],
            &[
                "199001012015031002",
                "",
                "Agus",
                "",
                "",
                "",
                "",
                "PNS",
                "Pensiun",
                "Staf",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "199001012015031003",
                "",
                "Dedi",
                "",
                "",
                "",
                "",
                "PNS",
                "CLTN",
                "Staf",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "199001012015031004",
                "",
                "Eka",
                "",
                "",
                "",
                "",
                "PNS",
                "pensiun",
                "Staf",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "19900101 201503 1 001",
                "",
                "Ahmad",
                "",
                "",
                "",
                "",
                "PNS",
                "Aktif",
                "Staf",
                "U1",
                "Dinas Pendidikan",
            ],
            &[
                "199001012015031005",
                "",
                "Fajar",
                "",
                "",
                "",
                "021-555",
                "PNS",
                "Aktif",
                "Staf",
                "U1",
                "Dinas Pendidikan",
            ],
        ]);
        let parsed = parse_export(&sheet).unwrap();
        let lines: Vec<usize> = parsed.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 5, 10]);
        let ahmad = &parsed.rows[0];
        assert_eq!(ahmad.name, "Dr. H. Ahmad Fauzi, S.E., M.Si.");
        assert_eq!(ahmad.phone.as_deref(), Some("6281234567890"));
        assert_eq!(ahmad.category, Category::Pns);
        let rina = &parsed.rows[1];
        assert_eq!(rina.nip, "199203152023212005");
        assert_eq!(rina.category, Category::Pppk);
        assert_eq!(rina.name, "Rina, A.Md.Kep.");
        assert_eq!(rina.phone.as_deref(), Some("6281311112222"));
        assert_eq!(parsed.rows[2].phone, None);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 10);

        let reasons: HashMap<usize, &str> = parsed
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert!(
            reasons[&3].starts_with("Hanya NIP LAMA (123456789)"),
            "{}",
            reasons[&3]
        );
        assert!(reasons[&4].contains("Excel"), "{}", reasons[&4]);
        assert!(
            reasons[&9].contains("sudah ada di baris 2"),
            "{}",
            reasons[&9]
        );
        assert_eq!(
            count_left_out(&parsed.left_out),
            vec![("Pensiun".to_string(), 2), ("CLTN".to_string(), 1)]
        );
    }

    #[test]
    fn a_nip_in_a_numeric_cell_is_never_guessed() {
        let mut sheet = text_sheet(&[HEADER]);
        let mut row: Vec<Cell> = vec![Cell::Number(1.99001012015031e17)];
        row.extend(
            [
                "", "Budi", "", "", "", "", "PNS", "Aktif", "Guru", "U1", "Dinas",
            ]
            .iter()
            .map(|c| Cell::Text(c.to_string())),
        );
        sheet.rows.push((2, row.clone()));
        row[0] = Cell::Integer(199001012015031001);
        sheet.rows.push((3, row));
        let parsed = parse_export(&sheet).unwrap();
        assert_eq!(parsed.rejected.len(), 1);
        assert!(
            parsed.rejected[0]
                .reason
                .starts_with("NIP BARU tersimpan sebagai angka")
        );
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].nip, "199001012015031001");
    }

    #[test]
    fn missing_siasn_columns_are_named_as_siasn_names_them() {
        let sheet = text_sheet(&[&["nip_baru", "Nama", "unor id"]]);
        let err = parse_export(&sheet).unwrap_err();
        assert_eq!(
            err,
            RosterError::MissingColumns {
                line: 1,
                missing: vec![
                    "JENIS PEGAWAI NAMA",
                    "KEDUDUKAN HUKUM NAMA",
                    "JABATAN NAMA",
                    "UNOR NAMA"
                ]
            }
        );
    }

    #[test]
    fn siasn_csv_is_told_from_pakta_csv_by_its_header() {
        assert!(is_siasn_csv(b"\xef\xbb\xbfNO;NIP BARU;NAMA\n"));
        assert!(is_siasn_csv(b"\"NIP BARU\",\"NAMA\"\n"));
        assert!(!is_siasn_csv(
            b"nip,name,position,rank,category,opd_code,opd_name\n"
        ));
    }

    #[test]
    fn semicolon_csv_reads_with_physical_lines() {
        let sheet = read_csv(b"NIP BARU;NAMA\r\n\r\n'199001012015031001;Budi\r\n").unwrap();
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].0, 3);
        assert_eq!(sheet.rows[1].1[1], Cell::Text("Budi".into()));
    }

    #[test]
    fn a_tree_groups_units_under_the_unit_below_the_root() {
        let sheet = text_sheet(&[
            &["ID", "NAMA UNOR", "DIATASAN ID", "KODE OPD"],
            &["ROOT", "Pemerintah Kabupaten", "", ""],
            &["A", "Dinas Pendidikan", "ROOT", ""],
            &["A1", "Bidang SD", "A", ""],
            &["A11", "SDN 1", "A1", ""],
            &["B", "Sekretariat Daerah", "ROOT", "SETDA"],
            &["B1", "Bagian Umum", "B", "UMUM"],
            &["B11", "Subbagian TU", "B1", ""],
        ]);
        let parsed = parse_units(&sheet).unwrap();
        assert_eq!(parsed.kind, UnitFileKind::Tree);
        assert!(parsed.rejected.is_empty());
        let levels = opd_level_units(&parsed.units);
        assert_eq!(levels["ROOT"], None);
        assert_eq!(levels["A11"].as_deref(), Some("A"));
        assert_eq!(levels["A"].as_deref(), Some("A"));
        assert_eq!(levels["B11"].as_deref(), Some("B1"));
        assert_eq!(levels["B"].as_deref(), Some("B"));
    }

    #[test]
    fn a_mapping_file_needs_an_opd_code_per_unit() {
        let sheet = text_sheet(&[
            &["UNOR ID", "OPD CODE", "OPD NAME"],
            &["U1", "disdik", "Dinas Pendidikan"],
            &["U2", "", ""],
            &["U3", "DINAS KES", ""],
        ]);
        let parsed = parse_units(&sheet).unwrap();
        assert_eq!(parsed.kind, UnitFileKind::Mapping);
        assert_eq!(parsed.units.len(), 1);
        assert_eq!(parsed.units[0].opd.as_ref().unwrap().0.as_str(), "DISDIK");
        assert_eq!(parsed.rejected.len(), 2);
        assert!(
            parsed.rejected[0]
                .reason
                .starts_with("Kolom OPD CODE kosong")
        );
    }
}
