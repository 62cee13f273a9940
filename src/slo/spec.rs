//! `--slo p99=50ms,errors=0.1%`: the objective a server must meet for a load to count as
//! held. Parsed once at the edge into [`Slo`], printed back the same way for the results.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::units::{format_duration, parse_duration};

/// Which latency quantile of the clients' requests the objective bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quantile {
    #[serde(rename = "p50")]
    P50,
    #[serde(rename = "p99")]
    P99,
    #[serde(rename = "p999")]
    P999,
}

impl Quantile {
    /// The quantile as a share of requests (0.99 for p99).
    pub fn share(self) -> f64 {
        match self {
            Quantile::P50 => 0.5,
            Quantile::P99 => 0.99,
            Quantile::P999 => 0.999,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Quantile::P50 => "p50",
            Quantile::P99 => "p99",
            Quantile::P999 => "p999",
        }
    }
}

/// A service level objective: a latency quantile at most `limit`, and at most `errors`
/// of the requests failed (none, when no budget is given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slo {
    pub quantile: Quantile,
    #[serde(rename = "limit_ns", with = "crate::units::serde_ns")]
    pub limit: Duration,
    /// The share of requests that may fail (0 to 1).
    pub errors: f64,
}

impl Slo {
    /// Parse `p99=50ms`, `p50=10ms,errors=0.1%`, ...: exactly one latency bound, and
    /// optionally an error budget.
    pub fn parse(text: &str) -> Result<Slo, String> {
        const HOW: &str =
            "expected p50=DUR, p99=DUR or p999=DUR, optionally with errors=PCT, e.g. p99=50ms,errors=0.1%";
        let mut bound: Option<(Quantile, Duration)> = None;
        let mut errors: Option<f64> = None;
        for piece in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = piece.split_once('=') else {
                return Err(format!("`{piece}`: {HOW}"));
            };
            let quantile = match key.trim() {
                "p50" => Quantile::P50,
                "p99" => Quantile::P99,
                "p999" => Quantile::P999,
                "errors" => {
                    let number = value.trim().strip_suffix('%').unwrap_or(value.trim());
                    match number.parse::<f64>() {
                        Ok(p) if (0.0..=100.0).contains(&p) && errors.is_none() => errors = Some(p / 100.0),
                        Ok(_) if errors.is_some() => return Err("errors= given twice".into()),
                        _ => {
                            return Err(format!(
                                "errors={value}: expected a percentage from 0% to 100%, e.g. 0.1%"
                            ))
                        }
                    }
                    continue;
                }
                other => return Err(format!("unknown objective `{other}`: {HOW}")),
            };
            if bound.is_some() {
                return Err(format!("one latency bound at a time (p50, p99 or p999): {text}"));
            }
            let limit = parse_duration(value).map_err(|e| e.to_string())?;
            if limit.is_zero() {
                return Err(format!("{key}={value}: the bound must be more than 0"));
            }
            bound = Some((quantile, limit));
        }
        let Some((quantile, limit)) = bound else {
            return Err(format!("no latency bound: {HOW}"));
        };
        Ok(Slo {
            quantile,
            limit,
            errors: errors.unwrap_or(0.0),
        })
    }

    /// `p99 ≤ 50ms`, for headings.
    pub fn heading(&self) -> String {
        format!("{} ≤ {}", self.quantile.as_str(), format_duration(self.limit))
    }
}

impl fmt::Display for Slo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.quantile.as_str(), format_duration(self.limit))?;
        if self.errors > 0.0 {
            write!(f, ",errors={}%", self.errors * 100.0)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Slo {
    type Err = String;
    fn from_str(s: &str) -> Result<Slo, String> {
        Slo::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_and_a_budget_parse_and_print_back() {
        let slo = Slo::parse("p99=50ms,errors=0.1%").unwrap();
        assert_eq!(slo.quantile, Quantile::P99);
        assert_eq!(slo.limit, Duration::from_millis(50));
        assert!((slo.errors - 0.001).abs() < 1e-12);
        assert_eq!(Slo::parse(&slo.to_string()).unwrap(), slo);
        assert_eq!(Slo::parse("p999=1s").unwrap().to_string(), "p999=1s");
        assert_eq!(Slo::parse("p50=5ms").unwrap().errors, 0.0);
    }

    #[test]
    fn bad_objectives_are_refused_with_a_reason() {
        for bad in [
            "",
            "errors=1%",
            "p95=10ms",
            "p99=50",
            "p99=0ms",
            "p99=1ms,p50=1ms",
            "p99=1ms,errors=200%",
            "p99",
        ] {
            assert!(Slo::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
