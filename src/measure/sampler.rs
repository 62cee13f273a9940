//! Samples a cell's whole process tree from outside and keeps the peaks.
//!
//! The tree is the cell process and every descendant (process-model workers, Python's
//! multiprocessing children). Memory is summed over the tree at each sample, so the peak
//! is the peak of the sum. Cheap reads happen every sample; the full /proc scan that finds
//! children forked by non-main threads happens once a second, keeping the sampler
//! around a percent of a core or less even when the cell runs tens of thousands of threads.

use std::time::{Duration, Instant};

use super::procfs;
use super::series::Sample;

/// Peak figures over the life of a process tree.
#[derive(Debug, Default, Clone, Copy)]
pub struct Peaks {
    pub rss: u64,
    pub vm: u64,
    pub pte: u64,
    pub threads: u64,
    pub fds: u64,
    pub processes: u64,
    /// Sum over the tree of each process's own high-water marks (VmHWM / VmPeak) at the
    /// last sample that saw it: an upper bound that catches peaks between samples.
    pub hwm_sum: u64,
    pub vm_peak_sum: u64,
    pub samples: u64,
}

pub struct TreeSampler {
    root: i32,
    members: Vec<i32>,
    last_scan: Option<Instant>,
    scan_every: Duration,
    pub peaks: Peaks,
    /// Last high-water marks seen per process, summed into `hwm_sum`.
    marks: Vec<(i32, u64, u64)>,
    /// The summed RSS of the samples that no later sample matched or exceeded, with when
    /// each was taken: the highest sum from any moment on, for [`Self::rss_peak_since`].
    rss_from: RssFrom,
}

/// Sample times (CLOCK_MONOTONIC ns) with their summed RSS, each one higher than every
/// sample after it, so the first entry at or after a moment is the highest since then.
#[derive(Debug, Default)]
struct RssFrom(Vec<(u64, u64)>);

impl RssFrom {
    fn push(&mut self, at_ns: u64, rss: u64) {
        while self.0.last().is_some_and(|&(_, r)| r <= rss) {
            self.0.pop();
        }
        self.0.push((at_ns, rss));
    }

    fn since(&self, from_ns: u64) -> Option<u64> {
        self.0.iter().find(|&&(at, _)| at >= from_ns).map(|&(_, rss)| rss)
    }
}

impl TreeSampler {
    pub fn new(root: i32) -> Self {
        Self {
            root,
            members: vec![root],
            last_scan: None,
            scan_every: Duration::from_secs(1),
            peaks: Peaks::default(),
            marks: Vec::new(),
            rss_from: RssFrom::default(),
        }
    }

    /// The highest summed RSS among the samples taken at or after `from_ns`
    /// (CLOCK_MONOTONIC, as the cell's ready mark is): a cell's peak over its work, without
    /// the moments of its start-up. `None` when no sample was that late.
    pub fn rss_peak_since(&self, from_ns: u64) -> Option<u64> {
        self.rss_from.since(from_ns)
    }

    /// The processes of the tree as of the last sample.
    pub fn members(&self) -> &[i32] {
        &self.members
    }

    /// Take one sample of the tree; returns what it summed, for the cell's series.
    pub fn sample(&mut self) -> Sample {
        let at_ns = super::clock::mono_ns();
        self.refresh_members();
        let (mut rss, mut vm, mut pte, mut threads, mut fds) = (0, 0, 0, 0, 0);
        let mut alive = Vec::with_capacity(self.members.len());
        for &pid in &self.members {
            let Some(s) = procfs::status(pid) else { continue };
            if s.threads == 0 {
                continue; // a zombie: its memory is already gone
            }
            rss += s.rss;
            vm += s.vm;
            pte += s.pte;
            threads += s.threads;
            fds += procfs::fd_count(pid).unwrap_or(0);
            match self.marks.iter_mut().find(|m| m.0 == pid) {
                Some(m) => {
                    m.1 = m.1.max(s.hwm);
                    m.2 = m.2.max(s.vm_peak);
                }
                None => self.marks.push((pid, s.hwm, s.vm_peak)),
            }
            alive.push(pid);
        }
        self.members = alive;
        let p = &mut self.peaks;
        p.rss = p.rss.max(rss);
        self.rss_from.push(at_ns, rss);
        p.vm = p.vm.max(vm);
        p.pte = p.pte.max(pte);
        p.threads = p.threads.max(threads);
        p.fds = p.fds.max(fds);
        p.processes = p.processes.max(self.members.len() as u64);
        p.hwm_sum = self.marks.iter().map(|m| m.1).sum();
        p.vm_peak_sum = self.marks.iter().map(|m| m.2).sum();
        p.samples += 1;
        Sample {
            at_ns,
            rss,
            threads,
            fds,
            processes: self.members.len() as u64,
        }
    }

    fn refresh_members(&mut self) {
        let full_scan = self.last_scan.is_none_or(|t| t.elapsed() >= self.scan_every);
        let mut found = Vec::new();
        if full_scan {
            self.last_scan = Some(Instant::now());
            // Walk down level by level until no new descendants appear.
            let mut frontier = vec![self.root];
            while !frontier.is_empty() {
                let next = procfs::all_children_of(&frontier);
                found.extend_from_slice(&next);
                frontier = next;
            }
        } else {
            for &pid in &self.members {
                found.extend(procfs::main_thread_children(pid));
            }
        }
        for pid in found {
            if !self.members.contains(&pid) {
                self.members.push(pid);
            }
        }
        if !self.members.contains(&self.root) {
            self.members.insert(0, self.root);
        }
    }
}

/// How often to sample: often at first, so short cells get several samples, then less
/// often, so long cells do not pay for it.
pub fn interval_after(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_millis(100) {
        Duration::from_millis(2)
    } else if elapsed < Duration::from_secs(2) {
        Duration::from_millis(10)
    } else {
        Duration::from_millis(25)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn the_peak_since_a_moment_leaves_out_what_came_before() {
        let mut from = RssFrom::default();
        for (at, rss) in [(10, 500), (20, 900), (30, 300), (40, 700), (50, 650), (60, 100)] {
            from.push(at, rss);
        }
        assert_eq!(from.since(0), Some(900));
        assert_eq!(from.since(20), Some(900));
        assert_eq!(from.since(21), Some(700));
        assert_eq!(from.since(45), Some(650));
        assert_eq!(from.since(60), Some(100));
        assert_eq!(from.since(61), None);
        // Only samples that no later one matches are kept.
        assert_eq!(from.0, vec![(20, 900), (40, 700), (50, 650), (60, 100)]);
    }

    #[test]
    fn sees_grandchildren_and_sums_their_memory() {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 2 & sleep 2 & wait"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let mut sampler = TreeSampler::new(child.id() as i32);
        sampler.sample();
        for &pid in sampler.members() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        child.wait().unwrap();
        assert_eq!(sampler.peaks.processes, 3, "sh and its two sleeps");
        assert!(sampler.peaks.rss > 0 && sampler.peaks.vm > sampler.peaks.rss);
        assert!(sampler.peaks.threads >= 3);
        assert!(sampler.peaks.hwm_sum >= sampler.peaks.rss);
    }
}
