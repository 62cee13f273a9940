//! `conlab claims`: claims as data (claims/article.json, embedded; or `--claims FILE`),
//! each tested by a scenario on this machine and given a verdict with the numbers:
//! holds, partly, or does not hold. The shipped claims are the seed article's, asked of
//! Python and of Rust.

use std::path::{Path, PathBuf};

use clap::Args;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analyze::{cell_time, median};
use crate::error::Error;
use crate::results::{CellResult, Results, Status};
use crate::units::{format_bytes, format_secs};

#[cfg(test)]
mod si_tests {
    #[test]
    fn decimal_units() {
        assert_eq!(super::si(1e9), "1 GB");
        assert_eq!(super::si(9.44e9), "9.4 GB");
        assert_eq!(super::si(3.1e7), "31 MB");
    }
}

const ARTICLE: &str = include_str!("../claims/article.json");

#[derive(Debug, Args, Clone)]
pub struct ClaimsArgs {
    /// Claims file (JSON list) [default: the seed article's claims, built in].
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// Python interpreter for the Python claims.
    #[arg(long = "python", value_name = "PATH")]
    pub python: Vec<String>,
    /// Directory for the sweeps, claims.json and report.html [default: results/claims-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
struct Claim {
    id: String,
    text: String,
    source: String,
    workload: String,
    tasks: usize,
    check: Check,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum Check {
    /// `a` and `b` finish within `within` (0.25 = 25%) of each other.
    Similar { a: String, b: String, within: f64 },
    /// `faster` beats `slower` by at least `by` (1.0 = twice as fast).
    Faster { faster: String, slower: String, by: f64 },
    /// `metric` of `model` lies in [min, max].
    Range {
        model: String,
        metric: String,
        min: f64,
        max: f64,
    },
}

/// A claim with its verdict.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClaimResult {
    pub id: String,
    pub text: String,
    pub source: String,
    /// The scenario: workload and task count.
    pub scenario: String,
    /// The measured figures the verdict rests on.
    pub measured: String,
    /// `holds`, `partly`, `does not hold` or `not measured`.
    pub verdict: String,
}

fn load_claims(path: Option<&Path>) -> Result<Vec<Claim>, Error> {
    let (text, name) = match path {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|e| Error::Usage(format!("cannot read {}: {e}", p.display())))?,
            p.display().to_string(),
        ),
        None => (ARTICLE.to_string(), "claims/article.json".to_string()),
    };
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| Error::Usage(format!("{name} is not a JSON list of claims: {e}")))?;
    entries
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v.get("id").and_then(|x| x.as_str()).unwrap_or("?").to_string();
            let claim: Claim = serde_json::from_value(v)
                .map_err(|e| Error::Usage(format!("{name}: claim {} (id '{id}') is malformed: {e}", i + 1)))?;
            crate::workload::parse(&claim.workload)
                .map_err(|e| Error::Usage(format!("{name}: claim {} (id '{id}'): {e}", i + 1)))?;
            Ok(claim)
        })
        .collect()
}

fn models_of(c: &Claim) -> Vec<String> {
    match &c.check {
        Check::Similar { a, b, .. } => vec![a.clone(), b.clone()],
        Check::Faster { faster, slower, .. } => vec![faster.clone(), slower.clone()],
        Check::Range { model, .. } => vec![model.clone()],
    }
}

/// Decimal units, as claims are written: `1 GB`, `50 MB`.
fn si(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9).replace(".0 ", " ")
    } else {
        format!("{:.0} MB", bytes / 1e6)
    }
}

fn judge(c: &Claim, cells: &[CellResult]) -> (String, String) {
    let workload = crate::workload::parse(&c.workload)
        .map(|w| w.spec())
        .unwrap_or_default();
    let pick = |model: &str, f: &dyn Fn(&CellResult) -> f64| {
        let mut v: Vec<f64> = cells
            .iter()
            .filter(|x| x.workload == workload && x.model == model && x.tasks == c.tasks && x.status == Status::Ok)
            .map(f)
            .collect();
        median(&mut v)
    };
    let missing = |m: &str| {
        (
            format!("{m} did not run at {} tasks", c.tasks),
            "not measured".to_string(),
        )
    };
    match &c.check {
        Check::Similar { a, b, within } => {
            let (Some(ta), Some(tb)) = (pick(a, &cell_time), pick(b, &cell_time)) else {
                return missing(&format!("{a} or {b}"));
            };
            let ratio = ta.max(tb) / ta.min(tb).max(1e-9);
            let verdict = if ratio <= 1.0 + within {
                "holds"
            } else if ratio <= 1.0 + 2.0 * within {
                "partly"
            } else {
                "does not hold"
            };
            (
                format!("{a} {} vs {b} {} ({ratio:.2}x apart)", format_secs(ta), format_secs(tb)),
                verdict.into(),
            )
        }
        Check::Faster { faster, slower, by } => {
            let (Some(tf), Some(ts)) = (pick(faster, &cell_time), pick(slower, &cell_time)) else {
                return missing(&format!("{faster} or {slower}"));
            };
            let ratio = ts / tf.max(1e-9);
            let verdict = if ratio >= 1.0 + by {
                "holds"
            } else if ratio >= 1.05 {
                "partly"
            } else {
                "does not hold"
            };
            (
                format!(
                    "{faster} {} vs {slower} {} ({ratio:.2}x)",
                    format_secs(tf),
                    format_secs(ts)
                ),
                verdict.into(),
            )
        }
        Check::Range {
            model,
            metric,
            min,
            max,
        } => {
            let f: &dyn Fn(&CellResult) -> f64 = match metric.as_str() {
                "peak_vm_bytes" => &|x| x.peak_vm_bytes as f64,
                _ => &|x| x.peak_rss_bytes as f64,
            };
            let Some(v) = pick(model, f) else { return missing(model) };
            let verdict = if (*min..=*max).contains(&v) {
                "holds"
            } else if v >= min / 2.0 && v <= max * 2.0 {
                "partly"
            } else {
                "does not hold"
            };
            let what = if metric == "peak_vm_bytes" { "virtual" } else { "RSS" };
            (
                format!(
                    "{model} {what} {} = {} (claimed {}-{})",
                    format_bytes(v),
                    si(v),
                    si(*min),
                    si(*max)
                ),
                verdict.into(),
            )
        }
    }
}

pub fn claims(a: &ClaimsArgs) -> Result<i32, Error> {
    let claims = load_claims(a.claims.as_deref())?;
    let out = a.out.clone().unwrap_or_else(|| {
        let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        PathBuf::from("results").join(format!("claims-{}", stamp.trim_end_matches('Z').replace(':', "-")))
    });
    std::fs::create_dir_all(&out).map_err(|e| Error::Usage(format!("cannot create {}: {e}", out.display())))?;

    // One sweep per workload, covering every model and task count its claims need.
    let mut workloads: Vec<String> = claims.iter().map(|c| c.workload.clone()).collect();
    workloads.dedup();
    workloads.sort();
    workloads.dedup();
    let mut merged: Option<Results> = None;
    for (i, w) in workloads.iter().enumerate() {
        let here: Vec<&Claim> = claims.iter().filter(|c| &c.workload == w).collect();
        let mut models: Vec<String> = here.iter().flat_map(|c| models_of(c)).collect();
        models.sort();
        models.dedup();
        let mut counts: Vec<usize> = here.iter().map(|c| c.tasks).collect();
        counts.sort_unstable();
        counts.dedup();
        let tasks: Vec<String> = counts.iter().map(|n| n.to_string()).collect();
        let dir = out.join(format!("sweep-{}", i + 1));
        eprintln!(
            "conlab claims: {w} with {} at {} tasks",
            models.join(", "),
            tasks.join(", ")
        );
        let sweep = crate::sweep::QuietSweep {
            workload: w.clone(),
            models: models.clone(),
            tasks: counts,
            cell_timeout: "60s",
            python: a.python.clone(),
        };
        let loaded = sweep.run(&dir)?;
        merged = Some(match merged {
            None => loaded,
            Some(mut m) => {
                m.cells.extend(loaded.cells);
                m.baselines.extend(loaded.baselines);
                for w in loaded.plan.workloads {
                    m.plan.workloads.push(w);
                }
                for model in loaded.plan.models {
                    if !m.plan.models.contains(&model) {
                        m.plan.models.push(model);
                    }
                }
                m
            }
        });
    }
    let mut results = merged.ok_or_else(|| Error::Usage("the claims file holds no claims".into()))?;
    let verdicts: Vec<ClaimResult> = claims
        .iter()
        .map(|c| {
            let (measured, verdict) = judge(c, &results.cells);
            ClaimResult {
                id: c.id.clone(),
                text: c.text.clone(),
                source: c.source.clone(),
                scenario: format!("{} at {} tasks", c.workload, c.tasks),
                measured,
                verdict,
            }
        })
        .collect();
    results.plan.command = std::env::args().collect::<Vec<_>>().join(" ");
    results.analysis = crate::analyze::analyze(
        &results.cells,
        &results.baselines,
        &results.plan.workloads,
        &results.plan.models,
    );
    results.claims = verdicts.clone();

    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(vec!["claim", "measured", "verdict"]);
    for v in &verdicts {
        table.add_row(vec![v.text.clone(), v.measured.clone(), v.verdict.clone()]);
    }
    println!("{table}");
    let json = out.join("claims.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(&verdicts).expect("claims serialize") + "\n",
    )
    .map_err(|e| Error::Internal(format!("cannot write {}: {e}", json.display())))?;
    let html = out.join("report.html");
    let page = crate::report::Format::render(&crate::report::html::Html, &results).map_err(Error::Internal)?;
    std::fs::write(&html, page).map_err(|e| Error::Internal(format!("cannot write {}: {e}", html.display())))?;
    println!("claims: {}\nreport: {}", json.display(), html.display());
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_claims_parse() {
        let claims = load_claims(None).unwrap();
        assert!(claims.len() >= 8);
        assert!(claims.iter().any(|c| c.id == "thousand-threads-1-8gb-virtual"));
    }

    #[test]
    fn a_malformed_entry_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, r#"[{"id":"ok","text":"t","source":"s","workload":"sleep:1s","tasks":1,"check":{"kind":"range","model":"rs-async","metric":"peak_rss_bytes","min":1,"max":2}},{"id":"broken","text":"t"}]"#).unwrap();
        let err = load_claims(Some(&file)).unwrap_err().to_string();
        assert!(err.contains("claim 2 (id 'broken')"), "{err}");
    }
}
