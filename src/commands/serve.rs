//! `conlab serve`: the latency-injecting target server, in the foreground.

use super::usage;
use crate::measure::limits;
use crate::server::{self, ServeArgs, ServeError};

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    limits::raise_nofile();
    match server::serve(args) {
        Err(e @ ServeError::Listen { .. }) => Err(usage(e)),
        other => Ok(other?),
    }
}
