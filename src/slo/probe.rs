//! A probe is an ordinary server cell at an open-loop rate: the workload rewritten with
//! `rate=R` and a duration of at least [`MIN_PROBE`], and the cell's clients' view read
//! back into what the search judges.

use std::time::Duration;

use crate::measure::latency::{add_wire, new_histogram};
use crate::results::CellResult;
use crate::units::parse_duration;
use crate::workload::WorkloadSpec;

use super::search::Measured;

/// The least time a probe's clients send at their rate: long enough for a queue to build
/// where the server cannot keep up.
pub const MIN_PROBE: Duration = Duration::from_secs(3);

/// A hidden override of [`MIN_PROBE`] (a duration, e.g. `300ms`), for tests that run a
/// real search in a few seconds; not for measuring.
pub const MIN_PROBE_ENV: &str = "CONLAB_SLO_MIN_PROBE";

/// The least probe time in force: [`MIN_PROBE`], or the override when it parses.
pub fn min_probe() -> Duration {
    std::env::var(MIN_PROBE_ENV)
        .ok()
        .and_then(|v| parse_duration(&v).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(MIN_PROBE)
}

/// Whether a search can probe `w`: a server workload with an open loop (`rate=`).
pub fn searchable(w: &WorkloadSpec) -> bool {
    matches!(w, WorkloadSpec::ServeHttp(_) | WorkloadSpec::ServeApp(_))
}

/// The handler's own wait per request, when conlab's handler serves (the search starts
/// from it); `None` for the user's app.
pub fn service(w: &WorkloadSpec) -> Option<Duration> {
    match w {
        WorkloadSpec::ServeHttp(h) => Some(h.latency),
        _ => None,
    }
}

/// How long a probe of `w` runs.
pub fn probe_duration(w: &WorkloadSpec, least: Duration) -> Duration {
    let asked = w.server().map(|s| s.duration()).unwrap_or_default();
    asked.max(least)
}

/// `w` at an open-loop `rate` for `duration`; `None` for a workload that has no open loop.
pub fn at_rate(w: &WorkloadSpec, rate: u64, duration: Duration) -> Option<WorkloadSpec> {
    match w {
        WorkloadSpec::ServeHttp(h) => {
            let mut h = h.clone();
            h.rate = Some(rate);
            h.duration = duration;
            Some(WorkloadSpec::ServeHttp(h))
        }
        WorkloadSpec::ServeApp(a) => {
            let mut a = a.clone();
            a.rate = Some(rate);
            a.duration = duration;
            Some(WorkloadSpec::ServeApp(a))
        }
        _ => None,
    }
}

/// What a probe cell measured: its clients' request latency quantiles (from the merged
/// histogram, exact; from the summary when there is none), their achieved rate and errors.
pub fn measured(cell: &CellResult) -> Measured {
    let wire = cell
        .histograms
        .as_ref()
        .map(|h| &h.request_latency_us)
        .filter(|w| !w.is_empty());
    let (p50, p99, p999) = match wire {
        Some(w) => {
            let mut h = new_histogram();
            add_wire(&mut h, w);
            let q = |share: f64| Some(h.value_at_quantile(share) as f64 / 1e3);
            (q(0.5), q(0.99), q(0.999))
        }
        None => match &cell.request_latency_ms {
            Some(s) => (Some(s.p50), Some(s.p99), None),
            None => (None, None, None),
        },
    };
    Measured {
        achieved_rps: cell.requests_per_s,
        p50_ms: p50,
        p99_ms: p99,
        p999_ms: p999,
        requests_ok: cell.requests_ok.unwrap_or(0),
        requests_failed: cell.requests_failed.unwrap_or(0),
        status: cell.status,
        failure: cell.failure.as_ref().map(|f| format!("{}: {}", f.kind, f.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_is_the_workload_at_its_rate_for_at_least_the_probe_time() {
        let w: WorkloadSpec = "serve-http:latency=10ms,duration=1s".parse().unwrap();
        let d = probe_duration(&w, MIN_PROBE);
        assert_eq!(d, MIN_PROBE);
        let p = at_rate(&w, 800, d).unwrap();
        assert_eq!(p.to_string(), "serve-http:latency=10ms,bytes=128,duration=3s,rate=800");
        assert_eq!(service(&w), Some(Duration::from_millis(10)));
        let long: WorkloadSpec = "serve-http:duration=5s".parse().unwrap();
        assert_eq!(probe_duration(&long, MIN_PROBE), Duration::from_secs(5));
        let tcp: WorkloadSpec = "serve-tcp:interval=10ms,duration=1s".parse().unwrap();
        assert!(!searchable(&tcp) && at_rate(&tcp, 10, d).is_none());
    }
}
