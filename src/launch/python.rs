//! The Python driver: the embedded package `python/conlab_driver/`, written to a cache
//! directory named by its contents at run time (so the binary alone is enough) and
//! compiled there once per interpreter; the probe that says what an interpreter is; and
//! the typed spec the driver reads on stdin, with the constants both languages share.
//!
//! A cell runs `python3 CACHE/conlab_driver-HASH` (the directory as a script: its
//! `__main__.py` runs the package), so the cell's `sys.path[0]` is the cache directory and
//! its working directory the user's, as for a script. The helper programs (probe, thread
//! footprint, compile, calibration) are modules of the package, run with `-m` from the
//! cache directory.
//!
//! The driver runs the Python models the way the Rust cell runs the Rust ones, and reports
//! the same raw [`crate::protocol::ChildReport`]: counts and histogram buckets, no summaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::measure::ceiling::{Footprint, Sample};
use crate::measure::env::Interpreter;
pub use crate::protocol::{BucketLayout, DriverConstants, DriverModel, DriverSpec};

/// The driver package, embedded at build time: `FILES`, (path relative to `python/`,
/// contents) for each of its files, listed by build.rs.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/driver_files.rs"));
}
pub use embedded::FILES;

/// An interpreter that cannot run the Python models, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {why}")]
pub struct PythonError {
    pub path: String,
    pub why: String,
}

/// Ask an interpreter what it is. Errors say why it cannot be used, in one line.
pub fn probe(path: &str) -> Result<Interpreter, PythonError> {
    let unusable = |why: String| PythonError {
        path: path.to_string(),
        why,
    };
    let driver = driver_path().map_err(|e| unusable(format!("cannot write the driver ({e})")))?;
    let out = crate::measure::lineage::die_with_parent(&mut module(path, &driver, "probe"))
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

/// What the footprint probe prints.
#[derive(Deserialize)]
struct Probed {
    samples: Vec<Sample>,
    steady: bool,
    process_bytes: u64,
}

/// Measure what a `threading.Thread` costs this interpreter in a driver process: its
/// mappings, address space and memory per thread and besides (see
/// [`crate::measure::ceiling`]), with `python/conlab_driver/footprint.py`.
pub fn thread_footprint(interpreter: &Interpreter) -> Result<Footprint, PythonError> {
    let unusable = |why: String| PythonError {
        path: interpreter.path.clone(),
        why,
    };
    let driver = driver_path().map_err(|e| unusable(format!("cannot write the driver ({e})")))?;
    let steps = crate::measure::ceiling::steps();
    let out = crate::measure::lineage::die_with_parent(&mut module(&interpreter.path, &driver, "footprint"))
        .args([steps.first, steps.step, steps.cap].map(|n| n.to_string()))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .map_err(|e| unusable(format!("cannot run it ({e})")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("failed").to_string();
        return Err(unusable(format!("thread probe failed: {last}")));
    }
    let probed: Probed =
        serde_json::from_slice(&out.stdout).map_err(|e| unusable(format!("thread probe printed no samples ({e})")))?;
    let [a, b] = probed.samples[..] else {
        return Err(unusable(format!(
            "thread probe printed {} samples, not 2",
            probed.samples.len()
        )));
    };
    let runtime = format!(
        "{} {} threading.Thread ({})",
        interpreter.implementation, interpreter.version, interpreter.path
    );
    Footprint::from_samples(runtime, &a, &b, probed.steady, probed.process_bytes)
        .ok_or_else(|| unusable("thread probe sampled no threads".into()))
}

/// The command that runs the driver's module `conlab_driver.NAME` under `interpreter`,
/// from the cache directory `driver` (its working directory, so that `-m` finds the
/// package there and nowhere else).
pub fn module(interpreter: &str, driver: &Path, name: &str) -> Command {
    let mut cmd = Command::new(interpreter);
    cmd.arg("-m")
        .arg(format!("conlab_driver.{name}"))
        .current_dir(driver)
        .stdin(Stdio::null());
    cmd
}

/// The hash of the embedded files (paths and contents): what names their cache directory.
fn files_hash() -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for (path, text) in FILES {
        for b in path.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

/// Write the embedded driver to its cache directory (once per driver version) and return
/// the directory: `$XDG_CACHE_HOME/conlab/conlab_driver-HASH/` (or `~/.cache/conlab/...`)
/// holding the package `conlab_driver/` and, beside it, its `__main__.py`, so that the
/// directory runs as a script. The files are written to a temporary directory first, then
/// renamed into place: a concurrent writer that loses the race uses the winner's.
pub fn driver_path() -> std::io::Result<PathBuf> {
    let dir = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("conlab");
    let path = dir.join(format!("conlab_driver-{:016x}", files_hash()));
    if path.join("__main__.py").is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(
        ".conlab_driver-{:016x}-{}.tmp",
        files_hash(),
        std::process::id()
    ));
    let written = write_files(&tmp).and_then(|()| std::fs::rename(&tmp, &path));
    match written {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            // Another process renamed its copy first (the directory exists, not empty):
            // the same files, since the name is their hash.
            match path.join("__main__.py").is_file() {
                true => Ok(path),
                false => Err(e),
            }
        }
    }
}

/// The embedded files under `dir` (made afresh), the package's `__main__.py` beside it too.
fn write_files(dir: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir); // a copy a killed writer left
    std::fs::create_dir_all(dir)?;
    for (relative, text) in FILES {
        let file = dir.join(relative);
        std::fs::create_dir_all(file.parent().expect("a file in the package"))?;
        std::fs::write(&file, text)?;
        if *relative == "conlab_driver/__main__.py" {
            std::fs::write(dir.join("__main__.py"), text)?;
        }
    }
    Ok(())
}

/// Compile the driver once for `interpreter` (`python -m conlab_driver.compile`, into the
/// cache directory's `__pycache__`); whether it worked. Compiling the driver's source
/// costs a CPython process several MiB of peak memory (its syntax trees), more than a
/// thousand waiting asyncio tasks; done here, in a process of its own before the first
/// cell, it never shows in a cell's peak. Bytecode already there is kept, so this is a
/// quick no-op after the first time. If it fails, cells compile the source themselves.
pub fn compile_driver(driver: &Path, interpreter: &Interpreter) -> bool {
    module(&interpreter.path, driver, "compile")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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
    fn a_thread_footprint_is_measured() {
        let py = probe("python3").expect("python3 is installed here");
        let fp = thread_footprint(&py).unwrap();
        assert!(fp.runtime.contains("threading.Thread"));
        // The intercept may be below zero (early threads' mappings merge into gaps).
        assert!(fp.maps_per_thread > 0.0 && fp.vm_per_thread > 0 && fp.process_bytes > 0);
        assert!(fp.sampled_at[1] > fp.sampled_at[0]);
    }

    #[test]
    fn the_driver_is_written_once() {
        let a = driver_path().unwrap();
        let b = driver_path().unwrap();
        assert_eq!(a, b);
        for (relative, text) in FILES {
            assert_eq!(&std::fs::read_to_string(a.join(relative)).unwrap(), text, "{relative}");
        }
        assert!(a.join("__main__.py").is_file());
        assert!(
            FILES.iter().any(|(p, _)| *p == "conlab_driver/http1.py"),
            "the package is embedded"
        );
    }

    /// The bucket layout the driver gets, and the shared fixture the Python tests read
    /// (`python/tests/fixtures/buckets.json`): each value's bucket key (its bucket's lowest
    /// value) is the one the Rust buckets give it.
    #[test]
    fn the_bucket_fixture_is_the_rust_layout() {
        use crate::measure::latency::Buckets;
        let text = include_str!("../../python/tests/fixtures/buckets.json");
        let fixture: serde_json::Value = serde_json::from_str(text).unwrap();
        let layout: BucketLayout = serde_json::from_value(fixture["layout"].clone()).unwrap();
        assert_eq!(layout, DriverConstants::get().buckets);
        let wire = |v: u64| {
            let mut b = Buckets::default();
            b.record(v);
            b.wire()
        };
        let pairs = fixture["keys"].as_array().unwrap();
        assert!(pairs.len() > 20);
        for pair in pairs {
            let (value, key) = (pair[0].as_u64().unwrap(), pair[1].as_u64().unwrap());
            assert_eq!(wire(value), wire(key), "{value} is in the bucket of {key}");
            if key > 1 {
                assert_ne!(wire(key - 1), wire(key), "{key} is its bucket's lowest value");
            }
        }
    }

    /// The constants the Python tests read from `python/tests/fixtures/constants.json`
    /// (they run without a spec) are the ones conlab sends.
    #[test]
    fn the_constants_fixture_is_what_the_driver_gets() {
        let text = include_str!("../../python/tests/fixtures/constants.json");
        let fixture: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(fixture["head_limit"], DriverConstants::get().head_limit);
    }

    /// The driver's own unit tests (`python/tests`, unittest), so that `cargo test` covers
    /// the Python half too; their output is shown either way.
    #[test]
    fn the_python_unit_tests_pass() {
        let python = concat!(env!("CONLAB_ROOT"), "/python");
        let out = Command::new("python3")
            .args(["-m", "unittest", "discover", "-s", "tests", "-v"])
            .current_dir(python)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("python3 runs");
        let text = String::from_utf8_lossy(&out.stderr);
        println!("{}{text}", String::from_utf8_lossy(&out.stdout));
        assert!(out.status.success(), "python/tests failed:\n{text}");
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
