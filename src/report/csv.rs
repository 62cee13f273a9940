//! `--format csv`: one row per cell (baselines included, marked), a header row, the
//! contract fields flattened, for spreadsheets and data frames. A document from several
//! machines gets a last column, `host`, naming each row's. `--export-capacity` is the
//! same for `bench --slo`'s searches: one row per probe, its search's answer repeated on
//! each, so the knee can be drawn from the file alone.

use super::format::Format;
use crate::results::{Capacity, CellResult, Probe, Results};

pub struct Csv;

const HEADER: &[&str] = &[
    "index",
    "workload",
    "model",
    "tasks",
    "repeat",
    "baseline",
    "status",
    "failure_kind",
    "failure_message",
    "at_task",
    "limit",
    "wall_s",
    "ready_s",
    "started_s",
    "work_s",
    "tasks_ok",
    "tasks_failed",
    "errors",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "caller_p50_ms",
    "caller_p99_ms",
    "requests_ok",
    "requests_failed",
    "request_p50_ms",
    "request_p99_ms",
    "requests_per_s",
    "peak_rss_bytes",
    "peak_vm_bytes",
    "peak_pte_bytes",
    "peak_threads",
    "peak_fds",
    "peak_processes",
    "user_s",
    "sys_s",
    "ctx_voluntary",
    "ctx_involuntary",
    "concurrency",
    "peak_in_flight",
    "mean_in_flight",
    "client",
    "runner",
    "stack",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn row(c: &CellResult) -> Vec<String> {
    let f = c.failure.as_ref();
    let lat = c.latency_ms.as_ref();
    let req = c.request_latency_ms.as_ref();
    let errors: Vec<String> = c.errors.iter().map(|(k, n)| format!("{k}={n}")).collect();
    vec![
        c.index.to_string(),
        c.workload.clone(),
        c.model.clone(),
        c.tasks.to_string(),
        c.repeat.to_string(),
        c.baseline.to_string(),
        c.status.as_str().to_string(),
        opt(f.map(|f| f.kind.to_string())),
        opt(f.map(|f| f.message.clone())),
        opt(f.and_then(|f| f.at_task)),
        opt(f.and_then(|f| f.limit.clone())),
        c.wall_s.to_string(),
        opt(c.ready_s),
        opt(c.started_s),
        opt(c.work_s),
        c.tasks_ok.to_string(),
        c.tasks_failed.to_string(),
        errors.join(";"),
        opt(lat.map(|l| l.p50)),
        opt(lat.map(|l| l.p90)),
        opt(lat.map(|l| l.p99)),
        opt(lat.map(|l| l.max)),
        opt(c.caller_latency_ms.as_ref().map(|l| l.p50)),
        opt(c.caller_latency_ms.as_ref().map(|l| l.p99)),
        opt(c.requests_ok),
        opt(c.requests_failed),
        opt(req.map(|l| l.p50)),
        opt(req.map(|l| l.p99)),
        opt(c.requests_per_s),
        c.peak_rss_bytes.to_string(),
        c.peak_vm_bytes.to_string(),
        c.peak_pte_bytes.to_string(),
        c.peak_threads.to_string(),
        c.peak_fds.to_string(),
        c.peak_processes.to_string(),
        c.user_s.to_string(),
        c.sys_s.to_string(),
        c.ctx_voluntary.to_string(),
        c.ctx_involuntary.to_string(),
        opt(c.concurrency),
        opt(c.peak_in_flight),
        opt(c.mean_in_flight),
        opt(c.client.clone()),
        opt(c.runner.clone()),
        opt(c.stack.as_ref()),
    ]
}

impl Format for Csv {
    fn render(&self, results: &Results) -> String {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let hosts = !crate::analyze::hosts(&results.cells, &results.baselines).is_empty();
        let mut header = HEADER.to_vec();
        if hosts {
            header.push("host");
        }
        w.write_record(header).expect("CSV into memory");
        for c in results.baselines.iter().chain(&results.cells) {
            let mut r = row(c);
            if hosts {
                r.push(opt(c.host.clone()));
            }
            w.write_record(r).expect("CSV into memory");
        }
        String::from_utf8(w.into_inner().expect("CSV into memory")).expect("CSV of UTF-8 text is UTF-8")
    }
}

/// The columns of the `--export-capacity` CSV.
pub const CAPACITY_HEADER: &[&str] = &[
    "slo",
    "workload",
    "model",
    "tasks",
    "repeat",
    "capacity_rps",
    "failed_at_rps",
    "end",
    "probe",
    "rate",
    "achieved_rps",
    "p50_ms",
    "p99_ms",
    "p999_ms",
    "requests_ok",
    "requests_failed",
    "error_rate",
    "status",
    "pass",
    "reason",
];

/// Every probe of every capacity search, one row each (a search that ran none: one row
/// with the probe's columns empty).
pub fn capacity(c: &Capacity) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(CAPACITY_HEADER).expect("CSV into memory");
    for s in &c.searches {
        let head = [
            c.slo.clone(),
            s.workload.clone(),
            s.model.clone(),
            s.tasks.to_string(),
            s.repeat.to_string(),
            opt(s.capacity_rps),
            opt(s.failed_at_rps),
            s.end.as_str().to_string(),
        ];
        let probe = |i: usize, p: &Probe| {
            vec![
                i.to_string(),
                p.rate.to_string(),
                opt(p.achieved_rps),
                opt(p.p50_ms),
                opt(p.p99_ms),
                opt(p.p999_ms),
                p.requests_ok.to_string(),
                p.requests_failed.to_string(),
                p.error_rate.to_string(),
                p.status.as_str().to_string(),
                p.pass.to_string(),
                opt(p.reason.clone()),
            ]
        };
        let mut rows: Vec<Vec<String>> = s.probes.iter().enumerate().map(|(i, p)| probe(i + 1, p)).collect();
        if rows.is_empty() {
            rows.push(vec![String::new(); CAPACITY_HEADER.len() - head.len()]);
        }
        for r in rows {
            w.write_record(head.iter().cloned().chain(r)).expect("CSV into memory");
        }
    }
    String::from_utf8(w.into_inner().expect("CSV into memory")).expect("CSV of UTF-8 text is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_rows_have_the_same_width() {
        let meta = crate::cell::parent::CellMeta {
            index: 1,
            workload: "sleep:1s".into(),
            model: "rs-async".into(),
            tasks: 10,
            repeat: 0,
            baseline: false,
        };
        let failure = crate::results::Failure {
            kind: crate::results::FailureKind::Skipped,
            message: "a, \"quoted\" message".into(),
            at_task: None,
            limit: None,
        };
        let cell = crate::cell::parent::unrun(
            meta,
            crate::results::Status::Skipped,
            failure,
            std::time::Duration::from_secs(1),
        );
        assert_eq!(row(&cell).len(), HEADER.len());
    }

    #[test]
    fn capacity_has_a_row_per_probe_and_one_for_a_search_without_any() {
        use crate::results::{CapacitySearch, SearchEnd, Status};
        let probe = |rate: u64, p99: f64, pass: bool| Probe {
            rate,
            achieved_rps: Some(rate as f64 * 0.99),
            p50_ms: Some(p99 / 4.0),
            p99_ms: Some(p99),
            p999_ms: None,
            requests_ok: rate * 3,
            requests_failed: 0,
            error_rate: 0.0,
            status: Status::Ok,
            pass,
            reason: (!pass).then(|| format!("p99 {p99}ms > 50ms")),
        };
        let search = |model: &str, probes: Vec<Probe>| CapacitySearch {
            workload: "serve-http:latency=10ms,bytes=128,duration=3s".into(),
            model: model.into(),
            tasks: 64,
            repeat: 0,
            capacity_rps: probes.iter().filter(|p| p.pass).map(|p| p.rate as f64).reduce(f64::max),
            failed_at_rps: None,
            end: SearchEnd::Converged,
            probes,
        };
        let doc = Capacity {
            slo: "p99=50ms".into(),
            quantile: "p99".into(),
            limit_ms: 50.0,
            error_budget: 0.0,
            min_achieved: 0.95,
            probe_s: 3.0,
            searches: vec![
                search("rs-async", vec![probe(1000, 12.0, true), probe(2000, 80.5, false)]),
                search("py-asyncio", Vec::new()),
            ],
            verdicts: Vec::new(),
        };
        let text = capacity(&doc);
        let mut rows = ::csv::Reader::from_reader(text.as_bytes());
        assert_eq!(rows.headers().unwrap().iter().collect::<Vec<_>>(), CAPACITY_HEADER);
        let rows: Vec<::csv::StringRecord> = rows.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let col = |name: &str| CAPACITY_HEADER.iter().position(|h| *h == name).unwrap();
        assert_eq!(&rows[0][col("model")], "rs-async");
        assert_eq!(&rows[0][col("capacity_rps")], "1000");
        assert_eq!((&rows[1][col("probe")], &rows[1][col("rate")]), ("2", "2000"));
        assert_eq!(
            (&rows[1][col("pass")], &rows[1][col("reason")]),
            ("false", "p99 80.5ms > 50ms")
        );
        assert_eq!(&rows[2][col("model")], "py-asyncio");
        assert_eq!(&rows[2][col("probe")], "");
        assert!(rows.iter().all(|r| r.len() == CAPACITY_HEADER.len()));
    }
}
