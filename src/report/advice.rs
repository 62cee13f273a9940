//! What `conlab advise` prints: the question, the candidates as measured, the
//! recommendation with its reasons, and a starter snippet in the shape of the model
//! recommended (`snippets`). Prose is folded to the screen's width (`screen::wrap`), as
//! the tables are, so no word breaks at the edge; code is left as written.

use crate::analyze::advice::{notes, Candidate, Lang, Question, Side};
use crate::report::gaps;
use crate::report::screen::wrap;
use crate::report::snippets::{self, Shape};
use crate::results::{CellResult, Status};
use crate::units::{format_bytes, format_count, format_duration, format_secs};

/// The first line: the question as understood.
pub fn question(q: &Question, width: usize) -> String {
    let lang = if q.lang == Lang::Python { "Python" } else { "Rust" };
    let text = format!(
        "conlab advise: {} at once, each waiting {} and computing {}{}, in {lang}",
        crate::units::plural(q.tasks, "task"),
        format_duration(q.io),
        format_duration(q.cpu),
        if q.sync_only { ", sync-only libraries" } else { "" }
    );
    format!("{}\n", wrap(&text, width, 2))
}

/// The question `advise --task` answers: the user's own task.
pub fn own_task(task: &crate::workload::PyTask, tasks: usize, width: usize) -> String {
    let names: Vec<String> = [(&task.func, ""), (&task.afunc, "async ")]
        .iter()
        .filter_map(|(name, kind)| name.as_ref().map(|n| format!("{kind}{n}(i)")))
        .collect();
    let text = format!(
        "conlab advise: {} at once of your {} from {} (sha={}), in Python",
        crate::units::plural(tasks, "task"),
        names.join(" / "),
        task.file,
        task.sha
    );
    format!("{}\n", wrap(&text, width, 2))
}

/// Why a candidate is not ranked, in the reports' words (`gaps`): its failed tasks, its
/// failure, or why it was not run (a predicted timeout with its arithmetic, ...).
fn left_out(c: &CellResult) -> String {
    let why = match c.status {
        Status::Ok => format!(
            "{} of {} tasks failed ({})",
            format_count(c.tasks_failed),
            format_count(c.tasks),
            c.first_error.clone().unwrap_or_default()
        ),
        Status::Skipped => gaps::skip_reason(c),
        _ => gaps::failure_reason(c),
    };
    format!("{}: {why}", c.model)
}

/// The measured candidates (best first) and the ones that did not finish.
pub fn candidates(source: &str, ranked: &[Candidate], failed: &[&CellResult], width: usize) -> String {
    let mut out = format!("\n{}\n", wrap(source, width, 2));
    for c in ranked {
        let lag = c
            .lag_ms
            .map(|l| format!(", event loop up to {} late", format_secs(l / 1e3)))
            .unwrap_or_default();
        let line = format!(
            "  {:<18} {:>9}  {:>10}{lag}",
            c.model,
            format_secs(c.time),
            format_bytes(c.rss)
        );
        out.push_str(&format!("{}\n", wrap(&line, width, 4)));
    }
    for f in failed {
        out.push_str(&format!("{}\n", wrap(&format!("  {}", left_out(f)), width, 4)));
    }
    out
}

/// The recommendation, the runner-up, why, and the starter code in the recommended
/// model's shape.
pub fn recommendation(q: &Question, tasks: usize, ranked: &[Candidate], width: usize) -> String {
    let Some(best) = ranked.first() else {
        return String::new();
    };
    let server = q.side == Side::Server;
    let mut out = format!("\nrecommended: {}\n", best.model);
    let mut why = match server {
        true => format!(
            "serving {} connections, its clients saw a p99 of {} with {} peak memory",
            format_count(tasks),
            format_secs(best.time),
            format_bytes(best.rss)
        ),
        false => format!(
            "it finished {} tasks in {} with {} peak memory",
            format_count(tasks),
            format_secs(best.time),
            format_bytes(best.rss)
        ),
    };
    if let Some(second) = ranked.get(1) {
        out.push_str(&format!("runner-up:   {}\n", second.model));
        why.push_str(&format!(
            "; {} {} {} ({:.1}x) with {}",
            second.model,
            if server { "p99" } else { "took" },
            format_secs(second.time),
            second.time / best.time.max(1e-9),
            format_bytes(second.rss)
        ));
    }
    // Each paragraph folded with the hanging indent of the labels.
    const HANG: usize = 13;
    out.push_str(&format!("{}\n", wrap(&format!("why:         {why}."), width, HANG)));
    for note in notes(q) {
        let folded = wrap(&format!("{}{note}", " ".repeat(HANG)), width, HANG);
        out.push_str(&format!("{folded}\n"));
    }
    let shape = Shape::of(&best.model)
        .map(|(s, _)| format!(": {}, as measured", s.describe(tasks)))
        .unwrap_or_default();
    let heading = format!("starter ({}{shape}):", best.model);
    out.push_str(&format!(
        "\n{}\n{}\n",
        wrap(&heading, width, 2),
        match server {
            true => snippets::server_snippet(&best.model),
            false => snippets::snippet(&best.model, tasks),
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn candidate(model: &str, time: f64, rss: f64) -> Candidate {
        Candidate {
            model: model.into(),
            time,
            rss,
            lag_ms: None,
            all_at_once: !model.contains("pool"),
        }
    }

    fn asked() -> Question {
        Question {
            side: Side::Client,
            connections: None,
            tasks: 1000,
            io: Duration::from_millis(50),
            cpu: Duration::ZERO,
            sync_only: true,
            lang: Lang::Python,
        }
    }

    #[test]
    fn the_starter_is_the_shape_recommended_and_the_prose_fits_the_screen() {
        // The case of the issue: a thread per task measured 3.1x faster than the pool.
        let ranked = [
            candidate("py-thread", 0.523, 40.0 * 1048576.0),
            candidate("py-pool:size=32", 1.63, 19.6 * 1048576.0),
        ];
        let out = recommendation(&asked(), 1000, &ranked, 110);
        assert!(out.contains("recommended: py-thread\n"), "{out}");
        assert!(
            out.contains("starter (py-thread: a thread per task, as measured):"),
            "{out}"
        );
        assert!(
            out.contains("threading.Thread(") && !out.contains("ThreadPoolExecutor"),
            "{out}"
        );
        assert!(out.lines().all(|l| l.chars().count() <= 110), "{out}");
        // Folded at spaces only: every word of the reasons is whole.
        assert!(out.contains("19.6 MiB") && out.contains("(3.1x)"), "{out}");
        let prose: String = out[..out.find("starter").unwrap()]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(prose.contains("With blocking-only libraries an event loop would have to hand every call"));

        // The pool wins: its measured width in the code.
        let ranked = [ranked[1].clone(), ranked[0].clone()];
        let out = recommendation(&asked(), 1000, &ranked, 60);
        let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("starter (py-pool:size=32: a pool of 32 threads, as measured):"),
            "{out}"
        );
        assert!(out.contains("workers=32, timeout"), "{out}");
        let prose = &out[..out.find("starter").unwrap()];
        assert!(prose.lines().all(|l| l.chars().count() <= 60), "{prose}");
    }

    #[test]
    fn the_question_and_the_candidates_are_folded_too() {
        let q = asked();
        assert!(question(&q, 40).lines().all(|l| l.chars().count() <= 40));
        let meta = crate::cell::parent::CellMeta {
            index: 1,
            workload: "http:latency=50ms".into(),
            model: "py-process".into(),
            tasks: 1000,
            repeat: 0,
            baseline: false,
        };
        let skipped = crate::cell::parent::unrun(
            meta,
            Status::Skipped,
            Some(crate::results::Failure {
                kind: crate::results::FailureKind::PredictedTimeout,
                message: "needs at least 8.35s (1,000 tasks, 6 at a time, 50ms each), beyond the 5s a cell may take in this sweep".into(),
                at_task: None,
                limit: None,
            }),
            std::time::Duration::ZERO,
        );
        let out = candidates(
            "measured just now",
            &[candidate("py-thread", 0.5, 1e7)],
            &[&skipped],
            70,
        );
        assert!(out.lines().all(|l| l.chars().count() <= 70), "{out}");
        assert!(out.contains("8.35s") && out.contains("    "), "{out}");
        // The reports' words for the skip, not its kind's name.
        assert!(
            out.contains("  py-process: not run: predicted timeout: needs at least"),
            "{out}"
        );
        assert!(!out.contains("predicted-timeout"), "{out}");
    }
}
