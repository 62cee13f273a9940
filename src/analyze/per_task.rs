//! Memory per task: the slope of a cell figure (peak RSS, or peak virtual size for the
//! address space each task reserves) over task counts. The analysis reports it as
//! `bytes_per_task`, and the reading sets reserved against resident with it.

use std::collections::BTreeMap;

use super::cells::{in_flight, reached};
use super::numbers::{median, slope};
use crate::results::{CellResult, Status};

/// The fewest tasks a single count needs for its peak over the model's baseline (N = 0)
/// to count as memory per task: below it, what the work costs once (the code it maps on
/// first use, its buffers) weighs as much as the tasks.
const MIN_TASKS_OVER_BASELINE: usize = 100;

/// Memory per task of one model: the slope of median peak RSS over task counts. Models
/// that run every task at once use only the counts where they really had their tasks
/// alive at once (peak in flight): threads started more slowly than they finish would
/// otherwise look lean by dividing by tasks that never overlapped (and dividing by the
/// tasks alive instead is no better: finished threads leave memory behind). With two such
/// counts or more the slope is theirs alone, the cost of each task more, and what the
/// work costs once cancels out; with one, of at least [`MIN_TASKS_OVER_BASELINE`] tasks,
/// it is measured from the model's baseline. Queueing models use the counts where their
/// queue is full, so their fixed pool is not mistaken for a per-task cost.
pub(super) fn bytes_per_task_of(
    cells: &[CellResult],
    baselines: &[CellResult],
    workload: &str,
    model: &str,
) -> Option<f64> {
    per_task_of(cells, baselines, workload, model, |c| c.peak_rss_bytes)
}

/// The slope of [`bytes_per_task_of`] for any per-cell figure (`pick`): peak RSS, or peak
/// virtual size for the address space each task reserves.
pub(super) fn per_task_of(
    cells: &[CellResult],
    baselines: &[CellResult],
    workload: &str,
    model: &str,
    pick: fn(&CellResult) -> u64,
) -> Option<f64> {
    let ok: Vec<&CellResult> = cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model && c.status == Status::Ok && !c.baseline)
        .collect();
    let queueing = ok.iter().any(|c| c.concurrency.is_some_and(|k| k < c.tasks));
    let mut by_tasks: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for c in ok.iter().filter(|c| match queueing {
        true => c.concurrency.is_some_and(|k| k < c.tasks),
        false => reached(in_flight(c), c.tasks),
    }) {
        by_tasks.entry(c.tasks).or_default().push(pick(c) as f64);
    }
    let mut points: Vec<(f64, f64)> = by_tasks
        .into_iter()
        .filter_map(|(n, mut v)| Some((n as f64, median(&mut v)?)))
        .collect();
    if let [(n, _)] = points[..] {
        if queueing || (n as usize) < MIN_TASKS_OVER_BASELINE {
            return None;
        }
        let b = baselines.iter().find(|b| b.model == model && b.status == Status::Ok)?;
        points.push((0.0, pick(b) as f64));
    }
    slope(&points)
}
