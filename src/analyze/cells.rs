//! What one cell, or the `ok` cells at one (model, tasks), read as: the time a cell is
//! judged on, whether it reached the concurrency asked of it, the p99 its caller saw, and
//! the medians over repeats. Every part of `analyze` (and the renderers) reads cells
//! through these, so they agree on what a cell's "time" is.

use std::collections::BTreeMap;

use super::numbers::median;
use crate::results::{CellResult, Status};

/// A cell reached the concurrency asked of it when its peak in flight was at least this
/// share of its tasks: 95%.
pub const REACHED: f64 = 0.95;

/// The most tasks a cell ran at once: its measured peak in flight, or in results written
/// before conlab measured it, the width the model was given (a pool's threads).
pub fn in_flight(c: &CellResult) -> Option<u64> {
    c.peak_in_flight.or(c.concurrency.map(|k| k as u64))
}

/// Whether a peak in flight reached `tasks` (unknown peaks, from older results, do).
pub fn reached(peak_in_flight: Option<u64>, tasks: usize) -> bool {
    peak_in_flight.is_none_or(|p| p as f64 >= REACHED * tasks as f64)
}

/// The figure a cell is judged on for speed: the work time, or the wall time when the
/// cell reported none. A server cell's work time is its load's duration whatever the
/// model, so it is judged on what its clients saw: the p99 request latency.
pub fn cell_time(c: &CellResult) -> f64 {
    match (&c.load, &c.request_latency_ms) {
        (Some(_), Some(latency)) => latency.p99 / 1e3,
        _ => c.work_s.unwrap_or(c.wall_s),
    }
}

/// Whether a workload (by its canonical spec) is a server workload, whose "time" is the
/// clients' p99 latency and whose tasks are connections.
pub fn is_server(workload: &str) -> bool {
    workload.starts_with("serve-")
}

/// Work times, peak RSS and peaks in flight of the `ok` cells at one (model, tasks).
#[derive(Default)]
pub(super) struct Group {
    pub(super) times: Vec<f64>,
    pub(super) rss: Vec<f64>,
    pub(super) peaks: Vec<f64>,
}

pub(super) fn ok_groups(cells: &[CellResult], workload: &str) -> BTreeMap<(String, usize), Group> {
    let mut groups: BTreeMap<(String, usize), Group> = BTreeMap::new();
    for c in cells
        .iter()
        .filter(|c| c.workload == workload && c.status == Status::Ok && !c.baseline)
    {
        let g = groups.entry((c.model.clone(), c.tasks)).or_default();
        g.times.push(cell_time(c));
        g.rss.push(c.peak_rss_bytes as f64);
        g.peaks.extend(in_flight(c).map(|p| p as f64));
    }
    groups
}

/// Medians of the `ok` cells of one workload: (model, tasks) -> (time s, peak RSS bytes).
pub fn medians(cells: &[CellResult], workload: &str) -> BTreeMap<(String, usize), (f64, f64)> {
    ok_groups(cells, workload)
        .into_iter()
        .filter_map(|(k, mut g)| Some((k, (median(&mut g.times)?, median(&mut g.rss)?))))
        .collect()
}

/// Median peak in flight of the `ok` cells of one workload, where the cells reported it.
pub fn peaks(cells: &[CellResult], workload: &str) -> BTreeMap<(String, usize), u64> {
    ok_groups(cells, workload)
        .into_iter()
        .filter_map(|(k, mut g)| Some((k, median(&mut g.peaks)?.round() as u64)))
        .collect()
}

/// The p99 latency the caller sees, ms: each task's completion from the submission of the
/// batch; results written before conlab measured it fall back to the service latency.
pub fn caller_p99(c: &CellResult) -> Option<f64> {
    c.caller_latency_ms
        .as_ref()
        .or(c.request_latency_ms.as_ref())
        .or(c.latency_ms.as_ref())
        .map(|l| l.p99)
}
