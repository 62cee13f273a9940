//! The search for a server's capacity at an objective, as pure logic over a probe
//! function, so every rule is tested on fixed probe results and the sweep only supplies
//! the probe (an ordinary server cell at `rate=R`).
//!
//! Ramp geometrically from a rate derived from the connections and the handler's wait
//! (×2 while probes pass, ÷2 while they fail), then bisect between the last pass and the
//! first fail until the two are within [`TOLERANCE`]. Bounded both ways: at most
//! [`MAX_PROBES`] probes, and no rate above what the connections could carry twice over,
//! so a search always stops, and says why ([`SearchEnd`]).

use std::time::Duration;

use super::spec::Slo;
use crate::results::{Probe, SearchEnd, Status};
use crate::units::{format_duration, format_secs};

/// Bisect until the last pass and the first fail are this close (relative to the pass).
pub const TOLERANCE: f64 = 0.05;

/// The most probes one search runs.
pub const MAX_PROBES: usize = 12;

/// A probe holds the load only if it answers at least this share of the offered rate.
pub const MIN_ACHIEVED: f64 = 0.95;

/// Never try more than this many requests per second.
const RATE_CEILING: u64 = 1_000_000;

/// The highest rate a search starts at: many connections could carry far more than a
/// Python stack serves, and a first probe far beyond capacity costs its whole backlog's
/// drain (every intended request is sent, late); from here the ramp doubles.
const START_CEILING: u64 = 2_000;

/// The per-request time assumed when the handler's is not known (the user's own app).
const ASSUMED_SERVICE: Duration = Duration::from_millis(10);

/// The least per-request time a ceiling is computed from (a handler with no wait).
const LEAST_SERVICE: Duration = Duration::from_micros(100);

/// Where a search starts and how far it may go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub start: u64,
    /// The lowest rate tried (a generator needs at least 1 request/s).
    pub min: u64,
    /// The highest rate tried.
    pub max: u64,
    pub max_probes: usize,
    pub tolerance: f64,
}

impl Bounds {
    /// For `connections` clients against a handler that waits `service` per request
    /// (`None`: unknown, the user's app), split over `generators`: one request in flight
    /// per connection carries at most connections / service per second. Start at an
    /// eighth of that (a 10 ms wait assumed when unknown; at most [`START_CEILING`]) and
    /// stop at twice it (where
    /// the achieved-rate check fails for sure; for an unknown handler, twice what a
    /// 100 us one could carry, so a fast app is not capped at a guess).
    pub fn for_load(connections: usize, service: Option<Duration>, generators: usize) -> Bounds {
        let carried =
            |wait: Duration| (connections.max(1) as f64 / wait.max(LEAST_SERVICE).as_secs_f64()).round() as u64;
        let min = generators.max(1) as u64;
        let max = (2 * carried(service.unwrap_or(LEAST_SERVICE))).clamp(min, RATE_CEILING);
        Bounds {
            start: (carried(service.unwrap_or(ASSUMED_SERVICE)) / 8)
                .clamp(min, START_CEILING.max(min))
                .min(max),
            min,
            max,
            max_probes: MAX_PROBES,
            tolerance: TOLERANCE,
        }
    }
}

/// What one probe measured, before it is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub achieved_rps: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub requests_ok: u64,
    pub requests_failed: u64,
    pub status: Status,
    /// The cell's failure, when it did not end `ok` or `errors`.
    pub failure: Option<String>,
}

impl Default for Measured {
    /// Nothing measured yet, from a cell that ended `ok`.
    fn default() -> Self {
        Measured {
            achieved_rps: None,
            p50_ms: None,
            p99_ms: None,
            p999_ms: None,
            requests_ok: 0,
            requests_failed: 0,
            status: Status::Ok,
            failure: None,
        }
    }
}

/// How a search ended: its probes, the capacity found and why it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub probes: Vec<Probe>,
    pub capacity: Option<u64>,
    pub failed_at: Option<u64>,
    pub end: SearchEnd,
}

/// Judge one probe at `rate` against `slo`: every reason it fails, or a pass.
pub fn judge(slo: &Slo, rate: u64, m: &Measured) -> Probe {
    let total = m.requests_ok + m.requests_failed;
    let error_rate = match total {
        0 => 0.0,
        t => m.requests_failed as f64 / t as f64,
    };
    let mut why: Vec<String> = Vec::new();
    if !matches!(m.status, Status::Ok | Status::Errors) {
        why.push(format!(
            "{}: {}",
            m.status.as_str(),
            m.failure.as_deref().unwrap_or("no reason given")
        ));
    } else if m.requests_ok == 0 {
        why.push("no request answered".into());
    }
    if total > 0 && error_rate > slo.errors {
        why.push(format!("errors {} > {}", percent(error_rate), percent(slo.errors)));
    }
    match m.achieved_rps {
        Some(a) if a < MIN_ACHIEVED * rate as f64 => {
            why.push(format!("achieved {} of offered", percent(a / rate as f64)))
        }
        None if why.is_empty() => why.push("no achieved rate measured".into()),
        _ => {}
    }
    let quantile = match slo.quantile {
        super::spec::Quantile::P50 => m.p50_ms,
        super::spec::Quantile::P99 => m.p99_ms,
        super::spec::Quantile::P999 => m.p999_ms,
    };
    let limit_ms = slo.limit.as_secs_f64() * 1e3;
    match quantile {
        Some(q) if q > limit_ms => why.push(format!(
            "{} {} > {}",
            slo.quantile.as_str(),
            format_secs(q / 1e3),
            format_duration(slo.limit)
        )),
        None if why.is_empty() => why.push(format!("no {} measured", slo.quantile.as_str())),
        _ => {}
    }
    Probe {
        rate,
        achieved_rps: m.achieved_rps,
        p50_ms: m.p50_ms,
        p99_ms: m.p99_ms,
        p999_ms: m.p999_ms,
        requests_ok: m.requests_ok,
        requests_failed: m.requests_failed,
        error_rate,
        status: m.status,
        pass: why.is_empty(),
        reason: (!why.is_empty()).then(|| why.join("; ")),
    }
}

/// A share as a percentage, as few digits as it needs: `0.1%`, `80%`.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    match p {
        p if p == p.round() => format!("{p:.0}%"),
        p if p >= 10.0 => format!("{p:.1}%"),
        p => format!("{}%", (p * 1000.0).round() / 1000.0),
    }
}

/// Run the search: `probe(rate)` measures one rate, `None` when the sweep was stopped.
pub fn search(slo: &Slo, bounds: &Bounds, mut probe: impl FnMut(u64) -> Option<Measured>) -> Found {
    let mut found = Found {
        probes: Vec::new(),
        capacity: None,
        failed_at: None,
        end: SearchEnd::Interrupted,
    };
    let mut rate = bounds.start.clamp(bounds.min, bounds.max);
    loop {
        if found.probes.len() >= bounds.max_probes {
            found.end = SearchEnd::MaxProbes;
            return found;
        }
        let Some(m) = probe(rate) else { return found };
        let p = judge(slo, rate, &m);
        let pass = p.pass;
        found.probes.push(p);
        if pass {
            found.capacity = Some(rate);
        } else {
            found.failed_at = Some(rate);
        }
        // Bisect once a pass and a fail are both known.
        let next = match (found.capacity, found.failed_at) {
            (Some(lo), Some(hi)) => {
                if hi <= lo + 1 || (hi - lo) as f64 <= bounds.tolerance * lo as f64 {
                    found.end = SearchEnd::Converged;
                    return found;
                }
                lo + (hi - lo) / 2
            }
            (Some(_), None) if rate >= bounds.max => {
                found.end = SearchEnd::MaxRate;
                return found;
            }
            (Some(_), None) => rate.saturating_mul(2).min(bounds.max),
            (None, _) if rate <= bounds.min => {
                found.end = SearchEnd::NoPass;
                return found;
            }
            (None, _) => (rate / 2).max(bounds.min),
        };
        rate = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(text: &str) -> Slo {
        Slo::parse(text).unwrap()
    }

    /// A server whose p99 is 10 ms up to `knee` requests/s and climbs steeply beyond,
    /// always answering what it is offered.
    fn server(knee: f64) -> impl Fn(u64) -> Measured {
        move |rate| {
            let r = rate as f64;
            let p99 = if r <= knee { 10.0 } else { 10.0 + (r - knee) };
            Measured {
                achieved_rps: Some(r),
                p50_ms: Some(5.0),
                p99_ms: Some(p99),
                p999_ms: Some(p99 * 2.0),
                requests_ok: rate * 3,
                ..Default::default()
            }
        }
    }

    fn bounds(start: u64, max: u64) -> Bounds {
        Bounds {
            start,
            min: 1,
            max,
            max_probes: MAX_PROBES,
            tolerance: TOLERANCE,
        }
    }

    #[test]
    fn ramps_by_doubling_then_bisects_to_within_five_percent() {
        let f = search(&slo("p99=50ms"), &bounds(100, 100_000), |r| Some(server(1000.0)(r)));
        let rates: Vec<u64> = f.probes.iter().map(|p| p.rate).collect();
        assert_eq!(&rates[..5], &[100, 200, 400, 800, 1600], "{rates:?}");
        assert_eq!(f.end, SearchEnd::Converged);
        let (lo, hi) = (f.capacity.unwrap(), f.failed_at.unwrap());
        assert!((hi - lo) as f64 <= 0.05 * lo as f64, "{lo}..{hi}");
        // p99 ≤ 50 ms up to 1,040 requests/s.
        assert!((990..=1040).contains(&lo), "{lo}");
        assert!(f.probes.iter().all(|p| p.pass == (p.rate <= 1040)));
        assert!(f.probes.len() <= MAX_PROBES);
    }

    #[test]
    fn a_first_probe_that_fails_ramps_down() {
        let f = search(&slo("p99=50ms"), &bounds(8000, 100_000), |r| Some(server(300.0)(r)));
        let rates: Vec<u64> = f.probes.iter().map(|p| p.rate).collect();
        assert_eq!(&rates[..6], &[8000, 4000, 2000, 1000, 500, 250], "{rates:?}");
        assert_eq!(f.end, SearchEnd::Converged);
        assert!((300..=340).contains(&f.capacity.unwrap()));
    }

    #[test]
    fn stops_at_the_most_probes_and_at_the_highest_and_lowest_rate() {
        let few = Bounds {
            max_probes: 3,
            ..bounds(100, 100_000)
        };
        let f = search(&slo("p99=50ms"), &few, |r| Some(server(1e9)(r)));
        assert_eq!(
            (f.probes.len(), f.end, f.capacity),
            (3, SearchEnd::MaxProbes, Some(400))
        );

        let f = search(&slo("p99=50ms"), &bounds(100, 1000), |r| Some(server(1e9)(r)));
        let rates: Vec<u64> = f.probes.iter().map(|p| p.rate).collect();
        assert_eq!(rates, [100, 200, 400, 800, 1000]);
        assert_eq!((f.end, f.capacity), (SearchEnd::MaxRate, Some(1000)));

        let f = search(&slo("p99=50ms"), &bounds(16, 1000), |r| {
            Some(Measured {
                p99_ms: Some(500.0),
                ..server(1e9)(r)
            })
        });
        assert_eq!(f.probes.iter().map(|p| p.rate).collect::<Vec<_>>(), [16, 8, 4, 2, 1]);
        assert_eq!((f.end, f.capacity), (SearchEnd::NoPass, None));

        let mut left = 2;
        let f = search(&slo("p99=50ms"), &bounds(100, 1000), |r| {
            left -= 1;
            (left >= 0).then(|| server(1e9)(r))
        });
        assert_eq!((f.end, f.probes.len()), (SearchEnd::Interrupted, 2));
    }

    #[test]
    fn errors_beyond_the_budget_fail_and_within_it_pass() {
        let with = |failed: u64| Measured {
            requests_failed: failed,
            ..server(1e9)(1000)
        };
        // 3,000 answered: 2 failed is 0.07%, 4 failed 0.13%.
        assert!(judge(&slo("p99=50ms,errors=0.1%"), 1000, &with(2)).pass);
        let p = judge(&slo("p99=50ms,errors=0.1%"), 1000, &with(4));
        assert!(!p.pass);
        assert!(
            p.reason.as_deref().unwrap().starts_with("errors 0.133% > 0.1%"),
            "{:?}",
            p.reason
        );
        // No budget: any failed request fails the probe.
        assert!(!judge(&slo("p99=50ms"), 1000, &with(1)).pass);
    }

    #[test]
    fn an_open_loop_that_cannot_keep_up_fails_even_with_a_low_quantile() {
        let slow = Measured {
            achieved_rps: Some(800.0),
            ..server(1e9)(1000)
        };
        let p = judge(&slo("p99=50ms"), 1000, &slow);
        assert_eq!(p.reason.as_deref(), Some("achieved 80% of offered"));
        let nearly = Measured {
            achieved_rps: Some(960.0),
            ..slow
        };
        assert!(judge(&slo("p99=50ms"), 1000, &nearly).pass);
    }

    #[test]
    fn the_quantile_judged_is_the_one_the_objective_names() {
        let m = server(0.0)(100); // p50 5 ms, p99 110 ms, p999 220 ms
        assert!(judge(&slo("p50=10ms"), 100, &m).pass);
        assert_eq!(
            judge(&slo("p99=100ms"), 100, &m).reason.as_deref(),
            Some("p99 110.0ms > 100ms")
        );
        assert!(judge(&slo("p999=200ms"), 100, &m)
            .reason
            .unwrap()
            .starts_with("p999 220.0ms"));
        let failed = Measured {
            status: Status::Failed,
            failure: Some("load-failed: the server ended".into()),
            ..Default::default()
        };
        assert_eq!(
            judge(&slo("p99=1s"), 100, &failed).reason.as_deref(),
            Some("failed: load-failed: the server ended")
        );
    }

    #[test]
    fn bounds_follow_the_connections_and_the_wait() {
        let b = Bounds::for_load(64, Some(Duration::from_millis(10)), 1);
        assert_eq!((b.start, b.max, b.min), (800, 12_800, 1));
        let app = Bounds::for_load(64, None, 2);
        assert_eq!((app.start, app.min, app.max), (800, 2, RATE_CEILING));
        assert_eq!(Bounds::for_load(8, None, 1).max, 160_000);
        let fast = Bounds::for_load(100_000, Some(Duration::ZERO), 1);
        assert_eq!((fast.start, fast.max), (START_CEILING, RATE_CEILING));
        assert_eq!(
            Bounds::for_load(1000, Some(Duration::from_millis(10)), 1).start,
            START_CEILING
        );
    }
}
