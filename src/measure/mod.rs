//! Measurement: clocks, latency histograms, /proc sampling of a process tree, wait4
//! resource usage and the environment preflight.
//!
//! Everything a cell's numbers are made of lives here, so the Rust and the Python cells
//! are measured by the same code from outside, and the child side needs only a clock and
//! a histogram.

pub mod bins;
pub mod ceiling;
pub mod clock;
pub mod env;
pub mod image;
pub mod inflight;
pub mod latency;
pub mod libm;
pub mod limits;
pub mod lineage;
pub mod procfs;
pub mod requests;
pub mod rusage;
pub mod sampler;
pub mod series;
