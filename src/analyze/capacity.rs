//! Who holds the most load within the objective (`bench --slo`): per server workload and
//! connection count, the models' median capacities over repeats, a leader named only
//! when it clears the same noise rule as every winner (one run each: 10%), otherwise the
//! figures and why no one is named. Also the ranking `advise --side server` gives.

use std::collections::BTreeMap;

use super::noise;
use super::numbers::median;
use crate::results::{Capacity, CapacitySearch, CapacityVerdict, SearchEnd, Verdict};
use crate::units::{format_count, plural};

/// Put `capacity` (with its verdicts) into `results`. A sweep that searched capacity ran
/// no plain cells of its workloads, so their empty analyses are dropped: the capacity
/// section is their reading.
pub fn attach(results: &mut crate::results::Results, capacity: Option<Capacity>) {
    let Some(mut c) = capacity else { return };
    c.verdicts = verdicts(&c);
    let cells = &results.cells;
    results
        .analysis
        .workloads
        .retain(|wa| cells.iter().any(|cell| cell.workload == wa.workload));
    results.capacity = Some(c);
}

/// One model's capacity at one (workload, connections): the median over its repeats (a
/// search with no passing probe counts as 0) and the repeats' relative spread.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub model: String,
    pub median_rps: f64,
    pub noise: f64,
    pub runs: usize,
}

/// The models at `workload` and `tasks`, most load first.
pub fn ranking(searches: &[CapacitySearch], workload: &str, tasks: usize) -> Vec<Held> {
    let mut by_model: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for s in searches.iter().filter(|s| s.workload == workload && s.tasks == tasks) {
        if !by_model.contains_key(s.model.as_str()) {
            order.push(&s.model);
        }
        by_model
            .entry(&s.model)
            .or_default()
            .push(s.capacity_rps.unwrap_or(0.0));
    }
    let mut held: Vec<Held> = order
        .into_iter()
        .map(|m| {
            let values = by_model.get_mut(m).expect("grouped above");
            Held {
                model: m.to_string(),
                runs: values.len(),
                median_rps: median(values).unwrap_or(0.0),
                noise: noise::relative(values),
            }
        })
        .collect();
    held.sort_by(|a, b| b.median_rps.total_cmp(&a.median_rps));
    held
}

/// Whether `lead` holds more than `next` beyond the noise of both.
pub fn clears(lead: &Held, next: &Held) -> bool {
    lead.median_rps > 0.0 && noise::apart(next.median_rps, lead.median_rps, noise::margin(lead.noise, next.noise))
}

/// `6,400 req/s`.
pub fn rps(v: f64) -> String {
    format!("{} req/s", format_count(v.round() as usize))
}

/// A verdict per (workload, connections) of `capacity`, in the order first searched.
pub fn verdicts(capacity: &Capacity) -> Vec<CapacityVerdict> {
    let mut keys: Vec<(&str, usize)> = Vec::new();
    for s in &capacity.searches {
        if !keys.contains(&(s.workload.as_str(), s.tasks)) {
            keys.push((&s.workload, s.tasks));
        }
    }
    let within = within(capacity);
    keys.into_iter()
        .map(|(workload, tasks)| {
            let held = ranking(&capacity.searches, workload, tasks);
            let at = format!("at {}", plural(tasks, "connection"));
            let (most, line) = match &held[..] {
                [] => (None, format!("nothing measured {at}")),
                [only] if only.median_rps == 0.0 => (None, format!("{} held no rate {within} {at}", only.model)),
                [only] => (
                    None,
                    format!(
                        "{} holds {} {within} {at} (no other model to compare)",
                        only.model,
                        rps(only.median_rps)
                    ),
                ),
                [lead, next, ..] if lead.median_rps == 0.0 => {
                    let _ = next;
                    (None, format!("no model held any rate {within} {at}"))
                }
                [lead, next, ..] if clears(lead, next) => {
                    let times = match next.median_rps {
                        n if n > 0.0 => format!("{:.1}× {} ({})", lead.median_rps / n, next.model, rps(n)),
                        _ => format!("{} held none", next.model),
                    };
                    (
                        Some(lead.model.clone()),
                        format!(
                            "{} holds the most {within} {at}: {}, {times}",
                            lead.model,
                            rps(lead.median_rps)
                        ),
                    )
                }
                [lead, next, ..] => (
                    None,
                    format!(
                        "too close to call {within} {at}: {} {} and {} {} (within {:.0}%, the runs' noise)",
                        lead.model,
                        rps(lead.median_rps),
                        next.model,
                        rps(next.median_rps),
                        100.0 * noise::margin(lead.noise, next.noise)
                    ),
                ),
            };
            CapacityVerdict {
                workload: workload.to_string(),
                tasks,
                most,
                capacity_rps: held
                    .iter()
                    .filter(|h| h.median_rps > 0.0)
                    .map(|h| (h.model.clone(), h.median_rps))
                    .collect(),
                line,
            }
        })
        .collect()
}

/// `advise --side server --app`: the stacks ranked by what they held within the
/// objective, the one to use when it clears the noise rule, and the verdict in words.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerAdvice {
    /// Most load first; a stack that held no rate last, at 0.
    pub ranked: Vec<Held>,
    /// The stack that holds the most beyond the noise; `None` when none held any load or
    /// the best two are too close to call (then either of them).
    pub pick: Option<String>,
    pub line: String,
}

/// Rank the stacks searched on `workload` at `tasks`.
pub fn advise(capacity: &Capacity, workload: &str, tasks: usize) -> ServerAdvice {
    let ranked = ranking(&capacity.searches, workload, tasks);
    let verdict = verdicts(capacity)
        .into_iter()
        .find(|v| v.workload == workload && v.tasks == tasks);
    let line = verdict
        .as_ref()
        .map(|v| v.line.clone())
        .unwrap_or_else(|| format!("nothing measured at {}", plural(tasks, "connection")));
    let pick = match &ranked[..] {
        [only] if only.median_rps > 0.0 => Some(only.model.clone()),
        _ => verdict.and_then(|v| v.most),
    };
    ServerAdvice { ranked, pick, line }
}

/// One model's capacity for a claim, or why there is none to judge.
fn held_for(c: &Capacity, workload: &str, tasks: usize, model: &str) -> Result<Held, String> {
    let searched: Vec<&CapacitySearch> = c
        .searches
        .iter()
        .filter(|s| s.workload == workload && s.tasks == tasks && s.model == model)
        .filter(|s| s.end != SearchEnd::Interrupted)
        .collect();
    if searched.is_empty() {
        return Err(format!(
            "{model} was not searched at {} (not run)",
            plural(tasks, "connection")
        ));
    }
    ranking(c.searches.as_slice(), workload, tasks)
        .into_iter()
        .find(|h| h.model == model)
        .ok_or_else(|| format!("{model} was not searched"))
}

/// `3,900 req/s (one run)`, `≥ 1,600 req/s` when no probe failed (a lower bound).
fn shown(c: &Capacity, workload: &str, tasks: usize, h: &Held) -> String {
    let bound = c
        .searches
        .iter()
        .any(|s| s.workload == workload && s.tasks == tasks && s.model == h.model && s.failed_at_rps.is_none());
    let runs = match h.runs {
        1 => "one run".to_string(),
        n => format!("median of {n}"),
    };
    format!("{}{} ({runs})", if bound { "≥ " } else { "" }, rps(h.median_rps))
}

/// The verdict on "`more` holds more load within the objective than `less`, by at least
/// `by` (0.25: a quarter more)": holds beyond the noise and by the margin, partly when
/// beyond the noise by less, does not hold when `less` holds more beyond the noise, too
/// close to call otherwise. `Err`: why the claim cannot be judged.
pub fn judge_more(
    c: &Capacity,
    workload: &str,
    tasks: usize,
    more: &str,
    less: &str,
    by: f64,
) -> Result<(String, Verdict), String> {
    let (m, l) = (held_for(c, workload, tasks, more)?, held_for(c, workload, tasks, less)?);
    if m.median_rps == 0.0 && l.median_rps == 0.0 {
        return Err(format!("neither {more} nor {less} held any rate {}", within(c)));
    }
    let verdict = match (clears(&m, &l), clears(&l, &m)) {
        (true, _) if m.median_rps >= l.median_rps * (1.0 + by) => Verdict::Holds,
        (true, _) => Verdict::Partly,
        (_, true) => Verdict::DoesNotHold,
        _ => Verdict::TooClose,
    };
    let ratio = m.median_rps / l.median_rps.max(1e-9);
    let text = format!(
        "{} {more} {} vs {less} {} ({})",
        within(c),
        shown(c, workload, tasks, &m),
        shown(c, workload, tasks, &l),
        match l.median_rps {
            0.0 => format!("{less} held none"),
            _ => format!("{ratio:.2}x"),
        }
    );
    Ok((text, verdict))
}

/// The verdict on "`a` holds about as much load within the objective as `b`, within
/// `within` (0.25 = 25%)".
pub fn judge_similar(
    c: &Capacity,
    workload: &str,
    tasks: usize,
    a: &str,
    b: &str,
    within_share: f64,
) -> Result<(String, Verdict), String> {
    let (ha, hb) = (held_for(c, workload, tasks, a)?, held_for(c, workload, tasks, b)?);
    if ha.median_rps == 0.0 && hb.median_rps == 0.0 {
        return Err(format!("neither {a} nor {b} held any rate {}", within(c)));
    }
    let ratio = ha.median_rps.max(hb.median_rps) / ha.median_rps.min(hb.median_rps).max(1e-9);
    let apart = clears(&ha, &hb) || clears(&hb, &ha);
    let verdict = if ratio <= 1.0 + within_share {
        Verdict::Holds
    } else if !apart {
        Verdict::TooClose
    } else if ratio <= 1.0 + 2.0 * within_share {
        Verdict::Partly
    } else {
        Verdict::DoesNotHold
    };
    let text = format!(
        "{} {a} {} vs {b} {} ({})",
        within(c),
        shown(c, workload, tasks, &ha),
        shown(c, workload, tasks, &hb),
        match ha.median_rps.min(hb.median_rps) {
            0.0 => "one held none".to_string(),
            _ => format!("{ratio:.2}x apart"),
        }
    );
    Ok((text, verdict))
}

/// `within p99 ≤ 100ms`.
fn within(c: &Capacity) -> String {
    format!(
        "within {} ≤ {}",
        c.quantile,
        crate::units::format_duration(std::time::Duration::from_secs_f64(c.limit_ms / 1e3))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(model: &str, tasks: usize, repeat: usize, capacity: Option<f64>) -> CapacitySearch {
        CapacitySearch {
            workload: "serve-http:latency=10ms,bytes=128,duration=3s".into(),
            model: model.into(),
            tasks,
            repeat,
            capacity_rps: capacity,
            failed_at_rps: None,
            end: SearchEnd::Converged,
            probes: Vec::new(),
        }
    }

    fn doc(searches: Vec<CapacitySearch>) -> Capacity {
        Capacity {
            slo: "p99=50ms".into(),
            quantile: "p99".into(),
            limit_ms: 50.0,
            error_budget: 0.0,
            min_achieved: 0.95,
            probe_s: 3.0,
            searches,
            verdicts: Vec::new(),
        }
    }

    #[test]
    fn one_run_each_needs_ten_percent_to_name_the_most() {
        let v = verdicts(&doc(vec![
            search("rs-async", 64, 0, Some(6000.0)),
            search("py-asyncio", 64, 0, Some(2000.0)),
            search("rs-async", 256, 0, Some(6000.0)),
            search("py-asyncio", 256, 0, Some(5600.0)),
        ]));
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].most.as_deref(), Some("rs-async"));
        assert!(v[0].line.contains("3.0× py-asyncio"), "{}", v[0].line);
        assert!(
            v[0].line.contains("within p99 ≤ 50ms at 64 connections"),
            "{}",
            v[0].line
        );
        assert_eq!(v[1].most, None);
        assert!(v[1].line.starts_with("too close to call"), "{}", v[1].line);
        assert_eq!(v[1].capacity_rps["py-asyncio"], 5600.0);
    }

    #[test]
    fn repeats_that_spread_widely_hide_a_lead_a_tight_spread_shows() {
        let wide = verdicts(&doc(vec![
            search("a", 8, 0, Some(1000.0)),
            search("a", 8, 1, Some(1500.0)),
            search("a", 8, 2, Some(1300.0)),
            search("b", 8, 0, Some(1100.0)),
            search("b", 8, 1, Some(1100.0)),
            search("b", 8, 2, Some(1100.0)),
        ]));
        assert_eq!(wide[0].most, None, "{}", wide[0].line);
        let tight = verdicts(&doc(vec![
            search("a", 8, 0, Some(1200.0)),
            search("a", 8, 1, Some(1210.0)),
            search("b", 8, 0, Some(1100.0)),
            search("b", 8, 1, Some(1105.0)),
        ]));
        assert_eq!(tight[0].most.as_deref(), Some("a"), "{}", tight[0].line);
    }

    #[test]
    fn advice_picks_the_stack_that_holds_the_most_and_none_on_a_tie() {
        let w = "serve-http:latency=10ms,bytes=128,duration=3s";
        let clear = advise(
            &doc(vec![
                search("py-pool+gunicorn", 64, 0, Some(900.0)),
                search("py-asyncio+uvicorn", 64, 0, Some(2400.0)),
                search("py-gevent+gunicorn", 64, 0, None),
            ]),
            w,
            64,
        );
        let order: Vec<&str> = clear.ranked.iter().map(|h| h.model.as_str()).collect();
        assert_eq!(order, ["py-asyncio+uvicorn", "py-pool+gunicorn", "py-gevent+gunicorn"]);
        assert_eq!(clear.pick.as_deref(), Some("py-asyncio+uvicorn"));
        let tie = advise(
            &doc(vec![search("a", 64, 0, Some(1000.0)), search("b", 64, 0, Some(1050.0))]),
            w,
            64,
        );
        assert_eq!(tie.pick, None);
        assert!(tie.line.starts_with("too close to call"), "{}", tie.line);
        let alone = advise(&doc(vec![search("a", 64, 0, Some(10.0))]), w, 64);
        assert_eq!(alone.pick.as_deref(), Some("a"));
        assert_eq!(advise(&doc(vec![]), w, 64).pick, None);
    }

    #[test]
    fn capacity_claims_are_judged_by_the_noise_rule_and_say_why_not_measured() {
        let w = "serve-http:latency=10ms,bytes=128,duration=3s";
        let c = doc(vec![
            search("py-asyncio+uvicorn", 1000, 0, Some(3900.0)),
            search("py-pool+gunicorn", 1000, 0, Some(1150.0)),
            search("py-gevent+gunicorn", 1000, 0, Some(3700.0)),
        ]);
        let more = |a: &str, b: &str, by: f64| judge_more(&c, w, 1000, a, b, by).map(|j| j.1);
        assert_eq!(more("py-asyncio+uvicorn", "py-pool+gunicorn", 0.25), Ok(Verdict::Holds));
        assert_eq!(more("py-asyncio+uvicorn", "py-pool+gunicorn", 4.0), Ok(Verdict::Partly));
        assert_eq!(
            more("py-pool+gunicorn", "py-asyncio+uvicorn", 0.25),
            Ok(Verdict::DoesNotHold)
        );
        assert_eq!(
            more("py-gevent+gunicorn", "py-asyncio+uvicorn", 0.0),
            Ok(Verdict::TooClose)
        );
        let (text, _) = judge_more(&c, w, 1000, "py-asyncio+uvicorn", "py-pool+gunicorn", 0.25).unwrap();
        assert!(
            text.contains("3,900 req/s (one run)") && text.contains("3.39x"),
            "{text}"
        );
        let similar = |a: &str, b: &str| judge_similar(&c, w, 1000, a, b, 0.25).map(|j| j.1);
        assert_eq!(similar("py-gevent+gunicorn", "py-asyncio+uvicorn"), Ok(Verdict::Holds));
        assert_eq!(
            similar("py-pool+gunicorn", "py-asyncio+uvicorn"),
            Ok(Verdict::DoesNotHold)
        );
        let missing = judge_more(&c, w, 1000, "py-asyncio+uvicorn", "py-thread+http.server", 0.25).unwrap_err();
        assert!(
            missing.contains("py-thread+http.server was not searched at 1,000 connections"),
            "{missing}"
        );
        let none = doc(vec![search("a", 8, 0, None), search("b", 8, 0, None)]);
        assert!(judge_similar(&none, w, 8, "a", "b", 0.25)
            .unwrap_err()
            .starts_with("neither a nor b held"));
    }

    #[test]
    fn a_model_that_held_nothing_is_ranked_last_and_left_out_of_the_figures() {
        let v = verdicts(&doc(vec![search("a", 8, 0, None), search("b", 8, 0, Some(300.0))]));
        assert_eq!(v[0].most.as_deref(), Some("b"));
        assert!(v[0].line.ends_with("a held none"), "{}", v[0].line);
        assert!(!v[0].capacity_rps.contains_key("a"));
        let none = verdicts(&doc(vec![search("a", 8, 0, None), search("b", 8, 0, None)]));
        assert_eq!(none[0].most, None);
        assert!(none[0].line.starts_with("no model held"));
    }
}
