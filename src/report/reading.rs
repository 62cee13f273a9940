//! A workload's reading in words: the headline sentence, one line per ranking and one
//! line per reason. The terminal folds these lines, the HTML and Markdown reports list
//! them; none of them ranks, ties or explains anything itself (`analyze::reading` did).
//!
//! A figure is kept with its model and its unit by no-break spaces, which the terminal's
//! folding and HTML both honour and Markdown turns back into spaces.

use crate::results::reading::{Headline, LanguagePick, Mechanism, Metric, Ranking, Reading, Why};
use crate::results::FailureKind;
use crate::units::{format_bytes, format_count, format_secs};

/// The no-break space that glues a model to its figure.
pub const NB: char = '\u{a0}';

/// `text` with its spaces made no-break.
fn nb(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

/// The reading's lines: the headline, the rankings, then the reasons (each once, in the
/// order the rankings give them).
pub struct Words {
    pub headline: String,
    pub rankings: Vec<String>,
    pub why: Vec<String>,
}

/// How much a ranking line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The terminal's: a short label, the best figure and the others' ratios to it.
    Short,
    /// A page's: the label with its task count and every model's own figure.
    Long,
}

/// The words of a reading; `server`: the workload is served (tasks are connections and
/// its time is its clients' p99).
pub fn words(reading: &Reading, server: bool, style: Style) -> Words {
    let mut seen: Vec<(&str, &Mechanism)> = Vec::new();
    let mut why = Vec::new();
    for w in reading.rankings.iter().flat_map(|r| &r.why) {
        if !seen.contains(&(w.model.as_str(), &w.mechanism)) {
            seen.push((w.model.as_str(), &w.mechanism));
            why.push(why_line(w));
        }
    }
    Words {
        headline: headline(
            &reading.headline,
            reading.rankings.iter().find(|r| r.metric == Metric::Time),
        ),
        rankings: reading
            .rankings
            .iter()
            .map(|r| ranking_line(r, server, style))
            .collect(),
        why,
    }
}

/// `a ≈ b` for a tie group, `a` for one.
fn group(models: &[String]) -> String {
    models.join(" ≈ ")
}

fn headline(h: &Headline, time: Option<&Ranking>) -> String {
    use crate::results::reading::NothingCompared;
    let Some(n) = h.tasks else {
        return match h.nothing {
            Some(NothingCompared::FailedTasks) => {
                "No cell finished without failed tasks, so nothing is compared (see where each model failed).".into()
            }
            _ => "Too few models finished at one task count to compare.".into(),
        };
    };
    // The fastest says so when it ran fewer tasks at once than asked.
    let at_most = |m: &str| {
        time.and_then(|r| r.entries.iter().find(|e| e.model == m))
            .and_then(|e| e.at_most)
            .map(|k| format!(" (≤{} at once)", format_count(k as usize)))
            .unwrap_or_default()
    };
    let time = match h.fastest.as_slice() {
        [] => "no model finished".to_string(),
        [one] => format!("{one} fastest{}", at_most(one)),
        many => format!("{} fastest (too close to call)", group(many)),
    };
    let memory = match h.leanest.as_slice() {
        [] => String::new(),
        same if same == h.fastest.as_slice() => " and leanest".into(),
        many => format!(", {} leanest", group(many)),
    };
    let runs = match h.runs {
        0 | 1 => "one run each".to_string(),
        k => format!("medians of {k} runs"),
    };
    let mut out = format!("At {} tasks ({runs}): {time}{memory}.", format_count(n));
    // A language whose pick is the overall fastest already has its answer.
    let picks: Vec<String> = h
        .languages
        .iter()
        .filter(|p| p.best != h.fastest)
        .map(|p| pick(p, n))
        .collect();
    if !picks.is_empty() {
        out.push(' ');
        out.push_str(&picks.join("; "));
        out.push('.');
    }
    out
}

/// `Python: py-asyncio from 1,000 tasks on`.
fn pick(p: &LanguagePick, n: usize) -> String {
    let lang = p.language.as_str();
    match (p.best.as_slice(), p.from_tasks) {
        ([one], Some(from)) if from < n => format!("{lang}: {one} from {} tasks on", format_count(from)),
        (best, _) => format!("{lang}: {}", group(best)),
    }
}

/// What a ranking ranks: short, its task count being the headline's; long, with it.
fn metric_label(r: &Ranking, server: bool, style: Style) -> String {
    let label = match (r.metric, server, style) {
        (Metric::Time, false, Style::Short) => "time",
        (Metric::Time, false, Style::Long) => "Work time",
        (Metric::Time, true, _) => "Clients' p99",
        (Metric::CallerP99, _, Style::Short) => "p99",
        (Metric::CallerP99, _, Style::Long) => "Caller p99",
        (Metric::Memory, _, Style::Short) => "RSS",
        (Metric::Memory, _, Style::Long) => "Peak RSS",
        (Metric::MemoryPerTask, false, Style::Short) => "per task",
        (Metric::MemoryPerTask, false, Style::Long) => "RSS per task",
        (Metric::MemoryPerTask, true, _) => "RSS per connection",
    };
    match (style, r.tasks) {
        (Style::Long, Some(n)) => format!("{label} at {}", format_count(n)),
        _ => label.to_string(),
    }
}

fn figure(metric: Metric, v: f64) -> String {
    match metric {
        Metric::Time => format_secs(v),
        Metric::CallerP99 => format_secs(v / 1e3),
        Metric::Memory => format_bytes(v),
        Metric::MemoryPerTask if v < 16.0 => "≈0 B".into(),
        Metric::MemoryPerTask => format_bytes(v),
    }
}

/// A ratio to the best: `×1.04`, `×2.4`, `×12`.
fn times(ratio: f64) -> String {
    match ratio {
        r if r < 2.0 => format!("×{r:.2}"),
        r if r < 10.0 => format!("×{r:.1}"),
        r => format!("×{r:.0}"),
    }
}

/// `time: rs-async ≈ rs-async-st 61.0ms < rs-thread ×1.3 < py-thread ×25`: the first
/// tie group with the best figure, then each other model with its ratio to it; in the
/// long style every model with its own figure, and the ratio after the first group.
pub fn ranking_line(r: &Ranking, server: bool, style: Style) -> String {
    let top = crate::analyze::reading::top_group(&r.entries).len();
    let mut out = format!("{}: ", metric_label(r, server, style));
    for (i, e) in r.entries.iter().enumerate() {
        if i > 0 {
            out.push_str(if e.tied { " ≈ " } else { " < " });
        }
        out.push_str(&e.model);
        let text = match style {
            Style::Short if i + 1 == top => figure(r.metric, r.entries[0].value),
            Style::Short if i >= top => times(e.ratio),
            Style::Short => continue,
            Style::Long if i >= top => format!("{} ({})", figure(r.metric, e.value), times(e.ratio)),
            Style::Long => figure(r.metric, e.value),
        };
        out.push(NB);
        out.push_str(&nb(&text));
    }
    if !r.left_out.is_empty() {
        let parts: Vec<&str> = r.left_out.iter().map(|l| l.model.as_str()).collect();
        out.push_str(&format!("; not all at once: {}", parts.join(", ")));
    }
    out
}

/// About two significant figures: `about 2,900`.
fn about(x: f64) -> String {
    let x = x.max(0.0);
    let digits = (x.log10().floor() as i32 - 1).max(0);
    let step = 10f64.powi(digits);
    format_count(((x / step).round() * step) as usize)
}

fn ms(v: f64) -> String {
    format_secs(v / 1e3)
}

/// One reason, as a sentence.
pub fn why_line(w: &Why) -> String {
    let m = &w.model;
    let n = format_count(w.tasks);
    match &w.mechanism {
        Mechanism::StartBound {
            peak_in_flight,
            starts_per_s,
            started_s,
            task_ms,
            threads,
        } => format!(
            "{m} started about {} {}/s: its {} tasks ended before the last began ({} in), so at most {} of {n} ran at once.",
            about(*starts_per_s),
            if *threads { "threads" } else { "tasks" },
            nb(&ms(*task_ms)),
            nb(&format_secs(*started_s)),
            format_count(*peak_in_flight as usize)
        ),
        Mechanism::QueueBound {
            width,
            task_ms,
            floor_s,
            measured_at,
            ran,
        } => {
            let sum = format!("{n} × {} / {width} = {} at least", nb(&ms(*task_ms)), nb(&format_secs(*floor_s)));
            match ran {
                true => format!("{m} runs {width} at a time: {sum}."),
                false => format!(
                    "{m} not run at {n}: {width} at a time (as measured at {}), {sum}.",
                    format_count(*measured_at)
                ),
            }
        }
        Mechanism::GilBound {
            cores_used,
            other,
            other_cores,
        } => format!(
            "{m} used {cores_used:.2} cores over its work, one thread at a time under the GIL, where {other} used {other_cores:.2}."
        ),
        Mechanism::LoopBlocked {
            loop_lag_p99_ms,
            call_ms,
        } => format!(
            "{m}'s event loop was blocked: its 1 ms heartbeat was {} late at p99, at least the {} blocking call.",
            nb(&ms(*loop_lag_p99_ms)),
            nb(&ms(*call_ms))
        ),
        Mechanism::LimitBound {
            failure,
            at_task,
            limit,
            message,
            ..
        } => {
            if *failure == FailureKind::TaskErrors {
                let what = message.as_deref().unwrap_or("tasks failed");
                let limit = limit.as_ref().map(|l| format!(" [{l}]")).unwrap_or_default();
                return format!("{m} had failed tasks at {n}, so it wins nothing there: {what}{limit}.");
            }
            let at = at_task.map(|t| format!(" at task {}", format_count(t))).unwrap_or_default();
            let limit = limit.as_ref().map(|l| format!(": {l}")).unwrap_or_default();
            format!("{m} stopped at {n} tasks ({failure}{at}){limit}.")
        }
        Mechanism::Reserved {
            virtual_per_task,
            resident_per_task,
        } => format!(
            "{m} reserves {} of address space per task; {} of it is resident.",
            nb(&format_bytes(*virtual_per_task)),
            nb(&format_bytes(resident_per_task.max(0.0)))
        ),
    }
}
