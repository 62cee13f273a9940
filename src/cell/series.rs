//! The parent's samples of a cell and the child's task bins, put on one time axis.
//!
//! The parent samples the tree on its own clock and learns the cell's ready mark only
//! from its report line at the end; the child bins its tasks from that mark. Both clocks
//! are CLOCK_MONOTONIC, so each kept sample's time from the mark picks the bins wholly
//! before it: tasks started minus tasks ended is what was in flight there, and the ended
//! count between two points is what completed in that interval.

use crate::measure::bins::TaskBinsWire;
use crate::measure::series::Sample;
use crate::results::{CellSeries, SeriesPoint};

/// The series of a cell spawned at `spawn_ns`, from its kept samples, its ready and
/// finished marks and its bins (absent when the cell sent no report or no bins).
pub fn assemble(
    samples: &[Sample],
    every_ns: u64,
    spawn_ns: u64,
    marks: Option<(u64, u64)>,
    bins: Option<&TaskBinsWire>,
) -> CellSeries {
    let ready_ns = marks.map(|m| m.0);
    let ms = |ns: i64| ns as f64 / 1e6;
    let mut before = 0;
    let points = samples
        .iter()
        .map(|s| {
            let counts = match (ready_ns, bins) {
                (Some(ready), Some(b)) => Some(b.cumulative_at(s.at_ns as i64 - ready as i64)),
                _ => None,
            };
            let completed = counts.map(|(_, ended)| {
                let since = ended.saturating_sub(before);
                before = ended;
                since
            });
            SeriesPoint {
                t_ms: round3(ms(s.at_ns as i64 - spawn_ns as i64)),
                rss_bytes: s.rss,
                threads: s.threads,
                fds: s.fds,
                procs: s.processes,
                in_flight: counts.map(|(started, ended)| started.saturating_sub(ended)),
                completed,
            }
        })
        .collect();
    CellSeries {
        ready_ms: ready_ns.map(|r| round3(ms(r as i64 - spawn_ns as i64))),
        finished_ms: marks.map(|(_, f)| round3(ms(f as i64 - spawn_ns as i64))),
        every_ms: round3(every_ns as f64 / 1e6),
        points,
    }
}

/// Microsecond precision: enough for a chart, and short in the JSON.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn at(ms: u64) -> Sample {
        Sample {
            at_ns: 1_000 * MS + ms * MS,
            rss: ms * 1024,
            threads: 2,
            fds: 4,
            processes: 1,
        }
    }

    #[test]
    fn bins_become_in_flight_and_completed_per_interval() {
        // Ready 10 ms after spawn; four tasks: started at 0, 0, 1 and 3 ms, ended at
        // 2, 5, 5 and 9 ms after the mark (1 ms bins).
        let bins = TaskBinsWire {
            width_us: 1000,
            started: vec![2, 1, 0, 1, 0, 0, 0, 0, 0, 0],
            completed: vec![0, 0, 1, 0, 0, 2, 0, 0, 0, 1],
        };
        let samples = [at(5), at(12), at(14), at(16), at(30)];
        let s = assemble(
            &samples,
            2 * MS,
            1_000 * MS,
            Some((1_010 * MS, 1_019 * MS)),
            Some(&bins),
        );
        assert_eq!((s.ready_ms, s.finished_ms), (Some(10.0), Some(19.0)));
        assert_eq!(s.every_ms, 2.0);
        let t: Vec<f64> = s.points.iter().map(|p| p.t_ms).collect();
        assert_eq!(t, vec![5.0, 12.0, 14.0, 16.0, 30.0]);
        let in_flight: Vec<Option<u64>> = s.points.iter().map(|p| p.in_flight).collect();
        // Before the mark: nothing; 2 ms after: bins 0..2 (3 started, none ended);
        // 4 ms: 4 started, 1 ended; 6 ms: 4 started, 3 ended; 20 ms: all ended.
        assert_eq!(in_flight, vec![Some(0), Some(3), Some(3), Some(1), Some(0)]);
        let completed: Vec<Option<u64>> = s.points.iter().map(|p| p.completed).collect();
        assert_eq!(completed, vec![Some(0), Some(0), Some(1), Some(2), Some(1)]);
        assert_eq!(s.peak_rss().map(|p| p.t_ms), Some(30.0));
    }

    #[test]
    fn without_bins_the_tree_is_kept_and_tasks_are_absent() {
        let s = assemble(&[at(1), at(3)], 2 * MS, 1_000 * MS, None, None);
        assert_eq!(s.ready_ms, None);
        assert_eq!(s.points.len(), 2);
        assert!(s.points.iter().all(|p| p.in_flight.is_none() && p.completed.is_none()));
        assert_eq!(s.points[1].rss_bytes, 3 * 1024);
    }
}
