//! Renderings of a sweep. Each format lives in its own file behind [`Format`]; they all
//! read the same [`Results`] document and nothing else, so `conlab report` can rebuild
//! any of them from `results.json` or `results.jsonl` long after the sweep.

pub mod csv;
pub mod html;
pub mod json;
pub mod load;
pub mod markdown;
pub mod svg;
pub mod terminal;

use crate::results::Results;

/// One output format.
pub trait Format {
    /// The whole rendering as text.
    fn render(&self, results: &Results) -> Result<String, String>;
}

/// The formats `conlab report --format` accepts.
pub const NAMES: &[&str] = &["terminal", "json", "csv", "markdown", "html"];

/// The format called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Format>> {
    match name {
        "terminal" => Some(Box::new(terminal::Terminal)),
        "json" => Some(Box::new(json::Json)),
        "csv" => Some(Box::new(csv::Csv)),
        "markdown" | "md" => Some(Box::new(markdown::Markdown)),
        "html" => Some(Box::new(html::Html)),
        _ => None,
    }
}
