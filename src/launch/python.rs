//! The Python driver: the embedded `python/conlab_driver.py`, written to a cache
//! directory at run time (so the binary alone is enough), the probe that says what an
//! interpreter is, and the typed spec the driver reads on stdin.
//!
//! The driver runs the Python models the way the Rust cell runs the Rust ones, and reports
//! the same raw [`crate::cell::ChildReport`]: counts and histogram buckets, no summaries.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::measure::env::Interpreter;
use crate::model::PyModel;
use crate::workload::{Target, WorkloadSpec};

/// The driver, embedded at build time.
pub const DRIVER: &str = include_str!("../../python/conlab_driver.py");

/// An interpreter that cannot run the Python models, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {why}")]
pub struct PythonError {
    pub path: String,
    pub why: String,
}

/// What the driver reads on stdin: the workload as typed JSON, the model with its width
/// already resolved (the driver applies no defaults of its own).
#[derive(Debug, Serialize)]
pub struct DriverSpec<'a> {
    pub workload: &'a WorkloadSpec,
    pub model: DriverModel,
    pub tasks: usize,
    pub target: &'a Target,
}

/// A Python model as the driver receives it.
#[derive(Debug, Serialize)]
pub struct DriverModel {
    pub kind: &'static str,
    pub lib: Option<&'static str>,
    /// Pool threads or worker processes, resolved; `None` for thread and asyncio models.
    pub workers: Option<usize>,
}

impl From<&PyModel> for DriverModel {
    fn from(m: &PyModel) -> Self {
        DriverModel {
            kind: m.base,
            lib: m.lib,
            workers: m.queue_width(),
        }
    }
}

const PROBE: &str = r#"
import sys, json, importlib
libs = {}
for name in ("requests", "aiohttp", "uvloop"):
    try:
        libs[name] = getattr(importlib.import_module(name), "__version__", "?")
    except Exception:
        pass
gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
print(json.dumps({"version": sys.version.split()[0], "major": sys.version_info[0], "minor": sys.version_info[1],
                  "implementation": sys.implementation.name, "gil": gil, "libraries": libs}))
"#;

/// Ask an interpreter what it is. Errors say why it cannot be used, in one line.
pub fn probe(path: &str) -> Result<Interpreter, PythonError> {
    let unusable = |why: String| PythonError {
        path: path.to_string(),
        why,
    };
    let out = Command::new(path)
        .args(["-c", PROBE])
        .output()
        .map_err(|e| unusable(format!("cannot run it ({e})")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(unusable(err.lines().last().unwrap_or("failed to start").to_string()));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|_| unusable("does not look like Python".into()))?;
    let (major, minor) = (v["major"].as_u64().unwrap_or(0), v["minor"].as_u64().unwrap_or(0));
    let version = v["version"].as_str().unwrap_or("?").to_string();
    if (major, minor) < (3, 8) {
        return Err(unusable(format!("Python {version} is older than 3.8")));
    }
    let libraries = v["libraries"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("?").to_string()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Interpreter {
        path: path.to_string(),
        version,
        short: format!("{major}.{minor}"),
        implementation: v["implementation"].as_str().unwrap_or("?").to_string(),
        gil: v["gil"].as_bool().unwrap_or(true),
        libraries,
    })
}

/// Write the embedded driver to a cache directory (once per driver version) and return
/// its path.
pub fn driver_path() -> std::io::Result<PathBuf> {
    let dir = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("conlab");
    let hash = DRIVER.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("conlab_driver-{hash:016x}.py"));
    if std::fs::read_to_string(&path).is_ok_and(|t| t == DRIVER) {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".conlab_driver-{}.tmp", std::process::id()));
    std::fs::write(&tmp, DRIVER)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_has_a_usable_python() {
        let py = probe("python3").expect("python3 is installed here");
        assert!(py.short.starts_with("3."));
        assert_eq!(py.implementation, "cpython");
        assert!(probe("/nonexistent/python")
            .unwrap_err()
            .to_string()
            .contains("cannot run it"));
    }

    #[test]
    fn the_driver_is_written_once() {
        let a = driver_path().unwrap();
        let b = driver_path().unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read_to_string(a).unwrap(), DRIVER);
    }

    #[test]
    fn the_driver_gets_resolved_widths() {
        let pool: crate::model::ModelSpec = "py-pool".parse().unwrap();
        let crate::model::ModelSpec::Python(pool) = pool else {
            panic!("a Python model")
        };
        let m = DriverModel::from(&pool);
        assert_eq!(m.workers, Some(crate::model::default_pool_size()));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["kind"], "py-pool");
    }
}
