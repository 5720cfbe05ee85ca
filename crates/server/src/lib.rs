//! The `interspace` server: configuration, start-up, CLI.

pub mod cli;
pub mod config;
pub mod mail;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::{Application, StartupError};
