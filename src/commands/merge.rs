//! `conlab merge DIR... -o OUT`: shards, repeated runs or machines as one results
//! document (the merging itself is `analyze::merge`, a pure function). This file finds
//! the documents, refuses what cannot be merged in one line (exit 2), warns about
//! missing slices, and writes the result.
//!
//! An input is a results file, a directory holding one (results.json preferred: it is
//! the finished sweep; else results.jsonl, even a cut-off one), or a directory of such
//! directories, which is what a shared volume with one directory per shard looks like.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::shared::{load_results, usage, UsageError};
use crate::analyze::merge::{merge, Input};
use crate::cli::MergeArgs;
use crate::report::json::write_results;
use crate::units::plural;

pub fn run(args: &MergeArgs) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for input in &args.inputs {
        files.extend(find(input)?);
    }
    let mut inputs = Vec::new();
    for file in &files {
        let results = load_results(file)?.results;
        inputs.push(Input {
            path: file.display().to_string(),
            results,
        });
    }
    let outcome = merge(inputs, args.allow_mixed).map_err(usage)?;
    for w in &outcome.warnings {
        eprintln!("conlab: warning: {w}");
    }
    let r = &outcome.results;
    write_results(&args.output, r).with_context(|| format!("cannot write {}", args.output.display()))?;
    let hosts = r.merged.as_ref().map_or(0, |m| m.hosts.len()).max(1);
    eprintln!(
        "conlab: merged {} ({} from {}) into {}",
        plural(files.len(), "document"),
        plural(r.cells.len(), "cell"),
        plural(hosts, "kind of machine"),
        args.output.display()
    );
    Ok(())
}

/// The results files an input names.
fn find(input: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if input.is_file() {
        return Ok(vec![input.to_path_buf()]);
    }
    if !input.is_dir() {
        return Err(UsageError(anyhow::anyhow!("{}: no such file or directory", input.display())).into());
    }
    if let Some(file) = results_in(input) {
        return Ok(vec![file]);
    }
    let entries = std::fs::read_dir(input).map_err(|e| usage(e).context(format!("cannot read {}", input.display())))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let found: Vec<PathBuf> = dirs.iter().filter_map(|d| results_in(d)).collect();
    if found.is_empty() {
        return Err(UsageError(anyhow::anyhow!(
            "{} holds no results.json or results.jsonl, nor do its directories",
            input.display()
        ))
        .into());
    }
    Ok(found)
}

/// A directory's results: results.json, else results.jsonl.
fn results_in(dir: &Path) -> Option<PathBuf> {
    ["results.json", "results.jsonl"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}
