//! Workloads: what one task does. Each is written once and runs under every model.
//!
//! A workload offers a blocking body (for threads, pools and processes) and an async body
//! (for tokio) of the same work, so that a model never knows which workload it runs and a
//! workload never knows which model runs it. Adding a workload is one file plus one line
//! in [`REGISTRY`].
//!
//! This file only names the parts: what every workload is built on lives in `base`, the
//! spec that picks one (and the registry) in `spec`, each workload in its own file, and
//! the paths the rest of conlab uses are re-exported here. The children import one
//! another, never this file.

mod app;
mod base;
mod blocking;
mod cpu;
pub mod custom;
mod deadline;
mod http;
mod http1;
mod load;
mod method;
mod mixed;
mod net;
mod pytask;
mod serve;
mod sleep;
mod spec;
mod tcp;

pub use crate::task::{TaskCtx, TaskError, TaskResult};
pub use app::{Interface as AppInterface, ServeApp};
pub use base::{BoxFuture, Target, TaskFuture, Workload};
pub use blocking::{BlockingSpec, Mode as BlockingMode};
pub use cpu::{cpu_kernel, Cpu};
pub use custom::CustomSpec;
pub use http::{HttpLib, HttpSpec, BUFFER as HTTP_BUFFER};
pub use load::Load;
pub use method::Method;
pub use mixed::Mixed;
pub use net::UrlError;
pub use pytask::PyTask;
pub use serve::{Handler, ServeHttp, ServeSpec, ServeTcp};
pub use sleep::Sleep;
pub use spec::{Needs, WorkloadInfo, WorkloadSpec, REGISTRY};
pub use tcp::TcpSpec;

/// Check that a URL is one the http workload can use (http://, resolvable host).
pub fn check_url(url: &str) -> Result<(), UrlError> {
    net::Endpoint::parse(url).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WorkloadSpec, String> {
        text.parse::<WorkloadSpec>().map_err(|e| e.to_string())
    }

    fn canonical(text: &str) -> String {
        parse(text).map(|w| w.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn specs_parse_to_canonical_form() {
        assert_eq!(canonical("sleep:1000ms"), "sleep:1s");
        assert_eq!(canonical("cpu:iterations=2k"), "cpu:iterations=2000");
        assert_eq!(
            canonical("mixed:io=5ms,cpu=100,steps=2"),
            "mixed:io=5ms,cpu=100,steps=2"
        );
        assert_eq!(
            canonical("http:latency=50ms"),
            "http:latency=50ms,requests=1,keepalive=true,bytes=128"
        );
        assert_eq!(
            canonical("http:latency=50ms,timeout=2s"),
            "http:latency=50ms,requests=1,keepalive=true,bytes=128,timeout=2s"
        );
        assert_ne!(parse("http:timeout=2s"), parse("http:timeout=3s"));
    }

    #[test]
    fn bad_specs_are_explained() {
        assert!(canonical("nap:1s").contains("unknown workload 'nap'"));
        assert!(canonical("sleep:1x").contains("malformed duration"));
        assert!(canonical("sleep").contains("needs"));
        assert!(parse("cpu:iterations=0").is_err());
        for bad in ["abc", "0", "-1", "1.5", "1e23", "99999999999999999999999"] {
            let spec = format!("http:requests={bad}");
            assert!(parse(&spec).is_err(), "{spec} should be rejected");
        }
        assert!(parse("http:requests=2,duration=1s").is_err());
        assert!(parse("http:timeout=0s").is_err());
        assert!(parse("blocking:call=1ms,kind=gpu").is_err());
        assert!(parse("http:keepalive=maybe").is_err());
    }

    #[test]
    fn specs_travel_as_typed_json() {
        let w = parse("http:latency=50ms,duration=2s,timeout=3s").unwrap();
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(json["kind"], "http");
        assert_eq!(json["latency_ns"], 50_000_000);
        assert_eq!(json["duration_ns"], 2_000_000_000u64);
        assert_eq!(json["requests"], serde_json::Value::Null);
        assert_eq!(json["timeout_ns"], 3_000_000_000u64);
        assert_eq!(serde_json::from_value::<WorkloadSpec>(json).unwrap(), w);
    }

    #[test]
    fn blocking_and_async_bodies_agree() {
        let work = parse("mixed:io=1ms,cpu=1000,steps=2")
            .unwrap()
            .build(&Target::default(), None, 1)
            .unwrap();
        let ctx = TaskCtx { index: 7 };
        let blocking = work.run_blocking(&ctx).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let asynchronous = rt.block_on(work.run_async(&ctx)).unwrap();
        assert_eq!(blocking, asynchronous);
    }
}
