//! The HTML and Markdown reports' reading of a workload in a few lines: one headline sentence, then
//! rankings instead of a list of pairwise "A beats B" lines, scaling in words instead of
//! exponents, and where models stopped. It reads the same analysis as the terminal's
//! verdicts (`analyze::verdict`); only the wording is shorter, under a short workload
//! label (`http latency=20ms`) instead of the whole spec. The lines are HTML: a model
//! and its figure are kept on one line.

use std::str::FromStr;

use super::svg::escape;
use crate::analyze::{self, medians, peaks, reached};
use crate::results::{FailureKind, Results, Status, WorkloadAnalysis};
use crate::units::{format_bytes, format_count, format_secs};
use crate::workload::WorkloadSpec;

/// Two medians closer than this (one run's noise, as `analyze` uses) rank as a tie.
const TIE: f64 = 1.10;

/// A workload's reading: the headline and the points under it, as HTML.
pub struct Summary {
    pub headline: String,
    pub points: Vec<String>,
}

/// Numbers stay with their units: `4.02 MiB` never breaks inside.
pub fn nb(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

/// `http:latency=20ms,requests=1,keepalive=true,bytes=128` -> `http latency=20ms`: the
/// workload's name, its positional parameter and the parameters that differ from their
/// defaults.
pub fn workload_label(spec: &str) -> String {
    let Some((kind, params)) = spec.split_once(':') else {
        return spec.to_string();
    };
    let defaults = WorkloadSpec::from_str(kind).map(|d| d.to_string()).unwrap_or_default();
    let defaults: Vec<&str> = defaults
        .split_once(':')
        .map(|d| d.1.split(',').collect())
        .unwrap_or_default();
    let own: Vec<&str> = params
        .split(',')
        .filter(|p| !p.contains('=') || !defaults.contains(p))
        .collect();
    if own.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {}", own.join(","))
    }
}

/// `a 1.0s ≈ b 1.05s < c 3s` (HTML): models ordered by `value`, close ones marked as ties.
fn ranking(mut entries: Vec<(String, f64)>, fmt: &dyn Fn(f64) -> String) -> String {
    entries.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut out = String::new();
    for (i, (m, v)) in entries.iter().enumerate() {
        if i > 0 {
            let prev = entries[i - 1].1;
            out.push_str(if *v <= prev.abs() * TIE { " ≈ " } else { " &lt; " });
        }
        out.push_str(&nw(&format!("{m} {}", fmt(*v))));
    }
    out
}

/// `text`, escaped, in a span that does not wrap.
fn nw(text: &str) -> String {
    format!(r#"<span class="nw">{}</span>"#, escape(text))
}

/// The exponent b of time ≈ a·N^b in words.
fn growth(b: f64) -> String {
    match b {
        b if b.abs() < 0.15 => "flat".into(),
        b if (0.85..1.15).contains(&b) => "linear (a queue)".into(),
        b => format!("as N^{b:.1}"),
    }
}

/// The reading of one workload.
pub fn summarize(results: &Results, wa: &WorkloadAnalysis) -> Summary {
    let w = &wa.workload;
    let med = medians(&results.cells, w);
    let peak = peaks(&results.cells, w);
    let mut points = Vec::new();
    let runs = match results.plan.repeat {
        1 => "one run each".to_string(),
        n => format!("medians of {n} runs"),
    };

    // The largest count at which two or more models finished.
    let n = med
        .keys()
        .map(|k| k.1)
        .filter(|n| med.keys().filter(|k| k.1 == *n).count() >= 2)
        .max();
    let measured = results.cells.iter().filter(|c| &c.workload == w);
    let headline = match n {
        None if measured.clone().any(|c| c.status == Status::Errors) => {
            "No cell finished without failed tasks, so nothing is compared.".to_string()
        }
        None => "Too few models finished to compare.".to_string(),
        Some(n) => {
            let win = wa.winners.iter().find(|x| x.tasks == n);
            let at = |m: &str| med.get(&(m.to_string(), n)).cloned();
            let time = match win.and_then(|x| x.by_time.as_ref()).and_then(|m| Some((m, at(m)?))) {
                Some((m, (t, _))) => format!("{} is fastest ({})", nw(m), nw(&format_secs(t))),
                None => "no model is clearly fastest".into(),
            };
            let memory = match win.and_then(|x| x.by_memory.as_ref()).and_then(|m| Some((m, at(m)?))) {
                Some((m, (_, r))) => format!("{} uses the least memory ({})", nw(m), nw(&format_bytes(r))),
                None => "none clearly uses the least memory".into(),
            };
            format!("At {} tasks {time} and {memory}; {runs}.", format_count(n))
        }
    };

    if let Some(n) = n {
        let here: Vec<(String, (f64, f64))> = med
            .iter()
            .filter(|(k, _)| k.1 == n)
            .map(|(k, v)| (k.0.clone(), *v))
            .collect();
        let times = here.iter().map(|(m, v)| (m.clone(), v.0)).collect();
        points.push(format!(
            "Work time at {}: {}.",
            format_count(n),
            ranking(times, &|v| format_secs(v))
        ));
        let (full, short): (Vec<_>, Vec<_>) = here
            .iter()
            .partition(|(m, _)| reached(peak.get(&(m.clone(), n)).cloned(), n));
        if full.len() >= 2 {
            let rss = full.iter().map(|(m, v)| (m.clone(), v.1)).collect();
            points.push(format!(
                "Peak memory at {}: {}.",
                format_count(n),
                ranking(rss, &format_bytes)
            ));
        }
        if !short.is_empty() {
            let parts: Vec<String> = short
                .iter()
                .map(|(m, _)| {
                    let k = peak.get(&(m.clone(), n)).map(|p| format_count(*p as usize));
                    format!("{} ran at most {} at once", nw(m), k.unwrap_or_else(|| "?".into()))
                })
                .collect();
            points.push(format!(
                "Queued, so left out of memory comparisons: {}.",
                parts.join("; ")
            ));
        }
        // Memory per task only means something for models that ran every task at once.
        let per_task: Vec<(String, f64)> = wa
            .bytes_per_task
            .iter()
            .filter(|(m, b)| **b > 0.0 && full.iter().any(|(f, _)| f == *m))
            .map(|(m, b)| (m.clone(), *b))
            .collect();
        if per_task.len() >= 2 {
            points.push(format!("Memory per task: {}.", ranking(per_task, &format_bytes)));
        }
    }

    if !wa.scaling.is_empty() {
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for (m, b) in &wa.scaling {
            let g = growth(*b);
            match groups.iter_mut().find(|x| x.0 == g) {
                Some(x) => x.1.push(m),
                None => groups.push((g, vec![m])),
            }
        }
        let parts: Vec<String> = groups
            .iter()
            .map(|(g, ms)| {
                let ms: Vec<String> = ms.iter().map(|m| nw(m)).collect();
                format!("{} for {}", escape(g), ms.join(", "))
            })
            .collect();
        points.push(format!("Work time as tasks grow: {}.", parts.join("; ")));
    }

    for f in &wa.failures {
        let skipped = results
            .cells
            .iter()
            .filter(|c| &c.workload == w && c.model == f.model && c.status == Status::Skipped)
            .count();
        let skipped = match skipped {
            0 => String::new(),
            k => format!(" ({k} larger {} not run)", if k == 1 { "count" } else { "counts" }),
        };
        let why = stop_reason(f.kind, f.limit.as_deref(), f.message.as_deref());
        let verb = if f.kind == FailureKind::TaskErrors {
            "had failed tasks"
        } else {
            "stopped"
        };
        points.push(format!(
            "{} {verb} at {} tasks: {}{skipped}.",
            nw(&f.model),
            format_count(f.tasks),
            escape(&why)
        ));
    }
    Summary { headline, points }
}

/// Why a model stopped, in words: the kind, then the limit or the message.
pub fn stop_reason(kind: FailureKind, limit: Option<&str>, message: Option<&str>) -> String {
    let detail = limit.or(message).filter(|d| !d.is_empty());
    match detail {
        Some(d) if kind == FailureKind::TaskErrors => d.to_string(),
        Some(d) => format!("{kind}, {d}"),
        None => kind.to_string(),
    }
}

/// The median of `pick` over a workload's ok cells of (model, tasks), as used in tables.
pub fn ok_median(
    results: &Results,
    workload: &str,
    model: &str,
    tasks: usize,
    pick: &dyn Fn(&crate::results::CellResult) -> Option<f64>,
) -> Option<f64> {
    let mut v: Vec<f64> = results
        .cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model && c.tasks == tasks && c.status == Status::Ok)
        .filter_map(pick)
        .collect();
    analyze::median(&mut v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_only_what_differs_from_the_defaults() {
        assert_eq!(workload_label("sleep:50ms"), "sleep 50ms");
        let http = WorkloadSpec::from_str("http").unwrap().to_string();
        assert_eq!(workload_label(&http), "http");
        let twenty = WorkloadSpec::from_str("http:latency=20ms").unwrap().to_string();
        assert_eq!(workload_label(&twenty), "http latency=20ms");
    }

    #[test]
    fn rankings_mark_ties_and_growth_reads_as_words() {
        let r = ranking(vec![("c".into(), 3.0), ("a".into(), 1.0), ("b".into(), 1.05)], &|v| {
            format!("{v} s")
        });
        assert_eq!(
            r,
            r#"<span class="nw">a 1 s</span> ≈ <span class="nw">b 1.05 s</span> &lt; <span class="nw">c 3 s</span>"#
        );
        assert_eq!(growth(-0.001), "flat");
        assert_eq!(growth(0.98), "linear (a queue)");
        assert_eq!(growth(0.5), "as N^0.5");
    }
}
