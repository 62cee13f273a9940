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
#[cfg(test)]
mod checks;
pub mod cli;
pub mod commands;
#[cfg(test)]
mod import_circles;
pub mod lab;
pub mod launch;
pub mod measure;
pub mod model;
pub mod params;
pub mod plan;
pub mod protocol;
pub mod report;
pub mod results;
pub mod server;
pub mod slo;
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
    sweep::few_malloc_arenas();
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
        Command::Answer(args) => commands::answer::run(&args).map(|()| 0),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Merge(args) => commands::merge::run(&args).map(|()| 0),
        Command::Report(args) => commands::report::run(&args).map(|()| 0),
        Command::Completions { shell } => commands::completions::run(shell).map(|()| 0),
        Command::Man { page } => commands::man::run(page.as_deref()).map(|()| 0),
        Command::Serve(args) => commands::serve::run(&args).map(|()| 0),
        Command::Env { json } => commands::env::run(json).map(|()| 0),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("conlab: {}", one_line(&e));
            match e.chain().any(|c| c.is::<UsageError>()) {
                true => 2,
                false => 1,
            }
        }
    }
}

/// An error and its causes on one line, `outer: cause: root`, each cause once. The error
/// types show a cause either in their message or as their source, never both; a cause
/// whose text the line already holds (an `anyhow` context that quoted it) is not repeated.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if line.is_empty() {
            line = cause;
        } else if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}

/// clap says `invalid value 'V' for 'ARG': ` before the parser's message, and a spec
/// error starts with the spec: say `V` once.
fn without_repeated_value(line: &str) -> String {
    let value = line
        .strip_prefix("invalid value '")
        .and_then(|rest| rest.split_once("' for '"))
        .map(|(v, _)| v);
    match value.and_then(|v| line.split_once(&format!("': {v}: "))) {
        Some((head, tail)) => format!("{head}': {tail}"),
        None => line.to_string(),
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
            eprintln!(
                "conlab: {}{values}",
                without_repeated_value(first.trim_start_matches("error: "))
            );
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read x: {0}")]
    struct Shown(std::io::Error);

    #[test]
    fn one_line_names_each_cause_once() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::new(io()).context("cannot read x");
        assert_eq!(one_line(&e), "cannot read x: no such file");
        // A context that quoted its cause already.
        let e = anyhow::Error::new(io()).context("cannot read x: no such file");
        assert_eq!(one_line(&e), "cannot read x: no such file");
        let e = anyhow::Error::new(Shown(io())).context("loading");
        assert_eq!(one_line(&e), "loading: cannot read x: no such file");
    }

    #[test]
    fn a_bad_value_is_named_once() {
        let line = "invalid value 'sleep:1x' for '--workload <SPEC>': sleep:1x: duration: malformed duration '1x'";
        assert_eq!(
            without_repeated_value(line),
            "invalid value 'sleep:1x' for '--workload <SPEC>': duration: malformed duration '1x'"
        );
        let other = "invalid value 'abc' for '--tasks <N>': not a count";
        assert_eq!(without_repeated_value(other), other);
    }

    /// The domain errors that show their cause keep it out of `source()`.
    #[test]
    fn errors_that_show_their_cause_do_not_chain_it() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let url = workload::check_url("ftp://x").unwrap_err();
        let errors: Vec<anyhow::Error> = vec![
            report::load::LoadError::Read {
                path: "/nope".into(),
                error: io(),
            }
            .into(),
            plan::PlanError::Target(url.clone()).into(),
            plan::PlanError::UrlFile {
                path: "/nope".into(),
                error: io(),
            }
            .into(),
            plan::PlanError::UrlLine {
                path: "/nope".into(),
                line: 1,
                error: url,
            }
            .into(),
            sweep::SweepError::Record(io()).into(),
            server::own::StartError::Spawn(io()).into(),
        ];
        for e in errors {
            let shown = format!("{e:#}");
            let causes: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            for (i, c) in causes.iter().enumerate().skip(1) {
                assert!(
                    !causes[i - 1].contains(c.as_str()),
                    "{shown}: cause '{c}' printed twice"
                );
            }
        }
    }
}
