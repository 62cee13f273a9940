//! Small, allocation-light readers of /proc: what the sampler and the limit diagnosis need
//! and nothing more. Every reader returns `None` when the process is gone, because a
//! process exiting between two reads is normal, not an error.

use std::fs;

/// The memory and thread figures of one process, from `/proc/PID/status`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Status {
    pub rss: u64,
    pub hwm: u64,
    pub vm: u64,
    pub vm_peak: u64,
    pub pte: u64,
    /// RssAnon: the resident memory that is the process's own (not file pages it shares).
    pub rss_anon: u64,
    pub threads: u64,
}

/// Parse the text of a `/proc/PID/status` file.
pub fn parse_status(text: &str) -> Status {
    let mut s = Status::default();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let field = match key {
            "VmRSS" => &mut s.rss,
            "VmHWM" => &mut s.hwm,
            "VmSize" => &mut s.vm,
            "VmPeak" => &mut s.vm_peak,
            "VmPTE" => &mut s.pte,
            "RssAnon" => &mut s.rss_anon,
            "Threads" => &mut s.threads,
            _ => continue,
        };
        let mut parts = rest.split_whitespace();
        let value: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        *field = if parts.next() == Some("kB") {
            value * 1024
        } else {
            value
        };
    }
    s
}

pub fn status(pid: i32) -> Option<Status> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .map(|t| parse_status(&t))
}

/// Open file descriptors of a process.
pub fn fd_count(pid: i32) -> Option<u64> {
    fs::read_dir(format!("/proc/{pid}/fd")).ok().map(|d| d.count() as u64)
}

/// Direct children of a process's main thread (children forked by other threads are
/// found by [`all_children_of`]).
pub fn main_thread_children(pid: i32) -> Vec<i32> {
    fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .map(|t| t.split_whitespace().filter_map(|p| p.parse().ok()).collect())
        .unwrap_or_default()
}

/// The parent pid of a process, from `/proc/PID/stat` (the field after the command name,
/// which may itself contain spaces and parentheses).
pub fn parent_of(pid: i32) -> Option<i32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// Every process whose parent is in `parents`, by one scan of /proc.
pub fn all_children_of(parents: &[i32]) -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| parent_of(pid).is_some_and(|pp| parents.contains(&pp)))
        .collect()
}

/// Kernel scheduling entities (threads) alive on the whole machine, from /proc/loadavg.
pub fn system_threads() -> Option<u64> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().nth(3)?.split_once('/')?.1.parse().ok()
}

/// Who holds the machine's task ids: every thread alive, counted by /proc/*/task.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Census {
    /// Threads whose id is at least `from` (the ids the kernel hands out once it wraps).
    pub ids_from: u64,
    /// Threads of processes whose real uid is `uid` (what RLIMIT_NPROC counts).
    pub of_user: u64,
}

/// Count the threads alive whose id is at least `from`, and those of user `uid`, by one
/// scan of /proc. Threads that end during the scan are simply not counted.
pub fn census(from: u64, uid: u32) -> Option<Census> {
    let mut c = Census::default();
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        let ids: Vec<u64> = tasks
            .flatten()
            .filter_map(|t| t.file_name().to_str()?.parse().ok())
            .collect();
        c.ids_from += ids.iter().filter(|&&id| id >= from).count() as u64;
        if real_uid(pid) == Some(uid) {
            c.of_user += ids.len() as u64;
        }
    }
    Some(c)
}

/// The real uid of a process, from the `Uid:` line of its status.
fn real_uid(pid: u64) -> Option<u32> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Memory mappings of a process (compared against vm.max_map_count).
pub fn map_count(pid: i32) -> Option<u64> {
    // Streamed through a small buffer: a thread-heavy cell has tens of thousands of
    // mappings, and reading them into one string would itself show up in its peak RSS.
    use std::io::Read;
    let mut file = fs::File::open(format!("/proc/{pid}/maps")).ok()?;
    let mut buf = [0u8; 8192];
    let mut lines = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(lines),
            Ok(n) => lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64,
            Err(_) => return None,
        }
    }
}

/// A number from a /proc/sys file, such as `kernel/pid_max`.
pub fn sysctl(path: &str) -> Option<u64> {
    fs::read_to_string(format!("/proc/sys/{path}"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A raw /proc/sys value, such as `net/ipv4/ip_local_port_range`.
pub fn sysctl_text(path: &str) -> Option<String> {
    fs::read_to_string(format!("/proc/sys/{path}"))
        .ok()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A field of /proc/meminfo, in bytes.
pub fn meminfo(key: &str) -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    let line = text
        .lines()
        .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_bytes() {
        let text = "Name:\tx\nVmPeak:\t  2000 kB\nVmSize:\t  1500 kB\nVmHWM:\t  300 kB\nVmRSS:\t 200 kB\nVmPTE:\t 12 kB\nRssAnon:\t 150 kB\nThreads:\t7\n";
        let s = parse_status(text);
        assert_eq!(s.vm_peak, 2000 * 1024);
        assert_eq!(s.vm, 1500 * 1024);
        assert_eq!(s.hwm, 300 * 1024);
        assert_eq!(s.rss, 200 * 1024);
        assert_eq!(s.pte, 12 * 1024);
        assert_eq!(s.rss_anon, 150 * 1024);
        assert_eq!(s.threads, 7);
    }

    #[test]
    fn own_process_is_readable() {
        let me = std::process::id() as i32;
        let s = status(me).unwrap();
        assert!(s.rss > 0 && s.vm >= s.rss && s.threads >= 1);
        assert!(fd_count(me).unwrap() >= 3);
        assert_eq!(parent_of(me), Some(nix::unistd::getppid().as_raw()));
        assert!(system_threads().unwrap() >= 1);
        assert!(map_count(me).unwrap() > 10);
        let uid = nix::unistd::getuid().as_raw();
        let all = census(0, uid).unwrap();
        assert!(
            all.ids_from >= 1 && all.of_user >= 1,
            "this test's own threads: {all:?}"
        );
        assert_eq!(census(u64::MAX, uid).unwrap().ids_from, 0);
    }
}
