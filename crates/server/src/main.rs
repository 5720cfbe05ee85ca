use clap::Parser;
use interspace_server::cli::{self, Cli, Command};
use interspace_server::{telemetry, Config};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), &Config::process_env()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Commands other than serve keep their output clean: warnings and errors only.
    let level = match cli.command {
        Command::Serve => config.log.level.clone(),
        _ => "warn".to_string(),
    };
    telemetry::init(&level, config.log.format == "json");
    match cli::run(cli, config).await {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", interspace_core::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}
