//! Reading results back: `results.json` as written, or `results.jsonl` as a sweep left it,
//! even a sweep killed mid-line. The complete records are kept, a cut last line is
//! reported in one line, and anything that is not conlab's output is refused.

use std::path::{Path, PathBuf};

use crate::analyze;
use crate::results::{Capacity, CellResult, JsonlRecord, Results, SCHEMA};

/// A file that cannot be read as results, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        /// Shown in the message, so not also the source: each cause prints once.
        error: std::io::Error,
    },
    #[error("{0} is not conlab results (results.json or results.jsonl)")]
    NotOurs(PathBuf),
    #[error("{path}: schema {found} is not {SCHEMA}")]
    Schema { path: PathBuf, found: String },
    #[error("{path}:{line}: {why}")]
    Line { path: PathBuf, line: usize, why: String },
}

/// Results read from a file, with a note when part of it could not be used.
pub struct Loaded {
    pub results: Results,
    pub note: Option<String>,
}

pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|error| LoadError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let not_ours = || LoadError::NotOurs(path.to_path_buf());
    let line_error = |i: usize, why: String| LoadError::Line {
        path: path.to_path_buf(),
        line: i + 1,
        why,
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') && !trimmed.starts_with("{\"record\"") {
        let parsed = serde_json::from_str::<Results>(&text);
        if let Err(e) = &parsed {
            // Broken JSON (a file cut off while written) is not "not ours": say where.
            if matches!(
                e.classify(),
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof
            ) {
                return Err(LoadError::Line {
                    path: path.to_path_buf(),
                    line: e.line(),
                    why: format!(
                        "column {}: the JSON breaks here ({}); the results.jsonl beside it keeps every finished cell",
                        e.column(),
                        e.to_string().split(" at line ").next().unwrap_or_default()
                    ),
                });
            }
        }
        if let Ok(mut results) = parsed {
            if results.schema != SCHEMA {
                return Err(LoadError::Schema {
                    path: path.to_path_buf(),
                    found: results.schema,
                });
            }
            // Conclusions are recomputed, so a file from an older conlab gets today's.
            let plan = &results.plan;
            results.analysis =
                analyze::analyze_hosts(&results.cells, &results.baselines, &plan.workloads, &plan.models);
            let capacity = results.capacity.take();
            analyze::capacity::attach(&mut results, capacity);
            return Ok(Loaded { results, note: None });
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut header = None;
    let mut cells: Vec<CellResult> = Vec::new();
    let mut capacity: Option<Capacity> = None;
    let mut note = None;
    let mut foreign = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        // A log line between records (`kubectl logs` of a `bench --jsonl-stdout` pod
        // holds stderr too): not a record, so not ours to read.
        if !line.trim_start().starts_with('{') {
            foreign += 1;
            continue;
        }
        match serde_json::from_str::<JsonlRecord>(line) {
            Ok(JsonlRecord::Sweep(h)) if header.is_none() => header = Some(*h),
            Ok(JsonlRecord::Sweep(_)) => return Err(line_error(i, "a second sweep header".into())),
            Ok(JsonlRecord::Cell(c)) => cells.push(*c),
            // One record per capacity search, each with the objective.
            Ok(JsonlRecord::Capacity(c)) => match &mut capacity {
                Some(all) => all.searches.extend(c.searches),
                None => capacity = Some(*c),
            },
            Err(_) if i + 1 == lines.len() && header.is_some() => {
                note = Some(format!(
                    "{}:{}: the last line is incomplete (the sweep was cut off while writing it); it was left out",
                    path.display(),
                    i + 1
                ));
            }
            Err(_) if header.is_none() => return Err(not_ours()),
            Err(e) => return Err(line_error(i, format!("not a conlab record: {e}"))),
        }
    }
    let header = header.ok_or_else(not_ours)?;
    if foreign > 0 && note.is_none() {
        note = Some(format!(
            "{}: {} that are not records (log output) were left out",
            path.display(),
            crate::units::plural(foreign, "line")
        ));
    }
    let (baselines, cells): (Vec<CellResult>, Vec<CellResult>) = cells.into_iter().partition(|c| c.baseline);
    let plan = &header.plan;
    let rounds = plan.rounds();
    let planned = plan.shard.map_or(rounds, |s| s.rounds_of(rounds)) * plan.models.len();
    let searched = capacity.as_ref().map_or(0, |c| c.searches.len());
    let interrupted = cells.len() + searched < planned;
    let mut results = analyze::document(header, cells, baselines, String::new(), interrupted);
    analyze::capacity::attach(&mut results, capacity);
    Ok(Loaded { results, note })
}
