//! What `conlab advise` prints: the question, the candidates as measured, the
//! recommendation with its reasons, and a starter snippet.

use crate::analyze::advice::{notes, Candidate, Lang, Question, Side};
use crate::report::snippets;
use crate::units::{format_bytes, format_count, format_duration, format_secs};

/// The first line: the question as understood.
pub fn question(q: &Question) -> String {
    let lang = if q.lang == Lang::Python { "Python" } else { "Rust" };
    format!(
        "conlab advise: {} at once, each waiting {} and computing {}{}, in {lang}\n",
        crate::units::plural(q.tasks, "task"),
        format_duration(q.io),
        format_duration(q.cpu),
        if q.sync_only { ", sync-only libraries" } else { "" }
    )
}

/// The question `advise --task` answers: the user's own task.
pub fn own_task(task: &crate::workload::PyTask, tasks: usize) -> String {
    let names: Vec<String> = [(&task.func, ""), (&task.afunc, "async ")]
        .iter()
        .filter_map(|(name, kind)| name.as_ref().map(|n| format!("{kind}{n}(i)")))
        .collect();
    format!(
        "conlab advise: {} at once of your {} from {} (sha={}), in Python\n",
        crate::units::plural(tasks, "task"),
        names.join(" / "),
        task.file,
        task.sha
    )
}

/// The measured candidates (best first) and the ones that did not finish.
pub fn candidates(source: &str, ranked: &[Candidate], failed: &[String]) -> String {
    let mut out = format!("\n{source}\n");
    for c in ranked {
        let lag = c
            .lag_ms
            .map(|l| format!(", event loop up to {} late", format_secs(l / 1e3)))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<18} {:>9}  {:>10}{lag}\n",
            c.model,
            format_secs(c.time),
            format_bytes(c.rss)
        ));
    }
    for f in failed {
        out.push_str(&format!("  {f}\n"));
    }
    out
}

/// The recommendation, the runner-up, why, and the starter code.
pub fn recommendation(q: &Question, tasks: usize, ranked: &[Candidate]) -> String {
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
    out.push_str(&format!("why:         {why}.\n"));
    for note in notes(q) {
        out.push_str(&format!("             {note}\n"));
    }
    out.push_str(&format!(
        "\nstarter ({}):\n{}\n",
        best.model,
        match server {
            true => snippets::server_snippet(&best.model),
            false => snippets::snippet(&best.model),
        }
    ));
    out
}
