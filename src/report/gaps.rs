//! Why a (model, tasks) has no value in the report, said the same way in the charts, the
//! list under a workload's legend and its table: the cell failed (and how), or it was not
//! run, for its real reason: arithmetic said it could not finish within the timeout
//! (with that arithmetic), the model had failed at fewer tasks, or the model cannot run
//! the workload at all. A chart never draws such a cell at a value: it gets a mark in the
//! chart's "no result" lane, with this reason in its tooltip. The terminal and Markdown
//! tables have no room for the whole reason: their cell says its kind in a few words and
//! points, by number, to the same stop line the HTML lists under its legend.

use std::fmt::Write;

use super::markup::escape;
use super::palette;
use super::summary::stop_reason;
use crate::results::{CellResult, FailureKind, Status};
use crate::units::format_count;

/// A (model, tasks) without a value to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub tasks: usize,
    /// It ran and failed (a cross), or it was not run (a ring).
    pub ran: bool,
    /// In words: `failed: spawn-limit, RLIMIT_NPROC 7`, `not run: predicted timeout: ...`.
    pub why: String,
    /// The same in a table cell's few words: `failed: spawn-limit`, `not run: predicted
    /// timeout`, `not run: failed at fewer tasks`, `not run: unsupported`.
    pub short: String,
}

/// A cell that was not run, in a table cell's few words (the whole reason: `skip_reason`).
fn skip_short(c: &CellResult) -> String {
    let what = match c.failure.as_ref().map(|f| f.kind) {
        None => return "not run".into(),
        Some(FailureKind::PredictedTimeout) => "predicted timeout".to_string(),
        Some(FailureKind::Unsupported) => "unsupported".to_string(),
        Some(FailureKind::Skipped) => "failed at fewer tasks".to_string(),
        Some(kind) => kind.to_string(),
    };
    format!("not run: {what}")
}

/// A cell that ran and gave no result, in a table cell's few words (the whole reason:
/// `failure_reason`): its status, and its kind and the task it stopped at when known.
fn failure_short(c: &CellResult) -> String {
    let status = c.status.as_str();
    match &c.failure {
        _ if c.status == Status::Errors => format!("errors: {} failed", format_count(c.tasks_failed)),
        Some(f) if f.kind.as_str() != status => match f.at_task {
            Some(at) => format!("{status}: {} at task {}", f.kind, format_count(at)),
            None => format!("{status}: {}", f.kind),
        },
        _ => status.to_string(),
    }
}

/// Why a cell that was not run was not: its real reason, in words.
pub fn skip_reason(c: &CellResult) -> String {
    let Some(f) = &c.failure else {
        return "not run".into();
    };
    match f.kind {
        FailureKind::PredictedTimeout => format!("not run: predicted timeout: {}", f.message),
        FailureKind::Unsupported => format!("not run: unsupported: {}", f.message),
        // "py-thread failed (spawn-limit) at 1,000 tasks in this sweep"
        FailureKind::Skipped => format!("not run: {}", f.message),
        kind => format!("not run: {kind}: {}", f.message),
    }
}

/// What happened to a cell that ran and gave no result, in words.
pub fn failure_reason(c: &CellResult) -> String {
    let detail = match &c.failure {
        Some(f) => stop_reason(f.kind, f.limit.as_deref(), Some(&f.message)),
        None => c.first_error.clone().unwrap_or_default(),
    };
    if detail.is_empty() {
        c.status.as_str().to_string()
    } else {
        format!("{}: {detail}", c.status.as_str())
    }
}

/// The gap of (model, tasks) among `cells`: none when one of its repeats is ok or none
/// was planned; a failure when one ran, else the reason it was not run.
pub fn gap(cells: &[&CellResult], model: &str, tasks: usize) -> Option<Gap> {
    let mine: Vec<&&CellResult> = cells.iter().filter(|c| c.model == model && c.tasks == tasks).collect();
    if mine.is_empty() || mine.iter().any(|c| c.status == Status::Ok) {
        return None;
    }
    Some(match mine.iter().find(|c| c.status != Status::Skipped) {
        Some(c) => Gap {
            tasks,
            ran: true,
            why: failure_reason(c),
            short: failure_short(c),
        },
        None => Gap {
            tasks,
            ran: false,
            why: skip_reason(mine[0]),
            short: skip_short(mine[0]),
        },
    })
}

/// Every gap of `model` at the task counts `counts`, ascending.
pub fn gaps(cells: &[&CellResult], model: &str, counts: impl IntoIterator<Item = usize>) -> Vec<Gap> {
    counts.into_iter().filter_map(|n| gap(cells, model, n)).collect()
}

/// The table cell of a (model, tasks) without an ok median: what happened instead.
pub fn table_cell(cells: &[&CellResult], model: &str, n: usize) -> String {
    let Some(g) = gap(cells, model, n) else {
        return r#"<td class="vm">—</td>"#.into();
    };
    let (head, detail) = g.why.split_once(": ").unwrap_or((&g.why, ""));
    format!(
        r#"<td class="bad"><span class="nw">{}</span><small>{}</small></td>"#,
        escape(head),
        escape(detail)
    )
}

/// One line of where models stopped: a model's failure at one count, or one reason it
/// was not run with every count it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// The model's place in the sweep's list (its colour).
    pub model: usize,
    pub ran: bool,
    /// Ascending.
    pub counts: Vec<usize>,
    /// The reason: the gap's `why` (of the smallest count for a reason that covers many:
    /// a predicted timeout's larger counts need more).
    pub why: String,
    /// The gap's `short`, the same at every count.
    pub short: String,
}

impl Stop {
    /// The line in words, without markup: `rs-pool not run at 1,000, 5,000 tasks:
    /// predicted timeout: needs at least ...`, `rs-thread at 10 tasks: failed: ...`.
    pub fn text(&self, models: &[String]) -> String {
        let counts: Vec<String> = self.counts.iter().map(|&n| format_count(n)).collect();
        let model = &models[self.model];
        match self.ran {
            true => format!("✕ {model} at {} tasks: {}", counts.join(", "), self.why),
            false => {
                let why = self.why.strip_prefix("not run").unwrap_or(&self.why);
                format!("○ {model} not run at {} tasks{why}", counts.join(", "))
            }
        }
    }
}

/// Where `models` stopped among `cells` at `counts`, a line per failed count and one per
/// reason a model was not run, in the models' order.
pub fn stop_list(cells: &[&CellResult], models: &[String], counts: &[usize]) -> Vec<Stop> {
    let mut stops = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let gaps = gaps(cells, m, counts.iter().copied());
        for g in gaps.iter().filter(|g| g.ran) {
            stops.push(Stop {
                model: i,
                ran: true,
                counts: vec![g.tasks],
                why: g.why.clone(),
                short: g.short.clone(),
            });
        }
        // One line per kind of reason, in the order the counts come.
        let first = stops.len();
        for g in gaps.iter().filter(|g| !g.ran) {
            match stops[first..].iter_mut().find(|s| s.short == g.short) {
                Some(s) => s.counts.push(g.tasks),
                None => stops.push(Stop {
                    model: i,
                    ran: false,
                    counts: vec![g.tasks],
                    why: g.why.clone(),
                    short: g.short.clone(),
                }),
            }
        }
    }
    stops
}

/// The number (from 1) of the stop line that covers (model, tasks) among `stops`, for a
/// table cell's footnote mark.
pub fn footnote(stops: &[Stop], models: &[String], model: &str, tasks: usize) -> Option<usize> {
    let i = models.iter().position(|m| m == model)?;
    stops
        .iter()
        .position(|s| s.model == i && s.counts.contains(&tasks))
        .map(|p| p + 1)
}

/// Where models stopped, in words: a cross per failed count, a ring per reason a model
/// was not run, with the counts it covers (the arithmetic of the smallest for a
/// predicted timeout: the larger need more).
pub fn stops(h: &mut String, cells: &[&CellResult], models: &[String], counts: &[usize]) {
    let num = |n: usize| format!(r#"<span class="nw">{}</span>"#, format_count(n));
    let lines: Vec<String> = stop_list(cells, models, counts)
        .into_iter()
        .map(|s| {
            let class = palette::class(s.model);
            let m = escape(&models[s.model]);
            let ns: Vec<String> = s.counts.iter().map(|&n| num(n)).collect();
            match s.ran {
                true => format!(
                    r#"<li><b class="{class}">✕</b> {m} at {} tasks: {}</li>"#,
                    ns.join(", "),
                    escape(&s.why)
                ),
                false => {
                    let why = s.why.strip_prefix("not run").unwrap_or(&s.why);
                    format!(
                        r#"<li><b class="{class}">○</b> {m} not run at {} tasks{}</li>"#,
                        ns.join(", "),
                        escape(why)
                    )
                }
            }
        })
        .collect();
    if !lines.is_empty() {
        let _ = write!(h, r#"<ul class="stops">{}</ul>"#, lines.concat());
    }
}
