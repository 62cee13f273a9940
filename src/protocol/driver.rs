//! The Python cell's spec, as the driver reads it on stdin: the workload as typed JSON, the
//! model with its widths resolved, and the constants both languages need (backlog,
//! listener fd, bucket layout, head limit), sent from the Rust ones so that the two cannot
//! drift. The Rust cell's spec is `CellSpec`, beside it in `protocol`.

use serde::{Deserialize, Serialize};

use crate::model::python::Split;
use crate::model::PyModel;
use crate::workload::{Target, WorkloadSpec};

/// The listen backlog of every server cell, Rust and Python (the driver gets it in its
/// spec), capped by net.core.somaxconn: gunicorn's default, between asyncio's 100 and nginx's 511 on one side and the kernel's cap on
/// the other. A model that accepts too slowly for it shows as connect timeouts.
pub const BACKLOG: i32 = 2048;

/// What the driver reads on stdin: the workload as typed JSON, the model with its width
/// already resolved (the driver applies no defaults of its own).
#[derive(Debug, Serialize)]
pub struct DriverSpec<'a> {
    pub workload: &'a WorkloadSpec,
    pub model: DriverModel,
    pub tasks: usize,
    pub target: &'a Target,
    /// Count tasks per time bin for the cell's series.
    pub series: bool,
    pub constants: &'static DriverConstants,
}

/// The constants the driver shares with the Rust side, sent from the Rust ones so that
/// the two cannot drift.
#[derive(Debug, Serialize)]
pub struct DriverConstants {
    /// The listen backlog a server model listens with ([`BACKLOG`]).
    pub backlog: i32,
    /// The descriptor the listening socket arrives on (`model::serve::LISTENER_FD`).
    pub listener_fd: i32,
    /// How latencies are bucketed (the histogram of `measure::latency::new_histogram`).
    pub buckets: BucketLayout,
    /// The longest HTTP/1.1 head (or chunk line) either side takes, client codec and
    /// server handler alike (`workload::HTTP_BUFFER`).
    pub head_limit: usize,
}

/// The HDR bucket layout: a value's bucket is the value with the bits below its
/// `sub_bucket_bits` most significant ones cleared; values from 1 to
/// 2^`sub_bucket_bits` - 1 are their own buckets; values beyond the power of two above
/// `top` saturate at `top`.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BucketLayout {
    /// The largest value tracked, in microseconds.
    pub top: u64,
    pub sub_bucket_bits: u32,
}

impl DriverConstants {
    /// The constants, worked out once.
    pub fn get() -> &'static DriverConstants {
        static CONSTANTS: std::sync::OnceLock<DriverConstants> = std::sync::OnceLock::new();
        CONSTANTS.get_or_init(|| {
            let h = crate::measure::latency::new_histogram();
            // hdrhistogram's sub-bucket count: 2 * 10^sigfig, rounded up to a power of two.
            let sub_buckets = (2 * 10u64.pow(h.sigfig().into())).next_power_of_two();
            DriverConstants {
                backlog: BACKLOG,
                listener_fd: crate::model::serve::LISTENER_FD,
                head_limit: crate::workload::HTTP_BUFFER,
                buckets: BucketLayout {
                    top: h.high(),
                    sub_bucket_bits: sub_buckets.trailing_zeros(),
                },
            }
        })
    }
}

/// A Python model as the driver receives it.
#[derive(Debug, Serialize)]
pub struct DriverModel {
    pub kind: &'static str,
    pub lib: Option<&'static str>,
    /// Pool threads or worker processes, resolved, or the greenlet pool's size given
    /// (`py-gevent:size=P`); `None` for thread and asyncio models and a greenlet per task.
    pub workers: Option<usize>,
    /// aiohttp's connector limit when given (`py-asyncio+aiohttp:limit=100`, the
    /// article's default connector); `None`: one connection per task.
    pub limit: Option<usize>,
    /// `py-asyncio:procs=P`: worker processes with one event loop each.
    pub procs: Option<usize>,
    /// `py-asyncio:threads=T`: threads with one event loop each.
    pub threads: Option<usize>,
    /// `py-asyncio:eager=true`: every loop's task factory is `asyncio.eager_task_factory`.
    pub eager: bool,
}

impl From<&PyModel> for DriverModel {
    fn from(m: &PyModel) -> Self {
        DriverModel {
            kind: m.base,
            lib: m.lib,
            workers: m.queue_width(),
            limit: m.size.filter(|_| m.is_async()),
            procs: match m.split {
                Some(Split::Procs(n)) => Some(n),
                _ => None,
            },
            threads: match m.split {
                Some(Split::Threads(n)) => Some(n),
                _ => None,
            },
            eager: m.eager,
        }
    }
}
