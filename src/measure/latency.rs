//! Per-task timing: how long each task ran and how late it started, in HDR histograms.
//!
//! A task's latency is its own run time (start to finish); its lag is how long after the
//! cell began its work the task actually started. Keeping them apart shows a pool's
//! queueing or a blocked event loop as lag, not as slower I/O. The caller's latency is
//! what the code that submitted the batch sees: each task's completion measured from the
//! submission (lag, queueing and run time together), the figure a user waits for.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::task::{ErrorKind, TaskResult};

/// One finished task, as a model hands it to the recorder.
pub struct TaskRecord {
    pub start_ns: u64,
    pub end_ns: u64,
    pub result: TaskResult,
}

/// Percentiles of a latency distribution, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencySummary {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value seen.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

/// Histogram contents as `(value_us, count)` pairs, one value per HDR bucket (3
/// significant digits, 1 us to 1 h): how every child (a Rust cell, a process worker, the
/// Python driver) ships its distributions, and how results keep them. Any value of a
/// bucket stands for the bucket, so the parent rebuilds the same histogram from either
/// language and reads every percentile with one algorithm.
pub type HistogramWire = Vec<(u64, u64)>;

/// A recorder's three per-task distributions, as wires.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TaskWires {
    /// Run time, start to finish.
    pub latency_us: HistogramWire,
    /// Start lag from the origin.
    pub lag_us: HistogramWire,
    /// Completion from the origin: what the caller waited.
    pub caller_us: HistogramWire,
}

/// Collects task outcomes for one cell (or one worker thread, merged later).
#[derive(Clone)]
pub struct Recorder {
    origin_ns: u64,
    latency_us: Histogram<u32>,
    lag_us: Histogram<u32>,
    caller_us: Histogram<u32>,
    /// Summed run time of every task, ns: the mean in flight by Little's law.
    pub busy_ns: u64,
    pub ok: usize,
    pub failed: usize,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub first_error: Option<String>,
    pub last_start_ns: u64,
    pub checksum: u64,
}

pub fn new_histogram() -> Histogram<u32> {
    // 1 us to 1 hour at 3 significant digits; values beyond saturate at the top. Counts
    // are u32: the histogram's pages are part of every cell's measured memory, and no
    // bucket of one cell sees four billion values.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static histogram bounds are valid")
}

impl Recorder {
    /// A recorder whose lag is measured from `origin_ns` (when the cell began its work).
    pub fn new(origin_ns: u64) -> Self {
        Self {
            origin_ns,
            latency_us: new_histogram(),
            lag_us: new_histogram(),
            caller_us: new_histogram(),
            busy_ns: 0,
            ok: 0,
            failed: 0,
            errors: BTreeMap::new(),
            first_error: None,
            last_start_ns: 0,
            checksum: 0,
        }
    }

    /// Measure lag from `origin_ns` from now on.
    pub fn set_origin(&mut self, origin_ns: u64) {
        self.origin_ns = origin_ns;
    }

    pub fn record(&mut self, task: TaskRecord) {
        let run_us = task.end_ns.saturating_sub(task.start_ns) / 1000;
        let lag_us = task.start_ns.saturating_sub(self.origin_ns) / 1000;
        let caller_us = task.end_ns.saturating_sub(self.origin_ns) / 1000;
        self.latency_us.saturating_record(run_us.max(1));
        self.lag_us.saturating_record(lag_us.max(1));
        self.caller_us.saturating_record(caller_us.max(1));
        self.busy_ns += task.end_ns.saturating_sub(task.start_ns);
        self.last_start_ns = self.last_start_ns.max(task.start_ns);
        match task.result {
            Ok(sum) => {
                self.ok += 1;
                self.checksum ^= sum;
            }
            Err(e) if e.counted => {
                self.failed += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(format!("{}: {}", e.kind, e.message));
                }
            }
            Err(e) => self.record_errors(e.kind, &e.message, 1),
        }
    }

    /// Count `count` failed tasks of one kind (e.g. tasks that never started).
    pub fn record_errors(&mut self, kind: ErrorKind, message: &str, count: u64) {
        if count == 0 {
            return;
        }
        self.failed += count as usize;
        *self.errors.entry(kind).or_default() += count;
        if self.first_error.is_none() {
            self.first_error = Some(format!("{kind}: {message}"));
        }
    }

    pub fn merge(&mut self, other: &Recorder) {
        self.latency_us.add(&other.latency_us).expect("histograms share bounds");
        self.lag_us.add(&other.lag_us).expect("histograms share bounds");
        self.caller_us.add(&other.caller_us).expect("histograms share bounds");
        self.busy_ns += other.busy_ns;
        self.ok += other.ok;
        self.failed += other.failed;
        for (kind, n) in &other.errors {
            *self.errors.entry(*kind).or_default() += n;
        }
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        self.last_start_ns = self.last_start_ns.max(other.last_start_ns);
        self.checksum ^= other.checksum;
    }

    pub fn latency(&self) -> Option<LatencySummary> {
        summarize(&self.latency_us)
    }

    pub fn lag(&self) -> Option<LatencySummary> {
        summarize(&self.lag_us)
    }

    pub fn caller(&self) -> Option<LatencySummary> {
        summarize(&self.caller_us)
    }

    pub fn to_wire(&self) -> TaskWires {
        TaskWires {
            latency_us: wire(&self.latency_us),
            lag_us: wire(&self.lag_us),
            caller_us: wire(&self.caller_us),
        }
    }

    /// Add histograms received from another process.
    pub fn add_wire(&mut self, w: &TaskWires) {
        add_wire(&mut self.latency_us, &w.latency_us);
        add_wire(&mut self.lag_us, &w.lag_us);
        add_wire(&mut self.caller_us, &w.caller_us);
    }
}

/// Record the contents of a wire into `h`.
pub fn add_wire(h: &mut Histogram<u32>, pairs: &HistogramWire) {
    for &(v, n) in pairs {
        h.saturating_record_n(v.max(1), n.min(u32::MAX as u64) as u32);
    }
}

/// Merge wires from several processes into one.
pub fn merge_wires<'a>(parts: impl IntoIterator<Item = &'a HistogramWire>) -> HistogramWire {
    let mut h = new_histogram();
    for part in parts {
        add_wire(&mut h, part);
    }
    wire(&h)
}

/// The percentiles of a wire: the one place conlab reads percentiles from, for Rust and
/// Python cells alike.
pub fn summarize_wire(pairs: &HistogramWire) -> Option<LatencySummary> {
    let mut h = new_histogram();
    add_wire(&mut h, pairs);
    summarize(&h)
}

pub fn wire(h: &Histogram<u32>) -> HistogramWire {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value() as u64))
        .collect()
}

pub fn summarize(h: &Histogram<u32>) -> Option<LatencySummary> {
    if h.is_empty() {
        return None;
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Some(LatencySummary {
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p99: ms(h.value_at_quantile(0.99)),
        max: ms(h.max()),
        mean: h.mean() / 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::TaskError;

    fn task(start_ms: u64, run_ms: u64, ok: bool) -> TaskRecord {
        let start_ns = start_ms * 1_000_000;
        TaskRecord {
            start_ns,
            end_ns: start_ns + run_ms * 1_000_000,
            result: if ok {
                Ok(1)
            } else {
                Err(TaskError::new(ErrorKind::Refused, "connection refused"))
            },
        }
    }

    #[test]
    fn latency_and_lag_are_separate() {
        let mut rec = Recorder::new(0);
        rec.record(task(0, 100, true));
        rec.record(task(300, 100, true));
        let lat = rec.latency().unwrap();
        assert!((lat.p50 - 100.0).abs() < 0.2 && (lat.max - 100.0).abs() < 0.2);
        assert!((rec.lag().unwrap().max - 300.0).abs() < 0.5);
        // The caller waited for the late task's lag and its run time.
        assert!((rec.caller().unwrap().max - 400.0).abs() < 0.5);
        assert_eq!(rec.busy_ns, 200_000_000);
    }

    #[test]
    fn merge_and_wire_keep_counts_and_errors() {
        let mut a = Recorder::new(0);
        a.record(task(0, 10, true));
        let mut b = Recorder::new(0);
        b.record(task(0, 20, false));
        b.record(task(0, 30, false));
        a.merge(&b);
        assert_eq!((a.ok, a.failed), (1, 2));
        assert_eq!(a.errors[&ErrorKind::Refused], 2);
        assert_eq!(a.first_error.as_deref(), Some("refused: connection refused"));

        let mut c = Recorder::new(0);
        c.add_wire(&a.to_wire());
        assert_eq!(c.latency().unwrap().max, a.latency().unwrap().max);
        assert_eq!(c.caller().unwrap().max, a.caller().unwrap().max);
    }
}
