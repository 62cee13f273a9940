//! conlab: a concurrency lab. One workload under every concurrency model, each run in its
//! own process and measured from outside, so "threads or async?" is answered with numbers
//! from the user's own machine.
//!
//! The layers, top down (an import only ever points down; ARCHITECTURE.md draws them):
//! `cli` and `commands` (the edge), `sweep` and `plan`, `analyze` and `report`, `launch`
//! and `cell`, `model`, `workload` and `server`, and at the bottom `measure`, `results`,
//! `task`, `params` and `units`. The binary is a thin shell over [`main_with`]; a sweep
//! is a library call ([`sweep::run`]).
//!
//! To measure a workload of your own, implement [`Workload`] in your crate and hand it to
//! a [`Lab`] (see [`lab`]): your binary re-executes itself for every cell, so your code is
//! measured exactly as conlab's own workloads are.

pub mod analyze;
pub mod cell;
pub mod cli;
pub mod commands;
pub mod lab;
pub mod launch;
pub mod measure;
pub mod model;
pub mod params;
pub mod plan;
pub mod report;
pub mod results;
pub mod server;
pub mod sweep;
pub mod task;
pub mod units;
pub mod workload;

use std::ffi::OsString;

pub use lab::Lab;
pub use task::{ErrorKind, TaskCtx, TaskError, TaskResult};
pub use workload::{TaskFuture, Workload};

use cli::Command;
use commands::UsageError;

/// Parse `args`, run the command, and return the process exit code.
pub fn main_with(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    // Cells and workers are measured processes: they skip the argument parser so its code
    // and allocations are not charged to every cell's memory.
    if let [_, command] = &args[..] {
        match command.to_str() {
            Some("cell") => return commands::cell::run(),
            Some("worker") => return commands::worker::run(),
            _ => {}
        }
    }
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    report::screen::set_colour(cli.color);
    let result = match cli.command {
        Command::Cell => return commands::cell::run(),
        Command::Worker => return commands::worker::run(),
        Command::Bench(args) => commands::bench::run(&args),
        Command::List => commands::list::run().map(|()| 0),
        Command::Advise(args) => commands::advise::run(&args).map(|()| 0),
        Command::Claims(args) => commands::claims::run(&args).map(|()| 0),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Merge(args) => commands::merge::run(&args).map(|()| 0),
        Command::Report(args) => commands::report::run(&args.file, args.format, args.output.as_deref()).map(|()| 0),
        Command::Completions { shell } => commands::completions::run(shell).map(|()| 0),
        Command::Man { page } => commands::man::run(page.as_deref()).map(|()| 0),
        Command::Serve(args) => commands::serve::run(&args).map(|()| 0),
        Command::Env { json } => commands::env::run(json).map(|()| 0),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("conlab: {e:#}");
            match e.chain().any(|c| c.is::<UsageError>()) {
                true => 2,
                false => 1,
            }
        }
    }
}

/// Print a clap error as one line. Help and version are printed whole, and so is a
/// missing argument or subcommand: there the usage is the helpful part (`conlab report`
/// alone prints report's whole help, `conlab compare A` names B and shows the usage).
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        | ErrorKind::MissingRequiredArgument
        | ErrorKind::MissingSubcommand => {
            let _ = e.print();
            2
        }
        _ => {
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: bad usage");
            // The list of accepted values belongs on the one line.
            let values = text
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("[possible values:"))
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            eprintln!("conlab: {}{values}", first.trim_start_matches("error: "));
            2
        }
    }
}
