//! `results.json` and `results.jsonl`: the machine-readable outputs, and the JSON Schema
//! they follow (generated from the result types, committed under `schema/`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::results::{JsonlRecord, Results};

/// The JSON Schema of `results.json`, as generated from the types.
pub fn results_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Results)).expect("schema serializes")
}

/// The JSON Schema of the one line a cell prints (Rust cell and Python driver alike):
/// `schema/child-report.schema.json`.
pub fn child_report_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(crate::protocol::ChildReport)).expect("schema serializes")
}

/// The JSON Schema of one `results.jsonl` line.
pub fn jsonl_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(JsonlRecord)).expect("schema serializes")
}

/// Write `results.json` atomically: a reader never sees half a document.
pub fn write_results(path: &Path, results: &Results) -> io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut text = serde_json::to_string_pretty(results).map_err(io::Error::other)?;
    text.push('\n');
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path)
}

/// `results.jsonl`, appended record by record and flushed each time, so an interrupted
/// sweep keeps every cell that finished.
pub struct JsonlWriter {
    file: File,
    pub path: PathBuf,
}

impl JsonlWriter {
    /// Create a new file; refuses to overwrite earlier results.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn append(&mut self, record: &JsonlRecord) -> io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.flush()
    }
}

/// `--format json`: the results document, pretty-printed.
pub struct Json;

impl super::format::Format for Json {
    fn render(&self, results: &Results) -> String {
        serde_json::to_string_pretty(results).expect("results always serialize") + "\n"
    }
}
