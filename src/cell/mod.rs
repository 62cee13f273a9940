//! Cells: one (workload, model, tasks) run in a process of its own.
//!
//! The child side ([`child`]) runs the tasks and prints one JSON line, a
//! [`crate::protocol::ChildReport`];
//! the parent side ([`parent`]) spawns it, samples its process tree, enforces the timeout
//! and turns everything into a [`crate::results::CellResult`]. A separate process per
//! cell is what makes memory and CPU attributable and failures contained.

pub mod child;
#[cfg(test)]
mod contract;
pub mod generators;
pub mod parent;
pub mod series;
pub mod server;
