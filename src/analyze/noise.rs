//! The noise rule: when two medians differ by more than the runs' own spread. One rule for
//! the winners, the crossovers' spread term and every ranking of a reading, so a tie in
//! one report is a tie in all of them.

use super::numbers::median;
use crate::results::Spread;

/// The least margin that names a winner, even when repeats agree exactly: 2%.
pub const MIN_MARGIN: f64 = 0.02;

/// The margin that names a winner from one run each, whose noise is unknown: 10%.
pub const SINGLE_RUN_MARGIN: f64 = 0.10;

/// The relative spread ((max - min) / median) of repeats, or [`SINGLE_RUN_MARGIN`] for
/// one run.
pub fn relative(values: &mut [f64]) -> f64 {
    match median(values) {
        _ if values.len() < 2 => SINGLE_RUN_MARGIN,
        Some(m) if m > 0.0 => (values[values.len() - 1] - values[0]) / m,
        _ => 0.0,
    }
}

/// [`relative`] of a spread already summarised.
pub fn of_spread(s: &Spread) -> f64 {
    match s.n {
        0 | 1 => SINGLE_RUN_MARGIN,
        _ if s.median > 0.0 => (s.max - s.min) / s.median,
        _ => 0.0,
    }
}

/// The margin two figures must clear: the larger of [`MIN_MARGIN`] and each one's noise.
pub fn margin(a: f64, b: f64) -> f64 {
    MIN_MARGIN.max(a).max(b)
}

/// Whether `behind` is worse than `lead` (lower is better) beyond `margin`.
pub fn apart(lead: f64, behind: f64, margin: f64) -> bool {
    behind > lead * (1.0 + margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_has_the_single_run_margin_and_repeats_their_spread() {
        assert_eq!(relative(&mut [1.0]), SINGLE_RUN_MARGIN);
        assert!((relative(&mut [1.0, 1.3, 1.1]) - 0.3 / 1.1).abs() < 1e-12);
        assert_eq!(margin(0.0, 0.01), MIN_MARGIN);
        assert!(apart(1.0, 1.03, 0.02) && !apart(1.0, 1.02, 0.02));
    }
}
