//! `conlab serve`: the latency-injecting target server, in the foreground; or, with
//! `--model`, one server model serving a `serve-*` workload exactly as a server cell of a
//! sweep does (same listener hand-over, same handler, same measurement), so that an
//! outside load generator (wrk, oha) can be aimed at it and compared with conlab's own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyhow::Context;

use super::shared::{usage, UsageError};
use crate::cell::parent::{self, CellMeta, Talk};
use crate::cell::server::{hand_over, listen};
use crate::launch::Launcher;
use crate::measure::limits;
use crate::model::ModelSpec;
use crate::server::{self, ServeArgs, ServeError};
use crate::units::{format_bytes, format_count};
use crate::workload::WorkloadSpec;

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    limits::raise_nofile();
    if let (Some(model), Some(workload)) = (&args.model, &args.workload) {
        return serve_model(args, model, workload);
    }
    match server::serve(args) {
        Err(e @ ServeError::Listen { .. }) => Err(usage(e)),
        other => Ok(other?),
    }
}

/// Serve `workload` under `model` on `--listen` until SIGINT or SIGTERM, then print what
/// the server's process tree held.
fn serve_model(args: &ServeArgs, model: &str, workload: &str) -> anyhow::Result<()> {
    let model: ModelSpec = model.parse().map_err(usage)?;
    let workload: WorkloadSpec = workload.parse().map_err(usage)?;
    if workload.server().is_none() {
        return Err(UsageError(anyhow::anyhow!(
            "--model serves a server workload (serve-http, serve-tcp, serve-app), not {workload}"
        ))
        .into());
    }
    if let Some(why) = crate::plan::mismatch(&workload, &model) {
        return Err(UsageError(anyhow::anyhow!("{why}")).into());
    }
    let interpreter = match &model {
        ModelSpec::Python(_) => Some(crate::launch::python::probe("python3").map_err(usage)?),
        ModelSpec::Rust { .. } => None,
    };
    let listener =
        listen(args.listen).map_err(|e| UsageError(anyhow::anyhow!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr()?;
    let exe = std::env::current_exe().context("cannot find conlab's own executable")?;
    let launcher = Launcher::new(&exe, interpreter.is_some(), false)?;
    let mut launch = launcher.cell(
        &model,
        interpreter.as_ref(),
        &workload,
        args.connections,
        &Default::default(),
    )?;
    hand_over(&mut launch.command, &listener);

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    let (ready_tx, ready_rx) = mpsc::channel();
    let (close_tx, close_rx) = mpsc::channel::<()>();
    let talk = Talk {
        ready: Some(ready_tx),
        hold_stdin: Some(close_rx),
        series_off: false,
    };
    let meta = CellMeta {
        index: 1,
        workload: workload.to_string(),
        model: model.to_string(),
        tasks: args.connections,
        repeat: 0,
        baseline: false,
    };
    let never = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        let cell = scope.spawn(|| {
            parent::run_with(
                launch.command,
                launch.stdin,
                meta,
                Duration::from_secs(86_400 * 365),
                &never,
                talk,
            )
        });
        if ready_rx.recv().is_ok() {
            eprintln!("conlab serve: {model} serving {workload} on {addr} (Ctrl-C stops)");
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        drop(close_tx);
        cell.join().ok().flatten()
    });
    drop(listener);
    let Some(cell) = result else {
        anyhow::bail!("the server cell ended without a result");
    };
    eprintln!(
        "conlab serve: {} ({}): {} connections served, {} failed; peak RSS {}, {} threads, {:.2} s CPU",
        cell.status.as_str(),
        cell.failure
            .as_ref()
            .map(|f| f.message.as_str())
            .unwrap_or("no failure"),
        format_count(cell.tasks_ok + cell.tasks_failed),
        format_count(cell.tasks_failed),
        format_bytes(cell.peak_rss_bytes as f64),
        cell.peak_threads,
        cell.user_s + cell.sys_s
    );
    Ok(())
}
