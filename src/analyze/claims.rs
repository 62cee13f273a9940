//! Claims judged against measured cells: a claim names a scenario (a workload and a task
//! count) and a check (two models similar, one faster than another, a figure in a range,
//! one server holding more load within an objective); the verdict is holds, partly or
//! does not hold, with the figures it rests on. Pure functions: the `claims` command
//! measures, this module judges (`claim_spec` reads the file).

use super::capacity;
use super::cells::{cell_time, in_flight, reached};
pub use super::claim_spec::{parse_claims, Check, Claim, ClaimsError, Metric, ARTICLE};
use super::numbers::median;
use crate::model::ModelSpec;
use crate::results::{Capacity, CellResult, ClaimResult, Status, Verdict};
use crate::slo::Slo;
use crate::units::{format_bytes, format_count, format_secs, plural};

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
/// measured for it, and for a capacity claim the searches at its objective.
pub fn judge(c: &Claim, cells: &[CellResult], baselines: &[CellResult], capacities: &[Capacity]) -> ClaimResult {
    let judged = match c.slo() {
        Some(slo) => judge_capacity(c, slo, capacities),
        None => judge_figures(c, cells, baselines),
    };
    let (measured, verdict) = match judged {
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

/// A capacity claim, on the searches run at its objective.
fn judge_capacity(c: &Claim, slo: &Slo, capacities: &[Capacity]) -> Result<(String, Verdict), String> {
    let objective = slo.to_string();
    // No search at this objective at all: judged on none, so the reason names the model.
    let none = crate::slo::capacity(slo);
    let found = capacities.iter().find(|k| k.slo == objective).unwrap_or(&none);
    let (w, n) = (c.workload.to_string(), c.tasks);
    match &c.check {
        Check::HoldsMore { more, less, by, .. } => {
            capacity::judge_more(found, &w, n, &more.to_string(), &less.to_string(), *by)
        }
        Check::HoldsAsMuch { a, b, within, .. } => {
            capacity::judge_similar(found, &w, n, &a.to_string(), &b.to_string(), *within)
        }
        _ => Err("not a capacity claim".into()),
    }
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
        Check::HoldsMore { .. } | Check::HoldsAsMuch { .. } => Err("a capacity claim needs its searches".into()),
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
        let verdict = |cells: &[CellResult]| judge(claim, cells, &[], &[]).verdict;
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

    #[test]
    fn capacity_claims_parse_their_objective_and_are_judged_on_its_searches() {
        let claim = |workload: &str, slo: &str| {
            format!(
                r#"[{{"id":"c","text":"t","source":"s","workload":"{workload}","tasks":8,"check":{{"kind":"holds-more","more":"rs-async","less":"rs-thread","by":0.25,"slo":"{slo}"}}}}]"#
            )
        };
        let bad_slo = parse_claims(&claim("serve-http:latency=10ms", "p95=1ms"), "f").unwrap_err();
        assert!(bad_slo.to_string().contains("check.slo"), "{bad_slo}");
        let not_server = parse_claims(&claim("sleep:1s", "p99=100ms"), "f").unwrap_err();
        assert!(
            not_server.to_string().contains("--slo needs a server workload"),
            "{not_server}"
        );
        let claims = parse_claims(&claim("serve-http:latency=10ms,duration=3s", "p99=100ms"), "f").unwrap();
        let c = &claims[0];
        assert_eq!(c.slo().map(|s| s.to_string()).as_deref(), Some("p99=100ms"));
        let none = judge(c, &[], &[], &[]);
        assert_eq!(none.verdict, Verdict::NotMeasured);
        assert!(
            none.measured.starts_with("rs-async was not searched at 8"),
            "{}",
            none.measured
        );
        let mut found = crate::slo::capacity(c.slo().unwrap());
        for (model, rps) in [("rs-async", 6000.0), ("rs-thread", 3000.0)] {
            found.searches.push(crate::results::CapacitySearch {
                workload: c.workload.to_string(),
                model: model.into(),
                tasks: 8,
                repeat: 0,
                capacity_rps: Some(rps),
                failed_at_rps: Some(rps * 1.05),
                end: crate::results::SearchEnd::Converged,
                probes: Vec::new(),
            });
        }
        assert_eq!(judge(c, &[], &[], &[found.clone()]).verdict, Verdict::Holds);
        found.slo = "p99=50ms".into();
        assert_eq!(judge(c, &[], &[], &[found]).verdict, Verdict::NotMeasured);
    }
}
