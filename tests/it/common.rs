//! Helpers shared by the integration tests: run the real `conlab` binary, read its output.

#![allow(dead_code)]

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The conlab binary under test.
pub fn conlab() -> Command {
    let mut cmd = Command::cargo_bin("conlab").expect("conlab binary is built");
    cmd.env_remove("NO_COLOR").env("CI", "true");
    cmd
}

/// Run `conlab bench ARGS --out DIR` and return its output.
/// `conlab bench ARGS --out DIR`, one run per cell unless ARGS say `--repeat`.
pub fn bench(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = conlab();
    cmd.arg("bench").args(args).arg("--out").arg(dir);
    if !args.contains(&"--repeat") {
        cmd.args(["--repeat", "1"]);
    }
    cmd.timeout(std::time::Duration::from_secs(240));
    cmd.output().expect("conlab bench runs")
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Validate `instance` against the committed JSON Schema `schema/NAME`.
pub fn assert_valid(schema_file: &str, instance: &Value) {
    let schema = read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schema").join(schema_file));
    let validator = jsonschema::validator_for(&schema).expect("the committed schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "output does not match schema/{schema_file}:\n{}",
        errors.join("\n")
    );
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Pids of running processes whose command line contains `needle`.
pub fn processes_with(needle: &str) -> Vec<i32> {
    let me = std::process::id() as i32;
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// A `conlab serve` started by a test, stopped by pid when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub http: String,
    pub tcp: Option<String>,
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("conlab"))
            .arg("serve")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("conlab serve starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("first line {line:?}: {e}"));
        Server {
            child,
            http: v["http"].as_str().unwrap().to_string(),
            tcp: v["tcp"].as_str().map(String::from),
        }
    }

    /// `host:port` of the HTTP listener.
    pub fn addr(&self) -> String {
        self.http.trim_start_matches("http://").to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send raw bytes, return everything the server answers until it closes or 3 s pass.
pub fn raw_exchange(addr: &str, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(3))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Pids of every descendant of `pid`, with each one's start time (to tell a pid reused
/// later from the same process).
pub fn descendants(pid: u32) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for task in std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                if let Some(start) = start_time(child) {
                    found.push((child, start));
                    todo.push(child);
                }
            }
        }
    }
    found
}

/// Field 22 of /proc/PID/stat: when the process started.
pub fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 2..];
    after_comm.split_whitespace().nth(19).map(String::from)
}

/// Whether `python3` can import `module`.
pub fn importable(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}
