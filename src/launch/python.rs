//! The Python driver: the embedded `python/conlab_driver.py`, written to a cache
//! directory at run time (so the binary alone is enough), the probe that says what an
//! interpreter is, and the typed spec the driver reads on stdin.
//!
//! The driver runs the Python models the way the Rust cell runs the Rust ones, and reports
//! the same raw [`crate::cell::ChildReport`]: counts and histogram buckets, no summaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::measure::ceiling::{Footprint, Sample};
use crate::measure::env::Interpreter;
use crate::model::python::Split;
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
    /// aiohttp's connector limit when given (`py-asyncio+aiohttp:limit=100`, the
    /// article's default connector); `None`: one connection per task.
    pub limit: Option<usize>,
    /// `py-asyncio:procs=P`: worker processes with one event loop each.
    pub procs: Option<usize>,
    /// `py-asyncio:threads=T`: threads with one event loop each.
    pub threads: Option<usize>,
}

impl From<&PyModel> for DriverModel {
    fn from(m: &PyModel) -> Self {
        DriverModel {
            kind: m.base,
            lib: m.lib,
            workers: m.queue_width(),
            limit: m.size.filter(|_| m.is_async()),
            procs: match m.split {
                Some(Split::Procs(n)) => Some(n),
                _ => None,
            },
            threads: match m.split {
                Some(Split::Threads(n)) => Some(n),
                _ => None,
            },
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
    let out = crate::measure::lineage::die_with_parent(&mut Command::new(path))
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

/// Threads that wait on an Event, started in steps with the process sampled after each,
/// until a step whose new mappings all lie below the earlier ones (the rule of
/// [`crate::measure::ceiling::settled`]) or the cap; and, from a helper process, one
/// worker forked the way py-process forks its pool, with the memory it holds of its own
/// once started. The driver is loaded first (as a module, so its `main` does not run), so
/// the base mappings are a driver process's, not a bare interpreter's.
const FOOTPRINT: &str = r#"
import json, os, runpy, sys, threading
runpy.run_path(sys.argv[1], run_name="conlab_footprint")
first, step, cap = (int(a) for a in sys.argv[2:5])
def sample(n):
    with open("/proc/self/maps") as f:
        maps = sum(1 for _ in f)
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmSize", "VmRSS", "VmPTE"):
                fields[key] = int(rest.split()[0]) * 1024
    return {"threads": n, "maps": maps, "vm": fields.get("VmSize", 0), "rss": fields.get("VmRSS", 0),
            "pte": fields.get("VmPTE", 0)}
def area():
    ranges = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            name = parts[5] if len(parts) > 5 else ""
            if name.startswith("[") and name != "[heap]":
                continue
            lo, hi = parts[0].split("-")
            ranges.append((int(lo, 16), int(hi, 16)))
    ranges.sort()
    widest = max(range(1, len(ranges)), key=lambda i: ranges[i][0] - ranges[i - 1][1], default=0)
    return ranges[widest:]
def settled(before, after):
    if not before:
        return False
    low, old = min(r[0] for r in before), set(before)
    return all(r[0] < low for r in after if r not in old)
def own_memory(pid):
    total = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Private_Clean:", "Private_Dirty:"):
                total += int(parts[1]) * 1024
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmPTE:"):
                total += int(line.split()[1]) * 1024
    return total
def die_with(parent):
    # Both forks below die with the process that forked them (PR_SET_PDEATHSIG = SIGKILL),
    # as every process conlab starts does: a probe killed with its sweep takes them along.
    libc.prctl(1, 9)
    if os.getppid() != parent:
        os._exit(1)
def worker(ready, go, parent):
    die_with(parent)
    os.write(ready, b"r")
    os.read(go, 1)
# The worker is forked from a helper forked now, before any probe thread: the helper's
# imports stay out of this process's mappings, and the threads out of the worker's memory.
result_r, result_w = os.pipe()
probe = os.getpid()
helper = os.fork()
if helper == 0:
    try:
        import ctypes, multiprocessing
        libc = ctypes.CDLL(None)
        die_with(probe)
        ready, go = os.pipe(), os.pipe()
        child = multiprocessing.get_context("fork").Process(target=worker, args=(ready[1], go[0], os.getpid()), daemon=True)
        child.start()
        os.close(ready[1])
        os.read(ready[0], 1)
        own = own_memory(child.pid)
        os.write(go[1], b"g")
        child.join()
        os.write(result_w, str(own).encode())
    finally:
        os._exit(0)
os.close(result_w)
release = threading.Event()
threads, history = [], []
last = step_result = None
try:
    target = first
    while step_result is None:
        try:
            while len(threads) < target:
                t = threading.Thread(target=release.wait, daemon=True)
                t.start()
                threads.append(t)
        except RuntimeError:  # a limit struck first: the last whole step is the measure
            if len(history) < 2:
                raise
            step_result = (history[-2:], False)
            break
        now = (sample(target), area())
        if last is not None:
            steady = settled(last[1], now[1])
            if steady or target >= cap:
                step_result = ([last[0], now[0]], steady)
        last = now
        history.append(now[0])
        target += step
finally:
    release.set()
    for t in threads:
        t.join()
with os.fdopen(result_r, "rb") as f:
    own = f.read()
os.waitpid(helper, 0)
if not own:
    sys.exit("the forked worker could not be measured")
process_bytes = int(own)
print(json.dumps({"samples": step_result[0], "steady": step_result[1], "process_bytes": process_bytes}))
"#;

/// What the footprint probe prints.
#[derive(Deserialize)]
struct Probed {
    samples: Vec<Sample>,
    steady: bool,
    process_bytes: u64,
}

/// Measure what a `threading.Thread` costs this interpreter in a driver process: its
/// mappings, address space and memory per thread and besides (see
/// [`crate::measure::ceiling`]).
pub fn thread_footprint(interpreter: &Interpreter) -> Result<Footprint, PythonError> {
    let unusable = |why: String| PythonError {
        path: interpreter.path.clone(),
        why,
    };
    let driver = driver_path().map_err(|e| unusable(format!("cannot write the driver ({e})")))?;
    let steps = crate::measure::ceiling::steps();
    let out = crate::measure::lineage::die_with_parent(&mut Command::new(&interpreter.path))
        .arg("-c")
        .arg(FOOTPRINT)
        .arg(&driver)
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

/// Compile the driver once for `interpreter` and return its bytecode file, which the
/// interpreter runs as a script (`python3 driver.cpython-311.pyc`). Compiling the
/// driver's source costs a CPython process about 6.5 MiB of peak memory (its syntax tree),
/// more than a thousand waiting asyncio tasks; done here, in a process of its own before
/// the first cell, it never shows in a cell's peak. The file sits beside the driver,
/// named by the driver's hash and the interpreter's cache tag, so it is written once per
/// driver version and interpreter. `None` if it cannot be written: cells then run the
/// source, as before.
pub fn compile_driver(driver: &Path, interpreter: &Interpreter) -> Option<PathBuf> {
    const COMPILE: &str = r#"
import os, py_compile, sys
src = sys.argv[1]
pyc = "%s.%s.pyc" % (src[:-3], sys.implementation.cache_tag)
if not os.path.exists(pyc):
    py_compile.compile(src, cfile=pyc, doraise=True)
print(pyc)
"#;
    let out = Command::new(&interpreter.path)
        .args(["-c", COMPILE])
        .arg(driver)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (out.status.success() && path.is_file()).then_some(path)
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
