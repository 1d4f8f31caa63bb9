//! The witness's rule, c2sp.org/tlog-witness `add-checkpoint`: the request body (old
//! size, consistency proof, checkpoint) and the judgement of a submitted checkpoint
//! against the latest one the witness cosigned for that log. A witness cosigns only a
//! checkpoint signed by a log it knows that extends what it saw before; everything else
//! is refused with the reason the protocol names (and its HTTP status, mapped in
//! `http::error`). Pure: the caller holds the state and makes the check-and-store atomic.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::crypto::Sha256Hash;
use super::merkle::verify_consistency;
use super::note::{Checkpoint, NoteError, VerifierKey, split_note};

/// tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
const MAX_PROOF_LINES: usize = 63;

/// A submitted checkpoint with the proof that it extends the witness's last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Sha256Hash>,
    /// The signed note, possibly with several signatures.
    pub note: String,
}

/// Why a witness does not cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the request is malformed: {0}")]
    Malformed(String),
    #[error(
        "this witness does not follow the log {0}; ask its operator to add the log's verifier key"
    )]
    UnknownLog(String),
    #[error("the checkpoint carries no valid signature by the key this witness holds for {0}")]
    NotSigned(String),
    #[error("the old size {old} is larger than the checkpoint's size {size}")]
    OldSizeBeyond { old: u64, size: u64 },
    /// The old size is not the size this witness last cosigned, or the same size came
    /// with another root: a client out of date, or a split view.
    #[error("this witness last cosigned size {known} of this log")]
    Conflict { known: u64 },
    #[error("the consistency proof from size {old} to {size} does not verify")]
    BadProof { old: u64, size: u64 },
}

impl AddCheckpoint {
    /// tlog-witness: an `old <size>` line, up to 63 base64 hash lines, an empty line,
    /// then the checkpoint.
    pub fn parse(body: &str) -> Result<AddCheckpoint, Refusal> {
        let malformed = |why: &str| Refusal::Malformed(why.to_string());
        let (head, note) = body
            .split_once("\n\n")
            .ok_or_else(|| malformed("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or_else(|| malformed("the first line must be `old <size>`"))?;
        let old_size = old
            .parse::<u64>()
            .ok()
            .filter(|n| n.to_string() == old)
            .ok_or_else(|| malformed("the old size is not a canonical decimal number"))?;
        let proof = lines
            .map(|line| {
                STANDARD
                    .decode(line)
                    .ok()
                    .and_then(|b| Sha256Hash::from_slice(&b))
                    .ok_or_else(|| malformed("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(malformed("more than 63 consistency proof lines"));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: note.to_string(),
        })
    }

    pub fn encode(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&STANDARD.encode(hash.0));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }

    /// The origin line of the submitted checkpoint, to find the log's key and state.
    pub fn origin(&self) -> Result<&str, Refusal> {
        self.note
            .split('\n')
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| Refusal::Malformed("the checkpoint has no origin line".into()))
    }
}

/// What the witness last cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub size: u64,
    pub root: Sha256Hash,
}

/// Decides whether to cosign: `log` is the key the witness holds for the request's
/// origin (None: an unknown log), `latest` what it last cosigned for it. Returns the
/// checkpoint to cosign, and whose text to sign, in the spec's order of checks.
pub fn judge(
    request: &AddCheckpoint,
    log: Option<&VerifierKey>,
    latest: Option<&Cosigned>,
) -> Result<(Checkpoint, String), Refusal> {
    let origin = request.origin()?;
    let log = log.ok_or_else(|| Refusal::UnknownLog(origin.to_string()))?;
    let (text, _) = split_note(&request.note).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let checkpoint = match Checkpoint::open(&request.note, log) {
        Ok(c) => c,
        Err(NoteError::NotSignedBy(_) | NoteError::BadSignature(_)) => {
            return Err(Refusal::NotSigned(origin.to_string()));
        }
        Err(e) => return Err(Refusal::Malformed(e.to_string())),
    };
    if request.old_size > checkpoint.size {
        return Err(Refusal::OldSizeBeyond {
            old: request.old_size,
            size: checkpoint.size,
        });
    }
    let known = latest.map_or(0, |l| l.size);
    if request.old_size != known {
        return Err(Refusal::Conflict { known });
    }
    match latest {
        // The same size again: only the same root is the same tree.
        Some(latest) if latest.size == checkpoint.size && latest.root != checkpoint.root => {
            return Err(Refusal::Conflict { known });
        }
        Some(latest) if latest.size == checkpoint.size => {}
        Some(latest)
            if !verify_consistency(
                latest.size,
                checkpoint.size,
                &request.proof,
                &latest.root,
                &checkpoint.root,
            ) =>
        {
            return Err(Refusal::BadProof {
                old: latest.size,
                size: checkpoint.size,
            });
        }
        Some(_) => {}
        // Nothing seen before: the proof from size zero is empty.
        None if !request.proof.is_empty() => {
            return Err(Refusal::BadProof {
                old: 0,
                size: checkpoint.size,
            });
        }
        None => {}
    }
    Ok((checkpoint, text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crypto::PublicKey;
    use crate::domain::merkle;
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "pakta.example/kabupaten-contoh";

    fn log() -> (SigningKey, VerifierKey) {
        let key = SigningKey::from_bytes(&[2; 32]);
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        (key.clone(), VerifierKey::new(ORIGIN, public))
    }

    /// Leaves 0..size of a log whose leaf i is the byte string `prefix` and i.
    fn leaves(prefix: &str, size: u64) -> Vec<Sha256Hash> {
        (0..size)
            .map(|i| merkle::leaf_hash(format!("{prefix}{i}").as_bytes()))
            .collect()
    }

    fn subtree(leaves: &[Sha256Hash]) -> impl FnMut(u32, u64) -> Result<Sha256Hash, ()> + '_ {
        move |level, index| {
            let width = 1u64 << level;
            let start = (index * width) as usize;
            let mut b = merkle::RootBuilder::default();
            for leaf in &leaves[start..start + width as usize] {
                b.push(*leaf);
            }
            Ok(b.root())
        }
    }

    fn checkpoint(key: &SigningKey, leaves: &[Sha256Hash], size: u64) -> (String, Sha256Hash) {
        let root = merkle::root(size, &mut subtree(&leaves[..size as usize])).unwrap();
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size,
            root,
        };
        (cp.sign(key), root)
    }

    fn request(key: &SigningKey, leaves: &[Sha256Hash], old: u64, size: u64) -> AddCheckpoint {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            merkle::consistency_proof(old, size, &mut subtree(leaves)).unwrap()
        };
        AddCheckpoint {
            old_size: old,
            proof,
            note: checkpoint(key, leaves, size).0,
        }
    }

    #[test]
    fn the_body_round_trips_as_the_spec_lays_it_out() {
        let (key, _) = log();
        let l = leaves("a", 20);
        let r = request(&key, &l, 7, 20);
        let body = r.encode();
        assert!(body.starts_with("old 7\n"));
        assert_eq!(AddCheckpoint::parse(&body).unwrap(), r);
        assert!(AddCheckpoint::parse(&body.replacen("old 7", "old 07", 1)).is_err());
    }

    #[test]
    fn a_consistent_checkpoint_is_cosigned_and_anything_else_refused_with_its_reason() {
        let (key, vkey) = log();
        let l = leaves("a", 20);
        let (_, root7) = checkpoint(&key, &l, 7);
        let seen = Cosigned {
            size: 7,
            root: root7,
        };

        let (cp, text) = judge(&request(&key, &l, 7, 20), Some(&vkey), Some(&seen)).unwrap();
        assert_eq!((cp.size, text.lines().count()), (20, 3));
        assert!(judge(&request(&key, &l, 0, 7), Some(&vkey), None).is_ok());

        assert_eq!(
            judge(&request(&key, &l, 0, 20), Some(&vkey), Some(&seen)),
            Err(Refusal::Conflict { known: 7 })
        );
        assert!(matches!(
            judge(&request(&key, &l, 7, 20), None, Some(&seen)),
            Err(Refusal::UnknownLog(_))
        ));
        let stranger = SigningKey::from_bytes(&[3; 32]);
        assert!(matches!(
            judge(&request(&stranger, &l, 7, 20), Some(&vkey), Some(&seen)),
            Err(Refusal::NotSigned(_))
        ));
        let mut beyond = request(&key, &l, 7, 20);
        beyond.old_size = 21;
        assert!(matches!(
            judge(&beyond, Some(&vkey), Some(&seen)),
            Err(Refusal::OldSizeBeyond { .. })
        ));

        // Entries after size 7 are the log's to choose: only the shared prefix matters.
        let mut other = l[..7].to_vec();
        other.extend(leaves("b", 20).into_iter().skip(7));
        assert!(judge(&request(&key, &other, 7, 20), Some(&vkey), Some(&seen)).is_ok());
        let forked = Cosigned {
            size: 7,
            root: checkpoint(&key, &leaves("c", 7), 7).1,
        };
        assert_eq!(
            judge(&request(&key, &l, 7, 20), Some(&vkey), Some(&forked)),
            Err(Refusal::BadProof { old: 7, size: 20 })
        );
        // The same size with another root is a conflict, not a proof failure.
        assert_eq!(
            judge(&request(&key, &l, 7, 7), Some(&vkey), Some(&forked)),
            Err(Refusal::Conflict { known: 7 })
        );
    }
}
