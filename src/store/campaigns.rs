//! SQLite for campaigns and the heads' recaps: the campaign rows, which ceremony belongs
//! to which campaign, the one-signature-per-campaign projection, the heads of OPD, the
//! recap projection and the recap documents kept beside the log (`schema/0007`).

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, params};

use super::queries::{OFFICIAL_COLUMNS, Official, official_row_at};
use super::{Db, WriteTx};
use crate::domain::ceremony::CeremonyState;
use crate::domain::crypto::Sha256Hash;
use crate::domain::identifier::OpdCode;
use crate::domain::ids::{CampaignId, CeremonyId, PledgeId, SubjectId};
use crate::domain::record::{format_time, parse_time};
use crate::error::Result;

fn bad<T, E: std::fmt::Display>(index: usize, parsed: Result<T, E>) -> rusqlite::Result<T> {
    parsed.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, e.to_string().into())
    })
}

fn time_at(row: &Row, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    bad(index, parse_time(&row.get::<_, String>(index)?))
}

fn hash_at(row: &Row, index: usize) -> rusqlite::Result<Sha256Hash> {
    bad(
        index,
        Sha256Hash::from_slice(&row.get::<_, Vec<u8>>(index)?).ok_or("not 32 bytes"),
    )
}

fn campaign_at(row: &Row, index: usize) -> rusqlite::Result<CampaignId> {
    bad(index, CampaignId::new(row.get(index)?).ok_or("id 0"))
}

fn ceremony_at(row: &Row, index: usize) -> rusqlite::Result<CeremonyId> {
    bad(index, CeremonyId::new(row.get(index)?).ok_or("id 0"))
}

#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub id: CampaignId,
    pub title: String,
    pub pledge_id: PledgeId,
    pub created_idx: u64,
    pub created_at: DateTime<Utc>,
}

fn campaign_row(r: &Row) -> rusqlite::Result<CampaignRow> {
    Ok(CampaignRow {
        id: campaign_at(r, 0)?,
        title: r.get(1)?,
        pledge_id: bad(2, PledgeId::new(r.get(2)?).ok_or("id 0"))?,
        created_idx: r.get(3)?,
        created_at: time_at(r, 4)?,
    })
}

/// One invitation of a campaign member: the ceremony, its state, their mandiri due
/// date there (if routed), and whether a representative covered them there.
#[derive(Debug, Clone)]
pub struct MemberInvitation {
    pub ceremony: CeremonyId,
    pub state: CeremonyState,
    pub mandiri_due: Option<DateTime<Utc>>,
    pub represented: bool,
}

/// An official invited to at least one ceremony of a campaign, with every invitation
/// and where they signed for the campaign.
#[derive(Debug, Clone)]
pub struct CampaignMember {
    pub official: Official,
    pub signed_in: Option<CeremonyId>,
    pub invitations: Vec<MemberInvitation>,
}

/// A head's signed recap, as projected from `recap.signed`.
#[derive(Debug, Clone)]
pub struct RecapRow {
    pub campaign: CampaignId,
    pub opd_code: OpdCode,
    pub subject: SubjectId,
    pub statement_sha256: Sha256Hash,
    pub list_sha256: Sha256Hash,
    pub idx: u64,
    pub at: DateTime<Utc>,
    /// The head's name now (None once their personal data was erased).
    pub head_name: Option<String>,
}

const RECAP_COLUMNS: &str =
    "r.campaign_id, r.opd_code, r.subject, r.statement_sha256, r.list_sha256, r.idx, r.at, o.name";

fn recap_row(r: &Row) -> rusqlite::Result<RecapRow> {
    Ok(RecapRow {
        campaign: campaign_at(r, 0)?,
        opd_code: bad(1, OpdCode::parse(&r.get::<_, String>(1)?))?,
        subject: bad(2, SubjectId::parse(&r.get::<_, String>(2)?))?,
        statement_sha256: hash_at(r, 3)?,
        list_sha256: hash_at(r, 4)?,
        idx: r.get(5)?,
        at: time_at(r, 6)?,
        head_name: r.get(7)?,
    })
}

impl Db<'_> {
    pub fn campaign(&self, id: CampaignId) -> Result<Option<CampaignRow>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, title, pledge_id, created_idx, created_at FROM campaigns WHERE id = ?1",
            )?
            .query_row([id.get()], campaign_row)
            .optional()?)
    }

    /// Every campaign, oldest first (a registry runs a handful per election year).
    pub fn campaigns(&self) -> Result<Vec<CampaignRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, pledge_id, created_idx, created_at FROM campaigns ORDER BY id",
        )?;
        let rows = stmt.query_map([], campaign_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn next_campaign_id(&self) -> Result<CampaignId> {
        let max: u64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM campaigns")?
            .query_row([], |r| r.get(0))?;
        Ok(CampaignId::new(max + 1).expect("max + 1 is positive"))
    }

    /// The campaign a ceremony belongs to, and how many invitees its opening left out
    /// because they had already signed in the campaign.
    pub fn campaign_of_ceremony(&self, ceremony: CeremonyId) -> Result<Option<(CampaignId, u64)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT campaign_id, excluded FROM campaign_ceremonies WHERE ceremony_id = ?1",
            )?
            .query_row([ceremony.get()], |r| Ok((campaign_at(r, 0)?, r.get(1)?)))
            .optional()?)
    }

    /// The ceremonies of a campaign, in order, with how many each opening left out.
    pub fn campaign_ceremony_ids(&self, campaign: CampaignId) -> Result<Vec<(CeremonyId, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ceremony_id, excluded FROM campaign_ceremonies WHERE campaign_id = ?1 ORDER BY ceremony_id",
        )?;
        let rows = stmt.query_map([campaign.get()], |r| Ok((ceremony_at(r, 0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Where the official signed for the campaign, if they did: the ceremony.
    pub fn campaign_signature(
        &self,
        campaign: CampaignId,
        subject: &SubjectId,
    ) -> Result<Option<CeremonyId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT ceremony_id FROM campaign_signatures WHERE campaign_id = ?1 AND subject = ?2",
            )?
            .query_row(params![campaign.get(), subject.to_hex()], |r| {
                ceremony_at(r, 0)
            })
            .optional()?)
    }

    /// Every official invited to a ceremony of the campaign, by current OPD then
    /// identifier, optionally of one OPD. Officials whose data was erased are not listed.
    pub fn campaign_members(
        &self,
        campaign: CampaignId,
        opd: Option<&OpdCode>,
    ) -> Result<Vec<CampaignMember>> {
        let sql = format!(
            "SELECT {OFFICIAL_COLUMNS}, i.ceremony_id, c.state, m.due,
                    rc.subject IS NOT NULL, cs.ceremony_id
             FROM campaign_ceremonies cc
             JOIN invitees i ON i.ceremony_id = cc.ceremony_id
             JOIN ceremonies c ON c.id = i.ceremony_id
             JOIN officials o ON o.subject = i.subject
             JOIN opds d ON d.code = o.opd_code
             LEFT JOIN mandiri m ON m.ceremony_id = i.ceremony_id AND m.subject = i.subject
             LEFT JOIN representation_covers rc
                    ON rc.ceremony_id = i.ceremony_id AND rc.subject = i.subject
             LEFT JOIN campaign_signatures cs
                    ON cs.campaign_id = cc.campaign_id AND cs.subject = i.subject
             WHERE cc.campaign_id = ?1 AND (?2 IS NULL OR o.opd_code = ?2)
             ORDER BY o.opd_code, o.nip, i.ceremony_id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![campaign.get(), opd.map(OpdCode::as_str)], |r| {
            let official = official_row_at(r, 0)?;
            let invitation = MemberInvitation {
                ceremony: ceremony_at(r, 8)?,
                state: bad(
                    9,
                    CeremonyState::parse(&r.get::<_, String>(9)?).ok_or("unknown state"),
                )?,
                mandiri_due: r
                    .get::<_, Option<String>>(10)?
                    .map(|t| bad(10, parse_time(&t)))
                    .transpose()?,
                represented: r.get(11)?,
            };
            let signed_in = r.get::<_, Option<u64>>(12)?.and_then(CeremonyId::new);
            Ok((official, invitation, signed_in))
        })?;
        let mut members: Vec<CampaignMember> = Vec::new();
        for row in rows {
            let (official, invitation, signed_in) = row?;
            match members.last_mut() {
                Some(last) if last.official.subject == official.subject => {
                    last.invitations.push(invitation)
                }
                _ => members.push(CampaignMember {
                    official,
                    signed_in,
                    invitations: vec![invitation],
                }),
            }
        }
        Ok(members)
    }

    /// The recap documents an erasure of this official deletes: the recaps they signed
    /// as head, and every recap list that holds their identifier.
    pub fn recap_documents_naming(
        &self,
        subject: &SubjectId,
        nip: &crate::domain::identifier::Identifier,
    ) -> Result<Vec<Sha256Hash>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sha256 FROM recap_documents
             WHERE subject = ?1
                OR (kind = 'recap-list'
                    AND (substr(text, 1, length(?2) + 1) = ?2 || ' '
                         OR instr(text, char(10) || ?2 || ' ') > 0))",
        )?;
        let rows = stmt.query_map(params![subject.to_hex(), nip.as_str()], |r| hash_at(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The head the admin designated for an OPD, with their roster data.
    pub fn opd_head(&self, opd: &OpdCode) -> Result<Option<Official>> {
        let sql = format!(
            "SELECT {OFFICIAL_COLUMNS} FROM opd_heads h
             JOIN officials o ON o.subject = h.subject
             JOIN opds d ON d.code = o.opd_code
             WHERE h.opd_code = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([opd.as_str()], |r| official_row_at(r, 0))
            .optional()?)
    }

    /// The recaps signed for a campaign, by OPD code.
    pub fn recaps_of_campaign(&self, campaign: CampaignId) -> Result<Vec<RecapRow>> {
        let sql = format!(
            "SELECT {RECAP_COLUMNS} FROM recaps r LEFT JOIN officials o ON o.subject = r.subject
             WHERE r.campaign_id = ?1 ORDER BY r.opd_code"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([campaign.get()], recap_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn recap_of(&self, campaign: CampaignId, opd: &OpdCode) -> Result<Option<RecapRow>> {
        let sql = format!(
            "SELECT {RECAP_COLUMNS} FROM recaps r LEFT JOIN officials o ON o.subject = r.subject
             WHERE r.campaign_id = ?1 AND r.opd_code = ?2"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![campaign.get(), opd.as_str()], recap_row)
            .optional()?)
    }

    pub fn recap_by_statement(&self, sha256: &Sha256Hash) -> Result<Option<RecapRow>> {
        let sql = format!(
            "SELECT {RECAP_COLUMNS} FROM recaps r LEFT JOIN officials o ON o.subject = r.subject
             WHERE r.statement_sha256 = ?1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([&sha256.0[..]], recap_row)
            .optional()?)
    }
}

impl WriteTx<'_> {
    pub fn insert_campaign(
        &mut self,
        id: CampaignId,
        title: &str,
        pledge: PledgeId,
        idx: u64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO campaigns (id, title, pledge_id, created_idx, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![id.get(), title, pledge.get(), idx, format_time(at)])?;
        Ok(())
    }

    /// Puts a new ceremony in a campaign (the log says so when it opens).
    pub fn set_ceremony_campaign(
        &mut self,
        ceremony: CeremonyId,
        campaign: CampaignId,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO campaign_ceremonies (ceremony_id, campaign_id) VALUES (?1, ?2)",
            )?
            .execute(params![ceremony.get(), campaign.get()])?;
        Ok(())
    }

    pub fn set_campaign_excluded(&mut self, ceremony: CeremonyId, excluded: u64) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE campaign_ceremonies SET excluded = ?2 WHERE ceremony_id = ?1")?
            .execute(params![ceremony.get(), excluded])?;
        Ok(())
    }

    pub fn insert_campaign_signature(
        &mut self,
        campaign: CampaignId,
        subject: &SubjectId,
        ceremony: CeremonyId,
        idx: u64,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO campaign_signatures (campaign_id, subject, ceremony_id, idx) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![campaign.get(), subject.to_hex(), ceremony.get(), idx])?;
        Ok(())
    }

    pub fn set_opd_head(
        &mut self,
        opd: &OpdCode,
        subject: &SubjectId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO opd_heads (opd_code, subject, set_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (opd_code) DO UPDATE SET subject = excluded.subject, set_at = excluded.set_at",
            )?
            .execute(params![opd.as_str(), subject.to_hex(), format_time(at)])?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_recap(
        &mut self,
        campaign: CampaignId,
        opd: &OpdCode,
        subject: &SubjectId,
        statement_sha256: &Sha256Hash,
        list_sha256: &Sha256Hash,
        idx: u64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO recaps (campaign_id, opd_code, subject, statement_sha256, list_sha256, idx, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                campaign.get(),
                opd.as_str(),
                subject.to_hex(),
                &statement_sha256.0[..],
                &list_sha256.0[..],
                idx,
                format_time(at)
            ])?;
        Ok(())
    }

    /// Keeps a recap or its list beside the log (`kind` is `recap` or `recap-list`).
    pub fn insert_recap_document(
        &mut self,
        sha256: &Sha256Hash,
        kind: &str,
        head: &SubjectId,
        text: &str,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO recap_documents (sha256, kind, subject, text) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![&sha256.0[..], kind, head.to_hex(), text])?;
        Ok(())
    }
}
