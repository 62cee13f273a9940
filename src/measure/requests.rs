//! Per-request figures of the I/O workloads: one latency per HTTP request or TCP round
//! trip, and failures counted by kind, for the whole cell process.
//!
//! Tasks record into a process-wide log split into a few shards, each behind its own
//! mutex and created on first use, so thousands of threads or a busy runtime record
//! without contending on one lock, and workloads that make no requests pay nothing.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::latency::{new_histogram, summarize, wire, HistogramWire, LatencySummary};

const SHARDS: usize = 8;

struct Shard {
    latency_us: Histogram<u32>,
    ok: u64,
    errors: BTreeMap<String, u64>,
    first_error: Option<String>,
}

/// The process-wide request log.
pub struct RequestLog {
    shards: [Mutex<Option<Shard>>; SHARDS],
}

static LOG: RequestLog = RequestLog {
    shards: [const { Mutex::new(None) }; SHARDS],
};
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MY_SHARD: Cell<usize> = Cell::new(NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS);
}

/// The log of this process.
pub fn log() -> &'static RequestLog {
    &LOG
}

/// Requests of a cell: counts, errors by kind and the latency distribution.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequestSummary {
    pub ok: u64,
    pub failed: u64,
    pub errors: BTreeMap<String, u64>,
    pub first_error: Option<String>,
    pub latency_ms: Option<LatencySummary>,
    /// Histogram contents, so process workers can ship theirs to the cell.
    pub latency_us: HistogramWire,
}

impl RequestLog {
    fn with_shard(&self, f: impl FnOnce(&mut Shard)) {
        let index = MY_SHARD.with(Cell::get);
        let mut guard = self.shards[index].lock().unwrap_or_else(|p| p.into_inner());
        let shard = guard.get_or_insert_with(|| Shard {
            latency_us: new_histogram(),
            ok: 0,
            errors: BTreeMap::new(),
            first_error: None,
        });
        f(shard);
    }

    /// A request that succeeded after `latency`.
    pub fn ok(&self, latency: Duration) {
        let us = (latency.as_micros() as u64).max(1);
        self.with_shard(|s| {
            s.ok += 1;
            s.latency_us.saturating_record(us);
        });
    }

    /// A request that failed, by kind (`refused`, `reset`, `timeout`, `http-5xx`, ...).
    pub fn failed(&self, kind: &str, message: &str) {
        self.with_shard(|s| {
            *s.errors.entry(kind.to_string()).or_default() += 1;
            if s.first_error.is_none() {
                s.first_error = Some(format!("{kind}: {message}"));
            }
        });
    }

    /// Everything recorded so far, or `None` if nothing was.
    pub fn summary(&self) -> Option<RequestSummary> {
        let mut merged: Option<(Histogram<u32>, RequestSummary)> = None;
        for shard in &self.shards {
            let guard = shard.lock().unwrap_or_else(|p| p.into_inner());
            let Some(s) = guard.as_ref() else { continue };
            let (hist, sum) = merged.get_or_insert_with(|| (new_histogram(), RequestSummary::default()));
            hist.add(&s.latency_us).expect("same bounds");
            sum.ok += s.ok;
            for (k, n) in &s.errors {
                *sum.errors.entry(k.clone()).or_default() += n;
                sum.failed += n;
            }
            if sum.first_error.is_none() {
                sum.first_error.clone_from(&s.first_error);
            }
        }
        merged.map(|(hist, mut sum)| {
            sum.latency_ms = summarize(&hist);
            sum.latency_us = wire(&hist);
            sum
        })
    }
}

/// Combine request summaries from several processes.
pub fn merge(parts: impl IntoIterator<Item = RequestSummary>) -> Option<RequestSummary> {
    let mut hist = new_histogram();
    let mut out: Option<RequestSummary> = None;
    for p in parts {
        let o = out.get_or_insert_with(RequestSummary::default);
        o.ok += p.ok;
        o.failed += p.failed;
        for (k, n) in p.errors {
            *o.errors.entry(k).or_default() += n;
        }
        if o.first_error.is_none() {
            o.first_error = p.first_error;
        }
        for (v, n) in p.latency_us {
            hist.saturating_record_n(v.max(1), n.min(u32::MAX as u64) as u32);
        }
    }
    out.map(|mut o| {
        o.latency_ms = summarize(&hist);
        o.latency_us = wire(&hist);
        o
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_from_many_threads_and_merges() {
        let log = RequestLog {
            shards: [const { Mutex::new(None) }; SHARDS],
        };
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| {
                    for _ in 0..100 {
                        log.ok(Duration::from_millis(5));
                    }
                    log.failed("refused", "connection refused");
                });
            }
        });
        let sum = log.summary().unwrap();
        assert_eq!(sum.ok, 1600);
        assert_eq!(sum.failed, 16);
        assert_eq!(sum.errors["refused"], 16);
        assert!((sum.latency_ms.as_ref().unwrap().p50 - 5.0).abs() < 0.01);

        let both = merge([sum.clone(), sum]).unwrap();
        assert_eq!((both.ok, both.failed), (3200, 32));
        assert!((both.latency_ms.unwrap().p99 - 5.0).abs() < 0.01);
    }
}
