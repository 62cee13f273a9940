//! A workload's reading: the headline, one ranking per metric with ties by the noise
//! rule, and the mechanism behind each gap. Everything a report says about a workload
//! is decided here, once, so the terminal, Markdown, HTML and `conlab answer` cannot
//! disagree: they only put this into words.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::cells::{is_server, peaks, reached};
use super::noise;
use super::per_task::per_task_of;
use super::why;
use crate::model::ModelSpec;
use crate::results::reading::{
    Headline, Language, LanguagePick, LeftOut, Metric, NothingCompared, Ranked, Ranking, Reading, Why,
};
use crate::results::{CellResult, CellStats, Spread, Status, WorkloadAnalysis};

/// One model's figure and its noise, before ranking.
struct Candidate {
    model: String,
    value: f64,
    noise: f64,
    runs: usize,
    at_most: Option<u64>,
}

/// Candidates in order, best (lowest) first, in tie groups: each entry is tied when it is
/// within the noise rule of its group's first entry, and starts a new group when it is
/// not (so a chain of small steps never makes the first and the last "equal").
fn rank(mut c: Vec<Candidate>) -> Vec<Ranked> {
    c.sort_by(|a, b| a.value.total_cmp(&b.value));
    let best = c.first().map_or(0.0, |b| b.value);
    let mut leader = 0;
    (0..c.len())
        .map(|i| {
            let (lead, this) = (&c[leader], &c[i]);
            let tied = i > 0 && !noise::apart(lead.value, this.value, noise::margin(lead.noise, this.noise));
            if !tied {
                leader = i;
            }
            Ranked {
                model: this.model.clone(),
                value: this.value,
                tied,
                ratio: if best > 0.0 { this.value / best } else { 1.0 },
                runs: this.runs,
                at_most: this.at_most,
            }
        })
        .collect()
}

/// The models of a ranking's first tie group: the best, and those the noise rule cannot
/// tell from it.
pub fn top_group(entries: &[Ranked]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 && !e.tied {
            break;
        }
        out.push(e.model.clone());
    }
    out
}

/// The reading of one workload, from its analysis so far (stats, winners, crossovers,
/// failures, bytes per task) and its cells.
pub fn reading(cells: &[CellResult], baselines: &[CellResult], wa: &WorkloadAnalysis, models: &[String]) -> Reading {
    let w = &wa.workload;
    let peak = peaks(cells, w);
    let runs = wa
        .stats
        .iter()
        .filter_map(|s| s.time_s.as_ref().map(|t| t.n))
        .max()
        .unwrap_or(0);
    let n = wa
        .stats
        .iter()
        .map(|s| s.tasks)
        .filter(|&n| wa.stats.iter().filter(|s| s.tasks == n && s.time_s.is_some()).count() >= 2)
        .max();
    let Some(n) = n else {
        let failed = cells.iter().any(|c| &c.workload == w && c.status == Status::Errors);
        let headline = Headline {
            tasks: None,
            runs,
            fastest: Vec::new(),
            leanest: Vec::new(),
            languages: Vec::new(),
            nothing: Some(if failed {
                NothingCompared::FailedTasks
            } else {
                NothingCompared::TooFew
            }),
        };
        return Reading {
            headline,
            rankings: Vec::new(),
        };
    };
    let here: Vec<&CellStats> = wa.stats.iter().filter(|s| s.tasks == n).collect();
    let at_most = |m: &str| peak.get(&(m.to_string(), n)).copied().filter(|&p| !reached(Some(p), n));
    let candidates = |pick: fn(&CellStats) -> Option<&Spread>, only: &dyn Fn(&str) -> bool| -> Vec<Candidate> {
        here.iter()
            .filter(|s| only(&s.model))
            .filter_map(|s| {
                let sp = pick(s)?;
                Some(Candidate {
                    model: s.model.clone(),
                    value: sp.median,
                    noise: noise::of_spread(sp),
                    runs: sp.n,
                    at_most: at_most(&s.model),
                })
            })
            .collect()
    };
    let full = |m: &str| reached(peak.get(&(m.to_string(), n)).copied(), n);

    let mut rankings = Vec::new();
    let time = rank(candidates(|s| s.time_s.as_ref(), &|_| true));
    let mut time_why = gaps(cells, w, n, &time);
    for f in &wa.failures {
        time_why.push(Why {
            model: f.model.clone(),
            tasks: f.tasks,
            mechanism: why::stopped(f),
        });
    }
    let present = |m: &String| time.iter().any(|e| &e.model == m) || wa.failures.iter().any(|f| &f.model == m);
    for m in models.iter().filter(|m| !present(m)) {
        time_why.extend(why::skipped(cells, w, m, n).map(|mechanism| Why {
            model: m.clone(),
            tasks: n,
            mechanism,
        }));
    }
    let fastest = top_group(&time);
    let languages = languages(wa, &time, &here);
    rankings.push(Ranking {
        metric: Metric::Time,
        tasks: Some(n),
        entries: time,
        left_out: Vec::new(),
        why: time_why,
    });

    // A server workload's time is already its clients' p99; results from before the
    // caller's latency was measured have only the service time, which hides a queue.
    let caller_measured = |m: &str| {
        cells
            .iter()
            .filter(|c| &c.workload == w && c.model == m && c.tasks == n && c.status == Status::Ok)
            .all(|c| c.caller_latency_ms.is_some())
    };
    if !is_server(w) {
        let p99 = rank(candidates(|s| s.p99_ms.as_ref(), &caller_measured));
        if p99.len() >= 2 {
            let why = gaps(cells, w, n, &p99);
            rankings.push(Ranking {
                metric: Metric::CallerP99,
                tasks: Some(n),
                entries: p99,
                left_out: Vec::new(),
                why,
            });
        }
    }

    let memory = rank(candidates(|s| s.peak_rss_bytes.as_ref(), &full));
    let left_out: Vec<LeftOut> = here
        .iter()
        .filter(|s| !full(&s.model))
        .filter_map(|s| {
            Some(LeftOut {
                model: s.model.clone(),
                peak_in_flight: at_most(&s.model)?,
            })
        })
        .collect();
    let leanest = top_group(&memory);
    if memory.len() >= 2 || !left_out.is_empty() {
        rankings.push(Ranking {
            metric: Metric::Memory,
            tasks: Some(n),
            entries: memory,
            left_out,
            why: Vec::new(),
        });
    }

    // Memory per task only means something for models that ran every task at once; a
    // slope is noisier than the peaks it is drawn from, so it is never called on less
    // than one run's margin.
    let rss_noise = |m: &str| {
        here.iter()
            .find(|s| s.model == m)
            .and_then(|s| s.peak_rss_bytes.as_ref())
            .map_or(noise::SINGLE_RUN_MARGIN, noise::of_spread)
    };
    let per_task: Vec<Candidate> = wa
        .bytes_per_task
        .iter()
        .filter(|(m, b)| **b > 0.0 && here.iter().any(|s| &s.model == *m) && full(m))
        .map(|(m, b)| Candidate {
            model: m.clone(),
            value: *b,
            noise: rss_noise(m).max(noise::SINGLE_RUN_MARGIN),
            runs: here
                .iter()
                .find(|s| &s.model == m)
                .and_then(|s| s.peak_rss_bytes.as_ref())
                .map_or(0, |s| s.n),
            at_most: None,
        })
        .collect();
    if per_task.len() >= 2 {
        let entries = rank(per_task);
        let why = entries
            .iter()
            .filter_map(|e| {
                let vm = per_task_of(cells, baselines, w, &e.model, |c| c.peak_vm_bytes);
                Some(Why {
                    model: e.model.clone(),
                    tasks: n,
                    mechanism: why::reserved(vm, e.value)?,
                })
            })
            .collect();
        rankings.push(Ranking {
            metric: Metric::MemoryPerTask,
            tasks: None,
            entries,
            left_out: Vec::new(),
            why,
        });
    }

    Reading {
        headline: Headline {
            tasks: Some(n),
            runs,
            fastest,
            leanest,
            languages,
            nothing: None,
        },
        rankings,
    }
}

/// The mechanisms behind the models behind the first tie group, the furthest behind
/// first. A server cell's tasks are connections its load generator holds, not tasks it
/// starts or queues, so a server workload gets none of these.
fn gaps(cells: &[CellResult], w: &str, n: usize, entries: &[Ranked]) -> Vec<Why> {
    if is_server(w) {
        return Vec::new();
    }
    let top = top_group(entries).len();
    entries[top.min(entries.len())..]
        .iter()
        .rev()
        .flat_map(|e| {
            why::held_back(cells, w, &e.model, n).into_iter().map(|mechanism| Why {
                model: e.model.clone(),
                tasks: n,
                mechanism,
            })
        })
        .collect()
}

fn language(model: &str) -> Option<Language> {
    ModelSpec::from_str(model).ok().map(|m| {
        if m.is_python() {
            Language::Python
        } else {
            Language::Rust
        }
    })
}

/// Per language with two models or more timed at the headline's count: its own ranking's
/// first tie group, and from how many tasks on a single best stays ahead of the rest.
fn languages(wa: &WorkloadAnalysis, time: &[Ranked], here: &[&CellStats]) -> Vec<LanguagePick> {
    let mut by: BTreeMap<Language, Vec<&Ranked>> = BTreeMap::new();
    for e in time {
        if let Some(l) = language(&e.model) {
            by.entry(l).or_default().push(e);
        }
    }
    by.into_iter()
        .filter(|(_, es)| es.len() >= 2)
        .map(|(language, es)| {
            let own = rank(
                es.iter()
                    .map(|e| Candidate {
                        model: e.model.clone(),
                        value: e.value,
                        noise: here
                            .iter()
                            .find(|s| s.model == e.model)
                            .and_then(|s| s.time_s.as_ref())
                            .map_or(noise::SINGLE_RUN_MARGIN, noise::of_spread),
                        runs: e.runs,
                        at_most: e.at_most,
                    })
                    .collect(),
            );
            let best = top_group(&own);
            let behind: Vec<String> = own[best.len()..].iter().map(|e| e.model.clone()).collect();
            let from_tasks = match best.as_slice() {
                [one] => behind
                    .iter()
                    .map(|o| {
                        wa.crossover
                            .iter()
                            .find(|c| &c.faster == one && &c.slower == o)
                            .map(|c| c.from_tasks)
                    })
                    .try_fold(0, |most, f| f.map(|f| most.max(f))),
                _ => None,
            };
            LanguagePick {
                language,
                best,
                behind,
                from_tasks,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
