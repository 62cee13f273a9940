//! Claims as data, judged against measured cells: a claim names a scenario (a workload
//! and a task count) and a check (two models similar, one faster than another, a figure
//! in a range); the verdict is holds, partly or does not hold, with the figures it rests
//! on. Pure functions: the `claims` command measures, this module judges.

use serde::Deserialize;

use crate::analyze::{cell_time, median};
use crate::model::ModelSpec;
use crate::results::{CellResult, ClaimResult, Status, Verdict};
use crate::units::{format_bytes, format_secs};
use crate::workload::WorkloadSpec;

/// The seed article's claims, shipped with conlab.
pub const ARTICLE: &str = include_str!("../../claims/article.json");

/// One claim, checked on load: its workload and models are typed, its range ordered.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    pub text: String,
    pub source: String,
    pub workload: WorkloadSpec,
    pub tasks: usize,
    pub check: Check,
}

/// What must be true of the measurements for the claim to hold.
#[derive(Debug, Clone)]
pub enum Check {
    /// `a` and `b` finish within `within` (0.25 = 25%) of each other.
    Similar { a: ModelSpec, b: ModelSpec, within: f64 },
    /// `faster` beats `slower` by at least `by` (1.0 = twice as fast).
    Faster {
        faster: ModelSpec,
        slower: ModelSpec,
        by: f64,
    },
    /// `metric` of `model` lies in [min, max].
    Range {
        model: ModelSpec,
        metric: Metric,
        min: f64,
        max: f64,
    },
}

/// The figures a range claim can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    PeakRssBytes,
    PeakVmBytes,
}

/// A claims file that cannot be used: one line naming the claim and the field.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    #[error("{file} is not a JSON list of claims: {source}")]
    NotAList {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{file}: claim {number} (id '{id}'): {why}")]
    Bad {
        file: String,
        number: usize,
        id: String,
        why: String,
    },
    #[error("{0} holds no claims")]
    Empty(String),
}

/// A claim as written in the file, before its specs are parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    id: String,
    text: String,
    source: String,
    workload: String,
    tasks: usize,
    check: RawCheck,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum RawCheck {
    Similar {
        a: String,
        b: String,
        within: f64,
    },
    Faster {
        faster: String,
        slower: String,
        by: f64,
    },
    Range {
        model: String,
        metric: Metric,
        min: f64,
        max: f64,
    },
}

/// Parse a claims file's text (`file` names it in errors).
pub fn parse_claims(text: &str, file: &str) -> Result<Vec<Claim>, ClaimsError> {
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|source| ClaimsError::NotAList {
        file: file.into(),
        source,
    })?;
    if entries.is_empty() {
        return Err(ClaimsError::Empty(file.into()));
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v.get("id").and_then(|x| x.as_str()).unwrap_or("?").to_string();
            let bad = |why: String| ClaimsError::Bad {
                file: file.into(),
                number: i + 1,
                id: id.clone(),
                why,
            };
            let raw: RawClaim = serde_json::from_value(v).map_err(|e| bad(format!("malformed: {e}")))?;
            let workload = raw.workload.parse().map_err(|e| bad(format!("workload: {e}")))?;
            let model = |field: &str, text: &str| {
                text.parse::<ModelSpec>()
                    .map_err(|e| bad(format!("check.{field}: {e}")))
            };
            let check = match raw.check {
                RawCheck::Similar { a, b, within } => Check::Similar {
                    a: model("a", &a)?,
                    b: model("b", &b)?,
                    within,
                },
                RawCheck::Faster { faster, slower, by } => Check::Faster {
                    faster: model("faster", &faster)?,
                    slower: model("slower", &slower)?,
                    by,
                },
                RawCheck::Range {
                    model: m,
                    metric,
                    min,
                    max,
                } => {
                    if min > max {
                        return Err(bad(format!("check.min ({min}) is larger than check.max ({max})")));
                    }
                    Check::Range {
                        model: model("model", &m)?,
                        metric,
                        min,
                        max,
                    }
                }
            };
            if raw.tasks == 0 {
                return Err(bad("tasks must be at least 1".into()));
            }
            Ok(Claim {
                id: raw.id,
                text: raw.text,
                source: raw.source,
                workload,
                tasks: raw.tasks,
                check,
            })
        })
        .collect()
}

impl Claim {
    /// The models the claim's check compares.
    pub fn models(&self) -> Vec<&ModelSpec> {
        match &self.check {
            Check::Similar { a, b, .. } => vec![a, b],
            Check::Faster { faster, slower, .. } => vec![faster, slower],
            Check::Range { model, .. } => vec![model],
        }
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

/// The verdict on one claim from the cells measured for it.
pub fn judge(c: &Claim, cells: &[CellResult]) -> ClaimResult {
    let (measured, verdict) = judge_figures(c, cells);
    ClaimResult {
        id: c.id.clone(),
        text: c.text.clone(),
        source: c.source.clone(),
        scenario: format!("{} at {} tasks", c.workload, c.tasks),
        measured,
        verdict,
    }
}

fn judge_figures(c: &Claim, cells: &[CellResult]) -> (String, Verdict) {
    let workload = c.workload.to_string();
    let pick = |model: &ModelSpec, f: &dyn Fn(&CellResult) -> f64| {
        let model = model.to_string();
        let mut v: Vec<f64> = cells
            .iter()
            .filter(|x| x.workload == workload && x.model == model && x.tasks == c.tasks && x.status == Status::Ok)
            .filter(|x| x.tasks_failed == 0)
            .map(f)
            .collect();
        median(&mut v)
    };
    let missing = |m: String| (format!("{m} did not run at {} tasks", c.tasks), Verdict::NotMeasured);
    match &c.check {
        Check::Similar { a, b, within } => {
            let (Some(ta), Some(tb)) = (pick(a, &cell_time), pick(b, &cell_time)) else {
                return missing(format!("{a} or {b}"));
            };
            let ratio = ta.max(tb) / ta.min(tb).max(1e-9);
            let verdict = if ratio <= 1.0 + within {
                Verdict::Holds
            } else if ratio <= 1.0 + 2.0 * within {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            };
            (
                format!("{a} {} vs {b} {} ({ratio:.2}x apart)", format_secs(ta), format_secs(tb)),
                verdict,
            )
        }
        Check::Faster { faster, slower, by } => {
            let (Some(tf), Some(ts)) = (pick(faster, &cell_time), pick(slower, &cell_time)) else {
                return missing(format!("{faster} or {slower}"));
            };
            let ratio = ts / tf.max(1e-9);
            let verdict = if ratio >= 1.0 + by {
                Verdict::Holds
            } else if ratio >= 1.05 {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            };
            (
                format!(
                    "{faster} {} vs {slower} {} ({ratio:.2}x)",
                    format_secs(tf),
                    format_secs(ts)
                ),
                verdict,
            )
        }
        Check::Range {
            model,
            metric,
            min,
            max,
        } => {
            let (f, what): (&dyn Fn(&CellResult) -> f64, &str) = match metric {
                Metric::PeakVmBytes => (&|x| x.peak_vm_bytes as f64, "virtual"),
                Metric::PeakRssBytes => (&|x| x.peak_rss_bytes as f64, "RSS"),
            };
            let Some(v) = pick(model, f) else {
                return missing(model.to_string());
            };
            let verdict = if (*min..=*max).contains(&v) {
                Verdict::Holds
            } else if v >= min / 2.0 && v <= max * 2.0 {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            };
            (
                format!(
                    "{model} {what} {} = {} (claimed {}-{})",
                    format_bytes(v),
                    si(v),
                    si(*min),
                    si(*max)
                ),
                verdict,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_units() {
        assert_eq!(si(1e9), "1 GB");
        assert_eq!(si(9.44e9), "9.4 GB");
        assert_eq!(si(3.1e7), "31 MB");
    }

    #[test]
    fn the_article_claims_parse() {
        let claims = parse_claims(ARTICLE, "article").unwrap();
        assert!(claims.len() >= 8);
        assert!(claims.iter().any(|c| c.id == "thousand-threads-1-8gb-virtual"));
    }

    fn one(check: &str) -> String {
        let text = format!(r#"[{{"id":"c","text":"t","source":"s","workload":"sleep:1s","tasks":1,"check":{check}}}]"#);
        parse_claims(&text, "f.json")
            .map(|_| "ok".into())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn bad_claims_name_the_claim_and_the_field() {
        let range = |metric: &str, min: u32, max: u32, model: &str| {
            format!(r#"{{"kind":"range","model":"{model}","metric":"{metric}","min":{min},"max":{max}}}"#)
        };
        assert_eq!(one(&range("peak_rss_bytes", 1, 2, "rs-async")), "ok");
        let metric = one(&range("peak_cpu", 1, 2, "rs-async"));
        assert!(
            metric.contains("claim 1 (id 'c')") && metric.contains("peak_cpu"),
            "{metric}"
        );
        assert!(one(&range("peak_rss_bytes", 3, 2, "rs-async")).contains("check.min (3) is larger"));
        let model = one(&range("peak_rss_bytes", 1, 2, "go-routine"));
        assert!(model.contains("check.model") && !model.contains("--models"), "{model}");
    }

    fn cell(model: &str, work_s: f64, failed: usize) -> CellResult {
        let meta = crate::cell::parent::CellMeta {
            index: 1,
            workload: "sleep:1s".into(),
            model: model.into(),
            tasks: 1,
            repeat: 0,
            baseline: false,
        };
        let mut c = crate::cell::parent::unrun(meta, Status::Ok, None, std::time::Duration::from_secs(1));
        c.work_s = Some(work_s);
        c.tasks_failed = failed;
        c
    }

    #[test]
    fn verdicts_follow_the_figures_and_ignore_failed_cells() {
        let text = r#"[{"id":"c","text":"t","source":"s","workload":"sleep:1s","tasks":1,"check":{"kind":"faster","faster":"rs-async","slower":"rs-thread","by":0.5}}]"#;
        let claims = parse_claims(text, "f").unwrap();
        let claim = &claims[0];
        let verdict = |cells: &[CellResult]| judge(claim, cells).verdict;
        assert_eq!(
            verdict(&[cell("rs-async", 1.0, 0), cell("rs-thread", 2.0, 0)]),
            Verdict::Holds
        );
        assert_eq!(
            verdict(&[cell("rs-async", 1.0, 0), cell("rs-thread", 1.2, 0)]),
            Verdict::Partly
        );
        assert_eq!(
            verdict(&[cell("rs-async", 1.0, 0), cell("rs-thread", 0.9, 0)]),
            Verdict::DoesNotHold
        );
        // A cell whose tasks failed is not a measurement of the claim.
        assert_eq!(
            verdict(&[cell("rs-async", 0.01, 1), cell("rs-thread", 2.0, 0)]),
            Verdict::NotMeasured
        );
    }
}
