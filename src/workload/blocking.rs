//! `blocking:call=DUR,offload=BOOL[,kind=wait|cpu]`: each task calls a real sync-only
//! library, SQLite (via rusqlite, bundled), with a query that takes about DUR:
//! - `kind=wait` (default): `SELECT conlab_wait(ms)`, an application-defined SQL function
//!   that blocks the calling thread for DUR, standing for a driver waiting on its server;
//! - `kind=cpu`: a recursive CTE summing 1..K, K calibrated once per cell, pure CPU.
//!
//! Thread models simply call it. Async models call it on the event loop when
//! `offload=false` — the "don't mix them carelessly" mistake, visible as event-loop lag —
//! or through `spawn_blocking` when `offload=true`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::base::{TaskFuture, Workload};
use crate::params::{Params, SpecError};
use crate::results::ErrorKind;
use crate::task::{TaskCtx, TaskError, TaskResult};
use crate::units::{self, format_duration};

/// What the SQLite call does for its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `SELECT conlab_wait(DUR)`: blocks like a driver waiting on its server.
    Wait,
    /// A recursive CTE calibrated to take DUR: pure CPU.
    Cpu,
}

/// `blocking:call=DUR,offload=BOOL[,kind=wait|cpu]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingSpec {
    #[serde(rename = "call_ns", with = "units::serde_ns")]
    pub call: Duration,
    pub offload: bool,
    pub mode: Mode,
}

impl BlockingSpec {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let call = p.duration("call", None)?;
        let offload = p.flag("offload", false)?;
        let mode = match p.choice("kind", &["wait", "cpu"])? {
            "cpu" => Mode::Cpu,
            _ => Mode::Wait,
        };
        p.finish("call, offload, kind")?;
        Ok(BlockingSpec { call, offload, mode })
    }

    /// The workload, its CPU query calibrated when it has one (done in the cell, before
    /// it reports ready).
    pub fn build(&self) -> Arc<dyn Workload> {
        let wait = self.mode == Mode::Wait;
        let rows = match wait {
            true => 0,
            false => ((calibrate() * self.call.as_secs_f64()) as i64).max(1),
        };
        Arc::new(Blocking {
            call: self.call,
            offload: self.offload,
            wait,
            rows,
        })
    }
}

impl fmt::Display for BlockingSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.mode == Mode::Wait { "" } else { ",kind=cpu" };
        write!(
            f,
            "blocking:call={},offload={}{kind}",
            format_duration(self.call),
            self.offload
        )
    }
}

const QUERY: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) SELECT sum(x) FROM c";

pub struct Blocking {
    call: Duration,
    offload: bool,
    wait: bool,
    /// Rows the CPU query walks to take about `call` (calibrated; 0 for `wait`).
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
        .map_err(|e| TaskError::new(ErrorKind::Error, format!("sqlite: {e}")))
}

/// Rows per second this machine's SQLite walks, measured on a short query.
fn calibrate() -> f64 {
    let probe = 200_000;
    let _ = run_query(probe / 10); // warm up
    let start = Instant::now();
    let _ = run_query(probe);
    probe as f64 / start.elapsed().as_secs_f64().max(1e-6)
}

impl Workload for Blocking {
    fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
        call(self.wait, self.call, self.rows)
    }

    fn run_async<'a>(&'a self, _task: &'a TaskCtx) -> TaskFuture<'a> {
        let (wait, dur, rows) = (self.wait, self.call, self.rows);
        if self.offload {
            TaskFuture::boxed(async move {
                match tokio::task::spawn_blocking(move || call(wait, dur, rows)).await {
                    Ok(result) => result,
                    Err(e) => Err(TaskError::new(ErrorKind::Panic, e.to_string())),
                }
            })
        } else {
            // On purpose: the one place conlab blocks an event loop, to show what it costs.
            TaskFuture::boxed(async move { call(wait, dur, rows) })
        }
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
