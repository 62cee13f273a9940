//! Statistics over repeats: median, min, max and, with enough repeats, a 95% confidence
//! interval of the median (from order statistics, so no normality is assumed), for time,
//! throughput, p99 latency and peak memory; and how time grows with tasks (the exponent of
//! a log-log fit).

use std::collections::BTreeMap;

use super::cells::{caller_p99, cell_time};
use super::numbers::{median, slope};
use crate::measure::latency::{merge_wires, summarize_wire, HistogramWire};
use crate::results::{CellResult, CellStats, Histograms, Pooled, Spread, Status};

/// Median, min, max and (from 6 repeats on) a 95% interval of the median.
pub fn spread(values: &[f64]) -> Option<Spread> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let med = median(&mut v)?;
    let n = v.len();
    // Order-statistic interval: ranks k and n-1-k with k = floor((n - 1.96 sqrt(n)) / 2).
    let ci95 = (n >= 6).then(|| {
        let k = ((n as f64 - 1.96 * (n as f64).sqrt()) / 2.0).floor().max(0.0) as usize;
        [v[k], v[n - 1 - k]]
    });
    Some(Spread {
        median: med,
        min: v[0],
        max: v[n - 1],
        n,
        ci95,
    })
}

/// Per (model, tasks) statistics of the `ok` cells of one workload.
pub fn cell_stats(cells: &[CellResult], workload: &str) -> Vec<CellStats> {
    let mut groups: BTreeMap<(String, usize), Vec<&CellResult>> = BTreeMap::new();
    for c in cells
        .iter()
        .filter(|c| c.workload == workload && c.status == Status::Ok && !c.baseline)
    {
        groups.entry((c.model.clone(), c.tasks)).or_default().push(c);
    }
    groups
        .into_iter()
        .map(|((model, tasks), g)| {
            let of =
                |f: &dyn Fn(&CellResult) -> Option<f64>| spread(&g.iter().filter_map(|c| f(c)).collect::<Vec<_>>());
            CellStats {
                model,
                tasks,
                time_s: of(&|c| Some(cell_time(c))),
                peak_rss_bytes: of(&|c| Some(c.peak_rss_bytes as f64)),
                p99_ms: of(&caller_p99),
                peak_in_flight: of(&|c| c.peak_in_flight.map(|p| p as f64)),
                requests_per_s: of(&|c| c.requests_per_s),
                pooled: pooled(&g),
            }
        })
        .collect()
}

/// The percentiles of every task of `cells` together, from the sum of their histograms;
/// `None` when no cell kept its histograms (results from before they were kept).
pub fn pooled(cells: &[&CellResult]) -> Option<Pooled> {
    let kept: Vec<&Histograms> = cells.iter().filter_map(|c| c.histograms.as_ref()).collect();
    if kept.is_empty() {
        return None;
    }
    let sum = |f: fn(&Histograms) -> &HistogramWire| summarize_wire(&merge_wires(kept.iter().map(|h| f(h))));
    Some(Pooled {
        runs: kept.len(),
        latency_ms: sum(|h| &h.task_latency_us),
        caller_latency_ms: sum(|h| &h.caller_latency_us),
        request_latency_ms: sum(|h| &h.request_latency_us),
    })
}

/// The exponent b of time ≈ a·N^b per model, fitted over its `ok` task counts (at least
/// three). About 0 means the model absorbs more tasks for free; about 1, time grows with
/// the number of tasks (a queue).
pub fn scaling(stats: &[CellStats]) -> BTreeMap<String, f64> {
    let mut points: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for s in stats {
        if let Some(t) = &s.time_s {
            if t.median > 0.0 && s.tasks > 0 {
                points
                    .entry(&s.model)
                    .or_default()
                    .push(((s.tasks as f64).ln(), t.median.ln()));
            }
        }
    }
    points
        .into_iter()
        .filter(|(_, p)| p.len() >= 3)
        .filter_map(|(m, p)| slope(&p).map(|s| (m.to_string(), s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_and_interval() {
        let s = spread(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n, s.ci95), (2.0, 1.0, 3.0, 3, None));
        let many: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = spread(&many).unwrap();
        assert_eq!(s.ci95, Some([2.0, 9.0]));
        assert!(spread(&[]).is_none());
    }

    #[test]
    fn a_queue_scales_linearly_and_async_flat() {
        let mk = |model: &str, n: usize, t: f64| CellStats {
            model: model.into(),
            tasks: n,
            time_s: spread(&[t]),
            peak_rss_bytes: None,
            p99_ms: None,
            peak_in_flight: None,
            requests_per_s: None,
            pooled: None,
        };
        let stats = vec![
            mk("pool", 10, 1.0),
            mk("pool", 100, 10.0),
            mk("pool", 1000, 100.0),
            mk("async", 10, 1.0),
            mk("async", 100, 1.0),
            mk("async", 1000, 1.0),
        ];
        let s = scaling(&stats);
        assert!((s["pool"] - 1.0).abs() < 1e-9);
        assert!(s["async"].abs() < 1e-9);
    }
}
