//! Presence at the hall without the desk: the hall screen shows a QR code carrying a
//! short code that changes every 30 seconds. The code is derived from a server secret,
//! the ceremony and the 30-second window, so only someone looking at the screen now can
//! know it (an HMAC, so codes seen earlier tell nothing of the next); an official's
//! device proves who they are by signing a presence message with their enrolled key.

use chrono::{DateTime, Utc};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::identifier::Identifier;
use super::ids::CeremonyId;
use super::record::RecordWriter;
use super::statement::CODE_ALPHABET;

/// How long one presence code is shown.
pub const WINDOW_SECONDS: i64 = 30;
pub const PRESENCE_HEADER: &str = "pakta/presence/v1";

fn window_of(time: DateTime<Utc>) -> i64 {
    time.timestamp().div_euclid(WINDOW_SECONDS)
}

/// Domain separation: the registry's presence secret keys nothing else, but a MAC
/// names its purpose all the same.
const CODE_CONTEXT: &[u8] = b"pakta/presence-code/v1\n";

/// The code of one ceremony and window: 8 symbols of HMAC-SHA256(secret, context ||
/// ceremony || window), unpredictable without the secret even to someone who has seen
/// every earlier code.
fn code_for(secret: &[u8; 32], ceremony: CeremonyId, window: i64) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(CODE_CONTEXT);
    mac.update(&ceremony.get().to_be_bytes());
    mac.update(&window.to_be_bytes());
    mac.finalize().into_bytes()[..8]
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

/// The code to show now, and when it stops being shown.
pub fn current_code(
    secret: &[u8; 32],
    ceremony: CeremonyId,
    now: DateTime<Utc>,
) -> (String, DateTime<Utc>) {
    let window = window_of(now);
    let ends = DateTime::from_timestamp((window + 1) * WINDOW_SECONDS, 0).expect("in range");
    (code_for(secret, ceremony, window), ends)
}

/// A code is accepted during its window and the one after, so a phone that scanned it
/// just before it rotated still gets in.
pub fn is_current(secret: &[u8; 32], ceremony: CeremonyId, code: &str, now: DateTime<Utc>) -> bool {
    let window = window_of(now);
    [window, window - 1]
        .iter()
        .any(|w| code_for(secret, ceremony, *w) == code)
}

/// The exact bytes an official's key signs to check in with a presence code.
pub fn presence_message(ceremony: CeremonyId, nip: &Identifier, code: &str) -> String {
    RecordWriter::new(&[PRESENCE_HEADER])
        .field("ceremony", ceremony.to_string())
        .field("nip", nip.as_str())
        .field("code", code)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_728_266_400 + seconds, 0).unwrap()
    }

    #[test]
    fn codes_rotate_every_thirty_seconds_with_one_window_of_grace() {
        let secret = [7u8; 32];
        let c = CeremonyId::new(1).unwrap();
        let (code, ends) = current_code(&secret, c, at(0));
        assert_eq!(code.len(), 8);
        assert_eq!(ends, at(30));
        assert_eq!(current_code(&secret, c, at(29)).0, code);
        assert_ne!(current_code(&secret, c, at(30)).0, code);
        assert!(is_current(&secret, c, &code, at(29)));
        assert!(
            is_current(&secret, c, &code, at(59)),
            "grace for a code scanned late"
        );
        assert!(!is_current(&secret, c, &code, at(60)));
        assert!(!is_current(
            &secret,
            CeremonyId::new(2).unwrap(),
            &code,
            at(0)
        ));
        assert!(
            !is_current(&[8u8; 32], c, &code, at(0)),
            "another server's secret"
        );
        assert!(at(0) + Duration::seconds(30) == ends);
    }

    #[test]
    fn codes_are_an_hmac_of_ceremony_and_window_under_the_secret() {
        // HMAC-SHA256([7; 32], "pakta/presence-code/v1\n" || 1 (u64 BE) || window (i64
        // BE)), first 8 bytes to the alphabet; recomputed independently with Python's
        // hmac. Pinned, so a change of derivation is a decision, not an accident.
        let (code, _) = current_code(&[7u8; 32], CeremonyId::new(1).unwrap(), at(0));
        assert_eq!(code, "RWZQJ80Q");
    }

    #[test]
    fn the_presence_message_names_ceremony_official_and_code() {
        let nip = Identifier::parse_any("198001012005011001").unwrap();
        assert_eq!(
            presence_message(CeremonyId::new(3).unwrap(), &nip, "ABCD1234"),
            "pakta/presence/v1\nceremony: 3\nnip: 198001012005011001\ncode: ABCD1234\n"
        );
    }
}
