//! The analysis of a sweep: per workload, the winner at each task count (by the noise
//! rule), bytes per task, crossover points and where each model failed; per host when the
//! results came from several.

use std::collections::{BTreeMap, BTreeSet};

use super::cells::{medians, ok_groups, peaks, reached};
use super::per_task::bytes_per_task_of;
use super::{noise, stats};
use crate::results::{Analysis, CellResult, Crossover, FailurePoint, Status, Winner, WorkloadAnalysis};
use crate::units::format_count;

/// The noise of time and of peak RSS at each (model, tasks) of a workload: the relative
/// spread over its repeats (the noise rule's, [`noise::relative`]).
fn noise(cells: &[CellResult], workload: &str) -> BTreeMap<(String, usize), [f64; 2]> {
    ok_groups(cells, workload)
        .into_iter()
        .map(|(k, g)| {
            let (mut t, mut m) = (g.times, g.rss);
            (k, [noise::relative(&mut t), noise::relative(&mut m)])
        })
        .collect()
}

/// How much faster a model must be to count as a crossover: 10%.
const CROSSOVER_MARGIN: f64 = 1.10;

/// The results document from a sweep's header and cells, with the analysis of them.
pub fn document(
    header: crate::results::SweepHeader,
    cells: Vec<CellResult>,
    baselines: Vec<CellResult>,
    finished_at: String,
    interrupted: bool,
) -> crate::results::Results {
    let analysis = analyze_hosts(&cells, &baselines, &header.plan.workloads, &header.plan.models);
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
        capacity: None,
        merged: None,
    }
}

/// The machines a document's cells ran on, in the order they first appear; empty for a
/// document from one machine (its cells carry no `host`).
pub fn hosts(cells: &[CellResult], baselines: &[CellResult]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in cells.iter().chain(baselines).filter_map(|c| c.host.as_ref()) {
        if !out.contains(h) {
            out.push(h.clone());
        }
    }
    out
}

/// [`analyze`], per machine when the cells ran on more than one: numbers from different
/// kinds of machine are never compared with each other, so each gets its own winners,
/// crossovers and failures, its workloads' analyses tagged with its name.
pub fn analyze_hosts(
    cells: &[CellResult],
    baselines: &[CellResult],
    workloads: &[String],
    models: &[String],
) -> Analysis {
    let hosts = hosts(cells, baselines);
    if hosts.len() < 2 {
        return analyze(cells, baselines, workloads, models);
    }
    let mut out = Analysis::default();
    for host in hosts {
        let on = |c: &&CellResult| c.host.as_ref() == Some(&host);
        let here: Vec<CellResult> = cells.iter().filter(on).cloned().collect();
        let base: Vec<CellResult> = baselines.iter().filter(on).cloned().collect();
        let mut a = analyze(&here, &base, workloads, models);
        for wa in &mut a.workloads {
            wa.host = Some(host.clone());
        }
        out.workloads.extend(a.workloads);
    }
    out
}

/// A document from several machines as one document per machine (its cells, baselines,
/// analysis and environment), for reports that speak of one machine at a time; `None`
/// for a document from one machine.
pub fn by_host(results: &crate::results::Results) -> Option<Vec<(String, crate::results::Results)>> {
    let hosts = hosts(&results.cells, &results.baselines);
    if hosts.len() < 2 {
        return None;
    }
    let views = hosts
        .into_iter()
        .map(|host| {
            let mut r = results.clone();
            let on = |c: &CellResult| c.host.as_ref() == Some(&host);
            r.cells.retain(on);
            r.baselines.retain(on);
            r.analysis.workloads.retain(|wa| wa.host.as_ref() == Some(&host));
            if let Some(env) = results
                .merged
                .as_ref()
                .and_then(|m| m.hosts.iter().find(|h| h.name == host))
            {
                r.environment = env.environment.clone();
            }
            r.merged = None;
            (host, r)
        })
        .collect();
    Some(views)
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

    let noise = noise(cells, workload);
    let peaks = peaks(cells, workload);
    let winners = task_counts
        .iter()
        .map(|&n| winner_at(n, &med, &noise, &peaks))
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
            if let Some(from_tasks) = crossover_point(&med, &noise, faster, slower) {
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
                message: Some(f.message),
            });
        }
    }
    let cell_stats = stats::cell_stats(cells, workload);
    let scaling = stats::scaling(&cell_stats);
    let mut wa = WorkloadAnalysis {
        workload: workload.to_string(),
        host: None,
        bytes_per_task,
        winners,
        crossover,
        failures,
        stats: cell_stats,
        scaling,
        reading: None,
    };
    wa.reading = Some(super::reading::reading(cells, baselines, &wa, models));
    wa
}

/// The winners at `n` tasks. Time: the fastest beyond the noise of both leaders, saying
/// how many it ran at once when that was fewer than asked. Memory: the leanest among the
/// cells that reached `n` tasks at once; leaner ones that did not are named in the note.
fn winner_at(
    n: usize,
    med: &BTreeMap<(String, usize), (f64, f64)>,
    noise: &BTreeMap<(String, usize), [f64; 2]>,
    peaks: &BTreeMap<(String, usize), u64>,
) -> Winner {
    let peak = |m: &String| peaks.get(&(m.clone(), n)).copied();
    let mut notes = Vec::new();
    let mut pick = |what: &str, which: usize, only_reached: bool| {
        let mut here: Vec<(&String, f64)> = med
            .iter()
            .filter(|(k, _)| k.1 == n)
            .map(|(k, v)| (&k.0, if which == 0 { v.0 } else { v.1 }))
            .collect();
        here.sort_by(|a, b| a.1.total_cmp(&b.1));
        if only_reached {
            type Ranked<'a> = Vec<(&'a String, f64)>;
            let (full, short): (Ranked, Ranked) = here.iter().partition(|(m, _)| reached(peak(m), n));
            if let Some((m, _)) = short.first().filter(|s| full.first().is_none_or(|f| s.1 < f.1)) {
                notes.push(format!(
                    "{what}: {m} left out, it ran at most {} of {} tasks at once",
                    format_count(peak(m).unwrap_or(0) as usize),
                    format_count(n)
                ));
            }
            here = full;
        }
        match here.as_slice() {
            [] => None,
            [(only, _)] => Some((*only).clone()),
            [(first, a), (second, b), ..] => {
                let of = |m: &String| noise.get(&(m.clone(), n)).map_or(0.0, |s| s[which]);
                let margin = noise::margin(of(first), of(second));
                if noise::apart(*a, *b, margin) {
                    Some((*first).clone())
                } else {
                    notes.push(format!(
                        "{what} too close to call: {first} and {second} within {:.0}%",
                        margin * 100.0
                    ));
                    None
                }
            }
        }
    };
    let by_time = pick("time", 0, false);
    let by_memory = pick("memory", 1, true);
    let by_time_at_most = by_time.as_ref().and_then(peak).filter(|&p| !reached(Some(p), n));
    Winner {
        tasks: n,
        by_time,
        by_time_at_most,
        by_memory,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// The smallest task count from which `faster` is at least 10% faster than `slower`, and
/// beyond the spread of both one's repeats, at every count both completed; `None` if it
/// is not so at the largest common count.
fn crossover_point(
    med: &BTreeMap<(String, usize), (f64, f64)>,
    noise: &BTreeMap<(String, usize), [f64; 2]>,
    faster: &str,
    slower: &str,
) -> Option<usize> {
    let common: Vec<(usize, f64, f64)> = med
        .iter()
        .filter(|(k, _)| k.0 == faster)
        .filter_map(|(k, v)| med.get(&(slower.to_string(), k.1)).map(|s| (k.1, v.0, s.0)))
        .collect();
    let of = |m: &str, n: usize| noise.get(&(m.to_string(), n)).map_or(0.0, |s| s[0]);
    let mut from = None;
    for &(n, tf, ts) in common.iter().rev() {
        let margin = CROSSOVER_MARGIN.max(1.0 + of(faster, n).max(of(slower, n)));
        if ts >= tf * margin {
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
    use crate::analyze::numbers::{median, slope};
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
    fn only_cells_that_ran_every_task_at_once_win_memory() {
        // py-thread asked for 10,000 but had at most 154 alive: leanest, and left out.
        let mut cells = vec![
            cell("py-thread", 10000, 6.9, 40_000_000, Status::Ok),
            cell("py-asyncio", 10000, 3.3, 130_000_000, Status::Ok),
            cell("rs-async", 10000, 1.1, 110_000_000, Status::Ok),
        ];
        cells[0].peak_in_flight = Some(154);
        cells[1].peak_in_flight = Some(10000);
        cells[2].peak_in_flight = Some(9_600);
        let models: Vec<String> = cells.iter().map(|c| c.model.clone()).collect();
        let w = &analyze(&cells, &[], &["sleep:1s".into()], &models).workloads[0].winners[0];
        assert_eq!(w.by_memory.as_deref(), Some("rs-async"), "{w:?}");
        assert!(
            w.note
                .as_deref()
                .unwrap()
                .contains("py-thread left out, it ran at most 154 of 10,000"),
            "{w:?}"
        );
        assert_eq!((w.by_time.as_deref(), w.by_time_at_most), (Some("rs-async"), None));

        // A time win by a model that ran fewer at once says how many.
        cells[2].peak_in_flight = Some(6_426);
        let w = &analyze(&cells, &[], &["sleep:1s".into()], &models).workloads[0].winners[0];
        assert_eq!(
            (w.by_time.as_deref(), w.by_time_at_most),
            (Some("rs-async"), Some(6_426))
        );
    }

    #[test]
    fn memory_per_task_counts_only_tasks_that_ran_at_once() {
        // 10,000 asked, 200 alive: that cell says nothing about 10,000 tasks at once.
        let mut cells = vec![
            cell("py-thread", 1000, 1.0, 11_000_000, Status::Ok),
            cell("py-thread", 10000, 7.0, 13_000_000, Status::Ok),
        ];
        cells[0].peak_in_flight = Some(1000);
        cells[1].peak_in_flight = Some(200);
        let baselines = vec![cell("py-thread", 0, 0.0, 1_000_000, Status::Ok)];
        let models = ["py-thread".to_string()];
        let a = &analyze(&cells, &baselines, &["sleep:1s".into()], &models).workloads[0];
        assert!(
            (a.bytes_per_task["py-thread"] - 10_000.0).abs() < 1.0,
            "{:?}",
            a.bytes_per_task
        );
        cells[0].peak_in_flight = Some(100);
        let a = &analyze(&cells, &baselines, &["sleep:1s".into()], &models).workloads[0];
        assert!(a.bytes_per_task.is_empty(), "{:?}", a.bytes_per_task);
    }

    #[test]
    fn memory_per_task_leaves_out_what_the_work_costs_once() {
        // 2 MB that the first task maps (code, buffers) over a baseline that ran none: at
        // 10 tasks it would read as 200 kB per task.
        let cells = vec![
            cell("thread", 10, 1.0, 3_100_000, Status::Ok),
            cell("thread", 100, 1.0, 4_000_000, Status::Ok),
        ];
        let baselines = vec![cell("thread", 0, 0.0, 1_000_000, Status::Ok)];
        let models = ["thread".to_string()];
        let per_task = |cells: &[CellResult]| {
            analyze(cells, &baselines, &["sleep:1s".into()], &models).workloads[0]
                .bytes_per_task
                .get("thread")
                .copied()
        };
        // Two counts: the cost of each task more.
        assert_eq!(per_task(&cells), Some(10_000.0));
        // One count of 10 says nothing per task; one of 100 is measured from the baseline.
        assert_eq!(per_task(&cells[..1]), None);
        assert_eq!(per_task(&cells[1..]), Some(30_000.0));
    }

    #[test]
    fn failed_tasks_win_nothing() {
        let mut cells = vec![
            cell("a", 10, 0.002, 1_000_000, Status::Errors),
            cell("b", 10, 1.0, 2_000_000, Status::Ok),
        ];
        cells[0].tasks_failed = 10;
        let models = vec!["a".to_string(), "b".to_string()];
        let a = &analyze(&cells, &[], &["sleep:1s".into()], &models).workloads[0];
        assert_eq!(a.winners[0].by_time.as_deref(), Some("b"));
        assert!(!a.bytes_per_task.contains_key("a"));
        assert_eq!(a.failures[0].model, "a");
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
            cell("async", 10, 1.15, 1_010_000, Status::Ok),
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
