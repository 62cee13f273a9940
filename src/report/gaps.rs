//! Why a (model, tasks) has no value in the report, said the same way in the charts, the
//! list under a workload's legend and its table: the cell failed (and how), or it was not
//! run, for its real reason: arithmetic said it could not finish within the timeout
//! (with that arithmetic), the model had failed at fewer tasks, or the model cannot run
//! the workload at all. A chart never draws such a cell at a value: it gets a mark in the
//! chart's "no result" lane, with this reason in its tooltip.

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
        },
        None => Gap {
            tasks,
            ran: false,
            why: skip_reason(mine[0]),
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

/// Where models stopped, in words: a cross per failed count, a ring per reason a model
/// was not run, with the counts it covers (the arithmetic of the smallest for a
/// predicted timeout: the larger need more).
pub fn stops(h: &mut String, cells: &[&CellResult], models: &[String], counts: &[usize]) {
    let num = |n: usize| format!(r#"<span class="nw">{}</span>"#, format_count(n));
    let mut lines = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let class = palette::class(i);
        let gaps = gaps(cells, m, counts.iter().copied());
        for g in gaps.iter().filter(|g| g.ran) {
            lines.push(format!(
                r#"<li><b class="{class}">✕</b> {} at {} tasks: {}</li>"#,
                escape(m),
                num(g.tasks),
                escape(&g.why)
            ));
        }
        // One line per kind of reason, in the order the counts come.
        let mut kinds: Vec<(String, Vec<usize>, String)> = Vec::new();
        for g in gaps.iter().filter(|g| !g.ran) {
            let kind = g.why.split(": ").take(2).collect::<Vec<_>>().join(": ");
            match kinds.iter_mut().find(|k| k.0 == kind) {
                Some(k) => k.1.push(g.tasks),
                None => kinds.push((kind, vec![g.tasks], g.why.clone())),
            }
        }
        for (_, ns, why) in kinds {
            let ns: Vec<String> = ns.into_iter().map(num).collect();
            let why = why.strip_prefix("not run").unwrap_or(&why);
            lines.push(format!(
                r#"<li><b class="{class}">○</b> {} not run at {} tasks{}</li>"#,
                escape(m),
                ns.join(", "),
                escape(why)
            ));
        }
    }
    if !lines.is_empty() {
        let _ = write!(h, r#"<ul class="stops">{}</ul>"#, lines.concat());
    }
}
