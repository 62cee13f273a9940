//! Workloads defined outside conlab: a user's crate implements [`Workload`] and registers
//! a builder under a name (through [`crate::lab::Lab`]). The cell process is the user's
//! own binary re-executed, so the builder is registered there too, and the cell builds
//! the workload from its name and parameters exactly as it builds conlab's own.
//!
//! The registry is process-wide and set once, before any cell is built: a spec travels
//! between processes as text, and only the registry turns the text back into code.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::base::Workload;
use crate::params::SpecError;

/// What a builder returns when its parameters make no sense: any error, shown in one line.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// A builder: the workload from the text after `name:` (empty when there is none).
pub type Builder = Arc<dyn Fn(&str) -> Result<Arc<dyn Workload>, BuildError> + Send + Sync>;

/// One registered workload.
#[derive(Clone)]
pub struct Registered {
    pub name: String,
    pub builder: Builder,
}

static REGISTERED: OnceLock<Vec<Registered>> = OnceLock::new();

/// Register the process's custom workloads; the first call wins (a process has one set).
pub fn install(workloads: Vec<Registered>) {
    let _ = REGISTERED.set(workloads);
}

/// Whether `name` is a registered custom workload in this process.
pub fn is_registered(name: &str) -> bool {
    find(name).is_some()
}

fn find(name: &str) -> Option<&'static Registered> {
    REGISTERED.get()?.iter().find(|r| r.name == name)
}

/// A custom workload as specs carry it: its registered name and its parameter text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSpec {
    pub name: String,
    /// The text after `name:`, given to the builder as is.
    pub params: String,
}

impl CustomSpec {
    /// The spec of `text` (`name` or `name:params`), if `name` is registered here.
    pub fn parse(text: &str) -> Option<CustomSpec> {
        let (name, params) = text.trim().split_once(':').unwrap_or((text.trim(), ""));
        is_registered(name).then(|| CustomSpec {
            name: name.into(),
            params: params.into(),
        })
    }

    /// The workload, built by its registered builder.
    pub fn build(&self) -> Result<Arc<dyn Workload>, SpecError> {
        let registered = find(&self.name).ok_or_else(|| {
            SpecError::invalid(
                self.to_string(),
                "this custom workload is not registered in this binary (conlab::Lab::workload)",
            )
        })?;
        (registered.builder)(&self.params).map_err(|e| SpecError::invalid(self.to_string(), e.to_string()))
    }
}

impl fmt::Display for CustomSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.params.is_empty() {
            true => f.write_str(&self.name),
            false => write!(f, "{}:{}", self.name, self.params),
        }
    }
}
