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

/// The `ok` runs of one (workload, model, tasks), and how the others ended.
#[derive(Default)]
struct Group {
    times: Vec<f64>,
    rss: Vec<f64>,
    /// `status: reason` of the first run that did not end ok.
    not_ok: Option<String>,
}

fn groups(r: &Results) -> BTreeMap<Key, Group> {
    let mut g: BTreeMap<Key, Group> = BTreeMap::new();
    for c in r.cells.iter().filter(|c| !c.baseline) {
        let e = g.entry((c.workload.clone(), c.model.clone(), c.tasks)).or_default();
        if c.status == Status::Ok {
            e.times.push(cell_time(c));
            e.rss.push(c.peak_rss_bytes as f64);
        } else if e.not_ok.is_none() {
            let why = c.failure.as_ref().map(|f| f.message.as_str()).unwrap_or("");
            e.not_ok = Some(
                format!("{}: {why}", c.status.as_str())
                    .trim_end_matches(": ")
                    .to_string(),
            );
        }
    }
    g
}

/// The comparison: the cells both sides ran, lines about the others, and whether B
/// regressed (slower beyond the noise, or failing where A did not).
pub struct Comparison {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
    pub regressed: bool,
}

/// Relative spread of repeats: (max - min) / median.
fn spread(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    match median(&mut s) {
        Some(m) if m > 0.0 && v.len() > 1 => (s[s.len() - 1] - s[0]) / m,
        _ => 0.0,
    }
}

/// Compare every cell both sides ran `ok`; say which ran on one side only, and which
/// failed on one side (a failure in B where A was ok is a regression).
pub fn compare(a: &Results, b: &Results) -> Comparison {
    let (ga, gb) = (groups(a), groups(b));
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut regressed = false;
    let name = |k: &Key| format!("{} {} {} tasks", k.0, k.1, k.2);
    for (key, ga_key) in &ga {
        let Some(gb_key) = gb.get(key) else {
            notes.push(format!("only in A: {}", name(key)));
            continue;
        };
        let (at, ar, bt, br) = (&ga_key.times, &ga_key.rss, &gb_key.times, &gb_key.rss);
        match (at.is_empty(), bt.is_empty()) {
            (false, true) => {
                regressed = true;
                let why = gb_key.not_ok.clone().unwrap_or_default();
                notes.push(format!("failed in B, ok in A: {} ({why})", name(key)));
                continue;
            }
            (true, false) => {
                let why = ga_key.not_ok.clone().unwrap_or_default();
                notes.push(format!("failed in A, ok in B: {} ({why})", name(key)));
                continue;
            }
            (true, true) => {
                notes.push(format!("failed in both: {}", name(key)));
                continue;
            }
            (false, false) => {}
        }
        let (a_time, b_time) = (
            median(&mut at.clone()).unwrap_or(0.0),
            median(&mut bt.clone()).unwrap_or(0.0),
        );
        let noise = 0.10f64.max(spread(at)).max(spread(bt));
        let ratio = if a_time > 0.0 { b_time / a_time } else { 1.0 };
        let verdict = if ratio > 1.0 + noise {
            regressed = true;
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
        notes.push(format!("only in B: {}", name(key)));
    }
    Comparison { rows, notes, regressed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(cells: Vec<crate::results::CellResult>) -> Results {
        let mut r: Results =
            serde_json::from_str(include_str!("../../tests/fixtures/results.json")).expect("the fixture loads");
        r.cells = cells;
        r
    }

    fn cell(tasks: usize, time: f64, status: Status) -> crate::results::CellResult {
        let meta = crate::cell::parent::CellMeta {
            index: 1,
            workload: "sleep:1s".into(),
            model: "rs-thread".into(),
            tasks,
            repeat: 0,
            baseline: false,
        };
        let failure = crate::results::Failure {
            kind: crate::results::FailureKind::SpawnLimit,
            message: "pid_max".into(),
            at_task: None,
            limit: None,
        };
        let mut c = crate::cell::parent::unrun(meta, status, failure, std::time::Duration::from_secs(1));
        c.work_s = Some(time);
        c
    }

    #[test]
    fn a_failure_in_b_is_named_as_such_and_is_a_regression() {
        let a = results(vec![cell(10, 1.0, Status::Ok), cell(100, 1.0, Status::Ok)]);
        let b = results(vec![cell(10, 1.0, Status::Ok), cell(100, 0.0, Status::Failed)]);
        let c = compare(&a, &b);
        assert_eq!(c.rows.len(), 1);
        assert_eq!(c.rows[0].verdict, Change::Same);
        assert!(c.regressed);
        assert!(
            c.notes[0].starts_with("failed in B, ok in A: sleep:1s rs-thread 100 tasks (failed: pid_max)"),
            "{:?}",
            c.notes
        );
        // The other way round is an improvement, not a regression.
        let c = compare(&b, &a);
        assert!(
            !c.regressed && c.notes[0].starts_with("failed in A, ok in B"),
            "{:?}",
            c.notes
        );
        // Slower beyond the noise is a regression too.
        let slow = results(vec![cell(10, 1.5, Status::Ok), cell(100, 1.0, Status::Ok)]);
        let c = compare(&a, &slow);
        assert!(c.regressed && c.rows[0].verdict == Change::Slower);
    }

    #[test]
    fn spread_is_relative_to_the_median() {
        assert_eq!(spread(&[1.0]), 0.0);
        assert!((spread(&[0.9, 1.0, 1.3]) - 0.4).abs() < 1e-9);
    }
}
