//! What `bench --slo` found: per server workload, model, connection count and repeat, the
//! highest open-loop rate held within the objective, with every probe that led there (the
//! knee is in the probes: a search that only kept its answer could not be checked).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kinds::Status;

/// `results.json` `capacity`: the objective and every search run against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Capacity {
    /// The objective as given: `p99=50ms`, `p99=50ms,errors=0.1%`.
    pub slo: String,
    /// The latency quantile bounded: `p50`, `p99` or `p999`.
    pub quantile: String,
    /// The bound on that quantile of the clients' request latency, ms.
    pub limit_ms: f64,
    /// The share of requests that may fail (0 to 1).
    pub error_budget: f64,
    /// The least share of the offered rate a probe must achieve to pass (an open loop
    /// that cannot keep up has not held the load).
    pub min_achieved: f64,
    /// How long each probe's clients sent at their rate, seconds.
    pub probe_s: f64,
    /// One search per (workload, model, connections, repeat), in run order.
    pub searches: Vec<CapacitySearch>,
    /// Who holds the most load within the objective, per workload and connection count.
    #[serde(default)]
    pub verdicts: Vec<CapacityVerdict>,
}

/// One search: geometric ramp, then bisection between the last pass and the first fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacitySearch {
    /// The server workload as given (without the probes' `rate=`).
    pub workload: String,
    pub model: String,
    /// Client connections.
    pub tasks: usize,
    pub repeat: usize,
    /// The highest offered rate that passed, requests/s; `None` when none did.
    pub capacity_rps: Option<f64>,
    /// The lowest offered rate that failed, requests/s, if any did.
    pub failed_at_rps: Option<f64>,
    /// Why the search stopped.
    pub end: SearchEnd,
    /// Every probe, in the order run.
    pub probes: Vec<Probe>,
}

/// Why a capacity search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SearchEnd {
    /// The last pass and the first fail are within 5% of each other.
    Converged,
    /// The search ran its most probes before converging; the capacity is a lower bound.
    MaxProbes,
    /// The highest rate the search tries passed; the capacity is at least that.
    MaxRate,
    /// Even the lowest rate failed.
    NoPass,
    /// The sweep was stopped during the search.
    Interrupted,
}

impl SearchEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchEnd::Converged => "converged",
            SearchEnd::MaxProbes => "max-probes",
            SearchEnd::MaxRate => "max-rate",
            SearchEnd::NoPass => "no-pass",
            SearchEnd::Interrupted => "interrupted",
        }
    }
}

/// One probe: an ordinary server cell run at an offered rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    /// Offered rate, requests/s in total over the connections.
    pub rate: u64,
    /// Requests answered per second of the clients' work window.
    pub achieved_rps: Option<f64>,
    /// Clients' request latency quantiles (from each request's intended send), ms.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub requests_ok: u64,
    pub requests_failed: u64,
    /// requests_failed / (requests_ok + requests_failed).
    pub error_rate: f64,
    /// The probe cell's status.
    pub status: Status,
    /// Whether the probe held the load within the objective.
    pub pass: bool,
    /// Why it did not: `p99 71ms > 50ms`, `achieved 80% of offered`, `errors 2% > 0.1%`,
    /// or the cell's failure.
    pub reason: Option<String>,
}

/// The model that holds the most load at one (workload, connections), when it clears the
/// noise rule; otherwise the figures and why no one is named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacityVerdict {
    pub workload: String,
    pub tasks: usize,
    /// Highest median capacity, beyond the spread of repeats (one run: 10%).
    pub most: Option<String>,
    /// Median capacity per model, requests/s (models with no passing probe absent).
    pub capacity_rps: std::collections::BTreeMap<String, f64>,
    /// The verdict in one line.
    pub line: String,
}
