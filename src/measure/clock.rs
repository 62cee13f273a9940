//! One clock for every process of a sweep: CLOCK_MONOTONIC in nanoseconds.
//!
//! The parent and the child (Rust or Python, whose `time.monotonic_ns()` reads the same
//! clock on Linux) exchange raw readings, so "ready", "all started" and "all finished"
//! can be placed on the parent's timeline without guessing at process start-up.

/// Nanoseconds on CLOCK_MONOTONIC.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Seconds between two readings (0 if they are out of order).
pub fn secs_between(from_ns: u64, to_ns: u64) -> f64 {
    to_ns.saturating_sub(from_ns) as f64 / 1e9
}
