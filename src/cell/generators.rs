//! Several load generators, one clients' view: the generator cells of a server cell
//! (`generators=K`) merged into the client cell one generator would have reported.
//!
//! Percentiles do not add up, so nothing here averages them: every client distribution
//! is the exact union of the generators' HDR histograms (`merge_wires`), and every
//! summary is read again from that union with the same `summarize_wire` the parent
//! uses for one cell. Counts add up; times take the longest generator, since the server
//! was under load until the last one finished.

use std::collections::BTreeMap;

use crate::measure::latency::{merge_wires, summarize_wire, HistogramWire};
use crate::results::{CellResult, Failure, GeneratorShare, Histograms, Status};

/// The generators' cells (at least one, in generator order) as one client cell, and each
/// generator's share. The merged cell's `requests_per_s` is all requests (ok and failed)
/// over the longest generator's work window: the generators start within moments of each
/// other, so that window is the span over which the server answered them all.
pub fn merge(parts: &[CellResult]) -> (CellResult, Vec<GeneratorShare>) {
    let shares = parts.iter().map(share).collect();
    let mut merged = parts[0].clone();
    let longest = |f: fn(&CellResult) -> Option<f64>| parts.iter().filter_map(f).reduce(f64::max);
    merged.tasks = parts.iter().map(|p| p.tasks).sum();
    merged.tasks_ok = parts.iter().map(|p| p.tasks_ok).sum();
    merged.tasks_failed = parts.iter().map(|p| p.tasks_failed).sum();
    merged.errors = BTreeMap::new();
    for (kind, n) in parts.iter().flat_map(|p| &p.errors) {
        *merged.errors.entry(*kind).or_default() += n;
    }
    merged.first_error = parts.iter().find_map(|p| p.first_error.clone());
    merged.started_s = longest(|p| p.started_s);
    merged.work_s = longest(|p| p.work_s);
    merged.wall_s = parts.iter().map(|p| p.wall_s).fold(0.0, f64::max);
    let requests = |f: fn(&CellResult) -> Option<u64>| {
        parts
            .iter()
            .any(|p| f(p).is_some())
            .then(|| parts.iter().filter_map(f).sum::<u64>())
    };
    merged.requests_ok = requests(|p| p.requests_ok);
    merged.requests_failed = requests(|p| p.requests_failed);
    merged.requests_per_s = match (merged.requests_ok, merged.work_s) {
        (Some(ok), Some(work)) if work > 0.0 => Some((ok + merged.requests_failed.unwrap_or(0)) as f64 / work),
        _ => None,
    };

    let union =
        |f: fn(&Histograms) -> &HistogramWire| merge_wires(parts.iter().filter_map(|p| p.histograms.as_ref()).map(f));
    let histograms = Histograms {
        task_latency_us: union(|h| &h.task_latency_us),
        start_lag_us: union(|h| &h.start_lag_us),
        caller_latency_us: union(|h| &h.caller_latency_us),
        request_latency_us: union(|h| &h.request_latency_us),
        loop_lag_us: union(|h| &h.loop_lag_us),
    };
    merged.latency_ms = summarize_wire(&histograms.task_latency_us);
    merged.start_lag_ms = summarize_wire(&histograms.start_lag_us);
    merged.caller_latency_ms = summarize_wire(&histograms.caller_latency_us);
    merged.request_latency_ms = summarize_wire(&histograms.request_latency_us);
    merged.loop_lag_ms = summarize_wire(&histograms.loop_lag_us);
    merged.histograms = Some(histograms);

    merged.peak_rss_bytes = parts.iter().map(|p| p.peak_rss_bytes).sum();
    merged.peak_threads = parts.iter().map(|p| p.peak_threads).sum();
    merged.user_s = parts.iter().map(|p| p.user_s).sum();
    merged.sys_s = parts.iter().map(|p| p.sys_s).sum();
    merged.runner = runners(parts);
    let k = parts.len();
    if let Some((i, failed)) = parts.iter().enumerate().find(|(_, p)| p.status != Status::Ok) {
        merged.status = failed.status;
        merged.failure = Some(match (&failed.failure, k) {
            (Some(f), 1) => f.clone(),
            (Some(f), _) => Failure {
                message: format!("generator {} of {k}: {}", i + 1, f.message),
                ..f.clone()
            },
            (None, _) => Failure {
                kind: crate::results::FailureKind::LoadFailed,
                message: format!("generator {} of {k} ended {}", i + 1, failed.status.as_str()),
                at_task: None,
                limit: None,
            },
        });
    }
    (merged, shares)
}

/// One generator's figures for `load.generators`.
fn share(p: &CellResult) -> GeneratorShare {
    GeneratorShare {
        host: None,
        connections: p.tasks,
        status: p.status,
        failure: p.failure.clone(),
        requests_ok: p.requests_ok.unwrap_or(0),
        requests_failed: p.requests_failed.unwrap_or(0),
        requests_per_s: p.requests_per_s,
        request_p99_ms: p.request_latency_ms.as_ref().map(|l| l.p99),
        wall_s: p.wall_s,
        cpu_s: p.user_s + p.sys_s,
        peak_rss_bytes: p.peak_rss_bytes,
    }
}

/// How the generators ran: one's runner as it said, several as `K × runner`, grouped
/// where they ran alike (`1 × 9 tokio tasks ... + 1 × 8 tokio tasks ...`).
fn runners(parts: &[CellResult]) -> Option<String> {
    if let [one] = parts {
        return one.runner.clone();
    }
    let mut groups: Vec<(usize, &str)> = Vec::new();
    for runner in parts.iter().filter_map(|p| p.runner.as_deref()) {
        match groups.last_mut() {
            Some((n, last)) if *last == runner => *n += 1,
            _ => groups.push((1, runner)),
        }
    }
    let text: Vec<String> = groups.iter().map(|(n, r)| format!("{n} × {r}")).collect();
    (!text.is_empty()).then(|| text.join(" + "))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cell::parent::{unrun, CellMeta};
    use crate::measure::latency::{new_histogram, wire};
    use crate::results::{ErrorKind, FailureKind};

    /// A generator cell of `tasks` connections whose requests took `latencies_us`.
    fn generator(tasks: usize, latencies_us: &[u64], work_s: f64) -> CellResult {
        let meta = CellMeta {
            index: 1,
            workload: "http:latency=0s,duration=1s,keepalive=true,bytes=128".into(),
            model: "rs-async:workers=1".into(),
            tasks,
            repeat: 0,
            baseline: false,
        };
        let mut c = unrun(meta, Status::Ok, None, Duration::from_secs(10));
        let mut h = new_histogram();
        for &v in latencies_us {
            h.record(v).unwrap();
        }
        let mut tasks_h = new_histogram();
        tasks_h.record_n(1_000_000, tasks as u32).unwrap();
        c.histograms = Some(Histograms {
            task_latency_us: wire(&tasks_h),
            start_lag_us: wire(&tasks_h),
            request_latency_us: wire(&h),
            ..Histograms::default()
        });
        c.request_latency_ms = summarize_wire(&wire(&h));
        c.tasks_ok = tasks;
        c.requests_ok = Some(latencies_us.len() as u64);
        c.requests_failed = Some(1);
        c.errors.insert(ErrorKind::Reset, 1);
        c.work_s = Some(work_s);
        c.wall_s = work_s + 0.1;
        c.requests_per_s = Some((latencies_us.len() + 1) as f64 / work_s);
        c.peak_rss_bytes = 1000;
        c.user_s = 0.5;
        c.runner = Some(format!("{tasks} tokio tasks on a multi-thread runtime, 1 worker"));
        c
    }

    #[test]
    fn generators_merge_exactly() {
        // 90 fast requests on one generator, 10 slow ones on the other: the pooled p99
        // is the slow one, which neither part's own p99 averages to.
        let fast = generator(3, &[100; 90], 1.0);
        let slow = generator(2, &[20_000; 10], 2.0);
        let (merged, shares) = merge(&[fast, slow]);
        assert_eq!((merged.tasks, merged.tasks_ok), (5, 5));
        assert_eq!((merged.requests_ok, merged.requests_failed), (Some(100), Some(2)));
        assert_eq!(merged.errors[&ErrorKind::Reset], 2);
        assert_eq!(merged.work_s, Some(2.0));
        assert_eq!(merged.requests_per_s, Some(102.0 / 2.0));
        let h = merged.histograms.as_ref().unwrap();
        assert_eq!(h.request_latency_us.iter().map(|(_, n)| n).sum::<u64>(), 100);
        assert_eq!(h.task_latency_us.iter().map(|(_, n)| n).sum::<u64>(), 5);
        let p99 = merged.request_latency_ms.as_ref().unwrap().p99;
        assert!((p99 - 20.0).abs() < 0.1, "{p99}");
        let p50 = merged.request_latency_ms.as_ref().unwrap().p50;
        assert!((p50 - 0.1).abs() < 0.01, "{p50}");
        assert_eq!((merged.peak_rss_bytes, merged.user_s), (2000, 1.0));
        assert_eq!(
            merged.runner.as_deref(),
            Some("1 × 3 tokio tasks on a multi-thread runtime, 1 worker + 1 × 2 tokio tasks on a multi-thread runtime, 1 worker")
        );
        assert_eq!(shares.iter().map(|s| s.connections).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(shares.iter().map(|s| s.requests_ok).sum::<u64>(), 100);
        assert_eq!(merged.status, Status::Ok);
    }

    #[test]
    fn a_generator_that_did_not_finish_is_named() {
        let mut late = generator(2, &[100; 5], 1.0);
        late.status = Status::Timeout;
        late.failure = Some(Failure {
            kind: FailureKind::Timeout,
            message: "no result within 41 s; killed".into(),
            at_task: None,
            limit: None,
        });
        let (merged, shares) = merge(&[generator(2, &[100; 5], 1.0), late]);
        assert_eq!(merged.status, Status::Timeout);
        let failure = merged.failure.unwrap();
        assert_eq!(failure.kind, FailureKind::Timeout);
        assert_eq!(failure.message, "generator 2 of 2: no result within 41 s; killed");
        assert_eq!(shares[1].status, Status::Timeout);
        // One generator: its own cell, figures and failure as it reported them.
        let one = generator(4, &[300, 400], 1.0);
        let (merged, _) = merge(std::slice::from_ref(&one));
        assert_eq!(merged.request_latency_ms, one.request_latency_ms);
        assert_eq!(merged.requests_per_s, one.requests_per_s);
        assert_eq!(merged.runner, one.runner);
    }
}
