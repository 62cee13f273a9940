//! `conlab compare A B`: the same cells of two result files side by side, with ratios and
//! a noise-aware verdict, for comparing machines, versions or interpreters.
//!
//! A difference is called only when it is larger than the noise: 10%, or the spread of
//! the repeats when they vary more than that. A CI gate (`--fail-if-slower PCT`) asks
//! the same question with a threshold of its own: beyond PCT *and* beyond the noise.
//!
//! Documents from several machines (`conlab merge`) are compared machine by machine:
//! a cell of c7g is matched with the same cell of c7g. A document from one machine
//! against one from several is this machine against each of them.

use std::collections::{BTreeMap, BTreeSet};

use super::cells::cell_time;
use super::numbers::median;
use crate::results::{Results, Status};

/// One cell compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The machine, when a side holds more than one.
    pub host: Option<String>,
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    /// Median work time of A's `ok` runs, in seconds.
    pub a_time: f64,
    pub b_time: f64,
    /// Median peak RSS of A's `ok` runs, in bytes.
    pub a_rss: f64,
    pub b_rss: f64,
    /// `ok` runs behind each median.
    pub a_runs: usize,
    pub b_runs: usize,
    /// B's time over A's (1.0 when A's is 0).
    pub ratio: f64,
    /// The relative difference below which B counts as the same: 10% or the larger
    /// spread of the two sides' repeats.
    pub noise: f64,
    /// B against A, by time.
    pub verdict: Change,
}

impl Row {
    /// B is slower than A by more than `share` (0.10: 10%) and by more than the noise.
    pub fn slower_beyond(&self, share: f64) -> bool {
        self.ratio > 1.0 + share.max(self.noise)
    }
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

/// A cell that has no row: run on one side only, or not `ok` on one side or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    /// The machine, when a side holds more than one.
    pub host: Option<String>,
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    pub kind: UnmatchedKind,
    /// `status: reason` of the first run that did not end ok, when one failed.
    pub why: Option<String>,
}

/// Why a cell has no row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmatchedKind {
    OnlyInA,
    OnlyInB,
    /// A regression: ok in A, not in B.
    FailedInB,
    FailedInA,
    FailedInBoth,
}

impl UnmatchedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnmatchedKind::OnlyInA => "only in A",
            UnmatchedKind::OnlyInB => "only in B",
            UnmatchedKind::FailedInB => "failed in B, ok in A",
            UnmatchedKind::FailedInA => "failed in A, ok in B",
            UnmatchedKind::FailedInBoth => "failed in both",
        }
    }
}

impl std::fmt::Display for Unmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tasks = crate::units::plural(self.tasks, "task");
        if let Some(host) = &self.host {
            write!(f, "on {host}: ")?;
        }
        write!(f, "{}: {} {} {tasks}", self.kind.as_str(), self.workload, self.model)?;
        match &self.why {
            Some(why) if self.kind != UnmatchedKind::FailedInBoth => write!(f, " ({why})"),
            _ => Ok(()),
        }
    }
}

/// (host, workload, model, tasks); the host is empty for a document from one machine.
type Key = (String, String, String, usize);

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
        let host = c.host.clone().unwrap_or_default();
        let e = g
            .entry((host, c.workload.clone(), c.model.clone(), c.tasks))
            .or_default();
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

/// One machine's groups as if they had run on each of `hosts`: how a document from one
/// machine meets one from several.
fn spread_over(g: BTreeMap<Key, Group>, hosts: &BTreeSet<String>) -> BTreeMap<Key, Group> {
    let mut out = BTreeMap::new();
    for (k, v) in g {
        for h in hosts {
            let copy = Group {
                times: v.times.clone(),
                rss: v.rss.clone(),
                not_ok: v.not_ok.clone(),
            };
            out.insert((h.clone(), k.1.clone(), k.2.clone(), k.3), copy);
        }
    }
    out
}

/// The machines of a side's groups (the empty name alone: one machine).
fn host_set(g: &BTreeMap<Key, Group>) -> BTreeSet<String> {
    g.keys().map(|k| k.0.clone()).collect()
}

/// The comparison: the cells both sides ran, the others, and whether B regressed
/// (slower beyond the noise, or failing where A did not).
pub struct Comparison {
    pub rows: Vec<Row>,
    pub unmatched: Vec<Unmatched>,
    pub regressed: bool,
    /// The user's code that changed between A and B: the same task file and functions,
    /// another content hash. Their cells are never matched (the code is not the same);
    /// this says so instead of leaving two unrelated "only in" lists.
    pub code_changed: Vec<CodeChange>,
}

/// One py-task whose file changed between A and B: the workload as each side ran it.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeChange {
    pub a: String,
    pub b: String,
}

/// A py-task workload without its content hash: what stays the same across edits.
fn without_sha(workload: &str) -> Option<&str> {
    let (head, _) = workload.strip_prefix("py-task:")?.rsplit_once(",sha=")?;
    Some(head)
}

/// The py-tasks only one side ran, paired by file and functions across the two sides.
fn code_changes(ga: &BTreeMap<Key, Group>, gb: &BTreeMap<Key, Group>) -> Vec<CodeChange> {
    let workloads = |g: &BTreeMap<Key, Group>| -> Vec<String> {
        let mut w: Vec<String> = g.keys().map(|k| k.1.clone()).collect();
        w.sort();
        w.dedup();
        w
    };
    let (wa, wb) = (workloads(ga), workloads(gb));
    let mut out = Vec::new();
    for a in wa.iter().filter(|w| !wb.contains(w)) {
        for b in wb.iter().filter(|w| !wa.contains(w)) {
            if without_sha(a).is_some() && without_sha(a) == without_sha(b) {
                out.push(CodeChange {
                    a: a.clone(),
                    b: b.clone(),
                });
            }
        }
    }
    out
}

impl Comparison {
    /// The CI gate: the cells slower than `share` and the noise, and those that failed in B
    /// while A ran them ok, one line each; none means the gate passes.
    pub fn regressions_beyond(&self, share: f64) -> Vec<String> {
        let slower = self.rows.iter().filter(|r| r.slower_beyond(share)).map(|r| {
            format!(
                "{}{} {} {}: {:.2}x A's time",
                r.host.as_ref().map(|h| format!("on {h}: ")).unwrap_or_default(),
                r.workload,
                r.model,
                crate::units::plural(r.tasks, "task"),
                r.ratio
            )
        });
        let failed = self
            .unmatched
            .iter()
            .filter(|u| u.kind == UnmatchedKind::FailedInB)
            .map(ToString::to_string);
        slower.chain(failed).collect()
    }
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
    let (mut ga, mut gb) = (groups(a), groups(b));
    let single = BTreeSet::from([String::new()]);
    let (ha, hb) = (host_set(&ga), host_set(&gb));
    if ha == single && !hb.contains("") {
        ga = spread_over(ga, &hb);
    } else if hb == single && !ha.contains("") {
        gb = spread_over(gb, &ha);
    }
    let host = |k: &Key| Some(k.0.clone()).filter(|h| !h.is_empty());
    let mut rows = Vec::new();
    let mut unmatched = Vec::new();
    let note = |k: &Key, kind: UnmatchedKind, why: Option<String>| Unmatched {
        host: host(k),
        workload: k.1.clone(),
        model: k.2.clone(),
        tasks: k.3,
        kind,
        why,
    };
    for (key, ga_key) in &ga {
        let Some(gb_key) = gb.get(key) else {
            unmatched.push(note(key, UnmatchedKind::OnlyInA, None));
            continue;
        };
        let (at, ar, bt, br) = (&ga_key.times, &ga_key.rss, &gb_key.times, &gb_key.rss);
        let kind = match (at.is_empty(), bt.is_empty()) {
            (false, true) => Some((UnmatchedKind::FailedInB, &gb_key.not_ok)),
            (true, false) => Some((UnmatchedKind::FailedInA, &ga_key.not_ok)),
            (true, true) => Some((UnmatchedKind::FailedInBoth, &ga_key.not_ok)),
            (false, false) => None,
        };
        if let Some((kind, why)) = kind {
            unmatched.push(note(key, kind, Some(why.clone().unwrap_or_default())));
            continue;
        }
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
            host: host(key),
            workload: key.1.clone(),
            model: key.2.clone(),
            tasks: key.3,
            a_time,
            b_time,
            a_rss: median(&mut ar.clone()).unwrap_or(0.0),
            b_rss: median(&mut br.clone()).unwrap_or(0.0),
            a_runs: at.len(),
            b_runs: bt.len(),
            ratio,
            noise,
            verdict,
        });
    }
    for key in gb.keys().filter(|k| !ga.contains_key(*k)) {
        unmatched.push(note(key, UnmatchedKind::OnlyInB, None));
    }
    let regressed = rows.iter().any(|r| r.verdict == Change::Slower)
        || unmatched.iter().any(|u| u.kind == UnmatchedKind::FailedInB);
    Comparison {
        rows,
        unmatched,
        regressed,
        code_changed: code_changes(&ga, &gb),
    }
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
    fn an_edit_of_the_users_task_is_named_and_its_cells_are_not_compared() {
        let task = |sha: &str, fns: &str| {
            let mut c = cell(10, 1.0, Status::Ok);
            c.workload = format!("py-task:file=t.py,{fns},sha={sha}");
            c
        };
        let a = results(vec![task("aaaa", "fn=f"), cell(10, 1.0, Status::Ok)]);
        let b = results(vec![task("bbbb", "fn=f"), cell(10, 1.0, Status::Ok)]);
        let c = compare(&a, &b);
        assert_eq!(c.rows.len(), 1, "only sleep:1s is compared");
        assert_eq!(
            c.code_changed,
            vec![CodeChange {
                a: "py-task:file=t.py,fn=f,sha=aaaa".into(),
                b: "py-task:file=t.py,fn=f,sha=bbbb".into(),
            }]
        );
        // Another function of the same file is another task, not an edit.
        let other = results(vec![task("bbbb", "fn=g")]);
        assert!(compare(&a, &other).code_changed.is_empty());
        assert!(compare(&a, &a).code_changed.is_empty());
    }

    #[test]
    fn a_failure_in_b_is_named_as_such_and_is_a_regression() {
        let a = results(vec![cell(10, 1.0, Status::Ok), cell(100, 1.0, Status::Ok)]);
        let b = results(vec![cell(10, 1.0, Status::Ok), cell(100, 0.0, Status::Failed)]);
        let c = compare(&a, &b);
        assert_eq!(c.rows.len(), 1);
        assert_eq!(c.rows[0].verdict, Change::Same);
        assert!(c.regressed);
        let notes: Vec<String> = c.unmatched.iter().map(ToString::to_string).collect();
        assert!(
            notes[0].starts_with("failed in B, ok in A: sleep:1s rs-thread 100 tasks (failed: pid_max)"),
            "{notes:?}"
        );
        assert_eq!(c.regressions_beyond(0.5), vec![notes[0].clone()]);
        // The other way round is an improvement, not a regression.
        let c = compare(&b, &a);
        assert!(!c.regressed && c.unmatched[0].kind == UnmatchedKind::FailedInA);
        assert!(c.regressions_beyond(0.0).is_empty());
        // Slower beyond the noise is a regression too.
        let slow = results(vec![cell(10, 1.5, Status::Ok), cell(100, 1.0, Status::Ok)]);
        let c = compare(&a, &slow);
        assert!(c.regressed && c.rows[0].verdict == Change::Slower);
    }

    #[test]
    fn the_gate_needs_both_the_threshold_and_the_noise() {
        let a = results(vec![cell(10, 1.0, Status::Ok), cell(1, 1.0, Status::Ok)]);
        let b = results(vec![cell(10, 1.5, Status::Ok), cell(1, 1.05, Status::Ok)]);
        let c = compare(&a, &b);
        // 1.5x: beyond 10% and 40%, not beyond 60%.
        assert_eq!(
            c.regressions_beyond(0.4),
            vec!["sleep:1s rs-thread 10 tasks: 1.50x A's time"]
        );
        assert!(c.regressions_beyond(0.6).is_empty());
        // 1.05x is beyond a 1% threshold but within the 10% noise floor.
        assert_eq!(c.regressions_beyond(0.01).len(), 1);
        assert_eq!(c.rows[0].tasks, 1);
        assert!(!c.rows[0].slower_beyond(0.01));
        assert_eq!(c.unmatched, vec![]);
    }

    #[test]
    fn spread_is_relative_to_the_median() {
        assert_eq!(spread(&[1.0]), 0.0);
        assert!((spread(&[0.9, 1.0, 1.3]) - 0.4).abs() < 1e-9);
    }
}
