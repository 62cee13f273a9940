//! Achieved concurrency: how many tasks were running at once, counted in the child.
//!
//! A model asked for 10,000 tasks may never have 10,000 alive (Python starts threads more
//! slowly than 50 ms requests finish; a pool runs its width), and a memory figure means
//! little without the concurrency it was measured at. Every Rust model wraps each task in
//! an [`enter`] guard; the peak is read once the cell is done. The mean comes for free from
//! Little's law (summed task time over work time), so only the peak needs a counter.
//!
//! The counters are process-wide statics: a cell process runs exactly one cell, and a
//! static costs a task nothing to hold (a tokio task keeps no pointer for it).

use std::sync::atomic::{AtomicU64, Ordering};

/// Keeps the two counters on separate cache lines: every task start and end writes `NOW`,
/// only a new peak writes `PEAK`.
#[repr(align(64))]
struct Padded(AtomicU64);

static NOW: Padded = Padded(AtomicU64::new(0));
static PEAK: Padded = Padded(AtomicU64::new(0));

/// One running task; dropping it (also on unwind) ends the task.
#[must_use = "the task counts as running only while the guard lives"]
pub struct Running(());

/// A task starts: count it until the returned guard is dropped.
pub fn enter() -> Running {
    let now = NOW.0.fetch_add(1, Ordering::Relaxed) + 1;
    if now > PEAK.0.load(Ordering::Relaxed) {
        PEAK.0.fetch_max(now, Ordering::Relaxed);
    }
    Running(())
}

impl Drop for Running {
    fn drop(&mut self) {
        NOW.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The most tasks this process had running at once.
pub fn peak() -> u64 {
    PEAK.0.load(Ordering::Relaxed)
}

/// Mean tasks running over the work: the summed run time of every task divided by the
/// work time (Little's law), or `None` without work time.
pub fn mean(task_ns_total: u64, work_ns: u64) -> Option<f64> {
    (work_ns > 0).then(|| task_ns_total as f64 / work_ns as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_counts_overlapping_tasks_only() {
        // The only test in this process that touches the statics.
        let base = peak();
        let a = enter();
        let b = enter();
        assert_eq!(peak(), base.max(2));
        drop(a);
        let c = enter();
        assert_eq!(
            peak(),
            base.max(2),
            "a task that started after one ended does not raise the peak"
        );
        let d = enter();
        assert_eq!(peak(), base.max(3));
        drop((b, c, d));
        assert_eq!(mean(3_000, 1_000), Some(3.0));
        assert_eq!(mean(1, 0), None);
    }
}
