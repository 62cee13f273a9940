//! The target server `conlab bench` starts for itself: `conlab serve` as a separate
//! process on loopback (so its CPU and memory are never charged to a cell), read its
//! addresses from its first line, and stop it by pid when the sweep ends, however it ends.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Why the own server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The cause is in the message, so not also the source (it would print twice).
    #[error("cannot start the target server: {0}")]
    Spawn(std::io::Error),
    #[error("the target server did not start within 10 s")]
    Silent,
    #[error("the target server said '{0}'")]
    Garbled(String),
}

/// A running `conlab serve`; stopped when dropped.
pub struct OwnServer {
    child: Child,
    pub http: String,
    pub tcp: String,
}

impl OwnServer {
    /// Start `conlab serve` on 127.0.0.1 with a TCP echo port, and wait for its addresses.
    pub fn start(exe: &Path) -> Result<OwnServer, StartError> {
        let mut cmd = Command::new(exe);
        cmd.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tcp-listen",
            "127.0.0.1:0",
            "--latency",
            "0ms",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0);
        crate::measure::lineage::die_with_parent(&mut cmd);
        let mut child = cmd.spawn().map_err(StartError::Spawn)?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = OwnServer {
            child,
            http: String::new(),
            tcp: String::new(),
        };
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| StartError::Silent)?;
        let v: serde_json::Value =
            serde_json::from_str(line.trim()).map_err(|_| StartError::Garbled(line.trim().to_string()))?;
        server.http = v["http"].as_str().unwrap_or_default().to_string();
        server.tcp = v["tcp"].as_str().unwrap_or_default().to_string();
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
