//! The reading of a workload, as `results.json` carries it (`analysis.workloads[].reading`):
//! what `analyze` concluded, typed, so that every renderer (terminal, Markdown, HTML,
//! `conlab answer`) only puts it into words and none of them ranks or recomputes.
//!
//! A reading has a headline (who is fastest and leanest at the largest count that
//! compares two models or more, and per language which model to pick and from how many
//! tasks on), one ranking per metric with ties decided by the noise rule of the winners,
//! and for each ranking the mechanisms, found from measurements only, behind its gaps.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kinds::{FailureKind, Status};

/// What `analyze` concludes for one workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reading {
    pub headline: Headline,
    /// Time, caller p99, memory and memory per task, in that order; a metric with fewer
    /// than two models to rank is left out.
    pub rankings: Vec<Ranking>,
}

/// The answer in one sentence's worth of facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Headline {
    /// The largest task count at which two or more models finished `ok`; `None` when no
    /// count compares two.
    pub tasks: Option<usize>,
    /// Repeats per cell in the plan (the medians' runs).
    pub runs: usize,
    /// The fastest at `tasks`: one model, or the models the noise rule cannot tell apart
    /// from the fastest (the first tie group of the time ranking).
    pub fastest: Vec<String>,
    /// The leanest at `tasks` among the cells that ran every task at once, likewise.
    pub leanest: Vec<String>,
    /// Per language with two models or more at `tasks`: which to pick.
    pub languages: Vec<LanguagePick>,
    /// Why nothing is compared, when nothing is.
    pub nothing: Option<NothingCompared>,
}

/// Why a workload's reading compares nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NothingCompared {
    /// Every cell that ran had failed tasks.
    FailedTasks,
    /// Fewer than two models finished at any one count.
    TooFew,
}

/// A model family a user chooses within.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "Rust",
            Language::Python => "Python",
        }
    }
}

/// The pick within one language at the headline's count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LanguagePick {
    pub language: Language,
    /// The fastest of the language's models, or those within the noise of it.
    pub best: Vec<String>,
    /// The others of the language at the headline's count, slowest last.
    pub behind: Vec<String>,
    /// With one best: the smallest task count from which it stays ahead (the crossover
    /// rule: 10% and beyond the spread) of every model in `behind`; `None` when it does
    /// not by that rule against one of them.
    pub from_tasks: Option<usize>,
}

/// What a ranking ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Work time, seconds (a server workload: its clients' p99, seconds).
    Time,
    /// p99 of each task's completion from the batch's submission, ms.
    CallerP99,
    /// Peak RSS of the process tree, bytes, among cells that ran every task at once.
    Memory,
    /// Bytes per task (`bytes_per_task`), among models that ran every task at once.
    MemoryPerTask,
}

/// Models in order on one metric, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ranking {
    pub metric: Metric,
    /// The task count ranked; `None` for memory per task (a slope over counts).
    pub tasks: Option<usize>,
    pub entries: Vec<Ranked>,
    /// Models measured at `tasks` but left out of this ranking: they ran fewer tasks at
    /// once than asked, so their memory is that of fewer tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
    /// The mechanisms behind the gaps: for models behind the best beyond the noise, and
    /// for models missing from the ranking, what the measurements say held them back;
    /// the furthest behind first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<Why>,
}

/// One model's place in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ranked {
    pub model: String,
    /// The median, in the metric's unit.
    pub value: f64,
    /// Within the noise of the first entry of its group (the winners' rule: the larger
    /// of 2% and both ones' spread over repeats, 10% for one run): a tie, not a place.
    /// An entry beyond it starts the next group.
    pub tied: bool,
    /// `value` over the best entry's.
    pub ratio: f64,
    /// The runs the median rests on.
    pub runs: usize,
    /// The median peak in flight when it was below the tasks asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u64>,
}

/// A model kept out of a ranking, with the concurrency it reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeftOut {
    pub model: String,
    pub peak_in_flight: u64,
}

/// The mechanism behind one model's place, at one task count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Why {
    pub model: String,
    pub tasks: usize,
    pub mechanism: Mechanism,
}

/// How a model was held back, with the measured numbers that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Mechanism {
    /// Fewer in flight than asked because tasks started more slowly than they ended: the
    /// last started `started_s` after ready, later than a task takes (`task_ms`), so the
    /// first had ended before the last began.
    StartBound {
        /// Median peak tasks in flight.
        peak_in_flight: u64,
        /// Tasks started per second (tasks / `started_s`).
        starts_per_s: f64,
        /// Ready until the last task had started, s.
        started_s: f64,
        /// Median task run time (p50 of the service time), ms.
        task_ms: f64,
        /// Each task was its own thread (the rate is of thread starts).
        threads: bool,
    },
    /// A pool or process model's width: at most `width` at a time, so `tasks` ×
    /// `task_ms` / `width` is the least time the queue takes.
    QueueBound {
        width: usize,
        task_ms: f64,
        /// `tasks` × `task_ms` / `width`, s.
        floor_s: f64,
        /// The count whose cells gave `width` and `task_ms` (the ranked one, or for a cell
        /// not run, the largest count the model ran).
        measured_at: usize,
        /// False when the cell at `tasks` was not run (skipped on this arithmetic).
        ran: bool,
    },
    /// A Python model whose CPU time was about one core over the work while another
    /// model of the same work used more: the GIL ran one thread at a time.
    GilBound {
        /// CPU seconds (user + system) per second of work time.
        cores_used: f64,
        /// The model of the same workload and count that used the most cores.
        other: String,
        other_cores: f64,
    },
    /// An event loop held by a blocking call: its 1 ms heartbeat's p99 lateness is at
    /// least the call's length.
    LoopBlocked { loop_lag_p99_ms: f64, call_ms: f64 },
    /// The model stopped on a limit (or failed) at `tasks`.
    LimitBound {
        status: Status,
        failure: FailureKind,
        at_task: Option<usize>,
        limit: Option<String>,
        message: Option<String>,
    },
    /// Address space reserved per task against resident memory per task (slopes over
    /// tasks): reserved stacks are not memory used.
    Reserved {
        virtual_per_task: f64,
        resident_per_task: f64,
    },
}
