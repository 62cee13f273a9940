//! Thread ceilings: how many threads (or worker processes) a cell of each model family can
//! start on this machine now, as the minimum over every limit that applies, with the limit
//! that binds named with its numbers.
//!
//! Why per family, and why measured: what one more thread costs against the limit that
//! usually binds first, vm.max_map_count, depends on the runtime that makes it and even on
//! the kernel. A Rust std thread takes four mappings (its stack, the stack's guard page,
//! the signal stack std installs to report stack overflows, and that one's guard page). A
//! CPython 3.11 thread takes its stack and guard, plus a 16 KiB frame-stack chunk that
//! merges with its neighbours while it lands in gaps between earlier mappings and, once
//! those are full, sits between two stacks it cannot merge with (kernels from 6.7 mark
//! thread stacks apart): two mappings a thread for the first thousand or so, three after.
//! One figure for every runtime, at two mappings a thread, said 32,7xx threads where
//! rs-thread cells stop at 16,3xx.
//!
//! So each runtime is probed: threads that only wait are started in steps, and the
//! process's mappings, address space and resident memory read after each, until a step
//! whose new mappings all lie below everything mapped before (the gaps are full, so later
//! threads cost what these did). The slope over that step is the cost of a thread; the
//! intercept is what the process holds besides (binary, libraries, heap, glibc's malloc
//! arenas, which stop growing at 8 per core, before the first step), less what merged into
//! gaps. A worker process is costed as what it holds of its own: an exec'd Rust worker its
//! anonymous memory and page tables, a forked Python worker the pages it no longer shares
//! with its parent (its resident size would count the shared ones again).
//!
//! The arithmetic ([`thread_ceiling`], [`process_ceiling`], [`settled`]) is pure, over
//! [`Limits`], a [`Footprint`] and mapping ranges, so it is tested on fixed numbers; the
//! measuring is [`rust_threads`] here and `launch::python::thread_footprint` for an
//! interpreter (whose probe script applies the same rule).

use std::sync::{mpsc, Arc, RwLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::limits::Limits;
use super::procfs;
use crate::units::{format_bytes, format_count};

/// The kernel hands out task ids from 300 up once its cursor has passed 300, which it
/// does early in boot (`RESERVED_PIDS` in kernel/pid.c): ids below 300 are never reused.
pub const RESERVED_PIDS: u64 = 300;

/// The least memory a thread is counted as costing: one page.
const PAGE: u64 = 4096;

/// The process's figures with `threads` probe threads alive (besides its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Probe threads alive when the sample was taken.
    pub threads: u64,
    /// Lines of /proc/self/maps.
    pub maps: u64,
    /// VmSize, bytes.
    pub vm: u64,
    /// VmRSS, bytes.
    pub rss: u64,
    /// VmPTE (page tables), bytes.
    pub pte: u64,
}

impl Sample {
    /// This process now, with `threads` probe threads alive.
    pub fn of_self(threads: u64) -> Option<Sample> {
        let me = std::process::id() as i32;
        let maps = procfs::map_count(me)?;
        let s = procfs::status(me)?;
        Some(Sample {
            threads,
            maps,
            vm: s.vm,
            rss: s.rss,
            pte: s.pte,
        })
    }
}

/// What one thread costs a runtime, and what its process holds besides, as measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Footprint {
    /// The runtime measured: `Rust std::thread, default stack` or
    /// `cpython 3.11.7 threading.Thread (python3)`.
    pub runtime: String,
    /// The thread counts at the two ends of the step the cost was taken over.
    pub sampled_at: [u64; 2],
    /// Whether that step's new mappings all lay below the earlier ones, so later threads
    /// cost the same; false when the probe reached its cap, or a limit, first and the cost
    /// per thread may still rise.
    pub steady: bool,
    /// Memory mappings per thread: the slope over the step.
    pub maps_per_thread: f64,
    /// Mappings the process holds besides its threads: the intercept. Negative when more
    /// of the early threads' mappings merged into gaps than the process has of its own.
    pub maps_base: i64,
    /// Address space per thread in bytes: stack reservation, guard pages, signal stack.
    pub vm_per_thread: u64,
    /// Address space the process holds besides its threads, bytes (malloc arenas included).
    pub vm_base: u64,
    /// Resident memory and page tables per waiting thread, bytes (at least a page; the
    /// kernel's own stack for the thread is not counted).
    pub rss_per_thread: u64,
    /// What one more idle worker process of this runtime holds of its own, bytes: an
    /// exec'd process's anonymous memory and page tables, or a forked one's private pages
    /// and page tables (the kernel's own per-process structures are not counted).
    pub process_bytes: u64,
}

impl Footprint {
    /// The footprint over the step from sample `a` to sample `b` (more threads), and the
    /// measured cost of an idle process; `None` unless `b` has more threads than `a`.
    pub fn from_samples(
        runtime: String,
        a: &Sample,
        b: &Sample,
        steady: bool,
        process_bytes: u64,
    ) -> Option<Footprint> {
        let n = b.threads.checked_sub(a.threads).filter(|&n| n > 0)?;
        let slope = |lo: u64, hi: u64| hi.saturating_sub(lo) as f64 / n as f64;
        let maps_per_thread = slope(a.maps, b.maps);
        let vm_per_thread = slope(a.vm, b.vm);
        let rss_per_thread = slope(a.rss + a.pte, b.rss + b.pte);
        Some(Footprint {
            runtime,
            sampled_at: [a.threads, b.threads],
            steady,
            maps_per_thread,
            maps_base: b.maps as i64 - (maps_per_thread * b.threads as f64).round() as i64,
            vm_per_thread: vm_per_thread.round() as u64,
            vm_base: b.vm.saturating_sub((vm_per_thread * b.threads as f64).round() as u64),
            rss_per_thread: (rss_per_thread.round() as u64).max(PAGE),
            process_bytes,
        })
    }
}

/// How a probe starts its threads: `first` at once, then `step` at a time until a step
/// has [`settled`], or `cap` threads are alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    pub first: u64,
    pub step: u64,
    pub cap: u64,
}

/// The first count is past the point where glibc stops adding malloc arenas (8 per core
/// on 64-bit), so no step pays for arenas; the cap bounds the probe to a second or so.
pub fn steps() -> Steps {
    // SAFETY: sysconf only reads a value.
    let online = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as u64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    Steps {
        first: (8 * online.max(cores) + 16).max(64),
        step: 64,
        cap: 4096,
    }
}

/// The mmap area of a process from /proc/PID/maps: `(start, end)` of every mapping above
/// the widest gap (the one between the program and its heap, low, and the mappings the
/// kernel places top-down from below the stack). The stack, vdso and the like are left
/// out: they are no thread's.
pub fn mmap_area(maps_text: &str) -> Vec<(u64, u64)> {
    let mut ranges: Vec<(u64, u64)> = maps_text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next()?;
            let name = fields.nth(4).unwrap_or("");
            if name.starts_with('[') && name != "[heap]" {
                return None;
            }
            let (lo, hi) = range.split_once('-')?;
            Some((u64::from_str_radix(lo, 16).ok()?, u64::from_str_radix(hi, 16).ok()?))
        })
        .collect();
    ranges.sort_unstable();
    let widest = ranges
        .windows(2)
        .enumerate()
        .max_by_key(|(_, w)| w[1].0.saturating_sub(w[0].1))
        .map_or(0, |(i, _)| i + 1);
    ranges.split_off(widest)
}

/// Whether a step has settled: every mapping that is new in `after` (or changed, by a
/// merge) starts below everything the mmap area held `before`. Then no gap between earlier
/// mappings took any of the step's, and later threads will cost what these did.
pub fn settled(before: &[(u64, u64)], after: &[(u64, u64)]) -> bool {
    let Some(low) = before.iter().map(|r| r.0).min() else {
        return false;
    };
    after
        .iter()
        .filter(|r| before.binary_search(r).is_err())
        .all(|r| r.0 < low)
}

fn area_of_self() -> Option<Vec<(u64, u64)>> {
    std::fs::read_to_string("/proc/self/maps").ok().map(|t| mmap_area(&t))
}

/// Measure Rust std threads in this process: start threads that allocate once and wait,
/// in [`steps`] (or until a limit refuses one), then let them go. A std thread maps its signal stack itself as it starts,
/// so each sample waits until every thread has started. An idle process is this one
/// before the probe: a Rust worker is a fresh exec of conlab.
pub fn rust_threads() -> Result<Footprint, String> {
    let plan = steps();
    let idle = procfs::status(std::process::id() as i32).ok_or("cannot read /proc/self")?;
    let gate = Arc::new(RwLock::new(()));
    let hold = gate.write().map_err(|_| "probe lock poisoned")?;
    let (started, starts) = mpsc::channel::<()>();
    let mut handles = Vec::new();
    let mut running = 0;
    let mut samples: Vec<Sample> = Vec::new();
    let mut last_area = Vec::new();
    let outcome: Result<(Sample, Sample, bool), String>;
    let mut target = plan.first;
    'steps: loop {
        while (handles.len() as u64) < target {
            let (gate, started) = (Arc::clone(&gate), started.clone());
            let spawned = std::thread::Builder::new().spawn(move || {
                // One small allocation, as a task makes: it gives the thread its malloc
                // arena the way a cell's threads get theirs.
                let first_alloc = std::hint::black_box(Box::new([0u8; 64]));
                let _ = started.send(());
                drop(gate.read());
                drop(first_alloc);
            });
            match (spawned, &samples[..]) {
                (Ok(handle), _) => handles.push(handle),
                // A limit struck first (RLIMIT_AS, pid_max...): the last whole step is the
                // best measure there is, and the ceiling will show that limit binding.
                (Err(_), [.., a, b]) => {
                    outcome = Ok((*a, *b, false));
                    break 'steps;
                }
                (Err(e), _) => {
                    outcome = Err(format!("probe thread {} not started: {e}", handles.len()));
                    break 'steps;
                }
            }
        }
        while running < target && starts.recv().is_ok() {
            running += 1;
        }
        let (Some(sample), Some(area)) = (Sample::of_self(target), area_of_self()) else {
            outcome = Err("cannot read /proc/self".into());
            break;
        };
        if let Some(&before) = samples.last() {
            let steady = settled(&last_area, &area);
            if steady || target >= plan.cap {
                outcome = Ok((before, sample, steady));
                break;
            }
        }
        samples.push(sample);
        last_area = area;
        target += plan.step;
    }
    drop(hold);
    for handle in handles {
        let _ = handle.join();
    }
    let (a, b, steady) = outcome?;
    let runtime = "Rust std::thread, default stack".to_string();
    Footprint::from_samples(runtime, &a, &b, steady, idle.rss_anon + idle.pte)
        .ok_or_else(|| "no threads sampled".into())
}

/// What a cell of a family is bounded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Threads in the one cell process (rs-thread, py-thread).
    Threads,
    /// Worker processes (rs-process, py-process).
    Processes,
}

/// One limit and what it alone allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Bound {
    /// `kernel.pid_max`, `kernel.threads-max`, `vm.max_map_count`, `RLIMIT_NPROC`,
    /// `RLIMIT_AS`, `memory` or `vm.overcommit_memory`.
    pub limit: String,
    /// How many threads or processes this limit alone would allow.
    pub allows: u64,
    /// The numbers behind `allows`.
    pub detail: String,
}

/// The ceiling of one model family: the smallest of its bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ceiling {
    /// `rs-thread`, `py-thread`, `rs-process`, `py-process` (with `@3.12` when the sweep
    /// used several interpreters).
    pub family: String,
    /// Whether `max` counts threads or worker processes.
    pub unit: Unit,
    /// The most a cell of this family can start now.
    pub max: u64,
    /// The bound that sets `max`, with its numbers.
    pub limited_by: String,
    /// Every limit that applies and what it alone allows, smallest first.
    pub bounds: Vec<Bound>,
    /// The measured cost of a thread (and of an idle process) of the family's runtime.
    pub footprint: Footprint,
}

/// `4` for 4.0, `2.03` otherwise.
fn ratio(x: f64) -> String {
    match (x - x.round()).abs() < 0.005 {
        true => format!("{}", x.round() as u64),
        false => format!("{x:.2}"),
    }
}

fn per(room: u64, cost: f64) -> u64 {
    match cost > 0.0 {
        true => (room as f64 / cost).floor() as u64,
        false => u64::MAX,
    }
}

/// The bounds every new thread or process meets alike: each takes one task id
/// (kernel.pid_max), one of kernel.threads-max, and one of the user's RLIMIT_NPROC.
fn task_bounds(l: &Limits) -> Vec<Bound> {
    let alive = l.threads_alive.unwrap_or(0);
    let mut bounds = Vec::new();
    if let Some(p) = l.pid_max {
        let range = p.saturating_sub(RESERVED_PIDS);
        let (allows, detail) = match l.pids_in_use {
            Some(used) => (
                range.saturating_sub(used),
                format!(
                    "kernel.pid_max={p}: {} ids from {RESERVED_PIDS} up, {} in use",
                    format_count(range as usize),
                    format_count(used as usize)
                ),
            ),
            None => (
                p.saturating_sub(alive),
                format!(
                    "kernel.pid_max={p} minus {} threads alive",
                    format_count(alive as usize)
                ),
            ),
        };
        bounds.push(Bound {
            limit: "kernel.pid_max".into(),
            allows,
            detail,
        });
    }
    if let Some(t) = l.threads_max {
        bounds.push(Bound {
            limit: "kernel.threads-max".into(),
            allows: t.saturating_sub(alive),
            detail: format!(
                "kernel.threads-max={t} minus {} threads alive",
                format_count(alive as usize)
            ),
        });
    }
    if let (Some(n), false) = (l.nproc, l.root) {
        let mine = l.user_threads.unwrap_or(alive);
        bounds.push(Bound {
            limit: "RLIMIT_NPROC".into(),
            allows: n.saturating_sub(mine),
            detail: format!(
                "RLIMIT_NPROC={n} (ulimit -u) minus {} threads of this user",
                format_count(mine as usize)
            ),
        });
    }
    bounds
}

fn finish(family: &str, unit: Unit, mut bounds: Vec<Bound>, footprint: &Footprint) -> Ceiling {
    bounds.sort_by_key(|b| b.allows);
    let (max, limited_by) = bounds.first().map_or((0, "no limit could be read".to_string()), |b| {
        (b.allows, b.detail.clone())
    });
    Ceiling {
        family: family.to_string(),
        unit,
        max,
        limited_by,
        bounds,
        footprint: footprint.clone(),
    }
}

/// The most threads one cell process of `family` can start: the smallest of what pid_max,
/// threads-max, RLIMIT_NPROC, vm.max_map_count (less the process's own mappings and the
/// `map_margin` the cell keeps free), RLIMIT_AS, available memory and, under strict
/// overcommit, the commit limit allow, at the cost per thread `fp` measured.
pub fn thread_ceiling(family: &str, l: &Limits, memory_available: u64, fp: &Footprint, map_margin: u64) -> Ceiling {
    let mut bounds = task_bounds(l);
    if let Some(m) = l.max_map_count {
        let room = m as i64 - map_margin as i64 - fp.maps_base;
        let kept = match map_margin {
            0 => String::new(),
            k => format!(" - {k} kept free"),
        };
        let own = match fp.maps_base {
            b if b >= 0 => format!(" - {b} of the process's own"),
            b => format!(" + {} of early threads' that merged into gaps", -b),
        };
        let unsteady = match fp.steady {
            true => "",
            false => " (the probe stopped before its steps settled)",
        };
        bounds.push(Bound {
            limit: "vm.max_map_count".into(),
            allows: per(room.max(0) as u64, fp.maps_per_thread),
            detail: format!(
                "vm.max_map_count={m}, {} mappings per thread, measured{unsteady}: ({m}{own}{kept}) / {}",
                ratio(fp.maps_per_thread),
                ratio(fp.maps_per_thread)
            ),
        });
    }
    if let Some(a) = l.address_space_bytes {
        bounds.push(Bound {
            limit: "RLIMIT_AS".into(),
            allows: per(a.saturating_sub(fp.vm_base), fp.vm_per_thread as f64),
            detail: format!(
                "RLIMIT_AS={a} (ulimit -v): ({} - {} of the process's own) / {} per thread (stack and guards, measured)",
                format_bytes(a as f64),
                format_bytes(fp.vm_base as f64),
                format_bytes(fp.vm_per_thread as f64)
            ),
        });
    }
    if memory_available > 0 {
        bounds.push(Bound {
            limit: "memory".into(),
            allows: memory_available / fp.rss_per_thread.max(PAGE),
            detail: format!(
                "memory: {} available / {} resident per waiting thread (measured)",
                format_bytes(memory_available as f64),
                format_bytes(fp.rss_per_thread.max(PAGE) as f64)
            ),
        });
    }
    if let (Some(2), Some(room)) = (l.overcommit_memory, l.commit_room_bytes) {
        bounds.push(Bound {
            limit: "vm.overcommit_memory".into(),
            allows: per(room, fp.vm_per_thread as f64),
            detail: format!(
                "vm.overcommit_memory=2 (strict): {} left to commit / {} per thread stack",
                format_bytes(room as f64),
                format_bytes(fp.vm_per_thread as f64)
            ),
        });
    }
    finish(family, Unit::Threads, bounds, fp)
}

/// The most worker processes a cell of `family` can start: each takes a task id, a slot
/// of threads-max and of RLIMIT_NPROC, and the memory an idle process of its runtime holds
/// of its own. vm.max_map_count and RLIMIT_AS are per process, so they bound no count of
/// processes.
pub fn process_ceiling(family: &str, l: &Limits, memory_available: u64, fp: &Footprint) -> Ceiling {
    let mut bounds = task_bounds(l);
    if memory_available > 0 {
        let each = fp.process_bytes.max(PAGE);
        bounds.push(Bound {
            limit: "memory".into(),
            allows: memory_available / each,
            detail: format!(
                "memory: {} available / {} of its own per idle process (measured)",
                format_bytes(memory_available as f64),
                format_bytes(each as f64)
            ),
        });
    }
    finish(family, Unit::Processes, bounds, fp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            nofile: Some(20000),
            nofile_before: Some(1024),
            nproc: Some(96365),
            stack_bytes: Some(8 << 20),
            address_space_bytes: None,
            pid_max: Some(32768),
            threads_max: Some(192730),
            max_map_count: Some(65530),
            somaxconn: Some(4096),
            ephemeral_ports: Some("32768 60999".into()),
            overcommit_memory: Some(0),
            threads_alive: Some(92),
            pids_in_use: Some(40),
            user_threads: Some(60),
            commit_room_bytes: None,
            root: true,
        }
    }

    fn rust() -> Footprint {
        Footprint {
            runtime: "Rust std::thread, default stack".into(),
            sampled_at: [64, 128],
            steady: true,
            maps_per_thread: 4.0,
            maps_base: 40,
            vm_per_thread: (2 << 20) + 3 * 4096 + 8192,
            vm_base: 1 << 30,
            rss_per_thread: 12 * 1024,
            process_bytes: 1 << 20,
        }
    }

    #[test]
    fn footprint_is_the_slope_and_intercept_of_a_step() {
        let s = |threads: u64, maps: u64, vm: u64| Sample {
            threads,
            maps,
            vm,
            rss: 1000 + threads * 8192,
            pte: 100,
        };
        // 30 mappings of malloc arenas appear before the first sample: they are base.
        let fp = Footprint::from_samples(
            "r".into(),
            &s(64, 40 + 30 + 64 * 4, (1 << 20) + 64 * 3000),
            &s(128, 40 + 30 + 128 * 4, (1 << 20) + 128 * 3000),
            true,
            500,
        )
        .unwrap();
        assert_eq!(fp.maps_per_thread, 4.0);
        assert_eq!(fp.maps_base, 70);
        assert_eq!((fp.vm_per_thread, fp.vm_base), (3000, 1 << 20));
        assert_eq!(fp.rss_per_thread, 8192);
        assert_eq!(fp.process_bytes, 500);
        assert_eq!(fp.sampled_at, [64, 128]);
        // Two mappings a thread while gaps absorbed a third, three after: the step past
        // the gaps gives 3 and an intercept below zero.
        let late = Footprint::from_samples("p".into(), &s(2048, 4962, 0), &s(2112, 5154, 0), true, 1).unwrap();
        assert_eq!((late.maps_per_thread, late.maps_base), (3.0, 4962 - 3 * 2048));
        assert!(Footprint::from_samples("r".into(), &s(64, 1, 1), &s(64, 1, 1), true, 1).is_none());
    }

    #[test]
    fn a_step_settles_once_its_mappings_lie_below_the_earlier_ones() {
        let maps = "\
55d0c0000000-55d0c0001000 r--p 00000000 fe:00 1 /usr/bin/python3.11
55d0c1000000-55d0c1200000 rw-p 00000000 00:00 0 [heap]
7f0000100000-7f0000104000 rw-p 00000000 00:00 0
7f0000200000-7f0000300000 r-xp 00000000 fe:00 2 /usr/lib/libc.so.6
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0 [vdso]
";
        let before = mmap_area(maps);
        assert_eq!(
            before,
            [(0x7f0000100000, 0x7f0000104000), (0x7f0000200000, 0x7f0000300000)]
        );
        // A new mapping below everything, and the lowest one grown downwards by a merge.
        let mut below = before.clone();
        below.push((0x7f0000000000, 0x7f0000001000));
        below[0].0 = 0x7f00000f0000;
        below.sort_unstable();
        assert!(settled(&before, &below));
        // A mapping that went into the gap between two earlier ones: not settled.
        let mut gap = before.clone();
        gap.push((0x7f0000104000, 0x7f0000108000));
        gap.sort_unstable();
        assert!(!settled(&before, &gap));
        // The heap and the stack growing change nothing.
        let grown = maps
            .replace("55d0c1000000-55d0c1200000", "55d0c1000000-55d0c1400000")
            .replace("7ffd00000000-7ffd00021000", "7ffcfff00000-7ffd00021000");
        assert_eq!(mmap_area(&grown), before);
        assert!(settled(&before, &mmap_area(&grown)));
        assert!(!settled(&[], &before));
    }

    #[test]
    fn a_negative_intercept_adds_to_the_room() {
        let python = Footprint {
            maps_per_thread: 3.0,
            maps_base: -1182,
            ..rust()
        };
        let c = thread_ceiling("py-thread", &limits(), 24 << 30, &python, 0);
        assert_eq!(
            (c.max, c.bounds[0].limit.as_str()),
            ((65530 + 1182) / 3, "vm.max_map_count")
        );
        assert!(
            c.limited_by.contains("+ 1182 of early threads' that merged into gaps"),
            "{}",
            c.limited_by
        );
    }

    #[test]
    fn max_map_count_binds_rust_threads() {
        let c = thread_ceiling("rs-thread", &limits(), 24 << 30, &rust(), 128);
        // (65530 - 40 - 128) / 4 = 16340.5
        assert_eq!(c.max, 16340);
        assert_eq!(c.unit, Unit::Threads);
        assert_eq!(c.bounds[0].limit, "vm.max_map_count");
        assert!(c
            .limited_by
            .starts_with("vm.max_map_count=65530, 4 mappings per thread, measured"));
        // The other bounds, smallest first: pid_max (32768 - 300 - 40), threads-max, memory.
        let rest: Vec<(&str, u64)> = c.bounds[1..].iter().map(|b| (b.limit.as_str(), b.allows)).collect();
        assert_eq!(
            rest,
            [
                ("kernel.pid_max", 32428),
                ("kernel.threads-max", 192638),
                ("memory", (24u64 << 30) / (12 * 1024))
            ]
        );
    }

    #[test]
    fn pid_max_binds_two_mapping_threads() {
        let python = Footprint {
            maps_per_thread: 2.0,
            maps_base: 190,
            ..rust()
        };
        let c = thread_ceiling("py-thread", &limits(), 24 << 30, &python, 0);
        assert_eq!(c.max, 32768 - 300 - 40);
        assert!(c.limited_by.starts_with("kernel.pid_max=32768"), "{}", c.limited_by);
        let maps = c.bounds.iter().find(|b| b.limit == "vm.max_map_count").unwrap();
        assert_eq!(maps.allows, (65530 - 190) / 2);
        // Without a census of ids, alive threads are subtracted from pid_max.
        let l = Limits {
            pids_in_use: None,
            ..limits()
        };
        let c = thread_ceiling("py-thread", &l, 24 << 30, &python, 0);
        let pids = c.bounds.iter().find(|b| b.limit == "kernel.pid_max").unwrap();
        assert_eq!(pids.allows, 32768 - 92);
        assert!(pids.detail.ends_with("minus 92 threads alive"), "{}", pids.detail);
    }

    #[test]
    fn nproc_binds_unless_root() {
        let l = Limits {
            nproc: Some(4096),
            root: false,
            ..limits()
        };
        let c = thread_ceiling("rs-thread", &l, 24 << 30, &rust(), 128);
        assert_eq!(c.max, 4096 - 60);
        assert!(c.limited_by.starts_with("RLIMIT_NPROC=4096"));
        let p = process_ceiling("rs-process", &l, 24 << 30, &rust());
        assert_eq!((p.max, p.unit), (4096 - 60, Unit::Processes));
        // Root is not held to RLIMIT_NPROC: the bound is not listed at all.
        let root = thread_ceiling("rs-thread", &limits(), 24 << 30, &rust(), 128);
        assert!(root.bounds.iter().all(|b| b.limit != "RLIMIT_NPROC"));
    }

    #[test]
    fn address_space_memory_and_strict_overcommit() {
        let per_thread = rust().vm_per_thread;
        let l = Limits {
            address_space_bytes: Some((1 << 30) + 1000 * per_thread + 5),
            ..limits()
        };
        let c = thread_ceiling("rs-thread", &l, 24 << 30, &rust(), 128);
        assert_eq!((c.max, c.bounds[0].limit.as_str()), (1000, "RLIMIT_AS"));
        // Little memory: resident memory per thread binds.
        let c = thread_ceiling("rs-thread", &limits(), 1200 * 12 * 1024, &rust(), 128);
        assert_eq!((c.max, c.bounds[0].limit.as_str()), (1200, "memory"));
        // Strict overcommit charges each stack in full.
        let l = Limits {
            overcommit_memory: Some(2),
            commit_room_bytes: Some(500 * per_thread),
            ..limits()
        };
        let c = thread_ceiling("rs-thread", &l, 24 << 30, &rust(), 128);
        assert_eq!((c.max, c.bounds[0].limit.as_str()), (500, "vm.overcommit_memory"));
        // Processes: an idle process's anonymous memory each, no map or address-space bound.
        let p = process_ceiling("rs-process", &limits(), 2000 << 20, &rust());
        assert_eq!((p.max, p.bounds[0].limit.as_str()), (2000, "memory"));
        assert!(p
            .bounds
            .iter()
            .all(|b| b.limit != "vm.max_map_count" && b.limit != "RLIMIT_AS"));
    }
}
