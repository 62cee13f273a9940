//! The tables printed at the end of a sweep: per workload, one row per task count and one
//! column per model, each cell its median work time and peak RSS, the best marked; then
//! where models stopped (a numbered line per reason, which the table's cells point to),
//! bytes per task.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Attribute, Cell, CellAlignment, Color, Table};

use super::gaps::{self, Stop};
use super::screen;
use crate::analyze;
use crate::results::{CellResult, FailureKind, Results, Status, WorkloadAnalysis};
use crate::units::{format_bytes, format_count, format_secs, plural};

/// Render every workload's table and summary, without colour, for piped output's width.
pub fn render(results: &Results) -> String {
    render_with(results, false, screen::PIPED_WIDTH)
}

/// Render with ANSI colour when `colour` (winners bold, cells that did not end ok in red,
/// verdicts bold; ★ and words carry the same without colour), every line at most `width`
/// columns: prose is folded, and a table too wide for the screen is split into blocks of
/// models, each block with the task counts.
/// What the user's module cost before the ready mark (py-task), medians over the cells
/// that reported it: kept out of the work times above, so said here.
fn user_setup_line(results: &Results, workload: &str) -> Option<String> {
    let setups: Vec<&crate::results::UserSetup> = results
        .cells
        .iter()
        .filter(|c| c.workload == workload)
        .filter_map(|c| c.user_setup.as_ref())
        .collect();
    if setups.is_empty() {
        return None;
    }
    let median = |mut v: Vec<f64>| crate::analyze::median(&mut v).unwrap_or(0.0);
    let import = median(setups.iter().map(|s| s.import_s).collect());
    let setup: Vec<f64> = setups.iter().filter_map(|s| s.setup_s).collect();
    let rss = median(setups.iter().map(|s| s.rss_bytes as f64).collect());
    let setup = match setup.is_empty() {
        true => String::new(),
        false => format!(", setup() {}", format_secs(median(setup))),
    };
    Some(format!(
        "your module, before the ready mark (in ready_s, not in the work times above): import {}{setup}, +{} memory",
        format_secs(import),
        format_bytes(rss)
    ))
}

/// The models that get a column for `workload`: every one, except a model whose every
/// cell of it is `unsupported` (it cannot run the workload at all: a WSGI app under an
/// ASGI stack, a py-task under a Rust model), which is said once in the line returned
/// instead, with the first one's reason.
fn columns(results: &Results, workload: &str, models: &[String]) -> (Vec<String>, Option<String>) {
    let unsupported = |c: &&CellResult| {
        c.status == Status::Skipped && c.failure.as_ref().is_some_and(|f| f.kind == FailureKind::Unsupported)
    };
    let (mut kept, mut left) = (Vec::new(), Vec::new());
    for model in models {
        let cells: Vec<&CellResult> = results
            .cells
            .iter()
            .filter(|c| c.workload == workload && &c.model == model)
            .collect();
        match !cells.is_empty() && cells.iter().all(unsupported) {
            true => left.push((model.as_str(), cells[0].failure.as_ref().map(|f| f.message.as_str()))),
            false => kept.push(model.clone()),
        }
    }
    if kept.is_empty() {
        return (models.to_vec(), None);
    }
    let line = left.first().map(|(_, why)| {
        let names: Vec<&str> = left.iter().map(|(m, _)| *m).collect();
        format!(
            "unsupported, not run: {}; {}",
            names.join(", "),
            why.unwrap_or("cannot run it")
        )
    });
    (kept, line)
}

/// For a server workload driven by several generator processes: how many, the hosts
/// they ran on (`--generator-hosts`), and that the clients' figures above are their
/// merged view.
fn generators_line(results: &Results, workload: &str) -> Option<String> {
    let loads: Vec<_> = results
        .cells
        .iter()
        .filter(|c| c.workload == workload)
        .filter_map(|c| c.load.as_ref())
        .collect();
    let most = loads.iter().map(|l| l.generators.len()).max()?;
    let mut hosts: Vec<&str> = Vec::new();
    for host in loads
        .iter()
        .flat_map(|l| &l.generators)
        .filter_map(|g| g.host.as_deref())
    {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let on = match hosts.is_empty() {
        true => String::new(),
        false => format!(" on {}", hosts.join(", ")),
    };
    (most > 1)
        .then(|| format!("load: {most} generator processes per cell{on}, their clients' histograms merged exactly"))
}

pub fn render_with(results: &Results, colour: bool, width: usize) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    // Several machines: each one's tables and verdicts under its name, never mixed.
    if let Some(views) = crate::analyze::by_host(results) {
        for (host, r) in views {
            let title = format!("on {host} ({}):", plural(r.cells.len(), "cell"));
            let _ = writeln!(out, "\n{}", paint("1;4", &screen::wrap(&title, width, 2)));
            out.push_str(&render_with(&r, colour, width));
        }
        return out;
    }
    let models = &results.plan.models;
    for wa in &results.analysis.workloads {
        let _ = writeln!(out, "\n{}", paint("1", &screen::wrap(&wa.workload, width, 2)));
        let server = analyze::is_server(&wa.workload);
        let caption = if server {
            "Tasks are client connections. Median p99 latency the clients saw (★ lowest), requests/s, peak RSS \
             of the server's process tree (★ least, among cells that served every connection at once) and peak \
             virtual size; ≤K at once: the most connections served at once, when fewer than asked."
        } else {
            "Median work time (★ fastest), peak RSS of the process tree (★ least, among cells that ran every \
             task at once) and peak virtual size; ≤K at once: the most tasks that ran at once, when fewer \
             than asked."
        };
        let _ = writeln!(out, "{}", screen::wrap(caption, width, 0));
        let (columns, unsupported) = columns(results, &wa.workload, models);
        let grid = Grid::new(results, wa, &columns);
        for block in grid.blocks(&columns, colour, width) {
            let _ = writeln!(out, "{block}");
        }
        for (i, stop) in grid.stops.iter().enumerate() {
            let line = format!("[{}] {}", i + 1, stop.text(&columns));
            let _ = writeln!(out, "{}", screen::wrap(&line, width, 4));
        }
        if let Some(line) = unsupported {
            let _ = writeln!(out, "{}", screen::wrap(&line, width, 2));
        }
        if !wa.bytes_per_task.is_empty() {
            let parts: Vec<String> = models
                .iter()
                .filter_map(|m| wa.bytes_per_task.get(m).map(|b| format!("{m} {}", per_task(*b))))
                .collect();
            let line = match server {
                true => format!(
                    "memory per connection (slope of peak RSS over connections): {}",
                    parts.join(" · ")
                ),
                false => format!("memory per task (slope of peak RSS over tasks): {}", parts.join(" · ")),
            };
            let _ = writeln!(out, "{}", screen::wrap(&line, width, 2));
        }
        if let Some(line) = generators_line(results, &wa.workload) {
            let _ = writeln!(out, "{}", screen::wrap(&line, width, 2));
        }
        if let Some(line) = user_setup_line(results, &wa.workload) {
            let _ = writeln!(out, "{}", screen::wrap(&line, width, 2));
        }
    }
    out.push_str(&super::capacity::terminal(results, width));
    let readings: Vec<_> = results
        .analysis
        .workloads
        .iter()
        .filter_map(|wa| Some((wa, wa.reading.as_ref()?)))
        .collect();
    if !readings.is_empty() {
        let _ = writeln!(out, "\n{}", paint("1", "verdicts:"));
        for (wa, reading) in readings {
            let words = super::reading::words(reading, analyze::is_server(&wa.workload), super::reading::Style::Short);
            for line in verdict_lines(&wa.workload, &words, width, MAX_VERDICT_LINES) {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

/// The most lines a workload's verdicts take: its name, the headline, one line per
/// ranking and the reasons that fit (the rest are in the results' JSON).
pub const MAX_VERDICT_LINES: usize = 10;

/// A workload's verdicts folded to `width`: its name, the headline, the rankings, then as
/// many reasons as fit in `max` lines, and how many more the JSON holds.
fn verdict_lines(workload: &str, words: &super::reading::Words, width: usize, max: usize) -> Vec<String> {
    let fold = |text: &str, first: &str, rest: usize| -> Vec<String> {
        screen::wrap(&format!("{first}{text}"), width, rest)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let mut out = fold(workload, "  ", 4);
    out.extend(fold(&words.headline, "    ", 4));
    for r in &words.rankings {
        out.extend(fold(r, "    ", 6));
    }
    for (i, why) in words.why.iter().enumerate() {
        let lines = fold(why, "    why: ", 6);
        let left = words.why.len() - i - 1;
        // Room for this reason, and for the line that says how many more there are.
        let reserve = usize::from(left > 0);
        if out.len() + lines.len() + reserve > max {
            let more = words.why.len() - i;
            let reasons = if more == 1 { "reason" } else { "reasons" };
            out.extend(fold(
                &format!("(+{more} more {reasons} in results.json: analysis.workloads[].reading)"),
                "    ",
                6,
            ));
            break;
        }
        out.extend(lines);
    }
    out
}

/// One workload's measurements, laid out as table cells.
struct Grid<'a> {
    cells: Vec<&'a CellResult>,
    wa: &'a WorkloadAnalysis,
    med: BTreeMap<(String, usize), (f64, f64)>,
    peaks: BTreeMap<(String, usize), u64>,
    counts: BTreeSet<usize>,
    /// Where the shown models stopped, numbered from 1 in this order.
    stops: Vec<Stop>,
    /// The shown models, whose places the stops name.
    models: Vec<String>,
}

impl<'a> Grid<'a> {
    fn new(results: &'a Results, wa: &'a WorkloadAnalysis, models: &[String]) -> Grid<'a> {
        let cells: Vec<&CellResult> = results.cells.iter().filter(|c| c.workload == wa.workload).collect();
        let counts: BTreeSet<usize> = cells.iter().map(|c| c.tasks).collect();
        let stops = gaps::stop_list(&cells, models, &counts.iter().copied().collect::<Vec<_>>());
        Grid {
            med: analyze::medians(&results.cells, &wa.workload),
            peaks: analyze::peaks(&results.cells, &wa.workload),
            counts,
            cells,
            wa,
            stops,
            models: models.to_vec(),
        }
    }

    /// What a table cell says when no cell at (model, n) ended ok: the kind of its stop
    /// on two lines, and the number of the line under the table that says why.
    fn not_ok(&self, model: &str, n: usize) -> String {
        let Some(gap) = gaps::gap(&self.cells, model, n) else {
            return "—".into();
        };
        let mark = gaps::footnote(&self.stops, &self.models, model, n)
            .map(|i| format!(" [{i}]"))
            .unwrap_or_default();
        match gap.short.split_once(": ") {
            Some((head, what)) => format!("{head}{mark}\n{what}"),
            None => format!("{}{mark}", gap.short),
        }
    }

    /// The tables, as few as fit in `width`: all models in one when it fits, else the
    /// models split into balanced blocks of the largest size that fits.
    fn blocks(&self, models: &[String], colour: bool, width: usize) -> Vec<String> {
        let mut tables = Vec::new();
        for per_block in (1..=models.len().max(1)).rev() {
            let blocks = models.len().div_ceil(per_block);
            let size = models.len().div_ceil(blocks.max(1));
            tables = models
                .chunks(size.max(1))
                .map(|chunk| self.table(chunk, colour))
                .collect();
            if tables.iter().all(|t| screen::widest_line(t) <= width) {
                break;
            }
        }
        tables
    }

    fn table(&self, models: &[String], colour: bool) -> String {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        if colour {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        let mut header = vec![Cell::new("tasks")];
        header.extend(models.iter().map(Cell::new));
        table.set_header(header);
        for &n in &self.counts {
            let winner = self.wa.winners.iter().find(|w| w.tasks == n);
            let mut row = vec![Cell::new(format_count(n)).set_alignment(CellAlignment::Right)];
            for model in models {
                let key = (model.clone(), n);
                let fastest = winner.and_then(|w| w.by_time.as_ref()) == Some(model);
                let text = match self.med.get(&key) {
                    Some(&(time, rss)) => {
                        let leanest = winner.and_then(|w| w.by_memory.as_ref()) == Some(model);
                        let star = |on: bool| if on { "★ " } else { "" };
                        let mut lines = vec![format!("{}{}", star(fastest), format_secs(time))];
                        if let Some(rate) = median_rate(&self.cells, model, n) {
                            lines.push(format!("{} req/s", format_rate(rate)));
                        }
                        lines.push(format!("{}{}", star(leanest), format_bytes(rss)));
                        if let Some(vm) = median_vm(&self.cells, model, n) {
                            lines.push(format!("virt {}", format_bytes(vm)));
                        }
                        if let Some(p) = self.peaks.get(&key).filter(|&&p| !analyze::reached(Some(p), n)) {
                            lines.push(format!("≤{} at once", format_count(*p as usize)));
                        }
                        lines.join("\n")
                    }
                    None => self.not_ok(model, n),
                };
                let mut cell = Cell::new(text).set_alignment(CellAlignment::Right);
                if colour {
                    if !self.med.contains_key(&key) {
                        cell = cell.fg(Color::Red);
                    } else if fastest {
                        cell = cell.add_attribute(Attribute::Bold);
                    }
                }
                row.push(cell);
            }
            table.add_row(row);
        }
        table.to_string()
    }
}

/// Median peak virtual size of the ok cells at (model, n): shown under RSS, because the
/// "GB per thread" claims are about this figure.
fn median_vm(cells: &[&CellResult], model: &str, n: usize) -> Option<f64> {
    let mut vms: Vec<f64> = cells
        .iter()
        .filter(|c| c.model == model && c.tasks == n && c.status == Status::Ok)
        .map(|c| c.peak_vm_bytes as f64)
        .collect();
    analyze::median(&mut vms)
}

/// Median requests/s of the ok server cells at (model, n), as their clients saw it.
fn median_rate(cells: &[&CellResult], model: &str, n: usize) -> Option<f64> {
    let mut rates: Vec<f64> = cells
        .iter()
        .filter(|c| c.model == model && c.tasks == n && c.status == Status::Ok && c.load.is_some())
        .filter_map(|c| c.requests_per_s)
        .collect();
    analyze::median(&mut rates)
}

/// Requests per second, three significant figures at most: `41.2k`, `980`.
fn format_rate(rate: f64) -> String {
    match rate {
        r if r >= 10_000.0 => format!("{:.1}k", r / 1e3),
        r if r >= 100.0 => format!("{r:.0}"),
        r => format!("{r:.1}"),
    }
}

/// Bytes per task for people: a slope within noise of zero reads as "≈0 B".
fn per_task(bytes: f64) -> String {
    if bytes < 16.0 {
        "≈0 B".into()
    } else {
        format_bytes(bytes)
    }
}

/// One line per finished cell, for the log above the progress bar.
pub fn cell_line(c: &CellResult, position: usize, total: usize) -> String {
    let what = format!(
        "[{position}/{total}] {} {} n={}",
        c.workload,
        c.model,
        format_count(c.tasks)
    );
    match c.status {
        Status::Ok => format!(
            "{what}: ok in {} ({} {}), peak RSS {}, {}{}{}",
            format_secs(c.wall_s),
            if c.load.is_some() { "p99" } else { "work" },
            format_secs(analyze::cell_time(c)),
            format_bytes(c.peak_rss_bytes as f64),
            plural(c.peak_threads as usize, "thread"),
            match c.peak_in_flight {
                Some(p) if !analyze::reached(Some(p), c.tasks) => {
                    format!(", at most {} at once", format_count(p as usize))
                }
                _ => String::new(),
            },
            if c.tasks_failed > 0 {
                format!(", {} task errors (tolerated)", c.tasks_failed)
            } else {
                String::new()
            }
        ),
        status => {
            let f = c.failure.as_ref();
            let limit = f
                .and_then(|f| f.limit.as_ref())
                .map(|l| format!(" [{l}]"))
                .unwrap_or_default();
            match status {
                // Why it was not run, as the tables say it.
                Status::Skipped => format!("{what}: {}{limit}", gaps::skip_reason(c)),
                _ => {
                    let reason = f.map(|f| f.message.as_str()).unwrap_or("");
                    format!("{what}: {}: {reason}{limit}", status.as_str())
                }
            }
        }
    }
}

/// `--format terminal`: the tables `conlab bench` prints.
pub struct Terminal;

impl super::format::Format for Terminal {
    fn render(&self, results: &Results) -> String {
        render_with(results, screen::colour_wanted(), screen::width())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture sweep with its three models measured under eight names, as wide as the
    /// default sweep's table.
    fn eight_models() -> Results {
        let path = concat!(env!("CONLAB_ROOT"), "/tests/fixtures/results.json");
        let mut results = crate::report::load::load(std::path::Path::new(path)).unwrap().results;
        let names = [
            "py-thread",
            "py-pool",
            "py-asyncio+uvloop",
            "py-process:workers=2",
            "rs-process",
        ];
        let copies: Vec<CellResult> = results
            .cells
            .iter()
            .filter(|c| c.model == "rs-thread")
            .flat_map(|c| {
                names.iter().map(move |n| CellResult {
                    model: n.to_string(),
                    ..c.clone()
                })
            })
            .collect();
        results.cells.extend(copies);
        results.plan.models.extend(names.iter().map(|n| n.to_string()));
        results
    }

    #[test]
    fn tables_fit_the_width_in_blocks_of_models() {
        let results = eight_models();
        assert_eq!(results.plan.models.len(), 8);
        for width in [80, 100, 160] {
            let out = render_with(&results, false, width);
            assert!(screen::widest_line(&out) <= width, "wider than {width}:\n{out}");
            for model in &results.plan.models {
                assert!(out.contains(model.as_str()), "{model} missing at {width}");
            }
        }
        // Wide enough, one table per workload; narrow, each workload takes several.
        let tables = |out: &str| out.matches("┌").count();
        let workloads = results.analysis.workloads.len();
        assert_eq!(tables(&render_with(&results, false, 400)), workloads);
        assert!(tables(&render_with(&results, false, 80)) > workloads);
    }

    #[test]
    fn the_load_line_names_the_hosts_the_generators_ran_on() {
        use crate::results::{GeneratorShare, LoadGenerator};
        let mut results = default_sweep();
        let workload = results.cells[0].workload.clone();
        let share = |host: Option<&str>| GeneratorShare {
            host: host.map(String::from),
            connections: 1,
            status: Status::Ok,
            failure: None,
            requests_ok: 1,
            requests_failed: 0,
            requests_per_s: None,
            request_p99_ms: None,
            wall_s: 1.0,
            cpu_s: 0.0,
            peak_rss_bytes: 0,
        };
        let load = |shares: Vec<GeneratorShare>| LoadGenerator {
            runner: None,
            mode: "closed loop".into(),
            target: "10.77.0.1:8080".into(),
            workload: "http:duration=1s".into(),
            connections: shares.len(),
            status: Status::Ok,
            failure: None,
            wall_s: 1.0,
            peak_rss_bytes: 0,
            cpu_s: 0.0,
            peak_threads: 0,
            generators: shares,
        };
        let cells: Vec<usize> = (0..results.cells.len())
            .filter(|&i| results.cells[i].workload == workload)
            .collect();
        // Beside the server: no hosts to name.
        results.cells[cells[0]].load = Some(load(vec![share(None), share(None)]));
        assert_eq!(
            generators_line(&results, &workload).unwrap(),
            "load: 2 generator processes per cell, their clients' histograms merged exactly"
        );
        // Over two hosts, three generators in one cell and two in another: each host once,
        // in the order they first ran.
        let (a, b) = (Some("netns:clnsB-1-a"), Some("netns:clnsB-1-b"));
        results.cells[cells[0]].load = Some(load(vec![share(a), share(b), share(a)]));
        results.cells[cells[1]].load = Some(load(vec![share(b), share(a)]));
        assert_eq!(
            generators_line(&results, &workload).unwrap(),
            "load: 3 generator processes per cell on netns:clnsB-1-a, netns:clnsB-1-b, their clients' \
             histograms merged exactly"
        );
        // One generator: no line, host or not.
        for &i in &cells {
            results.cells[i].load = Some(load(vec![share(a)]));
        }
        assert_eq!(generators_line(&results, &workload), None);
    }

    /// The default sweep (`conlab bench` with no arguments, on this project's 2-core
    /// machine, histograms left out), as a fixed fixture.
    fn default_sweep() -> Results {
        let path = concat!(env!("CONLAB_ROOT"), "/tests/fixtures/default-sweep.json");
        crate::report::load::load(std::path::Path::new(path)).unwrap().results
    }

    #[test]
    fn each_default_workload_reads_in_ten_lines_at_100_columns() {
        let results = default_sweep();
        assert_eq!(results.analysis.workloads.len(), 2);
        for wa in &results.analysis.workloads {
            let words = crate::report::reading::words(
                wa.reading.as_ref().unwrap(),
                false,
                crate::report::reading::Style::Short,
            );
            let lines = verdict_lines(&wa.workload, &words, 100, MAX_VERDICT_LINES);
            assert!(lines.len() <= MAX_VERDICT_LINES, "{}", lines.join("\n"));
            assert!(lines.iter().all(|l| l.chars().count() <= 100), "{}", lines.join("\n"));
            // Headline and one line per ranking come before any reason.
            assert!(lines[1].starts_with("    At "), "{}", lines.join("\n"));
            for label in ["time: ", "p99: ", "RSS: ", "per task: "] {
                let n = lines.iter().filter(|l| l.starts_with(&format!("    {label}"))).count();
                assert_eq!(n, 1, "{label}\n{}", lines.join("\n"));
            }
        }
        // The pairwise comparisons are in the JSON, not on the screen.
        let out = render_with(&results, false, 100);
        assert!(!out.contains("beats"), "{out}");
        assert!(!results.analysis.workloads[0].crossover.is_empty());
        // Why py-thread fell behind at 5,000: its start rate.
        let http = &out[out.find("verdicts:").unwrap()..out.find("  sleep:1s").unwrap()];
        assert!(
            http.contains("why: py-thread started about 3,300 threads/s")
                && http.contains("at most 428 of 5,000 ran at once"),
            "{http}"
        );
    }

    #[test]
    fn reasons_beyond_the_budget_are_counted_not_dropped_silently() {
        let results = default_sweep();
        let wa = &results.analysis.workloads[0];
        let words = crate::report::reading::words(
            wa.reading.as_ref().unwrap(),
            false,
            crate::report::reading::Style::Short,
        );
        assert!(words.why.len() >= 2, "{:?}", words.why);
        let room = 1 + 2 + words.rankings.len() + 1;
        let lines = verdict_lines(&wa.workload, &words, 100, room);
        let last = lines.last().unwrap();
        assert!(lines.len() <= room, "{}", lines.join("\n"));
        assert!(
            last.contains(&format!("+{} more reasons in results.json", words.why.len())),
            "{}",
            lines.join("\n")
        );
    }
}
