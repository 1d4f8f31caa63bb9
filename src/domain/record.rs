//! The line-oriented text form shared by every signed or hashed document in Pakta:
//! fixed header lines, then `name: value` lines in a fixed order, each ending in LF.
//!
//! One strict reader and one writer serve statements, enrollment messages and registry
//! entries, so "the bytes that were signed" and "the bytes we parse" can never drift
//! apart: a document is accepted only if writing back what was read gives the same bytes.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};

/// Why a document is not in the expected form. `line` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("baris {line}: seharusnya '{expected}', yang tertulis '{found}'")]
    Unexpected {
        line: usize,
        expected: String,
        found: String,
    },
    #[error("dokumen berakhir sebelum baris '{expected}'")]
    Truncated { expected: String },
    #[error("baris {line}: ada teks tambahan setelah akhir dokumen")]
    TrailingData { line: usize },
    #[error("dokumen harus diakhiri satu karakter baris baru (LF) dan tidak memuat CR")]
    BadLineEndings,
    #[error("baris {line}: nilai '{field}' tidak valid: {reason}")]
    BadValue {
        line: usize,
        field: String,
        reason: String,
    },
}

/// Writes a document. Values are checked so that every written document can be read back.
#[derive(Default)]
pub struct RecordWriter {
    out: String,
}

impl RecordWriter {
    pub fn new(header: &[&str]) -> RecordWriter {
        let mut w = RecordWriter::default();
        for line in header {
            w.out.push_str(line);
            w.out.push('\n');
        }
        w
    }

    /// Callers make sure values are single-line, non-empty and untrimmed-free (see
    /// [`clean_value`]); a violation here is a programming error, not user input.
    pub fn field(mut self, name: &str, value: impl AsRef<str>) -> RecordWriter {
        let value = value.as_ref();
        debug_assert!(clean_value(value).is_ok(), "{name}: {value:?}");
        self.out.push_str(name);
        self.out.push_str(": ");
        self.out.push_str(value);
        self.out.push('\n');
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// The rule for any value that goes into a document: one line, no control characters,
/// no leading or trailing spaces (the format forbids trailing spaces), not empty.
pub fn clean_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("tidak boleh kosong".into());
    }
    if value.chars().any(char::is_control) {
        return Err("tidak boleh memuat baris baru atau karakter kendali".into());
    }
    if let Some(c) = value.chars().find(|c| is_invisible_format(*c)) {
        return Err(format!(
            "memuat karakter tak terlihat U+{:04X}; ketik ulang nilainya tanpa menyalin dari dokumen lain",
            u32::from(c)
        ));
    }
    if value.trim() != value {
        return Err("tidak boleh diawali atau diakhiri spasi".into());
    }
    Ok(())
}

/// Characters that change how text is shown without being seen (zero-width spaces and
/// joiners, direction overrides, the byte order mark, the soft hyphen). In a signed name
/// or title they could make two different byte strings look the same to a reader.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

/// Reads a document line by line, in order.
pub struct RecordReader<'a> {
    lines: std::iter::Enumerate<std::str::Split<'a, char>>,
}

impl<'a> RecordReader<'a> {
    pub fn new(text: &'a str, header: &[&str]) -> Result<RecordReader<'a>, RecordError> {
        if !text.ends_with('\n') || text.contains('\r') {
            return Err(RecordError::BadLineEndings);
        }
        let body = &text[..text.len() - 1];
        let mut reader = RecordReader {
            lines: body.split('\n').enumerate(),
        };
        for expected in header {
            let (line, found) = reader.next_line(expected)?;
            if found != *expected {
                return Err(RecordError::Unexpected {
                    line,
                    expected: expected.to_string(),
                    found: found.to_string(),
                });
            }
        }
        Ok(reader)
    }

    fn next_line(&mut self, expected: &str) -> Result<(usize, &'a str), RecordError> {
        self.lines
            .next()
            .map(|(i, l)| (i + 1, l))
            .ok_or_else(|| RecordError::Truncated {
                expected: expected.to_string(),
            })
    }

    /// The value of the next line, which must be `name: value`.
    pub fn field(&mut self, name: &str) -> Result<(usize, &'a str), RecordError> {
        let (line, found) = self.next_line(&format!("{name}: …"))?;
        let value = found
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(": "))
            .ok_or_else(|| RecordError::Unexpected {
                line,
                expected: format!("{name}: …"),
                found: found.to_string(),
            })?;
        clean_value(value).map_err(|reason| RecordError::BadValue {
            line,
            field: name.to_string(),
            reason,
        })?;
        Ok((line, value))
    }

    /// The next field, converted; a conversion failure names the line and field.
    pub fn parse<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        convert: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, RecordError> {
        let (line, value) = self.field(name)?;
        convert(value).map_err(|e| RecordError::BadValue {
            line,
            field: name.to_string(),
            reason: e.to_string(),
        })
    }

    pub fn text(&mut self, name: &str) -> Result<String, RecordError> {
        self.field(name).map(|(_, v)| v.to_string())
    }

    /// Whether every line has been read: lets a format end with a field that only some
    /// documents carry (the `campaign` of `ceremony.opened`, FORMATS §7.4.1).
    pub fn at_end(&self) -> bool {
        self.lines.clone().next().is_none()
    }

    pub fn end(mut self) -> Result<(), RecordError> {
        match self.lines.next() {
            None => Ok(()),
            Some((i, _)) => Err(RecordError::TrailingData { line: i + 1 }),
        }
    }
}

/// RFC 3339 in UTC with whole seconds and a `Z`: the one time form used in documents.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Accepts only the exact form [`format_time`] writes, so a time has one spelling.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let parsed = DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("'{text}' bukan waktu RFC 3339 seperti 2024-10-07T02:00:00Z"))?
        .with_timezone(&Utc);
    // chrono reads ":60" as a leap second and accepts year 0; neither is a time the
    // registry writes, so neither is a spelling it accepts.
    if parsed.timestamp_subsec_nanos() >= 1_000_000_000 || parsed.year() < 1 {
        return Err(format!(
            "'{text}' bukan waktu yang valid (detik 00–59, tahun 0001 ke atas)"
        ));
    }
    if format_time(parsed) != text {
        return Err(format!(
            "'{text}' harus ditulis dalam UTC dengan detik bulat dan akhiran Z, seperti {}",
            format_time(parsed)
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_documents_read_back() {
        let doc = RecordWriter::new(&["HEAD"])
            .field("a", "1")
            .field("b", "dua kata")
            .finish();
        assert_eq!(doc, "HEAD\na: 1\nb: dua kata\n");
        let mut r = RecordReader::new(&doc, &["HEAD"]).unwrap();
        assert_eq!(r.text("a").unwrap(), "1");
        assert_eq!(r.text("b").unwrap(), "dua kata");
        r.end().unwrap();
    }

    #[test]
    fn reader_refuses_crlf_missing_final_lf_and_extra_lines() {
        assert_eq!(
            RecordReader::new("HEAD\r\n", &["HEAD"]).err(),
            Some(RecordError::BadLineEndings)
        );
        assert_eq!(
            RecordReader::new("HEAD", &["HEAD"]).err(),
            Some(RecordError::BadLineEndings)
        );
        let r = RecordReader::new("HEAD\nx: 1\n", &["HEAD"]).unwrap();
        assert_eq!(r.end(), Err(RecordError::TrailingData { line: 2 }));
    }

    #[test]
    fn reader_refuses_fields_out_of_order_and_trailing_spaces() {
        let mut r = RecordReader::new("H\nb: 1\n", &["H"]).unwrap();
        assert!(matches!(
            r.field("a"),
            Err(RecordError::Unexpected { line: 2, .. })
        ));
        let mut r = RecordReader::new("H\na: 1 \n", &["H"]).unwrap();
        assert!(matches!(r.field("a"), Err(RecordError::BadValue { .. })));
        let mut r = RecordReader::new("H\na: \n", &["H"]).unwrap();
        assert!(matches!(r.field("a"), Err(RecordError::BadValue { .. })));
        let mut r = RecordReader::new("H\na: An\u{200B}di\n", &["H"]).unwrap();
        assert!(matches!(r.field("a"), Err(RecordError::BadValue { .. })));
    }

    #[test]
    fn time_has_exactly_one_spelling() {
        let t = parse_time("2024-10-07T02:00:00Z").unwrap();
        assert_eq!(format_time(t), "2024-10-07T02:00:00Z");
        assert!(parse_time("2024-10-07T09:00:00+07:00").is_err());
        assert!(parse_time("2024-10-07T02:00:00.5Z").is_err());
        assert!(parse_time("7 Oktober 2024").is_err());
        assert!(parse_time("2016-12-31T23:59:60Z").is_err());
        assert!(parse_time("0000-01-01T00:00:00Z").is_err());
    }
}
