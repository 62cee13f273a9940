//! Starter code for the recommended model: short, but correct where the article's
//! examples are not (bounded concurrency, timeouts, errors kept per task).

/// The snippet for a model family in a language.
pub fn snippet(model: &str) -> &'static str {
    match model {
        m if m.starts_with("py-asyncio") => PY_ASYNCIO,
        m if m.starts_with("py-pool") || m.starts_with("py-thread") => PY_POOL,
        m if m.starts_with("py-process") => PY_PROCESS,
        m if m.starts_with("py-gevent") => PY_GEVENT,
        m if m.starts_with("rs-async") => RS_TOKIO,
        m if m.starts_with("rs-process") => RS_PROCESS,
        _ => RS_THREADS,
    }
}

/// The server-side snippet: an accept loop in the model's shape, bounded and with
/// per-connection timeouts.
pub fn server_snippet(model: &str) -> &'static str {
    match model {
        m if m.starts_with("py-asyncio") => PY_ASYNCIO_SERVER,
        m if m.starts_with("py-gevent") => PY_GEVENT_SERVER,
        m if m.starts_with("py-") => PY_THREAD_SERVER,
        m if m.starts_with("rs-async") => RS_TOKIO_SERVER,
        _ => RS_THREAD_SERVER,
    }
}

const PY_ASYNCIO_SERVER: &str = r#"import asyncio

async def handle(reader, writer):
    try:
        while True:
            line = await asyncio.wait_for(reader.readline(), timeout=60)  # idle timeout
            if not line:
                break
            writer.write(await reply(line))    # reply: your coroutine; never block the loop
            await writer.drain()
    except (asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", 8000, backlog=2048)
    async with server:
        await server.serve_forever()

asyncio.run(main())"#;

const PY_THREAD_SERVER: &str = r#"import socketserver

class Handler(socketserver.StreamRequestHandler):
    timeout = 60                                  # idle timeout per connection
    def handle(self):
        for line in self.rfile:
            self.wfile.write(reply(line))         # reply: your blocking code

class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 2048                     # listen backlog (the default is 5)

with Server(("0.0.0.0", 8000), Handler) as server:
    server.serve_forever()"#;

const RS_TOKIO_SERVER: &str = r#"use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::time::{timeout, Duration};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:8000").await?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => continue,                  // EMFILE and friends: keep serving the rest
        };
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Ok(Some(line))) = timeout(Duration::from_secs(60), lines.next_line()).await {
                if write.write_all(&reply(&line).await).await.is_err() {
                    break;
                }
            }
        });
    }
}"#;

const RS_THREAD_SERVER: &str = r#"use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:8000")?;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;   // idle timeout
        let spawned = std::thread::Builder::new().stack_size(256 << 10).spawn(move || {
            let mut write = stream.try_clone()?;
            for line in BufReader::new(stream).lines() {
                write.write_all(&reply(&line?))?;
            }
            std::io::Result::Ok(())
        });
        if spawned.is_err() {
            continue;                            // out of threads: this connection is dropped
        }
    }
    Ok(())
}"#;

const PY_ASYNCIO: &str = r#"import asyncio

async def fetch_many(urls, limit=1000, timeout=10):
    sem = asyncio.Semaphore(limit)            # bounded: never more than `limit` at once
    async def one(url):
        async with sem:
            return await asyncio.wait_for(fetch(url), timeout)   # your async client call
    # return_exceptions: one failure does not cancel the rest; inspect each result
    return await asyncio.gather(*(one(u) for u in urls), return_exceptions=True)

results = asyncio.run(fetch_many(urls))
errors = [r for r in results if isinstance(r, BaseException)]"#;

const PY_POOL: &str = r#"from concurrent.futures import ThreadPoolExecutor, as_completed

def run_all(items, work, workers=32, timeout=10):
    results, errors = {}, {}
    with ThreadPoolExecutor(max_workers=workers) as pool:   # bounded thread count
        futures = {pool.submit(work, item): item for item in items}
        for f in as_completed(futures, timeout=timeout * len(items)):
            item = futures[f]
            try:
                results[item] = f.result()
            except Exception as exc:          # keep going; report per item
                errors[item] = exc
    return results, errors"#;

const PY_GEVENT: &str = r#"from gevent import monkey
monkey.patch_all()            # first, before anything imports socket, ssl, time, threading

import gevent
from gevent.pool import Pool

def run_all(items, work, size=1000, timeout=10):
    pool = Pool(size)                                  # bounded concurrency
    jobs = [pool.spawn(work, item) for item in items]  # plain blocking code (requests, ...)
    gevent.joinall(jobs, timeout=timeout * len(items))
    results = {item: j.value for item, j in zip(items, jobs) if j.successful()}
    errors = {item: j.exception for item, j in zip(items, jobs) if j.exception is not None}
    return results, errors    # C code that blocks (sqlite3, most DB drivers) stalls every greenlet:
                              # send it through gevent.get_hub().threadpool.apply(...)"#;

const PY_GEVENT_SERVER: &str = r#"from gevent import monkey
monkey.patch_all()            # first, before anything imports socket, ssl, time, threading

from gevent.pool import Pool
from gevent.server import StreamServer

def handle(sock, addr):
    sock.settimeout(30)       # a silent client cannot hold its greenlet forever
    with sock:
        while data := sock.recv(65536):
            sock.sendall(respond(data))

StreamServer(("0.0.0.0", 8000), handle, spawn=Pool(10000)).serve_forever()   # bounded"#;

const PY_PROCESS: &str = r#"from concurrent.futures import ProcessPoolExecutor
import os

def crunch(item):            # must be a top-level function (it is pickled)
    ...

if __name__ == "__main__":   # required with the spawn/forkserver start methods
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        # chunksize > 1 cuts pickling overhead for many small items
        results = list(pool.map(crunch, items, chunksize=max(1, len(items) // (4 * os.cpu_count()))))"#;

const RS_TOKIO: &str = r#"use std::sync::Arc;
use tokio::{sync::Semaphore, task::JoinSet, time::{timeout, Duration}};

async fn run_all(items: Vec<Item>) -> Vec<Result<Output, Error>> {
    let limit = Arc::new(Semaphore::new(1000));          // bounded concurrency
    let mut set = JoinSet::new();
    for item in items {
        let permit = limit.clone().acquire_owned().await.expect("semaphore open");
        set.spawn(async move {
            let _permit = permit;
            match timeout(Duration::from_secs(10), work(item)).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout),
            }
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        out.push(joined.unwrap_or_else(|e| Err(Error::Panicked(e.to_string()))));
    }
    out
}
// Blocking or CPU-heavy calls inside tasks: tokio::task::spawn_blocking(move || ...)."#;

const RS_THREADS: &str = r#"use std::sync::atomic::{AtomicUsize, Ordering};

fn run_all(items: &[Item]) -> Vec<Result<Output, Error>> {
    let workers = std::thread::available_parallelism().map_or(4, |n| n.get()).min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<Output, Error>>> = (0..items.len()).map(|_| None).collect();
    let slots: Vec<_> = results.iter_mut().map(std::sync::Mutex::new).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {                      // a fixed pool of scoped threads
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                **slots[i].lock().unwrap() = Some(work(item));   // errors kept per item
            });
        }
    });
    drop(slots);
    results.into_iter().map(|r| r.expect("every item ran")).collect()
}"#;

const RS_PROCESS: &str = r#"// Separate processes in Rust only pay off for isolation (a crash or a leak stays in
// its process). For speed, threads share memory and cost less: see the thread-pool
// starter (`conlab advise --lang rust --cpu 200ms --tasks 8`)."#;

#[cfg(test)]
mod tests {
    #[test]
    fn every_family_has_a_snippet() {
        for m in [
            "py-asyncio",
            "py-pool:size=8",
            "py-thread",
            "py-process",
            "py-gevent+requests",
            "rs-async",
            "rs-pool",
            "rs-thread",
        ] {
            assert!(super::snippet(m).len() > 100, "{m}");
        }
        assert!(super::snippet("py-gevent:size=8").starts_with("from gevent import monkey"));
        assert!(super::server_snippet("py-gevent").contains("StreamServer"));
    }
}
