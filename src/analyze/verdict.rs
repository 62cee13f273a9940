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
            let time = w
                .by_time
                .as_ref()
                .and_then(|m| med.get(&(m.clone(), w.tasks)))
                .map(|v| v.0);
            let rss = w
                .by_memory
                .as_ref()
                .and_then(|m| med.get(&(m.clone(), w.tasks)))
                .map(|v| v.1);
            match (&w.by_time, time, &w.by_memory, rss) {
                (Some(t), Some(time), Some(m), Some(rss)) => out.push(format!(
                    "{}: at {} tasks, {t} is fastest ({}) and {m} uses the least memory ({}).",
                    wa.workload,
                    format_count(w.tasks),
                    format_secs(time),
                    format_bytes(rss)
                )),
                _ => out.push(format!(
                    "{}: at {} tasks no model finished.",
                    wa.workload,
                    format_count(w.tasks)
                )),
            }
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
