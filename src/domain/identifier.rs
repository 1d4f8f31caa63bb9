//! Identifiers of the people and offices in the registry: the employee
//! category (PNS, PPPK, Non-ASN), the personal number (18-digit NIP / NI PPPK
//! or 16-digit NIK) and the OPD (regional office) code.
//!
//! Every type here can only be constructed through a parser, so any value the
//! rest of the crate holds is already known to be well formed. The parsers
//! are deliberately forgiving about the ways clerks and spreadsheets mangle
//! numbers (spaces, Excel's text apostrophe) and deliberately strict about
//! the embedded birth date and gender digit, because those catch typos that
//! would otherwise attach a pledge to the wrong person.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const NIP_LEN: usize = 18;
const NIK_LEN: usize = 16;
/// Older or younger birth years in a NIP are practically always a typo in
/// the year digits rather than a real civil servant.
const NIP_BIRTH_YEARS: RangeInclusive<u32> = 1930..=2015;
const OPD_CODE_MAX_LEN: usize = 32;
/// Offending values are echoed back in messages; a whole pasted paragraph
/// would drown the actual hint, so long values are shortened.
const SHOWN_MAX_CHARS: usize = 40;

/// Employment category; it decides which personal number a person carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Pns,
    Pppk,
    NonAsn,
}

impl Category {
    /// Accepts the spellings clerks actually type; "NON ASN" with a space is
    /// accepted too because that is how the category is written in prose.
    pub fn parse(raw: &str) -> Result<Category, IdentifierError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(IdentifierError::CategoryEmpty);
        }
        match trimmed.to_ascii_uppercase().as_str() {
            "PNS" => Ok(Category::Pns),
            "PPPK" => Ok(Category::Pppk),
            "NON_ASN" | "NON-ASN" | "NONASN" | "NON ASN" => Ok(Category::NonAsn),
            _ => Err(IdentifierError::UnknownCategory {
                value: shown(trimmed),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pns => "PNS",
            Category::Pppk => "PPPK",
            Category::NonAsn => "NON_ASN",
        }
    }
}

impl FromStr for Category {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::parse(s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which personal number a message is talking about, so that the clerk is
/// told the name of the number they actually typed and where to look it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    /// NIP of a PNS (also used when an 18-digit number arrives without a category).
    Nip,
    /// NI PPPK of a contract civil servant.
    NiPppk,
    /// NIK (population number) of a Non-ASN worker.
    Nik,
    /// Category unknown and the length does not tell yet.
    NipOrNik,
}

impl IdentifierKind {
    pub fn for_category(category: Category) -> IdentifierKind {
        match category {
            Category::Pns => IdentifierKind::Nip,
            Category::Pppk => IdentifierKind::NiPppk,
            Category::NonAsn => IdentifierKind::Nik,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Nip => "NIP",
            IdentifierKind::NiPppk => "NI PPPK",
            IdentifierKind::Nik => "NIK",
            IdentifierKind::NipOrNik => "NIP/NIK",
        }
    }

    /// Where the correct number can be found, used as "periksa kembali ...".
    fn source(self) -> &'static str {
        match self {
            IdentifierKind::Nip => "NIP pada data kepegawaian",
            IdentifierKind::NiPppk => "NI PPPK pada data kepegawaian",
            IdentifierKind::Nik => "NIK pada KTP atau Kartu Keluarga",
            IdentifierKind::NipOrNik => "NIP (18 digit) atau NIK (16 digit) pegawai",
        }
    }

    /// What to type into an empty field.
    fn fill_hint(self) -> &'static str {
        match self {
            IdentifierKind::Nip => "NIP 18 digit sesuai data kepegawaian",
            IdentifierKind::NiPppk => "NI PPPK 18 digit sesuai data kepegawaian",
            IdentifierKind::Nik => "NIK 16 digit sesuai KTP atau Kartu Keluarga",
            IdentifierKind::NipOrNik => "NIP (18 digit) atau NIK (16 digit) pegawai",
        }
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a category, personal number or OPD code was refused. Every message is
/// addressed to a BKPSDM clerk: it names the bad value and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("Kategori kosong; isi dengan PNS, PPPK, atau NON_ASN.")]
    CategoryEmpty,

    #[error(
        "Kategori '{value}' tidak dikenal; isi dengan PNS, PPPK, atau NON_ASN (NON_ASN untuk tenaga honorer atau kontrak)."
    )]
    UnknownCategory { value: String },

    #[error("{kind} kosong; isi dengan {}.", kind.fill_hint())]
    Empty { kind: IdentifierKind },

    #[error(
        "Excel telah mengubah {kind} '{value}' menjadi angka sehingga digitnya rusak; format kolom {kind} sebagai Teks (Text), ketik ulang nomornya, lalu ekspor kembali."
    )]
    ExcelNumber { kind: IdentifierKind, value: String },

    #[error(
        "{kind} hanya boleh berisi angka, tetapi '{value}' memuat {}. Hapus karakter itu lalu periksa kembali {}.",
        describe_char(*found),
        kind.source()
    )]
    NotDigits {
        kind: IdentifierKind,
        value: String,
        found: char,
    },

    #[error(
        "{kind} harus {expected} digit angka; yang tertulis {actual} digit ({value}). {}",
        length_advice(*kind, *actual)
    )]
    WrongLength {
        kind: IdentifierKind,
        expected: usize,
        actual: usize,
        value: String,
    },

    #[error(
        "Nomor harus 18 digit (NIP/NI PPPK) atau 16 digit (NIK); yang tertulis {actual} digit ({value}). Periksa kembali nomor yang dimasukkan."
    )]
    UnrecognisedLength { actual: usize, value: String },

    #[error(
        "Digit 1–4 {kind} {value} adalah tahun lahir dan harus antara 1930 dan 2015, tetapi tertulis {year:04}. Periksa kembali {}.",
        kind.source()
    )]
    BirthYearOutOfRange {
        kind: IdentifierKind,
        value: String,
        year: u32,
    },

    #[error(
        "Digit 1–8 {kind} {value} adalah tanggal lahir (tahun, bulan, tanggal), tetapi {date} bukan tanggal yang ada. Periksa kembali {}.",
        kind.source()
    )]
    BirthDateInvalid {
        kind: IdentifierKind,
        value: String,
        date: String,
    },

    #[error(
        "Digit ke-15 {kind} {value} adalah kode jenis kelamin dan harus 1 (laki-laki) atau 2 (perempuan), tetapi tertulis {digit}. Periksa kembali {}.",
        kind.source()
    )]
    GenderDigitInvalid {
        kind: IdentifierKind,
        value: String,
        digit: char,
    },

    #[error(
        "Digit 7–8 NIK {value} adalah tanggal lahir dan harus 01–31 (atau 41–71 untuk perempuan), tetapi tertulis {day}. Periksa kembali NIK pada KTP atau Kartu Keluarga."
    )]
    NikDayInvalid { value: String, day: String },

    #[error(
        "Digit 9–10 NIK {value} adalah bulan lahir dan harus 01–12, tetapi tertulis {month}. Periksa kembali NIK pada KTP atau Kartu Keluarga."
    )]
    NikMonthInvalid { value: String, month: String },

    #[error(
        "Digit 7–12 NIK {value} adalah tanggal lahir (tanggal, bulan, tahun; tanggal ditambah 40 untuk perempuan), tetapi {date} bukan tanggal yang ada. Periksa kembali NIK pada KTP atau Kartu Keluarga."
    )]
    NikDateInvalid { value: String, date: String },

    #[error("Kode OPD kosong; isi dengan kode OPD dari daftar perangkat daerah.")]
    OpdEmpty,

    #[error(
        "Kode OPD '{value}' memuat {} yang tidak diperbolehkan; gunakan hanya huruf A–Z, angka 0–9, titik (.), tanda hubung (-), atau garis bawah (_).",
        describe_char(*found)
    )]
    OpdInvalidChar { value: String, found: char },

    #[error(
        "Kode OPD '{value}' terlalu panjang ({len} karakter, maksimal 32); gunakan kode singkat dari daftar perangkat daerah."
    )]
    OpdTooLong { value: String, len: usize },
}

/// A 16-digit number under a PNS/PPPK category (or 18 digits under NON_ASN)
/// is almost always a category mix-up rather than a mistyped number, so the
/// clerk is pointed at the category column instead of the number.
fn length_advice(kind: IdentifierKind, actual: usize) -> String {
    match (kind, actual) {
        (IdentifierKind::Nip | IdentifierKind::NiPppk, NIK_LEN) => format!(
            "Jika ini NIK pegawai Non-ASN, ubah kategorinya menjadi NON_ASN; jika bukan, periksa kembali {}.",
            kind.source()
        ),
        (IdentifierKind::Nik, NIP_LEN) => format!(
            "Jika ini NIP/NI PPPK, ubah kategorinya menjadi PNS atau PPPK; jika bukan, periksa kembali {}.",
            kind.source()
        ),
        _ => format!("Periksa kembali {}.", kind.source()),
    }
}

/// Invisible characters would otherwise show up as an empty pair of quotes.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "spasi".to_string(),
        c if c.is_whitespace() || c.is_control() => {
            format!("karakter tak terlihat (U+{:04X})", u32::from(c))
        }
        c => format!("karakter '{c}'"),
    }
}

fn shown(value: &str) -> String {
    if value.chars().count() <= SHOWN_MAX_CHARS {
        value.to_string()
    } else {
        let head: String = value.chars().take(SHOWN_MAX_CHARS).collect();
        format!("{head}…")
    }
}

/// A personal number: an 18-digit NIP / NI PPPK or a 16-digit NIK. The inner
/// string only ever holds ASCII digits of one of those two lengths.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(String);

impl Identifier {
    /// For PNS and PPPK the value must be an 18-digit NIP / NI PPPK; for NonAsn a 16-digit NIK.
    pub fn parse(category: Category, raw: &str) -> Result<Identifier, IdentifierError> {
        let kind = IdentifierKind::for_category(category);
        let value = digits_only(kind, raw)?;
        match category {
            Category::Pns | Category::Pppk => check_nip(kind, value),
            Category::NonAsn => check_nik(value),
        }
    }

    /// When the category is unknown (API lookups by "nip"): 18 digits -> NIP rules, 16 -> NIK rules, otherwise error.
    pub fn parse_any(raw: &str) -> Result<Identifier, IdentifierError> {
        let value = digits_only(IdentifierKind::NipOrNik, raw)?;
        match value.len() {
            NIP_LEN => check_nip(IdentifierKind::Nip, value),
            NIK_LEN => check_nik(value),
            actual => Err(IdentifierError::UnrecognisedLength {
                actual,
                value: shown(&value),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Spaces are how NIPs are printed on SK letters ("19800101 200501 1 001"),
/// a leading apostrophe is how Excel marks a cell as text, and non-breaking
/// or zero-width spaces come along when numbers are copied from PDFs and
/// chat apps; none of them change which number was meant.
fn normalise(raw: &str) -> String {
    let trimmed = raw.trim();
    let unquoted = trimmed.strip_prefix(['\'', '\u{2019}']).unwrap_or(trimmed);
    unquoted
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '\u{200B}' || *c == '\u{FEFF}'))
        .collect()
}

/// Normalises and makes sure only ASCII digits remain, recognising Excel's
/// number formatting first because its digits are already lost and the
/// generic "letters not allowed" message would send the clerk the wrong way.
fn digits_only(kind: IdentifierKind, raw: &str) -> Result<String, IdentifierError> {
    let value = normalise(raw);
    if value.is_empty() {
        return Err(IdentifierError::Empty { kind });
    }
    if looks_like_excel_number(&value) {
        return Err(IdentifierError::ExcelNumber {
            kind,
            value: shown(raw.trim()),
        });
    }
    if let Some(found) = value.chars().find(|c| !c.is_ascii_digit()) {
        return Err(IdentifierError::NotDigits {
            kind,
            value: shown(&value),
            found,
        });
    }
    Ok(value)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Digits with exactly one decimal separator; Indonesian-locale Excel uses a
/// comma where English-locale Excel uses a point.
fn is_decimal(s: &str) -> bool {
    match s.split_once(['.', ',']) {
        Some((int, frac)) => is_digits(int) && is_digits(frac),
        None => false,
    }
}

/// "198.001.012.005.011.001": the cell got a thousands-separator number format.
fn is_thousands_grouped(s: &str) -> bool {
    [',', '.'].iter().any(|&sep| {
        let mut groups = s.split(sep);
        let first_ok = groups.next().is_some_and(|g| is_digits(g) && g.len() <= 3);
        let rest: Vec<&str> = groups.collect();
        first_ok && !rest.is_empty() && rest.iter().all(|g| is_digits(g) && g.len() == 3)
    })
}

/// Excel stores long digit strings as floating-point numbers, which keep only
/// 15 significant digits and are shown in scientific notation or with a
/// decimal part; no valid identifier ever looks like this.
fn looks_like_excel_number(s: &str) -> bool {
    if let Some((mantissa, exponent)) = s.split_once(['e', 'E']) {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        return is_digits(exponent) && (is_digits(mantissa) || is_decimal(mantissa));
    }
    is_decimal(s) || is_thousands_grouped(s)
}

/// Only called on strings already known to be ASCII digits.
fn number(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

fn is_leap_year(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> Option<u32> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if is_leap_year(year) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

fn is_real_date(year: u32, month: u32, day: u32) -> bool {
    days_in_month(year, month).is_some_and(|last| (1..=last).contains(&day))
}

/// NIP / NI PPPK layout: YYYYMMDD birth date, six opaque digits (CPNS start
/// for PNS), one gender digit, three opaque serial digits.
fn check_nip(kind: IdentifierKind, value: String) -> Result<Identifier, IdentifierError> {
    if value.len() != NIP_LEN {
        return Err(IdentifierError::WrongLength {
            kind,
            expected: NIP_LEN,
            actual: value.len(),
            value: shown(&value),
        });
    }
    let year = number(&value[0..4]);
    if !NIP_BIRTH_YEARS.contains(&year) {
        return Err(IdentifierError::BirthYearOutOfRange { kind, value, year });
    }
    if !is_real_date(year, number(&value[4..6]), number(&value[6..8])) {
        return Err(IdentifierError::BirthDateInvalid {
            kind,
            date: value[0..8].to_string(),
            value,
        });
    }
    let gender = char::from(value.as_bytes()[14]);
    if gender != '1' && gender != '2' {
        return Err(IdentifierError::GenderDigitInvalid {
            kind,
            value,
            digit: gender,
        });
    }
    Ok(Identifier(value))
}

/// NIK layout: six region digits, DDMMYY birth date (day + 40 for women),
/// four serial digits. The century is not encoded, so a date is accepted if
/// it exists in either 19YY or 20YY.
fn check_nik(value: String) -> Result<Identifier, IdentifierError> {
    if value.len() != NIK_LEN {
        return Err(IdentifierError::WrongLength {
            kind: IdentifierKind::Nik,
            expected: NIK_LEN,
            actual: value.len(),
            value: shown(&value),
        });
    }
    let coded_day = number(&value[6..8]);
    let day = match coded_day {
        1..=31 => coded_day,
        41..=71 => coded_day - 40,
        _ => {
            return Err(IdentifierError::NikDayInvalid {
                day: value[6..8].to_string(),
                value,
            });
        }
    };
    let month = number(&value[8..10]);
    if !(1..=12).contains(&month) {
        return Err(IdentifierError::NikMonthInvalid {
            month: value[8..10].to_string(),
            value,
        });
    }
    let yy = number(&value[10..12]);
    if !is_real_date(1900 + yy, month, day) && !is_real_date(2000 + yy, month, day) {
        return Err(IdentifierError::NikDateInvalid {
            date: value[6..12].to_string(),
            value,
        });
    }
    Ok(Identifier(value))
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Identifier {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Identifier::parse_any(s)
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Goes through the parser so that stored or submitted data can never smuggle
/// in an identifier the parser would have refused.
impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Identifier::parse_any(&raw).map_err(serde::de::Error::custom)
    }
}

/// Code of an OPD (Organisasi Perangkat Daerah, a regional government
/// office). Stored uppercased so "disdik" and "DISDIK" are the same office.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpdCode(String);

impl OpdCode {
    pub fn parse(raw: &str) -> Result<OpdCode, IdentifierError> {
        // ASCII-only uppercasing: full Unicode uppercasing would turn 'ß'
        // into the valid "SS" instead of rejecting it.
        let value = raw.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err(IdentifierError::OpdEmpty);
        }
        if let Some(found) = value.chars().find(|c| {
            !(c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        }) {
            return Err(IdentifierError::OpdInvalidChar {
                value: shown(&value),
                found,
            });
        }
        if value.len() > OPD_CODE_MAX_LEN {
            return Err(IdentifierError::OpdTooLong {
                len: value.len(),
                value: shown(&value),
            });
        }
        Ok(OpdCode(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OpdCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OpdCode {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OpdCode::parse(s)
    }
}

impl Serialize for OpdCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OpdCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        OpdCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNS_NIP: &str = "198001012005011001";

    fn nip(raw: &str) -> Result<Identifier, IdentifierError> {
        Identifier::parse(Category::Pns, raw)
    }

    fn nik(raw: &str) -> Result<Identifier, IdentifierError> {
        Identifier::parse(Category::NonAsn, raw)
    }

    #[test]
    fn category_accepts_known_spellings() {
        let cases = [
            ("PNS", Category::Pns),
            (" pns ", Category::Pns),
            ("Pppk", Category::Pppk),
            ("NON_ASN", Category::NonAsn),
            ("non-asn", Category::NonAsn),
            ("NonAsn", Category::NonAsn),
            ("Non ASN", Category::NonAsn),
        ];
        for (raw, expected) in cases {
            assert_eq!(Category::parse(raw), Ok(expected), "input {raw:?}");
            assert_eq!(raw.parse::<Category>(), Ok(expected), "input {raw:?}");
        }
    }

    #[test]
    fn category_round_trips_through_as_str() {
        for category in [Category::Pns, Category::Pppk, Category::NonAsn] {
            assert_eq!(Category::parse(category.as_str()), Ok(category));
            assert_eq!(category.to_string(), category.as_str());
        }
        assert_eq!(Category::NonAsn.as_str(), "NON_ASN");
    }

    #[test]
    fn category_rejects_unknown_and_empty() {
        let err = Category::parse(" HONORER ").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::UnknownCategory {
                value: "HONORER".into()
            }
        );
        assert!(
            err.to_string().starts_with(
                "Kategori 'HONORER' tidak dikenal; isi dengan PNS, PPPK, atau NON_ASN"
            )
        );
        assert_eq!(Category::parse("  "), Err(IdentifierError::CategoryEmpty));
        assert!(Category::parse("ASN").is_err());
        assert!(Category::parse("NON__ASN").is_err());
    }

    #[test]
    fn valid_nips_are_accepted() {
        let cases = [
            (Category::Pns, PNS_NIP),
            (Category::Pns, "198002292005012002"), // 1980 is a leap year
            (Category::Pns, "200002292020011001"), // 2000 is a leap year
            (Category::Pns, "193001012005011001"), // lowest accepted birth year
            (Category::Pns, "201512312035121001"), // highest accepted birth year
            (Category::Pppk, "199203152023212005"),
            (Category::Pns, "198001019999991999"), // middle and serial are opaque
        ];
        for (category, raw) in cases {
            let id = Identifier::parse(category, raw)
                .unwrap_or_else(|e| panic!("{raw} should be valid: {e}"));
            assert_eq!(id.as_str(), raw);
        }
    }

    #[test]
    fn nip_normalisation_removes_spaces_and_excel_apostrophe() {
        let cases = [
            "19800101 200501 1 001",
            "'198001012005011001",
            "  '19800101 200501 1 001  ",
            "\u{2019}198001012005011001",
            "19800101\u{a0}200501\u{a0}1\u{a0}001",
            "19800101\t200501 1 001\r\n",
        ];
        for raw in cases {
            assert_eq!(
                nip(raw).map(|id| id.to_string()),
                Ok(PNS_NIP.to_string()),
                "input {raw:?}"
            );
        }
    }

    #[test]
    fn only_one_leading_apostrophe_is_stripped() {
        assert!(matches!(
            nip("''198001012005011001"),
            Err(IdentifierError::NotDigits { found: '\'', .. })
        ));
    }

    #[test]
    fn excel_number_forms_get_the_excel_message() {
        let cases = [
            "1.97E+17",
            "1,97E+17",
            "1.98001012005011E+17",
            "1.97e17",
            "2E+17",
            "1,98001E-05",
            "198001012005011001.0",
            "198001012005011001,0",
            "198.001.012.005.011.001",
            "198,001,012,005,011,001",
            " '1.97E+17 ",
        ];
        for raw in cases {
            let err = nip(raw).unwrap_err();
            assert!(
                matches!(
                    err,
                    IdentifierError::ExcelNumber {
                        kind: IdentifierKind::Nip,
                        ..
                    }
                ),
                "input {raw:?} gave {err:?}"
            );
            let msg = err.to_string();
            assert!(msg.contains("Excel"), "{msg}");
            assert!(msg.contains("Teks"), "{msg}");
            assert!(msg.contains("ekspor kembali"), "{msg}");
        }
        assert_eq!(
            nip("1.97E+17").unwrap_err(),
            IdentifierError::ExcelNumber {
                kind: IdentifierKind::Nip,
                value: "1.97E+17".into()
            }
        );
        assert!(matches!(
            nik("3,27301E+15"),
            Err(IdentifierError::ExcelNumber {
                kind: IdentifierKind::Nik,
                ..
            })
        ));
        assert!(matches!(
            Identifier::parse_any("1.97E+17"),
            Err(IdentifierError::ExcelNumber {
                kind: IdentifierKind::NipOrNik,
                ..
            })
        ));
    }

    #[test]
    fn separators_that_are_not_excel_formats_are_reported_as_non_digits() {
        assert!(matches!(
            nip("19800101-200501-1-001"),
            Err(IdentifierError::NotDigits { found: '-', .. })
        ));
        assert!(matches!(
            nip("19800101.200501.1.001"),
            Err(IdentifierError::NotDigits { found: '.', .. })
        ));
        assert!(matches!(
            nip("E17"),
            Err(IdentifierError::NotDigits { found: 'E', .. })
        ));
    }

    #[test]
    fn wrong_nip_length_names_the_digit_count() {
        let err = nip("19800101200501100").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::WrongLength {
                kind: IdentifierKind::Nip,
                expected: 18,
                actual: 17,
                value: "19800101200501100".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "NIP harus 18 digit angka; yang tertulis 17 digit (19800101200501100). Periksa kembali NIP pada data kepegawaian."
        );
        assert!(matches!(
            nip("1980010120050110011"),
            Err(IdentifierError::WrongLength { actual: 19, .. })
        ));
        let pppk = Identifier::parse(Category::Pppk, "1992031520232120").unwrap_err();
        assert!(pppk.to_string().starts_with("NI PPPK harus 18 digit angka"));
    }

    #[test]
    fn nik_under_pns_category_points_at_category_column() {
        let msg = nip("3273014505900001").unwrap_err().to_string();
        assert!(msg.contains("yang tertulis 16 digit"), "{msg}");
        assert!(msg.contains("ubah kategorinya menjadi NON_ASN"), "{msg}");

        let msg = nik(PNS_NIP).unwrap_err().to_string();
        assert!(
            msg.starts_with("NIK harus 16 digit angka; yang tertulis 18 digit"),
            "{msg}"
        );
        assert!(
            msg.contains("ubah kategorinya menjadi PNS atau PPPK"),
            "{msg}"
        );
    }

    #[test]
    fn letters_are_rejected_with_the_offending_character() {
        let err = nip("1980010120050110O1").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::NotDigits {
                kind: IdentifierKind::Nip,
                value: "1980010120050110O1".into(),
                found: 'O'
            }
        );
        assert!(err.to_string().contains("memuat karakter 'O'"));
        // Full-width digits look like digits but are not ASCII.
        assert!(matches!(
            nip("１９８００１０１２００５０１１００１"),
            Err(IdentifierError::NotDigits { found: '１', .. })
        ));
    }

    #[test]
    fn empty_identifier_is_rejected() {
        assert_eq!(
            nip("   "),
            Err(IdentifierError::Empty {
                kind: IdentifierKind::Nip
            })
        );
        assert_eq!(
            nip("'"),
            Err(IdentifierError::Empty {
                kind: IdentifierKind::Nip
            })
        );
        assert_eq!(
            nik("").unwrap_err().to_string(),
            "NIK kosong; isi dengan NIK 16 digit sesuai KTP atau Kartu Keluarga."
        );
    }

    #[test]
    fn nip_birth_date_must_exist() {
        let cases = [
            ("197902292005011001", "19790229"), // 1979 is not a leap year
            ("198013012005011001", "19801301"),
            ("198000012005011001", "19800001"),
            ("198001002005011001", "19800100"),
            ("198004312005011001", "19800431"),
        ];
        for (raw, date) in cases {
            assert_eq!(
                nip(raw),
                Err(IdentifierError::BirthDateInvalid {
                    kind: IdentifierKind::Nip,
                    value: raw.into(),
                    date: date.into()
                }),
                "input {raw}"
            );
        }
        let msg = nip("197902292005011001").unwrap_err().to_string();
        assert!(msg.contains("Digit 1–8 NIP 197902292005011001"), "{msg}");
        assert!(msg.contains("19790229 bukan tanggal yang ada"), "{msg}");
    }

    #[test]
    fn nip_birth_year_must_be_plausible() {
        for (raw, year) in [
            ("192912312005011001", 1929),
            ("201601012035011001", 2016),
            ("000001012005011001", 0),
        ] {
            assert!(
                matches!(nip(raw), Err(IdentifierError::BirthYearOutOfRange { year: y, .. }) if y == year),
                "input {raw}"
            );
        }
        let msg = nip("000001012005011001").unwrap_err().to_string();
        assert!(msg.contains("tertulis 0000"), "{msg}");
    }

    #[test]
    fn nip_gender_digit_must_be_one_or_two() {
        for digit in ['0', '3', '9'] {
            let raw = format!("19800101200501{digit}001");
            assert_eq!(
                nip(&raw),
                Err(IdentifierError::GenderDigitInvalid {
                    kind: IdentifierKind::Nip,
                    value: raw.clone(),
                    digit
                })
            );
        }
        let msg = Identifier::parse(Category::Pppk, "199203152023213005")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("Digit ke-15 NI PPPK 199203152023213005"),
            "{msg}"
        );
        assert!(msg.contains("tertulis 3"), "{msg}");
    }

    #[test]
    fn valid_niks_are_accepted() {
        let cases = [
            "3273010101800002", // man, 1 Jan 1980
            "3273014505900001", // woman, day 05 + 40
            "3273017112990001", // woman, 31 Dec
            "3273012902000001", // 29 Feb 2000
            "3273016902000001", // woman, 29 Feb 2000
            "3273012902960001", // 29 Feb 1996
            "3273013112150001",
        ];
        for raw in cases {
            assert_eq!(
                nik(raw).map(|id| id.to_string()),
                Ok(raw.to_string()),
                "input {raw}"
            );
        }
        assert!(nik("3273 0145 0590 0001").is_ok());
    }

    #[test]
    fn nik_day_month_and_date_are_checked() {
        let bad_day = ["00", "32", "40", "72", "99"];
        for day in bad_day {
            let raw = format!("327301{day}05900001");
            assert_eq!(
                nik(&raw),
                Err(IdentifierError::NikDayInvalid {
                    value: raw.clone(),
                    day: day.into()
                })
            );
        }
        for month in ["00", "13"] {
            let raw = format!("32730101{month}900001");
            assert_eq!(
                nik(&raw),
                Err(IdentifierError::NikMonthInvalid {
                    value: raw.clone(),
                    month: month.into()
                })
            );
        }
        for date in ["290201", "690201", "300200", "310490", "710490"] {
            let raw = format!("327301{date}0001");
            assert_eq!(
                nik(&raw),
                Err(IdentifierError::NikDateInvalid {
                    value: raw.clone(),
                    date: date.into()
                }),
                "input {raw}"
            );
        }
        let msg = nik("3273013202900001").unwrap_err().to_string();
        assert!(msg.contains("41–71 untuk perempuan"), "{msg}");
        assert!(msg.contains("tertulis 32"), "{msg}");
    }

    #[test]
    fn nik_other_digits_are_opaque() {
        assert!(nik("0000000101000000").is_ok());
    }

    #[test]
    fn parse_any_picks_rules_by_length() {
        assert_eq!(Identifier::parse_any(PNS_NIP).unwrap().as_str(), PNS_NIP);
        assert_eq!(
            Identifier::parse_any("3273014505900001").unwrap().as_str(),
            "3273014505900001"
        );
        assert!(matches!(
            Identifier::parse_any("197902292005011001"),
            Err(IdentifierError::BirthDateInvalid {
                kind: IdentifierKind::Nip,
                ..
            })
        ));
        assert!(matches!(
            Identifier::parse_any("3273013202900001"),
            Err(IdentifierError::NikDayInvalid { .. })
        ));
        let err = Identifier::parse_any("12345").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::UnrecognisedLength {
                actual: 5,
                value: "12345".into()
            }
        );
        assert!(
            err.to_string()
                .contains("18 digit (NIP/NI PPPK) atau 16 digit (NIK)")
        );
        assert!(matches!(
            Identifier::parse_any("ABC"),
            Err(IdentifierError::NotDigits {
                kind: IdentifierKind::NipOrNik,
                found: 'A',
                ..
            })
        ));
        assert_eq!(
            "19800101 200501 1 001"
                .parse::<Identifier>()
                .unwrap()
                .as_str(),
            PNS_NIP
        );
    }

    #[test]
    fn long_garbage_is_shortened_in_messages() {
        let raw = "1".repeat(500);
        let msg = nip(&raw).unwrap_err().to_string();
        assert!(msg.contains("yang tertulis 500 digit"), "{msg}");
        assert!(msg.chars().count() < 250, "{msg}");
        assert!(msg.contains('…'));
    }

    #[test]
    fn identifier_serde_round_trip_and_rejection() {
        let id = nip(PNS_NIP).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{PNS_NIP}\""));
        let back: Identifier = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);

        let bad = serde_json::from_str::<Identifier>("\"197902292005011001\"").unwrap_err();
        assert!(bad.to_string().contains("bukan tanggal yang ada"), "{bad}");
        assert!(serde_json::from_str::<Identifier>("198001012005011001").is_err());
    }

    #[test]
    fn opd_code_is_trimmed_and_uppercased() {
        for (raw, expected) in [
            (" disdik ", "DISDIK"),
            ("1.02.01", "1.02.01"),
            ("bkpsdm-kab_bdg", "BKPSDM-KAB_BDG"),
            (&"A".repeat(32), &"A".repeat(32)),
        ] {
            let code = OpdCode::parse(raw).unwrap();
            assert_eq!(code.as_str(), expected);
            assert_eq!(code.to_string(), expected);
            assert_eq!(raw.parse::<OpdCode>().unwrap(), code);
        }
    }

    #[test]
    fn opd_code_rejects_bad_values() {
        assert_eq!(OpdCode::parse("  "), Err(IdentifierError::OpdEmpty));
        let err = OpdCode::parse("DINAS PENDIDIKAN").unwrap_err();
        assert_eq!(
            err,
            IdentifierError::OpdInvalidChar {
                value: "DINAS PENDIDIKAN".into(),
                found: ' '
            }
        );
        assert!(err.to_string().contains("memuat spasi"), "{err}");
        assert!(matches!(
            OpdCode::parse("straße"),
            Err(IdentifierError::OpdInvalidChar { found: 'ß', .. })
        ));
        assert!(matches!(
            OpdCode::parse("DISDIK/2"),
            Err(IdentifierError::OpdInvalidChar { found: '/', .. })
        ));
        assert_eq!(
            OpdCode::parse(&"A".repeat(33)),
            Err(IdentifierError::OpdTooLong {
                value: "A".repeat(33),
                len: 33
            })
        );
    }

    #[test]
    fn opd_code_serde_goes_through_parser() {
        let code: OpdCode = serde_json::from_str("\"disdik\"").unwrap();
        assert_eq!(code.as_str(), "DISDIK");
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"DISDIK\"");
        assert!(serde_json::from_str::<OpdCode>("\"DINAS PENDIDIKAN\"").is_err());
    }
}
