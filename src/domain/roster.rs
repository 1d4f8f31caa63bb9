//! Turning a roster CSV uploaded by a BKPSDM clerk into validated rows.
//!
//! Problems that make the whole file unusable (empty, missing columns,
//! undecodable text) are errors; problems with individual lines become
//! per-line rejections so that one typo does not block the rest of an OPD's
//! roster. The input is whatever Excel produced, so the parser tolerates its
//! habits: a BOM, semicolons in the Indonesian locale, CRLF, blank rows.

use std::collections::HashMap;

use crate::domain::identifier::{Category, Identifier, IdentifierKind, OpdCode};
use crate::domain::record::is_invisible_format;

/// One accepted roster line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// Physical line in the file where the record starts (header = 1).
    pub line: usize,
    pub identifier: Identifier,
    pub name: String,
    pub position: String,
    pub rank: Option<String>,
    pub category: Category,
    pub opd_code: OpdCode,
    pub opd_name: String,
}

/// A line that was not imported, with a reason the clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRoster {
    /// Accepted rows, in file order.
    pub rows: Vec<RosterRow>,
    /// Rejected lines, in file order.
    pub rejected: Vec<Rejection>,
}

/// Problems with the file as a whole; nothing from it can be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error(
        "Berkas daftar pegawai kosong; isi baris judul (nip, name, position, rank, category, opd_code, opd_name) dan data pegawai, lalu unggah ulang."
    )]
    Empty,

    #[error(
        "Baris judul (baris {line}) tidak memuat kolom wajib: {}. Tambahkan kolom tersebut, pastikan kolom dipisah koma atau titik koma, lalu unggah ulang.",
        .missing.join(", ")
    )]
    MissingColumns {
        line: usize,
        missing: Vec<&'static str>,
    },

    #[error(
        "Berkas bukan teks UTF-8 (karakter tak terbaca di baris {line}); di Excel simpan ulang dengan jenis berkas \"CSV UTF-8\", lalu unggah kembali."
    )]
    NotUtf8 { line: usize },

    #[error(
        "Berkas tidak dapat dibaca sebagai CSV mulai baris {line}; simpan ulang dari Excel sebagai \"CSV UTF-8\", lalu unggah kembali."
    )]
    InvalidCsv { line: usize },

    #[error(
        "Berkas tidak dapat dibaca sebagai .xlsx (rusak, terlindung kata sandi, atau bukan berkas Excel); unduh ulang \"Export Data ASN\" dari SIASN, atau simpan sebagai \"CSV UTF-8\", lalu unggah kembali."
    )]
    NotXlsx,
}

const COL_NIP: &str = "nip";
const COL_NAME: &str = "name";
const COL_POSITION: &str = "position";
const COL_RANK: &str = "rank";
const COL_CATEGORY: &str = "category";
const COL_OPD_CODE: &str = "opd_code";
const COL_OPD_NAME: &str = "opd_name";

/// Required columns in the order they are reported when missing.
const REQUIRED_COLUMNS: [&str; 6] = [
    COL_NIP,
    COL_NAME,
    COL_POSITION,
    COL_CATEGORY,
    COL_OPD_CODE,
    COL_OPD_NAME,
];

/// Like [`parse_roster`], for raw upload bytes. Excel's plain "CSV" save
/// option writes Windows-1252, which would otherwise surface as garbled names;
/// refusing the file with a pointer to "CSV UTF-8" is the cheaper fix.
pub fn parse_roster_bytes(bytes: &[u8]) -> Result<ParsedRoster, RosterError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_roster(text),
        Err(e) => {
            let newlines = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            Err(RosterError::NotUtf8 { line: newlines + 1 })
        }
    }
}

pub fn parse_roster(text: &str) -> Result<ParsedRoster, RosterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(RosterError::Empty);
    }
    let delimiter = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut lines = LineTracker::new(text);

    let header = loop {
        match records.next() {
            None => return Err(RosterError::Empty),
            Some(record) => {
                let record = record.map_err(|e| csv_error(text, e))?;
                if !is_blank(&record) {
                    break record;
                }
            }
        }
    };
    let header_line = lines.line_of(&header);
    let columns = Columns::from_header(&header, header_line)?;

    let mut parsed = ParsedRoster::default();
    let mut first_seen: HashMap<Identifier, usize> = HashMap::new();
    for record in records {
        let record = record.map_err(|e| csv_error(text, e))?;
        if is_blank(&record) {
            continue;
        }
        let line = lines.line_of(&record);
        let row = match columns.parse_row(line, &record, delimiter) {
            Ok(row) => row,
            Err(reason) => {
                parsed.rejected.push(Rejection { line, reason });
                continue;
            }
        };
        // Only accepted rows count as "already present": if the earlier twin
        // was itself rejected, refusing this one too would leave the person
        // out of the import altogether.
        if let Some(&earlier) = first_seen.get(&row.identifier) {
            let label = IdentifierKind::for_category(row.category);
            parsed.rejected.push(Rejection {
                line,
                reason: format!(
                    "{label} {} sudah ada di baris {earlier}; hapus salah satu baris lalu unggah ulang.",
                    row.identifier
                ),
            });
            continue;
        }
        first_seen.insert(row.identifier.clone(), line);
        parsed.rows.push(row);
    }
    Ok(parsed)
}

/// Indonesian-locale Excel saves "CSV" with semicolons because the comma is
/// the decimal separator there; a header never legitimately contains either
/// character, so it is a reliable tell.
pub(crate) fn detect_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if header.contains(';') && !header.contains(',') {
        b';'
    } else {
        b','
    }
}

/// Excel exports rows that were merely formatted as ",,,,,,", which are as
/// empty as a blank line to the clerk.
pub(crate) fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|field| field.trim().is_empty())
}

/// Physical line numbers of records. The csv crate's own `Position::line`
/// is taken before the terminators preceding a record are skipped, so it
/// undercounts after CRLF and blank lines; instead the record's byte offset
/// is advanced past those terminators and line breaks are counted up to it.
pub(crate) struct LineTracker<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineTracker<'a> {
    pub(crate) fn new(text: &'a str) -> LineTracker<'a> {
        LineTracker {
            bytes: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// Records arrive in file order, so counting resumes where it stopped
    /// and the whole file is scanned once.
    pub(crate) fn line_of(&mut self, record: &csv::StringRecord) -> usize {
        let byte = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.offset);
        self.line_at(byte)
    }

    fn line_at(&mut self, byte: usize) -> usize {
        let mut start = byte.clamp(self.offset, self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        for i in self.offset..start {
            // "\r\n" counts once; a lone '\r' is a line break to csv too.
            let is_break = match self.bytes[i] {
                b'\n' => true,
                b'\r' => self.bytes.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if is_break {
                self.line += 1;
            }
        }
        self.offset = start;
        self.line
    }
}

pub(crate) fn csv_error(text: &str, error: csv::Error) -> RosterError {
    let line = error
        .position()
        .and_then(|p| usize::try_from(p.byte()).ok())
        .map_or(1, |byte| LineTracker::new(text).line_at(byte));
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => RosterError::NotUtf8 { line },
        _ => RosterError::InvalidCsv { line },
    }
}

/// Headers are matched loosely ("OPD Code", "opd-code") because clerks retype
/// them; the canonical spelling is what error messages use.
fn normalise_header(raw: &str) -> String {
    raw.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// Positions of the known columns within a record.
struct Columns {
    nip: usize,
    name: usize,
    position: usize,
    rank: Option<usize>,
    category: usize,
    opd_code: usize,
    opd_name: usize,
    header_len: usize,
}

impl Columns {
    fn from_header(header: &csv::StringRecord, line: usize) -> Result<Columns, RosterError> {
        let names: Vec<String> = header.iter().map(normalise_header).collect();
        // First occurrence wins if a column is repeated.
        let find = |wanted: &str| names.iter().position(|n| n == wanted);
        let (Some(nip), Some(name), Some(position), Some(category), Some(opd_code), Some(opd_name)) = (
            find(COL_NIP),
            find(COL_NAME),
            find(COL_POSITION),
            find(COL_CATEGORY),
            find(COL_OPD_CODE),
            find(COL_OPD_NAME),
        ) else {
            let missing = REQUIRED_COLUMNS
                .iter()
                .copied()
                .filter(|col| find(col).is_none())
                .collect();
            return Err(RosterError::MissingColumns { line, missing });
        };
        Ok(Columns {
            nip,
            name,
            position,
            rank: find(COL_RANK),
            category,
            opd_code,
            opd_name,
            header_len: header.len(),
        })
    }

    fn required_indices(&self) -> [usize; 6] {
        [
            self.nip,
            self.name,
            self.position,
            self.category,
            self.opd_code,
            self.opd_name,
        ]
    }

    /// Returns the reason for the first problem found, checked in an order
    /// where earlier answers are needed for later checks (the category
    /// decides whether the nip column holds a NIP or a NIK).
    fn parse_row(
        &self,
        line: usize,
        record: &csv::StringRecord,
        delimiter: u8,
    ) -> Result<RosterRow, String> {
        let delimiter_name = if delimiter == b';' {
            "titik koma"
        } else {
            "koma"
        };
        let needed = self.required_indices().into_iter().max().unwrap_or(0) + 1;
        if record.len() < needed {
            return Err(format!(
                "Baris ini hanya berisi {} kolom, padahal baris judul berisi {} kolom; lengkapi kolom yang kurang (periksa tanda {delimiter_name} pemisah kolom) lalu unggah ulang.",
                record.len(),
                self.header_len
            ));
        }
        // Surplus non-empty fields mean a value containing the delimiter was
        // not quoted, so every following column is shifted and untrustworthy.
        if record
            .iter()
            .skip(self.header_len)
            .any(|f| !f.trim().is_empty())
        {
            return Err(format!(
                "Baris ini berisi {} kolom, lebih banyak dari baris judul ({} kolom); kemungkinan ada tanda {delimiter_name} di dalam nama atau jabatan, apit isian itu dengan tanda kutip ganda (\"...\") atau hapus tandanya.",
                record.len(),
                self.header_len
            ));
        }

        let field = |index: usize| record.get(index).unwrap_or("").trim();
        let category = Category::parse(field(self.category)).map_err(|e| e.to_string())?;
        let identifier = Identifier::parse(category, field(self.nip)).map_err(|e| e.to_string())?;
        let name = required_text(
            "name",
            field(self.name),
            "Kolom name (nama pegawai) kosong; isi nama lengkap pegawai.",
        )?;
        let position = required_text(
            "position",
            field(self.position),
            "Kolom position (jabatan) kosong; isi jabatan pegawai.",
        )?;
        let opd_code = OpdCode::parse(field(self.opd_code)).map_err(|e| e.to_string())?;
        let opd_name = required_text(
            "opd_name",
            field(self.opd_name),
            "Kolom opd_name (nama OPD) kosong; isi nama perangkat daerah tempat pegawai bertugas.",
        )?;
        let rank = self
            .rank
            .map(|index| collapse_whitespace(field(index)))
            .filter(|rank| !rank.is_empty());
        if let Some(rank) = &rank {
            refuse_hidden_characters("rank", rank)?;
        }

        Ok(RosterRow {
            line,
            identifier,
            name,
            position,
            rank,
            category,
            opd_code,
            opd_name,
        })
    }
}

/// Names end up printed on pledge certificates, so stray line breaks from
/// quoted Excel cells and doubled spaces are collapsed.
pub(crate) fn collapse_whitespace(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn required_text(column: &str, value: &str, reason_if_empty: &str) -> Result<String, String> {
    let value = collapse_whitespace(value);
    if value.is_empty() {
        return Err(reason_if_empty.to_string());
    }
    refuse_hidden_characters(column, &value)?;
    Ok(value)
}

/// Characters that show as nothing, or turn the text around, in a name, position or
/// unit: a zero-width space or joiner, a direction override (U+202E), the soft hyphen,
/// or the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) that render as blanks. A
/// name holding one looks like another person's name while being other bytes; found at
/// import, it is fixed at the source instead of when the official tries to sign.
fn is_hidden_in_a_name(c: char) -> bool {
    is_invisible_format(c)
        || matches!(
            c,
            '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
                | '\u{180E}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

pub(crate) fn refuse_hidden_characters(column: &str, value: &str) -> Result<(), String> {
    match value.chars().position(is_hidden_in_a_name) {
        None => Ok(()),
        Some(at) => {
            let c = value.chars().nth(at).expect("found above");
            Err(format!(
                "Kolom {column} memuat karakter tak terlihat U+{:04X} pada huruf ke-{}; ketik ulang isian itu (jangan menyalin dari dokumen atau pesan lain) lalu unggah ulang.",
                u32::from(c),
                at + 1
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "nip,name,position,rank,category,opd_code,opd_name";

    fn reason_at(parsed: &ParsedRoster, line: usize) -> &str {
        parsed
            .rejected
            .iter()
            .find(|r| r.line == line)
            .map(|r| r.reason.as_str())
            .unwrap_or_else(|| panic!("no rejection at line {line}: {parsed:#?}"))
    }

    #[test]
    fn names_with_hidden_characters_are_refused_with_their_column_and_position() {
        for (hidden, code) in [
            ("\u{200B}", "200B"),
            ("\u{200D}", "200D"),
            ("\u{202E}", "202E"),
            ("\u{3164}", "3164"),
            ("\u{115F}", "115F"),
            ("\u{00AD}", "00AD"),
            ("\u{FEFF}", "FEFF"),
        ] {
            let text = format!(
                "{HEADER}\n198001012005011001,Andi{hidden}Wijaya,Kepala,,PNS,DISDIK,Dinas Pendidikan\n"
            );
            let parsed = parse_roster(&text).unwrap();
            assert!(parsed.rows.is_empty(), "U+{code} imported");
            assert_eq!(
                reason_at(&parsed, 2),
                format!(
                    "Kolom name memuat karakter tak terlihat U+{code} pada huruf ke-5; ketik ulang isian itu (jangan menyalin dari dokumen atau pesan lain) lalu unggah ulang."
                )
            );
        }
        let text = format!(
            "{HEADER}\n198001012005011001,Andi,Kepala\u{200B}Dinas,,PNS,DISDIK,Dinas Pendidikan\n"
        );
        assert!(reason_at(&parse_roster(&text).unwrap(), 2).starts_with("Kolom position memuat"));
    }

    #[test]
    fn mixed_file_keeps_good_rows_and_rejects_bad_ones() {
        let text = [
            HEADER, // 1
            "198001012005011001,Budi Santoso,Analis Kebijakan,Penata (III/c),PNS,disdik,Dinas Pendidikan", // 2
            "1.98001E+17,Siti Aminah,Guru,,PNS,DISDIK,Dinas Pendidikan", // 3
            "199203152023212005,Rina Wati,Perawat,,PPPK,DINKES,Dinas Kesehatan", // 4
            "197902292005011001,Agus,Staf,,PNS,DISDIK,Dinas Pendidikan", // 5
            "198001012005013001,Dedi,Staf,,PNS,DISDIK,Dinas Pendidikan", // 6
            "19800101 200501 1 001,Budi S.,Analis,,PNS,DISDIK,Dinas Pendidikan", // 7
            "3273014505900001,Ani,Tenaga Administrasi,,HONORER,DISDIK,Dinas Pendidikan", // 8
            "3273014505900001,,Tenaga Administrasi,,NON_ASN,DISDIK,Dinas Pendidikan", // 9
            "3273014505900001,Ani,Tenaga Administrasi",                  // 10
            "3273014505900001,Ani,Tenaga Administrasi,,non-asn,DISDIK,Dinas Pendidikan", // 11
        ]
        .join("\n");
        let parsed = parse_roster(&text).unwrap();

        let lines: Vec<usize> = parsed.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4, 11]);
        let rejected: Vec<usize> = parsed.rejected.iter().map(|r| r.line).collect();
        assert_eq!(rejected, vec![3, 5, 6, 7, 8, 9, 10]);

        let budi = &parsed.rows[0];
        assert_eq!(budi.identifier.as_str(), "198001012005011001");
        assert_eq!(budi.name, "Budi Santoso");
        assert_eq!(budi.position, "Analis Kebijakan");
        assert_eq!(budi.rank.as_deref(), Some("Penata (III/c)"));
        assert_eq!(budi.category, Category::Pns);
        assert_eq!(budi.opd_code.as_str(), "DISDIK");
        assert_eq!(budi.opd_name, "Dinas Pendidikan");
        assert_eq!(parsed.rows[1].category, Category::Pppk);
        assert_eq!(parsed.rows[1].rank, None);
        assert_eq!(parsed.rows[2].category, Category::NonAsn);
        assert_eq!(parsed.rows[2].identifier.as_str(), "3273014505900001");

        assert!(reason_at(&parsed, 3).contains("Excel"));
        assert!(reason_at(&parsed, 5).contains("19790229 bukan tanggal yang ada"));
        assert!(reason_at(&parsed, 6).contains("Digit ke-15 NIP"));
        assert_eq!(
            reason_at(&parsed, 7),
            "NIP 198001012005011001 sudah ada di baris 2; hapus salah satu baris lalu unggah ulang."
        );
        assert!(
            reason_at(&parsed, 8).starts_with(
                "Kategori 'HONORER' tidak dikenal; isi dengan PNS, PPPK, atau NON_ASN"
            )
        );
        assert_eq!(
            reason_at(&parsed, 9),
            "Kolom name (nama pegawai) kosong; isi nama lengkap pegawai."
        );
        assert!(
            reason_at(&parsed, 10)
                .starts_with("Baris ini hanya berisi 3 kolom, padahal baris judul berisi 7 kolom")
        );
    }

    #[test]
    fn duplicate_names_the_earlier_line_and_keeps_the_first() {
        let text = format!(
            "{HEADER}\n\
             3273014505900001,Ani,Admin,,NON_ASN,DISDIK,Dinas Pendidikan\n\
             198001012005011001,Budi,Analis,,PNS,DISDIK,Dinas Pendidikan\n\
             \n\
             '198001012005011001,Budi,Analis,,PNS,DISDIK,Dinas Pendidikan\n\
             3273 0145 0590 0001,Ani,Admin,,NON_ASN,DISDIK,Dinas Pendidikan\n"
        );
        let parsed = parse_roster(&text).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[1].line, 3);
        assert_eq!(
            parsed.rejected,
            vec![
                Rejection {
                    line: 5,
                    reason: "NIP 198001012005011001 sudah ada di baris 3; hapus salah satu baris lalu unggah ulang.".into()
                },
                Rejection {
                    line: 6,
                    reason: "NIK 3273014505900001 sudah ada di baris 2; hapus salah satu baris lalu unggah ulang.".into()
                },
            ]
        );
    }

    #[test]
    fn rejected_row_does_not_block_a_later_valid_twin() {
        let text = format!(
            "{HEADER}\n\
             198001012005011001,,Analis,,PNS,DISDIK,Dinas Pendidikan\n\
             198001012005011001,Budi,Analis,,PNS,DISDIK,Dinas Pendidikan\n"
        );
        let parsed = parse_roster(&text).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].line, 3);
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].line, 2);
    }

    #[test]
    fn semicolon_file_from_indonesian_excel_with_bom_and_crlf() {
        let text = "\u{feff}NIP;Name;Position;Rank;Category;OPD_Code;OPD_Name\r\n\
                    '198001012005011001;Budi, S.Pd.;Guru Ahli Muda;Penata;PNS;DISDIK;Dinas Pendidikan, Pemuda dan Olahraga\r\n\
                    ;;;;;;\r\n\
                    199203152023212005;Rina;Perawat;;PPPK;DINKES;Dinas Kesehatan\r\n";
        let parsed = parse_roster(text).unwrap();
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].line, 2);
        assert_eq!(parsed.rows[0].name, "Budi, S.Pd.");
        assert_eq!(
            parsed.rows[0].opd_name,
            "Dinas Pendidikan, Pemuda dan Olahraga"
        );
        assert_eq!(parsed.rows[1].line, 4);
        assert_eq!(parsed.rows[1].rank, None);
    }

    #[test]
    fn header_in_other_order_and_case_with_extra_columns() {
        let text = " OPD_NAME ,Category,No,NAME,opd code,Nip,Position,Keterangan\n\
                    Dinas Kesehatan,pppk,1,Rina,dinkes,199203152023212005,Perawat,cuti\n";
        let parsed = parse_roster(text).unwrap();
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let row = &parsed.rows[0];
        assert_eq!(row.identifier.as_str(), "199203152023212005");
        assert_eq!(row.name, "Rina");
        assert_eq!(row.position, "Perawat");
        assert_eq!(row.rank, None);
        assert_eq!(row.category, Category::Pppk);
        assert_eq!(row.opd_code.as_str(), "DINKES");
        assert_eq!(row.opd_name, "Dinas Kesehatan");
    }

    #[test]
    fn missing_columns_are_all_named() {
        let err = parse_roster("nip;nama;jabatan;category\n1;2;3;4\n").unwrap_err();
        assert_eq!(
            err,
            RosterError::MissingColumns {
                line: 1,
                missing: vec!["name", "position", "opd_code", "opd_name"]
            }
        );
        assert_eq!(
            err.to_string(),
            "Baris judul (baris 1) tidak memuat kolom wajib: name, position, opd_code, opd_name. Tambahkan kolom tersebut, pastikan kolom dipisah koma atau titik koma, lalu unggah ulang."
        );
    }

    #[test]
    fn wrong_delimiter_reports_every_column_missing() {
        let err = parse_roster("nip\tname\tposition\tcategory\topd_code\topd_name\n").unwrap_err();
        assert!(
            matches!(err, RosterError::MissingColumns { ref missing, .. } if missing.len() == 6)
        );
    }

    #[test]
    fn empty_files_are_errors() {
        for text in ["", "   \n\r\n", "\u{feff}", ",,,\n , ,\n"] {
            assert_eq!(
                parse_roster(text),
                Err(RosterError::Empty),
                "input {text:?}"
            );
        }
        assert!(
            RosterError::Empty
                .to_string()
                .starts_with("Berkas daftar pegawai kosong")
        );
    }

    #[test]
    fn header_only_file_has_no_rows() {
        assert_eq!(parse_roster(HEADER), Ok(ParsedRoster::default()));
    }

    #[test]
    fn line_numbers_are_physical_lines() {
        let text = format!(
            "{HEADER}\r\n\
             \r\n\
             198001012005011001,\"Budi\nSantoso\",Analis,,PNS,DISDIK,Dinas Pendidikan\r\n\
             \r\n\
             3273014505900001,,Admin,,NON_ASN,DISDIK,Dinas Pendidikan\r\n"
        );
        let parsed = parse_roster(&text).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].line, 3);
        assert_eq!(parsed.rows[0].name, "Budi Santoso");
        assert_eq!(parsed.rejected[0].line, 6);
    }

    #[test]
    fn unquoted_delimiter_in_a_value_is_reported() {
        let text = format!(
            "{HEADER}\n198001012005011001,Budi, S.Pd.,Guru,,PNS,DISDIK,Dinas Pendidikan\n\
             198001012005011001,Budi,Guru,,PNS,DISDIK,Dinas Pendidikan,,\n"
        );
        let parsed = parse_roster(&text).unwrap();
        assert!(
            reason_at(&parsed, 2)
                .starts_with("Baris ini berisi 8 kolom, lebih banyak dari baris judul (7 kolom)")
        );
        // Trailing empty cells are Excel noise, not a shifted row.
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].line, 3);
    }

    #[test]
    fn other_field_problems_get_specific_reasons() {
        let text = format!(
            "{HEADER}\n\
             198001012005011001,Budi,,,PNS,DISDIK,Dinas Pendidikan\n\
             198001012005011001,Budi,Guru,,PNS,DINAS PENDIDIKAN,Dinas Pendidikan\n\
             198001012005011001,Budi,Guru,,PNS,DISDIK,\n\
             198001012005011001,Budi,Guru,,,DISDIK,Dinas Pendidikan\n\
             3273014505900001,Ani,Admin,,PNS,DISDIK,Dinas Pendidikan\n"
        );
        let parsed = parse_roster(&text).unwrap();
        assert!(parsed.rows.is_empty());
        assert_eq!(
            reason_at(&parsed, 2),
            "Kolom position (jabatan) kosong; isi jabatan pegawai."
        );
        assert!(reason_at(&parsed, 3).starts_with("Kode OPD 'DINAS PENDIDIKAN' memuat spasi"));
        assert!(reason_at(&parsed, 4).starts_with("Kolom opd_name (nama OPD) kosong"));
        assert_eq!(
            reason_at(&parsed, 5),
            "Kategori kosong; isi dengan PNS, PPPK, atau NON_ASN."
        );
        assert!(reason_at(&parsed, 6).contains("ubah kategorinya menjadi NON_ASN"));
    }

    #[test]
    fn rank_column_is_optional() {
        let text = "nip,name,position,category,opd_code,opd_name\n\
                    198001012005011001,Budi,Analis,PNS,DISDIK,Dinas Pendidikan\n";
        let parsed = parse_roster(text).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].rank, None);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_a_whole_file_error() {
        let mut bytes = format!("{HEADER}\n198001012005011001,Jos").into_bytes();
        bytes.push(0xE9); // 'é' in Windows-1252
        bytes.extend_from_slice(b",Analis,,PNS,DISDIK,Dinas\n");
        let err = parse_roster_bytes(&bytes).unwrap_err();
        assert_eq!(err, RosterError::NotUtf8 { line: 2 });
        assert!(err.to_string().contains("CSV UTF-8"));

        let ok = parse_roster_bytes(format!("{HEADER}\n").as_bytes());
        assert_eq!(ok, Ok(ParsedRoster::default()));
    }

    #[test]
    fn header_after_blank_lines_reports_its_own_line() {
        let err = parse_roster("\r\n\r\nnip,name\r\n").unwrap_err();
        assert!(
            matches!(err, RosterError::MissingColumns { line: 3, .. }),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("Baris judul (baris 3)"));
    }

    #[test]
    fn line_tracker_counts_every_kind_of_line_break() {
        let text = format!(
            "{HEADER}\r\r\n198001012005011001,\"Budi\r\nSantoso\",Analis,,PNS,DISDIK,Dinas\r\
             ,,,,,,\r\n\n3273014505900001,,Admin,,NON_ASN,DISDIK,Dinas\n"
        );
        // line 1 header, 2 empty (lone CR), 3-4 Budi, 5 ",,,", 6 empty, 7 Ani
        let parsed = parse_roster(&text).unwrap();
        assert_eq!(parsed.rows[0].line, 3);
        assert_eq!(parsed.rejected[0].line, 7);
    }

    #[test]
    fn rejection_serialises_for_the_api() {
        let json = serde_json::to_string(&Rejection {
            line: 4,
            reason: "x".into(),
        })
        .unwrap();
        assert_eq!(json, r#"{"line":4,"reason":"x"}"#);
    }
}
