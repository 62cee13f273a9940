//! The smallest honest tokio program for the accuracy benchmark (BENCHMARKS.md): spawn N
//! tasks that each sleep, join them all. conlab's `rs-async` cell at the same N is compared
//! with this program's peak RSS as `/usr/bin/time -f %M` reports it.
//!
//! Usage: standalone_tokio N SLEEP_MS [WORKERS]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: standalone_tokio N SLEEP_MS [WORKERS]");
    let ms: u64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .expect("usage: standalone_tokio N SLEEP_MS [WORKERS]");
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(w) = args.get(3).and_then(|a| a.parse().ok()) {
        builder.worker_threads(w);
    }
    let rt = builder.enable_all().build().expect("runtime");
    rt.block_on(async move {
        let handles: Vec<_> = (0..n)
            .map(|_| tokio::spawn(async move { tokio::time::sleep(std::time::Duration::from_millis(ms)).await }))
            .collect();
        for h in handles {
            h.await.expect("task");
        }
    });
}
