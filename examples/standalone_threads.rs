//! The smallest honest thread-per-task program for the accuracy benchmark (BENCHMARKS.md):
//! spawn N std threads that each sleep, join them all, measured by `/usr/bin/time -f %M`
//! beside conlab's `rs-thread` cell at the same N.
//!
//! Usage: standalone_threads N SLEEP_MS

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: standalone_threads N SLEEP_MS");
    let ms: u64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .expect("usage: standalone_threads N SLEEP_MS");
    let handles: Vec<_> = (0..n)
        .map(|_| std::thread::spawn(move || std::thread::sleep(std::time::Duration::from_millis(ms))))
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
}
