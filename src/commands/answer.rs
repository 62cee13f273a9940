//! `conlab answer`: the seed article's question answered with this machine's numbers.
//! From earlier runs (`--from` results, `--claims` claims.json with the results.json
//! `conlab claims` writes beside it), or, given neither, after running the default sweep
//! and the claims. The answer itself is `analyze::answer`; the words `report::answer`.

use std::path::{Path, PathBuf};

use clap::Parser;

use super::shared::{default_out, load_results, print_out, user_path, UsageError};
use crate::cli::{AnswerArgs, AnswerFormat, Cli, Command};
use crate::results::{ClaimResult, Results};

pub fn run(a: &AnswerArgs) -> anyhow::Result<()> {
    let (from, claims) = match (&a.from, &a.claims) {
        (Some(f), c) => (f.clone(), c.clone()),
        (None, Some(_)) => {
            return Err(UsageError(anyhow::anyhow!(
                "--claims needs --from (the sweep's results); give neither to run both now"
            ))
            .into())
        }
        (None, None) => measure(&a.out.clone().unwrap_or_else(|| default_out("answer-")))?,
    };
    let mut results = load_results(&from)?.results;
    let verdicts = match &claims {
        Some(path) => {
            let verdicts = read_claims(path)?;
            if let Some(theirs) = beside(path) {
                add_workloads(&mut results, load_results(&theirs)?.results);
            }
            verdicts
        }
        None => results.claims.clone(),
    };
    let answer = crate::analyze::answer::answer(&results, &verdicts);
    let text = match a.format {
        AnswerFormat::Markdown => crate::report::answer::markdown(&answer, &results),
        AnswerFormat::Html => crate::report::answer::html(&answer, &results),
    };
    match &a.output {
        Some(path) => user_path(std::fs::write(path, text), "cannot write", path),
        None => print_out(&text),
    }
}

/// Run the default sweep and the claims under `out`; their results and claims files.
fn measure(out: &Path) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let (bench, claims) = (out.join("bench"), out.join("claims"));
    let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.command);
    eprintln!("conlab answer: the default sweep, into {}", bench.display());
    if let Ok(Command::Bench(args)) = parse(&["conlab", "bench", "--quiet", "--out", &bench.to_string_lossy()]) {
        super::bench::run(&args)?;
    }
    eprintln!("conlab answer: the article's claims, into {}", claims.display());
    if let Ok(Command::Claims(args)) = parse(&["conlab", "claims", "--out", &claims.to_string_lossy()]) {
        super::claims::run(&args)?;
    }
    Ok((bench.join("results.json"), Some(claims.join("claims.json"))))
}

fn read_claims(path: &Path) -> anyhow::Result<Vec<ClaimResult>> {
    let text = user_path(std::fs::read_to_string(path), "cannot read", path)?;
    serde_json::from_str(&text).map_err(|e| {
        UsageError(anyhow::anyhow!(
            "{} is not a claims.json from `conlab claims`: {e}",
            path.display()
        ))
        .into()
    })
}

/// The results.json `conlab claims` wrote beside its claims.json, if it is there.
fn beside(claims: &Path) -> Option<PathBuf> {
    let path = claims.with_file_name("results.json");
    path.is_file().then_some(path)
}

/// The claims' workloads that the sweep did not run, with their cells and readings: the
/// gotchas' figures (a blocked loop, aiohttp's limit) come from them. A workload both
/// ran is left as the sweep measured it, so no median mixes the two runs.
fn add_workloads(into: &mut Results, other: Results) {
    let new: Vec<String> = other
        .plan
        .workloads
        .iter()
        .filter(|w| !into.plan.workloads.contains(w))
        .cloned()
        .collect();
    into.cells
        .extend(other.cells.into_iter().filter(|c| new.contains(&c.workload)));
    let theirs: Vec<_> = other
        .baselines
        .into_iter()
        .filter(|b| !into.baselines.iter().any(|x| x.model == b.model))
        .collect();
    into.baselines.extend(theirs);
    into.analysis.workloads.extend(
        other
            .analysis
            .workloads
            .into_iter()
            .filter(|wa| new.contains(&wa.workload)),
    );
    for m in other.plan.models {
        if !into.plan.models.contains(&m) {
            into.plan.models.push(m);
        }
    }
    into.plan.workloads.extend(new);
}
