//! ActivityStreams wire types. They never leave this crate: `app` sees plain values.

pub mod actor;
pub mod context;
pub mod inbound;
pub mod limits;
pub mod values;

/// An activity with the inboxes it goes to: what every builder of an outgoing activity makes
/// (`outbound::build`, and the objects' own builders it calls).
pub struct Built {
    pub id: String,
    pub json: serde_json::Value,
    pub inboxes: Vec<String>,
}
