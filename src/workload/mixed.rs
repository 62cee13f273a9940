//! `mixed:io=DUR,cpu=K,steps=S`: the shape of most real services, waiting then computing,
//! S times. It shows where a single event loop starts to lose to threads: when the
//! computing between waits delays every other task's wake-up.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::base::{TaskFuture, Workload};
use super::cpu::cpu_kernel;
use crate::params::{Params, SpecError};
use crate::task::{TaskCtx, TaskResult};
use crate::units;

/// `mixed:io=DUR,cpu=K,steps=S`, and the workload itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mixed {
    #[serde(rename = "io_ns", with = "units::serde_ns")]
    pub io: Duration,
    pub cpu: u64,
    pub steps: u64,
}

impl Mixed {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let io = p.duration("io", None)?;
        let cpu = p.count("cpu", None)?;
        let steps = p.count("steps", Some(1))?;
        p.finish("io, cpu, steps")?;
        Ok(Mixed { io, cpu, steps })
    }
}

impl fmt::Display for Mixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mixed:io={},cpu={},steps={}",
            units::format_duration(self.io),
            self.cpu,
            self.steps
        )
    }
}

impl Workload for Mixed {
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult {
        let mut sum = 0u64;
        for step in 0..self.steps {
            std::thread::sleep(self.io);
            sum ^= cpu_kernel(task.index as u64 ^ (step << 32), self.cpu);
        }
        Ok(sum)
    }

    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::boxed(async move {
            let mut sum = 0u64;
            for step in 0..self.steps {
                tokio::time::sleep(self.io).await;
                sum ^= cpu_kernel(task.index as u64 ^ (step << 32), self.cpu);
            }
            Ok(sum)
        })
    }
}
