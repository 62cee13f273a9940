//! Tasks started and completed per time bin, counted in the child.
//!
//! The parent sees a cell's memory and threads over time from outside, but only the
//! child knows when its tasks started and ended. Counting both per bin of time since the
//! ready mark costs a task two increments (the recorder already holds each task's start
//! and end), keeps the report small (at most [`MAX_BINS`] bins, however many tasks), and
//! lets the parent work out tasks in flight and completed at each of its own samples,
//! on one time axis. Bins start 1 ms wide; a time beyond the last bin merges neighbours
//! pairwise and doubles the width, so any length of run fits and the bins stay even.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most bins a cell reports (twice the parent's series bound, so each of its points
/// falls in a bin of its own or nearly).
pub const MAX_BINS: usize = 400;

/// The first bins' width: 1 ms.
const FIRST_WIDTH_NS: u64 = 1_000_000;

/// Starts and completions per bin of `width_ns`, bin 0 beginning at the ready mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskBins {
    width_ns: u64,
    started: Vec<u64>,
    completed: Vec<u64>,
}

/// The bins as a cell reports them (in `ChildReport::task_bins`, both languages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBinsWire {
    /// Each bin's width, microseconds; bin `i` covers `[i * width, (i + 1) * width)` from
    /// the ready mark.
    pub width_us: u64,
    /// Tasks that started in each bin.
    pub started: Vec<u64>,
    /// Tasks that ended in each bin.
    pub completed: Vec<u64>,
}

impl Default for TaskBins {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskBins {
    /// Both counts at their full size up front: counting never allocates during the work,
    /// where a first allocation on a runtime's worker thread costs the cell a malloc arena.
    pub fn new() -> Self {
        Self {
            width_ns: FIRST_WIDTH_NS,
            started: Vec::with_capacity(MAX_BINS),
            completed: Vec::with_capacity(MAX_BINS),
        }
    }

    /// Count one task that started `start_ns` and ended `end_ns` after the ready mark.
    /// (In the work's code section, as the recorder is: `bin/conlab-cell.ld`.)
    #[link_section = ".text.hot.conlab"]
    pub fn record(&mut self, start_ns: u64, end_ns: u64) {
        self.add(start_ns, 1, 0);
        self.add(end_ns.max(start_ns), 0, 1);
    }

    #[link_section = ".text.hot.conlab"]
    fn add(&mut self, at_ns: u64, started: u64, completed: u64) {
        while at_ns / self.width_ns >= MAX_BINS as u64 {
            self.coarsen();
        }
        let i = (at_ns / self.width_ns) as usize;
        if self.started.len() <= i {
            self.started.resize(i + 1, 0);
            self.completed.resize(i + 1, 0);
        }
        self.started[i] += started;
        self.completed[i] += completed;
    }

    /// Merge neighbouring bins pairwise: half as many, twice as wide.
    fn coarsen(&mut self) {
        for v in [&mut self.started, &mut self.completed] {
            // In place, for the same reason as `new`.
            let half = v.len().div_ceil(2);
            for i in 0..half {
                v[i] = v[2 * i] + v.get(2 * i + 1).copied().unwrap_or(0);
            }
            v.truncate(half);
        }
        self.width_ns *= 2;
    }

    /// Add another process's bins (a worker's, on the same ready mark).
    pub fn merge(&mut self, other: &TaskBinsWire) {
        let Some(other) = Self::from_wire(other) else { return };
        let mut other = other;
        while self.width_ns < other.width_ns {
            self.coarsen();
        }
        while other.width_ns < self.width_ns {
            other.coarsen();
        }
        for i in 0..other.started.len() {
            let at = i as u64 * other.width_ns;
            self.add(at, other.started[i], other.completed[i]);
        }
    }

    pub fn to_wire(&self) -> TaskBinsWire {
        TaskBinsWire {
            width_us: self.width_ns / 1000,
            started: self.started.clone(),
            completed: self.completed.clone(),
        }
    }

    /// Bins read back from a wire; `None` when the wire cannot be bins (no width, or the
    /// two lists of different lengths).
    pub fn from_wire(w: &TaskBinsWire) -> Option<Self> {
        (w.width_us > 0 && w.started.len() == w.completed.len()).then(|| Self {
            width_ns: w.width_us * 1000,
            started: w.started.clone(),
            completed: w.completed.clone(),
        })
    }
}

impl TaskBinsWire {
    /// Tasks started and tasks completed in the bins wholly elapsed `at_ns` after the
    /// ready mark (so a point never counts what happened after it; the resolution is one
    /// bin). Negative times (before the ready mark) count nothing.
    pub fn cumulative_at(&self, at_ns: i64) -> (u64, u64) {
        if at_ns <= 0 || self.width_us == 0 {
            return (0, 0);
        }
        let whole = (at_ns as u64 / (self.width_us * 1000)) as usize;
        let k = whole.min(self.started.len()).min(self.completed.len());
        (self.started[..k].iter().sum(), self.completed[..k].iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn tasks_land_in_the_bins_of_their_start_and_end() {
        let mut b = TaskBins::new();
        b.record(0, 3 * MS + 10);
        b.record(MS / 2, MS + 1);
        let w = b.to_wire();
        assert_eq!(w.width_us, 1000);
        assert_eq!(w.started, vec![2, 0, 0, 0]);
        assert_eq!(w.completed, vec![0, 1, 0, 1]);
        assert_eq!(w.cumulative_at(2 * MS as i64), (2, 1));
        assert_eq!(w.cumulative_at(-5), (0, 0));
        assert_eq!(w.cumulative_at(100 * MS as i64), (2, 2));
    }

    #[test]
    fn a_late_time_widens_the_bins_and_keeps_every_count() {
        let mut b = TaskBins::new();
        for i in 0..2_000u64 {
            b.record(i * MS, i * MS + 50 * MS);
        }
        let w = b.to_wire();
        assert!(w.started.len() <= MAX_BINS, "{} bins", w.started.len());
        assert_eq!(w.width_us, 8_000, "1 ms doubled until 2,050 ms fits 400 bins");
        assert_eq!(w.started.iter().sum::<u64>(), 2_000);
        assert_eq!(w.completed.iter().sum::<u64>(), 2_000);
        assert_eq!(w.started[0], 8, "tasks started at 0..7 ms");
        assert_eq!(w.completed[0], 0);
    }

    #[test]
    fn a_workers_bins_merge_at_the_coarser_width() {
        let mut a = TaskBins::new();
        a.record(0, MS);
        let mut b = TaskBins::new();
        b.record(MS, 900 * MS);
        a.merge(&b.to_wire());
        let w = a.to_wire();
        assert_eq!(w.width_us, 4000);
        assert_eq!(w.started.iter().sum::<u64>(), 2);
        assert_eq!(w.started[0], 2);
        assert_eq!(w.completed[0], 1);
        assert_eq!(w.completed[225], 1);
    }
}
