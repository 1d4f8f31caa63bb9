//! Campaigns and the heads' recaps (FORMATS §18, rules 12b and 12c): a campaign is
//! created once over a published pledge text; a recap is signed once per campaign and
//! OPD by a key enrolled for its head, over a kept recap whose list (when kept) gives its
//! counts.

use super::checks::Check;
use super::{Auditor, SideDocuments};
use crate::domain::crypto::Sha256Hash;
use crate::domain::entry::{Entry, EntryBody};
use crate::domain::recap::{RecapStatement, count_recap_list};

impl Auditor {
    /// `campaign.created` (rule 12b): the pledge is published with this hash; the
    /// campaign number is new.
    pub(super) fn campaign_created(&mut self, entry: &Entry) -> Result<(), String> {
        let EntryBody::CampaignCreated {
            campaign,
            pledge,
            pledge_sha256,
            ..
        } = &entry.body
        else {
            return Ok(());
        };
        if self.pledges.get(pledge) != Some(pledge_sha256) {
            return Err(format!(
                "creates campaign {campaign} with pledge {pledge} and hash {pledge_sha256}, which is not a published pledge text"
            ));
        }
        if self.campaigns.insert(*campaign, *pledge_sha256).is_some() {
            return Err(format!("campaign {campaign} is created a second time"));
        }
        self.summary.campaigns += 1;
        Ok(())
    }

    /// `recap.signed` (rule 12c).
    pub(super) fn recap_signed(
        &mut self,
        entry: &Entry,
        side_document: &mut SideDocuments<'_>,
    ) -> Result<(), String> {
        let EntryBody::RecapSigned {
            campaign,
            opd,
            subject,
            statement_sha256,
            fingerprint,
            signature,
        } = &entry.body
        else {
            return Ok(());
        };
        if !self.campaigns.contains_key(campaign) {
            return Err(format!(
                "a recap for campaign {campaign}, which was never created"
            ));
        }
        let key = self.keys.get(fingerprint).ok_or_else(|| {
            format!("recap signed by key {fingerprint}, which was never enrolled")
        })?;
        if key.revoked || Some(key.subject) != self.subjects.find(subject) {
            return Err(format!(
                "recap signed by key {fingerprint}, which is not the active key of subject {subject}"
            ));
        }
        let key = key.key;
        if !self.recaps.insert((*campaign, opd.clone())) {
            return Err(format!(
                "a second recap of OPD {opd} for campaign {campaign}"
            ));
        }
        let Some(bytes) = side_document(statement_sha256) else {
            self.summary.recaps_erased += 1;
            return Ok(());
        };
        if Sha256Hash::of(&bytes) != *statement_sha256 {
            return Err("the kept recap does not match its hash".into());
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| "the kept recap is not UTF-8".to_string())?;
        let recap = RecapStatement::parse(text).map_err(|e| e.to_string())?;
        if recap.campaign != *campaign
            || recap.opd != *opd
            || recap.head_subject != *subject
            || recap.time > entry.time
        {
            return Err(
                "the recap names another campaign, OPD or head than the entry, or a later time"
                    .into(),
            );
        }
        self.checks.run_or_defer(
            entry.index,
            Check::Signature {
                key,
                message: bytes,
                signature: *signature,
                problem: "the head's signature does not verify over the recap",
            },
        )?;
        if let Some(list) = side_document(&recap.list_sha256) {
            if Sha256Hash::of(&list) != recap.list_sha256 {
                return Err("the kept recap list does not match its hash".into());
            }
            let counted = std::str::from_utf8(&list)
                .map_err(|_| "the kept recap list is not UTF-8".to_string())
                .and_then(count_recap_list)?;
            if counted != recap.counts {
                return Err("the kept recap list does not give the counts its recap states".into());
            }
        }
        self.summary.recaps_verified += 1;
        Ok(())
    }
}
