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
    parse_status_bytes(text.as_bytes())
}

/// [`parse_status`] on bytes, by plain loops: [`Own`] runs it during a cell's work, where
/// every library routine it called would map more of conlab's code into the cell.
#[link_section = ".text.hot.conlab"]
fn parse_status_bytes(text: &[u8]) -> Status {
    let mut s = Status::default();
    for line in text.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let field = match &line[..colon] {
            b"VmRSS" => &mut s.rss,
            b"VmHWM" => &mut s.hwm,
            b"VmSize" => &mut s.vm,
            b"VmPeak" => &mut s.vm_peak,
            b"VmPTE" => &mut s.pte,
            b"RssAnon" => &mut s.rss_anon,
            b"Threads" => &mut s.threads,
            _ => continue,
        };
        let rest = &line[colon + 1..];
        let digits = rest.iter().position(|b| b.is_ascii_digit()).unwrap_or(rest.len());
        let mut value = 0u64;
        let mut at = digits;
        while let Some(d) = rest.get(at).filter(|b| b.is_ascii_digit()) {
            value = value.saturating_mul(10).saturating_add(u64::from(d - b'0'));
            at += 1;
        }
        let unit = rest[at..].trim_ascii_start();
        *field = if unit.starts_with(b"kB") { value * 1024 } else { value };
    }
    s
}

/// The cell process's own /proc files, read while its work runs: its status at full
/// concurrency and its mapping count as threads are made. The paths and the buffer are
/// set up with the reader, before the ready mark; the reads are plain system calls and
/// byte loops. `fs::read_to_string(format!(..))` would map in the formatting, file and
/// UTF-8 code of conlab's binary, a few hundred KiB of pages that a hand-written program
/// doing the same work never has (see `measure::image`).
pub struct Own {
    status: std::ffi::CString,
    fds: std::ffi::CString,
    maps: std::ffi::CString,
    clear_refs: std::ffi::CString,
    buf: Vec<u8>,
}

impl Default for Own {
    fn default() -> Self {
        Self::new()
    }
}

impl Own {
    pub fn new() -> Self {
        let path = |p: &str| std::ffi::CString::new(p).expect("no NUL in a /proc path");
        Self {
            status: path("/proc/self/status"),
            fds: path("/proc/self/fd"),
            maps: path("/proc/self/maps"),
            clear_refs: path("/proc/self/clear_refs"),
            buf: vec![0; 16 << 10],
        }
    }

    /// Restart this process's VmHWM from its current RSS (`5` to clear_refs, Linux 4.0+),
    /// so the peak read later is the peak since now. Where the kernel refuses, the peak
    /// stays the one since the process started.
    #[link_section = ".text.hot.conlab"]
    pub fn reset_peak(&self) {
        if let Some(fd) = Fd::open(&self.clear_refs, libc::O_WRONLY) {
            // SAFETY: writes one byte from a live buffer to a descriptor we own.
            unsafe { libc::write(fd.0, b"5".as_ptr().cast(), 1) };
        }
    }

    /// This process's status.
    #[link_section = ".text.hot.conlab"]
    pub fn status(&mut self) -> Option<Status> {
        let fd = Fd::open(&self.status, 0)?;
        let mut len = 0;
        while len < self.buf.len() {
            match fd.read(&mut self.buf[len..])? {
                0 => break,
                n => len += n,
            }
        }
        Some(parse_status_bytes(&self.buf[..len]))
    }

    /// This process's open descriptors, the directory's own included (as
    /// [`fd_count`] counts them).
    pub fn fd_count(&mut self) -> Option<u64> {
        count_entries(&self.fds, &mut self.buf)
    }

    /// This process's memory mappings, streamed through the buffer (a thread-heavy cell
    /// has tens of thousands).
    pub fn map_count(&mut self) -> Option<u64> {
        count_lines(&self.maps, &mut self.buf)
    }
}

/// The entries of a directory, `.` and `..` left out, by getdents64 into `buf`.
#[link_section = ".text.hot.conlab"]
fn count_entries(dir: &std::ffi::CStr, buf: &mut [u8]) -> Option<u64> {
    let fd = Fd::open(dir, libc::O_DIRECTORY)?;
    let mut count = 0;
    loop {
        // SAFETY: getdents64 writes at most buf.len() bytes into the buffer we own.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd.0, buf.as_mut_ptr(), buf.len()) };
        let n = usize::try_from(n).ok()?;
        if n == 0 {
            return Some(count);
        }
        // Each record: inode (8), offset (8), record length (2), type (1), the name.
        let mut at = 0;
        while at + 19 < n {
            let len = usize::from(u16::from_ne_bytes([buf[at + 16], buf[at + 17]]));
            let name = &buf[at + 19..];
            let dots = name.iter().take_while(|&&b| b == b'.').count();
            if !((1..=2).contains(&dots) && name.get(dots) == Some(&0)) {
                count += 1;
            }
            at += len.max(1);
        }
    }
}

/// The lines of a file, streamed through `buf`.
#[link_section = ".text.hot.conlab"]
fn count_lines(path: &std::ffi::CStr, buf: &mut [u8]) -> Option<u64> {
    let fd = Fd::open(path, 0)?;
    let mut lines = 0;
    loop {
        match fd.read(buf)? {
            0 => return Some(lines),
            n => lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64,
        }
    }
}

/// A file descriptor closed when dropped.
struct Fd(libc::c_int);

impl Fd {
    fn open(path: &std::ffi::CStr, flags: libc::c_int) -> Option<Self> {
        // SAFETY: the path is a valid NUL-terminated string.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC | flags) };
        (fd >= 0).then_some(Self(fd))
    }

    fn read(&self, buf: &mut [u8]) -> Option<usize> {
        // SAFETY: read writes at most buf.len() bytes into the slice we own.
        let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
        usize::try_from(n).ok()
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and closed once.
        unsafe { libc::close(self.0) };
    }
}

/// The status of a process.
pub fn status(pid: i32) -> Option<Status> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .map(|t| parse_status(&t))
}

/// Open file descriptors of a process.
pub fn fd_count(pid: i32) -> Option<u64> {
    let path = std::ffi::CString::new(format!("/proc/{pid}/fd")).ok()?;
    count_entries(&path, &mut [0u8; 8192])
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

/// Memory mappings of a process (compared against vm.max_map_count). Streamed through a
/// small buffer: a thread-heavy cell has tens of thousands of mappings, and reading them
/// into one string would itself show up in its peak RSS.
pub fn map_count(pid: i32) -> Option<u64> {
    let path = std::ffi::CString::new(format!("/proc/{pid}/maps")).ok()?;
    count_lines(&path, &mut [0u8; 8192])
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

    #[test]
    fn the_cells_own_reader_reads_this_process() {
        let mut own = Own::new();
        let s = own.status().unwrap();
        assert!(
            s.rss > 0 && s.hwm >= s.rss && s.vm_peak >= s.vm && s.threads >= 1,
            "{s:?}"
        );
        assert!(own.fd_count().unwrap() >= 3);
        assert!(own.map_count().unwrap() > 10);
    }

    #[test]
    fn a_reset_peak_starts_again_from_the_current_rss() {
        let mut own = Own::new();
        // 64 MiB touched and freed: the high-water mark stays above what is resident.
        let block = vec![1u8; 64 << 20];
        assert_eq!(block.iter().step_by(4096).map(|&b| u64::from(b)).sum::<u64>(), 16384);
        drop(block);
        let before = own.status().unwrap();
        assert!(before.hwm >= before.rss + (32 << 20), "{before:?}");
        own.reset_peak();
        let after = own.status().unwrap();
        assert!(after.hwm < before.hwm - (16 << 20), "{before:?} -> {after:?}");
    }

    #[test]
    fn entries_and_lines_are_counted_exactly() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..41 {
            std::fs::write(dir.path().join(format!("f{i}")), "a\nb\n").unwrap();
        }
        std::fs::write(dir.path().join("..."), "").unwrap();
        let lines: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(dir.path().join("f0"), lines).unwrap();
        let path = |p: &std::path::Path| std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // A small buffer: the directory and the file take several reads.
        let mut buf = [0u8; 256];
        assert_eq!(count_entries(&path(dir.path()), &mut buf), Some(42));
        assert_eq!(count_lines(&path(&dir.path().join("f0")), &mut buf), Some(3000));
        assert_eq!(count_lines(&path(&dir.path().join("f1")), &mut buf), Some(2));
        assert_eq!(count_entries(&path(&dir.path().join("missing")), &mut buf), None);
    }

    #[test]
    fn status_values_without_a_unit_are_counts() {
        let s = parse_status("Threads:\t12\nVmRSS:\t   \t5 kB\nVmPTE: 3\nVmHWMx: 9 kB\nbroken line\n");
        assert_eq!((s.threads, s.rss, s.pte, s.hwm), (12, 5 * 1024, 3, 0));
    }
}
