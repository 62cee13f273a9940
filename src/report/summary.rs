//! The HTML and Markdown reports' reading of a workload: the headline sentence, one
//! line per ranking and the reasons, under a short workload label (`http latency=20ms`)
//! instead of the whole spec. The words are `report::reading`'s, the same the terminal
//! prints, so the reports cannot disagree; nothing here ranks or ties (`analyze` did).
//! The lines are HTML: a model and its figure are kept on one line.

use std::str::FromStr;

use super::svg::escape;
use crate::analyze;
use crate::results::{FailureKind, Results, Status, WorkloadAnalysis};
use crate::workload::WorkloadSpec;

/// A workload's reading: the headline and the points under it, as HTML.
pub struct Summary {
    pub headline: String,
    pub points: Vec<String>,
}

/// Numbers stay with their units: `4.02 MiB` never breaks inside.
pub fn nb(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

/// `http:latency=20ms,requests=1,keepalive=true,bytes=128` -> `http latency=20ms`: the
/// workload's name, its positional parameter and the parameters that differ from their
/// defaults.
pub fn workload_label(spec: &str) -> String {
    let Some((kind, params)) = spec.split_once(':') else {
        return spec.to_string();
    };
    let defaults = WorkloadSpec::from_str(kind).map(|d| d.to_string()).unwrap_or_default();
    let defaults: Vec<&str> = defaults
        .split_once(':')
        .map(|d| d.1.split(',').collect())
        .unwrap_or_default();
    let own: Vec<&str> = params
        .split(',')
        .filter(|p| !p.contains('=') || !defaults.contains(p))
        .collect();
    if own.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {}", own.join(","))
    }
}

/// The reading of one workload: every ranking and every reason (the terminal keeps to a
/// few lines; a page has room), and a workload with no reading says so.
pub fn summarize(results: &Results, wa: &WorkloadAnalysis) -> Summary {
    let Some(reading) = &wa.reading else {
        let failed = results
            .cells
            .iter()
            .any(|c| c.workload == wa.workload && c.status == Status::Errors);
        let headline = match failed {
            true => "No cell finished without failed tasks, so nothing is compared.",
            false => "Too few models finished to compare.",
        };
        return Summary {
            headline: headline.into(),
            points: Vec::new(),
        };
    };
    let words = super::reading::words(reading, analyze::is_server(&wa.workload), super::reading::Style::Long);
    let mut points: Vec<String> = words.rankings.iter().map(|r| escape(r)).collect();
    points.extend(words.why.iter().map(|w| format!("Why: {}", escape(w))));
    Summary {
        headline: escape(&words.headline),
        points,
    }
}

/// Why a model stopped, in words: the kind, then the limit or the message.
pub fn stop_reason(kind: FailureKind, limit: Option<&str>, message: Option<&str>) -> String {
    let detail = limit.or(message).filter(|d| !d.is_empty());
    match detail {
        Some(d) if kind == FailureKind::TaskErrors => d.to_string(),
        Some(d) => format!("{kind}, {d}"),
        None => kind.to_string(),
    }
}

/// The median of `pick` over a workload's ok cells of (model, tasks), as used in tables.
pub fn ok_median(
    results: &Results,
    workload: &str,
    model: &str,
    tasks: usize,
    pick: &dyn Fn(&crate::results::CellResult) -> Option<f64>,
) -> Option<f64> {
    let mut v: Vec<f64> = results
        .cells
        .iter()
        .filter(|c| c.workload == workload && c.model == model && c.tasks == tasks && c.status == Status::Ok)
        .filter_map(pick)
        .collect();
    analyze::median(&mut v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_only_what_differs_from_the_defaults() {
        assert_eq!(workload_label("sleep:50ms"), "sleep 50ms");
        let http = WorkloadSpec::from_str("http").unwrap().to_string();
        assert_eq!(workload_label(&http), "http");
        let twenty = WorkloadSpec::from_str("http:latency=20ms").unwrap().to_string();
        assert_eq!(workload_label(&twenty), "http latency=20ms");
    }
}
