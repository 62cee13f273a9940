//! `--format csv`: one row per cell (baselines included, marked), a header row, the
//! contract fields flattened, for spreadsheets and data frames. A document from several
//! machines gets a last column, `host`, naming each row's.

use super::format::Format;
use crate::results::{CellResult, Results};

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
}
