//! `py-task:file=PATH,fn=NAME[,afn=NAME][,setup=NAME][,adapt=true]`: the user's own Python
//! task. conlab's other workloads are stand-ins; the question a user really has is about
//! their code ("my job calls our API with requests and parses JSON: threads, a pool, or
//! asyncio?"), so they bring the task and conlab runs it under every Python model.
//!
//! The spec is parsed here, at the edge, and the file is read once: its SHA-256 goes into
//! the typed spec and its canonical spelling (`sha=...`), so results say exactly which
//! version of the code they measured and `compare` can tell an edit from a regression.
//! The Python driver imports the module from the path (checking the same hash) and calls
//! `setup` before the ready mark. There is no Rust body: a Rust model given a py-task is
//! skipped by the sweep (`crate::plan::mismatch`), never launched.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::params::{Params, SpecError};

/// Hex digits of the SHA-256 kept in the spec: 64 bits, plenty to tell two edits apart.
const SHA_DIGITS: usize = 16;

/// The user's Python task, as the driver receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyTask {
    /// The module's path as the user gave it (relative paths are resolved by the cell,
    /// which runs in conlab's working directory).
    pub file: String,
    /// The first 16 hex digits of the SHA-256 of the file's bytes when the spec was parsed.
    pub sha: String,
    /// `def fn(i)`, run by the thread, pool and process models.
    #[serde(rename = "fn")]
    pub func: Option<String>,
    /// `async def afn(i)`, run by the asyncio models.
    #[serde(rename = "afn")]
    pub afunc: Option<String>,
    /// `def setup()`, called once per cell process after the import, before the ready mark.
    pub setup: Option<String>,
    /// Run a model whose kind of function is missing the way users do: `fn` through
    /// `asyncio.to_thread` under asyncio, `asyncio.run(afn(i))` per task under threads.
    pub adapt: bool,
}

impl PyTask {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let spec = p.spec().to_string();
        let file = p
            .text("file")
            .ok_or_else(|| SpecError::invalid(&spec, "py-task needs file=PATH, e.g. py-task:file=task.py,fn=fetch"))?;
        let name = |p: &mut Params, key: &str| -> Result<Option<String>, SpecError> {
            match p.text(key) {
                None => Ok(None),
                Some(v) if is_identifier(&v) => Ok(Some(v)),
                Some(v) => Err(SpecError::invalid(&spec, format!("{key}={v} is not a Python name"))),
            }
        };
        let func = name(&mut p, "fn")?;
        let afunc = name(&mut p, "afn")?;
        let setup = name(&mut p, "setup")?;
        let adapt = p.flag("adapt", false)?;
        let pinned = p.text("sha");
        p.finish("file, fn, afn, setup, adapt, sha")?;
        if func.is_none() && afunc.is_none() {
            return Err(SpecError::invalid(
                spec,
                "py-task needs fn=NAME (def fn(i)) or afn=NAME (async def afn(i)), or both",
            ));
        }
        let bytes = std::fs::read(&file).map_err(|e| SpecError::invalid(&spec, format!("cannot read {file}: {e}")))?;
        let sha = sha_of(&bytes);
        if let Some(pinned) = pinned {
            if pinned != sha {
                return Err(SpecError::invalid(
                    spec,
                    format!("{file} has changed: sha={pinned} was asked for, the file is now sha={sha}"),
                ));
            }
        }
        Ok(PyTask {
            file,
            sha,
            func,
            afunc,
            setup,
            adapt,
        })
    }

    /// Why a model of this kind (`asynchronous`: an event loop) cannot run the task, if it
    /// cannot: the function it needs is missing and `adapt` is off.
    pub fn missing_for(&self, asynchronous: bool) -> Option<String> {
        match (asynchronous, &self.func, &self.afunc, self.adapt) {
            (_, _, _, true) => None,
            (true, _, Some(_), _) | (false, Some(_), _, _) => None,
            (true, _, None, _) => Some(
                "no afn given: asyncio models run `async def afn(i)`; give afn=NAME, or --adapt to run fn through asyncio.to_thread"
                    .into(),
            ),
            (false, None, _, _) => Some(
                "no fn given: thread, pool and process models run `def fn(i)`; give fn=NAME, or --adapt to run asyncio.run(afn(i)) per task"
                    .into(),
            ),
        }
    }
}

/// The first 16 hex digits of the SHA-256 of `bytes`.
pub fn sha_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..SHA_DIGITS].to_string()
}

/// A Python identifier in its ASCII form (what a `def` name in user code is, in practice).
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for PyTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "py-task:file={}", self.file)?;
        for (key, value) in [("fn", &self.func), ("afn", &self.afunc), ("setup", &self.setup)] {
            if let Some(v) = value {
                write!(f, ",{key}={v}")?;
            }
        }
        if self.adapt {
            f.write_str(",adapt=true")?;
        }
        write!(f, ",sha={}", self.sha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::WorkloadSpec;

    #[test]
    fn the_spec_carries_the_files_hash_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("task.py");
        std::fs::write(&file, "def f(i):\n    return i\n").unwrap();
        let path = file.display().to_string();
        let w: WorkloadSpec = format!("py-task:file={path},fn=f").parse().unwrap();
        let text = w.to_string();
        assert!(text.starts_with(&format!("py-task:file={path},fn=f,sha=")), "{text}");
        assert_eq!(text.parse::<WorkloadSpec>().unwrap(), w);
        std::fs::write(&file, "def f(i):\n    return i + 1\n").unwrap();
        let err = text.parse::<WorkloadSpec>().unwrap_err().to_string();
        assert!(err.contains("has changed"), "{err}");
        let edited: WorkloadSpec = format!("py-task:file={path},fn=f").parse().unwrap();
        assert_ne!(edited, w);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let err = |s: &str| s.parse::<WorkloadSpec>().unwrap_err().to_string();
        assert!(err("py-task:fn=f").contains("needs file=PATH"));
        assert!(err("py-task:file=/nonexistent/task.py,fn=f").contains("cannot read /nonexistent/task.py"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.py");
        std::fs::write(&file, "").unwrap();
        let f = file.display();
        assert!(err(&format!("py-task:file={f}")).contains("needs fn=NAME"));
        assert!(err(&format!("py-task:file={f},fn=1x")).contains("not a Python name"));
        assert!(err(&format!("py-task:file={f},fn=f,gn=g")).contains("unknown parameter"));
    }

    #[test]
    fn a_missing_function_is_named_unless_adapted() {
        let task = |func: Option<&str>, afunc: Option<&str>, adapt| PyTask {
            file: "t.py".into(),
            sha: "0".into(),
            func: func.map(String::from),
            afunc: afunc.map(String::from),
            setup: None,
            adapt,
        };
        assert!(task(Some("f"), None, false)
            .missing_for(true)
            .unwrap()
            .contains("no afn"));
        assert!(task(None, Some("g"), false)
            .missing_for(false)
            .unwrap()
            .contains("no fn"));
        assert_eq!(task(Some("f"), None, true).missing_for(true), None);
        assert_eq!(task(Some("f"), Some("g"), false).missing_for(true), None);
    }
}
