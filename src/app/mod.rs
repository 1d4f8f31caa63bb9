//! The application: every use case of the registry (roster import, enrollment, pledges,
//! ceremonies, signing, reports, verification), each a method on [`App`]. It combines
//! the pure rules of [`crate::domain`] with the [`crate::store`] and the clock, and
//! draws the randomness (subject ids, nonces, codes, tokens). HTTP handlers and CLI
//! commands call these methods and do nothing else of substance.

mod access_log;
mod auth;
pub mod backup;
mod campaigns;
mod ceremonies;
mod chasing;
pub mod continuity;
mod desk;
mod documents;
mod enrollment;
mod erasure;
mod hall;
mod log;
mod paging;
pub mod publishing;
mod recap;
mod reports;
mod representation;
mod roster;
mod setup;
mod signing;
mod transparency;
mod units;
mod verify;
mod witnessing;

use std::sync::Arc;

use chrono::Duration;

pub use crate::domain::receipt::Check;
pub use access_log::{AccessLogPage, access_log_csv_header, access_log_csv_rows};
pub use auth::{Access, Caller, NewToken, Role, TokenPage, TokenRequest, TokenView};
pub use campaigns::{
    CampaignCeremony, CampaignOpdReport, CampaignOpdUnsigned, CampaignReport, CampaignView,
    CreatedCampaign, HeadRequest, HeadView, NewCampaign, RecapMark,
};
pub use ceremonies::{
    CeremonyDetails, CeremonySummary, ClosedCeremony, Invite, NewCeremony, OpenedCeremony,
    PublishedPledge,
};
pub use chasing::WA_CSV_HEADER;
pub use desk::{CheckedIn, DeskMatch, DeskMatches};
pub use enrollment::{Enrolled, EnrollmentRequest, IssuedCode};
pub use erasure::Erasure;
pub use hall::{Card, Counts, PresenceCheckIn, PresenceCode};
pub use log::{EntryView, Head, Info, MAX_PAGE};
pub use paging::{CEREMONY_PAGE, PLEDGE_PAGE, PageRequest, PageSize, Paged, ROSTER_PAGE};
pub use recap::{Countersignature, IssuedRecap, RecapRequestBody, RecapSignatureBody, RecapSigned};
pub use reports::{CsvChunks, OpdReport, OpdUnsigned, UnsignedOfficial, unsigned_csv_rows};
pub use representation::{
    AcceptedRepresentation, IssuedRepresentation, NamedOfficial, NamingRequest, NamingView,
    RepresentationRequestBody, RepresentationSubmission, SubmittedRepresentation,
};
pub use roster::{ImportReport, OfficialView};
pub use setup::{LogSigner, default_origin, log_key_path};
pub use signing::{
    AcceptedSignature, IssuedStatementView, SignatureRequest, StatementRequestBody, Submitted,
};
pub use transparency::{ConsistencyProof, InclusionProof, Tile};
pub use units::{
    AssignedUnit, LeftOut, Released, UnitAssignment, UnitName, UnitsReport, UnmappedList,
    UnmappedUnit,
};
pub use verify::{RepresentationProof, SignedPledge, Verification, kind_words};
pub use witnessing::{WITNESSED_FILE, WitnessEndpoint};

use crate::clock::Clock;
use crate::domain::zone::Zone;
use crate::error::{Error, Result};
use crate::store::Store;

/// Settings that shape the registry's behaviour.
#[derive(Debug, Clone)]
pub struct Config {
    /// Name of the instansi (regional government or Kemenag office) running the registry.
    pub instansi: String,
    /// The zone people at this instansi read times in.
    pub zone: Zone,
    /// How long an issued statement can be signed: long enough to read the pledge on a
    /// phone, short enough that a stale one cannot be signed later.
    pub statement_ttl: Duration,
    /// How long a printed enrollment code works.
    pub enrollment_code_ttl: Duration,
    /// The witnesses asked to cosign each new checkpoint (none: the log's signature
    /// alone), and how many of them must cosign before a checkpoint is served.
    pub witnesses: Vec<WitnessEndpoint>,
    pub witness_quorum: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            instansi: "Pemerintah Daerah".into(),
            zone: Zone::Wib,
            statement_ttl: Duration::minutes(15),
            enrollment_code_ttl: Duration::days(14),
            witnesses: Vec::new(),
            witness_quorum: 0,
        }
    }
}

/// Secrets of the registry, made at first start and kept in the database.
#[derive(Clone)]
struct Secrets {
    /// Derives the hall screen's rotating presence codes.
    presence: [u8; 32],
    /// Seals the statements the registry issues, so it recognises them without storing
    /// them.
    statement: [u8; 32],
}

#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    log: Arc<LogSigner>,
    /// The only signer of checkpoints, and the last one it kept.
    publisher: Arc<continuity::Publisher>,
    /// The witnessed checkpoint, when witnesses are configured.
    witnessing: Option<Arc<witnessing::Witnessing>>,
    secrets: Secrets,
}

impl App {
    fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: Config,
        log: Arc<LogSigner>,
        publisher: Arc<continuity::Publisher>,
        witnessing: Option<Arc<witnessing::Witnessing>>,
        secrets: Secrets,
    ) -> App {
        App {
            store,
            clock,
            config: Arc::new(config),
            log,
            publisher,
            witnessing,
            secrets,
        }
    }

    /// The same registry seen through another clock (the demo loader plays past weeks):
    /// its requests and the entries they append are timed by `clock`.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> App {
        App {
            store: self.store.with_clock(clock.clone()),
            clock,
            ..self.clone()
        }
    }

    /// The registry's clock, which officials' requests are judged by.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// Fresh randomness from the operating system. Failure is fatal for the request only.
fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "system RNG failed");
        Error::internal("Pembangkit bilangan acak sistem gagal; coba lagi.")
    })?;
    Ok(bytes)
}
