//! `sleep:DUR`: the purest I/O stand-in. The task holds no socket and no CPU, so any
//! difference between models is their own cost of keeping a waiting task alive.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::base::{TaskFuture, Workload};
use crate::params::{Params, SpecError};
use crate::task::{TaskCtx, TaskResult};
use crate::units;

/// `sleep:DUR`, and the workload itself: it needs nothing but its duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sleep {
    #[serde(rename = "duration_ns", with = "units::serde_ns")]
    pub duration: Duration,
}

impl Sleep {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let duration = p
            .positional_duration("duration")?
            .ok_or_else(|| SpecError::invalid(p.spec(), "sleep needs a duration, e.g. sleep:1s"))?;
        p.finish("duration")?;
        Ok(Sleep { duration })
    }
}

impl fmt::Display for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sleep:{}", units::format_duration(self.duration))
    }
}

impl Workload for Sleep {
    #[link_section = ".text.hot.conlab"]
    fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
        std::thread::sleep(self.duration);
        Ok(0)
    }

    #[link_section = ".text.hot.conlab"]
    fn run_async<'a>(&'a self, _task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::sleep(self.duration)
    }
}
