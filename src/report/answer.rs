//! `conlab answer` in words: the seed article's sections ("In short", the decision
//! matrix, performance at scale, memory at 1,000 tasks, gotchas) rewritten with this
//! machine's figures, each naming the cell it came from, and the claims' verdicts. One
//! document of sections, written out as Markdown or as a self-contained HTML page.

use super::reading::why_line;
use super::summary::workload_label;
use super::svg::escape;
use crate::analyze::answer::{Answer, Call, CellRef, Fig};
use crate::results::reading::LanguagePick;
use crate::results::Results;
use crate::units::{format_bytes, format_count, format_secs, plural};

/// A part of a section.
enum Block {
    Para(String),
    Bullets(Vec<String>),
    Table { head: Vec<String>, rows: Vec<Vec<String>> },
}

struct Section {
    title: String,
    blocks: Vec<Block>,
}

/// `[http latency=50ms · py-thread · 5,000 tasks · 3 runs]`: the cell a figure came from.
fn cell(c: &CellRef) -> String {
    let runs = match c.runs {
        1 => "1 run".to_string(),
        k => format!("{k} runs"),
    };
    format!(
        "[{} · {} · {} · {runs}]",
        workload_label(&c.workload),
        c.model,
        plural(c.tasks, "task")
    )
}

fn secs(f: &Fig) -> String {
    format!("{} {}", format_secs(f.value), cell(&f.cell))
}

/// A figure in milliseconds, with its cell.
fn millis(f: &Fig) -> String {
    format!("{} {}", format_secs(f.value / 1e3), cell(&f.cell))
}

fn bytes(f: &Fig) -> String {
    format!("{} {}", format_bytes(f.value), cell(&f.cell))
}

/// `py-asyncio, ahead of py-thread from 1,000 tasks on`.
fn pick_words(p: &LanguagePick, n: usize) -> String {
    let behind = match p.behind.as_slice() {
        [] => String::new(),
        others => format!(" of {}", others.join(", ")),
    };
    match (p.best.as_slice(), p.from_tasks) {
        ([one], Some(from)) if from < n => format!("{one}, ahead{behind} from {} tasks on", format_count(from)),
        ([one], _) => format!("{one}, ahead{behind} at {} tasks", format_count(n)),
        (many, _) => format!("{} too close to call at {} tasks", many.join(" ≈ "), format_count(n)),
    }
}

/// The decision matrix's crossover: from which count the pick stays ahead, or that there
/// is none to name.
fn crossover_words(p: &LanguagePick, n: usize) -> String {
    match (p.best.as_slice(), p.from_tasks) {
        ([_], Some(from)) if from < n => format!("from {} tasks on", format_count(from)),
        ([_], _) => format!("at {} tasks, the largest count measured", format_count(n)),
        _ => format!("none: too close to call at {} tasks", format_count(n)),
    }
}

fn call_words(c: &Call) -> String {
    match c {
        Call::Similar => "similar (within the spread of the runs)".into(),
        Call::Faster { model, ratio } => format!("{model} faster, ×{ratio:.2}"),
    }
}

fn sections(a: &Answer, results: &Results) -> Vec<Section> {
    let mut out = Vec::new();
    let env = &results.environment;
    let python = env
        .python
        .first()
        .map(|p| {
            format!(
                ", {} {}{}",
                match p.implementation.as_str() {
                    "cpython" => "CPython",
                    "pypy" => "PyPy",
                    other => other,
                },
                p.version,
                if p.gil { "" } else { " (no GIL)" }
            )
        })
        .unwrap_or_default();
    let intro = format!(
        "Measured on {} ({}){python}: {} cells, medians of {}. Each figure names the cell it came from as [workload · model · tasks · runs].",
        plural(env.cores, "core"),
        env.cpu_model,
        format_count(a.cells),
        plural(a.runs.max(1), "run")
    );

    // In short.
    let mut short = Vec::new();
    for row in &a.matrix {
        let figures: Vec<String> = row.times.iter().map(secs).collect();
        short.push(format!(
            "{}: {} ({}).",
            workload_label(&row.workload),
            pick_words(&row.pick, row.tasks),
            figures.join(" vs ")
        ));
        if let Some(w) = row.why.first() {
            short.push(format!("Why: {}", why_line(w).replace('\u{a0}', " ")));
        }
    }
    if let Some(m) = &a.memory {
        short.push(format!(
            "Memory at 1,000 tasks: {} resident for threads ({} reserved, virtual), {} for asyncio. Threads reserve their stacks; they do not use them.",
            bytes(&m.thread_rss),
            format_bytes(m.thread_vm.value),
            bytes(&m.asyncio_rss)
        ));
    }
    if short.is_empty() {
        short.push("These results compare no two Python models; run `conlab bench` with Python models.".into());
    }
    out.push(Section {
        title: "In short".into(),
        blocks: vec![Block::Para(intro), Block::Bullets(short)],
    });

    // The decision matrix, measured.
    let rows: Vec<Vec<String>> = a
        .matrix
        .iter()
        .map(|r| {
            vec![
                workload_label(&r.workload),
                r.pick.best.join(" ≈ "),
                crossover_words(&r.pick, r.tasks),
                r.times.iter().map(secs).collect::<Vec<_>>().join("; "),
            ]
        })
        .collect();
    out.push(Section {
        title: "Decision matrix".into(),
        blocks: match rows.is_empty() {
            true => vec![Block::Para("No workload compared two Python models.".into())],
            false => vec![
                Block::Para("The Python model to use per workload, and from how many tasks on it stays ahead (10% and beyond the spread of the runs at every larger count measured).".into()),
                Block::Table {
                    head: ["workload", "use", "crossover", "work time"].map(String::from).to_vec(),
                    rows,
                },
            ],
        },
    });

    // Performance at scale, beside what the article says.
    let says = |scale: &str| match scale {
        "10" => "Threading is simpler, similar speed",
        "100" => "Asyncio starts winning",
        _ => "Asyncio is dramatically better",
    };
    let rows: Vec<Vec<String>> = a
        .scale
        .iter()
        .map(|r| {
            vec![
                format_count(r.tasks),
                secs(&r.thread),
                secs(&r.asyncio),
                call_words(&r.call),
                says(r.scale).into(),
            ]
        })
        .collect();
    out.push(Section {
        title: "Performance at scale".into(),
        blocks: match rows.is_empty() {
            true => vec![Block::Para(
                "Not measured: these results have no http workload under both py-thread and py-asyncio.".into(),
            )],
            false => vec![Block::Table {
                head: ["tasks", "threads", "asyncio", "measured", "the article says"]
                    .map(String::from)
                    .to_vec(),
                rows,
            }],
        },
    });

    // Memory at 1,000 tasks.
    out.push(Section {
        title: "Memory at 1,000 tasks".into(),
        blocks: match &a.memory {
            None => vec![Block::Para(
                "Not measured: no workload ran py-thread and py-asyncio at 1,000 tasks.".into(),
            )],
            Some(m) => {
                let per = |b: Option<f64>| b.map(|b| format_bytes(b.max(0.0))).unwrap_or_else(|| "—".into());
                vec![Block::Table {
                    head: [
                        "",
                        "resident (RSS)",
                        "virtual (reserved)",
                        "resident per task",
                        "the article says",
                    ]
                    .map(String::from)
                    .to_vec(),
                    rows: vec![
                        vec![
                            "Threading".into(),
                            bytes(&m.thread_rss),
                            format_bytes(m.thread_vm.value),
                            per(m.thread_per_task),
                            "~1-8 GB (1-8 MB per thread)".into(),
                        ],
                        vec![
                            "Asyncio".into(),
                            bytes(&m.asyncio_rss),
                            format_bytes(m.asyncio_vm.value),
                            per(m.asyncio_per_task),
                            "~10-50 MB (KB per task)".into(),
                        ],
                    ],
                }]
            }
        },
    });

    // Gotchas, each with its figure.
    let mut gotchas = Vec::new();
    gotchas.push(match &a.loop_lag {
        Some(l) => format!(
            "A blocking call on the event loop stalls every task: with a {} blocking call per task, asyncio's 1 ms heartbeat was {} late at p99; work time {}{}.",
            format_secs(l.call_ms / 1e3),
            millis(&l.lag_p99_ms),
            secs(&l.asyncio_time),
            l.thread_time
                .as_ref()
                .map(|t| format!(" against {} under threads", secs(t)))
                .unwrap_or_default()
        ),
        None => "A blocking call on the event loop: not measured in these results (`conlab claims` runs blocking:call=20ms; pass its claims.json with --claims).".into(),
    });
    gotchas.push(match &a.connection_limit {
        Some(c) => format!(
            "aiohttp's connector allows {} connections by default: fetch_many as written held at most {} file descriptors {} against {} {} with a connection per task, and took {} against {}.",
            c.limit,
            format_count(c.limited_fds.value as usize),
            cell(&c.limited_fds.cell),
            format_count(c.unlimited_fds.value as usize),
            cell(&c.unlimited_fds.cell),
            secs(&c.limited_time),
            secs(&c.unlimited_time)
        ),
        None => "aiohttp's default of 100 connections: not measured in these results (`conlab claims` runs py-asyncio+aiohttp:limit=100).".into(),
    });
    // Not in any sweep conlab runs for this answer: its server sends each answer whole.
    gotchas.push(format!(
        "requests' timeout is per read, not for the whole request: {PER_READ}"
    ));
    out.push(Section {
        title: "Gotchas".into(),
        blocks: vec![Block::Bullets(gotchas)],
    });

    // The claims.
    out.push(Section {
        title: "The article's claims".into(),
        blocks: match a.claims.is_empty() {
            true => vec![Block::Para(
                "No claims given: run `conlab claims` and pass its claims.json with --claims.".into(),
            )],
            false => vec![Block::Table {
                head: ["claim", "measured", "verdict"].map(String::from).to_vec(),
                rows: a
                    .claims
                    .iter()
                    .map(|c| vec![c.text.clone(), c.measured.clone(), c.verdict.to_string()])
                    .collect(),
            }],
        },
    });
    out
}

/// Why the per-read timeout has no figure here, and where it is measured.
const PER_READ: &str = "not measured in these results. conlab's server sends each answer whole after its latency, so against it a per-read timeout ends a slow request just as a whole-request one would; the difference needs a server that trickles bytes. `examples/python/slow_read.py` has one: `conlab bench --workload py-task:file=examples/python/slow_read.py,fn=fetch,setup=setup --models py-thread --tasks 1,10` (each task's requests.get(timeout=1) takes about 3 s, and none times out).";

const TITLE: &str = "Which is better, threading or asyncio in Python? Measured on this machine";

/// The answer as Markdown.
pub fn markdown(a: &Answer, results: &Results) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!("# {TITLE}\n");
    for s in sections(a, results) {
        out.push_str(&format!("\n## {}\n\n", s.title));
        for b in s.blocks {
            match b {
                Block::Para(p) => out.push_str(&format!("{p}\n\n")),
                Block::Bullets(items) => {
                    for i in items {
                        out.push_str(&format!("- {i}\n"));
                    }
                    out.push('\n');
                }
                Block::Table { head, rows } => {
                    out.push_str(&format!(
                        "| {} |\n",
                        head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
                    ));
                    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                    for r in rows {
                        out.push_str(&format!(
                            "| {} |\n",
                            r.iter().map(|x| cell(x)).collect::<Vec<_>>().join(" | ")
                        ));
                    }
                    out.push('\n');
                }
            }
        }
    }
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out
}

const STYLE: &str = "html{font-family:system-ui,sans-serif;color-scheme:light dark;background:Canvas;color:CanvasText}body{max-width:60rem;margin:0 auto;padding:1rem;overflow-wrap:break-word;line-height:1.45}\
table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #8884;padding:.3rem .5rem;text-align:left;vertical-align:top}th{white-space:nowrap}\
.scroll{overflow-x:auto}code{font-size:.9em;background:#8882;padding:0 .25rem;border-radius:3px}\
.ref{font-size:.8em;opacity:.7}li{margin:.25rem 0}";

/// A line of the answer as HTML: escaped, `code` set as code, and each figure's cell
/// (`[sleep 1s · py-thread · 1,000 tasks · 3 runs]`) set small beside it.
fn inline(text: &str) -> String {
    let mut out = String::new();
    // Between paired backticks is code; a lone backtick stays as written.
    let parts: Vec<&str> = match text.matches('`').count() % 2 {
        0 => text.split('`').collect(),
        _ => vec![text],
    };
    for (i, part) in parts.into_iter().enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", escape(part)));
            continue;
        }
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            let Some(len) = rest[open..].find(']').filter(|&l| rest[open..open + l].contains(" · ")) else {
                break;
            };
            out.push_str(&escape(&rest[..open]));
            out.push_str(&format!(
                r#"<span class="ref">{}</span>"#,
                escape(&rest[open..=open + len])
            ));
            rest = &rest[open + len + 1..];
        }
        out.push_str(&escape(rest));
    }
    out
}

/// The answer as one self-contained HTML page.
pub fn html(a: &Answer, results: &Results) -> String {
    let mut out = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>conlab answer</title><style>{STYLE}</style></head><body><h1>{}</h1>"#,
        escape(TITLE)
    );
    for s in sections(a, results) {
        out.push_str(&format!("<h2>{}</h2>", escape(&s.title)));
        for b in s.blocks {
            match b {
                Block::Para(p) => out.push_str(&format!("<p>{}</p>", inline(&p))),
                Block::Bullets(items) => {
                    out.push_str("<ul>");
                    for i in items {
                        out.push_str(&format!("<li>{}</li>", inline(&i)));
                    }
                    out.push_str("</ul>");
                }
                Block::Table { head, rows } => {
                    out.push_str(r#"<div class="scroll"><table><tr>"#);
                    for h in head {
                        out.push_str(&format!("<th>{}</th>", escape(&h)));
                    }
                    out.push_str("</tr>");
                    for r in rows {
                        out.push_str("<tr>");
                        for x in r {
                            out.push_str(&format!("<td>{}</td>", inline(&x)));
                        }
                        out.push_str("</tr>");
                    }
                    out.push_str("</table></div>");
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::inline;

    #[test]
    fn code_and_cells_are_set_apart_and_the_rest_escaped() {
        assert_eq!(
            inline("run `conlab claims` <now>"),
            "run <code>conlab claims</code> &lt;now&gt;"
        );
        assert_eq!(
            inline("1.01s [sleep 1s · py-asyncio · 1,000 tasks · 3 runs] vs [not a cell]"),
            r#"1.01s <span class="ref">[sleep 1s · py-asyncio · 1,000 tasks · 3 runs]</span> vs [not a cell]"#
        );
        assert_eq!(inline("a lone ` stays"), "a lone ` stays");
    }
}
