//! ActivityStreams wire types. They never leave this crate: `app` sees plain values.

pub mod activities;
pub mod actor;
pub mod context;
pub mod limits;
pub mod values;
