//! `sleep:DUR`: the purest I/O stand-in. The task holds no socket and no CPU, so any
//! difference between models is their own cost of keeping a waiting task alive.

use std::sync::Arc;
use std::time::Duration;

use super::{TaskCtx, TaskFuture, TaskResult, Workload};
use crate::params::Params;
use crate::units;

pub struct Sleep {
    duration: Duration,
}

impl Sleep {
    pub fn parse(mut p: Params, _target: &super::Target) -> Result<Arc<dyn Workload>, String> {
        let text = p
            .positional("duration")
            .ok_or("sleep needs a duration, e.g. sleep:1s")?;
        let duration = units::parse_duration(&text)?;
        p.finish("duration")?;
        Ok(Arc::new(Sleep { duration }))
    }
}

impl Workload for Sleep {
    fn spec(&self) -> String {
        format!("sleep:{}", units::format_duration(self.duration))
    }

    fn run_blocking(&self, _task: &TaskCtx) -> TaskResult {
        std::thread::sleep(self.duration);
        Ok(0)
    }

    fn run_async<'a>(&'a self, _task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::sleep(self.duration)
    }

    fn min_task_time(&self) -> Duration {
        self.duration
    }
}
