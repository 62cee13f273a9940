//! One file per subcommand, each a thin layer over the library: turn the parsed options
//! into typed requests, call the library, print or write what it returns. Errors leave
//! as `anyhow` with context; those that are the user's to fix are wrapped in
//! [`shared::UsageError`], which the binary maps to exit code 2.

pub mod advise;
pub mod answer;
pub mod bench;
pub mod cell;
pub mod claims;
pub mod compare;
pub mod completions;
pub mod env;
pub mod list;
pub mod man;
pub mod merge;
pub mod report;
pub mod serve;
pub mod shared;
pub mod worker;

pub use shared::UsageError;
