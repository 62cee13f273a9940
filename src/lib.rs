//! conlab: a concurrency lab. One workload under every concurrency model, each run in its
//! own process and measured from outside, so "threads or async?" is answered with numbers
//! from the user's own machine.
//!
//! The binary is a thin shell over [`main_with`]; everything else is reachable from here so
//! tests can drive it in-process.

pub mod advise;
pub mod analyze;
pub mod cell;
pub mod claims;
pub mod cli;
pub mod error;
pub mod measure;
pub mod model;
pub mod params;
pub mod plan;
pub mod report;
pub mod results;
pub mod sweep;
pub mod target;
pub mod units;
pub mod workload;

mod commands;

use std::ffi::OsString;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Parser;

use cli::{Cli, Command};
use error::Error;

/// Parse `args`, run the command, and return the process exit code.
pub fn main_with(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    // Cells and workers are measured processes: they skip the argument parser so its code
    // and allocations are not charged to every cell's memory.
    if let [_, command, spec] = &args[..] {
        match (command.to_str(), spec.to_str()) {
            (Some("cell"), Some(spec)) => return cell::child::run(spec),
            (Some("worker"), Some(spec)) => return model::run_worker(spec),
            _ => {}
        }
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Cell { spec } => return cell::child::run(&spec),
        Command::Worker { spec } => return model::run_worker(&spec),
        Command::List => commands::list(),
        Command::Advise(args) => advise::advise(&args),
        Command::Claims(args) => claims::claims(&args),
        Command::Compare { a, b } => commands::compare(&a, &b),
        Command::Report { file, format, output } => commands::report(&file, &format, output.as_deref()),
        Command::Serve(args) => {
            measure::limits::raise_nofile();
            target::serve(&args)
        }
        Command::Env { json } => commands::env(json),
        Command::Bench(args) => {
            let stop = Arc::new(AtomicBool::new(false));
            for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
            }
            let env = measure::env::Environment::probe(measure::limits::raise_nofile());
            sweep::bench(&args, env, stop)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("conlab: {e}");
            e.exit_code()
        }
    }
}

/// Print a clap error as one line (help and version are printed whole).
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            2
        }
        _ => {
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: bad usage");
            eprintln!("conlab: {}", first.trim_start_matches("error: "));
            2
        }
    }
}

/// Convert a usage problem into the crate error type.
pub fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}
