//! Chasing the last ones who have not signed: the unsigned list with each person's
//! mobile number and a WhatsApp link carrying a short reminder with the signing link,
//! and the same as a CSV for bulk messaging tools. Phone numbers are personal data:
//! only the admin and the supervisor of the OPD read them ([`Caller::reads_phones`]),
//! and each read is recorded in the access log (`unsigned_phones`, `unsigned_wa_csv`)
//! before the numbers are returned.

use super::access_log::{Reading, scope_text};
use super::ceremonies::ceremony_in;
use super::paging::{Page, ROSTER_PAGE};
use super::reports::{OpdUnsigned, parse_opd, status_words};
use super::{App, Caller};
use crate::domain::identifier::OpdCode;
use crate::domain::ids::CeremonyId;
use crate::domain::phone::{Phone, whatsapp_link};
use crate::error::{Error, Result};

/// The columns of the WhatsApp CSV (`format=wa-csv`), for bulk messaging tools: the
/// number in international form without '+', the reminder text and the ready link.
pub const WA_CSV_HEADER: [&str; 8] = [
    "Nama",
    "NIP",
    "Kode OPD",
    "Nama OPD",
    "Status",
    "Nomor HP",
    "Pesan",
    "Tautan WhatsApp",
];

/// The page where an official signs, under `site`: the web address the clerk reached
/// the registry at (their page's `location.origin`), which is the address officials
/// use too. The log's `--origin` is a name, not an address, so it is not used here.
pub fn signing_link(site: &str) -> String {
    format!("{}/tanda-tangan.html", site.trim_end_matches('/'))
}

/// The reminder sent to one official, short enough to read in a chat notification.
pub fn reminder_text(name: &str, ceremony_title: &str, link: &str, instansi: &str) -> String {
    format!(
        "Yth. {name}, Anda belum menandatangani Pakta Integritas Netralitas ASN ({ceremony_title}). Mohon tanda tangani di {link} dari ponsel yang kuncinya sudah terdaftar. Terima kasih. - {instansi}"
    )
}

impl App {
    fn reminder_for(&self, site: &str, name: &str, title: &str) -> String {
        reminder_text(name, title, &signing_link(site), &self.config.instansi)
    }

    /// Fills in `phone` and `whatsapp` on a page of the unsigned list for a caller who
    /// may read phone numbers, recording the read first; leaves them absent for others.
    pub(super) async fn add_phones(
        &self,
        caller: &Caller,
        site: &str,
        id: CeremonyId,
        scope: String,
        opds: &mut [OpdUnsigned],
    ) -> Result<()> {
        if !caller.reads_phones() {
            return Ok(());
        }
        let nips: Vec<String> = opds
            .iter()
            .flat_map(|o| o.unsigned.iter().map(|u| u.nip.clone()))
            .collect();
        let (title, phones) = self
            .store
            .read(move |db| {
                let title = ceremony_in(db, id)?.title;
                let refs: Vec<&str> = nips.iter().map(String::as_str).collect();
                Ok((title, db.phones_of(&refs)?))
            })
            .await?;
        self.record_access(caller, Reading::UnsignedPhones, scope, phones.len() as u64)
            .await?;
        for opd in opds.iter_mut() {
            for u in &mut opd.unsigned {
                let phone = phones.get(&u.nip).and_then(|p| Phone::parse(p).ok());
                u.whatsapp = Some(
                    phone
                        .as_ref()
                        .map(|p| whatsapp_link(p, &self.reminder_for(site, &u.name, &title))),
                );
                u.phone = Some(phone.map(|p| p.local()));
            }
        }
        Ok(())
    }

    /// Everyone who has not signed, with their number, reminder and WhatsApp link, as
    /// CSV for a bulk messaging tool (admin and the OPD's supervisor; recorded as
    /// `unsigned_wa_csv` with everyone it lists). People without a known number are
    /// listed with the number, message and link columns empty, so the clerk sees whom
    /// to reach another way.
    pub async fn unsigned_wa_csv(
        &self,
        caller: &Caller,
        site: &str,
        id: CeremonyId,
        opd: Option<String>,
    ) -> Result<String> {
        let opd = caller.readable_opd(parse_opd(opd)?)?;
        if !caller.reads_phones() {
            return Err(Error::forbidden(
                "Nomor HP pegawai hanya untuk admin BKPSDM dan supervisor OPD-nya. Unduh daftar tanpa nomor HP (format=csv), atau minta admin mengirim pengingat.",
            ));
        }
        let mut opds: Vec<OpdUnsigned> = Vec::new();
        let mut after = None;
        loop {
            let page = Page {
                limit: ROSTER_PAGE.max,
                after,
            };
            let paged = self.unsigned_page(id, opd.clone(), page).await?;
            opds.extend(paged.items);
            match paged.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let people = opds.iter().map(|o| o.unsigned.len() as u64).sum();
        let scope = scope_text(Some(id.get()), opd.as_ref().map(OpdCode::as_str));
        self.record_access(caller, Reading::UnsignedWaCsv, scope, people)
            .await?;
        let nips: Vec<String> = opds
            .iter()
            .flat_map(|o| o.unsigned.iter().map(|u| u.nip.clone()))
            .collect();
        let (title, phones) = self
            .store
            .read(move |db| {
                let title = ceremony_in(db, id)?.title;
                let refs: Vec<&str> = nips.iter().map(String::as_str).collect();
                Ok((title, db.phones_of(&refs)?))
            })
            .await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let written = |e: csv::Error| Error::internal(format!("writing CSV: {e}"));
        out.write_record(WA_CSV_HEADER).map_err(written)?;
        for o in &opds {
            for u in &o.unsigned {
                let phone = phones.get(&u.nip).and_then(|p| Phone::parse(p).ok());
                let (number, text, link) = match &phone {
                    Some(p) => {
                        let text = self.reminder_for(site, &u.name, &title);
                        let link = whatsapp_link(p, &text);
                        (p.as_str().to_string(), text, link)
                    }
                    None => Default::default(),
                };
                out.write_record([
                    u.name.as_str(),
                    u.nip.as_str(),
                    o.code.as_str(),
                    o.name.as_str(),
                    status_words(u.status),
                    number.as_str(),
                    text.as_str(),
                    link.as_str(),
                ])
                .map_err(written)?;
            }
        }
        let bytes = out
            .into_inner()
            .map_err(|e| Error::internal(format!("writing CSV: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| Error::internal(e.to_string()))?;
        Ok(format!("\u{feff}{text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_link_is_under_the_address_the_clerk_used() {
        assert_eq!(
            signing_link("http://10.0.0.5:8080"),
            "http://10.0.0.5:8080/tanda-tangan.html"
        );
        assert_eq!(
            signing_link("https://pakta.example.go.id/"),
            "https://pakta.example.go.id/tanda-tangan.html"
        );
    }

    #[test]
    fn the_reminder_names_the_person_the_ceremony_and_the_link() {
        assert_eq!(
            reminder_text(
                "Budi",
                "Ikrar Pilkada",
                "https://p.go.id/tanda-tangan.html",
                "Pemkab Contoh"
            ),
            "Yth. Budi, Anda belum menandatangani Pakta Integritas Netralitas ASN (Ikrar Pilkada). Mohon tanda tangani di https://p.go.id/tanda-tangan.html dari ponsel yang kuncinya sudah terdaftar. Terima kasih. - Pemkab Contoh"
        );
    }
}
