//! Logging to stderr, filtered by `RUST_LOG` or the configured level; as text for people or as
//! one JSON object per line for log shippers (`log.format = "json"`).

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init(default_level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(default_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}
