//! Reaping a cell with wait4, which hands back the resource usage of the cell and of every
//! descendant it reaped: CPU time, context switches and the largest resident set; and
//! the two counters read around a cell (the kernel's OOM kills, the sampler's own CPU).

use std::io;

/// How a process ended, with its resource usage.
#[derive(Debug, Clone, Copy)]
pub struct Exit {
    /// Exit code if it exited, `None` if a signal ended it.
    pub code: Option<i32>,
    /// The signal that ended it, if any.
    pub signal: Option<i32>,
    pub user_s: f64,
    pub sys_s: f64,
    /// ru_maxrss in bytes: the largest RSS of the process or of any descendant it reaped
    /// (what `/usr/bin/time -f %M` reports, in KiB).
    pub max_rss: u64,
    pub ctx_voluntary: u64,
    pub ctx_involuntary: u64,
}

/// Block until `pid` ends and return how it ended.
pub fn wait(pid: i32) -> io::Result<Exit> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: status and ru are valid for writes for the duration of the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Ok(Exit {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        user_s: secs(ru.ru_utime),
        sys_s: secs(ru.ru_stime),
        max_rss: ru.ru_maxrss as u64 * 1024,
        ctx_voluntary: ru.ru_nvcsw as u64,
        ctx_involuntary: ru.ru_nivcsw as u64,
    })
}

/// The name of a signal number, e.g. `SIGKILL`.
pub fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {sig}"))
}

/// The kernel's count of OOM kills so far (/proc/vmstat `oom_kill`).
pub fn oom_kills() -> Option<u64> {
    std::fs::read_to_string("/proc/vmstat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("oom_kill ")?.trim().parse().ok())
}

/// CPU seconds (user + system) used so far by the calling thread, the one that samples.
pub fn thread_cpu_s() -> f64 {
    // SAFETY: an all-zero rusage is valid for getrusage to overwrite.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: ru is valid for writes; RUSAGE_THREAD is supported on Linux.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    secs(ru.ru_utime) + secs(ru.ru_stime)
}

#[cfg(test)]
#[allow(clippy::zombie_processes)] // these tests reap their children with `wait` above
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn reports_exit_code_and_usage() {
        let child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let exit = wait(child.id() as i32).unwrap();
        assert_eq!(exit.code, Some(3));
        assert_eq!(exit.signal, None);
        assert!(exit.max_rss > 0);
    }

    #[test]
    fn reports_the_killing_signal() {
        let child = Command::new("sleep").arg("5").spawn().unwrap();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        let exit = wait(child.id() as i32).unwrap();
        assert_eq!(exit.signal, Some(libc::SIGKILL));
        assert_eq!(signal_name(libc::SIGKILL), "SIGKILL");
    }
}
