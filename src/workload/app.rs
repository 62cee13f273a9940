//! `serve-app:asgi=FILE:APP` or `serve-app:wsgi=FILE:APP`, with `path=/...` (repeatable)
//! or `paths=FILE`, `method=`, `duration=`, `rate=`, `generators=`: the user's own web
//! app, served by the stacks people deploy it on. serve-http's handler is conlab's, and a
//! verdict on it says little about a Starlette or Flask service; this workload serves
//! the user's app instead, under every stack that speaks its interface (ASGI: uvicorn;
//! WSGI: gunicorn's sync, gthread and gevent workers, wsgiref on a threading server),
//! driven by the same load generator as serve-http.
//!
//! As with `py-task`, the file is read once, here: its SHA-256 goes into the typed spec
//! and its canonical spelling (`sha=...`), and the driver imports exactly those bytes in
//! the server cell before the ready line, reporting the import's time and memory apart
//! (`user_setup`). Which stacks fit is the model's to say
//! (`PyModel::app_interface`); any other model's cell is `unsupported` at plan time.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::method::Method;
use super::pytask::{is_identifier, sha_of};
use crate::params::{Params, SpecError};
use crate::units::format_duration;

/// The interface a user's web app is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interface {
    /// `async def app(scope, receive, send)`: Starlette, FastAPI, Quart.
    Asgi,
    /// `def app(environ, start_response)`: Flask, Django, Bottle.
    Wsgi,
}

impl Interface {
    pub fn name(self) -> &'static str {
        match self {
            Interface::Asgi => "asgi",
            Interface::Wsgi => "wsgi",
        }
    }
}

/// The user's web app and the requests it is measured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeApp {
    pub interface: Interface,
    /// The module's path as the user gave it.
    pub file: String,
    /// The app's name in the module (`app` in `main.py:app`).
    pub app: String,
    /// The first 16 hex digits of the SHA-256 of the module's bytes at parse time.
    pub sha: String,
    /// The request paths, dealt out round-robin over each connection's requests.
    pub paths: Vec<String>,
    /// `paths=FILE`: the file the paths were read from (one a line), printed instead of them.
    pub paths_file: Option<String>,
    pub method: Method,
    #[serde(rename = "duration_ns", with = "crate::units::serde_ns")]
    pub duration: Duration,
    /// Open loop: requests per second in total; `None`: closed loop.
    pub rate: Option<u64>,
    /// Load generator processes the connections (and the rate) are split over.
    pub generators: usize,
}

/// A request path the load generator can send: absolute, no spaces or control bytes.
fn check_path(spec: &str, path: &str) -> Result<(), SpecError> {
    if !path.starts_with('/') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(SpecError::invalid(
            spec,
            format!("path '{path}' must start with / and hold no spaces or control characters"),
        ));
    }
    Ok(())
}

/// The paths of a `paths=FILE`: one a line, blank lines and `#` comments left out.
fn read_paths(spec: &str, file: &str) -> Result<Vec<String>, SpecError> {
    let text =
        std::fs::read_to_string(file).map_err(|e| SpecError::invalid(spec, format!("cannot read {file}: {e}")))?;
    let paths: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    if paths.is_empty() {
        return Err(SpecError::invalid(spec, format!("{file} holds no paths")));
    }
    Ok(paths)
}

impl ServeApp {
    pub fn parse(mut p: Params) -> Result<Self, SpecError> {
        let spec = p.spec().to_string();
        let (interface, target) = match (p.text("asgi"), p.text("wsgi")) {
            (Some(t), None) => (Interface::Asgi, t),
            (None, Some(t)) => (Interface::Wsgi, t),
            (Some(_), Some(_)) => {
                return Err(SpecError::invalid(
                    spec,
                    "give asgi=FILE:APP or wsgi=FILE:APP, not both",
                ))
            }
            (None, None) => {
                return Err(SpecError::invalid(
                    spec,
                    "serve-app needs asgi=FILE:APP or wsgi=FILE:APP, e.g. serve-app:wsgi=app.py:app",
                ))
            }
        };
        let (file, app) = target
            .rsplit_once(':')
            .filter(|(f, a)| !f.is_empty() && is_identifier(a))
            .ok_or_else(|| {
                SpecError::invalid(
                    &spec,
                    format!(
                        "{}={target}: expected FILE:APP, APP a Python name (app.py:app)",
                        interface.name()
                    ),
                )
            })?;
        let given = p.all("path");
        let paths_file = p.text("paths");
        let paths = match (&paths_file, given.is_empty()) {
            (Some(_), false) => return Err(SpecError::invalid(spec, "give path=... or paths=FILE, not both")),
            (Some(f), true) => read_paths(&spec, f)?,
            (None, true) => vec!["/".to_string()],
            (None, false) => given,
        };
        for path in &paths {
            check_path(&spec, path)?;
        }
        let method = Method::parse(&mut p)?;
        let duration = p.duration("duration", Some(Duration::from_secs(5)))?;
        let rate = p.optional_count("rate")?;
        let generators = match p.count("generators", Some(1))? {
            0 => return Err(SpecError::invalid(spec, "generators must be at least 1")),
            k => k as usize,
        };
        let pinned = p.text("sha");
        p.finish("asgi, wsgi, path, paths, method, duration, rate, generators, sha")?;
        if duration.is_zero() {
            return Err(SpecError::invalid(spec, "duration must be more than 0"));
        }
        if rate.is_some_and(|r| r < generators as u64) {
            return Err(SpecError::invalid(
                spec,
                "rate must be at least 1 request/s per generator",
            ));
        }
        let bytes = std::fs::read(file).map_err(|e| SpecError::invalid(&spec, format!("cannot read {file}: {e}")))?;
        let sha = sha_of(&bytes);
        if let Some(pinned) = pinned.filter(|p| *p != sha) {
            return Err(SpecError::invalid(
                spec,
                format!("{file} has changed: sha={pinned} was asked for, the file is now sha={sha}"),
            ));
        }
        Ok(ServeApp {
            interface,
            file: file.to_string(),
            app: app.to_string(),
            sha,
            paths,
            paths_file,
            method,
            duration,
            rate,
            generators,
        })
    }

    /// `open loop, ...` or `closed loop`, with the paths and the method.
    pub fn mode(&self) -> String {
        let paths = match self.paths.as_slice() {
            [one] => one.clone(),
            many => format!("{} paths round-robin", many.len()),
        };
        let shape = match self.rate {
            Some(r) => format!("open loop, {r} requests/s from intended send times"),
            None => "closed loop".into(),
        };
        format!("{shape}, {} {paths}", self.method)
    }
}

impl fmt::Display for ServeApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "serve-app:{}={}:{}", self.interface.name(), self.file, self.app)?;
        match &self.paths_file {
            Some(file) => write!(f, ",paths={file}")?,
            None => {
                for path in &self.paths {
                    write!(f, ",path={path}")?;
                }
            }
        }
        f.write_str(&self.method.spec_suffix())?;
        write!(f, ",duration={}", format_duration(self.duration))?;
        if let Some(rate) = self.rate {
            write!(f, ",rate={rate}")?;
        }
        if self.generators != 1 {
            write!(f, ",generators={}", self.generators)?;
        }
        write!(f, ",sha={}", self.sha)
    }
}

#[cfg(test)]
mod tests {
    use crate::workload::WorkloadSpec;

    fn err(text: &str) -> String {
        text.parse::<WorkloadSpec>().unwrap_err().to_string()
    }

    #[test]
    fn the_spec_carries_paths_and_the_files_hash_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.py");
        std::fs::write(&file, "def app(environ, start_response):\n    return []\n").unwrap();
        let f = file.display().to_string();
        let w: WorkloadSpec = format!("serve-app:wsgi={f}:app,path=/a,method=post,path=/b?q=1,duration=1s")
            .parse()
            .unwrap();
        let text = w.to_string();
        assert!(
            text.starts_with(&format!(
                "serve-app:wsgi={f}:app,path=/a,path=/b?q=1,method=POST,duration=1s,sha="
            )),
            "{text}"
        );
        assert_eq!(text.parse::<WorkloadSpec>().unwrap(), w);
        let WorkloadSpec::ServeApp(app) = &w else { panic!("{w}") };
        assert_eq!(app.mode(), "closed loop, POST 2 paths round-robin");
        let listed = dir.path().join("paths.txt");
        std::fs::write(&listed, "# routes\n/items\n\n/items/7\n").unwrap();
        let l = listed.display();
        let w: WorkloadSpec = format!("serve-app:asgi={f}:app,paths={l},rate=10").parse().unwrap();
        let WorkloadSpec::ServeApp(app) = &w else { panic!("{w}") };
        assert_eq!(app.paths, ["/items", "/items/7"]);
        assert!(
            w.to_string().contains(&format!(",paths={l},duration=5s,rate=10,sha=")),
            "{w}"
        );
        std::fs::write(&file, "app = None\n").unwrap();
        assert!(err(&text).contains("has changed"));
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.py");
        std::fs::write(&file, "").unwrap();
        let f = file.display();
        assert!(err("serve-app:path=/").contains("needs asgi=FILE:APP or wsgi=FILE:APP"));
        assert!(err(&format!("serve-app:asgi={f}:app,wsgi={f}:app")).contains("not both"));
        assert!(err(&format!("serve-app:asgi={f}")).contains("expected FILE:APP"));
        assert!(err(&format!("serve-app:asgi={f}:1app")).contains("expected FILE:APP"));
        assert!(err("serve-app:wsgi=/nonexistent/app.py:app").contains("cannot read /nonexistent/app.py"));
        assert!(err(&format!("serve-app:wsgi={f}:app,path=items")).contains("must start with /"));
        assert!(err(&format!("serve-app:wsgi={f}:app,path=/,paths={f}")).contains("not both"));
        assert!(err(&format!("serve-app:wsgi={f}:app,paths={f}")).contains("holds no paths"));
        assert!(err(&format!("serve-app:wsgi={f}:app,method=HEAD")).contains("one of GET"));
        assert!(err(&format!("serve-app:wsgi={f}:app,duration=0s")).contains("more than 0"));
        assert!(err(&format!("serve-app:wsgi={f}:app,rate=1,generators=2")).contains("per generator"));
        assert!(err(&format!("serve-app:wsgi={f}:app,latency=1ms")).contains("unknown parameter"));
        assert!(err(&format!("serve-app:wsgi={f}:app,duration=1s,duration=2s")).contains("twice"));
    }
}
