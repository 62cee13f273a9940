//! A cell over time, as results hold it: the parent's samples of the process tree
//! (memory, threads, descriptors, processes), thinned to at most 200 evenly spaced
//! points, each with the tasks in flight and completed that the child counted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One cell's run over time (`cells[].series`): every run keeps its own; absent with
/// `--no-series` and for cells that never ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CellSeries {
    /// When the cell was ready to start its tasks, ms after its process was spawned
    /// (absent when it never reported).
    pub ready_ms: Option<f64>,
    /// When its last task ended, ms after the spawn: a cell that exits at once has no
    /// sample after it, so the chart marks it.
    pub finished_ms: Option<f64>,
    /// The spacing the points were thinned to, ms (the last point may come sooner).
    pub every_ms: f64,
    /// The points, in time order; the first and last samples are always among them.
    pub points: Vec<SeriesPoint>,
}

/// The process tree at one sample, and the cell's tasks up to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesPoint {
    /// Since the cell process was spawned, ms.
    pub t_ms: f64,
    /// Resident memory summed over the tree, bytes.
    pub rss_bytes: u64,
    /// Threads over the tree.
    pub threads: u64,
    /// Open descriptors over the tree.
    pub fds: u64,
    /// Processes in the tree.
    pub procs: u64,
    /// Tasks started and not ended by this point (to the child's bin of 1 ms or wider);
    /// absent when the cell sent no bins (a server cell, a cell that crashed).
    pub in_flight: Option<u64>,
    /// Tasks that ended since the previous point.
    pub completed: Option<u64>,
}

impl CellSeries {
    /// The point holding the most resident memory.
    pub fn peak_rss(&self) -> Option<&SeriesPoint> {
        self.points.iter().max_by_key(|p| p.rss_bytes)
    }
}
