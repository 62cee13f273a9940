//! What the subcommands share: the usage error (exit 2) and its shorthands, writing to
//! stdout through a closed pipe, loading a results file, and the default output path.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::report::load::{self, Loaded};

/// Bad usage or bad input: exit 2, one line, nothing written.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct UsageError(#[from] pub anyhow::Error);

impl UsageError {
    /// Mark any error as the user's to fix.
    pub fn from_error(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        UsageError(anyhow::Error::new(e))
    }
}

/// Shorthand: `.map_err(usage)?` on an error the user can fix.
pub fn usage(e: impl std::error::Error + Send + Sync + 'static) -> anyhow::Error {
    UsageError::from_error(e).into()
}

/// An I/O error on a path the user chose (`--out`, `-o`, an input file): theirs to fix.
pub fn user_path<T>(result: std::io::Result<T>, what: &str, path: &Path) -> anyhow::Result<T> {
    result.map_err(|e| UsageError(anyhow::Error::new(e).context(format!("{what} {}", path.display()))).into())
}

/// Write to stdout; a closed pipe (`conlab list | head`) is not an error.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to stdout"))
        }
        _ => Ok(()),
    }
}

/// Read a results file, printing the note about a cut-off last line.
pub fn load_results(path: &Path) -> anyhow::Result<Loaded> {
    let loaded = load::load(path).map_err(usage)?;
    if let Some(note) = &loaded.note {
        eprintln!("conlab: {note}");
    }
    Ok(loaded)
}

/// `results/<prefix><UTC time>`: a fresh directory name per run.
pub fn default_out(prefix: &str) -> PathBuf {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    PathBuf::from("results").join(format!("{prefix}{}", stamp.trim_end_matches('Z').replace(':', "-")))
}

/// The conlab binary itself: it serves the target and its sibling `conlab-cell` runs
/// the cells.
pub fn conlab_exe() -> anyhow::Result<PathBuf> {
    std::env::current_exe().map_err(|e| anyhow::Error::new(e).context("cannot find conlab's executable"))
}
