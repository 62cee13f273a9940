//! conlab as a library, tested the way a user's binary uses it: this test is its own
//! `main` (`harness = false`), registers workloads of its own and sweeps them under the
//! five Rust models; every cell re-executes this very binary. What is checked is logic
//! (every cell ran in a process of its own and reported its tasks; a task's error is
//! counted; a bad parameter stops the sweep before any cell), never a timing winner.

use std::time::Duration;

use conlab::lab::{BuildError, LabError, RUST_MODELS};
use conlab::results::{Status, UserSetup};
use conlab::{ErrorKind, Lab, TaskCtx, TaskError, TaskFuture, TaskResult, Workload};

/// Waits, and fails every task whose index is a multiple of `fail_every` (0: none).
struct Wait {
    pause: Duration,
    fail_every: usize,
}

impl Wait {
    fn parse(params: &str) -> Result<Wait, BuildError> {
        let (pause, fail_every) = params.split_once('/').unwrap_or((params, "0"));
        Ok(Wait {
            pause: Duration::from_millis(pause.parse()?),
            fail_every: fail_every.parse()?,
        })
    }

    fn outcome(&self, index: usize) -> TaskResult {
        match self.fail_every {
            n if n > 0 && index.is_multiple_of(n) => {
                Err(TaskError::new(ErrorKind::Error, format!("task {index} refused")))
            }
            _ => Ok(index as u64),
        }
    }
}

impl Workload for Wait {
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult {
        std::thread::sleep(self.pause);
        self.outcome(task.index)
    }

    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a> {
        TaskFuture::boxed(async move {
            tokio::time::sleep(self.pause).await;
            self.outcome(task.index)
        })
    }
}

fn main() {
    let lab = Lab::new()
        .workload("wait:5", Wait::parse)
        .workload("flaky:1/2", Wait::parse)
        .tasks(&[4, 12])
        .cell_timeout(Duration::from_secs(60));
    lab.enter();
    let results = lab.sweep().unwrap_or_else(|e| panic!("the sweep runs: {e}"));
    let measured: Vec<_> = results.cells.iter().filter(|c| !c.baseline).collect();
    assert_eq!(measured.len(), 2 * RUST_MODELS.len() * 2, "every cell was run");
    for model in RUST_MODELS {
        for c in measured.iter().filter(|c| c.model == *model) {
            match c.workload.as_str() {
                "wait:5" => {
                    assert_eq!(c.status, Status::Ok, "{model}: {:?}", c.failure);
                    assert_eq!((c.tasks_ok, c.tasks_failed), (c.tasks, 0), "{model}");
                }
                "flaky:1/2" => {
                    assert_eq!(c.status, Status::Errors, "{model}: failed tasks are counted");
                    assert_eq!(c.tasks_failed, c.tasks / 2, "{model}: even indices fail");
                    assert!(c.first_error.as_deref().unwrap_or("").contains("refused"), "{model}");
                }
                other => panic!("unexpected workload {other}"),
            }
            assert!(
                c.work_s.is_some() && c.peak_rss_bytes > 0,
                "{model}: measured from outside"
            );
            assert_eq!(c.user_setup, None::<UserSetup>);
        }
    }
    // rs-process's workers are re-executions too: they report their shares.
    let process = measured
        .iter()
        .find(|c| c.model == "rs-process" && c.workload == "wait:5" && c.tasks == 12)
        .unwrap();
    assert!(process.workers.as_ref().is_some_and(|w| !w.is_empty()), "{process:?}");

    // A parameter the builder refuses stops the sweep before any cell runs.
    let bad = Lab::new().workload("wait:soon", Wait::parse);
    match bad.sweep() {
        Err(LabError::Spec(e)) => assert!(e.to_string().contains("wait:soon"), "{e}"),
        other => panic!("a bad parameter is an error: {:?}", other.map(|r| r.cells.len())),
    }
    let clash = Lab::new().workload("sleep:1", Wait::parse);
    assert!(matches!(clash.sweep(), Err(LabError::Name(..))));
    println!("lab: {} cells measured through the library API: ok", measured.len());
}
