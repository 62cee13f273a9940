//! A sweep plan: the validated options turned into the list of cells to run, in the order
//! that spreads drift evenly (for each task count, repeats interleave the models: A B C
//! A B C), with the timeout each cell gets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::BenchArgs;
use crate::model::python::{self, Interpreter};
use crate::model::{self, Model};
use crate::workload::{self, Needs, Target, Workload};

/// The workloads of the no-argument sweep.
pub const DEFAULT_WORKLOADS: &[&str] = &["http:latency=50ms", "sleep:1s"];

/// The Python models the no-argument sweep adds when a `python3` is found.
pub const DEFAULT_PYTHON_MODELS: &[&str] = &["py-thread", "py-pool", "py-asyncio"];

/// Probe the interpreters to use (`--python` paths, or `python3`); a note for each one
/// that cannot be used.
fn find_pythons(paths: &[String]) -> (Vec<Interpreter>, Vec<String>) {
    let candidates: Vec<String> = if paths.is_empty() {
        vec!["python3".into()]
    } else {
        paths.to_vec()
    };
    let (mut found, mut notes) = (Vec::new(), Vec::new());
    for path in candidates {
        match python::probe(&path) {
            Ok(i) if !found.iter().any(|f: &Interpreter| f.version == i.version) => found.push(i),
            Ok(_) => {}
            Err(why) => notes.push(format!("Python models skipped for {why}")),
        }
    }
    (found, notes)
}

/// Give every Python model its interpreter: one copy per interpreter (named with its
/// version) when there are several; none, with a note, when there is no usable one or
/// the model's library is not installed.
fn expand_python(
    requested: Vec<Arc<dyn Model>>,
    pythons: &[Interpreter],
    notes: &mut Vec<String>,
) -> (Vec<Arc<dyn Model>>, Vec<Option<Interpreter>>) {
    let (mut models, mut interpreters): (Vec<Arc<dyn Model>>, Vec<Option<Interpreter>>) = (Vec::new(), Vec::new());
    for m in requested {
        let Some(py) = m.python() else {
            models.push(m);
            interpreters.push(None);
            continue;
        };
        let matching: Vec<&Interpreter> = pythons
            .iter()
            .filter(|i| py.version.as_ref().is_none_or(|v| &i.short == v || &i.version == v))
            .collect();
        if matching.is_empty() {
            if !pythons.is_empty() || py.version.is_some() {
                notes.push(format!(
                    "{} skipped: no Python {} given",
                    m.spec(),
                    py.version.clone().unwrap_or_default()
                ));
            }
            continue;
        }
        for i in matching {
            if let Some(lib) = py.lib {
                if !i.libraries.contains_key(lib) {
                    notes.push(format!(
                        "{} skipped: {lib} is not installed for {} ({})",
                        m.spec(),
                        i.path,
                        i.version
                    ));
                    continue;
                }
            }
            let version = (pythons.len() > 1).then(|| i.short.clone());
            let named: Arc<dyn Model> = Arc::new(py.with_version(version.or(py.version.clone())));
            if !models.iter().any(|x| x.spec() == named.spec()) {
                models.push(named);
                interpreters.push(Some(i.clone()));
            }
        }
    }
    (models, interpreters)
}

/// Read a URL list: one URL per line, blank lines and `#` comments allowed. A bad line is
/// an error naming the file and the line.
pub fn read_url_list(path: &std::path::Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut urls = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        workload::check_url(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        urls.push(line.to_string());
    }
    if urls.is_empty() {
        return Err(format!("{} holds no URLs", path.display()));
    }
    Ok(urls)
}

/// The default task counts.
pub const DEFAULT_TASKS: &[usize] = &[10, 100, 1_000, 10_000];
const QUICK_TASKS: &[usize] = &[10, 100, 1_000];
const FULL_TASKS: &[usize] = &[1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
/// What a cell gets when the user sets no timeout, beyond its queue's least time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The no-argument sweep's cell timeout: it keeps `conlab bench` to about two minutes by
/// skipping, up front, queueing cells that arithmetic says would take longer.
const DEFAULT_SWEEP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Plan {
    pub workloads: Vec<Arc<dyn Workload>>,
    pub models: Vec<Arc<dyn Model>>,
    pub tasks: Vec<usize>,
    pub repeat: usize,
    /// The timeout the user set (or the default sweep's), if any.
    pub cell_timeout: Option<Duration>,
    pub out: PathBuf,
    /// URLs the user gave with `--target` or `--urls` (empty: conlab's own server).
    pub urls: Vec<String>,
    /// Where the URLs came from, for the record.
    pub urls_source: Option<String>,
    /// Per model: the interpreter a Python model runs under (`None` for Rust models).
    pub interpreters: Vec<Option<Interpreter>>,
    /// The interpreters in use.
    pub pythons: Vec<Interpreter>,
    /// One line each about what was left out and why (missing Python, libraries).
    pub notes: Vec<String>,
}

/// One cell to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedCell {
    pub workload: usize,
    pub model: usize,
    pub tasks: usize,
    pub repeat: usize,
}

impl Plan {
    pub fn from_args(args: &BenchArgs) -> Result<Plan, String> {
        let default_sweep = args.workloads.is_empty() && args.models.is_none() && args.tasks.is_none();
        let workload_specs = if args.workloads.is_empty() {
            DEFAULT_WORKLOADS.iter().map(|w| w.to_string()).collect()
        } else {
            args.workloads.clone()
        };
        let (urls, urls_source) = match (&args.target, &args.urls) {
            (Some(url), _) => {
                workload::check_url(url).map_err(|e| format!("--target: {e}"))?;
                (vec![url.clone()], Some(format!("--target {url}")))
            }
            (None, Some(file)) => {
                let urls = read_url_list(file)?;
                let source = format!("--urls {} ({} URLs)", file.display(), urls.len());
                (urls, Some(source))
            }
            (None, None) => (Vec::new(), None),
        };
        let check_target = Target {
            urls: urls.clone(),
            ..Target::placeholder()
        };
        let model_specs = match &args.models {
            Some(list) => list.0.clone(),
            None => model::REGISTRY.iter().map(|m| m.name.to_string()).collect(),
        };
        let tasks = match (&args.tasks, args.quick, args.full) {
            (Some(list), _, _) => list.0.clone(),
            (None, true, _) => QUICK_TASKS.to_vec(),
            (None, _, true) => FULL_TASKS.to_vec(),
            _ => DEFAULT_TASKS.to_vec(),
        };
        let mut workloads = Vec::new();
        for spec in &workload_specs {
            let w = workload::parse_for(spec, &check_target)?;
            if !workloads.iter().any(|x: &Arc<dyn Workload>| x.spec() == w.spec()) {
                workloads.push(w);
            }
        }
        let requested = model_specs
            .iter()
            .map(|s| model::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let wants_python = args.models.is_none() || requested.iter().any(|m| m.python().is_some());
        let (pythons, mut notes) = if wants_python {
            find_pythons(&args.python)
        } else {
            (Vec::new(), Vec::new())
        };
        let mut requested = requested;
        if args.models.is_none() && !pythons.is_empty() {
            for name in DEFAULT_PYTHON_MODELS {
                requested.push(model::parse(name)?);
            }
        }
        let (models, interpreters) = expand_python(requested, &pythons, &mut notes);
        if models.is_empty() {
            return Err(format!("no models left to run: {}", notes.join("; ")));
        }
        let out = args.out.clone().unwrap_or_else(|| {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
            PathBuf::from("results").join(stamp.trim_end_matches('Z').replace(':', "-"))
        });
        let cell_timeout = args.cell_timeout.or(default_sweep.then_some(DEFAULT_SWEEP_TIMEOUT));
        Ok(Plan {
            workloads,
            models,
            tasks,
            repeat: args.repeat as usize,
            cell_timeout,
            out,
            urls,
            urls_source,
            interpreters,
            pythons,
            notes,
        })
    }

    /// Whether the sweep needs conlab's own server.
    pub fn needs_own_server(&self) -> bool {
        self.workloads.iter().any(|w| match w.needs() {
            Needs::Http => self.urls.is_empty(),
            Needs::Tcp => true,
            Needs::Nothing => false,
        })
    }

    /// Every cell in run order.
    pub fn cells(&self) -> Vec<PlannedCell> {
        let mut cells = Vec::new();
        for workload in 0..self.workloads.len() {
            for &tasks in &self.tasks {
                for repeat in 0..self.repeat {
                    for model in 0..self.models.len() {
                        cells.push(PlannedCell {
                            workload,
                            model,
                            tasks,
                            repeat,
                        });
                    }
                }
            }
        }
        cells
    }

    /// The least time a cell can take by arithmetic: queueing models run at most
    /// `width` tasks at once, each taking at least the workload's waits.
    pub fn least_time(&self, cell: &PlannedCell) -> Duration {
        let per_task = self.workloads[cell.workload].min_task_time();
        match self.models[cell.model].queue_width() {
            Some(width) if width > 0 => per_task * cell.tasks.div_ceil(width) as u32,
            _ => per_task,
        }
    }

    /// The timeout a cell runs under: the user's, or 60 s beyond its least time.
    pub fn timeout_for(&self, cell: &PlannedCell) -> Duration {
        self.cell_timeout.unwrap_or(DEFAULT_TIMEOUT + self.least_time(cell))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn plan(args: &[&str]) -> Plan {
        let mut argv = vec!["conlab", "bench"];
        argv.extend_from_slice(args);
        let crate::cli::Command::Bench(b) = crate::cli::Cli::try_parse_from(argv).unwrap().command else {
            unreachable!()
        };
        Plan::from_args(&b).unwrap()
    }

    #[test]
    fn repeats_interleave_models() {
        let p = plan(&[
            "--workload",
            "sleep:1ms",
            "--models",
            "rs-thread,rs-async",
            "--tasks",
            "1,10",
            "--repeat",
            "2",
        ]);
        let order: Vec<_> = p.cells().iter().map(|c| (c.tasks, c.repeat, c.model)).collect();
        assert_eq!(
            order,
            vec![
                (1, 0, 0),
                (1, 0, 1),
                (1, 1, 0),
                (1, 1, 1),
                (10, 0, 0),
                (10, 0, 1),
                (10, 1, 0),
                (10, 1, 1)
            ]
        );
    }

    #[test]
    fn queueing_models_get_time_to_drain() {
        let p = plan(&[
            "--workload",
            "sleep:200ms",
            "--models",
            "rs-pool:size=4,rs-async",
            "--tasks",
            "1000",
        ]);
        let cells = p.cells();
        assert_eq!(p.least_time(&cells[0]), Duration::from_millis(200 * 250));
        assert_eq!(p.timeout_for(&cells[0]), Duration::from_secs(110));
        assert_eq!(p.timeout_for(&cells[1]), Duration::from_millis(60_200));
    }

    #[test]
    fn url_lists_name_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("urls.txt");
        std::fs::write(
            &file,
            "# targets\nhttp://127.0.0.1:8080/a\n\nhttp://127.0.0.1:8080/b  # second\n",
        )
        .unwrap();
        assert_eq!(
            read_url_list(&file).unwrap(),
            vec!["http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"]
        );
        std::fs::write(&file, "http://127.0.0.1:8080/a\nftp://nope\n").unwrap();
        let err = read_url_list(&file).unwrap_err();
        assert!(err.contains("urls.txt:2:"), "{err}");
        std::fs::write(&file, "# nothing\n").unwrap();
        assert!(read_url_list(&file).unwrap_err().contains("no URLs"));
    }

    #[test]
    fn defaults_cover_every_rust_model() {
        let p = plan(&[]);
        let specs: Vec<String> = p.models.iter().map(|m| m.spec()).collect();
        for m in model::REGISTRY {
            assert!(specs.contains(&m.name.to_string()), "{specs:?}");
        }
        for py in DEFAULT_PYTHON_MODELS {
            assert!(specs.contains(&py.to_string()), "python3 is installed here: {specs:?}");
        }
        assert_eq!(p.tasks, DEFAULT_TASKS);
        assert_eq!(p.cell_timeout, Some(DEFAULT_SWEEP_TIMEOUT));
        assert!(p.out.starts_with("results"));
    }
}
