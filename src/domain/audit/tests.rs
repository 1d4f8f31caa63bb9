//! The audit's rules on small hand-made logs, in line and with the document and
//! signature checks handed over.

use super::*;
use crate::domain::crypto::{PublicKey, Signature};
use crate::domain::entry::{RevocationReason, SigningMode};
use crate::domain::ids::SubjectId;
use crate::domain::record::parse_time;
use ed25519_dalek::{Signer, SigningKey};

struct Log {
    entries: Vec<Vec<u8>>,
    prev: Sha256Hash,
}

impl Log {
    fn push(&mut self, body: EntryBody) {
        let entry = Entry {
            index: self.entries.len() as u64,
            time: parse_time("2024-10-07T02:00:00Z").unwrap(),
            prev: self.prev,
            body,
        };
        let bytes = entry.encode();
        self.prev = entry_hash(&bytes);
        self.entries.push(bytes);
    }
}

fn audit(entries: &[Vec<u8>]) -> Result<AuditSummary, AuditFailure> {
    let mut auditor = Auditor::default();
    for bytes in entries {
        auditor.check(None, bytes, &mut |_| None)?;
    }
    auditor.finish()
}

fn sample_log() -> Log {
    let mut log = Log {
        entries: vec![],
        prev: Sha256Hash::ZERO,
    };
    let subject = SubjectId::from_random([1; 16]);
    for seed in [1u8, 2] {
        let signer = SigningKey::from_bytes(&[seed; 32]);
        let key = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
        if seed == 2 {
            let old =
                PublicKey::from_bytes(&SigningKey::from_bytes(&[1; 32]).verifying_key().to_bytes())
                    .unwrap();
            log.push(EntryBody::KeyRevoked {
                subject,
                fingerprint: old.fingerprint(),
                reason: RevocationReason::Superseded,
            });
        }
        log.push(EntryBody::KeyEnrolled {
            subject,
            key,
            enrollment_sha256: Sha256Hash::of(&[seed]),
            proof: Signature::from_bytes(&signer.sign(&[seed]).to_bytes()),
        });
    }
    log
}

#[test]
fn a_clean_log_passes_with_a_summary() {
    let log = sample_log();
    let summary = audit(&log.entries).unwrap();
    assert_eq!(summary.entries, 3);
    assert_eq!(summary.keys_enrolled, 2);
    assert_eq!(summary.keys_revoked, 1);
    assert_eq!(summary.head, Some(log.prev));
}

#[test]
fn removal_and_reordering_are_named_at_the_first_bad_position() {
    let log = sample_log();
    let mut removed = log.entries.clone();
    removed.remove(1);
    assert_eq!(audit(&removed).unwrap_err().index, 1);
    let mut swapped = log.entries.clone();
    swapped.swap(0, 1);
    assert_eq!(audit(&swapped).unwrap_err().index, 0);
}

#[test]
fn a_second_active_key_without_revocation_is_refused() {
    let mut log = sample_log();
    log.entries.remove(1);
    // Rebuild the chain so only the key rule, not the hashes, is at fault.
    let bodies: Vec<Entry> = log
        .entries
        .iter()
        .map(|b| Entry::parse(b).unwrap())
        .collect();
    let mut rebuilt = Log {
        entries: vec![],
        prev: Sha256Hash::ZERO,
    };
    for e in bodies {
        rebuilt.push(e.body);
    }
    let failure = audit(&rebuilt.entries).unwrap_err();
    assert_eq!(failure.index, 1);
    assert!(failure.problem.contains("second key"), "{failure}");
}

#[test]
fn an_altered_entry_is_caught_by_its_stored_hash() {
    let log = sample_log();
    let mut auditor = Auditor::default();
    let stored = entry_hash(&log.entries[0]);
    let mut altered = log.entries[0].clone();
    let last = altered.len() - 3;
    altered[last] ^= 1;
    let failure = auditor
        .check(Some(stored), &altered, &mut |_| None)
        .unwrap_err();
    assert_eq!(failure.index, 0);
}

/// A ceremony season in entries, with `edit` applied to the list of bodies first.
/// The season of [`season`] inside a campaign, then a second ceremony of the same
/// campaign in which subject a (who signed in the first) signs again.
fn campaign_season(second_campaign: Option<u64>) -> Result<AuditSummary, AuditFailure> {
    use crate::domain::entry::AttendanceMethod;
    season(|b| {
        let campaign = CampaignId::new(1).unwrap();
        let EntryBody::PledgeSigned {
            subject,
            fingerprint,
            signature,
            ..
        } = b[4].clone()
        else {
            panic!("entry 4 signs")
        };
        if let EntryBody::CeremonyOpened { campaign: c, .. } = &mut b[2] {
            *c = Some(campaign);
        }
        b.insert(
            2,
            EntryBody::CampaignCreated {
                campaign,
                title: "Pilkada Serentak 2024".into(),
                pledge: PledgeId::new(1).unwrap(),
                pledge_sha256: Sha256Hash::of(b"pledge text"),
            },
        );
        let second = CeremonyId::new(2).unwrap();
        b.push(EntryBody::CeremonyOpened {
            ceremony: second,
            pledge: PledgeId::new(1).unwrap(),
            pledge_sha256: Sha256Hash::of(b"pledge text"),
            invited: 1,
            invitees_sha256: Sha256Hash::of(b"i2"),
            campaign: second_campaign.and_then(CampaignId::new),
        });
        b.push(EntryBody::AttendanceRecorded {
            ceremony: second,
            subject,
            method: AttendanceMethod::Desk,
        });
        b.push(EntryBody::PledgeSigned {
            ceremony: second,
            subject,
            mode: SigningMode::Ceremony,
            statement_sha256: Sha256Hash::of(b"s2"),
            fingerprint,
            signature,
        });
    })
}

#[test]
fn a_second_signature_in_one_campaign_is_refused_and_named_by_its_index() {
    let failure = campaign_season(Some(1)).unwrap_err();
    assert_eq!(failure.index, 10, "{failure}");
    assert!(
        failure.problem.contains("second time in campaign 1")
            && failure.problem.contains("first signature at entry 5"),
        "{failure}"
    );
    let outside = campaign_season(None).expect("a ceremony outside the campaign");
    assert_eq!(outside.campaigns, 1);
}

#[test]
fn a_campaign_ceremony_needs_a_created_campaign() {
    let failure = campaign_season(Some(7)).unwrap_err();
    assert_eq!(failure.index, 8, "{failure}");
    assert!(failure.problem.contains("never created"), "{failure}");
}

/// One small ceremony season: a enrolls, a pledge and a ceremony for a and b, a checks
/// in and signs, the closing routes b to ikrar mandiri.
fn season_bodies() -> Vec<EntryBody> {
    use crate::domain::entry::AttendanceMethod;
    let signer = SigningKey::from_bytes(&[3; 32]);
    let key = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
    let (a, b) = (
        SubjectId::from_random([1; 16]),
        SubjectId::from_random([2; 16]),
    );
    let ceremony = CeremonyId::new(1).unwrap();
    let pledge = PledgeId::new(1).unwrap();
    let text = Sha256Hash::of(b"pledge text");
    let due = parse_time("2024-10-14T16:59:59Z").unwrap();
    let sig = Signature::from_bytes(&signer.sign(b"statement").to_bytes());
    vec![
        EntryBody::KeyEnrolled {
            subject: a,
            key,
            enrollment_sha256: Sha256Hash::of(b"e"),
            proof: sig,
        },
        EntryBody::PledgePublished {
            pledge,
            title: "Pakta".into(),
            text_sha256: text,
        },
        EntryBody::CeremonyOpened {
            ceremony,
            pledge,
            pledge_sha256: text,
            invited: 2,
            invitees_sha256: Sha256Hash::of(b"i"),
            campaign: None,
        },
        EntryBody::AttendanceRecorded {
            ceremony,
            subject: a,
            method: AttendanceMethod::Desk,
        },
        EntryBody::PledgeSigned {
            ceremony,
            subject: a,
            mode: SigningMode::Ceremony,
            statement_sha256: Sha256Hash::of(b"s"),
            fingerprint: key.fingerprint(),
            signature: sig,
        },
        EntryBody::CeremonyClosed {
            ceremony,
            routed_to_mandiri: 1,
            mandiri_due: due,
        },
        EntryBody::MandiriAssigned {
            ceremony,
            subject: b,
            due,
        },
    ]
}

fn season(edit: impl FnOnce(&mut Vec<EntryBody>)) -> Result<AuditSummary, AuditFailure> {
    let mut bodies = season_bodies();
    edit(&mut bodies);
    let mut log = Log {
        entries: vec![],
        prev: Sha256Hash::ZERO,
    };
    for body in bodies {
        log.push(body);
    }
    audit(&log.entries)
}

#[test]
fn a_whole_season_passes() {
    let summary = season(|_| {}).unwrap();
    assert_eq!(summary.entries, 7);
    assert_eq!(summary.statements_erased, 1);
}

#[test]
fn an_erasure_is_counted_and_nothing_may_name_the_erased_person_after_it() {
    let erase_a = EntryBody::PersonErased {
        subject: SubjectId::from_random([1; 16]),
        documents_erased: 2,
    };
    let erased = season(|b| b.push(erase_a.clone())).unwrap();
    assert_eq!(erased.persons_erased, 1);
    assert_eq!(erased.documents_erased, 2);
    assert_eq!(erased.enrollment_messages_erased, 1);
    assert_eq!(erased.statements_erased, 1);

    let twice = season(|b| {
        b.push(erase_a.clone());
        b.push(erase_a.clone());
    })
    .unwrap_err();
    assert_eq!(twice.index, 8);
    assert!(twice.problem.contains("erased earlier"), "{twice}");

    let signs_after = season(|b| b.insert(4, erase_a.clone())).unwrap_err();
    assert_eq!(signs_after.index, 5);
    assert!(
        signs_after.problem.contains("erased earlier"),
        "{signs_after}"
    );
}

#[test]
fn a_ceremony_signature_needs_recorded_attendance() {
    let failure = season(|b| {
        b.remove(3);
    })
    .unwrap_err();
    assert_eq!(failure.index, 3);
    assert!(
        failure.problem.contains("without recorded attendance"),
        "{failure}"
    );
}

#[test]
fn a_ceremony_must_open_with_a_published_pledge_text() {
    let failure = season(|b| {
        if let EntryBody::CeremonyOpened { pledge_sha256, .. } = &mut b[2] {
            *pledge_sha256 = Sha256Hash::of(b"another text");
        }
    })
    .unwrap_err();
    assert_eq!(failure.index, 2);
}

#[test]
fn a_closing_must_be_followed_by_every_assignment_it_announces() {
    let missing = season(|b| {
        b.pop();
    })
    .unwrap_err();
    assert_eq!(missing.index, 6);
    assert!(
        missing.problem.contains("more mandiri assignments"),
        "{missing}"
    );
    let extra = season(|b| {
        let again = b[6].clone();
        b.push(again);
    })
    .unwrap_err();
    assert_eq!(extra.index, 7);
}

#[test]
fn signing_in_the_wrong_mode_for_the_phase_is_refused() {
    let failure = season(|b| {
        let signed = b.remove(4);
        b.push(signed);
    })
    .unwrap_err();
    assert_eq!(failure.index, 6);
    assert!(
        failure.problem.contains("after ceremony 1 closed"),
        "{failure}"
    );
}

/// A log whose enrollment message and statement are kept, as `(entries, documents)`;
/// `edit` changes the bodies and documents before the entries are written.
fn kept_season(
    edit: impl FnOnce(&mut Vec<EntryBody>, &mut std::collections::HashMap<Sha256Hash, Vec<u8>>),
) -> (Vec<Vec<u8>>, std::collections::HashMap<Sha256Hash, Vec<u8>>) {
    use crate::domain::entry::AttendanceMethod;
    use crate::domain::identifier::Identifier;
    use crate::domain::statement::{
        EnrollmentCode, Statement, StatementFormat, enrollment_message,
    };
    use crate::domain::zone::Zone;
    let signer = SigningKey::from_bytes(&[5; 32]);
    let key = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
    let subject = SubjectId::from_random([1; 16]);
    let nip = Identifier::parse_any("198001012005011001").unwrap();
    let message = enrollment_message(&nip, &key, &EnrollmentCode::from_symbols([1; 12]));
    let ceremony = CeremonyId::new(1).unwrap();
    let pledge = PledgeId::new(1).unwrap();
    let text = Sha256Hash::of(b"pledge text");
    let statement = Statement {
        format: StatementFormat::V2 { zone: Zone::Wib },
        pledge_title: "Pakta".into(),
        pledge_sha256: text,
        ceremony,
        mode: SigningMode::Ceremony,
        subject,
        nip,
        name: "Andi Wijaya".into(),
        position: "Guru".into(),
        unit: "Dinas Pendidikan".into(),
        time: parse_time("2024-10-07T02:00:00Z").unwrap(),
        nonce: "000102030405060708090a0b0c0d0e0f".into(),
    }
    .encode();
    let sign = |bytes: &[u8]| Signature::from_bytes(&signer.sign(bytes).to_bytes());
    let mut documents = std::collections::HashMap::new();
    documents.insert(
        Sha256Hash::of(message.as_bytes()),
        message.clone().into_bytes(),
    );
    documents.insert(
        Sha256Hash::of(statement.as_bytes()),
        statement.clone().into_bytes(),
    );
    let mut bodies = vec![
        EntryBody::KeyEnrolled {
            subject,
            key,
            enrollment_sha256: Sha256Hash::of(message.as_bytes()),
            proof: sign(message.as_bytes()),
        },
        EntryBody::PledgePublished {
            pledge,
            title: "Pakta".into(),
            text_sha256: text,
        },
        EntryBody::CeremonyOpened {
            ceremony,
            pledge,
            pledge_sha256: text,
            invited: 1,
            invitees_sha256: Sha256Hash::of(b"i"),
            campaign: None,
        },
        EntryBody::AttendanceRecorded {
            ceremony,
            subject,
            method: AttendanceMethod::Desk,
        },
        EntryBody::PledgeSigned {
            ceremony,
            subject,
            mode: SigningMode::Ceremony,
            statement_sha256: Sha256Hash::of(statement.as_bytes()),
            fingerprint: key.fingerprint(),
            signature: sign(statement.as_bytes()),
        },
    ];
    edit(&mut bodies, &mut documents);
    let mut log = Log {
        entries: vec![],
        prev: Sha256Hash::ZERO,
    };
    for body in bodies {
        log.push(body);
    }
    (log.entries, documents)
}

fn audit_kept(
    entries: &[Vec<u8>],
    documents: &std::collections::HashMap<Sha256Hash, Vec<u8>>,
) -> Result<AuditSummary, AuditFailure> {
    let mut auditor = Auditor::default();
    for bytes in entries {
        auditor.check(None, bytes, &mut |h| documents.get(h).cloned())?;
    }
    auditor.finish()
}

/// The same audit with the document and signature checks handed over and run last, in
/// reverse order, as worker threads may finish them.
fn audit_deferred(
    entries: &[Vec<u8>],
    documents: &std::collections::HashMap<Sha256Hash, Vec<u8>>,
) -> Result<AuditSummary, AuditFailure> {
    let mut auditor = Auditor::deferring();
    let mut handed = Vec::new();
    let mut rule = None;
    for bytes in entries {
        let checked = auditor.check(None, bytes, &mut |h| documents.get(h).cloned());
        handed.extend(auditor.take_deferred());
        if let Err(failure) = checked {
            rule = Some(failure);
            break;
        }
    }
    let check = handed
        .iter()
        .rev()
        .filter_map(|c| c.run().err())
        .min_by_key(|f| f.index);
    match first_failure(rule, check) {
        Some(failure) => Err(failure),
        None => auditor.finish(),
    }
}

#[test]
fn handed_over_checks_give_the_verdict_of_the_checks_in_line() {
    let other = SigningKey::from_bytes(&[6; 32]);
    let forged = Signature::from_bytes(&other.sign(b"something else").to_bytes());
    let clean = kept_season(|_, _| {});
    let bad_proof = kept_season(|b, _| {
        if let EntryBody::KeyEnrolled { proof, .. } = &mut b[0] {
            *proof = forged;
        }
    });
    let bad_signature = kept_season(|b, _| {
        if let EntryBody::PledgeSigned { signature, .. } = &mut b[4] {
            *signature = forged;
        }
    });
    // A bad signature at 4, and a rule broken after it at 5: 4 is named.
    let bad_signature_then_rule = kept_season(|b, _| {
        if let EntryBody::PledgeSigned { signature, .. } = &mut b[4] {
            *signature = forged;
        }
        let again = b[3].clone();
        b.push(again);
    });
    // The same key enrolled again with a forged proof: in line, the proof is checked
    // before the key's history, so the proof is what fails, handed over or not.
    let forged_and_enrolled_twice = kept_season(|b, _| {
        let EntryBody::KeyEnrolled {
            subject,
            key,
            enrollment_sha256,
            ..
        } = b[0].clone()
        else {
            panic!("entry 0 enrolls")
        };
        b.truncate(1);
        b.push(EntryBody::KeyRevoked {
            subject,
            fingerprint: key.fingerprint(),
            reason: RevocationReason::Superseded,
        });
        b.push(EntryBody::KeyEnrolled {
            subject,
            key,
            enrollment_sha256,
            proof: forged,
        });
    });
    let altered_statement = kept_season(|b, d| {
        if let EntryBody::PledgeSigned {
            statement_sha256, ..
        } = &b[4]
        {
            d.get_mut(statement_sha256).unwrap()[3] ^= 1;
        }
    });
    let expected = [
        (&clean, None),
        (
            &bad_proof,
            Some((0, "the proof of possession does not verify")),
        ),
        (
            &bad_signature,
            Some((4, "the signature does not verify over the statement")),
        ),
        (
            &bad_signature_then_rule,
            Some((4, "the signature does not verify over the statement")),
        ),
        (
            &forged_and_enrolled_twice,
            Some((2, "the proof of possession does not verify")),
        ),
        (
            &altered_statement,
            Some((4, "the kept statement does not match its hash")),
        ),
    ];
    for ((entries, documents), failure) in expected {
        let in_line = audit_kept(entries, documents);
        assert_eq!(audit_deferred(entries, documents), in_line);
        match (failure, in_line) {
            (None, Ok(summary)) => {
                assert_eq!(summary.signatures_verified, 1);
                assert_eq!(summary.enrollment_proofs_verified, 1);
            }
            (Some((index, problem)), Err(f)) => {
                assert_eq!((f.index, f.problem.as_str()), (index, problem));
            }
            (expected, got) => panic!("expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_closed_ceremony_keeps_only_its_assigned_officials_and_still_refuses_a_second_signature() {
    let signer = SigningKey::from_bytes(&[4; 32]);
    let key_b = PublicKey::from_bytes(&signer.verifying_key().to_bytes()).unwrap();
    let b = SubjectId::from_random([2; 16]);
    let ceremony = CeremonyId::new(1).unwrap();
    let sig = Signature::from_bytes(&signer.sign(b"statement").to_bytes());
    let signs_mandiri = EntryBody::PledgeSigned {
        ceremony,
        subject: b,
        mode: SigningMode::Mandiri,
        statement_sha256: Sha256Hash::of(b"m"),
        fingerprint: key_b.fingerprint(),
        signature: sig,
    };
    let log = |twice: bool| {
        let mut bodies = season_bodies();
        bodies.insert(
            0,
            EntryBody::KeyEnrolled {
                subject: b,
                key: key_b,
                enrollment_sha256: Sha256Hash::of(b"e2"),
                proof: sig,
            },
        );
        bodies.push(signs_mandiri.clone());
        if twice {
            bodies.push(signs_mandiri.clone());
        }
        let mut log = Log {
            entries: vec![],
            prev: Sha256Hash::ZERO,
        };
        for body in bodies {
            log.push(body);
        }
        log.entries
    };
    let mut auditor = Auditor::default();
    for bytes in &log(false) {
        auditor.check(None, bytes, &mut |_| None).unwrap();
    }
    let closed = &auditor.ceremonies[&ceremony];
    assert_eq!(closed.people_remembered(), 1, "only b, assigned to mandiri");
    assert_eq!(auditor.finish().unwrap().statements_erased, 2);

    let failure = audit(&log(true)).unwrap_err();
    assert_eq!(failure.index, 9);
    assert!(
        failure.problem.contains("signs ceremony 1 a second time"),
        "{failure}"
    );
}

#[test]
fn an_enrollment_message_names_its_key_exactly_when_it_reads_as_one() {
    use super::checks::names_key;
    use crate::domain::identifier::Identifier;
    use crate::domain::statement::{EnrollmentCode, enrollment_message, parse_enrollment_message};
    let key = |seed: u8| {
        PublicKey::from_bytes(
            &SigningKey::from_bytes(&[seed; 32])
                .verifying_key()
                .to_bytes(),
        )
        .unwrap()
    };
    let nip = Identifier::parse_any("198001012005011001").unwrap();
    let code = EnrollmentCode::from_symbols([3; 12]);
    let message = enrollment_message(&nip, &key(1), &code);
    let lowercase_code = message.replace(code.as_str(), &code.as_str().to_lowercase());
    let reordered = {
        let lines: Vec<&str> = message.lines().collect();
        format!("{}\n{}\n{}\n{}\n", lines[0], lines[3], lines[2], lines[1])
    };
    for (text, signer) in [
        (message.clone(), 1),
        (message.clone(), 2),
        (lowercase_code, 1),
        (reordered, 1),
        (message.replace('\n', "\r\n"), 1),
        (format!("{message}extra: 1\n"), 1),
        (message.trim_end().to_string(), 1),
        ("pakta/enroll/v1\n".to_string(), 1),
    ] {
        let read = parse_enrollment_message(&text).is_ok_and(|(_, named, _)| named == key(signer));
        assert_eq!(names_key(text.as_bytes(), &key(signer)), read, "{text:?}");
    }
    assert!(names_key(message.as_bytes(), &key(1)));
}
