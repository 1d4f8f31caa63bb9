//! Plays a pledge season of the fictional kabupaten through the real application, with
//! a clock that starts three weeks ago: a closed ceremony whose absentees went to ikrar
//! mandiri (some signed on time, some late, some overdue), an open ceremony with
//! officials checked in and signing (it allows representatives: one OPD's
//! representative signs for three colleagues), and a draft ceremony for next week. The officials'
//! "devices" are simulated here: their keys are made, used and then forgotten, exactly
//! as a phone would keep them.

use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};

use super::kabupaten::DemoKabupaten;
use crate::app::{
    App, Caller, EnrollmentRequest, HeadRequest, Invite, NamingRequest, NewCampaign, NewCeremony,
    RepresentationRequestBody, RepresentationSubmission, SignatureRequest, StatementRequestBody,
    TokenRequest,
};
use crate::clock::ManualClock;
use crate::domain::crypto::encode_base64;
use crate::domain::identifier::Identifier;
use crate::domain::ids::CeremonyId;
use crate::domain::phone::Phone;
use crate::domain::representation::RepresentationRequest;
use crate::domain::signing_protocol::StatementRequest;
use crate::domain::statement::{EnrollmentCode, enrollment_message};
use crate::domain::zone::Zone;
use crate::error::Result;
use crate::keyfile;

/// The demo is the same kabupaten every time.
pub const DEMO_SEED: u64 = 2024;
pub const DEMO_OFFICIALS: usize = 640;
pub const PLEDGE_TEXT: &str = include_str!("pledge.txt");

/// Tokens a visitor can use to look around.
#[derive(Debug, Clone)]
pub struct DemoTokens {
    pub operator: String,
    pub operator_ceremony: u64,
    pub supervisor: String,
    pub supervisor_opd: String,
    pub inspektorat: String,
    pub auditor: String,
}

struct Device {
    nip: Identifier,
    key: SigningKey,
}

/// Loads the demo into the (empty) registry behind `app`; `now` is the real time, the
/// season is played in the three weeks before it.
pub async fn load(app: &App, now: DateTime<Utc>) -> Result<DemoTokens> {
    let kab = DemoKabupaten::generate(DEMO_SEED, DEMO_OFFICIALS);
    let zone = Zone::parse(kab.timezone).expect("the demo's zone is Indonesian");
    let first_day = nine_in_the_morning(zone, now - Duration::days(21));
    let clock = Arc::new(ManualClock::new(first_day));
    let app = app.with_clock(clock.clone());
    let admin = Caller::admin("demo");

    let report = app
        .import_roster(&admin, kab.roster_csv().as_bytes())
        .await?;
    tracing::info!(created = report.created, "demo roster imported");
    // Fictional mobile numbers, 0812-0000-xxxx, so the report's
    // WhatsApp links can be shown; never real people's numbers.
    let phones = kab
        .officials
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let phone = Phone::parse(&format!("0812-0000-{:04}", i % 10_000)).ok()?;
            Some((o.nip.clone(), phone))
        })
        .collect();
    app.set_phones(&admin, phones).await?;
    let pledge = app
        .publish_pledge(
            &admin,
            "Pakta Integritas Netralitas ASN Pilkada 2024",
            PLEDGE_TEXT,
        )
        .await?;
    // One campaign for the election: the heads sign at the pendopo first, the OPDs'
    // staff at their own ceremonies after; each official signs once in the campaign.
    let campaign = app
        .create_campaign(
            &admin,
            NewCampaign {
                title: "Pilkada Serentak 2024".into(),
                pledge_id: pledge.id,
            },
        )
        .await?;
    // Each OPD's head countersigns its recap once the unit is complete.
    for head in kab.officials.iter().filter(|o| o.is_head) {
        app.set_opd_head(
            &admin,
            &head.opd_code,
            HeadRequest {
                nip: head.nip.clone(),
            },
        )
        .await?;
    }

    // Nine in ten officials enrolled a key on their own device.
    let mut devices = Vec::new();
    for (i, official) in kab.officials.iter().enumerate() {
        if i % 10 == 9 {
            continue;
        }
        let nip = Identifier::parse_any(&official.nip).expect("demo identifiers are valid");
        devices.push(enroll(&app, &admin, nip).await?);
    }
    let device = |nip: &str| devices.iter().find(|d| d.nip.as_str() == nip);

    // Ceremony 1: the heads of every OPD, three weeks ago; closed, mandiri running.
    let heads: Vec<&str> = kab
        .officials
        .iter()
        .filter(|o| o.is_head)
        .map(|o| o.nip.as_str())
        .collect();
    let first = app
        .create_ceremony(
            &admin,
            NewCeremony {
                title: "Ikrar Netralitas ASN Pejabat Struktural".into(),
                place: "Pendopo Kabupaten".into(),
                starts_at: first_day.to_rfc3339(),
                timezone: Some(kab.timezone.into()),
                pledge_id: None,
                campaign: Some(campaign.id),
                invite: Invite {
                    opds: None,
                    nips: Some(heads.iter().map(|s| s.to_string()).collect()),
                    all: None,
                },
                mandiri_days: Some(7),
                allow_representation: None,
            },
        )
        .await?;
    app.open_ceremony(&admin, first).await?;
    for (i, nip) in heads.iter().enumerate() {
        if i % 4 == 3 {
            continue; // absent
        }
        app.check_in(&admin, first, nip).await?;
        if i % 4 != 2
            && let Some(d) = device(nip)
        {
            sign(&app, first, d).await?;
        }
    }
    clock.advance(Duration::hours(3));
    app.close_ceremony(&admin, first, None).await?;
    // Mandiri: some on time, some late, the rest stay overdue.
    let mandiri: Vec<&&str> = heads
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 >= 2)
        .map(|(_, n)| n)
        .collect();
    clock.advance(Duration::days(3));
    for nip in mandiri.iter().step_by(3) {
        if let Some(d) = device(nip) {
            sign(&app, first, d).await?;
        }
    }
    clock.advance(Duration::days(7));
    for nip in mandiri.iter().skip(1).step_by(3) {
        if let Some(d) = device(nip) {
            sign(&app, first, d).await?;
        }
    }

    // Ceremony 2: all staff of six OPDs, today at 09.00, open with the hall half
    // signed. Officials arrive from 09.00 or, when the demo is started earlier in the
    // day, from an hour before now (the desk opens early): nothing is recorded after
    // the real time at which the demo was made.
    let this_morning = nine_in_the_morning(zone, now);
    let arrivals = this_morning.min(
        (now - Duration::hours(1))
            .duration_trunc(Duration::minutes(1))
            .expect("a minute divides a day"),
    );
    clock.set(arrivals);
    let opds: Vec<String> = kab.opds.iter().take(6).map(|o| o.code.clone()).collect();
    let second = app
        .create_ceremony(
            &admin,
            NewCeremony {
                title: "Apel Ikrar Netralitas ASN Pilkada 2024".into(),
                place: "Lapangan Upacara Kantor Bupati".into(),
                starts_at: this_morning.to_rfc3339(),
                timezone: Some(kab.timezone.into()),
                pledge_id: None,
                campaign: Some(campaign.id),
                invite: Invite {
                    opds: Some(opds.clone()),
                    nips: None,
                    all: None,
                },
                mandiri_days: Some(7),
                // The first OPD's representative signs for some colleagues (perwakilan).
                allow_representation: Some(true),
            },
        )
        .await?;
    app.open_ceremony(&admin, second).await?;
    let mut representative: Option<&Device> = None;
    let mut represented: Vec<String> = Vec::new();
    let invited: Vec<&str> = kab
        .officials
        .iter()
        .filter(|o| opds.contains(&o.opd_code))
        .map(|o| o.nip.as_str())
        .collect();
    for (i, nip) in invited.iter().enumerate() {
        if i % 3 == 0 {
            continue;
        }
        clock.advance(Duration::seconds(7));
        let checked_in = match app.check_in(&admin, second, nip).await {
            // A head who signed at the pendopo signed for the campaign: not invited.
            Err(e) if e.code == "not_invited" => continue,
            checked_in => checked_in?,
        };
        let in_first_opd = checked_in.opd_code == opds[0];
        if i % 3 == 1
            && let Some(d) = device(nip)
        {
            sign(&app, second, d).await?;
            if in_first_opd && representative.is_none() {
                representative = Some(d);
            }
        } else if i % 3 == 2 && in_first_opd && represented.len() < 3 {
            represented.push(nip.to_string());
        }
    }
    // The first OPD's representative, who signed their own pakta, signs for three
    // colleagues who came but did not sign.
    if let Some(rep) = representative
        && !represented.is_empty()
    {
        app.name_representative(
            &admin,
            second,
            NamingRequest {
                opd: opds[0].clone(),
                representative: rep.nip.to_string(),
                represents: represented,
            },
        )
        .await?;
        sign_representation(&app, second, rep).await?;
    }

    // Ceremony 3: next week, still a draft.
    app.create_ceremony(
        &admin,
        NewCeremony {
            title: "Ikrar Netralitas ASN Kecamatan dan Kelurahan".into(),
            place: "Aula Kecamatan".into(),
            starts_at: nine_in_the_morning(zone, now + Duration::days(7)).to_rfc3339(),
            timezone: Some(kab.timezone.into()),
            pledge_id: None,
            campaign: Some(campaign.id),
            invite: Invite {
                opds: Some(
                    kab.opds
                        .iter()
                        .filter(|o| o.code.starts_with("KEC") || o.code.starts_with("KEL"))
                        .map(|o| o.code.clone())
                        .collect(),
                ),
                nips: None,
                all: None,
            },
            mandiri_days: Some(7),
            allow_representation: None,
        },
    )
    .await?;

    // The demo's season was played in the past; its tokens last a year from then, so a
    // visitor can still look around weeks later.
    let token = |role: &str, ceremony: Option<CeremonyId>, opd: Option<String>| TokenRequest {
        role: role.into(),
        ceremony: ceremony.map(CeremonyId::get),
        opd,
        name: Some(format!("Demo {role}")),
        days: Some(366),
    };
    let supervisor_opd = opds[0].clone();
    Ok(DemoTokens {
        operator: app
            .create_token(&admin, token("operator", Some(second), None))
            .await?
            .token,
        operator_ceremony: second.get(),
        supervisor: app
            .create_token(
                &admin,
                token("supervisor", None, Some(supervisor_opd.clone())),
            )
            .await?
            .token,
        supervisor_opd,
        inspektorat: app
            .create_token(&admin, token("inspektorat", None, None))
            .await?
            .token,
        auditor: app
            .create_token(&admin, token("auditor", None, None))
            .await?
            .token,
    })
}

/// 09.00 in the instansi's zone on that zone's day of `time`: when pledge ceremonies
/// are held.
pub fn nine_in_the_morning(zone: Zone, time: DateTime<Utc>) -> DateTime<Utc> {
    let day = time.with_timezone(&zone.offset()).date_naive();
    let nine = day.and_hms_opt(9, 0, 0).expect("valid time");
    zone.offset()
        .from_local_datetime(&nine)
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

async fn enroll(app: &App, admin: &Caller, nip: Identifier) -> Result<Device> {
    let issued = app.issue_enrollment_code(admin, nip.as_str()).await?;
    let key = keyfile::generate().map_err(|e| crate::error::Error::internal(e.to_string()))?;
    let public = keyfile::public_key(&key);
    let code = EnrollmentCode::parse(&issued.code).expect("issued codes parse");
    let message = enrollment_message(&nip, &public, &code);
    app.enroll(EnrollmentRequest {
        nip: nip.to_string(),
        code: issued.code,
        public_key: public.to_base64(),
        proof: encode_base64(&key.sign(message.as_bytes()).to_bytes()),
    })
    .await?;
    Ok(Device { nip, key })
}

/// A representative's device signs the representation statement (perwakilan).
async fn sign_representation(app: &App, ceremony: CeremonyId, device: &Device) -> Result<()> {
    let request = RepresentationRequest {
        ceremony,
        nip: device.nip.clone(),
        time: app.now(),
    }
    .encode();
    let proof = device.key.sign(request.as_bytes());
    let issued = app
        .issue_representation(
            ceremony,
            RepresentationRequestBody {
                request: Some(request),
                signature: Some(encode_base64(&proof.to_bytes())),
            },
        )
        .await?;
    let signature = device.key.sign(issued.statement.as_bytes());
    app.submit_representation(RepresentationSubmission {
        statement: issued.statement,
        signature: encode_base64(&signature.to_bytes()),
    })
    .await?;
    Ok(())
}

async fn sign(app: &App, ceremony: CeremonyId, device: &Device) -> Result<()> {
    let request = StatementRequest {
        ceremony,
        nip: device.nip.clone(),
        time: app.now(),
    }
    .encode();
    let proof = device.key.sign(request.as_bytes());
    let issued = app
        .issue_statement(
            ceremony,
            StatementRequestBody {
                request: Some(request),
                signature: Some(encode_base64(&proof.to_bytes())),
            },
        )
        .await?;
    let signature = device.key.sign(issued.statement.as_bytes());
    app.submit_signature(SignatureRequest {
        statement: issued.statement,
        signature: encode_base64(&signature.to_bytes()),
    })
    .await?;
    Ok(())
}
