//! The `compare` outputs: a table for people, and JSON for CI scripts that want every
//! matched cell with both sides, the ratio and the verdict instead of parsing the table.
//! The JSON types below are the contract (`schema: conlab.compare/1`), kept apart from
//! the analysis types so the analysis can change without breaking a script.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::analyze::compare::{Change, Comparison, UnmatchedKind};
use crate::units::{format_bytes, format_count, format_secs, plural};

/// What `conlab compare --format` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    Table,
    Json,
}

/// Render `c` in `format`.
pub fn render(format: CompareFormat, a: &Path, b: &Path, c: &Comparison) -> String {
    match format {
        CompareFormat::Table => table(a, b, c),
        CompareFormat::Json => json(a, b, c),
    }
}

/// The table, a count of verdicts, and the cells only one side has.
pub fn table(a: &Path, b: &Path, c: &Comparison) -> String {
    let (rows, unmatched) = (&c.rows, &c.unmatched);
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    // From several machines, rows are grouped by machine in a first column.
    let hosts = rows.iter().any(|r| r.host.is_some());
    let mut header = vec![
        "workload", "model", "tasks", "time A", "time B", "B/A", "verdict", "RSS A", "RSS B", "B/A",
    ];
    if hosts {
        header.insert(0, "host");
    }
    table.set_header(header);
    for r in rows {
        let host = hosts.then(|| r.host.clone().unwrap_or_default());
        table.add_row(host.into_iter().chain([
            r.workload.clone(),
            r.model.clone(),
            format_count(r.tasks),
            format_secs(r.a_time),
            format_secs(r.b_time),
            format!("{:.2}", r.ratio),
            r.verdict.to_string(),
            format_bytes(r.a_rss),
            format_bytes(r.b_rss),
            format!("{:.2}", r.b_rss / r.a_rss.max(1.0)),
        ]));
    }
    let mut out = format!("A: {}\nB: {}\n{table}\n", a.display(), b.display());
    let count = |v: Change| rows.iter().filter(|r| r.verdict == v).count();
    out.push_str(&format!(
        "{} compared: {} faster, {} slower, {} same (within 10% or the repeats' spread)\n",
        plural(rows.len(), "cell"),
        count(Change::Faster),
        count(Change::Slower),
        count(Change::Same)
    ));
    for change in &c.code_changed {
        out.push_str(&format!(
            "not compared, the code changed: A ran {}, B ran {}\n",
            change.a, change.b
        ));
    }
    for u in unmatched {
        out.push_str(&format!("{u}\n"));
    }
    out
}

/// The JSON Schema of `conlab compare --format json` (committed as
/// `schema/compare.schema.json`).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(CompareJson)).expect("schema serializes")
}

/// `conlab compare --format json`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CompareJson {
    /// Always `conlab.compare/1`.
    pub schema: String,
    /// The baseline file, as given.
    pub a: String,
    /// The candidate file, as given.
    pub b: String,
    /// Every cell both files ran `ok`, in (workload, model, tasks) order.
    pub cells: Vec<CellJson>,
    /// Cells with no ratio: run on one side only, or not `ok` on one side or both.
    pub unmatched: Vec<UnmatchedJson>,
    /// B is slower than A beyond the noise somewhere, or fails where A ran ok (the
    /// condition of exit code 3).
    pub regressed: bool,
    /// The user's task files (py-task) that changed between A and B: the same file and
    /// functions, another content hash. Their cells are not compared.
    pub code_changed: Vec<CodeChangeJson>,
}

/// A py-task as A ran it and as B ran it, after its file changed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CodeChangeJson {
    /// The workload in A (`...,sha=A's hash`).
    pub a: String,
    /// The workload in B (`...,sha=B's hash`).
    pub b: String,
}

/// One matched cell.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CellJson {
    /// The machine, when a side holds results from more than one (`conlab merge`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    /// A's side: medians over its `ok` runs.
    pub a: SideJson,
    /// B's side: medians over its `ok` runs.
    pub b: SideJson,
    /// B's median work time over A's.
    pub ratio: f64,
    /// B's median peak RSS over A's.
    pub rss_ratio: f64,
    /// The relative difference below which the verdict is `same`: 0.10, or the larger
    /// relative spread (max - min) / median of the two sides' runs.
    pub noise: f64,
    /// B against A by work time, beyond the noise.
    pub verdict: Verdict,
}

/// B against A by median work time.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// B is faster than A beyond the noise.
    Faster,
    /// B is slower than A beyond the noise.
    Slower,
    /// Within the noise.
    Same,
}

/// One side of a matched cell.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SideJson {
    /// Median work time in seconds.
    pub time_s: f64,
    /// Median peak RSS of the process tree in bytes.
    pub rss_bytes: f64,
    /// `ok` runs behind the medians.
    pub runs: usize,
}

/// A cell with no ratio.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UnmatchedJson {
    /// The machine, when a side holds results from more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub workload: String,
    pub model: String,
    pub tasks: usize,
    /// Why the cell has no ratio.
    pub kind: Side,
    /// `status: reason` of the first run that did not end ok, when one failed.
    pub why: Option<String>,
}

/// Why a cell has no ratio.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A ran it, B did not.
    OnlyInA,
    /// B ran it, A did not.
    OnlyInB,
    /// A ran it ok, B did not: a regression.
    FailedInB,
    /// B ran it ok, A did not.
    FailedInA,
    /// Neither ran it ok.
    FailedInBoth,
}

impl From<UnmatchedKind> for Side {
    fn from(kind: UnmatchedKind) -> Self {
        match kind {
            UnmatchedKind::OnlyInA => Side::OnlyInA,
            UnmatchedKind::OnlyInB => Side::OnlyInB,
            UnmatchedKind::FailedInB => Side::FailedInB,
            UnmatchedKind::FailedInA => Side::FailedInA,
            UnmatchedKind::FailedInBoth => Side::FailedInBoth,
        }
    }
}

impl From<Change> for Verdict {
    fn from(change: Change) -> Self {
        match change {
            Change::Faster => Verdict::Faster,
            Change::Slower => Verdict::Slower,
            Change::Same => Verdict::Same,
        }
    }
}

fn json(a: &Path, b: &Path, c: &Comparison) -> String {
    let cells = c
        .rows
        .iter()
        .map(|r| CellJson {
            host: r.host.clone(),
            workload: r.workload.clone(),
            model: r.model.clone(),
            tasks: r.tasks,
            a: SideJson {
                time_s: r.a_time,
                rss_bytes: r.a_rss,
                runs: r.a_runs,
            },
            b: SideJson {
                time_s: r.b_time,
                rss_bytes: r.b_rss,
                runs: r.b_runs,
            },
            ratio: r.ratio,
            rss_ratio: r.b_rss / r.a_rss.max(1.0),
            noise: r.noise,
            verdict: r.verdict.into(),
        })
        .collect();
    let unmatched = c
        .unmatched
        .iter()
        .map(|u| UnmatchedJson {
            host: u.host.clone(),
            workload: u.workload.clone(),
            model: u.model.clone(),
            tasks: u.tasks,
            kind: u.kind.into(),
            why: u.why.clone(),
        })
        .collect();
    let doc = CompareJson {
        schema: "conlab.compare/1".into(),
        a: a.display().to_string(),
        b: b.display().to_string(),
        cells,
        unmatched,
        regressed: c.regressed,
        code_changed: c
            .code_changed
            .iter()
            .map(|ch| CodeChangeJson {
                a: ch.a.clone(),
                b: ch.b.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("the compare document serializes");
    text.push('\n');
    text
}
