//! Indonesian mobile numbers as SIASN's `NOMOR HP` holds them ("0812-3456-7890",
//! "+62 812 3456 7890", "62812…", "812…", with dots, dashes, spaces or brackets), kept
//! in one form, the international digits without '+' ("6281234567890"), which is
//! exactly what a `https://wa.me/…` link takes. Personal data: only the admin and the
//! supervisor of the official's OPD read it.

use std::fmt;

/// A mobile number in the form `62` followed by 8 to 12 digits starting with 8.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Why a text is not a usable mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error(
        "Nomor HP '{0}' memuat karakter selain angka, spasi, titik, tanda hubung, kurung, atau '+'; perbaiki nomornya di SIASN atau kosongkan."
    )]
    InvalidChar(String),
    #[error(
        "Nomor HP '{0}' bukan nomor seluler Indonesia (harus diawali 08, 8, 628, atau +628, dengan 10 sampai 14 digit setelah 0); perbaiki nomornya di SIASN atau kosongkan."
    )]
    NotMobile(String),
}

/// Digits of a mobile number after the country code 62: "8…", 9 to 12 digits in all
/// (Telkomsel, Indosat, XL, Smartfren numbers are 0 + 9 to 12 digits).
const LOCAL_MIN: usize = 9;
const LOCAL_MAX: usize = 12;

impl Phone {
    /// Reads a number as a clerk or SIASN wrote it. Blank is not a number: callers treat
    /// an empty cell as "no number" before calling this.
    pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
        let shown = raw.trim();
        let mut digits = String::new();
        for (i, c) in shown.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' | '\u{a0}' => {}
                '+' if i == 0 => {}
                // Excel's "text" marker, left over in a CSV.
                '\'' if i == 0 => {}
                _ => return Err(PhoneError::InvalidChar(shown.to_string())),
            }
        }
        let local = if let Some(rest) = digits.strip_prefix("62") {
            rest.strip_prefix('0').unwrap_or(rest)
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest
        } else {
            digits.as_str()
        };
        if !local.starts_with('8') || !(LOCAL_MIN..=LOCAL_MAX).contains(&local.len()) {
            return Err(PhoneError::NotMobile(shown.to_string()));
        }
        Ok(Phone(format!("62{local}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The way people in Indonesia write it: "0812-3456-7890".
    pub fn local(&self) -> String {
        let local = format!("0{}", &self.0[2..]);
        let (a, rest) = local.split_at(4);
        if rest.len() <= 4 {
            return format!("{a}-{rest}");
        }
        let (b, c) = rest.split_at(4);
        format!("{a}-{b}-{c}")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A WhatsApp "click to chat" link to `phone` with `text` filled in, as WhatsApp
/// documents it: `https://wa.me/<number>?text=<percent-encoded UTF-8>`.
pub fn whatsapp_link(phone: &Phone, text: &str) -> String {
    format!(
        "https://wa.me/{}?text={}",
        phone.as_str(),
        percent_encode(text)
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the text
/// survives any chat app or spreadsheet that handles the link.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_siasn_writes_a_number_becomes_62_form() {
        for raw in [
            "0812-3456-7890",
            "081234567890",
            "+62 812 3456 7890",
            "+62-812-3456-7890",
            "6281234567890",
            "62 0812 3456 7890",
            "81234567890",
            "(0812) 3456.7890",
            "'081234567890",
            " 0812 3456 7890 ",
        ] {
            assert_eq!(
                Phone::parse(raw).map(|p| p.as_str().to_string()),
                Ok("6281234567890".to_string()),
                "{raw:?}"
            );
        }
        assert_eq!(
            Phone::parse("0812-0000-0001").unwrap().as_str(),
            "6281200000001"
        );
        assert_eq!(Phone::parse("0811234567").unwrap().as_str(), "62811234567");
    }

    #[test]
    fn numbers_that_are_not_indonesian_mobiles_are_refused_with_the_value() {
        for raw in [
            "021-5551234",
            "12345",
            "0812",
            "08123456789012345",
            "+1 202 555 0100",
        ] {
            let err = Phone::parse(raw).unwrap_err();
            assert!(matches!(err, PhoneError::NotMobile(_)), "{raw:?}: {err:?}");
            assert!(err.to_string().contains(raw.trim()), "{err}");
        }
        assert!(matches!(
            Phone::parse("0812-3456-789O"),
            Err(PhoneError::InvalidChar(_))
        ));
        assert!(matches!(
            Phone::parse("0812+3456"),
            Err(PhoneError::InvalidChar(_))
        ));
    }

    #[test]
    fn shown_the_local_way() {
        assert_eq!(
            Phone::parse("+6281234567890").unwrap().local(),
            "0812-3456-7890"
        );
        assert_eq!(Phone::parse("0811234567").unwrap().local(), "0811-2345-67");
    }

    #[test]
    fn whatsapp_links_percent_encode_the_text() {
        let phone = Phone::parse("0812-3456-7890").unwrap();
        assert_eq!(
            whatsapp_link(
                &phone,
                "Yth. Bapak/Ibu, tanda tangani: https://a.go.id/x?y=1&z"
            ),
            "https://wa.me/6281234567890?text=Yth.%20Bapak%2FIbu%2C%20tanda%20tangani%3A%20https%3A%2F%2Fa.go.id%2Fx%3Fy%3D1%26z"
        );
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}
