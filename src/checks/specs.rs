//! Specs are parsed once and printed once: for every workload and model, printing a spec
//! and parsing it again gives the same typed value (and so the same cells, the same
//! grouping in results), and a workload's typed JSON (what cells receive) round-trips.

use std::time::Duration;

use crate::model::python::Split;
use crate::model::{CurrentThread, ModelSpec, MultiThread, Pool, Processes, PyModel, RustModel, ThreadPerTask};
use crate::workload::{
    BlockingMode, BlockingSpec, Cpu, HttpLib, HttpSpec, Mixed, ServeHttp, ServeTcp, Sleep, TcpSpec, WorkloadSpec,
};
use proptest::prelude::*;

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..100_000).prop_map(Duration::from_millis),
        (0u64..1_000_000_000_000).prop_map(Duration::from_nanos),
        (1u64..3600).prop_map(Duration::from_secs),
    ]
}

fn nonzero_duration() -> impl Strategy<Value = Duration> {
    duration().prop_filter("more than 0", |d| !d.is_zero())
}

fn workload() -> impl Strategy<Value = WorkloadSpec> {
    prop_oneof![
        duration().prop_map(|duration| WorkloadSpec::Sleep(Sleep { duration })),
        (1u64..10_000_000).prop_map(|iterations| WorkloadSpec::Cpu(Cpu { iterations })),
        (duration(), 1u64..1_000_000, 1u64..100).prop_map(|(io, cpu, steps)| WorkloadSpec::Mixed(Mixed {
            io,
            cpu,
            steps
        })),
        (
            duration(),
            0u64..1 << 40,
            prop_oneof![
                (1u64..1_000_000).prop_map(|r| (Some(r), None)),
                nonzero_duration().prop_map(|d| (None, Some(d)))
            ],
            any::<bool>(),
            nonzero_duration(),
            prop::option::of(1u64..1_000_000)
        )
            .prop_map(|(latency, bytes, (requests, duration), keepalive, timeout, rate)| {
                WorkloadSpec::Http(HttpSpec {
                    latency,
                    bytes,
                    requests,
                    duration,
                    keepalive,
                    timeout,
                    rate,
                    method: Default::default(),
                })
            }),
        (duration(), nonzero_duration(), 1u64..1 << 20)
            .prop_map(|(hold, interval, bytes)| WorkloadSpec::Tcp(TcpSpec { hold, interval, bytes })),
        (
            duration(),
            0u64..1 << 26,
            nonzero_duration(),
            prop::option::of(1u64..1_000_000),
            any::<bool>(),
            1usize..64
        )
            .prop_map(|(latency, bytes, duration, rate, blocking, generators)| {
                WorkloadSpec::ServeHttp(ServeHttp {
                    latency,
                    bytes,
                    duration,
                    // An open loop gives every generator at least 1 request/s.
                    rate: rate.map(|r| r.max(generators as u64)),
                    blocking,
                    generators,
                })
            }),
        (nonzero_duration(), nonzero_duration(), 1u64..16 * 1024, 1usize..64).prop_map(
            |(interval, duration, bytes, generators)| {
                WorkloadSpec::ServeTcp(ServeTcp {
                    interval,
                    duration,
                    bytes,
                    generators,
                })
            }
        ),
        (duration(), any::<bool>(), any::<bool>()).prop_map(|(call, offload, cpu)| {
            WorkloadSpec::Blocking(BlockingSpec {
                call,
                offload,
                mode: if cpu { BlockingMode::Cpu } else { BlockingMode::Wait },
            })
        }),
    ]
}

fn model() -> impl Strategy<Value = ModelSpec> {
    let some = |max: usize| prop::option::of(1usize..max);
    let py = (
        prop::sample::select(vec![
            ("py-thread", None),
            ("py-thread", Some("requests")),
            ("py-pool", None),
            ("py-pool", Some("requests")),
            ("py-asyncio", None),
            ("py-asyncio", Some("aiohttp")),
            ("py-asyncio", Some("uvloop")),
            ("py-process", None),
            ("py-process", Some("requests")),
            ("py-gevent", None),
            ("py-gevent", Some("requests")),
            ("py-thread", Some("http.server")),
            ("py-asyncio", Some("uvicorn")),
            ("py-pool", Some("gunicorn")),
            ("py-process", Some("gunicorn")),
            ("py-gevent", Some("gunicorn")),
        ]),
        some(64),
        prop::option::of(prop::sample::select(vec!["3.10", "3.13", "3.13.1"])),
        prop::option::of((any::<bool>(), 1usize..64)),
        any::<bool>(),
    )
        .prop_map(|((base, lib), size, version, split, eager)| {
            ModelSpec::Python(PyModel {
                base,
                lib,
                size: size.filter(|_| match (base, lib) {
                    // gunicorn's gevent worker takes no size.
                    ("py-gevent", Some("gunicorn")) => false,
                    ("py-pool" | "py-process" | "py-gevent", _) | (_, Some("aiohttp")) => true,
                    _ => false,
                }),
                version: version.map(String::from),
                split: split
                    .filter(|(procs, _)| base == "py-asyncio" && (*procs || lib != Some("uvicorn")))
                    .map(|(procs, n)| match procs {
                        true => Split::Procs(n),
                        false => Split::Threads(n),
                    }),
                eager: eager && base == "py-asyncio",
            })
        });
    let rust = prop_oneof![
        prop::option::of((16u64 << 10)..(1 << 30)).prop_map(|stack| RustModel::RsThread(ThreadPerTask { stack })),
        some(1000).prop_map(|size| RustModel::RsPool(Pool { size })),
        some(64).prop_map(|workers| RustModel::RsAsync(MultiThread { workers })),
        Just(RustModel::RsAsyncSt(CurrentThread {})),
        (some(64), any::<bool>())
            .prop_map(|(workers, asynchronous)| RustModel::RsProcess(Processes { workers, asynchronous })),
    ];
    // A library variant goes with the models of its kind: ureq blocking, hyper async.
    let rust = (rust, any::<bool>()).prop_map(|(model, variant)| {
        // rs-process:async=true runs the codec only: hyper goes with the tokio models.
        let hybrid = matches!(&model, RustModel::RsProcess(p) if p.asynchronous);
        let lib = (variant && !hybrid).then_some(if model.is_async() {
            HttpLib::Hyper
        } else {
            HttpLib::Ureq
        });
        ModelSpec::Rust { model, lib }
    });
    prop_oneof![rust, py]
}

proptest! {
    #[test]
    fn workload_specs_round_trip(w in workload()) {
        let printed = w.to_string();
        let parsed: WorkloadSpec = printed.parse().map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&parsed, &w, "{}", printed);
        let json = serde_json::to_string(&w).unwrap();
        prop_assert_eq!(serde_json::from_str::<WorkloadSpec>(&json).unwrap(), w);
    }

    #[test]
    fn model_specs_round_trip(m in model()) {
        let printed = m.to_string();
        let parsed: ModelSpec = printed.parse().map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(parsed, m, "{}", printed);
    }
}

/// The user's task file of the py-task round trip: one file, written once.
fn task_file() -> &'static str {
    static FILE: std::sync::OnceLock<(tempfile::TempDir, String)> = std::sync::OnceLock::new();
    &FILE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("task.py");
            std::fs::write(&path, "def f(i):\n    return i\n").unwrap();
            let text = path.display().to_string();
            (dir, text)
        })
        .1
}

proptest! {
    #[test]
    fn py_task_specs_round_trip_with_the_files_hash(
        func in prop::option::of("[a-z_][a-z0-9_]{0,8}"),
        afunc in prop::option::of("[a-z_][a-z0-9_]{0,8}"),
        setup in prop::option::of("[a-z_][a-z0-9_]{0,8}"),
        adapt in any::<bool>(),
    ) {
        prop_assume!(func.is_some() || afunc.is_some());
        let mut spec = format!("py-task:file={}", task_file());
        for (key, value) in [("fn", &func), ("afn", &afunc), ("setup", &setup)] {
            if let Some(v) = value {
                spec.push_str(&format!(",{key}={v}"));
            }
        }
        if adapt {
            spec.push_str(",adapt=true");
        }
        let w: WorkloadSpec = spec.parse().map_err(|e| TestCaseError::fail(format!("{spec}: {e}")))?;
        let WorkloadSpec::PyTask(task) = &w else { return Err(TestCaseError::fail("not a py-task")) };
        prop_assert_eq!(task.sha.len(), 16);
        let printed = w.to_string();
        prop_assert!(printed.ends_with(&format!(",sha={}", task.sha)), "{}", printed);
        let parsed: WorkloadSpec = printed.parse().map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&parsed, &w);
        let json = serde_json::to_value(&w).unwrap();
        prop_assert_eq!(&json["kind"], "py-task");
        prop_assert_eq!(serde_json::from_value::<WorkloadSpec>(json).unwrap(), w);
    }
}

#[test]
fn a_versioned_python_model_keeps_its_name() {
    let spec: ModelSpec = "py3.12-asyncio".parse().unwrap();
    assert_eq!(spec.to_string(), "py3.12-asyncio");
}
