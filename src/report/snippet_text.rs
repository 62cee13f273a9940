//! The starter code itself, one template per shape of model, client side then server
//! side: short, but correct where the article's examples are not (bounded concurrency,
//! timeouts, errors kept per task). `@NAME@` marks a parameter `snippets` fills in with
//! what was measured (a pool's width, the task count, the library).

pub const PY_THREAD: &str = r#"import threading
import time

def run_all(items, work, timeout=10):
    results, errors = {}, {}
    def one(item):
        try:
            results[item] = work(item)    # your blocking call@LIB@
        except Exception as exc:          # keep going; report per item
            errors[item] = exc
    threads = [threading.Thread(target=one, args=(item,), daemon=True) for item in items]
    for t in threads:                     # a thread per task, as measured
        t.start()                         # starting thousands takes a while: the last start late
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0, deadline - time.monotonic()))
    return results, errors"#;

pub const PY_POOL: &str = r#"from concurrent.futures import ThreadPoolExecutor, as_completed

def run_all(items, work, workers=@WORKERS@, timeout=10):   # @WORKERS@ threads, as measured
    results, errors = {}, {}
    with ThreadPoolExecutor(max_workers=workers) as pool:   # bounded: at most `workers` at once
        futures = {pool.submit(work, item): item for item in items}
        for f in as_completed(futures, timeout=timeout * len(items)):
            item = futures[f]
            try:
                results[item] = f.result()
            except Exception as exc:          # keep going; report per item
                errors[item] = exc
    return results, errors"#;

pub const PY_PROCESS: &str = r#"from concurrent.futures import ProcessPoolExecutor

def crunch(item):            # must be a top-level function (it is pickled)
    ...

if __name__ == "__main__":   # required with the spawn/forkserver start methods
    workers = @WORKERS@        # worker processes, as measured
    with ProcessPoolExecutor(max_workers=@WORKERS@) as pool:
        # chunksize > 1 cuts pickling overhead for many small items
        results = list(pool.map(crunch, items, chunksize=max(1, len(items) // (4 * workers))))"#;

pub const PY_ASYNCIO: &str = r#"import asyncio

async def fetch_many(urls, limit=@TASKS@, timeout=10):   # measured with all @TASKS@ at once
    sem = asyncio.Semaphore(limit)            # bounded: never more than `limit` at once
    async def one(url):
        async with sem:
            return await asyncio.wait_for(fetch(url), timeout)   # your async client call
    # return_exceptions: one failure does not cancel the rest; inspect each result
    return await asyncio.gather(*(one(u) for u in urls), return_exceptions=True)

results = @RUN@(fetch_many(urls))
errors = [r for r in results if isinstance(r, BaseException)]"#;

pub const PY_AIOHTTP: &str = r#"import asyncio
import aiohttp

async def fetch_many(urls, limit=@TASKS@, timeout=10):   # measured with all @TASKS@ at once
    # aiohttp allows 100 connections at once by default: more wait for one
    connector = aiohttp.TCPConnector(limit=@CONNS@)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        sem = asyncio.Semaphore(limit)     # bounded: never more than `limit` at once
        async def one(url):
            async with sem, session.get(url) as response:
                return await response.read()
        # return_exceptions: one failure does not cancel the rest; inspect each result
        return await asyncio.gather(*(one(u) for u in urls), return_exceptions=True)

results = @RUN@(fetch_many(urls))
errors = [r for r in results if isinstance(r, BaseException)]"#;

pub const PY_LOOPS: &str = r#"import asyncio
from concurrent.futures import @EXECUTOR@

def run_share(share):                 # its own event loop, for its share of the tasks
    async def main():                 # work: a top-level async function
        return await asyncio.gather(*(work(item) for item in share), return_exceptions=True)
    return asyncio.run(main())

def run_all(items, @UNIT@=@WORKERS@):         # @WORKERS@ event loops, as measured
    shares = [items[i::@UNIT@] for i in range(@UNIT@)]
    with @EXECUTOR@(max_workers=@UNIT@) as pool:
        return [r for part in pool.map(run_share, shares) for r in part]"#;

pub const PY_GEVENT: &str = r#"from gevent import monkey
monkey.patch_all()            # first, before anything imports socket, ssl, time, threading

import gevent
from gevent.pool import Pool

def run_all(items, work, size=@SIZE@, timeout=10):
    pool = Pool(size)                                  # @POOL@
    jobs = [pool.spawn(work, item) for item in items]  # plain blocking code (requests, ...)
    gevent.joinall(jobs, timeout=timeout * len(items))
    results = {item: j.value for item, j in zip(items, jobs) if j.successful()}
    errors = {item: j.exception for item, j in zip(items, jobs) if j.exception is not None}
    return results, errors    # C code that blocks (sqlite3, most DB drivers) stalls every greenlet:
                              # send it through gevent.get_hub().threadpool.apply(...)"#;

pub const RS_THREAD: &str = r#"fn run_all(items: &[Item]) -> Vec<Result<Output, Error>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .iter()
            .map(|item| {
                std::thread::Builder::new()@STACK@
                    .spawn_scoped(s, move || work(item))   // a thread per task, as measured
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle {
                Ok(h) => h.join().unwrap_or(Err(Error::Panicked)),
                Err(e) => Err(Error::Spawn(e)),    // out of threads: a result, not a crash
            })
            .collect()
    })
}"#;

pub const RS_POOL: &str = r#"use std::sync::atomic::{AtomicUsize, Ordering};

fn run_all(items: &[Item]) -> Vec<Result<Output, Error>> {
    let workers = @WORKERS@.min(items.len().max(1));   // @WORKERS@ threads, as measured
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

pub const RS_PROCESS: &str = r#"// @WORKERS@ worker processes, as measured@ASYNC@.
// In Rust, separate processes pay off for isolation (a crash or a leak stays in its
// process); for speed, threads share memory and cost less: see the thread-pool starter
// (`conlab advise --lang rust --cpu 200ms --tasks 8`).
let exe = std::env::current_exe()?;
let workers: Vec<std::process::Child> = (0..@WORKERS@)
    .map(|i| std::process::Command::new(&exe).arg("--worker").arg(i.to_string()).spawn())
    .collect::<std::io::Result<_>>()?;       // each worker runs its share of the tasks"#;

pub const RS_TOKIO: &str = r#"use std::sync::Arc;
use tokio::{sync::Semaphore, task::JoinSet, time::{timeout, Duration}};

@MAIN@
async fn main() {
    let results = run_all(items()).await;
    // ...
}

async fn run_all(items: Vec<Item>) -> Vec<Result<Output, Error>> {
    let limit = Arc::new(Semaphore::new(@TASKS@));        // measured with all @TASKS@ at once
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

pub const PY_THREAD_SERVER: &str = r#"import socketserver

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

pub const PY_POOL_SERVER: &str = r#"import socket
from concurrent.futures import ThreadPoolExecutor

def handle(conn):
    with conn:
        conn.settimeout(60)                       # idle timeout per connection
        for line in conn.makefile("rb"):
            conn.sendall(reply(line))             # reply: your blocking code

with socket.create_server(("0.0.0.0", 8000), backlog=2048) as server, \
        ThreadPoolExecutor(max_workers=@WORKERS@) as pool:   # @WORKERS@ threads, as measured
    while True:
        conn, _ = server.accept()
        pool.submit(handle, conn)                 # past @WORKERS@ connections, the rest wait"#;

pub const PY_PROCESS_SERVER: &str = r#"import os
import socket

def handle(conn):
    with conn:
        conn.settimeout(60)                       # idle timeout per connection
        for line in conn.makefile("rb"):
            conn.sendall(reply(line))             # reply: your blocking code

server = socket.create_server(("0.0.0.0", 8000), backlog=2048)
for _ in range(@WORKERS@):                # @WORKERS@ prefork workers, as measured (gunicorn's sync)
    if os.fork() == 0:
        while True:                               # each serves one connection at a time
            conn, _ = server.accept()
            handle(conn)
for _ in range(@WORKERS@):
    os.wait()"#;

pub const PY_ASYNCIO_SERVER: &str = r#"import asyncio

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

pub const PY_GEVENT_SERVER: &str = r#"from gevent import monkey
monkey.patch_all()            # first, before anything imports socket, ssl, time, threading

from gevent.pool import Pool
from gevent.server import StreamServer

def handle(sock, addr):
    sock.settimeout(30)       # a silent client cannot hold its greenlet forever
    with sock:
        while data := sock.recv(65536):
            sock.sendall(respond(data))

StreamServer(("0.0.0.0", 8000), handle, spawn=@SPAWN@).serve_forever()   # @POOL@"#;

pub const RS_THREAD_SERVER: &str = r#"use std::io::{BufRead, BufReader, Write};
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

pub const RS_POOL_SERVER: &str = r#"use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:8000")?;
    std::thread::scope(|s| {
        for _ in 0..@WORKERS@ {                              // @WORKERS@ threads, as measured
            let listener = listener.try_clone()?;
            s.spawn(move || {
                for stream in listener.incoming().flatten() {
                    let _ = serve(stream);           // one connection at a time per thread
                }
            });
        }
        Ok(())
    })
}

fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;   // idle timeout
    let mut write = stream.try_clone()?;
    for line in BufReader::new(stream).lines() {
        write.write_all(&reply(&line?))?;
    }
    Ok(())
}"#;

pub const RS_PROCESS_SERVER: &str = r#"// @WORKERS@ worker processes, as measured: start @WORKERS@ copies of the thread-pool
// server, each binding 0.0.0.0:8000 with SO_REUSEPORT (socket2's
// `set_reuse_port(true)`) so that the kernel spreads the connections over them. In Rust,
// processes pay off for isolation (a crash stays in its worker); threads in one process
// cost less."#;

pub const RS_TOKIO_SERVER: &str = r#"use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::time::{timeout, Duration};

@MAIN@
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
            let idle = Duration::from_secs(60);
            while let Ok(Ok(Some(line))) = timeout(idle, lines.next_line()).await {
                if write.write_all(&reply(&line).await).await.is_err() {
                    break;
                }
            }
        });
    }
}"#;
