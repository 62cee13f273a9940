//! The server side of every Rust model: how accepted connections are scheduled. The
//! per-connection work is the workload's ([`Handler`]); this file holds only the accept
//! loops, one per model, written the way servers of each kind are written:
//!
//! - `rs-thread`: an accept loop that spawns a thread per connection (socketserver's
//!   ThreadingMixIn shape);
//! - `rs-pool`: an accept loop feeding a fixed pool; a connection waits for a free
//!   thread, so a pool narrower than the connections shows head-of-line blocking;
//! - `rs-async`, `rs-async-st`: a tokio accept loop spawning a task per connection;
//! - `rs-process`: prefork workers sharing the listening socket (fd 3, inherited), each
//!   serving one connection at a time (gunicorn's sync workers), or with `async=true` a
//!   current-thread tokio accept loop each.
//!
//! The listening socket arrives as fd [`LISTENER_FD`], bound and listening (the parent
//! chose the address and backlog, the same for every model). The cell stops accepting when
//! its stdin reaches end of file: the watcher shuts the socket down for reading, which
//! wakes every accept on it, in this process and in prefork workers alike. A connection
//! that cannot get its thread, or an accept refused for want of descriptors, is a
//! cell failure with the limit named, and the loop goes on serving what it holds.

use std::net::TcpListener;
use std::os::fd::{FromRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::Builder;
use std::time::Duration;

use super::job::{cores, Job};
use super::run::CellRun;
use super::rust::RustModel;
use crate::measure::clock::mono_ns;
use crate::measure::latency::{Recorder, TaskRecord};
use crate::measure::{inflight, limits};
use crate::results::{ErrorKind, Failure, FailureKind};
use crate::workload::Handler;

/// The descriptor a server cell finds its listening socket on.
pub const LISTENER_FD: RawFd = 3;

/// How long an accept loop waits before retrying after running out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// The stop of a server cell: raised when stdin closes, before the socket is shut down.
pub struct Stop {
    raised: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    fn new() -> Arc<Self> {
        Arc::new(Stop {
            raised: AtomicBool::new(false),
            notify: tokio::sync::Notify::new(),
        })
    }

    fn raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }
}

/// Watch `input` (the cell's stdin, after its spec) on a thread of its own; at end of
/// file, stop accepting on [`LISTENER_FD`].
pub fn stop_on_eof(mut input: impl std::io::Read + Send + 'static) -> Arc<Stop> {
    let stop = Stop::new();
    let raise = Arc::clone(&stop);
    let _ = Builder::new().name("stop-watch".into()).spawn(move || {
        let mut sink = [0u8; 64];
        while matches!(input.read(&mut sink), Ok(n) if n > 0) {}
        raise.raised.store(true, Ordering::SeqCst);
        raise.notify.notify_one();
        // SAFETY: a plain syscall on a descriptor this process owns; a socket shut down
        // for reading refuses further accepts and wakes those waiting.
        unsafe { libc::shutdown(LISTENER_FD, libc::SHUT_RD) };
    });
    stop
}

/// Tell the parent the server is ready: one line on stdout, before the report line.
pub fn announce_ready(run: &CellRun) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{{\"ready_ns\":{}}}", run.ready_ns).and_then(|_| out.flush());
}

/// The listening socket this cell inherited.
fn listener() -> Result<TcpListener, Failure> {
    // SAFETY: fd 3 is the listening socket the parent placed there for this cell; nothing
    // else in the process owns it.
    let listener = unsafe { TcpListener::from_raw_fd(LISTENER_FD) };
    listener.local_addr().map_err(|e| Failure {
        kind: FailureKind::Runtime,
        message: format!("no listening socket on fd {LISTENER_FD}: {e}"),
        at_task: None,
        limit: None,
    })?;
    Ok(listener)
}

/// What an accept error means for the loop.
enum Accepted {
    /// Stop accepting: the listener was shut down.
    Stop,
    /// Out of descriptors: a limit, then retry after a pause.
    Limit(Failure),
    /// A connection that went away before it was accepted: go on.
    Skip,
}

fn accept_error(e: &std::io::Error, stop: &Stop, accepted: usize) -> Accepted {
    match e.raw_os_error() {
        _ if stop.raised() => Accepted::Stop,
        Some(libc::EINVAL) | Some(libc::EBADF) => Accepted::Stop,
        Some(libc::EMFILE) | Some(libc::ENFILE) => Accepted::Limit(Failure {
            kind: FailureKind::FdLimit,
            message: format!("stopped accepting at connection {accepted}: {e}"),
            at_task: Some(accepted),
            limit: limits::for_error(ErrorKind::FdLimit),
        }),
        _ => Accepted::Skip,
    }
}

/// One connection served, timed as a task.
fn serve_one(handler: &dyn Handler, stream: std::net::TcpStream) -> TaskRecord {
    let _running = inflight::enter();
    let start_ns = mono_ns();
    let result = handler.serve_blocking(stream);
    TaskRecord {
        start_ns,
        end_ns: mono_ns(),
        result,
    }
}

/// Serve connections under `model` until stdin closes: `tasks` is the number of
/// connections the load will open (the moment they are all accepted is the snapshot of
/// full concurrency).
pub fn serve(
    model: &RustModel,
    handler: Arc<dyn Handler>,
    job: &Job,
    stop: Arc<Stop>,
    run: &mut CellRun,
) -> Result<(), Failure> {
    let tasks = job.tasks;
    match model {
        // The workers take the socket; the cell only waits for them.
        RustModel::RsProcess(p) => p.prefork(job, run),
        RustModel::RsThread(m) => thread_per_connection(listener()?, handler, m.stack, tasks, &stop, run),
        RustModel::RsPool(p) => pool(listener()?, handler, p.width(), tasks, &stop, run),
        RustModel::RsAsync(m) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(m.workers.unwrap_or_else(cores))
                .enable_all()
                .build();
            tokio_accept(rt, listener()?, handler, tasks, &stop, run, true)
        }
        RustModel::RsAsyncSt(_) => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            tokio_accept(rt, listener()?, handler, tasks, &stop, run, true)
        }
    }
}

fn thread_per_connection(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    stack: Option<u64>,
    tasks: usize,
    stop: &Stop,
    run: &mut CellRun,
) -> Result<(), Failure> {
    let stack = super::thread::stack_size(stack);
    let mut budget = super::thread::MapBudget::new(stack);
    run.ready();
    announce_ready(run);
    let mut handles = Vec::with_capacity(tasks);
    let mut failure: Option<Failure> = None;
    let mut accepted = 0;
    loop {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => match accept_error(&e, stop, accepted) {
                Accepted::Stop => break,
                Accepted::Skip => continue,
                Accepted::Limit(f) => {
                    failure.get_or_insert(f);
                    std::thread::sleep(ACCEPT_BACKOFF);
                    continue;
                }
            },
        };
        accepted += 1;
        if let Some(limit) = budget.exhausted(handles.len()) {
            failure.get_or_insert(Failure {
                kind: FailureKind::SpawnLimit,
                message: format!("stopped accepting at connection {}: no thread for it", accepted - 1),
                at_task: Some(accepted - 1),
                limit: Some(limit),
            });
            run.rec
                .record_errors(ErrorKind::NotStarted, "no thread for the connection", 1);
            continue;
        }
        let handler = Arc::clone(&handler);
        let builder = Builder::new().stack_size(stack);
        match builder.spawn(move || serve_one(handler.as_ref(), stream)) {
            Ok(h) => handles.push(h),
            Err(err) => {
                failure.get_or_insert(Failure {
                    kind: FailureKind::SpawnLimit,
                    message: format!("stopped accepting at connection {}: {err}", accepted - 1),
                    at_task: Some(accepted - 1),
                    limit: Some(limits::diagnose_spawn(&err)),
                });
                run.rec
                    .record_errors(ErrorKind::NotStarted, "no thread for the connection", 1);
            }
        }
        if accepted == tasks {
            run.all_spawned();
        }
    }
    if run.full.is_none() {
        run.all_spawned();
    }
    for handle in handles {
        match handle.join() {
            Ok(record) => run.rec.record(record),
            Err(_) => run
                .rec
                .record_errors(ErrorKind::Panic, "connection handler panicked", 1),
        }
    }
    failure.map_or(Ok(()), Err)
}

fn pool(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    width: usize,
    tasks: usize,
    stop: &Stop,
    run: &mut CellRun,
) -> Result<(), Failure> {
    let origin = run.ready();
    let binned = run.rec.bins.is_some();
    let (send, receive) = mpsc::channel::<std::net::TcpStream>();
    let receive = Arc::new(Mutex::new(receive));
    let mut workers = Vec::new();
    let mut failure: Option<Failure> = None;
    for w in 0..width {
        let (handler, receive) = (Arc::clone(&handler), Arc::clone(&receive));
        let spawned = Builder::new().name(format!("pool-{w}")).spawn(move || {
            let mut rec = Recorder::new(origin);
            if binned {
                rec.enable_bins();
            }
            loop {
                let next = receive.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok(stream) = next else { return rec };
                rec.record(serve_one(handler.as_ref(), stream));
            }
        });
        match spawned {
            Ok(h) => workers.push(h),
            Err(err) => {
                failure = Some(Failure {
                    kind: FailureKind::SpawnLimit,
                    message: format!("pool thread {w} could not be created: {err}"),
                    at_task: None,
                    limit: Some(limits::diagnose_spawn(&err)),
                });
                break;
            }
        }
    }
    announce_ready(run);
    let mut accepted = 0;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                accepted += 1;
                let _ = send.send(s);
                if accepted == tasks {
                    run.all_spawned();
                }
            }
            Err(e) => match accept_error(&e, stop, accepted) {
                Accepted::Stop => break,
                Accepted::Skip => {}
                Accepted::Limit(f) => {
                    failure.get_or_insert(f);
                    std::thread::sleep(ACCEPT_BACKOFF);
                }
            },
        }
    }
    drop(send);
    if run.full.is_none() {
        run.all_spawned();
    }
    for handle in workers {
        match handle.join() {
            Ok(rec) => run.rec.merge(&rec),
            Err(_) => run.rec.record_errors(ErrorKind::Panic, "pool thread panicked", 1),
        }
    }
    failure.map_or(Ok(()), Err)
}

/// A tokio accept loop on `rt`, a task per connection. `mark_ready`: this loop sets the
/// cell's ready mark (an `rs-process:async=true` worker counts from the cell's).
pub fn tokio_accept(
    rt: std::io::Result<tokio::runtime::Runtime>,
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    tasks: usize,
    stop: &Stop,
    run: &mut CellRun,
    mark_ready: bool,
) -> Result<(), Failure> {
    let rt = rt.map_err(super::tokio_rt::runtime_failed)?;
    let runtime_failure = |e: std::io::Error| Failure {
        kind: FailureKind::Runtime,
        message: format!("the listening socket cannot join the runtime: {e}"),
        at_task: None,
        limit: None,
    };
    listener.set_nonblocking(true).map_err(runtime_failure)?;
    // Connections hold a `&'static` handler, as client tasks hold their workload.
    let handler: &'static Arc<dyn Handler> = Box::leak(Box::new(handler));
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(runtime_failure)?;
        let heartbeat = super::tokio_rt::Heartbeat::start();
        if mark_ready {
            run.ready();
            announce_ready(run);
        }
        let mut handles = Vec::with_capacity(tasks);
        let mut failure: Option<Failure> = None;
        loop {
            let accepted = tokio::select! {
                biased;
                _ = stop.notify.notified() => break,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _)) => {
                    handles.push(tokio::spawn(async move {
                        let _running = inflight::enter();
                        let start_ns = mono_ns();
                        let result = handler.serve_async(stream).await;
                        TaskRecord {
                            start_ns,
                            end_ns: mono_ns(),
                            result,
                        }
                    }));
                    if handles.len() == tasks {
                        run.all_spawned();
                    }
                }
                Err(e) => match accept_error(&e, stop, handles.len()) {
                    Accepted::Stop => break,
                    Accepted::Skip => {}
                    Accepted::Limit(f) => {
                        failure.get_or_insert(f);
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
            }
        }
        if run.full.is_none() {
            run.all_spawned();
        }
        for handle in handles {
            match handle.await {
                Ok(record) => run.rec.record(record),
                Err(_) => run
                    .rec
                    .record_errors(ErrorKind::Panic, "connection handler panicked", 1),
            }
        }
        run.loop_lag_us = heartbeat.finish().await;
        failure.map_or(Ok(()), Err)
    })
}

/// A prefork worker's share: accept and serve on the inherited socket until it is shut
/// down, one connection at a time, or all at once on a current-thread runtime.
pub fn worker(handler: Arc<dyn Handler>, asynchronous: bool, origin_ns: u64, run: &mut CellRun) -> Result<(), Failure> {
    let listener = listener()?;
    // The cell's watcher shuts the shared socket down; this process never raises its own.
    let stop = Stop::new();
    let binned = run.rec.bins.is_some();
    run.rec = Recorder::new(origin_ns);
    if binned {
        run.rec.enable_bins();
    }
    if asynchronous {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        return tokio_accept(rt, listener, handler, 0, &stop, run, false);
    }
    let mut failure = None;
    let mut accepted = 0;
    loop {
        match listener.accept() {
            Ok((s, _)) => {
                accepted += 1;
                run.rec.record(serve_one(handler.as_ref(), s));
            }
            Err(e) => match accept_error(&e, &stop, accepted) {
                Accepted::Stop => break,
                Accepted::Skip => {}
                Accepted::Limit(f) => {
                    failure.get_or_insert(f);
                    std::thread::sleep(ACCEPT_BACKOFF);
                }
            },
        }
    }
    failure.map_or(Ok(()), Err)
}
