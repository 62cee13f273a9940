//! `conlab answer`: the seed article's question answered with this machine's numbers.
//! From earlier runs (`--from` results, `--claims` claims.json with the results.json
//! `conlab claims` writes beside it), or, given neither, after running the default sweep
//! and the claims. The answer itself is `analyze::answer`; the words `report::answer`.

use std::path::{Path, PathBuf};

use clap::Parser;

use super::shared::{default_out, load_results, print_out, user_path, UsageError};
use crate::cli::{AnswerArgs, AnswerFormat, Cli, Command};
use crate::results::ClaimResult;

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
    let results = load_results(&from)?.results;
    let (verdicts, theirs) = match &claims {
        Some(path) => (
            read_claims(path)?,
            beside(path).map(|p| load_results(&p)).transpose()?.map(|l| l.results),
        ),
        None => (results.claims.clone(), None),
    };
    let answer = crate::analyze::answer::answer(&results, theirs.as_ref(), &verdicts);
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
