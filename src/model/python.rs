//! Python models: `py-thread`, `py-pool`, `py-asyncio`, `py-process`, and their library
//! variants (`+requests`, `+aiohttp`, `+uvloop`). They are described and checked here; the
//! cell itself runs in the Python driver (`python/conlab_driver.py`, shipped inside this
//! binary), which speaks the same one-line protocol as a Rust cell, so both are measured
//! by the same parent code.
//!
//! With several interpreters (`--python` given more than once) a model name carries the
//! version it runs under: `py3.13-asyncio`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{cores, Model};
use crate::cell::CellRun;
use crate::params::Params;
use crate::results::Failure;
use crate::workload::Workload;

/// The driver, embedded at build time.
const DRIVER: &str = include_str!("../../python/conlab_driver.py");

pub const BASES: &[&str] = &["py-thread", "py-pool", "py-asyncio", "py-process"];
const LIBS: &[(&str, &[&str])] = &[
    ("requests", &["py-thread", "py-pool", "py-process"]),
    ("aiohttp", &["py-asyncio"]),
    ("uvloop", &["py-asyncio"]),
];

pub struct PythonModel {
    pub base: &'static str,
    pub lib: Option<&'static str>,
    param: Option<usize>,
    /// `3.13` in `py3.13-asyncio`.
    pub version: Option<String>,
}

/// Whether a model name belongs to the Python family.
pub fn is_python_name(name: &str) -> bool {
    name.starts_with("py-") || (name.starts_with("py3") && name.contains('-'))
}

impl PythonModel {
    pub fn parse(mut p: Params) -> Result<Arc<dyn Model>, String> {
        let name = p.name().to_string();
        let (head, lib) = match name.split_once('+') {
            Some((head, lib)) => (head.to_string(), Some(lib.to_string())),
            None => (name.clone(), None),
        };
        let (version, base_name) = match head.strip_prefix("py").and_then(|r| r.split_once('-')) {
            Some((v, rest)) if !v.is_empty() => (Some(v.to_string()), format!("py-{rest}")),
            _ => (None, head.clone()),
        };
        if let Some(v) = &version {
            if !v
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(format!("model '{name}': '{v}' is not a Python version"));
            }
        }
        let base = *BASES
            .iter()
            .find(|b| **b == base_name)
            .ok_or_else(|| format!("unknown model '{name}' (Python models: {})", BASES.join(", ")))?;
        let lib = match lib {
            None => None,
            Some(l) => {
                let (lib, bases) = LIBS
                    .iter()
                    .find(|(n, _)| *n == l)
                    .ok_or_else(|| format!("model '{name}': unknown library '{l}' (requests, aiohttp, uvloop)"))?;
                if !bases.contains(&base) {
                    return Err(format!("model '{name}': {lib} goes with {}", bases.join(", ")));
                }
                Some(*lib)
            }
        };
        let key = match base {
            "py-pool" => "size",
            "py-process" => "workers",
            _ => "",
        };
        let param = if key.is_empty() {
            None
        } else {
            p.positional(key).map(|s| crate::units::parse_count(&s)).transpose()?
        };
        p.finish(if key.is_empty() { "none" } else { key })?;
        Ok(Arc::new(PythonModel {
            base,
            lib,
            param,
            version,
        }))
    }

    /// The spec the driver receives: no version prefix.
    pub fn driver_spec(&self) -> String {
        let mut s = self.base.to_string();
        if let Some(lib) = self.lib {
            s = format!("{s}+{lib}");
        }
        match (self.base, self.param) {
            ("py-pool", Some(n)) => format!("{s}:size={n}"),
            ("py-process", Some(n)) => format!("{s}:workers={n}"),
            _ => s,
        }
    }

    /// The same model under a given interpreter version.
    pub fn with_version(&self, version: Option<String>) -> PythonModel {
        PythonModel {
            base: self.base,
            lib: self.lib,
            param: self.param,
            version,
        }
    }
}

impl Model for PythonModel {
    fn spec(&self) -> String {
        let plain = self.driver_spec();
        match &self.version {
            Some(v) => plain.replacen("py-", &format!("py{v}-"), 1),
            None => plain,
        }
    }

    fn describe(&self, tasks: usize) -> String {
        format!("{} for {tasks} tasks in the Python driver", self.driver_spec())
    }

    fn is_async(&self) -> bool {
        self.base == "py-asyncio"
    }

    fn queue_width(&self) -> Option<usize> {
        match self.base {
            "py-pool" => Some(self.param.unwrap_or_else(|| 32.min(cores() + 4))),
            "py-process" => Some(self.param.unwrap_or_else(cores)),
            _ => None,
        }
    }

    fn python(&self) -> Option<&PythonModel> {
        Some(self)
    }

    fn run(&self, _work: Arc<dyn Workload>, _tasks: usize, _run: &mut CellRun) -> Result<(), Failure> {
        Err(Failure {
            kind: "runtime".into(),
            message: "Python models run in the Python driver, not in conlab-cell".into(),
            at_task: None,
            limit: None,
        })
    }
}

/// One Python interpreter, as probed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Interpreter {
    /// The path or command given.
    pub path: String,
    /// `3.11.7`.
    pub version: String,
    /// `3.11`.
    pub short: String,
    /// `cpython`, `pypy`, ...
    pub implementation: String,
    /// Whether the GIL is enabled (false only on free-threaded builds with it off).
    pub gil: bool,
    /// Versions of the optional libraries found: requests, aiohttp, uvloop.
    pub libraries: std::collections::BTreeMap<String, String>,
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
pub fn probe(path: &str) -> Result<Interpreter, String> {
    let out = Command::new(path)
        .args(["-c", PROBE])
        .output()
        .map_err(|e| format!("{path}: cannot run it ({e})"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{path}: {}", err.lines().last().unwrap_or("failed to start")));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|_| format!("{path}: does not look like Python"))?;
    let (major, minor) = (v["major"].as_u64().unwrap_or(0), v["minor"].as_u64().unwrap_or(0));
    let version = v["version"].as_str().unwrap_or("?").to_string();
    if (major, minor) < (3, 8) {
        return Err(format!("{path}: Python {version} is older than 3.8"));
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

    fn spec(text: &str) -> String {
        crate::model::parse(text).map(|m| m.spec()).unwrap_or_else(|e| e)
    }

    #[test]
    fn names_parse_with_versions_and_libraries() {
        assert_eq!(spec("py-asyncio"), "py-asyncio");
        assert_eq!(spec("py-asyncio+aiohttp"), "py-asyncio+aiohttp");
        assert_eq!(spec("py3.13-asyncio+uvloop"), "py3.13-asyncio+uvloop");
        assert_eq!(spec("py-pool:size=8"), "py-pool:size=8");
        assert_eq!(spec("py-thread+requests"), "py-thread+requests");
        assert!(spec("py-thread+aiohttp").contains("aiohttp goes with py-asyncio"));
        assert!(spec("py-fiber").contains("unknown model"));
        assert!(spec("py-asyncio+numpy").contains("unknown library"));
    }

    #[test]
    fn this_machine_has_a_usable_python() {
        let py = probe("python3").expect("python3 is installed here");
        assert!(py.short.starts_with("3."));
        assert_eq!(py.implementation, "cpython");
        assert!(probe("/nonexistent/python").unwrap_err().contains("cannot run it"));
    }

    #[test]
    fn the_driver_is_written_once() {
        let a = driver_path().unwrap();
        let b = driver_path().unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read_to_string(a).unwrap(), DRIVER);
    }
}
