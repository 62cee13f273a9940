//! `blocking:call=DUR,offload=BOOL[,kind=wait|cpu]`: each task calls a real sync-only
//! library, SQLite (via rusqlite, bundled), with a query that takes about DUR:
//! - `kind=wait` (default): `SELECT conlab_wait(ms)`, an application-defined SQL function
//!   that blocks the calling thread for DUR, standing for a driver waiting on its server;
//! - `kind=cpu`: a recursive CTE summing 1..K, K calibrated once per cell, pure CPU.
//!
//! Thread models simply call it. Async models call it on the event loop when
//! `offload=false` — the "don't mix them carelessly" mistake, visible as event-loop lag —
//! or through `spawn_blocking` when `offload=true`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Target, TaskCtx, TaskError, TaskFuture, TaskResult, Workload};
use crate::params::Params;
use crate::units::format_duration;

const QUERY: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) SELECT sum(x) FROM c";

pub struct Blocking {
    call: Duration,
    offload: bool,
    wait: bool,
    /// Rows the CPU query walks to take about `call` (0 until calibrated).
    rows: i64,
}

fn run_query(rows: i64) -> Result<i64, rusqlite::Error> {
    let db = rusqlite::Connection::open_in_memory()?;
    db.query_row(QUERY, [rows], |r| r.get(0))
}

/// `SELECT conlab_wait(ms)`: SQLite calls back into a function that blocks for `ms`.
fn run_wait(call: Duration) -> Result<i64, rusqlite::Error> {
    use rusqlite::functions::FunctionFlags;
    let db = rusqlite::Connection::open_in_memory()?;
    db.create_scalar_function("conlab_wait", 1, FunctionFlags::SQLITE_UTF8, |ctx| {
        let us: i64 = ctx.get(0)?;
        std::thread::sleep(Duration::from_micros(us.max(0) as u64));
        Ok(us)
    })?;
    db.query_row("SELECT conlab_wait(?1)", [call.as_micros() as i64], |r| r.get(0))
}

/// One call, as the task makes it.
fn call(wait: bool, dur: Duration, rows: i64) -> TaskResult {
    let result = if wait { run_wait(dur) } else { run_query(rows) };
    result
        .map(|s| s as u64)
        .map_err(|e| TaskError::new("sqlite", e.to_string()))
}

/// Rows per second this machine's SQLite walks, measured on a short query.
fn calibrate() -> f64 {
    let probe = 200_000;
    let _ = run_query(probe / 10); // warm up
    let start = Instant::now();
    let _ = run_query(probe);
    probe as f64 / start.elapsed().as_secs_f64().max(1e-6)
}

impl Blocking {
    pub fn parse(mut p: Params, _target: &Target) -> Result<Arc<dyn Workload>, String> {
        let call = p.duration("call", None)?;
        let offload = match p.positional("offload").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(format!("blocking: offload={other} is not true or false")),
        };
        let wait = match p.positional("kind").as_deref() {
            None | Some("wait") => true,
            Some("cpu") => false,
            Some(other) => return Err(format!("blocking: kind={other} is not wait or cpu")),
        };
        p.finish("call, offload, kind")?;
        Ok(Arc::new(Blocking {
            call,
            offload,
            wait,
            rows: 0,
        }))
    }

    /// The workload with its query calibrated (done in the cell, before it is ready).
    fn calibrated(&self) -> i64 {
        if self.wait || self.rows > 0 {
            self.rows
        } else {
            ((calibrate() * self.call.as_secs_f64()) as i64).max(1)
        }
    }
}

impl Workload for Blocking {
    fn spec(&self) -> String {
        let kind = if self.wait { "" } else { ",kind=cpu" };
        format!(
            "blocking:call={},offload={}{kind}",
            format_duration(self.call),
            self.offload
        )
    }

    fn prepare(&self) -> Option<Arc<dyn Workload>> {
        Some(Arc::new(Blocking {
            call: self.call,
            offload: self.offload,
            wait: self.wait,
            rows: self.calibrated(),
        }))
    }

    fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
        call(self.wait, self.call, self.rows)
    }

    fn run_async<'a>(&'a self, _task: &'a TaskCtx) -> TaskFuture<'a> {
        let (wait, dur, rows) = (self.wait, self.call, self.rows);
        if self.offload {
            TaskFuture::boxed(async move {
                match tokio::task::spawn_blocking(move || call(wait, dur, rows)).await {
                    Ok(result) => result,
                    Err(e) => Err(TaskError::new("panic", e.to_string())),
                }
            })
        } else {
            // On purpose: the one place conlab blocks an event loop, to show what it costs.
            TaskFuture::boxed(async move { call(wait, dur, rows) })
        }
    }

    fn min_task_time(&self) -> Duration {
        self.call
    }

    fn client(&self, asynchronous: bool) -> Option<String> {
        let how = match (asynchronous, self.offload) {
            (true, true) => "through tokio::task::spawn_blocking",
            (true, false) => "on the event loop (blocking it)",
            (false, _) => "on the task's thread",
        };
        let query = if self.wait {
            "SELECT conlab_wait(DUR)"
        } else {
            "a calibrated recursive CTE"
        };
        Some(format!("SQLite {} via rusqlite, {query}, {how}", rusqlite::version()))
    }
}
