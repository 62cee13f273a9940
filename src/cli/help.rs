//! The help text that is not a field's doc comment: EXAMPLES for every subcommand (as
//! hyperfine and oha show them), and the defaults of `bench` options whose absence means
//! "the built-in sweep". Those defaults are written from the constants the plan uses, so
//! `--help` cannot drift from what a bare `conlab bench` runs.

use clap::Command;

use crate::model::REGISTRY;
use crate::plan::{
    DEFAULT_PYTHON_MODELS, DEFAULT_SWEEP_BUDGET, DEFAULT_SWEEP_TASKS, DEFAULT_TASKS, DEFAULT_TIMEOUT,
    DEFAULT_WORKLOADS, FULL_SWEEP_BUDGET, FULL_TASKS, QUICK_TASKS,
};

pub const TOP: &str = "\
EXAMPLES:
  conlab bench                          the built-in sweep (about five minutes)
  conlab bench --quick                  the same at 10, 100 and 1,000 tasks
  conlab bench --workload sleep:100ms --models rs-thread,rs-async --tasks 1,1k,10k
  conlab report results/RUN/results.json --format markdown -o RUN.md
  conlab compare before/results.json after/results.json --fail-if-slower 10
  conlab advise --tasks 1000 --io 50ms --cpu 1ms --lang python
  conlab completions bash > ~/.local/share/bash-completion/completions/conlab
  conlab man | man -l -

Exit codes: 0 done; 1 conlab failed (or `compare --fail-if-slower` tripped); 2 bad usage
or input; 3 `compare`: B regressed; 130 interrupted.";

pub const BENCH: &str = "\
EXAMPLES:
  conlab bench
      the built-in sweep: every default above, three runs per cell
  conlab bench --quick --out results/quick
      the built-in sweep at 10, 100 and 1,000 tasks, into results/quick
  conlab bench --workload sleep:100ms --workload cpu:iterations=200000 --models rs-thread,rs-pool:size=8,rs-async --tasks 1,100,10k
  conlab bench --workload http:latency=20ms --target http://127.0.0.1:8080/ --models rs-async,py-asyncio+aiohttp
  conlab bench --workload py-task:file=job.py,fn=fetch,afn=afetch --models py-thread,py-pool,py-asyncio --tasks 10,100
      your own Python task: def fetch(i) under threads and a pool, async def afetch(i) under asyncio
  conlab bench --quick --quiet --export-json run.json --export-csv run.csv --export-markdown run.md
      no progress or tables; the results directory plus three renderings of the sweep
  conlab bench --quick --no-series
      keep only peaks: no series over time (to measure what keeping it costs)
  conlab bench --quick --shard 1/4 --out /results/shard-1
      slice 1 of 4 of the plan (run 0/4 to 3/4 on four machines, then `conlab merge`)
  conlab bench --quick --shard 0/4 --plan-only
      the cells slice 0 would measure, as JSON; nothing runs

`conlab list` shows every workload and model with its parameters.";

pub const REPORT: &str = "\
EXAMPLES:
  conlab report results/RUN/results.json
  conlab report results/RUN/results.jsonl --format csv -o cells.csv
  conlab report results/RUN/results.json --format html -o report.html
  conlab report results/RUN/results.json --cell py-thread,5000
      that cell's median run over time: RSS, threads, descriptors, tasks in flight
  conlab report results/RUN/results.json --export-timeseries series.csv
      every run's points over time as CSV, beside the terminal report";

pub const MERGE: &str = "\
EXAMPLES:
  conlab merge results/shard-0 results/shard-1 results/shard-2 -o merged.json
      three slices of one plan (`bench --shard K/3`) as one document
  conlab merge /mnt/results -o fleet.json
      every run under a directory: shards from a shared volume, or machines of a fleet
  conlab merge c7g.jsonl m7i.jsonl -o fleet.json && conlab report fleet.json
      results of two kinds of machine, reported machine by machine
  conlab merge old/ new/ -o both.json --allow-mixed
      different plans merged anyway; the document says what differed

Cells of the same kind of machine (the same --host-label, or the same arch, CPU, cores,
memory, kernel and limits) are pooled as repeats; different kinds stay apart, each cell
naming its host. Latency histograms are summed, so pooled percentiles are exact.";

pub const COMPARE: &str = "\
EXAMPLES:
  conlab compare old/results.json new/results.json
  conlab compare old/results.json new/results.json --format json -o compare.json
  conlab compare main/results.json pr/results.json --fail-if-slower 10
      exit 1 when a cell of the second is more than 10% (and more than the noise) slower

Without --fail-if-slower, compare exits 3 when B is slower beyond the noise anywhere or
fails where A ran ok, and 0 otherwise.";

pub const ADVISE: &str = "\
EXAMPLES:
  conlab advise --tasks 1000 --io 50ms --cpu 1ms --lang python
  conlab advise --tasks 10k --io 200ms --connections long --lang rust
  conlab advise --tasks 100 --io 20ms --sync-only --from results/RUN/results.json
  conlab advise --tasks 1000 --task file=job.py,fn=fetch,afn=afetch
      measure your own Python task instead of a stand-in";

pub const CLAIMS: &str = "\
EXAMPLES:
  conlab claims
  conlab claims --claims my-claims.json --python python3.13 --out results/claims";

pub const ANSWER: &str = "\
EXAMPLES:
  conlab answer --from results/bench/results.json --claims results/claims/claims.json -o answer.md
  conlab answer --from results/bench/results.json --format html -o answer.html
  conlab answer                      # runs the default sweep and the claims first";

pub const SERVE: &str = "\
EXAMPLES:
  conlab serve --listen 127.0.0.1:8080 --latency 50ms
  conlab serve --latency lognormal:50ms,200ms --error-rate 0.01 --tcp-listen 127.0.0.1:9000";

pub const ENV: &str = "\
EXAMPLES:
  conlab env
  conlab env --json | jq .allows.ceilings";

pub const LIST: &str = "\
EXAMPLES:
  conlab list
  conlab list | grep rs-pool";

pub const COMPLETIONS: &str = "\
EXAMPLES:
  conlab completions bash > ~/.local/share/bash-completion/completions/conlab
  conlab completions zsh > ~/.zfunc/_conlab        (with fpath+=~/.zfunc in .zshrc)
  conlab completions fish > ~/.config/fish/completions/conlab.fish";

pub const MAN: &str = "\
EXAMPLES:
  conlab man | man -l -
  conlab man bench | man -l -
  conlab man > ~/.local/share/man/man1/conlab.1";

/// `bench` with each "absent means the built-in sweep" option's real default in its help.
pub fn with_defaults(cli: Command) -> Command {
    cli.mut_subcommand("bench", |bench| {
        bench
            .mut_arg("workloads", |a| {
                let d = DEFAULT_WORKLOADS.join(" and ");
                append(a, &format!("[default: {d}]"))
            })
            .mut_arg("models", |a| {
                let rust: Vec<&str> = REGISTRY.iter().map(|m| m.name).collect();
                let python = DEFAULT_PYTHON_MODELS.join(",");
                append(
                    a,
                    &format!("[default: {}, plus {python} when a python3 is found]", rust.join(",")),
                )
            })
            .mut_arg("tasks", |a| {
                let (d, q, f) = (counts(DEFAULT_TASKS), counts(QUICK_TASKS), counts(FULL_TASKS));
                let story: Vec<String> = DEFAULT_WORKLOADS
                    .iter()
                    .zip(DEFAULT_SWEEP_TASKS)
                    .map(|(w, t)| format!("{w} at {}", counts(t)))
                    .collect();
                append(
                    a,
                    &format!(
                        "[default: {d}; with no --workload or --models: {}; --quick: {q}; --full: {f}]",
                        story.join(", ")
                    ),
                )
            })
            .mut_arg("cell_timeout", |a| {
                let (bare, full) = (DEFAULT_SWEEP_BUDGET.as_secs(), FULL_SWEEP_BUDGET.as_secs());
                let other = DEFAULT_TIMEOUT.as_secs();
                append(
                    a,
                    &format!(
                        "[default: {other}s plus the least time a pool or process model needs to drain \
                         its queue; with no --workload, --models or --tasks, cells that would need more \
                         than {bare}s ({full}s with --quick or --full) are skipped up front]"
                    ),
                )
            })
    })
}

fn append(arg: clap::Arg, default: &str) -> clap::Arg {
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    arg.help(format!("{help} {default}"))
}

/// `10,100,1k,10k`: task counts as the `--tasks` syntax writes them.
fn counts(tasks: &[usize]) -> String {
    let short = |n: usize| match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}m", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    };
    tasks.iter().map(|&n| short(n)).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_through_the_task_parser() {
        for list in [DEFAULT_TASKS, QUICK_TASKS, FULL_TASKS] {
            assert_eq!(crate::units::parse_task_list(&counts(list)).unwrap(), list);
        }
        assert_eq!(counts(&[1, 1_500, 2_000_000]), "1,1500,2m");
    }
}
