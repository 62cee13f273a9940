//! Why a model fell behind, from its measurements only: a ranking says py-thread took
//! 3 s, and this module says it never had more than 146 requests in flight because its
//! threads started more slowly than the requests ended. Each mechanism is named only when
//! the cell's own figures show it, and carries those figures.

use std::str::FromStr;

use super::cells::{cell_time, in_flight, reached};
use super::numbers::median;
use crate::model::ModelSpec;
use crate::results::reading::Mechanism;
use crate::results::{CellResult, FailureKind, FailurePoint, Status};
use crate::workload::WorkloadSpec;

/// A queue explains a time when the time is at least this share of the queue's floor.
const QUEUE_EXPLAINS: f64 = 0.8;

/// About one core: CPU seconds per work second within this range.
const ONE_CORE: (f64, f64) = (0.75, 1.25);

/// The work wanted more than one core when another model of it used at least this many.
const MORE_THAN_ONE_CORE: f64 = 1.4;

/// A loop is blocked by a call when its heartbeat's p99 lateness is at least this share
/// of the call (the heartbeat fires every 1 ms, so it is late by about the whole call).
const LAG_COVERS_CALL: f64 = 0.9;

/// A thread per task: a model that is not async whose peak threads were at least this
/// share of its peak in flight.
const THREAD_PER_TASK: f64 = 0.9;

/// Medians over the `ok` cells of one (model, tasks).
struct Figures {
    time_s: f64,
    peak_in_flight: Option<f64>,
    concurrency: Option<f64>,
    started_s: Option<f64>,
    task_ms: Option<f64>,
    cores_used: Option<f64>,
    loop_lag_p99_ms: Option<f64>,
    threads: f64,
    processes: f64,
}

fn figures(cells: &[&CellResult]) -> Option<Figures> {
    let med = |f: &dyn Fn(&CellResult) -> Option<f64>| {
        let mut v: Vec<f64> = cells.iter().filter_map(|c| f(c)).collect();
        median(&mut v)
    };
    Some(Figures {
        time_s: med(&|c| Some(cell_time(c)))?,
        peak_in_flight: med(&|c| in_flight(c).map(|p| p as f64)),
        concurrency: med(&|c| c.concurrency.map(|k| k as f64)),
        started_s: med(&|c| c.started_s),
        task_ms: med(&|c| c.latency_ms.as_ref().map(|l| l.p50)),
        cores_used: med(&|c| c.work_s.filter(|w| *w > 0.0).map(|w| (c.user_s + c.sys_s) / w)),
        loop_lag_p99_ms: med(&|c| c.loop_lag_ms.as_ref().map(|l| l.p99)),
        threads: med(&|c| Some(c.peak_threads as f64)).unwrap_or(0.0),
        processes: med(&|c| Some(c.peak_processes as f64)).unwrap_or(0.0),
    })
}

fn ok_at<'a>(cells: &'a [CellResult], workload: &str, model: &str, n: usize) -> Vec<&'a CellResult> {
    cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model && c.tasks == n)
        .filter(|c| c.status == Status::Ok && !c.baseline)
        .collect()
}

/// What held `model` back at `n` tasks, from its `ok` cells there (and, for the GIL, the
/// other models' cells at `n`).
pub fn held_back(cells: &[CellResult], workload: &str, model: &str, n: usize) -> Vec<Mechanism> {
    let Some(f) = figures(&ok_at(cells, workload, model, n)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // A blocked loop is why its tasks also started late: said once, as the cause.
    if let (Some(lag), Ok(WorkloadSpec::Blocking(b))) = (f.loop_lag_p99_ms, WorkloadSpec::from_str(workload)) {
        let call_ms = b.call.as_secs_f64() * 1e3;
        if !b.offload && call_ms > 0.0 && lag >= LAG_COVERS_CALL * call_ms {
            return vec![Mechanism::LoopBlocked {
                loop_lag_p99_ms: lag,
                call_ms,
            }];
        }
    }
    let spec = ModelSpec::from_str(model).ok();
    let queued = f.concurrency.is_some_and(|k| k < n as f64);
    if let (Some(peak), Some(started), Some(task_ms)) = (f.peak_in_flight, f.started_s, f.task_ms) {
        let short = !reached(Some(peak.round() as u64), n);
        if !queued && short && started > 0.0 && started * 1e3 > task_ms {
            let async_model = spec.as_ref().is_some_and(ModelSpec::is_async);
            out.push(Mechanism::StartBound {
                peak_in_flight: peak.round() as u64,
                starts_per_s: n as f64 / started,
                started_s: started,
                task_ms,
                threads: !async_model && f.threads >= THREAD_PER_TASK * peak,
            });
        }
    }
    if let (true, Some(width), Some(task_ms)) = (queued, f.concurrency, f.task_ms) {
        let floor_s = queue_floor(n, width, task_ms);
        if f.time_s >= QUEUE_EXPLAINS * floor_s {
            out.push(Mechanism::QueueBound {
                width: width.round() as usize,
                task_ms,
                floor_s,
                measured_at: n,
                ran: true,
            });
        }
    }
    if let Some(gil) = gil_bound(cells, workload, model, n, &f) {
        out.push(gil);
    }
    out
}

/// `tasks` × `task_ms` / `width`, in seconds: the least time a queue of that width takes.
fn queue_floor(tasks: usize, width: f64, task_ms: f64) -> f64 {
    tasks as f64 * task_ms / 1e3 / width.max(1.0)
}

/// A Python model in one process that used about one core while another model of the
/// same work at the same count used well over one.
fn gil_bound(cells: &[CellResult], workload: &str, model: &str, n: usize, f: &Figures) -> Option<Mechanism> {
    let python = ModelSpec::from_str(model).is_ok_and(|m| m.is_python());
    let used = f.cores_used?;
    if !python || f.processes > 1.0 || !(ONE_CORE.0..=ONE_CORE.1).contains(&used) {
        return None;
    }
    let mut others: Vec<&str> = cells
        .iter()
        .filter(|c| c.workload == workload && c.tasks == n && c.model != model)
        .map(|c| c.model.as_str())
        .collect();
    others.sort_unstable();
    others.dedup();
    let (other, other_cores) = others
        .into_iter()
        .filter_map(|o| Some((o, figures(&ok_at(cells, workload, o, n))?.cores_used?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (other_cores >= MORE_THAN_ONE_CORE).then(|| Mechanism::GilBound {
        cores_used: used,
        other: other.to_string(),
        other_cores,
    })
}

/// The limit (or failure) a model stopped on.
pub fn stopped(f: &FailurePoint) -> Mechanism {
    Mechanism::LimitBound {
        status: f.status,
        failure: f.kind,
        at_task: f.at_task,
        limit: f.limit.clone(),
        message: f.message.clone(),
    }
}

/// Why `model` has no `ok` cell at `n` when it did not fail: skipped because its queue
/// could not drain in time, with that queue's arithmetic from the largest count the
/// model did run.
pub fn skipped(cells: &[CellResult], workload: &str, model: &str, n: usize) -> Option<Mechanism> {
    let skipped = cells.iter().any(|c| {
        c.workload == workload
            && c.model == model
            && c.tasks == n
            && c.failure
                .as_ref()
                .is_some_and(|f| f.kind == FailureKind::PredictedTimeout)
    });
    if !skipped {
        return None;
    }
    let ran = cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model && c.tasks < n && c.status == Status::Ok)
        .map(|c| c.tasks)
        .max()?;
    let f = figures(&ok_at(cells, workload, model, ran))?;
    let (width, task_ms) = (f.concurrency?, f.task_ms?);
    Some(Mechanism::QueueBound {
        width: width.round() as usize,
        task_ms,
        floor_s: queue_floor(n, width, task_ms),
        measured_at: ran,
        ran: false,
    })
}

/// Reserved against resident memory per task, when the address space reserved per task
/// is well over what is resident (at least 4x and 256 KiB): the figure behind "1-8 MB per
/// thread".
pub fn reserved(virtual_per_task: Option<f64>, resident_per_task: f64) -> Option<Mechanism> {
    let v = virtual_per_task?;
    (v >= 256.0 * 1024.0 && v >= 4.0 * resident_per_task.max(0.0)).then_some(Mechanism::Reserved {
        virtual_per_task: v,
        resident_per_task,
    })
}
