//! Latency distributions for the target server: `50ms` (fixed), `uniform:10ms..90ms`,
//! `lognormal:50ms,200ms` (median, p99), and the small PRNG that draws from them.
//!
//! Real services are not fixed-latency; a lognormal tail is what makes p99 differ from
//! p50, and what separates models that queue from models that do not.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::units::{format_duration, parse_duration, ValueError};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latency {
    Fixed(Duration),
    Uniform(Duration, Duration),
    /// Median and sigma of the underlying normal.
    LogNormal {
        median: Duration,
        sigma: f64,
    },
}

/// z of the 99th percentile of the standard normal.
const Z99: f64 = 2.326_347_874;

/// A latency distribution that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LatencyError {
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error("{0}")]
    Shape(String),
}

impl Latency {
    pub fn parse(text: &str) -> Result<Latency, LatencyError> {
        let shape = |why: &str| LatencyError::Shape(why.to_string());
        if let Some(range) = text.strip_prefix("uniform:") {
            let (a, b) = range
                .split_once("..")
                .ok_or_else(|| shape("uniform latency needs the form uniform:10ms..90ms"))?;
            let (a, b) = (parse_duration(a)?, parse_duration(b)?);
            if a > b {
                return Err(LatencyError::Shape(format!(
                    "uniform latency: {} is above {}",
                    format_duration(a),
                    format_duration(b)
                )));
            }
            return Ok(Latency::Uniform(a, b));
        }
        if let Some(rest) = text.strip_prefix("lognormal:") {
            let (m, p) = rest
                .split_once(',')
                .ok_or_else(|| shape("lognormal latency needs the form lognormal:MEDIAN,P99"))?;
            let (median, p99) = (parse_duration(m)?, parse_duration(p)?);
            if median.is_zero() || p99 < median {
                return Err(shape("lognormal latency needs 0 < median <= p99"));
            }
            let sigma = (p99.as_secs_f64() / median.as_secs_f64()).ln() / Z99;
            return Ok(Latency::LogNormal { median, sigma });
        }
        Ok(Latency::Fixed(parse_duration(text)?))
    }

    /// Draw one latency.
    pub fn sample(&self, rng: &Rng) -> Duration {
        match *self {
            Latency::Fixed(d) => d,
            Latency::Uniform(a, b) => a + (b - a).mul_f64(rng.unit()),
            Latency::LogNormal { median, sigma } => {
                // Box-Muller: one standard normal from two uniforms.
                let (u1, u2) = (rng.unit().max(1e-12), rng.unit());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                median.mul_f64((sigma * z).exp().min(1e4))
            }
        }
    }
}

/// A lock-free splitmix64 generator shared by all connections.
pub struct Rng(AtomicU64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(AtomicU64::new(seed))
    }

    pub fn next_u64(&self) -> u64 {
        let x = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_shape() {
        assert_eq!(Latency::parse("50ms"), Ok(Latency::Fixed(Duration::from_millis(50))));
        assert_eq!(
            Latency::parse("uniform:10ms..90ms"),
            Ok(Latency::Uniform(Duration::from_millis(10), Duration::from_millis(90)))
        );
        assert!(matches!(
            Latency::parse("lognormal:50ms,200ms"),
            Ok(Latency::LogNormal { .. })
        ));
        for bad in [
            "uniform:90ms..10ms",
            "uniform:10ms",
            "lognormal:50ms",
            "lognormal:200ms,50ms",
            "fast",
        ] {
            assert!(Latency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lognormal_has_the_requested_median_and_p99() {
        let dist = Latency::parse("lognormal:50ms,200ms").unwrap();
        let rng = Rng::new(7);
        let mut draws: Vec<f64> = (0..20_000).map(|_| dist.sample(&rng).as_secs_f64() * 1e3).collect();
        draws.sort_by(f64::total_cmp);
        let (p50, p99) = (draws[10_000], draws[19_800]);
        assert!((45.0..55.0).contains(&p50), "p50 {p50}");
        assert!((170.0..235.0).contains(&p99), "p99 {p99}");
    }

    #[test]
    fn uniform_stays_in_range() {
        let dist = Latency::parse("uniform:10ms..20ms").unwrap();
        let rng = Rng::new(1);
        for _ in 0..1000 {
            let d = dist.sample(&rng);
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
        }
    }
}
