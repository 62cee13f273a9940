//! The integration tests, one binary with a module per area (as ripgrep's tests/tests.rs):
//! linking one release test binary instead of one per file is most of what a newcomer
//! waits for. Each module drives the real `conlab` binary through `common`.

mod advise;
mod apps;
mod bench;
mod blocking;
mod claims;
mod cli;
mod common;
mod compare;
mod fairness;
mod faults;
mod gevent;
mod hybrid;
mod install;
mod io;
mod k8s;
mod netns;
mod python;
mod report;
mod series;
mod serve;
mod server;
mod shard;
mod slo;
mod slurm;
mod stacks;
mod typed_core;
mod user_code;
