//! `conlab man [SUBCOMMAND]`: the manual page in roff, generated from the clap command
//! (help, defaults and EXAMPLES included), so it cannot drift from `--help`. A wheel or a
//! `cargo install` has no place to put a man page; printing it lets the user put it where
//! their `man` looks (`conlab man > ~/.local/share/man/man1/conlab.1`).

use anyhow::Context;

use super::shared::{print_out, UsageError};
use crate::cli;

pub fn run(page: Option<&str>) -> anyhow::Result<()> {
    let conlab = cli::command();
    let command = match page {
        None => conlab,
        Some(name) => {
            let names: Vec<String> = visible_subcommands(&conlab);
            let sub = conlab
                .find_subcommand(name)
                .filter(|s| !s.is_hide_set())
                .ok_or_else(|| {
                    UsageError(anyhow::anyhow!(
                        "no subcommand {name:?}; man pages exist for: {}",
                        names.join(", ")
                    ))
                })?;
            let full = format!("conlab-{}", sub.get_name());
            sub.clone()
                .name(full.clone())
                .bin_name(full)
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut out)
        .context("cannot render the man page")?;
    print_out(&String::from_utf8_lossy(&out))
}

fn visible_subcommands(command: &clap::Command) -> Vec<String> {
    command
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}
