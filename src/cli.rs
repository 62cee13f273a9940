//! The command line, as a clap derive struct the library owns (so tests can parse it)
//! with value parsers that turn raw text into checked values once, at the edge.
//!
//! The `///` comments on the options are clap's help text, written for a terminal
//! (`results/<UTC time>`), not rustdoc markup.
#![allow(rustdoc::invalid_html_tags)]

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

mod help;

use crate::analyze::advice::{Connections, Lang, Side};
use crate::launch::hosts::GeneratorHost;
use crate::model::ModelSpec;
use crate::params::SpecError;
use crate::report::compare::CompareFormat;
use crate::report::ReportFormat;
use crate::results::Shard;
use crate::slo::Slo;
use crate::units::{self, ValueError};
use crate::workload::{PyTask, WorkloadSpec};

#[derive(Debug, Parser)]
#[command(
    name = "conlab",
    version,
    about = "A concurrency lab: the same workload under every concurrency model, measured",
    long_about = "conlab runs one workload (sleep, cpu, mixed; http: fetch URLs; tcp: hold \
                  connections; blocking: call a blocking library; `conlab list` shows them all) \
                  under many concurrency models (a thread per task, a thread pool, tokio multi- and \
                  single-threaded, worker processes; Python threads, pools, asyncio and processes), \
                  sweeps the number of concurrent tasks, measures each run from outside in its own \
                  process, and says which model wins where.",
    after_help = help::TOP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour the terminal output: auto (on a terminal, unless NO_COLOR or CLICOLOR=0;
    /// CLICOLOR_FORCE forces it), always, never.
    #[arg(long, global = true, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: crate::report::screen::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a sweep: every workload under every model at every task count.
    #[command(after_help = help::BENCH)]
    Bench(BenchArgs),
    /// Rebuild a report from results.json or results.jsonl (even a cut-off one).
    #[command(after_help = help::REPORT, arg_required_else_help = true)]
    Report(ReportArgs),
    /// Recommend a concurrency model for your workload, from measurements on this machine.
    #[command(after_help = help::ADVISE)]
    Advise(AdviseArgs),
    /// Test claims (the seed article's by default) on this machine: verdicts with numbers.
    #[command(after_help = help::CLAIMS)]
    Claims(ClaimsArgs),
    /// The seed article's question answered with this machine's numbers, in its own shape.
    #[command(after_help = help::ANSWER)]
    Answer(AnswerArgs),
    /// Compare the same cells of two result files: ratios and noise-aware verdicts.
    #[command(after_help = help::COMPARE, arg_required_else_help = true)]
    Compare(CompareArgs),
    /// Merge shards, runs or machines into one results document, histograms summed.
    #[command(after_help = help::MERGE, arg_required_else_help = true)]
    Merge(MergeArgs),
    /// Serve HTTP (and TCP echo) with injected latency and faults: the I/O workloads' target.
    #[command(after_help = help::SERVE)]
    Serve(crate::server::ServeArgs),
    /// Show this machine's limits and the thread and connection counts they allow.
    #[command(after_help = help::ENV)]
    Env {
        /// Print the environment as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List workloads and models with their parameters.
    #[command(after_help = help::LIST)]
    List,
    /// Print a shell completion script to stdout.
    #[command(after_help = help::COMPLETIONS, arg_required_else_help = true)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of conlab or of one subcommand to stdout.
    #[command(after_help = help::MAN)]
    Man {
        /// A subcommand (bench, report, ...) [default: conlab itself].
        #[arg(value_name = "SUBCOMMAND")]
        page: Option<String>,
    },
    /// Internal: run one cell (its spec as JSON on stdin) and print one JSON result line.
    #[command(hide = true)]
    Cell,
    /// Internal: a worker process of the rs-process model (its spec on stdin).
    #[command(hide = true)]
    Worker,
}

/// The whole command line as clap sees it, with the built-in defaults written into the
/// help: what `--help`, completions and the man page describe.
pub fn command() -> clap::Command {
    help::with_defaults(Cli::command())
}

/// Parse the process's arguments: the one place argv becomes options.
pub fn parse(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    let mut matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches)
}

#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// Workload spec, repeatable: sleep:1s, cpu:iterations=200000, http:latency=50ms,
    /// tcp:hold=1s, blocking:call=10ms, mixed:io=10ms,cpu=10000,steps=4 (`conlab list`).
    #[arg(long = "workload", value_name = "SPEC", value_parser = parse_workload)]
    pub workloads: Vec<WorkloadSpec>,
    /// Comma-separated model specs: rs-thread,rs-pool:size=8,rs-async,rs-async-st,rs-process.
    #[arg(long, value_name = "LIST", value_parser = parse_models)]
    pub models: Option<ModelList>,
    /// Comma-separated task counts: 1,100,10k,1m.
    #[arg(long, value_name = "LIST", value_parser = parse_tasks)]
    pub tasks: Option<TaskList>,
    /// Runs of each (workload, model, tasks), interleaved across models. A winner or a
    /// crossover is named only beyond the spread of the runs (one run: 10%).
    #[arg(long, default_value_t = DEFAULT_REPEAT, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Share of a cell's tasks that may fail before the cell counts as `errors` and is
    /// left out of winners, crossovers, bytes per task, advise and claims: 0%, 1%, 0.5%.
    #[arg(long, value_name = "PCT", default_value = "0%", value_parser = parse_percent)]
    pub tolerate_failures: f64,
    /// Kill a cell after this long.
    #[arg(long, value_name = "DUR", value_parser = parse_timeout)]
    pub cell_timeout: Option<Duration>,
    /// Directory for results.jsonl, results.json and report.html [default:
    /// results/<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the finished sweep as JSON (what results.json holds) to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Also write the finished sweep as CSV (one row per cell) to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Also write the finished sweep as Markdown tables to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Also write every cell's series over time as CSV to FILE: one row per point
    /// (workload, model, tasks, repeat, t_ms, rss_bytes, threads, fds, procs, in_flight,
    /// completed).
    #[arg(long, value_name = "FILE")]
    pub export_timeseries: Option<PathBuf>,
    /// With --slo: also write every capacity probe as CSV to FILE, one row each (slo,
    /// workload, model, tasks, repeat, the search's capacity_rps, failed_at_rps and end,
    /// then the probe's rate, achieved_rps, p50/p99/p999_ms, requests, error_rate,
    /// status, pass, reason).
    #[arg(long, value_name = "FILE")]
    pub export_capacity: Option<PathBuf>,
    /// Keep no series over time: the parent keeps only peaks and the cells count no
    /// tasks per time bin (to measure what the series costs).
    #[arg(long)]
    pub no_series: bool,
    /// No progress and no tables: only files are written. Warnings and errors still go
    /// to stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Python interpreter for the py-* models, repeatable [default: python3]. With more
    /// than one, model names carry the version: py3.13-asyncio.
    #[arg(long = "python", value_name = "PATH")]
    pub python: Vec<String>,
    /// Send the http workload to this URL instead of conlab's own server.
    #[arg(long, value_name = "URL", conflicts_with = "urls")]
    pub target: Option<String>,
    /// Send the http workload to these URLs (one per line; blank lines and # comments
    /// allowed), task i starting at line i.
    #[arg(long, value_name = "FILE")]
    pub urls: Option<PathBuf>,
    /// Small task counts only (10,100,1000), for a quick look.
    #[arg(long, conflicts_with_all = ["full", "tasks"])]
    pub quick: bool,
    /// Task counts from 1 to 1,000,000.
    #[arg(long, conflicts_with = "tasks")]
    pub full: bool,
    /// Run slice K (0-based) of N deterministic slices of the plan, for N machines each
    /// running one: `--shard $JOB_COMPLETION_INDEX/N` in a Kubernetes Indexed Job,
    /// `--shard $SLURM_ARRAY_TASK_ID/N` in a Slurm job array. `conlab merge` joins them.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Print the cells this run would measure (the slice's, with --shard) as JSON and
    /// exit, running nothing and writing no files.
    #[arg(long)]
    pub plan_only: bool,
    /// A name for this machine in merged results (`c7g`, `laptop`) [default: the
    /// CONLAB_HOST_LABEL variable, else its kind: arch, cores, memory, CPU, kernel].
    #[arg(long, value_name = "NAME")]
    pub host_label: Option<String>,
    /// Where a serve-* cell's server listens: an address its load generators reach, an
    /// interface's own (10.0.0.1; IP:PORT for a fixed port a firewall can open) [default:
    /// 127.0.0.1, a free port per cell].
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    pub listen: Option<SocketAddr>,
    /// Run a serve-* cell's load generators on these hosts, in turn (generator i on host
    /// i mod H, so give generators=H or more): netns:NAME, a network namespace (the
    /// generator runs under `ip netns exec NAME`), or local. Each generator's share in
    /// the results names its host.
    #[arg(long, value_name = "LIST", value_parser = parse_hosts)]
    pub generator_hosts: Option<HostList>,
    /// Also print every results.jsonl record on stdout as it is written (with --quiet,
    /// nothing else goes to stdout): results survive in `kubectl logs` with no volume.
    #[arg(long)]
    pub jsonl_stdout: bool,
    /// For py-task workloads: run a model whose function is missing the way users do it
    /// (`asyncio.to_thread(fn, i)` under asyncio, `asyncio.run(afn(i))` per task under
    /// threads) instead of skipping it; results record `adapt=true`.
    #[arg(long)]
    pub adapt: bool,
    /// Find each server model's capacity at an objective instead of running each cell
    /// once: the highest open-loop rate whose clients' quantile stays within it (p50=,
    /// p99=, p999=; errors=PCT, default none), per model and connection count. Ramps ×2,
    /// then bisects to within 5%; each probe runs at least 3 s (CONLAB_SLO_MIN_PROBE
    /// lowers that, for tests); every probe is kept in results.json `capacity`.
    #[arg(long, value_name = "p99=50ms[,errors=0.1%]", value_parser = parse_slo)]
    pub slo: Option<Slo>,
}

fn parse_slo(text: &str) -> Result<Slo, String> {
    Slo::parse(text)
}

#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// results.json or results.jsonl files, directories holding one, or directories of
    /// such directories (a shared volume with one directory per shard).
    #[arg(required = true, value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
    /// The merged results.json to write.
    #[arg(short = 'o', long = "output", value_name = "OUT", required = true)]
    pub output: PathBuf,
    /// Merge documents of different plans or schema versions anyway (the merged document
    /// says which differed).
    #[arg(long)]
    pub allow_mixed: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// results.json or results.jsonl.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: ReportFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// One cell over time instead of the report: MODEL,N (`py-thread,5000`), its median
    /// run by work time on each workload, as a table (terminal), its points (csv, json)
    /// or a chart (html).
    #[arg(long, value_name = "MODEL,N", value_parser = parse_cell_pick)]
    pub cell: Option<CellPick>,
    /// Also write every cell's series over time as CSV to FILE (see bench).
    #[arg(long, value_name = "FILE")]
    pub export_timeseries: Option<PathBuf>,
    /// Also write every capacity probe of `bench --slo` as CSV to FILE (see bench).
    #[arg(long, value_name = "FILE")]
    pub export_capacity: Option<PathBuf>,
}

/// `--cell MODEL,N`: a model as results name it and a task count.
#[derive(Debug, Clone, PartialEq)]
pub struct CellPick {
    pub model: String,
    pub tasks: usize,
}

/// `MODEL,N`, split at the last comma (a model's parameters may hold commas).
fn parse_cell_pick(s: &str) -> Result<CellPick, String> {
    let (model, n) = s
        .rsplit_once(',')
        .ok_or_else(|| format!("`{s}` is not MODEL,N (e.g. py-thread,5000)"))?;
    let tasks = units::parse_count(n.trim()).map_err(|e| e.to_string())?;
    match model.trim() {
        "" => Err(format!("`{s}` names no model (MODEL,N, e.g. py-thread,5000)")),
        m => Ok(CellPick {
            model: m.to_string(),
            tasks,
        }),
    }
}

#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The baseline: results.json or results.jsonl.
    pub a: PathBuf,
    /// The candidate: results.json or results.jsonl.
    pub b: PathBuf,
    /// Output format: the table, or JSON with every matched cell (A, B, ratio, verdict).
    #[arg(long, value_enum, default_value = "table")]
    pub format: CompareFormat,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// For CI: exit 1 when a cell of B is slower than A by more than PCT and more than
    /// the noise (10% or the repeats' spread), or fails where A ran ok; exit 0 otherwise.
    #[arg(long, value_name = "PCT", value_parser = parse_slower)]
    pub fail_if_slower: Option<f64>,
}

#[derive(Debug, Args, Clone)]
pub struct AdviseArgs {
    /// How many tasks run at once.
    #[arg(long, value_parser = units::parse_count)]
    pub tasks: Option<usize>,
    /// Time each task waits (I/O), e.g. 50ms.
    #[arg(long, value_parser = units::parse_duration)]
    pub io: Option<Duration>,
    /// Time each task computes, e.g. 200ms.
    #[arg(long, value_parser = units::parse_duration)]
    pub cpu: Option<Duration>,
    /// The libraries you must use are blocking-only (no async version).
    #[arg(long)]
    pub sync_only: bool,
    /// The language you write.
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Long-held connections (chat, streaming) or short requests; a number N: N held
    /// connections at once (sets --tasks).
    #[arg(long, value_parser = parse_connections)]
    pub connections: Option<ConnectionsArg>,
    /// The side you write: the client that makes the requests, or the server that holds
    /// the connections (measured with conlab's load generator).
    #[arg(long, value_enum, default_value_t = Side::Client)]
    pub side: Side,
    /// Use the cells of an earlier results.json / results.jsonl instead of measuring.
    #[arg(long = "from", value_name = "FILE", conflicts_with = "task")]
    pub from: Option<PathBuf>,
    /// Measure your own Python task instead of a stand-in: file=PATH,fn=NAME, and
    /// optionally afn=NAME, setup=NAME, adapt=true, as in `--workload py-task:...` (needs
    /// --tasks).
    #[arg(long, value_name = "file=PATH,fn=NAME", value_parser = parse_task)]
    pub task: Option<PyTask>,
    /// With --side server: your own web app, `asgi=FILE:APP` or `wsgi=FILE:APP` (a bare
    /// FILE:APP is ASGI when FILE has an `async def`, WSGI otherwise), measured under every
    /// installed stack that serves its interface and ranked by capacity at --slo.
    #[arg(long, value_name = "[asgi=|wsgi=]FILE:APP", conflicts_with_all = ["task", "from"])]
    pub app: Option<String>,
    /// With --app: the objective the stacks are ranked by (see bench --slo).
    #[arg(long, value_name = "p99=100ms", default_value = "p99=100ms", value_parser = parse_slo)]
    pub slo: Slo,
    /// With --app: the path the clients request (repeatable) [default: /].
    #[arg(long = "path", value_name = "PATH")]
    pub paths: Vec<String>,
}

/// `--task file=PATH,fn=NAME`: a py-task spec without its name.
fn parse_task(text: &str) -> Result<PyTask, String> {
    match format!("py-task:{text}").parse::<WorkloadSpec>() {
        Ok(WorkloadSpec::PyTask(task)) => Ok(task),
        Ok(other) => Err(format!("{other} is not a Python task")),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Debug, Args, Clone)]
pub struct ClaimsArgs {
    /// Claims file (JSON list) [default: the seed article's claims, built in].
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// Python interpreter for the Python claims.
    #[arg(long = "python", value_name = "PATH")]
    pub python: Vec<String>,
    /// Runs of each model per claim, interleaved (at least 3: a verdict is drawn only
    /// beyond the spread of the runs).
    #[arg(long, default_value_t = DEFAULT_REPEAT, value_parser = clap::value_parser!(u32).range(3..=100))]
    pub repeat: u32,
    /// Directory for claims.json and report.html [default: results/claims-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// How `conlab answer` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnswerFormat {
    Markdown,
    Html,
}

#[derive(Debug, Args, Clone)]
pub struct AnswerArgs {
    /// A sweep's results.json or results.jsonl [default: run the default sweep and the
    /// claims now].
    #[arg(long, value_name = "RESULTS")]
    pub from: Option<PathBuf>,
    /// claims.json from `conlab claims` (its results.json beside it, when there, adds the
    /// gotchas' cells) [default: the claims in RESULTS, if any].
    #[arg(long, value_name = "CLAIMS")]
    pub claims: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = AnswerFormat::Markdown)]
    pub format: AnswerFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Directory for the sweep and claims run when --from is not given
    /// [default: results/answer-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `--connections`: a kind, or a count of connections held at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConnectionsArg {
    Kind(Connections),
    Count(usize),
}

fn parse_connections(text: &str) -> Result<ConnectionsArg, String> {
    match text {
        "long" => Ok(ConnectionsArg::Kind(Connections::Long)),
        "short" => Ok(ConnectionsArg::Kind(Connections::Short)),
        n => match units::parse_count(n) {
            Ok(0) => Err("at least 1 connection".into()),
            Ok(n) => Ok(ConnectionsArg::Count(n)),
            Err(_) => Err(format!("'{n}' is neither long, short nor a count of connections")),
        },
    }
}

/// Task counts, sorted and deduplicated.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskList(pub Vec<usize>);

/// Model specs, parsed, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelList(pub Vec<ModelSpec>);

/// Generator hosts, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct HostList(pub Vec<GeneratorHost>);

/// A value of the command line that is not usable.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error("{0}")]
    Other(&'static str),
}

fn parse_workload(text: &str) -> Result<WorkloadSpec, ArgError> {
    Ok(text.parse()?)
}

/// The most tasks a cell may be asked for: a hundred times the million of `--full`, far
/// beyond what any model reaches on a machine (threads stop at pid_max and
/// max_map_count, tasks at memory), but below counts whose task tables alone would not
/// fit in memory.
pub const MAX_TASKS: usize = 100_000_000;

fn parse_tasks(text: &str) -> Result<TaskList, ArgError> {
    let tasks = units::parse_task_list(text)?;
    if tasks.iter().any(|&n| n > MAX_TASKS) {
        return Err(ArgError::Other(
            "at most 100,000,000 tasks per cell (no model on one machine runs more; `conlab env` shows the ceilings)",
        ));
    }
    Ok(TaskList(tasks))
}

/// `K/N`: slice K (0-based) of N.
fn parse_shard(text: &str) -> Result<Shard, ArgError> {
    const HOW: &str = "expected K/N with 0 <= K < N, e.g. 0/4 (K is 0-based, as JOB_COMPLETION_INDEX is)";
    let (k, n) = text.split_once('/').ok_or(ArgError::Other(HOW))?;
    match (k.trim().parse::<usize>(), n.trim().parse::<usize>()) {
        (Ok(index), Ok(count)) if count > 0 && index < count => Ok(Shard { index, count }),
        _ => Err(ArgError::Other(HOW)),
    }
}

/// Runs per cell by default: three, so every verdict has a spread to be judged against.
pub const DEFAULT_REPEAT: u32 = 3;

/// `1%`, `0.5%` or `0` as a share (0 to 1).
fn parse_percent(text: &str) -> Result<f64, ArgError> {
    let number = text.trim().strip_suffix('%').unwrap_or(text.trim());
    match number.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p / 100.0),
        _ => Err(ArgError::Other("expected a percentage from 0% to 100%, e.g. 1%")),
    }
}

/// `10` or `10%`: how much slower counts as a regression, as a share (0.10).
fn parse_slower(text: &str) -> Result<f64, ArgError> {
    let number = text.trim().strip_suffix('%').unwrap_or(text.trim());
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p / 100.0),
        _ => Err(ArgError::Other("expected a percentage of 0 or more, e.g. 10 or 10%")),
    }
}

/// `IP` (a free port per cell) or `IP:PORT`; IPv6 as `[::1]:PORT`.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 0));
    }
    text.parse::<SocketAddr>()
        .map_err(|_| format!("'{text}' is not an address: expected IP or IP:PORT, e.g. 10.0.0.1 or 10.0.0.1:8080"))
}

/// A comma-separated list of generator hosts, each at most once.
fn parse_hosts(text: &str) -> Result<HostList, String> {
    let mut hosts = Vec::new();
    for piece in text.split(',') {
        let host: GeneratorHost = piece.parse()?;
        if host != GeneratorHost::Local && hosts.contains(&host) {
            return Err(format!(
                "{host} is listed twice (list local twice for two generators here)"
            ));
        }
        hosts.push(host);
    }
    Ok(HostList(hosts))
}

fn parse_timeout(text: &str) -> Result<Duration, ArgError> {
    match units::parse_duration(text)? {
        d if d.is_zero() => Err(ArgError::Other("the cell timeout must be more than 0")),
        d => Ok(d),
    }
}

/// Split a model list on commas, keeping `key=value` pieces with the model before them
/// (`rs-pool:size=8,rs-async` is two models; `x:a=1,b=2` is one).
fn parse_models(text: &str) -> Result<ModelList, ArgError> {
    let mut specs: Vec<String> = Vec::new();
    for piece in text.split(',').map(str::trim) {
        match specs.last_mut() {
            Some(last) if piece.contains('=') && !piece.contains(':') => {
                last.push(',');
                last.push_str(piece);
            }
            _ => specs.push(piece.to_string()),
        }
    }
    let mut out: Vec<ModelSpec> = Vec::new();
    for spec in specs {
        if spec.is_empty() {
            return Err(ArgError::Other("empty model name in the list"));
        }
        let model: ModelSpec = spec.parse()?;
        if !out.contains(&model) {
            out.push(model);
        }
    }
    Ok(ModelList(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench(args: &[&str]) -> Result<BenchArgs, clap::Error> {
        let mut argv = vec!["conlab", "bench"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|cli| match cli.command {
            Command::Bench(b) => b,
            other => panic!("parsed as {other:?}"),
        })
    }

    #[test]
    fn bench_options_parse() {
        let b = bench(&[
            "--workload",
            "sleep:200ms",
            "--models",
            "rs-thread,rs-pool:size=8,rs-async",
            "--tasks",
            "100,1",
            "--repeat",
            "3",
            "--cell-timeout",
            "30s",
        ])
        .unwrap();
        assert_eq!(b.workloads[0].to_string(), "sleep:200ms");
        let models: Vec<String> = b.models.unwrap().0.iter().map(|m| m.to_string()).collect();
        assert_eq!(models, vec!["rs-thread", "rs-pool:size=8", "rs-async"]);
        assert_eq!(b.tasks.unwrap().0, vec![1, 100]);
        assert_eq!(b.repeat, 3);
        assert_eq!(b.cell_timeout, Some(Duration::from_secs(30)));
        assert_eq!(b.shard, None);
        let b = bench(&["--shard", "2/3", "--plan-only"]).unwrap();
        assert_eq!(b.shard, Some(Shard { index: 2, count: 3 }));
        assert!(b.plan_only);
        assert_eq!((b.listen, b.generator_hosts), (None, None));
        let b = bench(&["--listen", "10.0.0.1", "--generator-hosts", "netns:a,netns:b,local"]).unwrap();
        assert_eq!(b.listen, Some("10.0.0.1:0".parse().unwrap()));
        let hosts: Vec<String> = b.generator_hosts.unwrap().0.iter().map(|h| h.to_string()).collect();
        assert_eq!(hosts, ["netns:a", "netns:b", "local"]);
        let b = bench(&["--listen", "[fd00::1]:8080"]).unwrap();
        assert_eq!(b.listen, Some("[fd00::1]:8080".parse().unwrap()));
    }

    #[test]
    fn bad_values_are_rejected() {
        for args in [
            &["--models", "rs-nope"][..],
            &["--workload", "nap:1s"],
            &["--tasks", "0"],
            &["--tasks", "abc"],
            &["--tasks", "-5"],
            &["--workload", "sleep:1x"],
            &["--repeat", "0"],
            &["--cell-timeout", "0s"],
            &["--quick", "--tasks", "5"],
            &["--tasks", "5000000000"],
            &["--tolerate-failures", "150%"],
            &["--tolerate-failures", "some"],
            &["--shard", "3/3"],
            &["--shard", "0/0"],
            &["--shard", "a/b"],
            &["--shard", "1"],
            &["--shard", "-1/3"],
            &["--listen", "server-host:80"],
            &["--listen", "10.0.0.1:99999"],
            &["--generator-hosts", "netns:a,netns:a"],
            &["--generator-hosts", "ssh:client-a"],
            &["--generator-hosts", "netns:a,"],
        ] {
            assert!(bench(args).is_err(), "{args:?} should be rejected");
        }
    }
}
