//! Database-backed objects that the federation crate dereferences, verifies and serves.

pub mod actor;
pub mod event;
pub mod note;
pub mod opportunity;
pub mod visit;
