//! Reading results back: `results.json` as written, or `results.jsonl` as a sweep left it,
//! even a sweep killed mid-line. The complete records are kept, a cut last line is
//! reported in one line, and anything that is not conlab's output is refused.

use std::path::Path;

use crate::analyze;
use crate::results::{CellResult, JsonlRecord, Results, SCHEMA};

/// Results read from a file, with a note when part of it could not be used.
pub struct Loaded {
    pub results: Results,
    pub note: Option<String>,
}

pub fn load(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let not_ours = || {
        format!(
            "{} is not conlab results (results.json or results.jsonl)",
            path.display()
        )
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') && !trimmed.starts_with("{\"record\"") {
        if let Ok(mut results) = serde_json::from_str::<Results>(&text) {
            if results.schema != SCHEMA {
                return Err(format!("{}: schema {} is not {SCHEMA}", path.display(), results.schema));
            }
            // Conclusions are recomputed, so a file from an older conlab gets today's.
            let plan = &results.plan;
            results.analysis = analyze::analyze(&results.cells, &results.baselines, &plan.workloads, &plan.models);
            return Ok(Loaded { results, note: None });
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut header = None;
    let mut cells: Vec<CellResult> = Vec::new();
    let mut note = None;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<JsonlRecord>(line) {
            Ok(JsonlRecord::Sweep(h)) if header.is_none() => header = Some(*h),
            Ok(JsonlRecord::Sweep(_)) => return Err(format!("{}:{}: a second sweep header", path.display(), i + 1)),
            Ok(JsonlRecord::Cell(c)) => cells.push(*c),
            Err(_) if i + 1 == lines.len() && header.is_some() => {
                note = Some(format!(
                    "{}:{}: the last line is incomplete (the sweep was cut off while writing it); it was left out",
                    path.display(),
                    i + 1
                ));
            }
            Err(_) if header.is_none() => return Err(not_ours()),
            Err(e) => return Err(format!("{}:{}: not a conlab record: {e}", path.display(), i + 1)),
        }
    }
    let header = header.ok_or_else(not_ours)?;
    let (baselines, cells): (Vec<CellResult>, Vec<CellResult>) = cells.into_iter().partition(|c| c.baseline);
    let plan = &header.plan;
    let planned = plan.workloads.len() * plan.models.len() * plan.tasks.len() * plan.repeat;
    let analysis = analyze::analyze(&cells, &baselines, &plan.workloads, &plan.models);
    let results = Results {
        schema: header.schema,
        tool: header.tool,
        finished_at: String::new(),
        started_at: header.started_at,
        interrupted: cells.len() < planned,
        environment: header.environment,
        plan: header.plan,
        cells,
        baselines,
        analysis,
        claims: Vec::new(),
    };
    Ok(Loaded { results, note })
}
