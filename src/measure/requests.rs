//! Per-request figures of the I/O workloads: one latency per HTTP request or TCP round
//! trip, and failures counted by kind, for the whole cell process.
//!
//! Tasks record into a process-wide log split into a few shards, each behind its own
//! mutex and created on first use, so thousands of threads or a busy runtime record
//! without contending on one lock, and workloads that make no requests pay nothing. A
//! shard keeps its latencies as sparse HDR buckets ([`Buckets`]), not a histogram, whose
//! ~94 KiB of counts zeroed on creation would weigh on the peak of a small cell (eight
//! shards at ten tasks: most of its memory over the baseline).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::latency::{merge_wires, Buckets, HistogramWire};
use crate::task::ErrorKind;

const SHARDS: usize = 8;

struct Shard {
    latency_us: Buckets,
    ok: u64,
    errors: BTreeMap<ErrorKind, u64>,
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

/// Requests of a cell as a child reports them: counts, errors by kind and the raw latency
/// distribution (the parent reads the percentiles).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSummary {
    /// Requests that succeeded.
    pub ok: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Failed requests by error kind.
    pub errors: BTreeMap<ErrorKind, u64>,
    /// The message of the first request error.
    pub first_error: Option<String>,
    /// Latency of the successful requests, microseconds.
    pub latency_us: HistogramWire,
}

impl RequestLog {
    fn with_shard(&self, f: impl FnOnce(&mut Shard)) {
        let index = MY_SHARD.with(Cell::get);
        let mut guard = self.shards[index].lock().unwrap_or_else(|p| p.into_inner());
        let shard = guard.get_or_insert_with(|| Shard {
            latency_us: Buckets::default(),
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
            s.latency_us.record(us);
        });
    }

    /// A request that failed, by kind (`refused`, `reset`, `timeout`, `http-5xx`, ...).
    pub fn failed(&self, kind: ErrorKind, message: &str) {
        self.with_shard(|s| {
            *s.errors.entry(kind).or_default() += 1;
            if s.first_error.is_none() {
                s.first_error = Some(format!("{kind}: {message}"));
            }
        });
    }

    /// Everything recorded so far, or `None` if nothing was.
    pub fn summary(&self) -> Option<RequestSummary> {
        let mut merged: Option<(Buckets, RequestSummary)> = None;
        for shard in &self.shards {
            let guard = shard.lock().unwrap_or_else(|p| p.into_inner());
            let Some(s) = guard.as_ref() else { continue };
            let (buckets, sum) = merged.get_or_insert_with(Default::default);
            buckets.add(&s.latency_us);
            sum.ok += s.ok;
            for (k, n) in &s.errors {
                *sum.errors.entry(*k).or_default() += n;
                sum.failed += n;
            }
            if sum.first_error.is_none() {
                sum.first_error.clone_from(&s.first_error);
            }
        }
        merged.map(|(buckets, mut sum)| {
            sum.latency_us = buckets.wire();
            sum
        })
    }
}

/// Combine request summaries from several processes.
pub fn merge(parts: impl IntoIterator<Item = RequestSummary>) -> Option<RequestSummary> {
    let parts: Vec<RequestSummary> = parts.into_iter().collect();
    let mut out = parts.first().cloned()?;
    out.latency_us = merge_wires(parts.iter().map(|p| &p.latency_us));
    for p in &parts[1..] {
        out.ok += p.ok;
        out.failed += p.failed;
        for (k, n) in &p.errors {
            *out.errors.entry(*k).or_default() += n;
        }
        if out.first_error.is_none() {
            out.first_error.clone_from(&p.first_error);
        }
    }
    Some(out)
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
                    log.failed(ErrorKind::Refused, "connection refused");
                });
            }
        });
        let sum = log.summary().unwrap();
        assert_eq!(sum.ok, 1600);
        assert_eq!(sum.failed, 16);
        assert_eq!(sum.errors[&ErrorKind::Refused], 16);
        let p50 = crate::measure::latency::summarize_wire(&sum.latency_us).unwrap().p50;
        assert!((p50 - 5.0).abs() < 0.01);

        let both = merge([sum.clone(), sum]).unwrap();
        assert_eq!((both.ok, both.failed), (3200, 32));
        assert_eq!(both.latency_us.iter().map(|p| p.1).sum::<u64>(), 3200);
        let p99 = crate::measure::latency::summarize_wire(&both.latency_us).unwrap().p99;
        assert!((p99 - 5.0).abs() < 0.01);
    }
}
