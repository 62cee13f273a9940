//! Plain-language conclusions of a sweep: a few lines a person can act on, printed after
//! the tables and put first in the HTML report.

use crate::analyze::medians;
use crate::results::Results;
use crate::units::{format_bytes, format_count, format_secs};

/// The verdict lines of every workload.
pub fn verdicts(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for wa in &results.analysis.workloads {
        let med = medians(&results.cells, &wa.workload);
        if let Some(w) = wa.winners.iter().max_by_key(|w| w.tasks) {
            let value = |m: &Option<String>, i: usize| {
                m.as_ref()
                    .and_then(|m| med.get(&(m.clone(), w.tasks)))
                    .map(|v| if i == 0 { v.0 } else { v.1 })
            };
            let time = match (&w.by_time, value(&w.by_time, 0)) {
                (Some(m), Some(t)) => format!("{m} is fastest ({})", format_secs(t)),
                _ => "no model is clearly fastest".to_string(),
            };
            let memory = match (&w.by_memory, value(&w.by_memory, 1)) {
                (Some(m), Some(b)) => format!("{m} uses the least memory ({})", format_bytes(b)),
                _ => "none clearly uses the least memory".to_string(),
            };
            let note = w.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            out.push(format!(
                "{}: at {} tasks, {time} and {memory}{note}.",
                wa.workload,
                format_count(w.tasks)
            ));
        }
        for c in &wa.crossover {
            let first = wa.winners.iter().map(|w| w.tasks).min().unwrap_or(0);
            if c.from_tasks > first {
                out.push(format!(
                    "{}: {} beats {} by 10% or more from {} tasks on.",
                    wa.workload,
                    c.faster,
                    c.slower,
                    format_count(c.from_tasks)
                ));
            }
        }
        if let (Some((lean, lb)), Some((fat, fb))) = (
            wa.bytes_per_task.iter().min_by(|a, b| a.1.total_cmp(b.1)),
            wa.bytes_per_task.iter().max_by(|a, b| a.1.total_cmp(b.1)),
        ) {
            if *fb > 2.0 * lb.max(1.0) {
                out.push(format!(
                    "{}: each task costs {} under {fat} but {} under {lean}.",
                    wa.workload,
                    format_bytes(*fb),
                    format_bytes(lb.max(0.0))
                ));
            }
        }
        if !wa.scaling.is_empty() {
            let parts: Vec<String> = wa.scaling.iter().map(|(m, b)| format!("{m} N^{b:.2}")).collect();
            out.push(format!("{}: work time grows as {}.", wa.workload, parts.join(", ")));
        }
        for f in &wa.failures {
            let at = f
                .at_task
                .map(|t| format!(" at task {}", format_count(t)))
                .unwrap_or_default();
            let limit = f.limit.as_ref().map(|l| format!(": {l}")).unwrap_or_default();
            out.push(format!(
                "{}: {} stopped at {} tasks ({}{at}){limit}.",
                wa.workload,
                f.model,
                format_count(f.tasks),
                f.kind
            ));
        }
    }
    out
}
