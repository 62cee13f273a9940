//! `cpu:iterations=K`: pure computation with a definition simple enough to write the same
//! way in any language, so Rust and Python cells do exactly the same work.
//!
//! The kernel is K steps of splitmix64, folded into an accumulator:
//! ```text
//! x = task_index; acc = 0
//! repeat K times:
//!     x = (x + 0x9E3779B97F4A7C15) mod 2^64
//!     z = x
//!     z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) mod 2^64
//!     z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) mod 2^64
//!     acc = acc ^ z ^ (z >> 31)
//! result = acc
//! ```
//! The result is returned as the task's checksum, so the work cannot be optimised away.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::base::{TaskFuture, Workload};
use crate::params::{Params, SpecError};
use crate::task::{TaskCtx, TaskResult};

/// `cpu:iterations=K`, and the workload itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cpu {
    pub iterations: u64,
}

impl Cpu {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let iterations = p.count("iterations", None)?;
        p.finish("iterations")?;
        Ok(Cpu { iterations })
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cpu:iterations={}", self.iterations)
    }
}

/// The splitmix64 kernel described in the module docs.
pub fn cpu_kernel(seed: u64, iterations: u64) -> u64 {
    let mut x = seed;
    let mut acc = 0u64;
    for _ in 0..iterations {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        acc ^= z ^ (z >> 31);
    }
    std::hint::black_box(acc)
}

impl Workload for Cpu {
    fn run_blocking(&self, task: &TaskCtx) -> TaskResult {
        Ok(cpu_kernel(task.index as u64, self.iterations))
    }

    fn run_async<'a>(&'a self, task: &'a TaskCtx) -> TaskFuture<'a> {
        // Computed inline on the runtime, as naive async code would: that cost is what the
        // comparison is meant to show.
        TaskFuture::boxed(async move { Ok(cpu_kernel(task.index as u64, self.iterations)) })
    }
}

#[cfg(test)]
mod tests {
    use super::cpu_kernel;

    #[test]
    fn kernel_matches_reference_values() {
        // splitmix64's published first output for seed 0 is 0xE220A8397B1DCDAF.
        assert_eq!(cpu_kernel(0, 1), 0xE220_A839_7B1D_CDAF);
        assert_eq!(cpu_kernel(0, 0), 0);
        assert_ne!(cpu_kernel(1, 1000), cpu_kernel(2, 1000));
    }
}
