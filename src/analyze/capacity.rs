//! Who holds the most load within the objective (`bench --slo`): per server workload and
//! connection count, the models' median capacities over repeats, a leader named only
//! when it clears the same noise rule as every winner (one run each: 10%), otherwise the
//! figures and why no one is named. Also the ranking `advise --side server` gives.

use std::collections::BTreeMap;

use super::noise;
use super::numbers::median;
use crate::results::{Capacity, CapacitySearch, CapacityVerdict};
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
    let within = format!(
        "within {} ≤ {}",
        capacity.quantile,
        crate::units::format_duration(std::time::Duration::from_secs_f64(capacity.limit_ms / 1e3))
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::SearchEnd;

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
