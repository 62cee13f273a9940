//! Python models: `py-thread`, `py-pool`, `py-asyncio`, `py-process`, `py-gevent`, and
//! their library variants (`+requests`, `+aiohttp`, `+uvloop`), among them the server
//! stacks people deploy, which serve `serve-http` on conlab's socket (`+http.server`,
//! `+aiohttp` as aiohttp.web, `+uvicorn`, `+gunicorn`). They are parsed and described here; the
//! cell itself runs in the Python driver (`crate::launch::python`), which speaks the same
//! protocol as a Rust cell, so both are measured by the same parent code.
//!
//! With several interpreters (`--python` given more than once) a model name carries the
//! version it runs under: `py3.13-asyncio`.

use std::fmt;

use super::job::{cores, default_pool_size};
use crate::params::{Params, SpecError};
use crate::workload::AppInterface;

pub const BASES: &[&str] = &["py-thread", "py-pool", "py-asyncio", "py-process", "py-gevent"];
const LIBS: &[(&str, &[&str])] = &[
    ("requests", &["py-thread", "py-pool", "py-process", "py-gevent"]),
    ("aiohttp", &["py-asyncio"]),
    ("uvloop", &["py-asyncio"]),
    ("http.server", &["py-thread"]),
    ("uvicorn", &["py-asyncio"]),
    ("gunicorn", &["py-pool", "py-process", "py-gevent"]),
];
const LIB_NAMES: &str = "requests, aiohttp, uvloop, http.server, uvicorn, gunicorn";

/// The libraries that are server stacks only: they serve `serve-http` on conlab's socket
/// and run no client workload. (`aiohttp` is both: a client, and aiohttp.web.)
pub const SERVER_STACKS: &[&str] = &["http.server", "uvicorn", "gunicorn"];

/// A Python model with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyModel {
    /// `py-thread`, `py-pool`, `py-asyncio`, `py-process` or `py-gevent`.
    pub base: &'static str,
    /// `requests`, `aiohttp`, `uvloop`, or a server stack (`http.server`, `uvicorn`,
    /// `gunicorn`).
    pub lib: Option<&'static str>,
    /// The pool size (`py-pool`, and `py-gevent`'s `gevent.pool.Pool`), the process
    /// count, or aiohttp's connector limit given (`None`: the default; for aiohttp
    /// conlab's, one connection per task; for gevent a greenlet per task, unbounded).
    pub size: Option<usize>,
    /// `3.13` in `py3.13-asyncio`.
    pub version: Option<String>,
    /// `py-asyncio:procs=P` or `:threads=T`: the tasks split over several event loops.
    pub split: Option<Split>,
    /// `py-asyncio:eager=true`: the loop's task factory is `asyncio.eager_task_factory`
    /// (Python 3.12+), so a task runs up to its first real wait inside `create_task`.
    pub eager: bool,
}

/// The first Python whose asyncio has `eager_task_factory`.
pub const EAGER_SINCE: (u32, u32) = (3, 12);

/// How a hybrid `py-asyncio` spreads its tasks over event loops, each running its
/// contiguous share at once: what people reach for when one loop is not enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// P worker processes (fork), one event loop each: uvicorn/gunicorn workers,
    /// aiomultiprocess.
    Procs(usize),
    /// T threads in one process, one event loop each: what the GIL makes of it.
    Threads(usize),
}

/// Whether a model name belongs to the Python family.
pub fn is_python_name(name: &str) -> bool {
    name.starts_with("py-") || (name.starts_with("py3") && name.contains('-'))
}

impl PyModel {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let spec = p.spec().to_string();
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
                return Err(SpecError::invalid(spec, format!("'{v}' is not a Python version")));
            }
        }
        let base = *BASES
            .iter()
            .find(|b| **b == base_name)
            .ok_or_else(|| SpecError::Unknown {
                family: "model",
                name: name.clone(),
                known: BASES.join(", "),
            })?;
        let lib = match lib {
            None => None,
            Some(l) => {
                let (lib, bases) = LIBS
                    .iter()
                    .find(|(n, _)| *n == l)
                    .ok_or_else(|| SpecError::invalid(spec.clone(), format!("unknown library '{l}' ({LIB_NAMES})")))?;
                if !bases.contains(&base) {
                    return Err(SpecError::invalid(
                        spec,
                        format!("{lib} goes with {}", bases.join(", ")),
                    ));
                }
                Some(*lib)
            }
        };
        let key = match (base, lib) {
            // gunicorn's gevent worker takes no size: one greenlet per connection.
            ("py-gevent", Some("gunicorn")) => "",
            ("py-pool" | "py-gevent", _) => "size",
            ("py-process", _) => "workers",
            // The article's `fetch_many` as written: aiohttp's own connector, 100 connections.
            ("py-asyncio", Some("aiohttp")) => "limit",
            _ => "",
        };
        let size = match key.is_empty() {
            true => None,
            false => p.positional_count(key)?,
        };
        let split = match base {
            "py-asyncio" => {
                let procs = p.optional_count("procs")?;
                let threads = p.optional_count("threads")?;
                match (procs, threads) {
                    (_, Some(_)) if lib == Some("uvicorn") => {
                        return Err(SpecError::invalid(
                            spec,
                            "uvicorn runs one event loop per process: procs=P, not threads",
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(SpecError::invalid(spec, "procs and threads exclude each other"));
                    }
                    (Some(0), _) | (_, Some(0)) => {
                        return Err(SpecError::invalid(spec, "procs or threads must be at least 1"));
                    }
                    (Some(n), None) => Some(Split::Procs(n as usize)),
                    (None, Some(n)) => Some(Split::Threads(n as usize)),
                    (None, None) => None,
                }
            }
            _ => None,
        };
        let eager = match (base, p.text("eager").as_deref()) {
            (_, None) => false,
            ("py-asyncio", Some("true" | "on" | "yes" | "1")) => true,
            ("py-asyncio", Some("false" | "off" | "no" | "0")) => false,
            ("py-asyncio", Some(other)) => {
                return Err(SpecError::invalid(
                    spec,
                    format!("eager takes true or false, not '{other}'"),
                ));
            }
            (_, Some(_)) => {
                return Err(SpecError::invalid(
                    spec,
                    "eager=true goes with py-asyncio (an asyncio task factory)",
                ));
            }
        };
        p.finish(match (base, key) {
            ("py-asyncio", "limit") => "limit, procs, threads, eager",
            ("py-asyncio", _) => "procs, threads, eager",
            (_, "") => "none",
            (_, key) => key,
        })?;
        Ok(PyModel {
            base,
            lib,
            size,
            version,
            split,
            eager,
        })
    }

    /// The same model under a given interpreter version.
    pub fn with_version(&self, version: Option<String>) -> PyModel {
        PyModel {
            version,
            ..self.clone()
        }
    }

    /// Every library the model needs installed: its own, and what it runs on (gevent for
    /// every `py-gevent`; uvicorn's workers are gunicorn's `UvicornWorker`). The standard
    /// library's `http.server` is always there (the probe lists it).
    pub fn libraries(&self) -> Vec<&'static str> {
        let mut libs: Vec<&'static str> = (self.base == "py-gevent").then_some("gevent").into_iter().collect();
        libs.extend(self.lib);
        if let ("py-asyncio", Some("uvicorn"), Some(Split::Procs(_))) = (self.base, self.lib, self.split) {
            libs.push("gunicorn");
        }
        libs
    }

    /// The interface of the user's web app this model's stack serves (`serve-app`):
    /// uvicorn ASGI; gunicorn's worker classes and http.server (through wsgiref) WSGI.
    /// `None`: not a stack that serves a user's app (aiohttp.web serves its own kind of
    /// app; the plain models are conlab's accept loops).
    pub fn app_interface(&self) -> Option<AppInterface> {
        match (self.base, self.lib) {
            ("py-asyncio", Some("uvicorn")) => Some(AppInterface::Asgi),
            ("py-pool" | "py-process" | "py-gevent", Some("gunicorn")) | ("py-thread", Some("http.server")) => {
                Some(AppInterface::Wsgi)
            }
            _ => None,
        }
    }

    /// Whether the model's library is a server stack (serves `serve-http` only).
    pub fn is_server_stack(&self) -> bool {
        self.lib.is_some_and(|l| SERVER_STACKS.contains(&l))
    }

    pub fn is_async(&self) -> bool {
        self.base == "py-asyncio"
    }

    /// The pool's threads or the worker processes, resolved, or the greenlet pool's size
    /// given: what the driver is told.
    pub fn queue_width(&self) -> Option<usize> {
        match self.base {
            "py-pool" => Some(self.size.unwrap_or_else(default_pool_size)),
            "py-process" => Some(self.size.unwrap_or_else(cores)),
            "py-gevent" => self.size,
            _ => None,
        }
    }

    /// The oldest Python (major, minor) the model runs on, when it needs a newer one than
    /// the driver's own 3.8: `eager=true` needs [`EAGER_SINCE`].
    pub fn min_python(&self) -> Option<((u32, u32), &'static str)> {
        self.eager
            .then_some((EAGER_SINCE, "eager=true needs asyncio.eager_task_factory"))
    }
}

impl fmt::Display for PyModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "py{v}-{}", &self.base["py-".len()..])?,
            None => f.write_str(self.base)?,
        }
        if let Some(lib) = self.lib {
            write!(f, "+{lib}")?;
        }
        let mut params = Vec::new();
        match (self.base, self.size) {
            ("py-pool" | "py-gevent", Some(n)) => params.push(format!("size={n}")),
            ("py-process", Some(n)) => params.push(format!("workers={n}")),
            ("py-asyncio", Some(n)) => params.push(format!("limit={n}")),
            _ => {}
        }
        match self.split {
            Some(Split::Procs(n)) => params.push(format!("procs={n}")),
            Some(Split::Threads(n)) => params.push(format!("threads={n}")),
            None => {}
        }
        if self.eager {
            params.push("eager=true".into());
        }
        match params.is_empty() {
            true => Ok(()),
            false => write!(f, ":{}", params.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {

    fn spec(text: &str) -> String {
        text.parse::<crate::model::ModelSpec>()
            .map(|m| m.to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn names_parse_with_versions_and_libraries() {
        assert_eq!(spec("py-asyncio"), "py-asyncio");
        assert_eq!(spec("py-asyncio+aiohttp"), "py-asyncio+aiohttp");
        assert_eq!(spec("py3.13-asyncio+uvloop"), "py3.13-asyncio+uvloop");
        assert_eq!(spec("py-pool:size=8"), "py-pool:size=8");
        assert_eq!(spec("py-thread+requests"), "py-thread+requests");
        assert_eq!(spec("py-asyncio+aiohttp:limit=100"), "py-asyncio+aiohttp:limit=100");
        assert!(spec("py-asyncio:limit=100").contains("unknown parameter"));
        assert!(spec("py-thread+aiohttp").contains("aiohttp goes with py-asyncio"));
        assert!(spec("py-fiber").contains("unknown model"));
        assert!(spec("py-asyncio+numpy").contains("unknown library"));
        assert_eq!(spec("py-asyncio:procs=2"), "py-asyncio:procs=2");
        assert_eq!(spec("py-asyncio+uvloop:threads=4"), "py-asyncio+uvloop:threads=4");
        assert_eq!(
            spec("py-asyncio+aiohttp:limit=100,procs=2"),
            "py-asyncio+aiohttp:limit=100,procs=2"
        );
        assert!(spec("py-asyncio:procs=2,threads=2").contains("exclude each other"));
        assert!(spec("py-asyncio:procs=0").contains("at least 1"));
        assert!(spec("py-thread:procs=2").contains("unknown parameter"));
    }

    #[test]
    fn gevent_takes_requests_and_a_pool_size() {
        assert_eq!(spec("py-gevent"), "py-gevent");
        assert_eq!(spec("py-gevent:size=4"), "py-gevent:size=4");
        assert_eq!(spec("py-gevent:4"), "py-gevent:size=4");
        assert_eq!(spec("py-gevent+requests"), "py-gevent+requests");
        assert_eq!(spec("py-gevent+requests:size=100"), "py-gevent+requests:size=100");
        assert_eq!(spec("py3.12-gevent"), "py3.12-gevent");
        assert!(spec("py-gevent+aiohttp").contains("aiohttp goes with py-asyncio"));
        assert!(spec("py-gevent+uvloop").contains("uvloop goes with py-asyncio"));
        assert!(spec("py-gevent:procs=2").contains("unknown parameter"));
        assert!(spec("py-gevent:workers=2").contains("unknown parameter"));
        assert!(spec("py-gevent:size=none").contains("size"));
        let m: crate::model::ModelSpec = "py-gevent+requests:size=8".parse().unwrap();
        let crate::model::ModelSpec::Python(m) = m else {
            panic!("{m}")
        };
        assert_eq!(m.queue_width(), Some(8));
        assert_eq!(m.libraries(), ["gevent", "requests"]);
        assert!(!m.is_async());
        let crate::model::ModelSpec::Python(m) = "py-gevent".parse().unwrap() else {
            panic!()
        };
        assert_eq!(m.queue_width(), None, "a greenlet per task");
    }

    #[test]
    fn eager_goes_with_asyncio_and_its_variants() {
        assert_eq!(spec("py-asyncio:eager=true"), "py-asyncio:eager=true");
        assert_eq!(spec("py-asyncio:eager=false"), "py-asyncio");
        assert_eq!(spec("py-asyncio+uvloop:eager=true"), "py-asyncio+uvloop:eager=true");
        assert_eq!(
            spec("py-asyncio+aiohttp:eager=on,limit=100,procs=2"),
            "py-asyncio+aiohttp:limit=100,procs=2,eager=true"
        );
        assert_eq!(
            spec("py-asyncio:threads=2,eager=true"),
            "py-asyncio:threads=2,eager=true"
        );
        assert!(spec("py-asyncio:eager=maybe").contains("eager takes true or false"));
        assert!(spec("py-thread:eager=true").contains("goes with py-asyncio"));
        assert!(spec("py-gevent:eager=true").contains("goes with py-asyncio"));
        let crate::model::ModelSpec::Python(m) = "py-asyncio:eager=true".parse().unwrap() else {
            panic!()
        };
        assert_eq!(m.min_python().map(|(v, _)| v), Some((3, 12)));
        let crate::model::ModelSpec::Python(m) = "py-asyncio".parse().unwrap() else {
            panic!()
        };
        assert_eq!(m.min_python(), None);
    }

    #[test]
    fn server_stacks_parse_with_their_bases() {
        assert_eq!(spec("py-thread+http.server"), "py-thread+http.server");
        assert_eq!(spec("py-asyncio+uvicorn"), "py-asyncio+uvicorn");
        assert_eq!(spec("py-asyncio+uvicorn:procs=2"), "py-asyncio+uvicorn:procs=2");
        assert_eq!(spec("py-pool+gunicorn:size=16"), "py-pool+gunicorn:size=16");
        assert_eq!(spec("py-process+gunicorn:workers=2"), "py-process+gunicorn:workers=2");
        assert_eq!(spec("py-gevent+gunicorn"), "py-gevent+gunicorn");
        assert!(spec("py-asyncio+uvicorn:threads=2").contains("procs=P, not threads"));
        assert!(spec("py-asyncio+gunicorn").contains("gunicorn goes with py-pool, py-process, py-gevent"));
        assert!(spec("py-pool+http.server").contains("http.server goes with py-thread"));
        assert!(spec("py-gevent+gunicorn:size=2").contains("unknown parameter"));
    }

    #[test]
    fn a_stack_needs_what_it_runs_on() {
        let libs = |text: &str| match text.parse::<crate::model::ModelSpec>().unwrap() {
            crate::model::ModelSpec::Python(p) => p.libraries(),
            _ => unreachable!(),
        };
        assert_eq!(libs("py-asyncio+uvicorn"), ["uvicorn"]);
        assert_eq!(libs("py-asyncio+uvicorn:procs=2"), ["uvicorn", "gunicorn"]);
        assert_eq!(libs("py-gevent+gunicorn"), ["gevent", "gunicorn"]);
        assert!(libs("py-thread").is_empty());
    }

    #[test]
    fn stacks_say_which_apps_they_serve() {
        use crate::workload::AppInterface::{Asgi, Wsgi};
        let serves = |text: &str| match text.parse::<crate::model::ModelSpec>().unwrap() {
            crate::model::ModelSpec::Python(p) => p.app_interface(),
            _ => unreachable!(),
        };
        assert_eq!(serves("py-asyncio+uvicorn:procs=2"), Some(Asgi));
        for wsgi in [
            "py-pool+gunicorn:size=4",
            "py-process+gunicorn",
            "py-gevent+gunicorn",
            "py-thread+http.server",
        ] {
            assert_eq!(serves(wsgi), Some(Wsgi), "{wsgi}");
        }
        for neither in ["py-asyncio+aiohttp", "py-asyncio", "py-thread", "py-asyncio+uvloop"] {
            assert_eq!(serves(neither), None, "{neither}");
        }
    }
}
