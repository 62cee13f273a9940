//! `conlab compare A B`: the same cells of two result files side by side, with ratios and
//! a noise-aware verdict, for comparing machines, versions or interpreters.
//!
//! A difference is called only when it is larger than the noise: 10%, or the spread of
//! the repeats when they vary more than that.

use std::collections::BTreeMap;

use crate::analyze::{cell_time, median};
use crate::results::{Results, Status};

/// One cell compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    pub a_time: f64,
    pub b_time: f64,
    pub a_rss: f64,
    pub b_rss: f64,
    /// B against A, by time.
    pub verdict: Change,
}

/// How B's time compares with A's, beyond the noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Faster,
    Slower,
    Same,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Faster => "faster",
            Change::Slower => "slower",
            Change::Same => "same",
        })
    }
}

type Key = (String, String, usize);

fn groups(r: &Results) -> BTreeMap<Key, (Vec<f64>, Vec<f64>)> {
    let mut g: BTreeMap<Key, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for c in r.cells.iter().filter(|c| c.status == Status::Ok) {
        let e = g.entry((c.workload.clone(), c.model.clone(), c.tasks)).or_default();
        e.0.push(cell_time(c));
        e.1.push(c.peak_rss_bytes as f64);
    }
    g
}

/// Relative spread of repeats: (max - min) / median.
fn spread(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    match median(&mut s) {
        Some(m) if m > 0.0 && v.len() > 1 => (s[s.len() - 1] - s[0]) / m,
        _ => 0.0,
    }
}

/// Compare every cell present in both; also list the cells only one side has.
pub fn compare(a: &Results, b: &Results) -> (Vec<Row>, Vec<String>) {
    let (ga, gb) = (groups(a), groups(b));
    let mut rows = Vec::new();
    let mut unmatched = Vec::new();
    for (key, (at, ar)) in &ga {
        let Some((bt, br)) = gb.get(key) else {
            unmatched.push(format!("only in A: {} {} {} tasks", key.0, key.1, key.2));
            continue;
        };
        let (a_time, b_time) = (
            median(&mut at.clone()).unwrap_or(0.0),
            median(&mut bt.clone()).unwrap_or(0.0),
        );
        let noise = 0.10f64.max(spread(at)).max(spread(bt));
        let ratio = if a_time > 0.0 { b_time / a_time } else { 1.0 };
        let verdict = if ratio > 1.0 + noise {
            Change::Slower
        } else if ratio < 1.0 / (1.0 + noise) {
            Change::Faster
        } else {
            Change::Same
        };
        rows.push(Row {
            workload: key.0.clone(),
            model: key.1.clone(),
            tasks: key.2,
            a_time,
            b_time,
            a_rss: median(&mut ar.clone()).unwrap_or(0.0),
            b_rss: median(&mut br.clone()).unwrap_or(0.0),
            verdict,
        });
    }
    for key in gb.keys().filter(|k| !ga.contains_key(*k)) {
        unmatched.push(format!("only in B: {} {} {} tasks", key.0, key.1, key.2));
    }
    (rows, unmatched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_relative_to_the_median() {
        assert_eq!(spread(&[1.0]), 0.0);
        assert!((spread(&[0.9, 1.0, 1.3]) - 0.4).abs() < 1e-9);
    }
}
