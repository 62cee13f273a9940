//! `conlab completions SHELL`: a completion script generated from the same clap command
//! the parser uses, so it never lists an option conlab does not have.

use super::shared::print_out;
use crate::cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cli::command(), "conlab", &mut out);
    print_out(&String::from_utf8_lossy(&out))
}
