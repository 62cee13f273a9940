//! Many results documents as one: the slices of a sharded plan (`bench --shard K/N`),
//! repeated runs of one plan, or the same plan on different kinds of machine.
//!
//! Numbers from different kinds of machine must never be pooled, and numbers from one
//! kind must be: so every cell is keyed by its host (the user's `--host-label`, or the
//! machine's kind, [`Environment::host_name`]). Shards of one plan on identical nodes
//! become one host and read like one long sweep; two instance types stay two hosts, each
//! cell naming its own. Cells that meet at the same (host, workload, model, tasks,
//! repeat) are further repeats, renumbered, never averaged: each stays the measurement
//! of one process. What is pooled exactly is the latency: the analysis sums the HDR
//! histograms of all runs of a (model, tasks) ([`super::stats::pooled`]) and reads the
//! percentiles with the one algorithm every cell uses.
//!
//! Documents of different plans or schema versions are refused unless the caller allows
//! them; a slice missing from a sharded plan is not an error but is said.

use std::collections::{BTreeMap, BTreeSet};

use crate::measure::env::Environment;
use crate::results::{CellResult, HostEnvironment, MergeSource, Merged, PlanInfo, Results, Shard, SCHEMA};

/// Documents that cannot be merged as they are, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("cannot merge {a} and {b}: schema {sa} is not {sb} (--allow-mixed merges them anyway)")]
    Schema {
        a: String,
        b: String,
        sa: String,
        sb: String,
    },
    #[error("cannot merge {a} and {b}: they ran different plans ({pa} vs {pb}) (--allow-mixed merges them anyway)")]
    Plan {
        a: String,
        b: String,
        pa: String,
        pb: String,
    },
}

/// One document to merge, with the name it is reported by (its path).
pub struct Input {
    pub path: String,
    pub results: Results,
}

/// The merged document, and the warnings a person should read (missing slices, a
/// document given twice).
pub struct Outcome {
    pub results: Results,
    pub warnings: Vec<String>,
}

/// A plan in one line, for the refusal: `3f2a.. (sleep:1ms; rs-thread,rs-async; tasks
/// 1,2; 2 repeats)`.
fn describe(p: &PlanInfo) -> String {
    let tasks: Vec<String> = p.tasks.iter().map(ToString::to_string).collect();
    format!(
        "{}{}; {}; tasks {}; {} repeats",
        p.fingerprint
            .as_deref()
            .map(|f| format!("plan {f}: "))
            .unwrap_or_default(),
        p.workloads.join(","),
        p.models.join(","),
        tasks.join(","),
        p.repeat
    )
}

/// What makes two plans the same: the fingerprint, or for results from before it, the
/// workloads, models, task counts and repeats.
fn plan_key(p: &PlanInfo) -> String {
    match &p.fingerprint {
        Some(f) => f.clone(),
        None => format!("{:?}", (&p.workloads, &p.models, &p.tasks, p.repeat)),
    }
}

/// Merge `inputs` in the order given. Unless `allow_mixed`, every document must have the
/// first one's schema and plan.
pub fn merge(inputs: Vec<Input>, allow_mixed: bool) -> Result<Outcome, MergeError> {
    let first = inputs.first().ok_or(MergeError::Empty)?;
    let mut mixed = Vec::new();
    for other in &inputs[1..] {
        let (a, b) = (&first.results, &other.results);
        let schema = (a.schema != b.schema).then(|| MergeError::Schema {
            a: first.path.clone(),
            b: other.path.clone(),
            sa: b.schema.clone(),
            sb: a.schema.clone(),
        });
        let plan = (plan_key(&a.plan) != plan_key(&b.plan)).then(|| MergeError::Plan {
            a: first.path.clone(),
            b: other.path.clone(),
            pa: describe(&a.plan),
            pb: describe(&b.plan),
        });
        for e in schema.into_iter().chain(plan) {
            match allow_mixed {
                true => mixed.push(e.to_string().replace(" (--allow-mixed merges them anyway)", "")),
                false => return Err(e),
            }
        }
    }
    let mut warnings = Vec::new();
    // A run is known by its start, host, slice and the wall times it measured (two
    // runs never measure the same ones): the same run given twice is merged once.
    type RunId = (String, String, Option<Shard>, Vec<u64>);
    let mut seen: Vec<RunId> = Vec::new();
    let mut kept: Vec<&Input> = Vec::new();
    for input in &inputs {
        let r = &input.results;
        let walls = r.cells.iter().chain(&r.baselines).map(|c| c.wall_s.to_bits()).collect();
        let id = (
            r.started_at.clone(),
            r.environment.host.hostname.clone(),
            r.plan.shard,
            walls,
        );
        if let Some(i) = seen.iter().position(|s| *s == id) {
            warnings.push(format!(
                "{} is the same run as {} (started {}); it was merged once",
                input.path, kept[i].path, r.started_at
            ));
            continue;
        }
        seen.push(id);
        kept.push(input);
    }
    warnings.extend(
        missing_shards(&kept)
            .iter()
            .map(|m| format!("missing slices of the plan: {m}")),
    );
    let (capacity, left_out) = capacity(&kept);
    warnings.extend(left_out.iter().cloned());
    mixed.extend(left_out);
    let mut results = join(&kept, mixed, missing_shards(&kept));
    super::capacity::attach(&mut results, capacity);
    Ok(Outcome { results, warnings })
}

/// For each slice count some input ran, the slices (`K/N`) no input holds, unless an
/// input ran the whole plan.
fn missing_shards(inputs: &[&Input]) -> Vec<String> {
    if inputs.iter().any(|i| i.results.plan.shard.is_none()) {
        return Vec::new();
    }
    let have: BTreeSet<Shard> = inputs.iter().filter_map(|i| i.results.plan.shard).collect();
    let counts: BTreeSet<usize> = have.iter().map(|s| s.count).collect();
    counts
        .into_iter()
        .flat_map(|count| (0..count).map(move |index| Shard { index, count }))
        .filter(|s| !have.contains(s))
        .map(|s| s.to_string())
        .collect()
}

/// Every cell of `inputs` keyed by host, repeats renumbered where they meet, in plan
/// order, with the analysis redone over them.
fn join(inputs: &[&Input], mixed: Vec<String>, missing_shards: Vec<String>) -> Results {
    let base = &inputs[0].results;
    // Each input's own cells keep the host they name (an input may itself be merged).
    let host_envs: Vec<BTreeMap<String, Environment>> = inputs.iter().map(|i| environments(&i.results)).collect();
    let mut hosts: Vec<(String, Environment)> = Vec::new();
    for envs in &host_envs {
        for (name, env) in envs {
            if !hosts.iter().any(|h| &h.0 == name) {
                hosts.push((name.clone(), env.clone()));
            }
        }
    }
    let several = hosts.len() > 1;
    let plan = merged_plan(inputs);
    let mut cells = Vec::new();
    let mut baselines = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let own = input.results.environment.host_name();
        let tag = |c: &CellResult| {
            let mut c = c.clone();
            let host = c.host.take().unwrap_or_else(|| own.clone());
            c.host = several.then_some(host);
            (i, c)
        };
        cells.extend(input.results.cells.iter().map(tag));
        baselines.extend(input.results.baselines.iter().map(tag));
    }
    let cells = renumber(cells);
    let mut baselines = renumber(baselines);
    let position = |list: &[String], x: &str| list.iter().position(|y| y == x).unwrap_or(usize::MAX);
    let names: Vec<String> = hosts.iter().map(|h| h.0.clone()).collect();
    let host_at = |c: &CellResult| c.host.as_deref().map_or(0, |h| position(&names, h));
    let mut cells = cells;
    cells.sort_by_key(|c| {
        (
            host_at(c),
            position(&plan.workloads, &c.workload),
            c.tasks,
            c.repeat,
            position(&plan.models, &c.model),
        )
    });
    baselines.sort_by_key(|c| (host_at(c), position(&plan.models, &c.model), c.repeat));
    let repeat = cells
        .iter()
        .fold(BTreeMap::<_, usize>::new(), |mut m, c| {
            *m.entry((c.host.clone(), c.workload.clone(), c.model.clone(), c.tasks))
                .or_default() += 1;
            m
        })
        .into_values()
        .max()
        .unwrap_or(plan.repeat);
    let plan = PlanInfo { repeat, ..plan };
    let analysis = super::analysis::analyze_hosts(&cells, &baselines, &plan.workloads, &plan.models);
    let sources = inputs
        .iter()
        .map(|i| {
            let r = &i.results;
            MergeSource {
                path: i.path.clone(),
                schema: r.schema.clone(),
                started_at: r.started_at.clone(),
                host: r.environment.host_name(),
                hostname: r.environment.host.hostname.clone(),
                shard: r.plan.shard,
                fingerprint: r.plan.fingerprint.clone(),
                cells: r.cells.len(),
                interrupted: r.interrupted,
            }
        })
        .collect();
    let starts = inputs.iter().map(|i| i.results.started_at.clone());
    let ends = inputs.iter().map(|i| i.results.finished_at.clone());
    let joined = Results {
        schema: SCHEMA.into(),
        tool: crate::results::Tool {
            name: "conlab".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: starts.filter(|s| !s.is_empty()).min().unwrap_or_default(),
        finished_at: ends.max().unwrap_or_default(),
        interrupted: inputs.iter().any(|i| i.results.interrupted),
        environment: base.environment.clone(),
        plan,
        cells,
        baselines,
        analysis,
        claims: Vec::new(),
        capacity: None,
        merged: Some(Merged {
            sources,
            hosts: match several {
                true => hosts
                    .into_iter()
                    .map(|(name, environment)| HostEnvironment { name, environment })
                    .collect(),
                false => Vec::new(),
            },
            missing_shards,
            mixed,
        }),
    };
    joined
}

/// The capacity searches of every input run at the first one's objective, together,
/// and one line per input whose searches answer another objective: those are left out
/// (one document holds one objective), and the line says so where a person reads it.
fn capacity(inputs: &[&Input]) -> (Option<crate::results::Capacity>, Vec<String>) {
    let mut all = inputs.iter().filter_map(|i| Some((i, i.results.capacity.as_ref()?)));
    let Some((first_input, first)) = all.next() else {
        return (None, Vec::new());
    };
    let mut joined = first.clone();
    let mut left_out = Vec::new();
    for (input, c) in all {
        if c.slo == joined.slo {
            joined.searches.extend(c.searches.iter().cloned());
        } else {
            left_out.push(format!(
                "{}: its {} capacity searches at {} left out; the merged capacity is at {} ({}); merge them apart",
                input.path,
                c.searches.len(),
                c.slo,
                joined.slo,
                first_input.path
            ));
        }
    }
    (Some(joined), left_out)
}

/// The machines of one document by name: its `merged.hosts` when it has them, else its
/// own environment.
fn environments(r: &Results) -> BTreeMap<String, Environment> {
    match r.merged.as_ref().filter(|m| !m.hosts.is_empty()) {
        Some(m) => m
            .hosts
            .iter()
            .map(|h| (h.name.clone(), h.environment.clone()))
            .collect(),
        None => BTreeMap::from([(r.environment.host_name(), r.environment.clone())]),
    }
}

/// The first plan, widened to every workload, model and task count of the others (they
/// differ only with `--allow-mixed`); no shard, the fingerprint only if all agree.
fn merged_plan(inputs: &[&Input]) -> PlanInfo {
    let mut plan = inputs[0].results.plan.clone();
    // Each workload's counts, widened the same way.
    let mut counts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for p in inputs.iter().map(|i| &i.results.plan) {
        for w in &p.workloads {
            let all = counts.entry(w.clone()).or_default();
            all.extend(p.tasks_for(w));
            all.sort_unstable();
            all.dedup();
        }
    }
    for i in &inputs[1..] {
        let p = &i.results.plan;
        for w in &p.workloads {
            if !plan.workloads.contains(w) {
                plan.workloads.push(w.clone());
            }
        }
        for m in &p.models {
            if !plan.models.contains(m) {
                plan.models.push(m.clone());
            }
        }
        for t in &p.tasks {
            if !plan.tasks.contains(t) {
                plan.tasks.push(*t);
            }
        }
        if p.fingerprint != plan.fingerprint {
            plan.fingerprint = None;
        }
    }
    plan.tasks.sort_unstable();
    plan.tasks_of = counts.into_iter().filter(|(_, c)| *c != plan.tasks).collect();
    plan.shard = None;
    plan.command = format!(
        "conlab merge {}",
        inputs.iter().map(|i| i.path.as_str()).collect::<Vec<_>>().join(" ")
    );
    plan
}

/// Cells that meet at one (host, workload, model, tasks) with the same repeat number
/// came from different runs: number that group's repeats afresh, in input order.
fn renumber(cells: Vec<(usize, CellResult)>) -> Vec<CellResult> {
    type Key = (Option<String>, String, String, usize);
    let key = |c: &CellResult| -> Key { (c.host.clone(), c.workload.clone(), c.model.clone(), c.tasks) };
    let mut groups: BTreeMap<Key, Vec<(usize, usize)>> = BTreeMap::new();
    for (input, c) in &cells {
        groups.entry(key(c)).or_default().push((*input, c.repeat));
    }
    let clashing: BTreeSet<Key> = groups
        .into_iter()
        .filter(|(_, runs)| {
            let repeats: BTreeSet<usize> = runs.iter().map(|r| r.1).collect();
            repeats.len() < runs.len()
        })
        .map(|(k, _)| k)
        .collect();
    let mut ordered = cells;
    ordered.sort_by_key(|(input, c)| (*input, c.repeat));
    let mut next: BTreeMap<Key, usize> = BTreeMap::new();
    ordered
        .into_iter()
        .map(|(_, mut c)| {
            let k = key(&c);
            if clashing.contains(&k) {
                let n = next.entry(k).or_default();
                c.repeat = *n;
                *n += 1;
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests;
