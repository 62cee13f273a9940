//! Claims as data, judged against measured cells: a claim names a scenario (a workload
//! and a task count) and a check (two models similar, one faster than another, a figure
//! in a range); the verdict is holds, partly or does not hold, with the figures it rests
//! on. Pure functions: the `claims` command measures, this module judges.

use serde::Deserialize;

use super::cells::{cell_time, in_flight, reached};
use super::numbers::median;
use crate::model::ModelSpec;
use crate::results::{CellResult, ClaimResult, Status, Verdict};
use crate::units::{format_bytes, format_count, format_secs, plural};
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
    /// `leaner` uses less peak RSS than `fatter` by at least `by` (1.0 = half as much).
    Leaner {
        leaner: ModelSpec,
        fatter: ModelSpec,
        by: f64,
    },
    /// `model` runs every task, all at once, without a failed task.
    Completes { model: ModelSpec },
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
    /// Peak RSS above the model's baseline (0 tasks), per task.
    RssPerTaskBytes,
    /// Peak virtual size above the model's baseline, per task.
    VmPerTaskBytes,
}

impl Metric {
    fn label(self) -> &'static str {
        match self {
            Metric::PeakRssBytes => "RSS",
            Metric::PeakVmBytes => "virtual",
            Metric::RssPerTaskBytes => "RSS per task",
            Metric::VmPerTaskBytes => "virtual per task",
        }
    }
}

/// A claims file that cannot be used: one line naming the claim and the field.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    #[error("{file} is not a JSON list of claims: {error}")]
    NotAList {
        file: String,
        /// In the message, so not also the source: each cause prints once.
        error: serde_json::Error,
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
    Leaner {
        leaner: String,
        fatter: String,
        by: f64,
    },
    Completes {
        model: String,
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
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|error| ClaimsError::NotAList {
        file: file.into(),
        error,
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
                RawCheck::Leaner { leaner, fatter, by } => Check::Leaner {
                    leaner: model("leaner", &leaner)?,
                    fatter: model("fatter", &fatter)?,
                    by,
                },
                RawCheck::Completes { model: m } => Check::Completes {
                    model: model("model", &m)?,
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
            Check::Leaner { leaner, fatter, .. } => vec![leaner, fatter],
            Check::Completes { model } | Check::Range { model, .. } => vec![model],
        }
    }
}

/// Decimal units, as claims are written: `1 GB`, `50 MB`, `12 KB`.
fn si(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9).replace(".0 ", " ")
    } else if bytes >= 1e6 {
        format!("{:.0} MB", bytes / 1e6)
    } else {
        format!("{:.0} KB", bytes / 1e3)
    }
}

/// The verdict on one claim from the cells (and the baselines, for per-task figures)
/// measured for it.
pub fn judge(c: &Claim, cells: &[CellResult], baselines: &[CellResult]) -> ClaimResult {
    let (measured, verdict) = match judge_figures(c, cells, baselines) {
        Ok(judged) => judged,
        Err(why) => (why, Verdict::NotMeasured),
    };
    ClaimResult {
        id: c.id.clone(),
        text: c.text.clone(),
        source: c.source.clone(),
        scenario: format!("{} at {} tasks", c.workload, c.tasks),
        measured,
        verdict,
    }
}

/// The runs of one model at the claim's scenario that count: `ok` cells only. Without
/// any, why not (it failed, its tasks failed, it did not run).
fn runs<'a>(c: &Claim, cells: &'a [CellResult], model: &ModelSpec) -> Result<Vec<&'a CellResult>, String> {
    let (workload, model) = (c.workload.to_string(), model.to_string());
    let here: Vec<&CellResult> = cells
        .iter()
        .filter(|x| x.workload == workload && x.model == model && x.tasks == c.tasks && !x.baseline)
        .collect();
    let ok: Vec<&CellResult> = here.iter().copied().filter(|x| x.status == Status::Ok).collect();
    if !ok.is_empty() {
        return Ok(ok);
    }
    Err(match here.first() {
        None => format!("{model} did not run at {}", plural(c.tasks, "task")),
        Some(x) => format!(
            "{model} {} at {}, so it is not a measurement of the claim: {}",
            if x.status == Status::Errors {
                "had failed tasks"
            } else {
                x.status.as_str()
            },
            plural(c.tasks, "task"),
            x.failure
                .as_ref()
                .map(|f| f.message.as_str())
                .unwrap_or("no reason recorded")
        ),
    })
}

/// Median, least and greatest of a figure over runs.
struct Figure {
    median: f64,
    min: f64,
    max: f64,
    n: usize,
}

impl Figure {
    fn of(runs: &[&CellResult], f: &dyn Fn(&CellResult) -> f64) -> Figure {
        let mut v: Vec<f64> = runs.iter().map(|c| f(c)).collect();
        let median = median(&mut v).unwrap_or(0.0);
        Figure {
            median,
            min: v.first().copied().unwrap_or(0.0),
            max: v.last().copied().unwrap_or(0.0),
            n: v.len(),
        }
    }

    fn show(&self, fmt: &dyn Fn(f64) -> String) -> String {
        match self.n {
            1 => format!("{} (one run)", fmt(self.median)),
            n => format!("{} ({}-{}, {n} runs)", fmt(self.median), fmt(self.min), fmt(self.max)),
        }
    }

    /// Whether every run of `self` is below every run of `other` (one run each: by 10%).
    fn clearly_below(&self, other: &Figure) -> bool {
        if self.n < 2 || other.n < 2 {
            return other.median > self.median * 1.10;
        }
        self.max < other.min
    }
}

/// The verdict on "`low` is below `high` by at least `by`" (`ratio` = high / low): holds
/// when every run of `low` is below every run of `high` by the margin, partly when below
/// by less, does not hold when clearly above, too close to call otherwise.
fn below_by(low: &Figure, high: &Figure, ratio: f64, by: f64) -> Verdict {
    if low.clearly_below(high) {
        match ratio >= 1.0 + by {
            true => Verdict::Holds,
            false => Verdict::Partly,
        }
    } else if high.clearly_below(low) {
        Verdict::DoesNotHold
    } else {
        Verdict::TooClose
    }
}

/// "ran at most K of N at once" when a model's runs fell short of the claimed concurrency.
fn short_of(runs: &[&CellResult], tasks: usize) -> Option<String> {
    let mut peaks: Vec<f64> = runs.iter().filter_map(|c| in_flight(c).map(|p| p as f64)).collect();
    let peak = median(&mut peaks)?;
    (!reached(Some(peak as u64), tasks)).then(|| {
        format!(
            "{} ran at most {} of {} at once",
            runs[0].model,
            format_count(peak as usize),
            format_count(tasks)
        )
    })
}

fn judge_figures(c: &Claim, cells: &[CellResult], baselines: &[CellResult]) -> Result<(String, Verdict), String> {
    let time = |r: &[&CellResult]| Figure::of(r, &|x| cell_time(x));
    let secs = |v: f64| format_secs(v);
    let with_short = |text: String, runs: &[&[&CellResult]]| {
        let notes: Vec<String> = runs.iter().filter_map(|r| short_of(r, c.tasks)).collect();
        match notes.is_empty() {
            true => text,
            false => format!("{text}; {}", notes.join(", ")),
        }
    };
    match &c.check {
        Check::Similar { a, b, within } => {
            let (ra, rb) = (runs(c, cells, a)?, runs(c, cells, b)?);
            let (ta, tb) = (time(&ra), time(&rb));
            let ratio = ta.median.max(tb.median) / ta.median.min(tb.median).max(1e-9);
            let apart = ta.clearly_below(&tb) || tb.clearly_below(&ta);
            let verdict = if ratio <= 1.0 + within {
                Verdict::Holds
            } else if !apart {
                Verdict::TooClose
            } else if ratio <= 1.0 + 2.0 * within {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            };
            let text = format!("{a} {} vs {b} {} ({ratio:.2}x apart)", ta.show(&secs), tb.show(&secs));
            Ok((with_short(text, &[&ra, &rb]), verdict))
        }
        Check::Faster { faster, slower, by } => {
            let (rf, rs) = (runs(c, cells, faster)?, runs(c, cells, slower)?);
            let (tf, ts) = (time(&rf), time(&rs));
            let ratio = ts.median / tf.median.max(1e-9);
            let verdict = below_by(&tf, &ts, ratio, *by);
            let text = format!(
                "{faster} {} vs {slower} {} ({ratio:.2}x)",
                tf.show(&secs),
                ts.show(&secs)
            );
            Ok((with_short(text, &[&rf, &rs]), verdict))
        }
        Check::Leaner { leaner, fatter, by } => {
            let (rl, rf) = (runs(c, cells, leaner)?, runs(c, cells, fatter)?);
            let rss = |r: &[&CellResult]| Figure::of(r, &|x| x.peak_rss_bytes as f64);
            let (ml, mf) = (rss(&rl), rss(&rf));
            let ratio = mf.median / ml.median.max(1.0);
            let verdict = below_by(&ml, &mf, ratio, *by);
            let text = format!(
                "{leaner} RSS {} vs {fatter} {} ({ratio:.2}x)",
                ml.show(&format_bytes),
                mf.show(&format_bytes)
            );
            Ok((with_short(text, &[&rl, &rf]), verdict))
        }
        Check::Completes { model } => {
            let all = cells
                .iter()
                .filter(|x| x.workload == c.workload.to_string() && x.model == model.to_string() && x.tasks == c.tasks);
            let (ok, total) = all.fold((0, 0), |(ok, n), x| (ok + (x.status == Status::Ok) as usize, n + 1));
            let r = runs(c, cells, model)?;
            let short = short_of(&r, c.tasks);
            let verdict = match (ok == total, &short) {
                (true, None) => Verdict::Holds,
                (true, Some(_)) => Verdict::Partly,
                (false, _) => Verdict::Partly,
            };
            let peak = Figure::of(&r, &|x| x.peak_in_flight.unwrap_or(0) as f64);
            let text = format!(
                "{model}: {ok} of {total} runs finished every task; peak in flight {}, peak RSS {}",
                peak.show(&|v| format_count(v as usize)),
                Figure::of(&r, &|x| x.peak_rss_bytes as f64).show(&format_bytes)
            );
            Ok((with_short(text, &[]), verdict))
        }
        Check::Range {
            model,
            metric,
            min,
            max,
        } => {
            let r = runs(c, cells, model)?;
            let base = |f: fn(&CellResult) -> u64| {
                let model = model.to_string();
                let mut v: Vec<f64> = baselines
                    .iter()
                    .filter(|b| b.model == model && b.status == Status::Ok)
                    .map(|b| f(b) as f64)
                    .collect();
                median(&mut v)
            };
            let per_task = |v: f64, b: Option<f64>| (v - b.unwrap_or(0.0)) / c.tasks as f64;
            let fig = match metric {
                Metric::PeakVmBytes => Figure::of(&r, &|x| x.peak_vm_bytes as f64),
                Metric::PeakRssBytes => Figure::of(&r, &|x| x.peak_rss_bytes as f64),
                Metric::RssPerTaskBytes => {
                    let b = base(|x| x.peak_rss_bytes);
                    Figure::of(&r, &|x| per_task(x.peak_rss_bytes as f64, b))
                }
                Metric::VmPerTaskBytes => {
                    let b = base(|x| x.peak_vm_bytes);
                    Figure::of(&r, &|x| per_task(x.peak_vm_bytes as f64, b))
                }
            };
            let inside = |v: f64| (*min..=*max).contains(&v);
            let verdict = if inside(fig.median) {
                Verdict::Holds
            } else if fig.median >= min / 2.0 && fig.median <= max * 2.0 {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            };
            let text = format!(
                "{model} {} {} = {} (claimed {}-{})",
                metric.label(),
                fig.show(&format_bytes),
                si(fig.median),
                si(*min),
                si(*max)
            );
            Ok((with_short(text, &[&r]), verdict))
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
        c.tasks_ok = 1 - failed;
        c.tasks_failed = failed;
        crate::cell::parent::judge_failed_tasks(&mut c, 0.0);
        c
    }

    #[test]
    fn verdicts_follow_the_figures_and_ignore_failed_cells() {
        let text = r#"[{"id":"c","text":"t","source":"s","workload":"sleep:1s","tasks":1,"check":{"kind":"faster","faster":"rs-async","slower":"rs-thread","by":0.5}}]"#;
        let claims = parse_claims(text, "f").unwrap();
        let claim = &claims[0];
        let verdict = |cells: &[CellResult]| judge(claim, cells, &[]).verdict;
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
