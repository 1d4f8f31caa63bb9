//! Indonesia's three time zones and how times are shown to people: stored in UTC,
//! shown in the instansi's zone as "Senin, 7 Oktober 2024 09.00 WIB". Indonesia has no
//! daylight saving, so each zone is a fixed offset.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Wib,
    Wita,
    Wit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "zona waktu '{0}' tidak dikenal; gunakan Asia/Jakarta (WIB), Asia/Makassar (WITA) atau Asia/Jayapura (WIT)"
)]
pub struct UnknownZone(pub String);

impl Zone {
    /// Accepts the IANA names and the Indonesian abbreviations.
    pub fn parse(text: &str) -> Result<Zone, UnknownZone> {
        match text.trim() {
            "Asia/Jakarta" | "Asia/Pontianak" | "WIB" => Ok(Zone::Wib),
            "Asia/Makassar" | "WITA" => Ok(Zone::Wita),
            "Asia/Jayapura" | "WIT" => Ok(Zone::Wit),
            other => Err(UnknownZone(other.to_string())),
        }
    }

    pub fn iana(self) -> &'static str {
        match self {
            Zone::Wib => "Asia/Jakarta",
            Zone::Wita => "Asia/Makassar",
            Zone::Wit => "Asia/Jayapura",
        }
    }

    pub fn abbreviation(self) -> &'static str {
        match self {
            Zone::Wib => "WIB",
            Zone::Wita => "WITA",
            Zone::Wit => "WIT",
        }
    }

    pub fn offset(self) -> FixedOffset {
        let hours = match self {
            Zone::Wib => 7,
            Zone::Wita => 8,
            Zone::Wit => 9,
        };
        FixedOffset::east_opt(hours * 3600).expect("offsets under 24 hours are valid")
    }

    /// The last second of the local day `days` days after `from`: a due date people
    /// read as "until the end of Monday", not a time of day that depends on when the
    /// ceremony happened to close.
    pub fn end_of_day_after(self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let local_date =
            from.with_timezone(&self.offset()).date_naive() + chrono::Days::new(u64::from(days));
        let end = local_date.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
        self.offset()
            .from_local_datetime(&end)
            .single()
            .expect("a fixed offset maps every local time once")
            .with_timezone(&Utc)
    }

    /// "Senin, 7 Oktober 2024 09.00 WIB".
    pub fn format_indonesian(self, time: DateTime<Utc>) -> String {
        let local = time.with_timezone(&self.offset());
        format!(
            "{}, {} {:02}.{:02} {}",
            DAYS[local.weekday().num_days_from_monday() as usize],
            format_date(local.date_naive()),
            local.hour(),
            local.minute(),
            self.abbreviation()
        )
    }
}

const DAYS: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];
const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

fn format_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn formats_like_an_indonesian_invitation() {
        let t = utc("2024-10-07T02:00:00Z");
        assert_eq!(
            Zone::Wib.format_indonesian(t),
            "Senin, 7 Oktober 2024 09.00 WIB"
        );
        assert_eq!(
            Zone::Wita.format_indonesian(t),
            "Senin, 7 Oktober 2024 10.00 WITA"
        );
        assert_eq!(
            Zone::Wit.format_indonesian(t),
            "Senin, 7 Oktober 2024 11.00 WIT"
        );
    }

    #[test]
    fn end_of_day_is_local_midnight_minus_one_second() {
        // 23:30 WIT on the 7th is already the 7th locally, though still the 7th 14:30 UTC.
        let closed = utc("2024-10-07T14:30:00Z");
        assert_eq!(
            Zone::Wit.end_of_day_after(closed, 7),
            utc("2024-10-14T14:59:59Z")
        );
        // 18:00 UTC on the 7th is already the 8th in WIB.
        assert_eq!(
            Zone::Wib.end_of_day_after(utc("2024-10-07T18:00:00Z"), 1),
            utc("2024-10-09T16:59:59Z")
        );
    }

    #[test]
    fn parses_iana_names_and_abbreviations() {
        assert_eq!(Zone::parse("Asia/Makassar"), Ok(Zone::Wita));
        assert_eq!(Zone::parse("WIT"), Ok(Zone::Wit));
        assert!(Zone::parse("Asia/Singapore").is_err());
    }
}
