//! Pure rules of the registry: identifiers, key material, the documents people sign,
//! registry entries, the ceremony state machine and the offline audit. Nothing here
//! performs IO, reads the clock or draws randomness: callers pass those in.

pub mod access;
pub mod audit;
pub mod campaign;
pub mod ceremony;
pub mod crypto;
pub mod desk;
pub mod entry;
pub mod identifier;
pub mod ids;
pub mod merkle;
pub mod note;
pub mod phone;
pub mod presence;
pub mod recap;
pub mod receipt;
pub mod record;
pub mod representation;
pub mod roster;
pub mod siasn;
pub mod signing_protocol;
pub mod statement;
pub mod tiles;
pub mod zone;
