//! The seed article's question, "threading or asyncio in Python?", answered from a
//! sweep's readings in the article's own shape: the pick per workload with the measured
//! crossover, performance at 10, 100 and 1,000+ tasks, memory at 1,000 tasks (resident
//! and reserved), the gotchas with their figures, and the claims' verdicts. Every figure
//! carries the cell it came from; `report::answer` puts it into words.

use std::str::FromStr;

use super::noise;
use super::numbers::median;
use crate::model::ModelSpec;
use crate::results::reading::{Language, LanguagePick, Why};
use crate::results::{CellResult, CellStats, ClaimResult, Results, Spread, Status, WorkloadAnalysis};
use crate::workload::WorkloadSpec;

/// Where a figure came from: the `ok` cells of one (workload, model, tasks).
#[derive(Debug, Clone, PartialEq)]
pub struct CellRef {
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    /// The runs the median rests on.
    pub runs: usize,
}

/// A median and its cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Fig {
    pub value: f64,
    pub cell: CellRef,
}

/// The Python pick for one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixRow {
    pub workload: String,
    /// The task count the pick is made at (the reading's headline count).
    pub tasks: usize,
    pub pick: LanguagePick,
    /// Work time of each Python model at `tasks`, fastest first.
    pub times: Vec<Fig>,
    /// The reasons the reading gives for the Python models behind.
    pub why: Vec<Why>,
}

/// How two models compare at one count, by the noise rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// Within the noise of each other.
    Similar,
    /// `model` is faster by `ratio` (slower / faster).
    Faster { model: String, ratio: f64 },
}

/// Threads against asyncio at one of the article's scales.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleRow {
    /// The article's scale the count falls in: `10` (below 100), `100` (below 1,000) or
    /// `1,000+`.
    pub scale: &'static str,
    pub tasks: usize,
    pub thread: Fig,
    pub asyncio: Fig,
    pub call: Call,
}

/// The article's "Memory at 1000 tasks", measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub thread_rss: Fig,
    pub thread_vm: Fig,
    pub asyncio_rss: Fig,
    pub asyncio_vm: Fig,
    /// Bytes per task (slope over tasks), resident, of the thread and asyncio models.
    pub thread_per_task: Option<f64>,
    pub asyncio_per_task: Option<f64>,
}

/// A blocking call on the event loop: how late the loop's heartbeat was.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopLag {
    pub lag_p99_ms: Fig,
    pub call_ms: f64,
    /// The work time beside it under a thread per task, same workload and count.
    pub thread_time: Option<Fig>,
    pub asyncio_time: Fig,
}

/// aiohttp's connector limit (100 by default): the limited model against an unlimited one.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionLimit {
    pub limit: usize,
    pub limited_time: Fig,
    /// Peak open file descriptors (its sockets, and a few more) of each.
    pub limited_fds: Fig,
    pub unlimited_time: Fig,
    pub unlimited_fds: Fig,
}

/// The article's question answered from one results document and its claims.
#[derive(Debug, Clone)]
pub struct Answer {
    pub matrix: Vec<MatrixRow>,
    pub scale: Vec<ScaleRow>,
    pub memory: Option<Memory>,
    pub loop_lag: Option<LoopLag>,
    pub connection_limit: Option<ConnectionLimit>,
    pub claims: Vec<ClaimResult>,
    /// Cells behind it (the sweep's, and the claims' when given) and the sweep's repeats.
    pub cells: usize,
    pub runs: usize,
}

fn py(model: &str) -> Option<crate::model::PyModel> {
    match ModelSpec::from_str(model) {
        Ok(ModelSpec::Python(p)) => Some(p),
        _ => None,
    }
}

/// The plain model of a Python base (`py-thread`, `py-asyncio`): no library, split or size.
fn plain(results: &Results, base: &str) -> Option<String> {
    results.plan.models.iter().find_map(|m| {
        let p = py(m)?;
        (p.base == base && p.lib.is_none() && p.split.is_none() && p.size.is_none() && !p.eager).then(|| m.clone())
    })
}

fn stats<'a>(wa: &'a WorkloadAnalysis, model: &str, tasks: usize) -> Option<&'a CellStats> {
    wa.stats.iter().find(|s| s.model == model && s.tasks == tasks)
}

fn fig(wa: &WorkloadAnalysis, model: &str, tasks: usize, pick: fn(&CellStats) -> Option<&Spread>) -> Option<Fig> {
    let s = pick(stats(wa, model, tasks)?)?;
    Some(Fig {
        value: s.median,
        cell: CellRef {
            workload: wa.workload.clone(),
            model: model.to_string(),
            tasks,
            runs: s.n,
        },
    })
}

/// The median of `f` over the `ok` cells of (workload, model, tasks), as a figure.
fn cell_fig(
    cells: &[CellResult],
    w: &str,
    model: &str,
    tasks: usize,
    f: fn(&CellResult) -> Option<f64>,
) -> Option<Fig> {
    let mut v: Vec<f64> = cells
        .iter()
        .filter(|c| c.workload == w && c.model == model && c.tasks == tasks && c.status == Status::Ok)
        .filter_map(f)
        .collect();
    let runs = v.len();
    Some(Fig {
        value: median(&mut v)?,
        cell: CellRef {
            workload: w.to_string(),
            model: model.to_string(),
            tasks,
            runs,
        },
    })
}

/// Which of two timed models is faster, by the winners' noise rule.
fn call(wa: &WorkloadAnalysis, a: &str, b: &str, n: usize) -> Option<Call> {
    let sa = stats(wa, a, n)?.time_s.as_ref()?;
    let sb = stats(wa, b, n)?.time_s.as_ref()?;
    let margin = noise::margin(noise::of_spread(sa), noise::of_spread(sb));
    let (fast, fs, ss) = if sa.median <= sb.median {
        (a, sa, sb)
    } else {
        (b, sb, sa)
    };
    Some(match noise::apart(fs.median, ss.median, margin) {
        true => Call::Faster {
            model: fast.to_string(),
            ratio: ss.median / fs.median,
        },
        false => Call::Similar,
    })
}

/// The answer from a sweep's `results` and, when given, the results `conlab claims`
/// measured its `claims` on (`extra`): the claims' workloads that the sweep did not run
/// join the decision matrix, and the gotchas are looked for in both. No figure ever
/// mixes the two runs: each comes from one document's cells.
pub fn answer(results: &Results, extra: Option<&Results>, claims: &[ClaimResult]) -> Answer {
    let thread = plain(results, "py-thread");
    let asyncio = plain(results, "py-asyncio");
    let parsed = |wa: &WorkloadAnalysis| WorkloadSpec::from_str(&wa.workload).ok();
    let workloads = &results.analysis.workloads;
    let theirs = extra
        .into_iter()
        .flat_map(|x| &x.analysis.workloads)
        .filter(|wa| !workloads.iter().any(|w| w.workload == wa.workload));

    let matrix = workloads
        .iter()
        .chain(theirs)
        .filter_map(|wa| {
            let r = wa.reading.as_ref()?;
            let tasks = r.headline.tasks?;
            let pick = r
                .headline
                .languages
                .iter()
                .find(|p| p.language == Language::Python)?
                .clone();
            let mut times: Vec<Fig> = pick
                .best
                .iter()
                .chain(&pick.behind)
                .filter_map(|m| fig(wa, m, tasks, |s| s.time_s.as_ref()))
                .collect();
            times.sort_by(|a, b| a.value.total_cmp(&b.value));
            let why = r
                .rankings
                .iter()
                .filter(|x| x.metric == crate::results::reading::Metric::Time)
                .flat_map(|x| &x.why)
                .filter(|w| pick.behind.contains(&w.model))
                .cloned()
                .collect();
            Some(MatrixRow {
                workload: wa.workload.clone(),
                tasks,
                pick,
                times,
                why,
            })
        })
        .collect();

    // Performance at scale: the first I/O fan-out workload, at every count both models
    // finished, each under the article's scale it falls in (10, 100, 1,000+).
    let mut scale = Vec::new();
    let io = workloads
        .iter()
        .find(|wa| matches!(parsed(wa), Some(WorkloadSpec::Http(_))));
    if let (Some(wa), Some(t), Some(a)) = (io, &thread, &asyncio) {
        let mut counts: Vec<usize> = wa.stats.iter().map(|s| s.tasks).collect();
        counts.sort_unstable();
        counts.dedup();
        for n in counts {
            if let (Some(tf), Some(af), Some(c)) = (
                fig(wa, t, n, |s| s.time_s.as_ref()),
                fig(wa, a, n, |s| s.time_s.as_ref()),
                call(wa, t, a, n),
            ) {
                scale.push(ScaleRow {
                    scale: match n {
                        n if n < 100 => "10",
                        n if n < 1000 => "100",
                        _ => "1,000+",
                    },
                    tasks: n,
                    thread: tf,
                    asyncio: af,
                    call: c,
                });
            }
        }
    }

    // Memory at 1,000 tasks: the sleeping workload if there is one, else any at 1,000.
    let memory = (|| {
        let (t, a) = (thread.as_ref()?, asyncio.as_ref()?);
        let at_1000 = |wa: &&WorkloadAnalysis| stats(wa, t, 1000).is_some() && stats(wa, a, 1000).is_some();
        let wa = workloads
            .iter()
            .filter(at_1000)
            .find(|wa| matches!(parsed(wa), Some(WorkloadSpec::Sleep(_))))
            .or_else(|| workloads.iter().find(at_1000))?;
        let vm = |m: &str| cell_fig(&results.cells, &wa.workload, m, 1000, |c| Some(c.peak_vm_bytes as f64));
        Some(Memory {
            thread_rss: fig(wa, t, 1000, |s| s.peak_rss_bytes.as_ref())?,
            thread_vm: vm(t)?,
            asyncio_rss: fig(wa, a, 1000, |s| s.peak_rss_bytes.as_ref())?,
            asyncio_vm: vm(a)?,
            thread_per_task: wa.bytes_per_task.get(t).copied(),
            asyncio_per_task: wa.bytes_per_task.get(a).copied(),
        })
    })();

    let both = || std::iter::once(results).chain(extra);
    Answer {
        matrix,
        scale,
        memory,
        loop_lag: both().find_map(|r| loop_lag(r, plain(r, "py-thread").as_deref(), plain(r, "py-asyncio").as_deref())),
        connection_limit: both().find_map(connection_limit),
        claims: claims.to_vec(),
        cells: results.cells.len() + extra.map_or(0, |x| x.cells.len()),
        runs: results.plan.repeat,
    }
}

/// A blocking call on the loop: the asyncio model's heartbeat lag on a `blocking`
/// workload that does not offload, at its largest count.
fn loop_lag(results: &Results, thread: Option<&str>, asyncio: Option<&str>) -> Option<LoopLag> {
    let a = asyncio?;
    results.analysis.workloads.iter().find_map(|wa| {
        let Ok(WorkloadSpec::Blocking(b)) = WorkloadSpec::from_str(&wa.workload) else {
            return None;
        };
        if b.offload {
            return None;
        }
        let n = wa.stats.iter().filter(|s| s.model == a).map(|s| s.tasks).max()?;
        Some(LoopLag {
            lag_p99_ms: cell_fig(&results.cells, &wa.workload, a, n, |c| {
                c.loop_lag_ms.as_ref().map(|l| l.p99)
            })?,
            call_ms: b.call.as_secs_f64() * 1e3,
            thread_time: thread.and_then(|t| fig(wa, t, n, |s| s.time_s.as_ref())),
            asyncio_time: fig(wa, a, n, |s| s.time_s.as_ref())?,
        })
    })
}

/// aiohttp with a connector limit against aiohttp without one, at the largest count both
/// finished on one workload.
fn connection_limit(results: &Results) -> Option<ConnectionLimit> {
    let aiohttp = |m: &str| py(m).filter(|p| p.base == "py-asyncio" && p.lib == Some("aiohttp") && p.split.is_none());
    let limited = results.plan.models.iter().find_map(|m| Some((m, aiohttp(m)?.size?)))?;
    let unlimited = results
        .plan
        .models
        .iter()
        .find(|m| aiohttp(m).is_some_and(|p| p.size.is_none()))?;
    results.analysis.workloads.iter().find_map(|wa| {
        let n = wa
            .stats
            .iter()
            .filter(|s| &s.model == limited.0 && stats(wa, unlimited, s.tasks).is_some())
            .map(|s| s.tasks)
            .max()?;
        let fds = |m: &str| cell_fig(&results.cells, &wa.workload, m, n, |c| Some(c.peak_fds as f64));
        Some(ConnectionLimit {
            limit: limited.1,
            limited_time: fig(wa, limited.0, n, |s| s.time_s.as_ref())?,
            limited_fds: fds(limited.0)?,
            unlimited_time: fig(wa, unlimited, n, |s| s.time_s.as_ref())?,
            unlimited_fds: fds(unlimited)?,
        })
    })
}

#[cfg(test)]
mod tests;
