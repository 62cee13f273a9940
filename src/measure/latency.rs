//! Per-task timing: how long each task ran and how late it started, in HDR histograms.
//!
//! A task's latency is its own run time (start to finish); its lag is how long after the
//! cell began its work the task actually started. Keeping them apart shows a pool's
//! queueing or a blocked event loop as lag, not as slower I/O. The caller's latency is
//! what the code that submitted the batch sees: each task's completion measured from the
//! submission (lag, queueing and run time together), the figure a user waits for.

use std::collections::{BTreeMap, HashMap};

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bins::TaskBins;
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

/// The largest value a histogram tracks (1 hour in microseconds); larger ones saturate.
const HIGHEST_US: u64 = 3_600_000_000;

/// HDR bucket counts, kept sparse: one entry per bucket a value fell in, with exactly the
/// buckets of [`new_histogram`] (3 significant digits: 2,048 sub-buckets, each bucket
/// above the first twice as wide as the one below). A cell's recorders use these, not a
/// `Histogram`, because a histogram zeroes its ~94 KiB of counts when it is made, and
/// that memory would be part of every cell's measured peak; these hold a few entries,
/// since a cell's latencies fall in few buckets. The wire they make is the one a
/// histogram makes, so the parent reads the same percentiles.
#[derive(Debug, Clone, Default)]
pub struct Buckets {
    counts: HashMap<u64, u64>,
}

impl Buckets {
    /// The lowest value of `v`'s bucket: `v` with the bits below its 11 most significant
    /// ones cleared (values from 1 to 2,047 are their own buckets). A histogram's buckets
    /// reach the power of two above its highest value, 2^32; beyond, it saturates.
    fn bucket(v: u64) -> u64 {
        let v = if v >> 32 == 0 { v.max(1) } else { HIGHEST_US };
        let shift = (64 - (v | 2047).leading_zeros()).saturating_sub(11);
        (v >> shift) << shift
    }

    /// Count `v` (0 counts as 1, as in a histogram, and beyond its range as 1 h).
    #[link_section = ".text.hot.conlab"]
    pub fn record(&mut self, v: u64) {
        *self.counts.entry(Self::bucket(v)).or_default() += 1;
    }

    /// Count `n` values of `v`.
    pub fn record_n(&mut self, v: u64, n: u64) {
        if n > 0 {
            *self.counts.entry(Self::bucket(v)).or_default() += n;
        }
    }

    pub fn add(&mut self, other: &Buckets) {
        for (&b, &n) in &other.counts {
            *self.counts.entry(b).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The `(value, count)` pairs a histogram of the same values makes: each bucket's
    /// highest value, in ascending order.
    pub fn wire(&self) -> HistogramWire {
        let mut pairs: HistogramWire = self
            .counts
            .iter()
            .map(|(&low, &n)| {
                let width = 1u64 << (64 - (low | 2047).leading_zeros()).saturating_sub(11);
                (low + width - 1, n)
            })
            .collect();
        pairs.sort_unstable();
        pairs
    }
}

/// Collects task outcomes for one cell (or one worker thread, merged later).
#[derive(Clone)]
pub struct Recorder {
    origin_ns: u64,
    latency_us: Buckets,
    lag_us: Buckets,
    caller_us: Buckets,
    /// Summed run time of every task, ns: the mean in flight by Little's law.
    pub busy_ns: u64,
    pub ok: usize,
    pub failed: usize,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub first_error: Option<String>,
    pub last_start_ns: u64,
    pub checksum: u64,
    /// Tasks started and ended per time bin from the origin, when the cell keeps its
    /// series (`enable_bins`).
    pub bins: Option<TaskBins>,
}

pub fn new_histogram() -> Histogram<u32> {
    // 1 us to 1 hour at 3 significant digits; values beyond saturate at the top. Counts
    // are u32: the histogram's pages are part of every cell's measured memory, and no
    // bucket of one cell sees four billion values.
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("static histogram bounds are valid")
}

impl Recorder {
    /// A recorder whose lag is measured from `origin_ns` (when the cell began its work).
    pub fn new(origin_ns: u64) -> Self {
        Self {
            origin_ns,
            latency_us: Buckets::default(),
            lag_us: Buckets::default(),
            caller_us: Buckets::default(),
            busy_ns: 0,
            ok: 0,
            failed: 0,
            errors: BTreeMap::new(),
            first_error: None,
            last_start_ns: 0,
            checksum: 0,
            bins: None,
        }
    }

    /// Count tasks per time bin too (the cell's series is on).
    pub fn enable_bins(&mut self) {
        self.bins.get_or_insert_with(TaskBins::new);
    }

    /// Measure lag from `origin_ns` from now on.
    pub fn set_origin(&mut self, origin_ns: u64) {
        self.origin_ns = origin_ns;
    }

    #[link_section = ".text.hot.conlab"]
    pub fn record(&mut self, task: TaskRecord) {
        let run_us = task.end_ns.saturating_sub(task.start_ns) / 1000;
        let lag_us = task.start_ns.saturating_sub(self.origin_ns) / 1000;
        let caller_us = task.end_ns.saturating_sub(self.origin_ns) / 1000;
        self.latency_us.record(run_us);
        self.lag_us.record(lag_us);
        self.caller_us.record(caller_us);
        self.busy_ns += task.end_ns.saturating_sub(task.start_ns);
        self.last_start_ns = self.last_start_ns.max(task.start_ns);
        if let Some(bins) = &mut self.bins {
            bins.record(
                task.start_ns.saturating_sub(self.origin_ns),
                task.end_ns.saturating_sub(self.origin_ns),
            );
        }
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
        self.latency_us.add(&other.latency_us);
        self.lag_us.add(&other.lag_us);
        self.caller_us.add(&other.caller_us);
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
        if let (Some(mine), Some(theirs)) = (&mut self.bins, &other.bins) {
            mine.merge(&theirs.to_wire());
        }
    }

    pub fn latency(&self) -> Option<LatencySummary> {
        summarize_wire(&self.latency_us.wire())
    }

    pub fn lag(&self) -> Option<LatencySummary> {
        summarize_wire(&self.lag_us.wire())
    }

    pub fn caller(&self) -> Option<LatencySummary> {
        summarize_wire(&self.caller_us.wire())
    }

    pub fn to_wire(&self) -> TaskWires {
        TaskWires {
            latency_us: self.latency_us.wire(),
            lag_us: self.lag_us.wire(),
            caller_us: self.caller_us.wire(),
        }
    }

    /// Add histograms received from another process.
    pub fn add_wire(&mut self, w: &TaskWires) {
        for (buckets, pairs) in [
            (&mut self.latency_us, &w.latency_us),
            (&mut self.lag_us, &w.lag_us),
            (&mut self.caller_us, &w.caller_us),
        ] {
            for &(v, n) in pairs {
                buckets.record_n(v, n);
            }
        }
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

    #[test]
    fn buckets_make_the_wire_a_histogram_makes() {
        // Values across every magnitude, bucket edges, 0 and beyond an hour.
        let mut values = vec![
            0,
            1,
            2,
            2047,
            2048,
            2049,
            4095,
            4096,
            4097,
            123_456_789,
            HIGHEST_US,
            u64::MAX,
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64));
        }
        let mut h = new_histogram();
        let mut b = Buckets::default();
        for &v in &values {
            h.saturating_record(v.max(1));
            b.record(v);
        }
        assert_eq!(b.wire(), wire(&h));
        let mut twice = b.clone();
        twice.add(&b);
        assert_eq!(twice.wire().iter().map(|p| p.1).sum::<u64>(), 2 * values.len() as u64);
        assert_eq!(summarize_wire(&twice.wire()).unwrap().p99, summarize(&h).unwrap().p99);
    }
}
