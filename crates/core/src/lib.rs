//! Pure domain of Interspace: no I/O, no database, no runtime.
//!
//! Value objects parse and validate their input once (`parse`), so the layers above carry only
//! values that are known to be valid.

pub mod accept;
pub mod events;
pub mod html;
pub mod ical;
pub mod ids;
pub mod images;
pub mod names;
pub mod net;
pub mod roles;
pub mod scopes;
pub mod text;
pub mod urls;

use thiserror::Error;

/// Where a change comes from: a local user or API call, or a remote instance over ActivityPub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Local,
    Remote,
}

/// A value failed validation. `field` names the input, `reason` is a sentence for people.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    pub field: &'static str,
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
