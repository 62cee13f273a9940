//! From cells to conclusions: medians over repeats, the winner at each task count, bytes
//! per task, crossover points and where each model failed.
//!
//! Only `ok` cells count towards speed and memory; a model that failed is reported where
//! it failed instead of being compared on the tasks it managed.

pub mod advice;
pub mod claims;
pub mod compare;
pub mod stats;
pub mod verdict;

use std::collections::{BTreeMap, BTreeSet};

use crate::results::{Analysis, CellResult, Crossover, FailurePoint, Status, Winner, WorkloadAnalysis};

/// The least margin that names a winner, even when repeats agree exactly: 2%.
const MIN_MARGIN: f64 = 0.02;

/// Relative spread ((max - min) / median) of time and of peak RSS over the repeats of
/// each (model, tasks) of a workload.
fn spreads(cells: &[CellResult], workload: &str) -> BTreeMap<(String, usize), [f64; 2]> {
    let groups = ok_groups(cells, workload);
    let rel = |v: &mut Vec<f64>| match median(v) {
        Some(m) if m > 0.0 => (v[v.len() - 1] - v[0]) / m,
        _ => 0.0,
    };
    groups
        .into_iter()
        .map(|(k, (mut t, mut m))| (k, [rel(&mut t), rel(&mut m)]))
        .collect()
}

/// How much faster a model must be to count as a crossover: 10%.
const CROSSOVER_MARGIN: f64 = 1.10;

/// The figure a cell is judged on for speed: the work time, or the wall time when the
/// cell reported none.
pub fn cell_time(c: &CellResult) -> f64 {
    c.work_s.unwrap_or(c.wall_s)
}

pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// Work times and peak RSS of the `ok` cells of one workload, by (model, tasks).
type Groups = BTreeMap<(String, usize), (Vec<f64>, Vec<f64>)>;

fn ok_groups(cells: &[CellResult], workload: &str) -> Groups {
    let mut groups = Groups::new();
    for c in cells
        .iter()
        .filter(|c| c.workload == workload && c.status == Status::Ok && !c.baseline)
    {
        let g = groups.entry((c.model.clone(), c.tasks)).or_default();
        g.0.push(cell_time(c));
        g.1.push(c.peak_rss_bytes as f64);
    }
    groups
}

/// Medians of the `ok` cells of one workload: (model, tasks) -> (time s, peak RSS bytes).
pub fn medians(cells: &[CellResult], workload: &str) -> BTreeMap<(String, usize), (f64, f64)> {
    let groups = ok_groups(cells, workload);
    groups
        .into_iter()
        .filter_map(|(k, (mut t, mut m))| Some((k, (median(&mut t)?, median(&mut m)?))))
        .collect()
}

/// Least-squares slope of y over x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The results document from a sweep's header and cells, with the analysis of them.
pub fn document(
    header: crate::results::SweepHeader,
    cells: Vec<CellResult>,
    baselines: Vec<CellResult>,
    finished_at: String,
    interrupted: bool,
) -> crate::results::Results {
    let analysis = analyze(&cells, &baselines, &header.plan.workloads, &header.plan.models);
    crate::results::Results {
        schema: header.schema,
        tool: header.tool,
        started_at: header.started_at,
        finished_at,
        interrupted,
        environment: header.environment,
        plan: header.plan,
        cells,
        baselines,
        analysis,
        claims: Vec::new(),
    }
}

pub fn analyze(cells: &[CellResult], baselines: &[CellResult], workloads: &[String], models: &[String]) -> Analysis {
    Analysis {
        workloads: workloads
            .iter()
            .map(|w| analyze_workload(cells, baselines, w, models))
            .collect(),
    }
}

fn analyze_workload(
    cells: &[CellResult],
    baselines: &[CellResult],
    workload: &str,
    models: &[String],
) -> WorkloadAnalysis {
    let med = medians(cells, workload);
    let task_counts: BTreeSet<usize> = med.keys().map(|k| k.1).collect();

    let spreads = spreads(cells, workload);
    let winners = task_counts
        .iter()
        .map(|&n| {
            let mut notes = Vec::new();
            let mut pick = |what: &str, value: fn(&(f64, f64)) -> f64, which: usize| {
                let mut here: Vec<(&String, f64)> = med
                    .iter()
                    .filter(|(k, _)| k.1 == n)
                    .map(|(k, v)| (&k.0, value(v)))
                    .collect();
                here.sort_by(|a, b| a.1.total_cmp(&b.1));
                match here.as_slice() {
                    [] => None,
                    [(only, _)] => Some((*only).clone()),
                    [(first, a), (second, b), ..] => {
                        let noise = MIN_MARGIN
                            .max(spreads.get(&((*first).clone(), n)).map_or(0.0, |s| s[which]))
                            .max(spreads.get(&((*second).clone(), n)).map_or(0.0, |s| s[which]));
                        if *b > a * (1.0 + noise) {
                            Some((*first).clone())
                        } else {
                            notes.push(format!(
                                "{what} too close to call: {first} and {second} within {:.0}%",
                                noise * 100.0
                            ));
                            None
                        }
                    }
                }
            };
            let by_time = pick("time", |v| v.0, 0);
            let by_memory = pick("memory", |v| v.1, 1);
            let note = (!notes.is_empty()).then(|| notes.join("; "));
            Winner {
                tasks: n,
                by_time,
                by_memory,
                note,
            }
        })
        .collect();

    let mut bytes_per_task = BTreeMap::new();
    for model in models {
        if let Some(s) = bytes_per_task_of(cells, baselines, workload, model) {
            bytes_per_task.insert(model.clone(), s);
        }
    }

    let mut crossover = Vec::new();
    for faster in models {
        for slower in models.iter().filter(|m| *m != faster) {
            if let Some(from_tasks) = crossover_point(&med, faster, slower) {
                crossover.push(Crossover {
                    faster: faster.clone(),
                    slower: slower.clone(),
                    from_tasks,
                });
            }
        }
    }

    let mut failures = Vec::new();
    for model in models {
        let first = cells
            .iter()
            .filter(|c| c.workload == workload && &c.model == model && !c.baseline)
            .filter(|c| !matches!(c.status, Status::Ok | Status::Skipped))
            .min_by_key(|c| c.tasks);
        // A cell that did not end ok always says why.
        if let Some((c, f)) = first.and_then(|c| Some((c, c.failure.clone()?))) {
            failures.push(FailurePoint {
                model: model.clone(),
                tasks: c.tasks,
                status: c.status,
                kind: f.kind,
                at_task: f.at_task,
                limit: f.limit,
            });
        }
    }
    let cell_stats = stats::cell_stats(cells, workload);
    let scaling = stats::scaling(&cell_stats);
    WorkloadAnalysis {
        workload: workload.to_string(),
        bytes_per_task,
        winners,
        crossover,
        failures,
        stats: cell_stats,
        scaling,
    }
}

/// Memory per task of one model: the slope of median peak RSS over task counts. Models
/// that run every task at once include their baseline (N = 0); queueing models use only
/// the counts where their queue is full, so their fixed pool is not mistaken for a
/// per-task cost.
fn bytes_per_task_of(cells: &[CellResult], baselines: &[CellResult], workload: &str, model: &str) -> Option<f64> {
    let ok: Vec<&CellResult> = cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model && c.status == Status::Ok && !c.baseline)
        .collect();
    let queueing = ok.iter().any(|c| c.concurrency.is_some_and(|k| k < c.tasks));
    let mut by_tasks: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for c in ok
        .iter()
        .filter(|c| !queueing || c.concurrency.is_some_and(|k| k < c.tasks))
    {
        by_tasks.entry(c.tasks).or_default().push(c.peak_rss_bytes as f64);
    }
    let mut points: Vec<(f64, f64)> = by_tasks
        .into_iter()
        .filter_map(|(n, mut v)| Some((n as f64, median(&mut v)?)))
        .collect();
    if !queueing {
        if let Some(b) = baselines.iter().find(|b| b.model == model && b.status == Status::Ok) {
            points.push((0.0, b.peak_rss_bytes as f64));
        }
    }
    slope(&points)
}

/// The smallest task count from which `faster` is at least 10% faster than `slower` at
/// every count both completed; `None` if it is not so at the largest common count.
fn crossover_point(med: &BTreeMap<(String, usize), (f64, f64)>, faster: &str, slower: &str) -> Option<usize> {
    let common: Vec<(usize, f64, f64)> = med
        .iter()
        .filter(|(k, _)| k.0 == faster)
        .filter_map(|(k, v)| med.get(&(slower.to_string(), k.1)).map(|s| (k.1, v.0, s.0)))
        .collect();
    let mut from = None;
    for &(n, tf, ts) in common.iter().rev() {
        if ts >= tf * CROSSOVER_MARGIN {
            from = Some(n);
        } else {
            break;
        }
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::parent::{unrun, CellMeta};
    use crate::results::{Failure, FailureKind};
    use std::time::Duration;

    fn cell(model: &str, tasks: usize, time: f64, rss: u64, status: Status) -> CellResult {
        let meta = CellMeta {
            index: 1,
            workload: "sleep:1s".into(),
            model: model.into(),
            tasks,
            repeat: 0,
            baseline: tasks == 0,
        };
        let failure = Failure {
            kind: FailureKind::SpawnLimit,
            message: String::new(),
            at_task: Some(5),
            limit: Some("pid_max".into()),
        };
        let mut c = unrun(meta, status, failure, Duration::from_secs(60));
        if status == Status::Ok {
            c.failure = None;
        }
        c.work_s = Some(time);
        c.peak_rss_bytes = rss;
        c
    }

    #[test]
    fn a_pool_is_charged_per_queued_task_not_per_worker() {
        let mut cells = vec![
            cell("pool", 2, 1.0, 2_000_000, Status::Ok),
            cell("pool", 100, 25.0, 3_000_000, Status::Ok),
            cell("pool", 1000, 250.0, 3_001_000, Status::Ok),
        ];
        for (c, k) in cells.iter_mut().zip([2, 4, 4]) {
            c.concurrency = Some(k);
        }
        let baselines = vec![cell("pool", 0, 0.0, 1_000_000, Status::Ok)];
        let a = &analyze(&cells, &baselines, &["sleep:1s".into()], &["pool".into()]).workloads[0];
        assert!(
            (a.bytes_per_task["pool"] - 1.111).abs() < 0.01,
            "{:?}",
            a.bytes_per_task
        );
    }

    #[test]
    fn close_results_are_not_called_wins() {
        let mut cells = vec![
            cell("a", 10, 1.000, 1_000_000, Status::Ok),
            cell("b", 10, 1.005, 2_000_000, Status::Ok),
            // Repeats of c vary by 30%, so a 20% lead over it is noise.
            cell("c", 100, 1.0, 1_000_000, Status::Ok),
            cell("c", 100, 1.3, 1_000_000, Status::Ok),
            cell("d", 100, 1.4, 1_000_000, Status::Ok),
        ];
        cells[3].repeat = 1;
        let models: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let a = &analyze(&cells, &[], &["sleep:1s".into()], &models).workloads[0];
        assert_eq!(a.winners[0].by_time, None);
        assert_eq!(a.winners[0].by_memory.as_deref(), Some("a"));
        assert!(a.winners[0]
            .note
            .as_deref()
            .unwrap()
            .contains("time too close to call: a and b"));
        assert_eq!(a.winners[1].by_time, None, "{:?}", a.winners[1]);
        assert_eq!(a.winners[1].by_memory, None);
    }

    #[test]
    fn slope_is_least_squares() {
        assert_eq!(slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]), Some(2.0));
        assert_eq!(slope(&[(1.0, 1.0)]), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn winners_bytes_crossover_and_failures() {
        let cells = vec![
            cell("thread", 10, 1.00, 1_200_000, Status::Ok),
            cell("async", 10, 1.05, 1_010_000, Status::Ok),
            cell("thread", 1000, 1.50, 21_000_000, Status::Ok),
            cell("async", 1000, 1.01, 2_000_000, Status::Ok),
            cell("thread", 10000, 0.0, 0, Status::Failed),
            cell("async", 10000, 1.02, 11_000_000, Status::Ok),
        ];
        let baselines = vec![
            cell("thread", 0, 0.0, 1_000_000, Status::Ok),
            cell("async", 0, 0.0, 1_000_000, Status::Ok),
        ];
        let models = vec!["thread".to_string(), "async".to_string()];
        let a = &analyze(&cells, &baselines, &["sleep:1s".into()], &models).workloads[0];
        assert_eq!(a.winners[0].by_time.as_deref(), Some("thread"));
        assert_eq!(a.winners[1].by_time.as_deref(), Some("async"));
        assert_eq!(a.winners[2].by_memory.as_deref(), Some("async"));
        assert!(
            (a.bytes_per_task["thread"] - 20_000.0).abs() < 100.0,
            "{:?}",
            a.bytes_per_task
        );
        assert!(
            (a.bytes_per_task["async"] - 1_000.0).abs() < 10.0,
            "{:?}",
            a.bytes_per_task
        );
        assert_eq!(
            a.crossover,
            vec![Crossover {
                faster: "async".into(),
                slower: "thread".into(),
                from_tasks: 1000
            }]
        );
        assert_eq!(a.failures.len(), 1);
        assert_eq!((a.failures[0].model.as_str(), a.failures[0].tasks), ("thread", 10000));
        assert_eq!(a.failures[0].at_task, Some(5));
    }
}
