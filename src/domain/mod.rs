//! Pure rules of the registry: identifiers, key material, the documents people sign,
//! registry entries, the ceremony state machine, the offline audit and the monitor's
//! report over many registries. Nothing here performs IO, reads the clock or draws
//! randomness: callers pass those in.

pub mod access;
pub mod audit;
pub mod backup;
pub mod campaign;
pub mod ceremony;
pub mod cosignature;
pub mod crypto;
pub mod desk;
pub mod entry;
pub mod identifier;
pub mod ids;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod phone;
pub mod presence;
pub mod publication;
pub mod recap;
pub mod receipt;
pub mod record;
pub mod representation;
pub mod roster;
pub mod siasn;
pub mod signing_protocol;
pub mod statement;
pub mod tiles;
pub mod witness;
pub mod zone;
