//! Renderings of a sweep. Each format lives in its own file behind [`Format`]; they all
//! read the same [`crate::results::Results`] document and nothing else, so `conlab report` can rebuild
//! any of them from `results.json` or `results.jsonl` long after the sweep.

pub mod advice;
pub mod answer;
pub mod axis;
pub mod capacity;
pub mod claims;
pub mod compare;
pub mod csv;
pub mod dots;
pub mod format;
pub mod gaps;
pub mod html;
pub mod json;
pub mod kinds;
pub mod labels;
pub mod load;
pub mod markdown;
pub mod markup;
pub mod overtime;
pub mod palette;
pub mod reading;
pub mod screen;
pub mod snippet_text;
pub mod snippets;
pub mod summary;
pub mod svg;
pub mod terminal;
pub mod timeseries;

pub use format::Format;

/// The formats `conlab report --format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Terminal,
    Json,
    Csv,
    #[value(alias = "md")]
    Markdown,
    Html,
}

impl ReportFormat {
    /// The renderer of this format.
    pub fn renderer(self) -> Box<dyn Format> {
        match self {
            ReportFormat::Terminal => Box::new(terminal::Terminal),
            ReportFormat::Json => Box::new(json::Json),
            ReportFormat::Csv => Box::new(csv::Csv),
            ReportFormat::Markdown => Box::new(markdown::Markdown),
            ReportFormat::Html => Box::new(html::Html),
        }
    }
}
