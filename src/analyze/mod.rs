//! From cells to conclusions: medians over repeats, the winner at each task count, bytes
//! per task, crossover points and where each model failed.
//!
//! Only `ok` cells count towards speed and memory: a cell with failed tasks (`errors`) or
//! one that failed outright is reported where it failed instead of being compared on
//! what it managed. A memory win goes only to a cell that really ran its tasks at once
//! (its peak in flight), a time win says so when it did not, and a difference counts
//! only beyond the spread of the repeats (one run: 10%).

pub mod advice;
mod analysis;
pub mod answer;
pub mod capacity;
pub mod cells;
mod claim_spec;
pub mod claims;
pub mod compare;
pub mod merge;
mod noise;
pub mod numbers;
mod per_task;
pub mod reading;
pub mod stats;
mod why;

pub use analysis::{analyze, analyze_hosts, by_host, document, hosts};
pub use cells::{caller_p99, cell_time, in_flight, is_server, medians, peaks, reached, REACHED};
pub use numbers::{median, slope};
