//! Your own workload, measured by conlab: a task that hashes a buffer and then waits (a
//! stand-in for "parse a response, then call the next service"), swept under all five
//! Rust models (rs-thread, rs-pool, rs-async, rs-async-st, rs-process), each cell in a
//! process of its own, and the table printed.
//!
//! ```text
//! cargo run --release --example custom_workload
//! ```
//!
//! The program re-executes itself for every cell (and for rs-process's workers): that is
//! why `Lab::main` comes first in `main`, before anything else the program does.

use std::hash::Hasher;
use std::time::Duration;

use conlab::lab::BuildError;
use conlab::{Lab, TaskCtx, TaskFuture, TaskResult, Workload};

/// `hash-sleep:bytes=N,pause=DUR`: hash N bytes, then wait DUR.
struct HashThenSleep {
    buffer: Vec<u8>,
    pause: Duration,
}

impl HashThenSleep {
    /// The workload from its parameters (`bytes=65536,pause=20ms`); a typo is an error,
    /// reported before any cell runs.
    fn from_params(params: &str) -> Result<Self, BuildError> {
        let (mut bytes, mut pause) = (64 * 1024, Duration::from_millis(20));
        for part in params.split(',').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some(("bytes", v)) => bytes = v.parse()?,
                Some(("pause", v)) => pause = conlab::units::parse_duration(v)?,
                _ => return Err(format!("unknown parameter '{part}' (bytes, pause)").into()),
            }
        }
        let buffer = (0..bytes).map(|i| (i % 251) as u8).collect();
        Ok(HashThenSleep { buffer, pause })
    }

    /// The CPU part: every task hashes the whole buffer, seeded by its index.
    fn hash(&self, index: usize) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        h.write_usize(index);
        h.write(&self.buffer);
        h.finish()
    }
}

impl Workload for HashThenSleep {
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult {
        let sum = self.hash(task.index);
        std::thread::sleep(self.pause);
        Ok(sum)
    }

    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::boxed(async move {
            let sum = self.hash(task.index);
            tokio::time::sleep(self.pause).await;
            Ok(sum)
        })
    }
}

fn main() {
    Lab::new()
        .workload("hash-sleep:bytes=65536,pause=10ms", HashThenSleep::from_params)
        .tasks(&[10, 100, 1000])
        .main();
}
