//! Plain-language conclusions of a sweep: a few lines a person can act on, printed after
//! the tables and put first in the HTML report.
//!
//! Every figure in a verdict carries how many runs it rests on and their range, a time
//! win by a model that ran fewer tasks at once than asked says so, and a workload whose
//! cells all had failed tasks gets no winner at all, only the reason.

use super::analysis::by_host;
use super::cells::{medians, peaks, reached};
use crate::results::{CellStats, FailureKind, Results, Spread, Status, WorkloadAnalysis};
use crate::units::{format_bytes, format_count, format_secs, plural};

/// A median with its range and the number of runs behind it: `1.02s (0.99s-1.05s, 3 runs)`.
fn with_range(s: &Spread, fmt: fn(f64) -> String) -> String {
    match s.n {
        1 => format!("{}, one run", fmt(s.median)),
        n => format!("{}, {}-{} over {n} runs", fmt(s.median), fmt(s.min), fmt(s.max)),
    }
}

fn stats_at<'a>(wa: &'a WorkloadAnalysis, model: &str, tasks: usize) -> Option<&'a CellStats> {
    wa.stats.iter().find(|s| s.model == model && s.tasks == tasks)
}

/// The verdict lines of every workload; from several machines, each line says which
/// (`on c7g: sleep:1s: ...`).
pub fn verdicts(results: &Results) -> Vec<String> {
    match by_host(results) {
        None => verdicts_of(results),
        Some(views) => views
            .iter()
            .flat_map(|(host, r)| verdicts_of(r).into_iter().map(move |v| format!("on {host}: {v}")))
            .collect(),
    }
}

/// The verdict lines of a document from one machine.
fn verdicts_of(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for wa in &results.analysis.workloads {
        let w = &wa.workload;
        let med = medians(&results.cells, w);
        let measured: Vec<_> = results.cells.iter().filter(|c| &c.workload == w).collect();
        if med.is_empty() && measured.iter().any(|c| c.status == Status::Errors) {
            out.push(format!(
                "{w}: no cell finished without failed tasks, so nothing is compared (see where each model failed below)."
            ));
        }
        if let Some(win) = wa.winners.iter().max_by_key(|w| w.tasks) {
            let n = win.tasks;
            let time = match win
                .by_time
                .as_ref()
                .and_then(|m| Some((m, stats_at(wa, m, n)?.time_s.as_ref()?)))
            {
                Some((m, s)) => {
                    let at_most = win
                        .by_time_at_most
                        .map(|k| format!("; it ran at most {} at once", format_count(k as usize)))
                        .unwrap_or_default();
                    format!("{m} is fastest ({}{at_most})", with_range(s, format_secs))
                }
                None => "no model is clearly fastest".to_string(),
            };
            let memory = match win
                .by_memory
                .as_ref()
                .and_then(|m| Some((m, stats_at(wa, m, n)?.peak_rss_bytes.as_ref()?)))
            {
                Some((m, s)) => format!("{m} uses the least memory ({})", with_range(s, format_bytes)),
                None => "none clearly uses the least memory".to_string(),
            };
            let note = win.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            out.push(format!("{w}: at {}, {time} and {memory}{note}.", plural(n, "task")));
        }
        let peaks = peaks(&results.cells, w);
        for c in &wa.crossover {
            let first = wa.winners.iter().map(|w| w.tasks).min().unwrap_or(0);
            if c.from_tasks <= first {
                continue;
            }
            let largest = med
                .keys()
                .filter(|k| k.0 == c.faster && med.contains_key(&(c.slower.clone(), k.1)))
                .map(|k| k.1)
                .max()
                .unwrap_or(c.from_tasks);
            let figure = |m: &str| {
                let s = stats_at(wa, m, largest).and_then(|s| s.time_s.as_ref());
                let at_most = peaks
                    .get(&(m.to_string(), largest))
                    .filter(|&&p| !reached(Some(p), largest))
                    .map(|p| format!(", at most {} at once", format_count(*p as usize)))
                    .unwrap_or_default();
                s.map(|s| format!("{m} {}{at_most}", with_range(s, format_secs)))
                    .unwrap_or_default()
            };
            out.push(format!(
                "{w}: {} beats {} by 10% or more (beyond the spread of runs) from {} on; at {}: {} vs {}.",
                c.faster,
                c.slower,
                plural(c.from_tasks, "task"),
                format_count(largest),
                figure(&c.faster),
                figure(&c.slower)
            ));
        }
        if let (Some((lean, lb)), Some((fat, fb))) = (
            wa.bytes_per_task.iter().min_by(|a, b| a.1.total_cmp(b.1)),
            wa.bytes_per_task.iter().max_by(|a, b| a.1.total_cmp(b.1)),
        ) {
            if *fb > 2.0 * lb.max(1.0) {
                out.push(format!(
                    "{w}: each task costs {} under {fat} but {} under {lean}.",
                    format_bytes(*fb),
                    format_bytes(lb.max(0.0))
                ));
            }
        }
        if !wa.scaling.is_empty() {
            let parts: Vec<String> = wa.scaling.iter().map(|(m, b)| format!("{m} N^{b:.2}")).collect();
            out.push(format!("{w}: work time grows as {}.", parts.join(", ")));
        }
        for f in &wa.failures {
            let limit = f.limit.as_ref().map(|l| format!(" [{l}]")).unwrap_or_default();
            if f.kind == FailureKind::TaskErrors {
                let what = f.message.as_deref().unwrap_or("tasks failed");
                out.push(format!(
                    "{w}: {} had failed tasks at {}, so it wins nothing there: {what}{limit}.",
                    f.model,
                    plural(f.tasks, "task")
                ));
                continue;
            }
            let at = f
                .at_task
                .map(|t| format!(" at task {}", format_count(t)))
                .unwrap_or_default();
            let limit = f.limit.as_ref().map(|l| format!(": {l}")).unwrap_or_default();
            out.push(format!(
                "{w}: {} stopped at {} ({}{at}){limit}.",
                f.model,
                plural(f.tasks, "task"),
                f.kind
            ));
        }
    }
    out
}
